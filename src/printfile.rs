//! The print files (`print/letters.pdf`, `print/envelopes.pdf`): every
//! packet's finished PDF, one after another, in one file per part.
//!
//! The work is split so that it costs the writer thread almost nothing and
//! memory stays flat however large a part is:
//!
//! - [`Piece::prepare`] runs as soon as a packet is exported (on its worker
//!   thread; with worker processes, in the main process as the packet
//!   arrives, while the workers typeset the next ones): it parses the PDF,
//!   keeps the pages and what they use (dropping the document catalog, its
//!   page tree and structure tree), numbers those objects 1, 2, … and
//!   serializes them, leaving a slot wherever one object refers to another.
//! - [`PrintFile::add`] runs on the writer in packet order: it shifts the
//!   slots by the objects written so far and appends the bytes to a temporary
//!   file, keeping only each object's offset and the page list.
//! - [`PrintFile::finish`] writes the page tree, catalog, info and cross-
//!   reference table; the file is then copied into the zip.
//!
//! Each letter is padded with blank pages to a multiple of `multiple` pages,
//! so that in duplex printing no sheet carries the end of one letter and the
//! start of the next. The first piece of a file lends the file its document
//! metadata (XMP with the PDF/A identification, output intent, language,
//! title, author, dates).

mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId};
use sha2::{Digest as _, Sha256};

use crate::bundle::Digest;

/// The local number that stands for the print file's page tree.
const PAGE_TREE: u32 = 0;

/// Bytes of one serialized object or value, with the positions where a
/// reference to a local object number goes.
#[derive(Debug, Default)]
struct Chunk {
    bytes: Vec<u8>,
    /// (byte position, local object number), in increasing position.
    refs: Vec<(usize, u32)>,
}

/// One packet's PDF, ready to be appended to a print file.
#[derive(Debug)]
pub struct Piece {
    /// Objects the pages use, numbered 1, 2, … in order.
    objects: Vec<Chunk>,
    /// Objects only the document metadata uses, numbered after `objects`.
    meta_objects: Vec<Chunk>,
    /// Local numbers of the pages, in order.
    pages: Vec<u32>,
    /// The last page's `/MediaBox`, for blank padding pages.
    media_box: Option<Chunk>,
    /// Catalog entries a print file keeps (`/Metadata`, `/OutputIntents`, `/Lang`).
    catalog: Vec<(&'static str, Chunk)>,
    /// Document information entries (`/Title`, `/Author`, …).
    info: Vec<(&'static str, Chunk)>,
}

const CATALOG_KEYS: [&str; 3] = ["Metadata", "OutputIntents", "Lang"];
const INFO_KEYS: [&str; 6] = ["Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"];
const INHERITED: [&str; 4] = ["MediaBox", "Resources", "CropBox", "Rotate"];

impl Piece {
    /// Takes a finished PDF apart for a print file: with a fast scanner for
    /// the plain layout Typst writes (a classic cross-reference table, direct
    /// stream lengths), otherwise with lopdf.
    pub fn prepare(pdf: &[u8]) -> Result<Self, String> {
        match scan::prepare(pdf) {
            Some(piece) => Ok(piece),
            None => Self::prepare_with_lopdf(pdf),
        }
    }

    /// Whether the fast scanner understands this PDF (for tests).
    #[doc(hidden)]
    pub fn scannable(pdf: &[u8]) -> bool {
        scan::prepare(pdf).is_some()
    }

    /// Takes a PDF apart with lopdf: slower, but reads any PDF.
    #[doc(hidden)]
    pub fn prepare_with_lopdf(pdf: &[u8]) -> Result<Self, String> {
        let doc = Document::load_mem(pdf).map_err(|e| e.to_string())?;
        let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        // Page tree nodes (and the catalog) are replaced by the print file's.
        let dropped: BTreeSet<ObjectId> = doc
            .objects
            .iter()
            .filter(|(_, o)| matches!(o.type_name(), Ok(b"Pages") | Ok(b"Catalog")))
            .map(|(id, _)| *id)
            .collect();

        // Pages with their inherited attributes made explicit.
        let mut pages: BTreeMap<ObjectId, Dictionary> = BTreeMap::new();
        for id in &page_ids {
            let mut page = doc.get_dictionary(*id).map_err(|e| e.to_string())?.clone();
            for key in INHERITED {
                if !page.has(key.as_bytes())
                    && let Some(value) = inherited(&doc, &page, key.as_bytes())
                {
                    page.set(key, value);
                }
            }
            page.remove(b"StructParents");
            page.remove(b"Parent");
            pages.insert(*id, page);
        }

        // What the pages use, then what only the metadata uses.
        let mut order: Vec<ObjectId> = vec![];
        let mut seen: BTreeSet<ObjectId> = dropped.clone();
        let roots: Vec<&Object> = pages.values().flat_map(|p| p.iter().map(|(_, v)| v)).collect();
        reach(&doc, &page_ids, &roots, &mut seen, &mut order);
        let page_count = order.len();
        let catalog = doc.catalog().ok();
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok();
        let meta_values: Vec<(&'static str, &Object)> = CATALOG_KEYS
            .iter()
            .filter_map(|k| catalog.and_then(|c| c.get(k.as_bytes()).ok()).map(|v| (*k, v)))
            .collect();
        let info_values: Vec<(&'static str, &Object)> = INFO_KEYS
            .iter()
            .filter_map(|k| info.and_then(|i| i.get(k.as_bytes()).ok()).map(|v| (*k, v)))
            .collect();
        let roots: Vec<&Object> =
            meta_values.iter().chain(info_values.iter()).map(|(_, v)| *v).collect();
        reach(&doc, &[], &roots, &mut seen, &mut order);

        let local: BTreeMap<ObjectId, u32> =
            order.iter().enumerate().map(|(i, id)| (*id, i as u32 + 1)).collect();
        let number = |id: ObjectId| -> Option<u32> {
            if dropped.contains(&id) {
                // Only the page tree is referred to (a page's parent); the
                // catalog never is.
                doc.get_object(id)
                    .ok()
                    .filter(|o| o.type_name().ok() == Some(b"Pages"))
                    .map(|_| PAGE_TREE)
            } else {
                local.get(&id).copied()
            }
        };
        let mut objects = vec![];
        for id in &order {
            let mut chunk = Chunk::default();
            match pages.get(id) {
                Some(page) => {
                    let mut page = page.clone();
                    page.set("Parent", Object::Reference((u32::MAX, 0)));
                    let object = Object::Dictionary(page);
                    write(&object, &mut chunk, &|id| {
                        if id.0 == u32::MAX { Some(PAGE_TREE) } else { number(id) }
                    });
                }
                None => {
                    let object = doc.get_object(*id).map_err(|e| e.to_string())?;
                    write(object, &mut chunk, &number);
                }
            }
            objects.push(chunk);
        }
        let meta_objects = objects.split_off(page_count);
        let value = |v: &Object| {
            let mut chunk = Chunk::default();
            write(v, &mut chunk, &number);
            chunk
        };
        let media_box = page_ids
            .last()
            .and_then(|id| pages.get(id))
            .and_then(|p| p.get(b"MediaBox").ok().map(&value));
        Ok(Self {
            objects,
            meta_objects,
            pages: page_ids.iter().filter_map(|id| local.get(id).copied()).collect(),
            media_box,
            catalog: meta_values.into_iter().map(|(k, v)| (k, value(v))).collect(),
            info: info_values.into_iter().map(|(k, v)| (k, value(v))).collect(),
        })
    }

    /// How many pages the piece has.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }
}

/// Adds every object reachable from `roots` (and the `starts`) to `order`,
/// depth first, skipping what is `seen`.
fn reach(
    doc: &Document,
    starts: &[ObjectId],
    roots: &[&Object],
    seen: &mut BTreeSet<ObjectId>,
    order: &mut Vec<ObjectId>,
) {
    let mut found: Vec<ObjectId> = starts.iter().filter(|id| seen.insert(**id)).copied().collect();
    let mut stack: Vec<ObjectId> = vec![];
    for root in roots {
        refs_of(root, &mut stack);
    }
    while let Some(id) = stack.pop() {
        let Ok(object) = doc.get_object(id) else {
            continue;
        };
        if seen.insert(id) {
            found.push(id);
            refs_of(object, &mut stack);
        }
    }
    // A stable, readable order: by original number.
    found.sort_unstable();
    order.extend(found);
}

/// Pushes the references inside an object (not following them).
fn refs_of(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| refs_of(o, out)),
        Object::Dictionary(dict) => dict.iter().for_each(|(_, o)| refs_of(o, out)),
        Object::Stream(stream) => stream.dict.iter().for_each(|(_, o)| refs_of(o, out)),
        _ => {}
    }
}

/// Looks an inheritable page attribute up the page tree.
fn inherited(doc: &Document, page: &Dictionary, key: &[u8]) -> Option<Object> {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    for _ in 0..64 {
        let node = doc.get_dictionary(parent?).ok()?;
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
        parent = node.get(b"Parent").and_then(Object::as_reference).ok();
    }
    None
}

/// Serializes an object in PDF syntax. References go through `number`; one
/// to an object that is not kept becomes `null`.
fn write(object: &Object, out: &mut Chunk, number: &dyn Fn(ObjectId) -> Option<u32>) {
    let b = &mut out.bytes;
    match object {
        Object::Null => b.extend_from_slice(b"null"),
        Object::Boolean(v) => b.extend_from_slice(if *v { b"true" } else { b"false" }),
        Object::Integer(v) => b.extend_from_slice(v.to_string().as_bytes()),
        Object::Real(v) => {
            let v = if v.is_finite() { *v } else { 0.0 };
            b.extend_from_slice(format!("{v}").as_bytes());
        }
        Object::Name(name) => write_name(name, b),
        Object::String(bytes, _) => write_string(bytes, b),
        Object::Array(items) => {
            b.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.bytes.push(b' ');
                }
                write(item, out, number);
            }
            out.bytes.push(b']');
        }
        Object::Dictionary(dict) => write_dict(dict, out, number, None),
        Object::Stream(stream) => {
            write_dict(&stream.dict, out, number, Some(stream.content.len()));
            out.bytes.extend_from_slice(b"\nstream\n");
            out.bytes.extend_from_slice(&stream.content);
            out.bytes.extend_from_slice(b"\nendstream");
        }
        Object::Reference(id) => match number(*id) {
            Some(n) => out.refs.push((b.len(), n)),
            None => b.extend_from_slice(b"null"),
        },
    }
}

fn write_dict(
    dict: &Dictionary,
    out: &mut Chunk,
    number: &dyn Fn(ObjectId) -> Option<u32>,
    length: Option<usize>,
) {
    out.bytes.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        if length.is_some() && key.as_slice() == b"Length" {
            continue;
        }
        write_name(key, &mut out.bytes);
        out.bytes.push(b' ');
        write(value, out, number);
    }
    if let Some(length) = length {
        out.bytes.extend_from_slice(format!("/Length {length}").as_bytes());
    }
    out.bytes.extend_from_slice(b">>");
}

fn write_name(name: &[u8], b: &mut Vec<u8>) {
    b.push(b'/');
    for &c in name {
        if (0x21..=0x7e).contains(&c) && !b"()<>[]{}/%#".contains(&c) {
            b.push(c);
        } else {
            b.extend_from_slice(format!("#{c:02X}").as_bytes());
        }
    }
}

fn write_string(bytes: &[u8], b: &mut Vec<u8>) {
    b.push(b'<');
    for c in bytes {
        b.extend_from_slice(format!("{c:02X}").as_bytes());
    }
    b.push(b'>');
}

/// A print file being written to a temporary file.
pub struct PrintFile {
    out: BufWriter<File>,
    /// Byte offset of every object written, by number (index 0 unused).
    offsets: Vec<u64>,
    pos: u64,
    kids: Vec<u32>,
    multiple: usize,
    title: String,
    catalog: Vec<(&'static str, Vec<u8>)>,
    info: Vec<(&'static str, Vec<u8>)>,
    /// The SHA-256 of the first packet's PDF, once one is added.
    digest: Option<Digest>,
}

impl PrintFile {
    /// Starts a print file in `dir` (an unnamed temporary file: nothing is
    /// left behind whatever happens).
    pub fn create(dir: &Path, multiple: usize, title: &str) -> std::io::Result<Self> {
        let file = tempfile::tempfile_in(dir)?;
        let mut this = Self {
            out: BufWriter::with_capacity(1 << 16, file),
            // Object 1 is the page tree, written last.
            offsets: vec![0, 0],
            pos: 0,
            kids: vec![],
            multiple: multiple.max(1),
            title: title.to_string(),
            catalog: vec![],
            info: vec![],
            digest: None,
        };
        this.emit(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;
        Ok(this)
    }

    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes a chunk with its references shifted by `base`.
    fn emit_chunk(&mut self, chunk: &Chunk, base: u32) -> std::io::Result<()> {
        let mut at = 0;
        for &(pos, local) in &chunk.refs {
            self.emit(&chunk.bytes[at..pos])?;
            let n = if local == PAGE_TREE { 1 } else { base + local };
            self.emit(format!("{n} 0 R").as_bytes())?;
            at = pos;
        }
        self.emit(&chunk.bytes[at..])
    }

    /// Renders a chunk with its references shifted by `base`, into memory.
    fn render(chunk: &Chunk, base: u32) -> Vec<u8> {
        let mut out = vec![];
        let mut at = 0;
        for &(pos, local) in &chunk.refs {
            out.extend_from_slice(&chunk.bytes[at..pos]);
            let n = if local == PAGE_TREE { 1 } else { base + local };
            out.extend_from_slice(format!("{n} 0 R").as_bytes());
            at = pos;
        }
        out.extend_from_slice(&chunk.bytes[at..]);
        out
    }

    fn begin_object(&mut self) -> std::io::Result<u32> {
        let n = self.offsets.len() as u32;
        self.offsets.push(self.pos);
        self.emit(format!("{n} 0 obj\n").as_bytes())?;
        Ok(n)
    }

    /// Appends one packet's pages, padded to the file's page multiple.
    /// `pdf_sha256` is the SHA-256 of the PDF the piece was taken from (the
    /// writer has it from the packet's zip entry); the first piece's derives
    /// the file identifier.
    pub fn add(&mut self, piece: &Piece, pdf_sha256: &Digest) -> std::io::Result<()> {
        let base = self.offsets.len() as u32 - 1;
        let first = self.digest.is_none();
        let chunks = piece.objects.iter().chain(piece.meta_objects.iter().filter(|_| first));
        for chunk in chunks {
            self.begin_object()?;
            self.emit_chunk(chunk, base)?;
            self.emit(b"\nendobj\n")?;
        }
        if first {
            self.digest = Some(*pdf_sha256);
            self.catalog = piece.catalog.iter().map(|(k, c)| (*k, Self::render(c, base))).collect();
            self.info = piece.info.iter().map(|(k, c)| (*k, Self::render(c, base))).collect();
        }
        self.kids.extend(piece.pages.iter().map(|p| base + p));
        let mut count = piece.pages.len();
        let media_box = piece.media_box.as_ref().map(|c| Self::render(c, base));
        while !count.is_multiple_of(self.multiple) {
            let n = self.begin_object()?;
            self.kids.push(n);
            let mut page = b"<</Type/Page/Parent 1 0 R/Resources<<>>".to_vec();
            if let Some(media_box) = &media_box {
                page.extend_from_slice(b"/MediaBox ");
                page.extend_from_slice(media_box);
            }
            page.extend_from_slice(b">>\nendobj\n");
            self.emit(&page)?;
            count += 1;
        }
        Ok(())
    }

    /// Completes the file; returns it rewound, with its length.
    pub fn finish(mut self) -> std::io::Result<(File, u64)> {
        // The page tree is object 1.
        self.offsets[1] = self.pos;
        let kids: Vec<String> = self.kids.iter().map(|k| format!("{k} 0 R")).collect();
        let tree = format!(
            "1 0 obj\n<</Type/Pages/Count {}/Kids[{}]>>\nendobj\n",
            self.kids.len(),
            kids.join(" ")
        );
        self.emit(tree.as_bytes())?;

        let catalog_id = self.begin_object()?;
        let mut catalog = b"<</Type/Catalog/Pages 1 0 R".to_vec();
        for (key, value) in std::mem::take(&mut self.catalog) {
            write_name(key.as_bytes(), &mut catalog);
            catalog.push(b' ');
            catalog.extend_from_slice(&value);
        }
        catalog.extend_from_slice(b">>\nendobj\n");
        self.emit(&catalog)?;

        let info_id = self.begin_object()?;
        let mut info = b"<<".to_vec();
        let entries = std::mem::take(&mut self.info);
        for (key, value) in &entries {
            write_name(key.as_bytes(), &mut info);
            info.push(b' ');
            info.extend_from_slice(value);
        }
        if !entries.iter().any(|(k, _)| *k == "Title") {
            info.extend_from_slice(b"/Title ");
            write_string(self.title.as_bytes(), &mut info);
        }
        info.extend_from_slice(b">>\nendobj\n");
        self.emit(&info)?;

        // A fixed file identifier, derived from the content (PDF/A wants one).
        let first = self.digest.as_ref().map_or(&[0u8; 16][..], |d| &d.bytes()[..16]);
        let digest = Sha256::digest([self.title.as_bytes(), first].concat());
        let mut id = vec![];
        write_string(&digest[..16], &mut id);

        let xref_at = self.pos;
        let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for offset in &self.offsets[1..] {
            xref.push_str(&format!("{offset:010} 00000 n \n"));
        }
        let id = String::from_utf8_lossy(&id).into_owned();
        xref.push_str(&format!(
            "trailer\n<</Size {}/Root {catalog_id} 0 R/Info {info_id} 0 R/ID[{id} {id}]>>\nstartxref\n{xref_at}\n%%EOF\n",
            self.offsets.len()
        ));
        self.emit(xref.as_bytes())?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        Ok((file, self.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings_are_escaped() {
        let mut b = vec![];
        write_name(b"A B#(x)", &mut b);
        assert_eq!(b, b"/A#20B#23#28x#29");
        let mut b = vec![];
        write_string(b"(a)", &mut b);
        assert_eq!(b, b"<286129>");
    }

    #[test]
    fn references_are_shifted_and_the_page_tree_is_one() {
        let chunk = Chunk { bytes: b"[ ]".to_vec(), refs: vec![(1, 3), (2, PAGE_TREE)] };
        assert_eq!(PrintFile::render(&chunk, 10), b"[13 0 R 1 0 R]");
    }
}
