//! Worker processes: with more than one job, the build forks one process per
//! job after loading, and each typesets every `jobs`-th recipient and sends
//! the finished PDFs back over a pipe. Two Typst compilers in two processes
//! got ~10 % more packets per second on two cores than two in one process
//! (Typst's memoization caches, interner and fonts are process-wide and
//! shared between threads; see `ARCHITECTURE.md`).
//!
//! A child sends, per packet in its share and in order, either the packet or
//! "redo": a packet with any diagnostic (an error, or a warning from Typst)
//! is typeset again in the parent, so that diagnostics never have to cross
//! the pipe. Last it sends the campaign files Typst read, for `source/`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use typst::foundations::Bytes;

use crate::campaign::Recipient;
use crate::postal;
use crate::render::{Packet, Renderer};

/// A packet as the writer needs it, from a worker thread or a process.
#[derive(Debug)]
pub struct Built {
    pub letter: Vec<u8>,
    pub envelope: Option<Vec<u8>>,
    /// Letter pages.
    pub pages: usize,
    pub sheets: usize,
    pub envelope_used: postal::Envelope,
    pub warnings: Vec<crate::diag::Diag>,
    /// Compiling and exporting, letter and envelope together.
    pub compile: Duration,
    pub export: Duration,
}

impl From<Packet> for Built {
    fn from(p: Packet) -> Self {
        let docs = || std::iter::once(&p.letter).chain(p.envelope.as_ref());
        let compile = docs().map(|d| d.compile).sum();
        let export = docs().map(|d| d.export).sum();
        let warnings = docs().flat_map(|d| d.warnings.iter().cloned()).collect();
        Self {
            pages: p.letter.pages.len(),
            sheets: p.sheets,
            envelope_used: p.envelope_used,
            warnings,
            compile,
            export,
            letter: p.letter.pdf,
            envelope: p.envelope.map(|e| e.pdf),
        }
    }
}

/// What a child sends about one packet.
pub enum Message {
    /// The packet, the child's time on it, and how long the child's previous
    /// packet waited for room in the pipe.
    Packet { built: Box<Built>, cpu: Duration, waited: Duration },
    /// The packet has diagnostics: make it again in the parent.
    Redo,
}

const PACKET: u8 = 1;
const REDO: u8 = 2;
const FILES: u8 = 3;

/// A running worker process.
pub struct Child {
    pid: libc::pid_t,
    from: BufReader<File>,
}

/// The running worker processes; dropping them kills any still running.
pub struct Children(Vec<Child>);

/// Forks `jobs` worker processes. Must run while this process has no other
/// thread that could hold a lock (before any worker pool exists).
pub fn spawn(
    jobs: usize,
    renderer: &Renderer,
    recipients: &[Recipient],
) -> std::io::Result<Children> {
    let mut children = Children(Vec::with_capacity(jobs));
    for k in 0..jobs {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just opened and are owned here.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // Room for several packets in flight (the default is 64 KiB, less
        // than one packet); a smaller pipe only means more waiting.
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: F_SETPIPE_SZ on a pipe we own; failure is harmless.
            unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
        }
        // SAFETY: the caller guarantees no other thread holds a lock; the
        // child never returns from `child` (it calls `_exit`).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            drop(read);
            // The other children's pipes, inherited: let go of them, so that
            // a child that dies is seen at once.
            children.0.iter_mut().for_each(|c| c.pid = 0);
            drop(children);
            child(k, jobs, renderer, recipients, File::from(write));
        }
        drop(write);
        children.0.push(Child { pid, from: BufReader::with_capacity(1 << 16, File::from(read)) });
    }
    Ok(children)
}

/// The child: typesets its share and exits, never returning (a return would
/// run the parent's destructors, such as the one that removes the unfinished
/// zip).
fn child(k: usize, jobs: usize, renderer: &Renderer, recipients: &[Recipient], to: File) -> ! {
    let work = std::panic::AssertUnwindSafe(|| -> std::io::Result<()> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(std::io::Error::other)?;
        pool.install(|| {
            let mut out = BufWriter::with_capacity(1 << 16, to);
            // How long the last packet waited in a full pipe (sent with the
            // next one).
            let mut blocked = Duration::ZERO;
            for (n, index) in (k..recipients.len()).step_by(jobs).enumerate() {
                let started = Instant::now();
                let result = renderer.packet(&recipients[index]);
                if (n + 1).is_multiple_of(crate::pipeline::EVICT_EVERY) {
                    typst::comemo::evict(crate::pipeline::EVICT_AGE);
                }
                let cpu = started.elapsed();
                match result.map(Built::from) {
                    Ok(built) if built.warnings.is_empty() => {
                        write_packet(&mut out, index, &built, cpu, blocked)?;
                    }
                    _ => {
                        out.write_all(&[REDO])?;
                        put_u64(&mut out, index as u64)?;
                    }
                }
                let flushing = Instant::now();
                out.flush()?;
                blocked = flushing.elapsed();
            }
            let read = renderer.files_read();
            out.write_all(&[FILES])?;
            put_u64(&mut out, read.len() as u64)?;
            for (name, bytes) in &read {
                put_bytes(&mut out, name.as_bytes())?;
                put_bytes(&mut out, bytes.as_slice())?;
            }
            out.flush()
        })
    });
    let code = match std::panic::catch_unwind(work) {
        Ok(Ok(())) => 0,
        _ => 1,
    };
    // SAFETY: ends the child at once, without running destructors or
    // flushing the parent's inherited buffers.
    unsafe { libc::_exit(code) }
}

fn write_packet(
    out: &mut impl Write,
    index: usize,
    b: &Built,
    cpu: Duration,
    blocked: Duration,
) -> std::io::Result<()> {
    out.write_all(&[PACKET])?;
    let times = [cpu, blocked, b.compile, b.export].map(|t| t.as_nanos() as u64);
    for n in [index as u64].into_iter().chain(times) {
        put_u64(out, n)?;
    }
    put_u64(out, b.pages as u64)?;
    put_u64(out, b.sheets as u64)?;
    put_bytes(out, b.envelope_used.id.as_bytes())?;
    put_bytes(out, &b.letter)?;
    match &b.envelope {
        Some(pdf) => {
            out.write_all(&[1])?;
            put_bytes(out, pdf)
        }
        None => out.write_all(&[0]),
    }
}

fn put_u64(out: &mut impl Write, n: u64) -> std::io::Result<()> {
    out.write_all(&n.to_le_bytes())
}

fn put_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    put_u64(out, bytes.len() as u64)?;
    out.write_all(bytes)
}

fn get_u64(from: &mut impl Read) -> std::io::Result<u64> {
    let mut b = [0; 8];
    from.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn get_bytes(from: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let len = get_u64(from)?;
    let mut bytes = vec![];
    from.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

fn get_u8(from: &mut impl Read) -> std::io::Result<u8> {
    let mut b = [0; 1];
    from.read_exact(&mut b)?;
    Ok(b[0])
}

fn nanos(n: u64) -> Duration {
    Duration::from_nanos(n)
}

impl Children {
    /// The next message about packet `index` (from the child whose share it
    /// is).
    pub fn next(&mut self, index: usize) -> std::io::Result<Message> {
        let jobs = self.0.len();
        let from = &mut self.0[index % jobs].from;
        let kind = get_u8(from).map_err(|err| match err.kind() {
            std::io::ErrorKind::UnexpectedEof => std::io::Error::other(format!(
                "worker process {} ended before packet {}",
                index % jobs + 1,
                index + 1
            )),
            _ => err,
        })?;
        let bad = |what: &str| std::io::Error::other(format!("a worker process sent {what}"));
        let got = get_u64(from)? as usize;
        if got != index {
            return Err(bad(&format!("packet {got} where {index} was due")));
        }
        match kind {
            REDO => Ok(Message::Redo),
            PACKET => {
                let (cpu, waited) = (get_u64(from)?, get_u64(from)?);
                let (compile, export) = (get_u64(from)?, get_u64(from)?);
                let (pages, sheets) = (get_u64(from)? as usize, get_u64(from)? as usize);
                let id = get_bytes(from)?;
                let envelope_used = std::str::from_utf8(&id)
                    .ok()
                    .and_then(postal::envelope)
                    .copied()
                    .ok_or_else(|| bad("an unknown envelope"))?;
                let letter = get_bytes(from)?;
                let envelope = match get_u8(from)? {
                    0 => None,
                    _ => Some(get_bytes(from)?),
                };
                let built = Built {
                    letter,
                    envelope,
                    pages,
                    sheets,
                    envelope_used,
                    warnings: vec![],
                    compile: nanos(compile),
                    export: nanos(export),
                };
                Ok(Message::Packet {
                    built: Box::new(built),
                    cpu: nanos(cpu),
                    waited: nanos(waited),
                })
            }
            _ => Err(bad("something unreadable")),
        }
    }

    /// The campaign files the children read, once every packet is in; then
    /// waits for them to end.
    pub fn finish(mut self) -> std::io::Result<Vec<(String, Bytes)>> {
        let mut read = vec![];
        for child in &mut self.0 {
            let from = &mut child.from;
            if get_u8(from)? != FILES {
                return Err(std::io::Error::other("a worker process sent something unreadable"));
            }
            for _ in 0..get_u64(from)? {
                let name = String::from_utf8(get_bytes(from)?).map_err(std::io::Error::other)?;
                read.push((name, Bytes::new(get_bytes(from)?)));
            }
        }
        for child in &mut self.0 {
            let mut status = 0;
            // SAFETY: waits for our own child; `status` is a valid out-pointer.
            unsafe { libc::waitpid(child.pid, &mut status, 0) };
            let pid = std::mem::replace(&mut child.pid, 0);
            if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                return Err(std::io::Error::other(format!("worker process {pid} failed")));
            }
        }
        Ok(read)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter().filter(|c| c.pid > 0) {
            // SAFETY: signals and reaps our own child process.
            unsafe {
                libc::kill(child.pid, libc::SIGKILL);
                libc::waitpid(child.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}
