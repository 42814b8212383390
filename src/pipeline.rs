//! A build: every recipient typeset in parallel, checked, and streamed in
//! campaign order into the zip.
//!
//! Parallelism follows `ARCHITECTURE.md`. In the binary, with more than one
//! job, each job is a worker process (`fork.rs`, `in_processes`), and this
//! process reads their packets in campaign order. Otherwise (`--jobs 1`, the
//! library) a dedicated rayon pool of `jobs` threads runs exactly one
//! long-lived worker per thread (`broadcast`, `in_threads`), each taking the
//! next recipient from a shared queue. Typst's own rayon work then runs on
//! that pool, and a waiting worker can only pick up Typst's small internal
//! jobs, never another recipient (the stack-overflow trap of a `par_iter`
//! over recipients). Either way one writer (the calling thread) takes
//! finished packets in order through a bounded reorder window (for worker
//! processes, see `fork::Children`), so memory stays flat.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq as _};
use serde_json::json;

use crate::bundle::{self, Entry, ZipOut};
use crate::campaign::{Campaign, Recipient};
use crate::clock::Stopwatch;
use crate::diag::{Diag, DiagResult, Merged, dedupe};
use crate::fork::Built;
use crate::ledger::{ENVELOPE_PDF, Kept, LETTER_PDF, Ledger, Made, Record, Records};
use crate::printfile::{Piece, PrintFile};
use crate::render::{Renderer, world};

/// How a build runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the zip goes; `None` checks only and writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Worker threads.
    pub jobs: usize,
    /// `SOURCE_DATE_EPOCH`, if set: the PDFs' creation date.
    pub epoch: Option<i64>,
    /// Typeset in worker processes rather than threads (when `jobs` > 1, on
    /// Unix). Only for a program with no other threads at work: the build
    /// forks.
    pub processes: bool,
    /// Set to stop the build early (Ctrl-C).
    pub cancel: Option<&'static AtomicBool>,
    /// Called after each packet with (done, total).
    pub progress: Option<fn(usize, usize)>,
    /// Write the packets that succeeded even if others failed.
    pub keep_going: bool,
}

/// What a build did, for the summary and `--format json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The zip written, if any.
    pub zip: Option<PathBuf>,
    /// Size of the zip in bytes.
    pub zip_bytes: u64,
    /// Packets built.
    pub packets: usize,
    /// Letter pages.
    pub pages: usize,
    /// Sheets of paper (both sides printed unless the campaign is simplex).
    pub sheets: usize,
    /// What the packets weigh, per destination and per postage step.
    pub postage: Postage,
    /// Packets that went into the flat envelope (id, envelope) because they
    /// have more sheets than the campaign's envelope holds folded.
    pub switched: Vec<(String, String)>,
    /// Packets per destination country.
    pub by_country: BTreeMap<String, usize>,
    /// Packets that cross a border.
    pub international: usize,
    /// Wall time by stage, in seconds.
    pub timings: Timings,
    /// Packets that failed (with `keep_going`): their problems.
    #[serde(skip)]
    pub failures: Vec<Diag>,
    /// How many packets failed.
    pub failed: usize,
    /// Warnings from loading and typesetting (merged across recipients).
    #[serde(skip)]
    pub warnings: Vec<Diag>,
}

/// Packet weights, for buying postage.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Postage {
    /// Every packet.
    pub all: Tally,
    /// Per destination country (ISO code).
    pub by_country: BTreeMap<String, Tally>,
}

/// Packets, sheets and grams, and how many packets fall into each postage step.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Tally {
    /// Packets.
    pub packets: usize,
    /// Sheets.
    pub sheets: usize,
    /// Total estimated weight in grams (0.1 g).
    pub grams: f64,
    /// Packets per weight step, lightest first: (`up_to_g`, packets); the
    /// last step has no upper bound (`null`).
    pub by_weight: Vec<WeightStep>,
}

/// One postage weight step.
#[derive(Debug, Clone, Serialize)]
pub struct WeightStep {
    /// The step's upper bound in grams (`None`: heavier than every step).
    pub up_to_g: Option<f64>,
    /// Packets in this step.
    pub packets: usize,
}

impl Tally {
    fn add(&mut self, sheets: usize, grams: f64) {
        self.packets += 1;
        self.sheets += sheets;
        self.grams = round1(self.grams + grams);
        let up_to = crate::postal::WEIGHT_STEPS.iter().copied().find(|step| grams <= *step);
        match self.by_weight.iter_mut().find(|s| s.up_to_g == up_to) {
            Some(step) => step.packets += 1,
            None => {
                self.by_weight.push(WeightStep { up_to_g: up_to, packets: 1 });
                self.by_weight.sort_by(|a, b| {
                    a.up_to_g
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.up_to_g.unwrap_or(f64::INFINITY))
                });
            }
        }
    }

    /// `≤20 g 6, ≤50 g 2`.
    pub fn steps(&self) -> String {
        let steps: Vec<String> = self
            .by_weight
            .iter()
            .map(|s| match s.up_to_g {
                Some(g) => format!("≤{g} g {}", s.packets),
                None => format!("heavier {}", s.packets),
            })
            .collect();
        steps.join(", ")
    }
}

/// Rounds to 0.1 (grams in the manifest).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Wall time by stage.
#[derive(Debug, Default, Serialize)]
pub struct Timings {
    /// Typesetting and exporting every packet (in parallel).
    pub render: f64,
    /// Print files, CSV, sources, manifest, closing the zip.
    pub bundle: f64,
    /// Worker time spent on packets (compiling, exporting, checking, taking
    /// the PDFs apart for the print files), summed over workers.
    pub render_cpu: f64,
    /// Of which: compiling (evaluation and layout), summed over workers.
    pub compile_cpu: f64,
    /// Of which: exporting PDFs, summed over workers.
    pub export_cpu: f64,
    /// Of which: preparing the print files' pieces, summed over workers.
    pub print_cpu: f64,
    /// Worker time spent waiting because they were too far ahead of the
    /// writer, summed over workers (not part of `render_cpu`).
    pub waited: f64,
    /// The writer's time on packets during the render stage: zip entries,
    /// hashes, appending to the print files, flushing print parts.
    pub write: f64,
}

/// Finished work for one recipient.
struct Done {
    index: usize,
    /// The recipient, handed on to the writer, which lets go of it once its
    /// packet is in the zip.
    recipient: Recipient,
    result: Result<Built, Vec<Diag>>,
    /// The letter and envelope taken apart for the print files (when writing).
    pieces: Option<Result<(Piece, Option<Piece>), String>>,
    cpu: Duration,
    print_cpu: Duration,
    waited: Duration,
}

/// Every how many packets the writer hands freed memory back to the system.
/// Packets are allocated on the workers and freed on the writer; an allocator
/// keeps such memory for the thread that allocated it (glibc's arenas,
/// mimalloc's pages), where it would add up to tens of MB over a large
/// campaign.
const TRIM_EVERY: usize = 32;

/// Typst's memoization cache is evicted after every `EVICT_EVERY`-th packet,
/// dropping what the last `EVICT_AGE` evictions did not use: what every packet
/// reuses (the body's paragraphs) stays, one recipient's layout goes within
/// about ten packets. Evicting after every packet with an age of 10 kept the
/// same but took 0.3 ms per packet (5 % of a build) instead of 0.15.
pub(crate) const EVICT_EVERY: usize = 4;
pub(crate) const EVICT_AGE: usize = 2;

/// How far ahead of the writer workers may run, per worker.
const WINDOW_PER_JOB: usize = 4;

/// Builds (or, without an output folder, checks) a campaign.
///
/// The build takes the campaign's recipients. In threads each one travels
/// from the queue to a worker to the writer and is dropped once its packet is
/// written; with worker processes, which share this process's memory until
/// they end, the writer gets a copy of each. What the manifest needs of a
/// packet waits on disk (see `ledger.rs`).
pub fn run(mut campaign: Campaign, options: &Options) -> Result<Summary, Vec<Diag>> {
    let recipients = std::mem::take(&mut campaign.recipients);
    // The writer reports them with the packets' warnings (moved, not copied:
    // a large campaign has thousands).
    let warnings = std::mem::take(&mut campaign.warnings);
    let total = recipients.len();
    let campaign = &campaign;
    release_freed_memory();
    let renderer = Renderer::new(campaign, options.epoch);
    // No more workers than packets (a worker process costs its own fonts and
    // caches).
    let jobs = options.jobs.clamp(1, total.max(1));
    let mut writer = Writer::new(campaign, &renderer, options, total, warnings)?;
    let started = Instant::now();
    #[cfg(unix)]
    if options.processes && jobs > 1 {
        in_processes(&mut writer, &renderer, recipients, jobs, options)?;
        return writer.finish(started.elapsed());
    }
    in_threads(&mut writer, &renderer, recipients, jobs, options)?;
    writer.finish(started.elapsed())
}

/// The packets made by `jobs` worker threads in this process.
fn in_threads(
    writer: &mut Writer,
    renderer: &Renderer,
    recipients: Vec<Recipient>,
    jobs: usize,
    options: &Options,
) -> Result<(), Vec<Diag>> {
    let total = recipients.len();
    let queue = Mutex::new(recipients.into_iter().enumerate());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("letterpress-worker-{i}"))
        .build()
        .map_err(|err| vec![Diag::error(format!("failed to start worker threads ({err})"))])?;
    let written = (Mutex::new(0usize), Condvar::new());
    let window = jobs * WINDOW_PER_JOB;
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Done>();
    let writing = writer.zip.is_some();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.broadcast(|_| {
                let tx = tx.clone();
                loop {
                    if stop.load(Ordering::Relaxed) || cancelled(options) {
                        break;
                    }
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((index, recipient)) = next else { break };
                    // Wait until the writer is close enough behind.
                    let asked = Instant::now();
                    let (lock, cvar) = &written;
                    let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while index >= *done + window && !stop.load(Ordering::Relaxed) {
                        done = cvar.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                    drop(done);
                    let t = Instant::now();
                    let waited = t - asked;
                    let cpu = Stopwatch::start();
                    let result = renderer.packet(&recipient);
                    if (index + 1).is_multiple_of(EVICT_EVERY) {
                        typst::comemo::evict(EVICT_AGE);
                    }
                    // Taking the PDFs apart for the print files is the
                    // costly half of writing them: it happens here, in
                    // parallel, not on the writer.
                    let prepared = Stopwatch::start();
                    let result = result.map(Built::from);
                    let pieces = pieces(&result, writing);
                    let done = Done {
                        index,
                        recipient,
                        result,
                        pieces,
                        cpu: cpu.elapsed(),
                        print_cpu: prepared.elapsed(),
                        waited,
                    };
                    if tx.send(done).is_err() {
                        break;
                    }
                }
            });
            drop(tx);
        });

        let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
        let mut expected = 0;
        for done in rx.iter() {
            pending.insert(done.index, done);
            while let Some(done) = pending.remove(&expected) {
                let t = Instant::now();
                writer.take(done);
                writer.write += t.elapsed();
                expected += 1;
                let (lock, cvar) = &written;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                cvar.notify_all();
                if let Some(progress) = options.progress {
                    progress(expected, total);
                }
            }
            if cancelled(options) {
                stop.store(true, Ordering::Relaxed);
                written.1.notify_all();
            }
        }
    });
    if cancelled(options) {
        return Err(interrupted());
    }
    Ok(())
}

/// The packets made by `jobs` worker processes (see `fork.rs`); a packet
/// with any diagnostic is made again here, where its diagnostics belong.
#[cfg(unix)]
fn in_processes(
    writer: &mut Writer,
    renderer: &Renderer,
    recipients: Vec<Recipient>,
    jobs: usize,
    options: &Options,
) -> Result<(), Vec<Diag>> {
    let failed = |what: &str, err: &dyn std::fmt::Display| {
        vec![Diag::error(format!("failed to {what} ({err}); nothing was written"))]
    };
    let mut children = crate::fork::spawn(jobs, renderer, &recipients)
        .map_err(|err| failed("start the worker processes", &err))?;
    let writing = writer.zip.is_some();
    let total = recipients.len();
    // The writer gets a copy of each recipient: the children share the
    // original's memory with this process until one of them writes to it,
    // and freeing a recipient here is such a write (each page freed from
    // would be copied, in this process, while the children keep theirs).
    for (index, recipient) in recipients.iter().enumerate() {
        if cancelled(options) {
            return Err(interrupted());
        }
        let message = children.next(index).map_err(|err| failed("typeset the packets", &err))?;
        let (result, cpu, waited) = match message {
            crate::fork::Message::Packet { built, cpu, waited } => (Ok(*built), cpu, waited),
            crate::fork::Message::Redo => {
                let t = Stopwatch::start();
                let result = renderer.packet(recipient).map(Built::from);
                (result, t.elapsed(), Duration::ZERO)
            }
        };
        let prepared = Stopwatch::start();
        let pieces = pieces(&result, writing);
        let print_cpu = prepared.elapsed();
        let recipient = recipient.clone();
        let done =
            Done { index, recipient, result, pieces, cpu: cpu + print_cpu, print_cpu, waited };
        let t = Instant::now();
        writer.take(done);
        writer.write += t.elapsed();
        if let Some(progress) = options.progress {
            progress(index + 1, total);
        }
    }
    writer.read = children.finish().map_err(|err| failed("typeset the packets", &err))?;
    Ok(())
}

/// Takes a packet's PDFs apart for the print files (when writing).
fn pieces(
    result: &Result<Built, Vec<Diag>>,
    writing: bool,
) -> Option<Result<(Piece, Option<Piece>), String>> {
    match (result, writing) {
        (Ok(packet), true) => Some(Piece::prepare(&packet.letter).and_then(|l| {
            let e = packet.envelope.as_ref().map(|e| Piece::prepare(e));
            Ok((l, e.transpose()?))
        })),
        _ => None,
    }
}

/// Hands memory freed so far (the parsed campaign file's tree, a large
/// recipients file) back to the system, so that it does not stay in the
/// build's resident memory while thousands of packets are typeset. The
/// binary allocates with mimalloc; the tests, through the library, with
/// glibc's malloc: both are asked.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it has no
    // preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    // SAFETY: mi_collect only frees this thread's unused mimalloc pages (and
    // does nothing if mimalloc is not the allocator); no preconditions.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// What a build stopped by the user says.
fn interrupted() -> Vec<Diag> {
    vec![Diag::error("the build was interrupted; nothing was written")]
}

/// Whether the user asked the build to stop.
fn cancelled(options: &Options) -> bool {
    options.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

/// The writer's state: packets arrive here in campaign order.
struct Writer<'a> {
    campaign: &'a Campaign,
    renderer: &'a Renderer<'a>,
    zip: Option<ZipOut>,
    diags: Vec<Diag>,
    entries: Vec<Entry>,
    /// What the manifest and the CSV need of each packet written, on disk
    /// (when writing).
    ledger: Option<Ledger>,
    /// Recipients in the campaign.
    total: usize,
    /// Packets written (or checked).
    packets: usize,
    by_country: BTreeMap<String, usize>,
    international: usize,
    /// The current print part, being written to temporary files.
    print: Option<(PrintFile, Option<PrintFile>)>,
    /// Packets in the current print part.
    in_part: usize,
    /// The current print part's recipients, for its labels (kept only when
    /// the campaign prints labels).
    labelled: Vec<Recipient>,
    pages: usize,
    sheets: usize,
    postage: Postage,
    switched: Vec<(String, String)>,
    cpu: Duration,
    compile_cpu: Duration,
    export_cpu: Duration,
    print_cpu: Duration,
    waited: Duration,
    write: Duration,
    part: usize,
    epoch: Option<i64>,
    keep_going: bool,
    failures: Vec<(Recipient, Vec<Diag>)>,
    warnings: Merged,
    /// Campaign files that worker processes read (for `source/`).
    read: Vec<(String, typst::foundations::Bytes)>,
}

impl<'a> Writer<'a> {
    fn new(
        campaign: &'a Campaign,
        renderer: &'a Renderer<'a>,
        options: &Options,
        total: usize,
        warnings: Vec<Diag>,
    ) -> Result<Self, Vec<Diag>> {
        let zip = match &options.out_dir {
            Some(dir) => Some(ZipOut::create(dir, &campaign.id, campaign.date)?),
            None => None,
        };
        let ledger = match &zip {
            Some(zip) => Some(Ledger::create(zip.dir()).map_err(|err| {
                vec![Diag::error(format!(
                    "failed to create a temporary file in `{}` ({err})",
                    zip.dir().display()
                ))]
            })?),
            None => None,
        };
        Ok(Self {
            campaign,
            renderer,
            zip,
            diags: vec![],
            entries: vec![],
            ledger,
            total,
            packets: 0,
            by_country: BTreeMap::new(),
            international: 0,
            print: None,
            in_part: 0,
            labelled: vec![],
            pages: 0,
            sheets: 0,
            postage: Postage::default(),
            switched: vec![],
            cpu: Duration::ZERO,
            compile_cpu: Duration::ZERO,
            export_cpu: Duration::ZERO,
            print_cpu: Duration::ZERO,
            waited: Duration::ZERO,
            write: Duration::ZERO,
            part: 0,
            epoch: options.epoch,
            keep_going: options.keep_going,
            failures: vec![],
            warnings: warnings.into_iter().collect(),
            read: vec![],
        })
    }

    /// The folder inside the zip.
    fn root(&self) -> &str {
        &self.campaign.id
    }

    /// Takes the next packet in order.
    fn take(&mut self, done: Done) {
        self.cpu += done.cpu;
        self.print_cpu += done.print_cpu;
        self.waited += done.waited;
        let packet = match done.result {
            Ok(mut packet) => {
                self.compile_cpu += packet.compile;
                self.export_cpu += packet.export;
                std::mem::take(&mut packet.warnings)
                    .into_iter()
                    .for_each(|w| self.warnings.push(w));
                packet
            }
            Err(diags) if self.keep_going => {
                self.failures.push((done.recipient, diags));
                return;
            }
            Err(diags) => {
                self.diags.extend(diags);
                // All or nothing: stop writing, keep collecting problems.
                self.zip = None;
                return;
            }
        };
        if !self.diags.iter().any(Diag::is_error)
            && let Err(diags) = self.write_packet(done.recipient, packet, done.pieces)
        {
            self.diags.extend(diags);
            self.zip = None;
        }
    }

    fn write_packet(
        &mut self,
        recipient: Recipient,
        packet: Built,
        pieces: Option<Result<(Piece, Option<Piece>), String>>,
    ) -> DiagResult<()> {
        let r = &recipient;
        let folder = format!("{}/packets/{}", self.root(), r.folder());
        let c = self.campaign;
        let pages = packet.pages;
        let sheets = packet.sheets;
        let envelope = packet.envelope_used;
        let switched = envelope.id != c.envelope.id;
        let grams = round1(
            sheets as f64 * crate::postal::sheet_grams(c.paper, c.paper_weight) + envelope.grams(),
        );
        self.postage.all.add(sheets, grams);
        self.postage.by_country.entry(r.country.code.clone()).or_default().add(sheets, grams);
        if switched {
            self.switched.push((r.id().to_string(), envelope.id.to_string()));
        }
        *self.by_country.entry(r.country.code.clone()).or_insert(0) += 1;
        self.international += usize::from(r.country.code != c.sender.country.code);
        self.packets += 1;
        // The PDFs' digests as written into the zip (letter, envelope): the
        // print files derive their identifiers from them.
        let mut digests = [None, None];
        if let (Some(zip), Some(ledger)) = (&mut self.zip, &mut self.ledger) {
            let docs =
                [(LETTER_PDF, Some(&packet.letter)), (ENVELOPE_PDF, packet.envelope.as_ref())];
            let mut files = vec![];
            for (i, (name, pdf)) in docs.into_iter().enumerate() {
                let Some(pdf) = pdf else { continue };
                let entry = zip.add(&format!("{folder}/{name}"), pdf)?;
                digests[i] = Some(entry.sha256);
                files.push(Kept { sha256: entry.sha256, bytes: entry.bytes });
            }
            let made = Made { pages, sheets, envelope: envelope.id, switched, grams, files };
            ledger.add(&Record::new(r, made)).map_err(|err| {
                vec![
                    Diag::error(format!("failed to write the packet's record ({err})"))
                        .recipient(r.label()),
                ]
            })?;
        }
        if self.packets.is_multiple_of(TRIM_EVERY) {
            release_freed_memory();
        }
        self.pages += pages;
        self.sheets += sheets;
        if let (Some(zip), Some(pieces)) = (&self.zip, pieces) {
            let fail = |why: &dyn std::fmt::Display| {
                vec![
                    Diag::error(format!("failed to write the print files ({why})"))
                        .recipient(r.label()),
                ]
            };
            let (letter, envelope) = pieces.map_err(|why| fail(&why))?;
            let digest =
                |i: usize| digests[i].as_ref().ok_or_else(|| fail(&"a PDF not in the zip"));
            let title = &self.campaign.title;
            if self.print.is_none() {
                let sides = if self.campaign.duplex { 2 } else { 1 };
                let file = PrintFile::create(zip.dir(), sides, &format!("{title} — letters"))
                    .map_err(|why| fail(&why))?;
                self.print = Some((file, None));
            }
            if let Some((letters, envelopes)) = &mut self.print {
                letters.add(&letter, digest(0)?).map_err(|why| fail(&why))?;
                if let Some(piece) = envelope {
                    if envelopes.is_none() {
                        let file = PrintFile::create(zip.dir(), 1, &format!("{title} — envelopes"))
                            .map_err(|why| fail(&why))?;
                        *envelopes = Some(file);
                    }
                    if let Some(file) = envelopes {
                        file.add(&piece, digest(1)?).map_err(|why| fail(&why))?;
                    }
                }
            }
            self.in_part += 1;
            if self.campaign.labels.is_some() {
                self.labelled.push(recipient);
            }
            if self.in_part >= self.campaign.print_part_size {
                self.flush_print()?;
            }
        }
        Ok(())
    }

    /// Writes the pending packets' pages as the next part of the print files
    /// (`print/letters.pdf`, or `print/letters-001.pdf`, … for large campaigns)
    /// and lets go of them.
    fn flush_print(&mut self) -> DiagResult<()> {
        let Some((letters, envelopes)) = self.print.take() else {
            return Ok(());
        };
        self.in_part = 0;
        self.part += 1;
        let parts = self.total.div_ceil(self.campaign.print_part_size);
        let suffix = if parts > 1 { format!("-{:03}", self.part) } else { String::new() };
        let root = self.root().to_string();
        let labelled = std::mem::take(&mut self.labelled);
        for (file, kind) in [(Some(letters), "letters"), (envelopes, "envelopes")] {
            let Some(file) = file else { continue };
            let name = format!("{kind}{suffix}.pdf");
            let fail = |why: &dyn std::fmt::Display| {
                vec![Diag::error(format!("failed to write print/{name} ({why})"))]
            };
            let (mut file, len) = file.finish().map_err(|why| fail(&why))?;
            if let Some(zip) = &mut self.zip {
                self.entries.push(zip.add_reader(
                    &format!("{root}/print/{name}"),
                    &mut file,
                    len,
                )?);
            }
        }
        // The part's labels, in packet order; each part starts a new sheet.
        if let Some(sheet) = self.campaign.labels {
            let recipients: Vec<&Recipient> = labelled.iter().collect();
            let name = format!("labels{suffix}.pdf");
            let doc = self.renderer.labels(sheet, &recipients, &format!("{root}/print/{name}"))?;
            if let Some(zip) = &mut self.zip {
                self.entries.push(zip.add(&format!("{root}/print/{name}"), &doc.pdf)?);
            }
        }
        Ok(())
    }

    /// Writes the print files, the list, the sources and the manifest.
    fn finish(mut self, render_time: Duration) -> Result<Summary, Vec<Diag>> {
        if self.diags.iter().any(Diag::is_error) {
            return Err(dedupe(self.diags));
        }
        let started = Instant::now();
        let c = self.campaign;
        let mut zip_path = None;
        let mut zip_bytes = 0;
        if let Some(zip) = self.zip.take() {
            let root = self.root().to_string();
            let add = |zip: &mut ZipOut, path: String, bytes: &[u8], entries: &mut Vec<Entry>| {
                zip.add(&path, bytes).map(|e| entries.push(e))
            };
            self.zip = Some(zip);
            self.flush_print()?;
            let Some(mut zip) = self.zip.take() else { return Err(dedupe(self.diags)) };
            if !self.failures.is_empty() {
                let failures = serde_json::to_vec_pretty(&self.failures_json()).unwrap_or_default();
                add(&mut zip, format!("{root}/failures.json"), &failures, &mut self.entries)?;
            }
            let records = self.ledger.take().map(Ledger::close).transpose().map_err(|err| {
                vec![Diag::error(format!("failed to read back the packets' records ({err})"))]
            })?;
            let Some(records) = records else { return Err(dedupe(self.diags)) };
            let csv = zip.add_streamed(&format!("{root}/recipients.csv"), &mut |out| {
                let rows = records.iter();
                bundle::write_recipients_csv(out, records.lines(), rows)
            })?;
            self.entries.push(csv);
            let read = self.renderer.files_read();
            let mut inputs: BTreeMap<&str, std::borrow::Cow<[u8]>> =
                c.inputs.iter().map(|i| (i.rel.as_str(), i.bytes())).collect();
            for (rel, bytes) in read.iter().chain(self.read.iter().map(|(r, b)| (r, b))) {
                inputs.entry(rel).or_insert(std::borrow::Cow::Borrowed(bytes));
            }
            let mut sources = vec![];
            for (rel, bytes) in &inputs {
                let entry = zip.add(&format!("{root}/source/{rel}"), bytes)?;
                sources.push(json!({ "path": rel, "sha256": entry.sha256, "bytes": entry.bytes }));
                self.entries.push(entry);
            }
            let manifest = self.manifest(sources, &records);
            zip.add_streamed(&format!("{root}/manifest.json"), &mut |out| {
                serde_json::to_writer_pretty(&mut *out, &manifest).map_err(std::io::Error::other)
            })?;
            let path = zip.finish()?;
            zip_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            zip_path = Some(path);
        }
        let failed = self.failures.len();
        let failures = dedupe(self.failures.drain(..).flat_map(|(_, d)| d).collect());
        Ok(Summary {
            warnings: std::mem::take(&mut self.warnings).finish(),
            failures,
            failed,
            zip: zip_path,
            zip_bytes,
            packets: self.packets,
            pages: self.pages,
            sheets: self.sheets,
            postage: self.postage.clone(),
            switched: std::mem::take(&mut self.switched),
            by_country: std::mem::take(&mut self.by_country),
            international: self.international,
            timings: Timings {
                render: render_time.as_secs_f64(),
                bundle: started.elapsed().as_secs_f64(),
                render_cpu: self.cpu.as_secs_f64(),
                compile_cpu: self.compile_cpu.as_secs_f64(),
                export_cpu: self.export_cpu.as_secs_f64(),
                print_cpu: self.print_cpu.as_secs_f64(),
                waited: self.waited.as_secs_f64(),
                write: self.write.as_secs_f64(),
            },
        })
    }

    /// A diagnostic as JSON with its file named relative to the campaign
    /// folder, so the archive does not depend on where the build ran.
    fn portable(&self, diag: &Diag) -> serde_json::Value {
        let mut json = crate::diag::to_json(diag);
        let c = self.campaign;
        if let Some(file) = json.pointer_mut("/at/file") {
            let name = file.as_str().unwrap_or_default().to_string();
            let rel = if name == c.file.name {
                c.inputs.first().map(|i| i.rel.clone()).unwrap_or(name)
            } else {
                let base = c.path.parent().map(|p| p.display().to_string()).unwrap_or_default();
                name.strip_prefix(&base)
                    .map(|r| r.trim_start_matches('/').to_string())
                    .unwrap_or(name)
            };
            *file = serde_json::Value::String(rel);
        }
        json
    }

    /// `failures.json`: the packets left out with `--keep-going`, and why.
    fn failures_json(&self) -> serde_json::Value {
        let list: Vec<_> = self
            .failures
            .iter()
            .map(|(r, diags)| {
                json!({
                    "number": r.number,
                    "id": r.id(),
                    "name": r.name(),
                    "organisation": r.organisation(),
                    "errors": diags.iter().filter(|d| d.is_error()).map(|d| self.portable(d)).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "failed": list.len(), "packets": list })
    }

    fn manifest<'m>(
        &'m self,
        sources: Vec<serde_json::Value>,
        records: &'m Records,
    ) -> Manifest<'m> {
        let c = self.campaign;
        Manifest {
            campaign: json!({
                "id": c.id,
                "title": c.title,
                "date": format!("{:04}-{:02}-{:02}", c.date.0, c.date.1, c.date.2),
                "language": c.words.code,
                "paper": c.paper.id,
                "layout": c.layout.id,
                "envelope": if c.print_envelopes { c.envelope.id } else { "none" },
                "window_envelope": c.envelope.window.map(|_| c.envelope.id),
                "duplex": c.duplex,
                "paper_weight": c.paper_weight,
                "pdf_standard": c.pdf_standard,
                "labels": c.labels.map(|s| s.id),
                "file": c.inputs.first().map(|i| i.rel.clone()),
                "source_date_epoch": self.epoch,
            }),
            failed: self.failures.iter().map(|(r, _)| r.id()).collect(),
            fonts: world::FONTS.iter().map(|(name, _)| json!({ "file": name, "sha256": world::font_sha256(name) })).collect(),
            format: "letterpress-manifest/1",
            inputs: sources,
            outputs: Outputs(self, records),
            recipients: Recipients(self, records),
            templates: world::TEMPLATES.iter().map(|(name, text)| json!({ "file": name, "sha256": bundle::sha256(text.as_bytes()) })).collect(),
            tool: json!({ "name": "letterpress", "version": env!("CARGO_PKG_VERSION"), "typst": "0.15.1" }),
            totals: json!({
                "packets": self.packets,
                "pages": self.pages,
                "sheets": self.sheets,
                "by_country": self.by_country,
                "grams": self.postage.all.grams,
                "by_weight": self.postage.all.by_weight,
                "postage_by_country": self.postage.by_country,
            }),
        }
    }
}

/// `manifest.json`, serialized straight into the zip: the per-packet lists
/// are read back from the ledger one record at a time, never held as one
/// tree in memory. Fields in alphabetical order, as `serde_json` writes its
/// maps.
#[derive(Serialize)]
struct Manifest<'m> {
    campaign: serde_json::Value,
    failed: Vec<&'m str>,
    fonts: Vec<serde_json::Value>,
    format: &'static str,
    inputs: Vec<serde_json::Value>,
    outputs: Outputs<'m>,
    recipients: Recipients<'m>,
    templates: Vec<serde_json::Value>,
    tool: serde_json::Value,
    totals: serde_json::Value,
}

/// Every file the build wrote but the sources: the packets', then the rest.
struct Outputs<'m>(&'m Writer<'m>, &'m Records);

impl Serialize for Outputs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self(w, records) = self;
        let root = format!("{}/", w.root());
        let sources = format!("{root}source/");
        let mut seq = serializer.serialize_seq(None)?;
        for p in records.iter() {
            let p = p.map_err(S::Error::custom)?;
            for (name, k) in p.files() {
                let path = format!("packets/{}/{name}", p.folder);
                seq.serialize_element(
                    &json!({ "path": path, "sha256": k.sha256, "bytes": k.bytes }),
                )?;
            }
        }
        for e in w.entries.iter().filter(|e| !e.path.starts_with(&sources)) {
            let path = e.path.trim_start_matches(&root);
            seq.serialize_element(&json!({ "path": path, "sha256": e.sha256, "bytes": e.bytes }))?;
        }
        seq.end()
    }
}

/// One entry per packet written, in campaign order.
struct Recipients<'m>(&'m Writer<'m>, &'m Records);

impl Serialize for Recipients<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self(w, records) = self;
        let mut seq = serializer.serialize_seq(None)?;
        for p in records.iter() {
            let p = p.map_err(S::Error::custom)?;
            let files: Vec<_> = p.files().map(|(name, k)| json!({ "path": format!("{}/packets/{}/{name}", w.root(), p.folder), "sha256": k.sha256, "bytes": k.bytes })).collect();
            seq.serialize_element(&json!({
                "number": p.number,
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "country": p.country,
                "folder": format!("packets/{}", p.folder),
                "pages": p.pages,
                "sheets": p.sheets,
                "envelope": p.envelope,
                "flat_because_thick": p.switched,
                "grams": p.grams(),
                "address": p.address,
                "files": files,
            }))?;
        }
        seq.end()
    }
}
