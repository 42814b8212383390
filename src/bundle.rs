//! The zip: written to a temporary file beside the target, in a fixed order
//! with fixed timestamps, and renamed into place only when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::diag::{Diag, DiagResult};

/// A zip being written. Dropping it without [`ZipOut::finish`] removes the
/// temporary file, so a failed build leaves nothing behind.
pub struct ZipOut {
    tmp: PathBuf,
    target: PathBuf,
    writer: Option<ZipWriter<BufWriter<Writeback>>>,
    time: DateTime,
}

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
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
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
        let file = File::create(&tmp).map_err(|err| {
            vec![Diag::error(format!("failed to create `{}` ({err})", tmp.display()))]
        })?;
        let (y, m, d) = date;
        // Zip dates start in 1980; an older campaign date is stored as 1980-01-01.
        let time = DateTime::from_date_and_time(y.max(1980), m, d, 0, 0, 0).unwrap_or_default();
        let file = Writeback { file, pos: 0, started: 0 };
        Ok(Self { tmp, target, writer: Some(ZipWriter::new(BufWriter::new(file))), time })
    }

    /// Adds a file. PDFs are stored (they are compressed already), text is deflated.
    pub fn add(&mut self, path: &str, bytes: &[u8]) -> DiagResult<Entry> {
        let method = if path.ends_with(".pdf") || path.ends_with(".png") || path.ends_with(".jpg") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(bytes.len() >= u32::MAX as usize);
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let writer = self.writer.as_mut().ok_or_else(|| fail(&"the archive is closed"))?;
        writer.start_file(path, options).map_err(|e| fail(&e))?;
        writer.write_all(bytes).map_err(|e| fail(&e))?;
        Ok(Entry { path: path.to_string(), sha256: Digest::of(bytes), bytes: bytes.len() })
    }

    /// Adds a file of `len` bytes from a reader (a print file waiting in a
    /// temporary file), stored, without holding it in memory.
    pub fn add_reader(
        &mut self,
        path: &str,
        reader: &mut dyn std::io::Read,
        len: u64,
    ) -> DiagResult<Entry> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(len >= u64::from(u32::MAX));
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let writer = self.writer.as_mut().ok_or_else(|| fail(&"the archive is closed"))?;
        writer.start_file(path, options).map_err(|e| fail(&e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut copied = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(|e| fail(&e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            writer.write_all(&buf[..n]).map_err(|e| fail(&e))?;
            copied += n as u64;
        }
        if copied != len {
            return Err(vec![fail(&format!("expected {len} bytes, read {copied}"))]);
        }
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
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(false);
        let fail = |err: &dyn std::fmt::Display| {
            Diag::error(format!("failed to write `{path}` into the zip ({err})"))
        };
        let writer = self.writer.as_mut().ok_or_else(|| fail(&"the archive is closed"))?;
        writer.start_file(path, options).map_err(|e| fail(&e))?;
        let mut hashing = Hashing { inner: writer, hasher: Sha256::new(), len: 0 };
        // Buffered: serde_json writes a manifest a few bytes at a time, and
        // each write would go through the hash, the checksum and the deflater
        // on its own (0.50 s for a 10,000-packet manifest, 0.26 s buffered).
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut hashing);
        write(&mut buffered).and_then(|()| buffered.flush()).map_err(|e| fail(&e))?;
        drop(buffered);
        let sha256 = Digest(hashing.hasher.finalize().into());
        Ok(Entry { path: path.to_string(), sha256, bytes: hashing.len })
    }

    /// The folder the zip is written in (for temporary files next to it).
    pub fn dir(&self) -> &Path {
        self.tmp.parent().unwrap_or(Path::new("."))
    }

    /// Completes the archive, syncs it to disk and moves it into place.
    pub fn finish(mut self) -> DiagResult<PathBuf> {
        let fail =
            |err: &dyn std::fmt::Display| Diag::error(format!("failed to write the zip ({err})"));
        let writer = self.writer.take().ok_or_else(|| fail(&"the archive is closed"))?;
        let buffered = writer.finish().map_err(|e| fail(&e))?;
        let file = buffered.into_inner().map_err(|e| fail(&e.error().to_string()))?.file;
        file.sync_all().map_err(|e| fail(&e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target).map_err(|err| {
            Diag::error(format!(
                "failed to move the zip into place at `{}` ({err})",
                self.target.display()
            ))
        })?;
        Ok(self.target.clone())
    }
}

impl Drop for ZipOut {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            // Abandoned on an error path (a full disk, say): the zip crate's
            // drop would try to finish the file and print its own error, so
            // let go of the writer without running it. The process ends soon
            // after; the file is removed here.
            std::mem::forget(writer);
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

/// A writer that hashes and counts what passes through.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: Sha256,
    len: usize,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
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
