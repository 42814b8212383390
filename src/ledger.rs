//! What a build keeps of every packet it wrote until `recipients.csv` and
//! `manifest.json` are written at the end: one line of JSON per packet in an
//! unnamed temporary file beside the zip. A campaign of any size holds none
//! of it in memory, and each recipient can be let go of as soon as its packet
//! is in the zip.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bundle::Digest;
use crate::campaign::Recipient;

/// The names of a packet's files in its folder.
pub const LETTER_PDF: &str = "letter.pdf";
pub const ENVELOPE_PDF: &str = "envelope.pdf";

/// The records of the packets written so far.
pub struct Ledger {
    out: BufWriter<File>,
    lines: usize,
}

/// One packet as the manifest and the mailing list describe it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Record {
    pub number: usize,
    pub id: String,
    pub folder: String,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// ISO code of the destination.
    pub country: String,
    /// The address lines as printed.
    pub address: Vec<String>,
    pub pages: usize,
    pub sheets: usize,
    /// The envelope it goes into.
    pub envelope: String,
    /// Whether that is the flat one because the packet is too thick.
    pub switched: bool,
    /// Estimated weight in tenths of a gram (an integer survives the trip
    /// through text exactly).
    pub decigrams: u64,
    /// `letter.pdf`, then `envelope.pdf` if there is one.
    pub files: Vec<Kept>,
}

/// A packet file in the zip; its path follows from the packet's folder and
/// its place in [`Record::files`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Kept {
    pub sha256: Digest,
    pub bytes: usize,
}

/// What a packet's record says besides its recipient.
pub struct Made {
    pub pages: usize,
    pub sheets: usize,
    pub envelope: &'static str,
    pub switched: bool,
    pub grams: f64,
    pub files: Vec<Kept>,
}

impl Record {
    /// The record of `r`'s packet.
    pub fn new(r: &Recipient, made: Made) -> Self {
        Self {
            number: r.number,
            id: r.id().to_string(),
            folder: r.folder().to_string(),
            name: r.name().map(str::to_string),
            organisation: r.organisation().map(str::to_string),
            email: r.email().map(str::to_string),
            phone: r.phone().map(str::to_string),
            country: r.country.code.clone(),
            address: r.address_lines.iter().map(|l| l.text.to_string()).collect(),
            pages: made.pages,
            sheets: made.sheets,
            envelope: made.envelope.to_string(),
            switched: made.switched,
            decigrams: (made.grams * 10.0).round().max(0.0) as u64,
            files: made.files,
        }
    }

    /// The weight in grams, to 0.1 g.
    pub fn grams(&self) -> f64 {
        self.decigrams as f64 / 10.0
    }

    /// The packet's files: name in the packet folder, record.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &Kept)> {
        [LETTER_PDF, ENVELOPE_PDF].into_iter().zip(&self.files)
    }
}

impl Ledger {
    /// Starts an empty ledger in `dir`.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(Self { out: BufWriter::new(file), lines: 0 })
    }

    /// Adds the next packet's record.
    pub fn add(&mut self, record: &Record) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")?;
        self.lines = self.lines.max(record.address.len());
        Ok(())
    }

    /// Ends writing; the records can then be read, as often as needed.
    pub fn close(self) -> std::io::Result<Records> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Records { file, lines: self.lines })
    }
}

/// A closed ledger.
pub struct Records {
    file: File,
    lines: usize,
}

impl Records {
    /// The records in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = std::io::Result<Record>> + '_ {
        let mut file = &self.file;
        let start = file.seek(SeekFrom::Start(0));
        let mut lines =
            start.map(|_| BufReader::with_capacity(1 << 16, file).lines()).map_err(Some);
        std::iter::from_fn(move || match &mut lines {
            Ok(lines) => Some(
                lines
                    .next()?
                    .and_then(|line| serde_json::from_str(&line).map_err(std::io::Error::other)),
            ),
            Err(err) => err.take().map(Err),
        })
    }

    /// The most address lines any packet has (the columns of the CSV).
    pub fn lines(&self) -> usize {
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_as_written_and_can_be_read_twice() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(dir.path()).unwrap();
        let mut records = vec![];
        for (i, name) in [Some("Ана \"Quote\" \\ Ü"), None].into_iter().enumerate() {
            records.push(Record {
                number: i + 1,
                id: format!("r{i}"),
                folder: format!("{:03}-r{i}", i + 1),
                name: name.map(str::to_string),
                organisation: None,
                email: Some("a@b.c".into()),
                phone: None,
                country: "KZ".into(),
                address: vec!["line 1".into(); i + 2],
                pages: 2,
                sheets: 1,
                envelope: "DL".into(),
                switched: i == 1,
                decigrams: 123 + i as u64,
                files: vec![Kept { sha256: Digest::of(b"x"), bytes: 7 }],
            });
        }
        records.iter().try_for_each(|r| ledger.add(r)).unwrap();
        let closed = ledger.close().unwrap();
        assert_eq!(closed.lines(), 3);
        for _ in 0..2 {
            let back: Vec<Record> = closed.iter().collect::<Result<_, _>>().unwrap();
            assert_eq!(format!("{back:?}"), format!("{records:?}"));
        }
        assert_eq!(records[1].grams(), 12.4);
    }
}
