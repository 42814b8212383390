//! letterpress: a campaign TOML → a letter and an envelope PDF per recipient → one zip.

mod args;
mod commands;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Parser;
use codespan_reporting::term::termcolor::ColorChoice;

use args::{CampaignArgs, Cli, Command, Format};
use letterpress::campaign::{self, Overrides};
use letterpress::diag::{self, Diag};
use letterpress::pipeline;

/// mimalloc: Typst allocates and frees many small objects per packet; with
/// glibc's malloc that took a tenth of a build's CPU and grew when two
/// workers allocated at once (see ARCHITECTURE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set by Ctrl-C; the build stops and writes nothing.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// mimalloc's `mi_option_purge_delay` (the same number in its v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Memory freed is handed back to the system after 100 ms instead of
    // v3's 1 s: a build frees on the writer what the workers allocated,
    // packet after packet, and with 1 s a 10,000-packet build held ~4 MB
    // more. 10 ms (mimalloc 2's default) held 1-2 MB less than 100 ms but
    // gave back pages that the next packet took again: twice the page
    // faults, 17 % more system time and 2.5 % more wall time at 10,000
    // packets (immediate purging, 0 ms, cost 9 % of the throughput).
    // SAFETY: setting an option at start-up, before any thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100);
    }
    // Output piped into `head` and closed early: end quietly, as Unix tools
    // do, instead of failing to print. SAFETY: setting a signal disposition
    // to its default at start-up, before any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Ctrl-C, for the commands that stop cleanly when asked (a build drops
    // its temporary zip and exits 1); the others keep the default, an
    // immediate exit, having nothing half-written to remove.
    if matches!(cli.command, Command::Build(_) | Command::Check(_) | Command::Rebuild(_)) {
        stop_when_interrupted();
    }
    let (args, out, keep_going) = match &cli.command {
        Command::Build(build) => (&build.campaign, Some(build.output.clone()), build.keep_going),
        Command::Check(args) => (args, None, false),
        Command::Data(args) => return finish(data(args)),
        Command::Verify(args) => return finish(verify(args)),
        Command::Rebuild(args) => return finish(rebuild(args)),
        Command::Preview(args) => return finish(commands::preview(args)),
        Command::List(args) => return finish(commands::list(args)),
        Command::New(args) => return finish(commands::new(args)),
        Command::Templates => return finish(commands::templates()),
        Command::Fonts => return finish(commands::fonts()),
        Command::Completions(args) => return finish(commands::completions(args)),
    };
    let dry_run = matches!(&cli.command, Command::Build(b) if b.dry_run);
    match run(args, out, keep_going, dry_run) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(diags) if args.format == Format::Json => {
            let report = serde_json::json!({
                "ok": false,
                "errors": diags.iter().filter(|d| d.is_error()).map(diag::to_json).collect::<Vec<_>>(),
                "warnings": diags.iter().filter(|d| !d.is_error()).map(diag::to_json).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            ExitCode::from(1)
        }
        Err(diags) => {
            print_diags(&diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("{} — nothing was written", count(errors, "error"));
            ExitCode::from(1)
        }
    }
}

/// Ctrl-C (and on Unix `kill` or a closed terminal: SIGTERM, SIGHUP) sets
/// `CANCEL` instead of ending the process. If the handler cannot be
/// installed the default (immediate exit) remains, and a build's temporary
/// file is named so that it is recognisable.
///
/// On Unix a plain signal handler, not a thread waiting for the signal (the
/// `ctrlc` crate's way): a build forks its worker processes, and a fork
/// while another thread holds a lock, as that thread did for a moment while
/// starting (mimalloc's, setting up its heap), leaves the lock held forever
/// in the child, which then hangs at its first thread.
fn stop_when_interrupted() {
    #[cfg(unix)]
    {
        extern "C" fn interrupted(_: libc::c_int) {
            // An atomic store is async-signal-safe.
            CANCEL.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: a zeroed sigaction is valid (empty mask, no flags);
            // the handler only stores to an atomic. SA_RESTART: reads,
            // writes and waits resume after the signal instead of failing.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = interrupted as extern "C" fn(libc::c_int) as usize;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrlc::set_handler(|| CANCEL.store(true, std::sync::atomic::Ordering::Relaxed));
    }
}

/// Loads, builds or checks, and prints the summary.
fn run(
    args: &CampaignArgs,
    out: Option<std::path::PathBuf>,
    keep_going: bool,
    dry_run: bool,
) -> Result<bool, Vec<Diag>> {
    let overrides = Overrides {
        paper: args.paper.clone(),
        layout: args.layout.clone(),
        envelope: args.envelope.clone(),
        pdf_standard: args.pdf_standard.clone(),
        labels: args.labels.clone(),
        duplex: args.simplex.then_some(false),
    };
    let mut campaign = campaign::load(&args.path, &overrides)?;
    if !args.only.is_empty() {
        commands::only(&mut campaign, &args.only)?;
    }
    if dry_run {
        commands::dry_run(&campaign, out.as_deref());
        return Ok(true);
    }
    let jobs =
        args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // As the build does: no more workers than packets.
    let jobs = jobs.clamp(1, campaign.recipients.len().max(1));
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse().ok());
    let progress =
        (!args.quiet && std::io::stderr().is_terminal() && campaign.recipients.len() > 50)
            .then_some(progress as fn(usize, usize));
    let options = pipeline::Options {
        out_dir: out,
        jobs,
        epoch,
        // The binary has no other thread at work when the build forks.
        processes: true,
        cancel: Some(&CANCEL),
        progress,
        keep_going,
    };
    let summary = pipeline::run(campaign, &options)?;
    let ok = summary.failed == 0;
    if args.format == Format::Json {
        let report = serde_json::json!({
            "warnings": summary.warnings.iter().map(diag::to_json).collect::<Vec<_>>(),
            "ok": ok,
            "summary": summary,
            "jobs": jobs,
            "errors": summary.failures.iter().filter(|d| d.is_error()).map(diag::to_json).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return Ok(ok);
    }
    if !args.quiet {
        print_diags(&summary.warnings);
    }
    if !ok {
        print_diags(&summary.failures);
        eprintln!(
            "{} of {} packets failed and were left out (see failures.json in the zip)",
            summary.failed,
            summary.failed + summary.packets
        );
    }
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        let countries: Vec<String> =
            summary.by_country.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(
            stdout,
            "{} {} ({} international) · {} on {} · {}",
            if summary.zip.is_some() { "built" } else { "checked" },
            count(summary.packets, "packet"),
            summary.international,
            count(summary.pages, "page"),
            count(summary.sheets, "sheet"),
            countries.join(", "),
        );
        let all = &summary.postage.all;
        let _ = writeln!(stdout, "postage: {:.1} g in all · {}", all.grams, all.steps());
        for (country, tally) in &summary.postage.by_country {
            let _ = writeln!(
                stdout,
                "  {country}: {}, {}, {:.1} g · {}",
                count(tally.packets, "packet"),
                count(tally.sheets, "sheet"),
                tally.grams,
                tally.steps()
            );
        }
        for (id, envelope) in &summary.switched {
            let _ = writeln!(
                stdout,
                "packet `{id}` has more sheets than the envelope holds folded: it goes flat into {envelope}"
            );
        }
        if let Some(zip) = &summary.zip {
            let _ = writeln!(
                stdout,
                "wrote {} ({} KiB)",
                zip.display(),
                summary.zip_bytes.div_ceil(1024)
            );
        }
        let _ = writeln!(
            stdout,
            "in {:.2} s ({:.2} s typesetting on {}, {:.2} s bundling)",
            summary.timings.render + summary.timings.bundle,
            summary.timings.render,
            if jobs > 1 { format!("{jobs} worker processes") } else { count(jobs, "thread") },
            summary.timings.bundle
        );
    }
    Ok(ok)
}

/// Exit code and diagnostics for the commands that do not build.
fn finish(result: Result<bool, Vec<Diag>>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(diags) => {
            print_diags(&diags);
            ExitCode::from(1)
        }
    }
}

/// `verify`: prints what differs from the manifest.
fn verify(args: &args::ArchiveArgs) -> Result<bool, Vec<Diag>> {
    let report = letterpress::archive::verify(&args.zip)?;
    if args.format == Format::Json {
        let json = serde_json::json!({ "ok": report.is_intact(), "report": report });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return Ok(report.is_intact());
    }
    for (what, list) in
        [("missing", &report.missing), ("changed", &report.changed), ("extra", &report.extra)]
    {
        for name in list {
            println!("{what}: {name}");
        }
    }
    if report.is_intact() {
        println!("intact: all {} files match {}/manifest.json", report.intact, report.root);
    } else {
        let bad = report.missing.len() + report.changed.len() + report.extra.len();
        println!("NOT intact: {bad} of {} files differ from the manifest", bad + report.intact);
    }
    Ok(report.is_intact())
}

/// `rebuild`: builds the archive again and says whether the bytes match.
fn rebuild(args: &args::RebuildArgs) -> Result<bool, Vec<Diag>> {
    let jobs =
        args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let report =
        letterpress::archive::rebuild(&args.archive.zip, args.output.as_deref(), jobs, &CANCEL)?;
    if args.archive.format == Format::Json {
        let json = serde_json::json!({ "ok": report.identical, "report": report });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return Ok(report.identical);
    }
    if report.identical {
        println!(
            "identical: the rebuild from source/ is byte for byte {}",
            args.archive.zip.display()
        );
    } else {
        for name in &report.differences {
            println!("differs: {name}");
        }
        println!("NOT identical: {}", report.reason.as_deref().unwrap_or("the zips differ"));
    }
    if let Some(path) = &report.written {
        println!("wrote {}", path.display());
    }
    Ok(report.identical)
}

/// Prints one recipient's template data.
fn data(args: &args::DataArgs) -> Result<bool, Vec<Diag>> {
    let campaign = campaign::load(&args.path, &Overrides::default())?;
    let recipient = match &args.recipient {
        None => campaign.recipients.first(),
        Some(id) => campaign.recipients.iter().find(|r| r.id() == id),
    }
    .ok_or_else(|| {
        let id = args.recipient.as_deref().unwrap_or("");
        vec![Diag::error(format!("the campaign has no recipient `{id}`"))]
    })?;
    let renderer = letterpress::render::Renderer::new(&campaign, None);
    let data = renderer.data(recipient);
    println!("{}", serde_json::to_string_pretty(&data).unwrap_or_default());
    Ok(true)
}

/// Shows packets done, the rate and the time left on a terminal, once the
/// build has run for a second; redrawn at most ten times a second.
fn progress(done: usize, total: usize) {
    static STATE: std::sync::Mutex<Option<(std::time::Instant, std::time::Instant)>> =
        std::sync::Mutex::new(None);
    let Ok(mut state) = STATE.lock() else { return };
    let now = std::time::Instant::now();
    let (start, last) = state.get_or_insert((now, now));
    let elapsed = now.duration_since(*start).as_secs_f64();
    if done < total && (elapsed < 1.0 || now.duration_since(*last).as_millis() < 100) {
        return;
    }
    *last = now;
    if elapsed < 1.0 {
        return;
    }
    let rate = done as f64 / elapsed;
    let left = (total - done) as f64 / rate.max(0.001);
    let width = 30;
    let filled = done * width / total.max(1);
    eprint!(
        "\r[{}{}] {done}/{total} packets · {rate:.0}/s · {left:.0} s left  ",
        "#".repeat(filled),
        "-".repeat(width - filled)
    );
    if done == total {
        eprintln!();
    }
}

/// Prints diagnostics to stderr, coloured on a terminal.
fn print_diags(diags: &[Diag]) {
    let choice =
        if std::io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
    let mut stderr = codespan_reporting::term::termcolor::BufferedStandardStream::stderr(choice);
    diag::emit(&mut stderr, &diag::fold(diags, 20, 1));
    let _ = std::io::Write::flush(&mut stderr);
}

/// `n` things, in the singular for one: "1 packet", "2 packets".
pub(crate) fn count(n: usize, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{n} {thing}s") }
}
