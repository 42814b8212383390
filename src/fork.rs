//! Worker processes: with more than one job, the build forks one process per
//! job after loading. The parent hands out recipients one at a time through a
//! pipe that every child reads from (a child takes the next one when it is
//! free, so a child that gets less CPU simply takes fewer), and each child
//! sends the finished PDFs back over a pipe of its own. Two Typst compilers in
//! two processes got ~10 % more packets per second on two cores than two in
//! one process (Typst's memoization caches, interner and fonts are
//! process-wide and shared between threads; see `ARCHITECTURE.md`).
//!
//! A child sends, per recipient it took, either the packet or "redo": a
//! packet with any diagnostic (an error, or a warning from Typst) is typeset
//! again in the parent, so that diagnostics never have to cross the pipe.
//! When no recipient is left it sends the campaign files Typst read, for
//! `source/`, and ends. The parent keeps at most a window of recipients
//! handed out ahead of the packet it writes next, so the packets that arrive
//! early and wait for their turn stay few.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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
    /// The packet, the child's time on it, and how long the child waited
    /// for it to be handed out (the parent was behind).
    Packet { built: Box<Built>, cpu: Duration, waited: Duration },
    /// The packet has diagnostics: make it again in the parent.
    Redo,
}

const PACKET: u8 = 1;
const REDO: u8 = 2;
const FILES: u8 = 3;

/// Recipients handed out per worker process ahead of the packet the parent
/// writes next.
const AHEAD_PER_JOB: usize = 8;

/// A running worker process.
pub struct Child {
    pid: libc::pid_t,
    from: BufReader<File>,
    /// The campaign files it read, once it has sent them (its last message).
    read: Option<Vec<(String, Bytes)>>,
}

/// The running worker processes; dropping them kills any still running.
pub struct Children {
    children: Vec<Child>,
    /// The pipe the children take recipients from (closed once all are
    /// handed out, which tells each child to finish).
    tasks: Option<File>,
    /// Recipients handed out so far, and in all.
    sent: usize,
    total: usize,
    /// Messages that arrived before their turn.
    early: BTreeMap<usize, Message>,
}

/// A new pipe: (read end, write end).
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just opened and are owned here.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Forks `jobs` worker processes. Must run while this process has no other
/// thread that could hold a lock (before any worker pool exists).
pub fn spawn(
    jobs: usize,
    renderer: &Renderer,
    recipients: &[Recipient],
) -> std::io::Result<Children> {
    let (take, hand_out) = pipe()?;
    let mut children = Children {
        children: Vec::with_capacity(jobs),
        tasks: Some(File::from(hand_out)),
        sent: 0,
        total: recipients.len(),
        early: BTreeMap::new(),
    };
    // SAFETY: getpid has no preconditions.
    #[cfg(target_os = "linux")]
    let parent = unsafe { libc::getpid() };
    for _ in 0..jobs {
        let (read, write) = pipe()?;
        // Room for several packets in flight (the default is 64 KiB, less
        // than one packet); a smaller pipe only means more waiting.
        #[cfg(target_os = "linux")]
        // SAFETY: F_SETPIPE_SZ on a pipe we own; failure is harmless.
        unsafe {
            libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20)
        };
        // SAFETY: the caller guarantees no other thread holds a lock; the
        // child never returns from `child` (it calls `_exit`).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            // A worker ends with the build: if the build is killed outright
            // (SIGKILL leaves it no time to end its workers), the kernel
            // ends them too, instead of leaving them to run on holding the
            // build's output pipes. If it died before this was set, end now.
            #[cfg(target_os = "linux")]
            // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number;
            // _exit ends this child at once, as `child` does.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
            }
            drop(read);
            // The other children's pipes and the parent's end of the task
            // pipe, inherited: let go of them, so that a child that dies is
            // seen at once and the children see the end of the recipients.
            children.children.iter_mut().for_each(|c| c.pid = 0);
            drop(children);
            child(renderer, recipients, File::from(take), File::from(write));
        }
        drop(write);
        let from = BufReader::with_capacity(1 << 16, File::from(read));
        children.children.push(Child { pid, from, read: None });
    }
    drop(take);
    children.hand_out(jobs * AHEAD_PER_JOB)?;
    Ok(children)
}

/// The child: typesets the recipients it takes from `tasks` and exits, never
/// returning (a return would run the parent's destructors, such as the one
/// that removes the unfinished zip).
fn child(renderer: &Renderer, recipients: &[Recipient], mut tasks: File, to: File) -> ! {
    let work = std::panic::AssertUnwindSafe(|| -> std::io::Result<()> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(std::io::Error::other)?;
        pool.install(|| {
            let mut out = BufWriter::with_capacity(1 << 16, to);
            for n in 0.. {
                let waiting = Instant::now();
                // The parent writes whole indices, so a read gets a whole one
                // or the end.
                let index = match get_u64(&mut tasks) {
                    Ok(index) => index as usize,
                    Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(err) => return Err(err),
                };
                let waited = waiting.elapsed();
                let recipient = recipients.get(index).ok_or_else(|| {
                    std::io::Error::other(format!("no recipient {index} to typeset"))
                })?;
                let started = crate::clock::Stopwatch::start();
                let result = renderer.packet(recipient);
                if (n + 1usize).is_multiple_of(crate::pipeline::EVICT_EVERY) {
                    typst::comemo::evict(crate::pipeline::EVICT_AGE);
                }
                let cpu = started.elapsed();
                match result.map(Built::from) {
                    Ok(built) if built.warnings.is_empty() => {
                        write_packet(&mut out, index, &built, cpu, waited)?;
                    }
                    _ => {
                        out.write_all(&[REDO])?;
                        put_u64(&mut out, index as u64)?;
                    }
                }
                out.flush()?;
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
    waited: Duration,
) -> std::io::Result<()> {
    out.write_all(&[PACKET])?;
    let times = [cpu, waited, b.compile, b.export].map(|t| t.as_nanos() as u64);
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
    // Sized once: growing from empty copied each PDF several times.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 28));
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
    /// The message about packet `index`, from whichever child took it; then
    /// hands out the next recipient.
    pub fn next(&mut self, index: usize) -> std::io::Result<Message> {
        let message = loop {
            if let Some(message) = self.early.remove(&index) {
                break message;
            }
            self.receive(index)?;
        };
        self.hand_out(1)?;
        Ok(message)
    }

    /// Hands out up to `n` more recipients; closes the task pipe after the
    /// last, which ends each child once it has nothing left to do.
    fn hand_out(&mut self, n: usize) -> std::io::Result<()> {
        let end = (self.sent + n).min(self.total);
        let indices: Vec<u8> = (self.sent..end).flat_map(|i| (i as u64).to_le_bytes()).collect();
        if let Some(tasks) = &mut self.tasks {
            // Written whole (a pipe writes up to 4 KiB at once), so that no
            // child reads part of an index.
            let written = indices.chunks(512).try_for_each(|chunk| tasks.write_all(chunk));
            match written {
                Ok(()) => {}
                // No child left to read: the next message awaited says which
                // ended.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => self.tasks = None,
                Err(err) => return Err(err),
            }
        }
        self.sent = end;
        if self.sent == self.total {
            self.tasks = None;
        }
        Ok(())
    }

    /// Reads one message from a child that has one ready (waiting for one
    /// if none has), while packet `due` is awaited.
    fn receive(&mut self, due: usize) -> std::io::Result<()> {
        let k = self.ready(due)?;
        let from = &mut self.children[k].from;
        let kind = get_u8(from).map_err(|err| match err.kind() {
            std::io::ErrorKind::UnexpectedEof => std::io::Error::other(format!(
                "worker process {} ended before packet {}",
                k + 1,
                due + 1
            )),
            _ => err,
        })?;
        let bad = |what: &str| std::io::Error::other(format!("a worker process sent {what}"));
        if kind == FILES {
            let mut read = vec![];
            for _ in 0..get_u64(from)? {
                let name = String::from_utf8(get_bytes(from)?).map_err(std::io::Error::other)?;
                read.push((name, Bytes::new(get_bytes(from)?)));
            }
            self.children[k].read = Some(read);
            return Ok(());
        }
        let index = get_u64(from)? as usize;
        if index >= self.sent || index < due || self.early.contains_key(&index) {
            return Err(bad(&format!("packet {} out of turn", index + 1)));
        }
        let message = match kind {
            REDO => Message::Redo,
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
                Message::Packet { built: Box::new(built), cpu: nanos(cpu), waited: nanos(waited) }
            }
            _ => return Err(bad("something unreadable")),
        };
        self.early.insert(index, message);
        Ok(())
    }

    /// A child with a message to read: one with bytes buffered already, or
    /// the first the system says can be read from (a child that ended can
    /// be too, and its end is then read as an error).
    fn ready(&mut self, due: usize) -> std::io::Result<usize> {
        let running = |c: &Child| c.read.is_none();
        if let Some(k) =
            self.children.iter().position(|c| running(c) && !c.from.buffer().is_empty())
        {
            return Ok(k);
        }
        let (ks, mut fds): (Vec<usize>, Vec<libc::pollfd>) = (self.children.iter().enumerate())
            .filter(|(_, c)| running(c))
            .map(|(k, c)| {
                (
                    k,
                    libc::pollfd {
                        fd: c.from.get_ref().as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    },
                )
            })
            .unzip();
        if fds.is_empty() {
            return Err(std::io::Error::other(format!(
                "the worker processes ended before packet {}",
                due + 1
            )));
        }
        loop {
            // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if n > 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        let ready = fds.iter().position(|f| f.revents != 0).unwrap_or(0);
        Ok(ks[ready])
    }

    /// The campaign files the children read, once every packet is in; then
    /// waits for them to end.
    pub fn finish(mut self) -> std::io::Result<Vec<(String, Bytes)>> {
        // Any packet now would be out of turn, an error.
        while self.children.iter().any(|c| c.read.is_none()) {
            self.receive(self.total)?;
        }
        let read = self.children.iter_mut().filter_map(|c| c.read.take()).flatten().collect();
        for child in &mut self.children {
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
        for child in self.children.iter().filter(|c| c.pid > 0) {
            // SAFETY: signals and reaps our own child process.
            unsafe {
                libc::kill(child.pid, libc::SIGKILL);
                libc::waitpid(child.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}
