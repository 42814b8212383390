//! A fast reader for the PDFs Typst writes: one pass over the bytes that
//! finds each object, its top-level dictionary entries and its references,
//! without building an object tree. It only accepts the plain layout Typst
//! uses (a classic cross-reference table, no object streams, direct stream
//! lengths, pages that carry their own `/MediaBox` and `/Resources`); for
//! anything else it returns `None` and the caller falls back to lopdf.

use std::collections::{BTreeMap, BTreeSet};

use super::{CATALOG_KEYS, Chunk, INFO_KEYS, PAGE_TREE, Piece};

/// A reference in the text: `start..end` is `N G R`, naming object `num`.
#[derive(Debug, Clone, Copy)]
struct Ref {
    start: usize,
    end: usize,
    num: u32,
}

/// A top-level dictionary entry: the key's name and the value's range.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    key: &'a [u8],
    value: (usize, usize),
}

/// One object of the file.
#[derive(Debug)]
struct Obj<'a> {
    /// The value, without `N G obj` and without the stream data.
    value: (usize, usize),
    /// Entries, if the value is a dictionary.
    entries: Vec<Entry<'a>>,
    /// `stream … endstream`, copied as it is.
    stream: Option<(usize, usize)>,
    /// Every reference in `value`, in order.
    refs: Vec<Ref>,
}

/// The objects of a file by number.
struct Objects<'a>(Vec<Option<Obj<'a>>>);

impl<'a> Objects<'a> {
    fn get(&self, num: &u32) -> Option<&Obj<'a>> {
        self.0.get(*num as usize)?.as_ref()
    }

    fn iter(&self) -> impl Iterator<Item = (u32, &Obj<'a>)> {
        self.0.iter().enumerate().filter_map(|(n, o)| Some((n as u32, o.as_ref()?)))
    }
}

impl<'a> Obj<'a> {
    fn get(&self, key: &[u8]) -> Option<(usize, usize)> {
        self.entries.iter().find(|e| e.key == key).map(|e| e.value)
    }

    fn refs_in(&self, (start, end): (usize, usize)) -> impl Iterator<Item = &Ref> {
        self.refs.iter().filter(move |r| r.start >= start && r.end <= end)
    }
}

pub(super) fn prepare(pdf: &[u8]) -> Option<Piece> {
    let (offsets, trailer_at) = xref(pdf)?;
    let mut objs = Objects(Vec::with_capacity(offsets.len()));
    for (num, offset) in offsets.iter().enumerate() {
        let obj = match offset {
            Some(offset) => Some(object(pdf, *offset, u32::try_from(num).ok()?)?),
            None => None,
        };
        objs.0.push(obj);
    }
    let mut trailer_refs = vec![];
    let (_, trailer) = dict(pdf, skip_ws(pdf, trailer_at), &mut trailer_refs, 0)?;
    let named = |key: &[u8]| -> Option<u32> {
        let (start, end) = trailer.iter().find(|e| e.key == key)?.value;
        trailer_refs.iter().find(|r| r.start == start && r.end == end).map(|r| r.num)
    };
    let root = named(b"Root")?;
    let info = named(b"Info");
    let catalog = objs.get(&root)?;
    if type_of(pdf, catalog) != Some(b"Catalog") {
        return None;
    }

    // The pages in order, through the page tree.
    let tree = catalog.refs_in(catalog.get(b"Pages")?).next()?.num;
    let mut page_ids = vec![];
    collect_pages(pdf, &objs, tree, &mut page_ids, 0)?;
    let dropped: BTreeSet<u32> = objs
        .iter()
        .filter(|(_, o)| matches!(type_of(pdf, o), Some(b"Pages" | b"Catalog")))
        .map(|(n, _)| n)
        .collect();
    const SKIPPED: [&[u8]; 2] = [b"Parent", b"StructParents"];
    for id in &page_ids {
        let page = objs.get(id)?;
        if page.get(b"MediaBox").is_none() || page.get(b"Resources").is_none() {
            return None; // inherited attributes: leave it to lopdf
        }
    }

    // What the pages use, then what only the metadata uses.
    let mut seen = dropped.clone();
    let mut order = vec![];
    let mut starts: Vec<u32> = vec![];
    for id in &page_ids {
        let page = objs.get(id)?;
        for entry in page.entries.iter().filter(|e| !SKIPPED.contains(&e.key)) {
            starts.extend(page.refs_in(entry.value).map(|r| r.num));
        }
    }
    reach(&objs, &page_ids, &starts, &mut seen, &mut order);
    let page_count = order.len();
    let info_obj = info.and_then(|n| objs.get(&n));
    let meta_values: Vec<(&'static str, &Obj, (usize, usize))> = CATALOG_KEYS
        .iter()
        .filter_map(|k| catalog.get(k.as_bytes()).map(|v| (*k, catalog, v)))
        .collect();
    let info_values: Vec<(&'static str, &Obj, (usize, usize))> = INFO_KEYS
        .iter()
        .filter_map(|k| info_obj.and_then(|o| o.get(k.as_bytes()).map(|v| (*k, o, v))))
        .collect();
    let starts: Vec<u32> = meta_values
        .iter()
        .chain(info_values.iter())
        .flat_map(|(_, o, v)| o.refs_in(*v).map(|r| r.num))
        .collect();
    reach(&objs, &[], &starts, &mut seen, &mut order);

    let local: BTreeMap<u32, u32> =
        order.iter().enumerate().map(|(i, n)| (*n, i as u32 + 1)).collect();
    let number = |num: u32| -> Option<u32> {
        if dropped.contains(&num) {
            let obj = objs.get(&num)?;
            (type_of(pdf, obj) == Some(b"Pages")).then_some(PAGE_TREE)
        } else {
            local.get(&num).copied()
        }
    };
    let mut objects = Vec::with_capacity(order.len());
    for num in &order {
        let obj = objs.get(num)?;
        let mut chunk = Chunk::default();
        if page_ids.contains(num) {
            chunk.bytes.extend_from_slice(b"<<");
            for entry in obj.entries.iter().filter(|e| !SKIPPED.contains(&e.key)) {
                chunk.bytes.push(b'/');
                chunk.bytes.extend_from_slice(entry.key);
                chunk.bytes.push(b' ');
                copy(pdf, obj, entry.value, &number, &mut chunk);
            }
            chunk.bytes.extend_from_slice(b"/Parent ");
            chunk.refs.push((chunk.bytes.len(), PAGE_TREE));
            chunk.bytes.extend_from_slice(b">>");
        } else {
            copy(pdf, obj, obj.value, &number, &mut chunk);
            if let Some((start, end)) = obj.stream {
                chunk.bytes.push(b'\n');
                chunk.bytes.extend_from_slice(&pdf[start..end]);
            }
        }
        objects.push(chunk);
    }
    let meta_objects = objects.split_off(page_count);
    let value = |obj: &Obj, range: (usize, usize)| {
        let mut chunk = Chunk::default();
        copy(pdf, obj, range, &number, &mut chunk);
        chunk
    };
    let last = page_ids.last().and_then(|n| objs.get(n));
    let media_box = last.and_then(|p| p.get(b"MediaBox").map(|v| value(p, v)));
    Some(Piece {
        objects,
        meta_objects,
        pages: page_ids.iter().filter_map(|n| local.get(n).copied()).collect(),
        media_box,
        catalog: meta_values.into_iter().map(|(k, o, v)| (k, value(o, v))).collect(),
        info: info_values.into_iter().map(|(k, o, v)| (k, value(o, v))).collect(),
    })
}

/// Copies `range` of an object into a chunk, references as slots (or `null`
/// for an object that is not kept).
fn copy(
    pdf: &[u8],
    obj: &Obj,
    range: (usize, usize),
    number: &dyn Fn(u32) -> Option<u32>,
    chunk: &mut Chunk,
) {
    let mut at = range.0;
    for r in obj.refs_in(range) {
        chunk.bytes.extend_from_slice(&pdf[at..r.start]);
        match number(r.num) {
            Some(n) => chunk.refs.push((chunk.bytes.len(), n)),
            None => chunk.bytes.extend_from_slice(b"null"),
        }
        at = r.end;
    }
    chunk.bytes.extend_from_slice(&pdf[at..range.1]);
}

/// Adds the `starts` and every object reachable from `refs` to `order`
/// (each new group sorted by number), skipping what is `seen`.
fn reach(
    objs: &Objects,
    starts: &[u32],
    refs: &[u32],
    seen: &mut BTreeSet<u32>,
    order: &mut Vec<u32>,
) {
    let mut found: Vec<u32> = starts.iter().filter(|n| seen.insert(**n)).copied().collect();
    let mut stack: Vec<u32> = refs.to_vec();
    while let Some(num) = stack.pop() {
        let Some(obj) = objs.get(&num) else { continue };
        if seen.insert(num) {
            found.push(num);
            stack.extend(obj.refs.iter().map(|r| r.num));
        }
    }
    found.sort_unstable();
    order.extend(found);
}

fn collect_pages(
    pdf: &[u8],
    objs: &Objects,
    node: u32,
    out: &mut Vec<u32>,
    depth: usize,
) -> Option<()> {
    if depth > 32 {
        return None;
    }
    let obj = objs.get(&node)?;
    match type_of(pdf, obj)? {
        b"Page" => out.push(node),
        b"Pages" => {
            let kids: Vec<u32> = obj.refs_in(obj.get(b"Kids")?).map(|r| r.num).collect();
            for kid in kids {
                collect_pages(pdf, objs, kid, out, depth + 1)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// The name after `/Type`, without the slash.
fn type_of<'a>(pdf: &'a [u8], obj: &Obj) -> Option<&'a [u8]> {
    let (start, end) = obj.get(b"Type")?;
    pdf.get(start..end)?.strip_prefix(b"/")
}

/// The cross-reference table: each object's offset by number (`None`: a
/// free entry or a number not listed), and where the trailer dictionary
/// starts.
fn xref(pdf: &[u8]) -> Option<(Vec<Option<usize>>, usize)> {
    let tail = pdf.len().saturating_sub(64);
    let at = tail + find(&pdf[tail..], b"startxref")? + b"startxref".len();
    let start = skip_ws(pdf, at);
    let offset: usize = int(&pdf[start..token_end(pdf, start)])?;
    let mut i = offset;
    if !pdf.get(i..)?.starts_with(b"xref") {
        return None; // a cross-reference stream
    }
    i += 4;
    let mut offsets: Vec<Option<usize>> = vec![];
    loop {
        i = skip_ws(pdf, i);
        if pdf.get(i..)?.starts_with(b"trailer") {
            return Some((offsets, i + b"trailer".len()));
        }
        let (first, next) = number_token(pdf, i)?;
        let (count, next) = number_token(pdf, skip_ws(pdf, next))?;
        i = next;
        for k in 0..count {
            let (offset, next) = number_token(pdf, skip_ws(pdf, i))?;
            let (_generation, next) = number_token(pdf, skip_ws(pdf, next))?;
            let kind = skip_ws(pdf, next);
            match pdf.get(kind)? {
                b'n' => {
                    let num = first.checked_add(k)?;
                    // Typst numbers its objects 1, 2, 3, …; a table with
                    // gaps wider than the file is not one of its.
                    if num > pdf.len() {
                        return None;
                    }
                    if offsets.len() <= num {
                        offsets.resize(num + 1, None);
                    }
                    offsets[num] = Some(offset);
                }
                b'f' => {}
                _ => return None,
            }
            i = kind + 1;
        }
    }
}

/// Reads `num G obj <value> [stream … endstream] endobj` at `offset`.
fn object(pdf: &[u8], offset: usize, num: u32) -> Option<Obj<'_>> {
    let (found, i) = number_token(pdf, offset)?;
    let (_generation, i) = number_token(pdf, skip_ws(pdf, i))?;
    let i = skip_ws(pdf, i);
    if found != num as usize || !pdf.get(i..)?.starts_with(b"obj") {
        return None;
    }
    let start = skip_ws(pdf, i + 3);
    let mut refs = vec![];
    let (end, entries) = if pdf.get(start..)?.starts_with(b"<<") {
        dict(pdf, start, &mut refs, 0)?
    } else {
        (value(pdf, start, &mut refs, 0)?, vec![])
    };
    let mut i = skip_ws(pdf, end);
    let mut stream = None;
    if pdf.get(i..)?.starts_with(b"stream") {
        let mut data = i + b"stream".len();
        match pdf.get(data..)? {
            [b'\r', b'\n', ..] => data += 2,
            [b'\n', ..] => data += 1,
            _ => return None,
        }
        let length = entries.iter().find(|e| e.key == b"Length")?.value;
        let length: usize = int(pdf.get(length.0..length.1)?)?; // a reference: None
        let after = skip_ws(pdf, data.checked_add(length)?);
        if !pdf.get(after..)?.starts_with(b"endstream") {
            return None;
        }
        stream = Some((i, after + b"endstream".len()));
        i = skip_ws(pdf, after + b"endstream".len());
    }
    if !pdf.get(i..)?.starts_with(b"endobj") {
        return None;
    }
    Some(Obj { value: (start, end), entries, stream, refs })
}

/// A dictionary at `i` (which starts with `<<`): its end and entries.
fn dict<'a>(
    pdf: &'a [u8],
    i: usize,
    refs: &mut Vec<Ref>,
    depth: usize,
) -> Option<(usize, Vec<Entry<'a>>)> {
    if !pdf.get(i..)?.starts_with(b"<<") {
        return None;
    }
    let mut entries = vec![];
    let mut i = i + 2;
    loop {
        i = skip_ws(pdf, i);
        match pdf.get(i..)? {
            [b'>', b'>', ..] => return Some((i + 2, entries)),
            [b'/', ..] => {
                let key_end = token_end(pdf, i + 1);
                let start = skip_ws(pdf, key_end);
                let end = value(pdf, start, refs, depth + 1)?;
                entries.push(Entry { key: &pdf[i + 1..key_end], value: (start, end) });
                i = end;
            }
            _ => return None,
        }
    }
}

/// One value at `i`: its end. References found inside go to `refs`.
fn value(pdf: &[u8], i: usize, refs: &mut Vec<Ref>, depth: usize) -> Option<usize> {
    if depth > 64 {
        return None;
    }
    match *pdf.get(i)? {
        b'<' if pdf.get(i + 1) == Some(&b'<') => dict(pdf, i, refs, depth).map(|(end, _)| end),
        b'<' => Some(i + 2 + find(pdf.get(i + 1..)?, b">")?),
        b'(' => literal(pdf, i),
        b'[' => {
            let mut j = i + 1;
            loop {
                j = skip_ws(pdf, j);
                if *pdf.get(j)? == b']' {
                    return Some(j + 1);
                }
                j = value(pdf, j, refs, depth + 1)?;
            }
        }
        b'/' => Some(token_end(pdf, i + 1)),
        b'0'..=b'9' | b'+' | b'-' | b'.' => {
            let end = token_end(pdf, i);
            if let Some((num, r_end)) = reference(pdf, i, end) {
                refs.push(Ref { start: i, end: r_end, num });
                return Some(r_end);
            }
            (end > i).then_some(end)
        }
        b't' | b'f' | b'n' => {
            let end = token_end(pdf, i);
            matches!(&pdf[i..end], b"true" | b"false" | b"null").then_some(end)
        }
        _ => None,
    }
}

/// `N G R` starting at `i` (`end` is the end of `N`): the number and the end.
/// The shape is checked before any number is read: most numbers in a PDF
/// (widths, coordinates) are not references.
fn reference(pdf: &[u8], i: usize, end: usize) -> Option<(u32, usize)> {
    let g = plain_ws(pdf, end);
    let g_end = token_end(pdf, g);
    if g == end || g_end == g {
        return None;
    }
    let r = plain_ws(pdf, g_end);
    if r == g_end || pdf.get(r) != Some(&b'R') {
        return None;
    }
    let after = r + 1;
    if pdf.get(after).is_some_and(|c| !is_ws(*c) && !is_delim(*c)) {
        return None;
    }
    let _generation: u32 = int(&pdf[g..g_end])?;
    Some((int(&pdf[i..end])?, after))
}

/// A literal string `( … )` at `i`: its end.
fn literal(pdf: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        match *pdf.get(j)? {
            b'\\' => j += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
}

fn number_token(pdf: &[u8], i: usize) -> Option<(usize, usize)> {
    let end = token_end(pdf, i);
    Some((int(pdf.get(i..end)?)?, end))
}

/// A non-negative integer written in decimal digits only.
fn int<T: TryFrom<u64>>(bytes: &[u8]) -> Option<T> {
    if bytes.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    T::try_from(n).ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What each byte is to the PDF syntax: white space, a delimiter, or
/// neither (part of a token).
const WS: u8 = 1;
const DELIM: u8 = 2;
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let ws = b"\0\t\n\x0c\r ";
    let mut k = 0;
    while k < ws.len() {
        class[ws[k] as usize] = WS;
        k += 1;
    }
    let delims = b"()<>[]{}/%";
    let mut k = 0;
    while k < delims.len() {
        class[delims[k] as usize] = DELIM;
        k += 1;
    }
    class
};

fn is_ws(c: u8) -> bool {
    CLASS[c as usize] == WS
}

fn is_delim(c: u8) -> bool {
    CLASS[c as usize] == DELIM
}

/// Skips whitespace and comments.
fn skip_ws(pdf: &[u8], mut i: usize) -> usize {
    loop {
        i = plain_ws(pdf, i);
        if pdf.get(i) != Some(&b'%') {
            return i;
        }
        while i < pdf.len() && pdf[i] != b'\n' && pdf[i] != b'\r' {
            i += 1;
        }
    }
}

/// Skips whitespace only.
fn plain_ws(pdf: &[u8], i: usize) -> usize {
    let rest = pdf.get(i..).unwrap_or_default();
    i + rest.iter().position(|c| !is_ws(*c)).unwrap_or(rest.len())
}

fn token_end(pdf: &[u8], i: usize) -> usize {
    let rest = pdf.get(i..).unwrap_or_default();
    i + rest.iter().position(|c| CLASS[*c as usize] != 0).unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references_but_not_numbers_that_look_like_them() {
        let text = b"<</A[1 0 R 0 0 595.2 841.8]/B(1 0 R \\) 2 0 R)/C 12 0 R>>";
        let mut refs = vec![];
        let (end, entries) = dict(text, 0, &mut refs, 0).unwrap();
        assert_eq!(end, text.len());
        assert_eq!(entries.iter().map(|e| e.key).collect::<Vec<_>>(), [b"A", b"B", b"C"]);
        assert_eq!(refs.iter().map(|r| r.num).collect::<Vec<_>>(), [1, 12]);
    }

    #[test]
    fn a_reference_ends_at_a_delimiter_and_fits_its_number() {
        let mut refs = vec![];
        let text = b"[3 0 R]";
        assert_eq!(value(text, 0, &mut refs, 0), Some(text.len()));
        assert_eq!(refs.iter().map(|r| (r.start, r.end, r.num)).collect::<Vec<_>>(), [(1, 6, 3)]);
        for text in [&b"[3 0 Rx]"[..], b"[4294967296 0 R]", b"[3 -1 R]", b"[3 0\nR2]"] {
            let mut refs = vec![];
            assert!(value(text, 0, &mut refs, 0).is_none() || refs.is_empty(), "{text:?}");
        }
        assert_eq!(int::<u32>(b"4294967295"), Some(u32::MAX));
        assert_eq!(int::<u32>(b"4294967296"), None);
        assert_eq!(int::<u32>(b"+1"), None);
        assert_eq!(int::<u32>(b""), None);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let mut refs = vec![];
        assert_eq!(value(b"{1 add}", 0, &mut refs, 0), None);
        assert!(prepare(b"%PDF-1.7\nnot a pdf").is_none());
        // An object number far beyond the file's size.
        let huge =
            b"%PDF-1.7\nxref\n99999999 1\n0000000009 00000 n \ntrailer\n<<>>\nstartxref\n9\n%%EOF";
        assert!(xref(huge).is_none());
    }
}
