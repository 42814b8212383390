//! The zip: written to a temporary file beside the target, in a fixed order
//! with fixed timestamps, and renamed into place only when complete.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zip::DateTime;

use crate::diag::{Diag, DiagResult};

/// A zip being written. Dropping it without [`ZipOut::finish`] removes the
/// temporary file, so a failed build leaves nothing behind.
///
/// Written here rather than by the zip crate's `ZipWriter`, which keeps an
/// index entry of ~280 bytes per file until the archive is finished (5.5 MB
/// for the 20,000 files of 10,000 packets, the largest thing in a build that
/// grew with the campaign). Each file's central-directory record goes to an
/// unnamed temporary file as the file is written and is copied into the zip
/// at the end, so memory stays flat however many files there are. The zip
/// crate reads archives back (`archive`, the tests).
pub struct ZipOut {
    tmp: PathBuf,
    target: PathBuf,
    out: Option<BufWriter<Writeback>>,
    /// The central directory so far.
    central: Option<BufWriter<File>>,
    /// Files written.
    files: u64,
    /// Bytes in `central`.
    central_len: u64,
    /// Where the next local header goes.
    pos: u64,
    /// Moved into place: `Drop` leaves the file alone.
    done: bool,
    /// The campaign date as MS-DOS time and date.
    time: (u16, u16),
}

/// How a file is stored.
#[derive(Clone, Copy, PartialEq)]
enum Method {
    Stored = 0,
    Deflated = 8,
}

/// A file's size and checksum, as its headers give them.
#[derive(Clone, Copy)]
struct Sizes {
    crc: u32,
    compressed: u64,
    uncompressed: u64,
}

/// Fields of 32 bits that would overflow are 0xFFFFFFFF, the real value in
/// the Zip64 extra field (APPNOTE 4.5.3).
const MAX32: u64 = u32::MAX as u64;

/// One file in the archive, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Path inside the zip.
    pub path: String,
    /// SHA-256 of the bytes.
    pub sha256: Digest,
    /// Size in bytes.
    pub bytes: usize,
}

/// A SHA-256 digest; shown and serialized as lower-case hex. Kept as bytes
/// because a large build holds two per packet until the manifest is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The digest's 32 bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    /// Lower-case hex, written at once: the manifest of 10,000 packets shows
    /// 20,000 digests, and `write!` byte by byte took a tenth of its time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 64];
        for (pair, b) in hex.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 15)];
        }
        f.write_str(std::str::from_utf8(&hex).map_err(|_| std::fmt::Error)?)
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = <std::borrow::Cow<str>>::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        let ok = hex.len() == 64
            && bytes.iter_mut().enumerate().all(|(i, b)| {
                hex.get(2 * i..2 * i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .map(|v| *b = v)
                    .is_some()
            });
        if ok { Ok(Self(bytes)) } else { Err(serde::de::Error::custom("not a SHA-256 in hex")) }
    }
}

impl ZipOut {
    /// Starts `dir/<id>.zip` as a temporary file in `dir`.
    pub fn create(dir: &Path, id: &str, date: (u16, u8, u8)) -> DiagResult<Self> {
        std::fs::create_dir_all(dir).map_err(|err| {
            Diag::error(format!("failed to create output folder `{}` ({err})", dir.display()))
        })?;
        let target = dir.join(format!("{id}.zip"));
        let tmp = dir.join(format!(".{id}.zip.{}.tmp", std::process::id()));
        // The central directory's file first: nothing to remove if it fails.
        let central = tempfile::tempfile_in(dir).map_err(|err| {
            Diag::error(format!("failed to create a temporary file in `{}` ({err})", dir.display()))
        })?;
        let file = File::create(&tmp).map_err(|err| {
            vec![Diag::error(format!("failed to create `{}` ({err})", tmp.display()))]
        })?;
        let (y, m, d) = date;
        // Zip dates start in 1980; an older campaign date is stored as 1980-01-01.
        let time = DateTime::from_date_and_time(y.max(1980), m, d, 0, 0, 0).unwrap_or_default();
        Ok(Self {
            tmp,
            target,
            out: Some(BufWriter::new(Writeback { file, pos: 0, started: 0 })),
            central: Some(BufWriter::new(central)),
            files: 0,
            central_len: 0,
            pos: 0,
            done: false,
            time: (time.timepart(), time.datepart()),
        })
    }

    /// Adds a file. PDFs are stored (they are compressed already), text is deflated.
    pub fn add(&mut self, path: &str, bytes: &[u8]) -> DiagResult<Entry> {
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let stored = path.ends_with(".pdf") || path.ends_with(".png") || path.ends_with(".jpg");
        let crc = crc32fast::hash(bytes);
        let (method, data) = if stored {
            (Method::Stored, std::borrow::Cow::Borrowed(bytes))
        } else {
            let mut deflater = flate2::write::DeflateEncoder::new(
                Vec::with_capacity(bytes.len() / 2),
                flate2::Compression::default(),
            );
            deflater.write_all(bytes).map_err(|e| fail(&e))?;
            (Method::Deflated, std::borrow::Cow::Owned(deflater.finish().map_err(|e| fail(&e))?))
        };
        let sizes = Sizes { crc, compressed: data.len() as u64, uncompressed: bytes.len() as u64 };
        self.file(path, method, Some(&sizes), &mut |out| out.write_all(&data).map(|()| sizes))
            .map_err(|e| fail(&e))?;
        Ok(Entry { path: path.to_string(), sha256: Digest::of(bytes), bytes: bytes.len() })
    }

    /// Adds a file of `len` bytes from a reader (a print file waiting in a
    /// temporary file), stored, without holding it in memory.
    pub fn add_reader(&mut self, path: &str, reader: &mut dyn Read, len: u64) -> DiagResult<Entry> {
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let mut hasher = Sha256::new();
        // The checksum is not known yet: the header says 0 and is mended.
        let announced = Sizes { crc: 0, compressed: len, uncompressed: len };
        self.file(path, Method::Stored, Some(&announced), &mut |out| {
            let mut crc = crc32fast::Hasher::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut copied = 0u64;
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                crc.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                copied += n as u64;
            }
            if copied != len {
                return Err(std::io::Error::other(format!("expected {len} bytes, read {copied}")));
            }
            Ok(Sizes { crc: crc.finalize(), compressed: len, uncompressed: len })
        })
        .map_err(|e| fail(&e))?;
        let sha256 = Digest(hasher.finalize().into());
        Ok(Entry { path: path.to_string(), sha256, bytes: len as usize })
    }

    /// Adds a text file written by `write` straight into the (deflated)
    /// entry, without holding it in memory (the manifest of a large campaign).
    pub fn add_streamed(
        &mut self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> DiagResult<Entry> {
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let mut sha256 = Sha256::new();
        let mut len = 0;
        self.file(path, Method::Deflated, None, &mut |out| {
            // Writing (the manifest: the ledger read back and formatted as
            // JSON) and deflating take about as long as each other, at the end
            // of a build when the workers are gone and a core is free: the
            // deflater runs on a thread of its own. It gets the same writes
            // and flushes in the same order, so the bytes are one thread's.
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Option<Vec<u8>>>(4);
                let deflating = scope.spawn(move || -> std::io::Result<u64> {
                    let mut counted = Counting { inner: out, len: 0 };
                    let mut deflater = flate2::write::DeflateEncoder::new(
                        &mut counted,
                        flate2::Compression::default(),
                    );
                    for message in rx {
                        match message {
                            Some(bytes) => deflater.write_all(&bytes)?,
                            None => deflater.flush()?,
                        }
                    }
                    Ok(deflater.finish()?.len)
                });
                let mut hashing = Hashing {
                    inner: Channel(tx),
                    hasher: Sha256::new(),
                    crc: Default::default(),
                    len: 0,
                };
                // Buffered: serde_json writes a manifest a few bytes at a time,
                // and each write would be hashed, checksummed and sent on its
                // own (0.50 s for a 10,000-packet manifest, 0.26 s buffered).
                let mut buffered = BufWriter::with_capacity(1 << 16, &mut hashing);
                let written = write(&mut buffered).and_then(|()| buffered.flush());
                drop(buffered);
                let Hashing { inner, hasher, crc, len: n } = hashing;
                drop(inner); // the end of the deflater's input
                let deflated = deflating
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the deflater stopped")));
                // The deflater's error first: it is why a write above failed.
                let compressed = deflated?;
                written?;
                sha256 = hasher;
                len = n;
                Ok(Sizes { crc: crc.finalize(), compressed, uncompressed: n as u64 })
            })
        })
        .map_err(|e| fail(&e))?;
        Ok(Entry { path: path.to_string(), sha256: Digest(sha256.finalize().into()), bytes: len })
    }

    /// Writes one file: its local header (with `announced` sizes, or zeros),
    /// the data `write` produces, the header mended where the sizes it
    /// returns differ, and the file's central-directory record. The writer is
    /// out of `self` meanwhile and goes back only when all of it went well:
    /// after an error half a file is in the zip, and nothing more can follow.
    fn file(
        &mut self,
        path: &str,
        method: Method,
        announced: Option<&Sizes>,
        write: &mut dyn FnMut(&mut (dyn Write + Send)) -> std::io::Result<Sizes>,
    ) -> std::io::Result<()> {
        let closed = || std::io::Error::other("the archive is closed after an error");
        let mut out = self.out.take().ok_or_else(closed)?;
        let central = self.central.as_mut().ok_or_else(closed)?;
        let name = path.as_bytes();
        let name_len = u16::try_from(name.len())
            .map_err(|_| std::io::Error::other("the path is longer than 65,535 bytes"))?;
        // Zip64 sizes in the local header only where a size is known to need
        // them (a streamed file is expected to stay under 4 GiB).
        let large = announced.is_some_and(|s| s.uncompressed >= MAX32 || s.compressed >= MAX32);
        let needed: u16 = if large {
            45
        } else if method == Method::Deflated {
            20
        } else {
            10
        };
        // Bit 11: the name is UTF-8 (set, as the zip crate does, only when
        // it is not ASCII).
        let flags: u16 = if path.is_ascii() { 0 } else { 1 << 11 };
        let start = self.pos;
        let (crc, small_c, small_u) = match announced {
            Some(s) if large => (s.crc, MAX32 as u32, MAX32 as u32),
            Some(s) => (s.crc, s.compressed as u32, s.uncompressed as u32),
            None => (0, 0, 0),
        };
        let mut header = Vec::with_capacity(30 + name.len() + 20);
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&needed.to_le_bytes());
        header.extend_from_slice(&flags.to_le_bytes());
        header.extend_from_slice(&(method as u16).to_le_bytes());
        header.extend_from_slice(&self.time.0.to_le_bytes());
        header.extend_from_slice(&self.time.1.to_le_bytes());
        header.extend_from_slice(&crc.to_le_bytes());
        header.extend_from_slice(&small_c.to_le_bytes());
        header.extend_from_slice(&small_u.to_le_bytes());
        header.extend_from_slice(&name_len.to_le_bytes());
        header.extend_from_slice(&(if large { 20u16 } else { 0 }).to_le_bytes());
        header.extend_from_slice(name);
        if let (true, Some(s)) = (large, announced) {
            header.extend_from_slice(&1u16.to_le_bytes());
            header.extend_from_slice(&16u16.to_le_bytes());
            header.extend_from_slice(&s.uncompressed.to_le_bytes());
            header.extend_from_slice(&s.compressed.to_le_bytes());
        }
        out.write_all(&header)?;
        let sizes = write(&mut out)?;
        let end = start + header.len() as u64 + sizes.compressed;
        let same = announced.is_some_and(|a| {
            a.crc == sizes.crc
                && a.compressed == sizes.compressed
                && a.uncompressed == sizes.uncompressed
        });
        if !same {
            if !large && (sizes.compressed >= MAX32 || sizes.uncompressed >= MAX32) {
                return Err(std::io::Error::other("the file is 4 GiB or more"));
            }
            let mut mended = sizes.crc.to_le_bytes().to_vec();
            if !large {
                mended.extend_from_slice(&(sizes.compressed as u32).to_le_bytes());
                mended.extend_from_slice(&(sizes.uncompressed as u32).to_le_bytes());
            }
            out.seek(SeekFrom::Start(start + 14))?;
            out.write_all(&mended)?;
            out.seek(SeekFrom::Start(end))?;
        }
        self.pos = end;
        self.files += 1;
        // The central-directory record, with a Zip64 extra field for the
        // fields that do not fit in 32 bits, in the order APPNOTE 4.5.3 gives.
        let mut zip64 = vec![];
        let mut field = |value: u64| -> u32 {
            if value >= MAX32 {
                zip64.extend_from_slice(&value.to_le_bytes());
                MAX32 as u32
            } else {
                value as u32
            }
        };
        let uncompressed = field(sizes.uncompressed);
        let compressed = field(sizes.compressed);
        let offset = field(start);
        let needed = if zip64.is_empty() { needed } else { 45 };
        let mut record = Vec::with_capacity(46 + name.len() + 4 + zip64.len());
        record.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        // Made by: Unix (3), so that readers take the permissions below.
        record.extend_from_slice(&((3u16 << 8) | needed).to_le_bytes());
        record.extend_from_slice(&needed.to_le_bytes());
        record.extend_from_slice(&flags.to_le_bytes());
        record.extend_from_slice(&(method as u16).to_le_bytes());
        record.extend_from_slice(&self.time.0.to_le_bytes());
        record.extend_from_slice(&self.time.1.to_le_bytes());
        record.extend_from_slice(&sizes.crc.to_le_bytes());
        record.extend_from_slice(&compressed.to_le_bytes());
        record.extend_from_slice(&uncompressed.to_le_bytes());
        record.extend_from_slice(&name_len.to_le_bytes());
        let extra_len = if zip64.is_empty() { 0 } else { 4 + zip64.len() as u16 };
        record.extend_from_slice(&extra_len.to_le_bytes());
        record.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        record.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // a regular file, rw-r--r--
        record.extend_from_slice(&offset.to_le_bytes());
        record.extend_from_slice(name);
        if !zip64.is_empty() {
            record.extend_from_slice(&1u16.to_le_bytes());
            record.extend_from_slice(&(zip64.len() as u16).to_le_bytes());
            record.extend_from_slice(&zip64);
        }
        central.write_all(&record)?;
        self.central_len += record.len() as u64;
        self.out = Some(out);
        Ok(())
    }

    /// The folder the zip is written in (for temporary files next to it).
    pub fn dir(&self) -> &Path {
        self.tmp.parent().unwrap_or(Path::new("."))
    }

    /// Completes the archive, syncs it to disk and moves it into place.
    pub fn finish(mut self) -> DiagResult<PathBuf> {
        // On an error, `Drop` removes the temporary file.
        let written = self.end().and_then(|file| file.sync_all());
        written.map_err(|err| Diag::error(format!("failed to write the zip ({err})")))?;
        std::fs::rename(&self.tmp, &self.target).map_err(|err| {
            Diag::error(format!(
                "failed to move the zip into place at `{}` ({err})",
                self.target.display()
            ))
        })?;
        self.done = true;
        Ok(self.target.clone())
    }

    /// Writes the central directory and its end records; the file, to sync.
    fn end(&mut self) -> std::io::Result<File> {
        let closed = || std::io::Error::other("the archive is closed after an error");
        let mut out = self.out.take().ok_or_else(closed)?;
        let start = self.pos;
        let central = self.central.take().ok_or_else(closed)?;
        let mut central = central.into_inner().map_err(|e| e.into_error())?;
        central.seek(SeekFrom::Start(0))?;
        let copied = std::io::copy(&mut central, &mut out)?;
        if copied != self.central_len {
            return Err(std::io::Error::other("the central directory was cut short"));
        }
        let (files, size) = (self.files, self.central_len);
        let zip64 = files >= 0xFFFF || start >= MAX32 || size >= MAX32;
        if zip64 {
            let record = start + size;
            let mut end = Vec::with_capacity(56 + 20);
            end.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            end.extend_from_slice(&44u64.to_le_bytes()); // the size of what follows
            end.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes());
            end.extend_from_slice(&45u16.to_le_bytes());
            end.extend_from_slice(&[0; 8]); // this disk, the directory's disk
            end.extend_from_slice(&files.to_le_bytes());
            end.extend_from_slice(&files.to_le_bytes());
            end.extend_from_slice(&size.to_le_bytes());
            end.extend_from_slice(&start.to_le_bytes());
            end.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&record.to_le_bytes());
            end.extend_from_slice(&1u32.to_le_bytes());
            out.write_all(&end)?;
        }
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        let files16 = files.min(0xFFFF) as u16;
        end.extend_from_slice(&files16.to_le_bytes());
        end.extend_from_slice(&files16.to_le_bytes());
        end.extend_from_slice(&(size.min(MAX32) as u32).to_le_bytes());
        end.extend_from_slice(&(start.min(MAX32) as u32).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // no comment
        out.write_all(&end)?;
        out.flush()?;
        Ok(out.into_inner().map_err(|e| e.into_error())?.file)
    }
}

impl Drop for ZipOut {
    fn drop(&mut self) {
        if !self.done {
            // Abandoned on an error path (a full disk, say).
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The zip's file, which asks the system to start writing what it holds to
/// disk every [`Writeback::EVERY`] bytes, so that the closing sync of a large
/// archive does not wait for all of it (0.36 s for the 630 MB of 10,000
/// packets here; far longer on a slow disk). Linux only; elsewhere the sync
/// at the end does all of it.
struct Writeback {
    file: File,
    /// Where the next write goes.
    pos: u64,
    /// Where the bytes not yet handed to writeback start.
    started: u64,
}

impl Writeback {
    const EVERY: u64 = 32 << 20;

    fn start_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (from, len) =
                (self.started as libc::off64_t, (self.pos - self.started) as libc::off64_t);
            // SAFETY: the descriptor is open for as long as `self.file`; the
            // call only starts writeback of the range and has no other effect
            // (its result is only a hint, so an error is ignored).
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from,
                    len,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.pos;
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.pos += n as u64;
        if self.pos >= self.started + Self::EVERY {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl std::io::Seek for Writeback {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.pos = self.file.seek(to)?;
        self.started = self.started.min(self.pos);
        Ok(self.pos)
    }
}

/// A writer that hashes, checksums and counts what passes through.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    crc: crc32fast::Hasher,
    len: usize,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.crc.update(&buf[..n]);
        self.len += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that counts the bytes that pass through (the deflated size).
struct Counting<'a> {
    inner: &'a mut dyn Write,
    len: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that sends what it is given to another thread, and its flushes
/// as `None`.
struct Channel(std::sync::mpsc::SyncSender<Option<Vec<u8>>>);

impl Write for Channel {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let gone = |_| std::io::Error::other("the deflater stopped");
        self.0.send(Some(buf.to_vec())).map_err(gone)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.send(None).map_err(|_| std::io::Error::other("the deflater stopped"))
    }
}

/// SHA-256 in lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    Digest::of(bytes).to_string()
}

/// Writes the mailing list as printed: one row per packet, from the
/// packets' records.
pub fn write_recipients_csv(
    out: &mut dyn Write,
    lines: usize,
    rows: impl Iterator<Item = std::io::Result<crate::ledger::Record>>,
) -> std::io::Result<()> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let mut header = vec![
        "number".to_string(),
        "id".into(),
        "packet".into(),
        "name".into(),
        "organisation".into(),
        "email".into(),
        "phone".into(),
    ];
    header.extend((1..=lines).map(|i| format!("address_{i}")));
    header.extend(["country".into(), "pages".into(), "sheets".into()]);
    out.write_record(&header)?;
    for r in rows {
        let r = r?;
        let text = |s: Option<String>| s.unwrap_or_default();
        let mut record = vec![r.number.to_string(), r.id, r.folder, text(r.name)];
        record.extend([text(r.organisation), text(r.email), text(r.phone)]);
        record.extend((0..lines).map(|i| r.address.get(i).cloned().unwrap_or_default()));
        record.extend([r.country, r.pages.to_string(), r.sheets.to_string()]);
        out.write_record(&record)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// What the zip crate's `ZipWriter` writes for the same files, used as
    /// letterpress used it until it wrote its own zips: the same options, and
    /// a streamed file flushed at its end (`add_streamed` flushes its buffer
    /// through the deflater, which ends the stream with an empty block).
    fn by_the_zip_crate(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        use zip::write::SimpleFileOptions;
        let time = DateTime::from_date_and_time(2018, 7, 27, 0, 0, 0).unwrap();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(vec![]));
        for (path, bytes) in files {
            let method = if path.ends_with(".pdf") {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .last_modified_time(time)
                .unix_permissions(0o644);
            zip.start_file(path.as_str(), options).unwrap();
            zip.write_all(bytes).unwrap();
            if path.ends_with(".json") {
                zip.flush().unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    /// Stored and deflated files, written whole, from a reader and streamed,
    /// with ASCII and non-ASCII names, and more than 65,535 of them (which
    /// takes the Zip64 end records): the bytes the zip crate writes.
    #[test]
    fn the_zip_is_the_one_the_zip_crate_writes() {
        for count in [5, 70_000] {
            let files: Vec<(String, Vec<u8>)> = (0..count)
                .map(|i| match i % 5 {
                    0 => (format!("c/packets/{i:05}-a/letter.pdf"), format!("%PDF {i}").into()),
                    1 => (format!("c/packets/{i:05}-ü/envelope.pdf"), vec![i as u8; i % 300]),
                    2 => (
                        format!("c/source/{i}.toml"),
                        format!("name = \"{i}\"\n").repeat(i % 50).into(),
                    ),
                    3 => (format!("c/print/{i}.pdf"), vec![7; 3 * i % 1000]),
                    _ => (
                        format!("c/manifest-{i}.json"),
                        format!("{{\"n\": {i}}}").repeat(40).into(),
                    ),
                })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let mut zip = ZipOut::create(dir.path(), "c", (2018, 7, 27)).unwrap();
            for (i, (path, bytes)) in files.iter().enumerate() {
                let entry = match i % 5 {
                    3 => zip.add_reader(path, &mut bytes.as_slice(), bytes.len() as u64),
                    4 => zip.add_streamed(path, &mut |out| {
                        bytes.chunks(7).try_for_each(|c| out.write_all(c))
                    }),
                    _ => zip.add(path, bytes),
                }
                .unwrap();
                assert_eq!((entry.bytes, entry.sha256), (bytes.len(), Digest::of(bytes)));
            }
            let ours = std::fs::read(zip.finish().unwrap()).unwrap();
            let theirs = by_the_zip_crate(&files);
            // With more than 65,535 files the zip crate's Zip64 end record
            // says version 2.0 and its classic one gives up every field; ours
            // says 4.5 (APPNOTE 4.4.3.2) and gives up the count only.
            let tail = if count > 0xFFFF { 56 + 20 + 22 } else { 0 };
            let (body, end) = ours.split_at(ours.len() - tail);
            assert!(body == &theirs[..theirs.len() - tail], "{count} files differ");
            if tail > 0 {
                let central = u64::from_le_bytes(end[48..56].try_into().unwrap());
                let size = u64::from_le_bytes(end[40..48].try_into().unwrap());
                assert_eq!(&end[..4], b"PK\x06\x06");
                assert_eq!(&end[12..16], &[45, 3, 45, 0]);
                assert_eq!(&end[24..40], [count as u64; 2].map(u64::to_le_bytes).concat());
                assert_eq!(central + size, (ours.len() - tail) as u64);
                assert_eq!(&end[56..60], b"PK\x06\x07");
                assert_eq!(&end[64..72], &(central + size).to_le_bytes());
                assert_eq!(&end[76..80], b"PK\x05\x06");
                assert_eq!(&end[84..88], &[0xFF; 4], "the count does not fit in 16 bits");
                assert_eq!(
                    &end[88..96],
                    [size as u32, central as u32].map(u32::to_le_bytes).concat()
                );
            }
            let archive = zip::ZipArchive::new(std::io::Cursor::new(ours)).unwrap();
            assert_eq!(archive.len(), count);
        }
    }

    /// Adds one file with `add`, which must fail with `message`; then nothing
    /// more goes into that zip, and its temporary file is gone once the
    /// writer is dropped.
    fn fails_and_closes(add: impl FnOnce(&mut ZipOut) -> DiagResult<Entry>, message: &str) {
        let dir = tempfile::tempdir().unwrap();
        let mut zip = ZipOut::create(dir.path(), "f", (2026, 11, 30)).unwrap();
        assert_eq!(add(&mut zip).unwrap_err()[0].message, message);
        let err = zip.add("f/a.pdf", b"%PDF").unwrap_err();
        assert_eq!(
            err[0].message,
            "failed to write `f/a.pdf` into the zip (the archive is closed after an error)"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(zip);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A file given as `len` bytes that come out shorter is an error.
    #[test]
    fn a_reader_shorter_than_announced_fails_and_leaves_nothing() {
        fails_and_closes(
            |zip| zip.add_reader("f/print/letters.pdf", &mut &b"%PDF"[..], 10),
            "failed to write `f/print/letters.pdf` into the zip (expected 10 bytes, read 4)",
        );
    }

    /// A streamed file whose writer fails is that writer's error (not the
    /// deflater thread's).
    #[test]
    fn a_streamed_file_that_fails_says_why() {
        fails_and_closes(
            |zip| {
                zip.add_streamed("f/manifest.json", &mut |out| {
                    out.write_all(&[b'x'; 100_000])?;
                    Err(std::io::Error::other("the ledger is unreadable"))
                })
            },
            "failed to write `f/manifest.json` into the zip (the ledger is unreadable)",
        );
    }

    /// The central-directory record of a file past 4 GiB (which no test
    /// writes): 0xFFFFFFFF in the record's fields and the real values in
    /// a Zip64 extra field, uncompressed size, compressed size and offset
    /// in that order.
    #[test]
    fn a_file_past_4_gib_gets_zip64_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut zip = ZipOut::create(dir.path(), "big", (2026, 11, 30)).unwrap();
        zip.add("big/a.pdf", b"%PDF").unwrap();
        // As if 6 GiB had been written before the next file.
        zip.pos = 6 << 30;
        zip.out.as_mut().unwrap().seek(SeekFrom::Start(6 << 30)).unwrap();
        zip.add("big/b.pdf", b"%PDF-2").unwrap();
        let central = zip.central.take().unwrap().into_inner().unwrap();
        let mut record = vec![];
        (&central).seek(SeekFrom::Start(0)).unwrap();
        (&central).read_to_end(&mut record).unwrap();
        let second = &record[46 + 9..];
        let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        assert_eq!(u32_at(second, 0), 0x0201_4b50);
        assert_eq!((u16_at(second, 4), u16_at(second, 6)), ((3 << 8) | 45, 45));
        assert_eq!((u32_at(second, 20), u32_at(second, 24)), (6, 6), "sizes fit");
        assert_eq!(u32_at(second, 42), u32::MAX, "the offset does not");
        let extra = &second[46 + 9..];
        assert_eq!((u16_at(extra, 0), u16_at(extra, 2)), (1, 8));
        assert_eq!(u64::from_le_bytes(extra[4..12].try_into().unwrap()), 6 << 30);
        assert_eq!(second.len(), 46 + 9 + 12);
    }

    /// A digest shows as the lower-case hex everyone else prints (FIPS
    /// 180-2's example) and reads back from it.
    #[test]
    fn a_digest_is_lower_case_hex_both_ways() {
        let abc = Digest::of(b"abc");
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(abc.to_string(), hex);
        assert_eq!(serde_json::to_string(&abc).unwrap(), format!("\"{hex}\""));
        assert_eq!(serde_json::from_str::<Digest>(&format!("\"{hex}\"")).unwrap(), abc);
        assert!(serde_json::from_str::<Digest>(&format!("\"{}\"", &hex[1..])).is_err());
    }

    /// Entries larger than the writeback step, with the zip crate seeking
    /// back to each entry's header, come back intact.
    #[test]
    fn a_zip_larger_than_the_writeback_step_reads_back_intact() {
        let dir = tempfile::tempdir().unwrap();
        let mut zip = ZipOut::create(dir.path(), "big", (2026, 11, 29)).unwrap();
        let sizes = [Writeback::EVERY as usize + 12_345, 1000, Writeback::EVERY as usize / 2];
        let contents: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|j| (j * 31 + i * 7 % 251) as u8).collect())
            .collect();
        for (i, bytes) in contents.iter().enumerate() {
            let entry = zip.add(&format!("big/{i}.pdf"), bytes).unwrap();
            assert_eq!(entry.bytes, bytes.len());
        }
        let path = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
        for (i, bytes) in contents.iter().enumerate() {
            let mut back = vec![];
            archive.by_name(&format!("big/{i}.pdf")).unwrap().read_to_end(&mut back).unwrap();
            assert!(back == *bytes, "entry {i} differs");
        }
    }
}
