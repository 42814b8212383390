//! The zip: written to a temporary file beside the target, in a fixed order
//! with fixed timestamps, and renamed into place only when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::diag::{Diag, DiagResult};

/// A zip being written. Dropping it without [`ZipOut::finish`] removes the
/// temporary file, so a failed build leaves nothing behind.
pub struct ZipOut {
    tmp: PathBuf,
    target: PathBuf,
    writer: Option<ZipWriter<BufWriter<File>>>,
    time: DateTime,
}

/// One file in the archive, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Path inside the zip.
    pub path: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: usize,
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
        Ok(Entry { path: path.to_string(), sha256: sha256(bytes), bytes: bytes.len() })
    }

    /// Completes the archive, syncs it to disk and moves it into place.
    pub fn finish(mut self) -> DiagResult<PathBuf> {
        let fail =
            |err: &dyn std::fmt::Display| Diag::error(format!("failed to write the zip ({err})"));
        let writer = self.writer.take().ok_or_else(|| fail(&"the archive is closed"))?;
        let buffered = writer.finish().map_err(|e| fail(&e))?;
        let file = buffered.into_inner().map_err(|e| fail(&e.error().to_string()))?;
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

/// SHA-256 in lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the mailing list as printed: one row per packet.
pub fn recipients_csv(rows: &[CsvRow]) -> Vec<u8> {
    let lines = rows.iter().map(|r| r.address.len()).max().unwrap_or(0);
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![]);
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
    let _ = out.write_record(&header);
    for r in rows {
        let mut record = vec![
            r.number.to_string(),
            r.id.clone(),
            r.folder.clone(),
            r.name.clone(),
            r.organisation.clone(),
            r.email.clone(),
            r.phone.clone(),
        ];
        record.extend((0..lines).map(|i| r.address.get(i).cloned().unwrap_or_default()));
        record.extend([r.country.clone(), r.pages.to_string(), r.sheets.to_string()]);
        let _ = out.write_record(&record);
    }
    out.into_inner().unwrap_or_default()
}

/// One row of `recipients.csv`.
pub struct CsvRow {
    /// Packet number.
    pub number: usize,
    /// Recipient id.
    pub id: String,
    /// Packet folder.
    pub folder: String,
    /// Name as printed.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// E-mail (not printed; kept for the record).
    pub email: String,
    /// Telephone (not printed; kept for the record).
    pub phone: String,
    /// Address lines as printed.
    pub address: Vec<String>,
    /// ISO country code.
    pub country: String,
    /// Letter pages.
    pub pages: usize,
    /// Sheets of paper.
    pub sheets: usize,
}

/// A page attribute inherited from the page tree (PDF 1.7 §7.7.3.4).
fn inherited(doc: &lopdf::Document, page: &lopdf::Dictionary, key: &[u8]) -> Option<lopdf::Object> {
    let parent =
        |dict: &lopdf::Dictionary| dict.get(b"Parent").and_then(lopdf::Object::as_reference).ok();
    let mut node = parent(page);
    while let Some(id) = node {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(value) = dict.get(key) {
            return Some(value.clone());
        }
        node = parent(dict);
    }
    None
}

/// Concatenates PDFs into one (the print files), padding each to a multiple
/// of `multiple` pages with blank pages of the same size, so that in duplex
/// printing no sheet carries the end of one letter and the start of the next.
///
/// Works on the finished PDFs rather than Typst's frames: a part of 500
/// letters then costs about 15 MB of memory instead of 200 MB.
pub fn merge_pdfs(pdfs: &[Vec<u8>], multiple: usize, title: &str) -> Result<Vec<u8>, String> {
    use lopdf::{Dictionary, Document, Object, ObjectId};
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut kids: Vec<Object> = vec![];
    // The first document's catalog and info carry the metadata every input
    // shares (XMP with the PDF/A identification, output intent, language,
    // author, dates); the print file keeps them.
    let mut first: Option<(Dictionary, Dictionary)> = None;
    for pdf in pdfs {
        let mut doc = Document::load_mem(pdf).map_err(|e| e.to_string())?;
        doc.renumber_objects_with(out.max_id + 1);
        out.max_id = doc.max_id;
        if first.is_none() {
            let catalog = doc.catalog().cloned().unwrap_or_default();
            let info = doc
                .trailer
                .get(b"Info")
                .and_then(Object::as_reference)
                .and_then(|id| doc.get_dictionary(id))
                .cloned()
                .unwrap_or_default();
            first = Some((catalog, info));
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        // Inheritable page attributes live on the page tree nodes we drop.
        let mut fixed: Vec<(ObjectId, Dictionary)> = vec![];
        for id in &pages {
            let mut page = doc.get_dictionary(*id).map_err(|e| e.to_string())?.clone();
            for key in [b"MediaBox".as_slice(), b"Resources", b"CropBox", b"Rotate"] {
                if !page.has(key)
                    && let Some(value) = inherited(&doc, &page, key)
                {
                    page.set(key.to_vec(), value);
                }
            }
            page.set("Parent", pages_id);
            page.remove(b"StructParents");
            fixed.push((*id, page));
        }
        for (id, object) in doc.objects {
            let kind = object.type_name().unwrap_or(b"");
            if kind != b"Catalog" && kind != b"Pages" {
                out.objects.insert(id, object);
            }
        }
        let media_box = fixed.last().and_then(|(_, p)| p.get(b"MediaBox").ok().cloned());
        for (id, page) in fixed {
            out.objects.insert(id, Object::Dictionary(page));
            kids.push(id.into());
        }
        let mut count = pages.len();
        while multiple > 1 && !count.is_multiple_of(multiple) {
            let mut blank = Dictionary::new();
            blank.set("Type", "Page");
            blank.set("Parent", pages_id);
            blank.set("Resources", Dictionary::new());
            if let Some(media_box) = &media_box {
                blank.set("MediaBox", media_box.clone());
            }
            kids.push(out.add_object(blank).into());
            count += 1;
        }
    }
    let mut tree = Dictionary::new();
    tree.set("Type", "Pages");
    tree.set("Count", kids.len() as i64);
    tree.set("Kids", kids);
    out.objects.insert(pages_id, Object::Dictionary(tree));
    let (first_catalog, first_info) = first.unwrap_or_default();
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    for key in [b"Metadata".as_slice(), b"OutputIntents", b"Lang"] {
        if let Ok(value) = first_catalog.get(key) {
            catalog.set(key.to_vec(), value.clone());
        }
    }
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    let mut info = Dictionary::new();
    for key in
        [b"Title".as_slice(), b"Author", b"Creator", b"Producer", b"CreationDate", b"ModDate"]
    {
        if let Ok(value) = first_info.get(key) {
            info.set(key.to_vec(), value.clone());
        }
    }
    if !info.has(b"Title") {
        info.set("Title", Object::string_literal(title));
    }
    let info_id = out.add_object(info);
    out.trailer.set("Info", info_id);
    // A fixed file identifier, derived from the content (PDF/A wants one).
    let digest =
        Sha256::digest([title.as_bytes(), pdfs.first().map_or(&[][..], |p| p.as_slice())].concat());
    let id = Object::String(digest[..16].to_vec(), lopdf::StringFormat::Hexadecimal);
    out.trailer.set("ID", vec![id.clone(), id]);
    out.prune_objects();
    out.renumber_objects();
    out.compress();
    // PDF/A readers look for the XMP metadata uncompressed, as Typst wrote it.
    let metadata =
        out.catalog().ok().and_then(|c| c.get(b"Metadata").and_then(Object::as_reference).ok());
    if let Some(Ok(Object::Stream(stream))) = metadata.map(|id| out.get_object_mut(id)) {
        stream.decompress().map_err(|e| e.to_string())?;
    }
    let mut bytes = vec![];
    out.save_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}
