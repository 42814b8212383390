//! Text extraction from the PDFs Typst writes.
//!
//! lopdf 0.38's `Document::extract_text` cannot read Typst's ToUnicode CMaps
//! (its CMap grammar rejects the standard `/CMapVersion` and `/WMode`
//! entries: "failed parsing ToUnicode CMap"), so this module decodes the
//! text itself: lopdf parses the file and the content streams, each font's
//! ToUnicode CMap (`bfchar` and `bfrange`) maps the shown codes back to
//! Unicode, exactly as a PDF viewer's copy and paste does. Form XObjects are
//! followed.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId};

/// Code → Unicode text, and how many bytes a code takes.
struct CMap {
    map: HashMap<u32, String>,
    width: usize,
}

/// The text of one page (1-based): each text object on its own line.
#[track_caller]
pub fn page_text(doc: &Document, page: u32) -> String {
    let pages = doc.get_pages();
    let id = *pages.get(&page).unwrap_or_else(|| panic!("no page {page} (of {})", pages.len()));
    let content = doc.get_page_content(id).expect("page content");
    let resources = page_resources(doc, id);
    let mut out = String::new();
    show(doc, &content, resources.as_ref(), &mut out, 0);
    out
}

/// A page's resources, inherited from the page tree if need be.
fn page_resources(doc: &Document, page: ObjectId) -> Option<Dictionary> {
    let mut node = doc.get_dictionary(page).ok()?;
    loop {
        if let Ok(resources) = node.get(b"Resources") {
            return doc.dereference(resources).ok()?.1.as_dict().ok().cloned();
        }
        node = doc.get_dictionary(node.get(b"Parent").ok()?.as_reference().ok()?).ok()?;
    }
}

/// A value of a dictionary, references followed.
fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o)
}

/// Appends the text a content stream shows.
fn show(
    doc: &Document,
    content: &[u8],
    resources: Option<&Dictionary>,
    out: &mut String,
    depth: usize,
) {
    assert!(depth < 16, "form XObjects nested too deep");
    let ops =
        lopdf::content::Content::decode(content).expect("decodable content stream").operations;
    let fonts = resources.and_then(|r| get(doc, r, b"Font")).and_then(|f| f.as_dict().ok());
    let mut cmaps: HashMap<Vec<u8>, Option<CMap>> = HashMap::new();
    let mut font: Option<Vec<u8>> = None;
    for op in &ops {
        match op.operator.as_str() {
            "Tf" => font = op.operands.first().and_then(|o| o.as_name().ok()).map(<[u8]>::to_vec),
            "BT" | "ET" | "T*" | "Td" | "TD" | "Tm" if !out.ends_with('\n') && !out.is_empty() => {
                out.push('\n')
            }
            "Tj" | "'" | "\"" | "TJ" => {
                let name = font.clone().expect("text shown before a font was set");
                let cmap = cmaps.entry(name.clone()).or_insert_with(|| {
                    let dict =
                        fonts.and_then(|f| get(doc, f, &name)).and_then(|f| f.as_dict().ok());
                    dict.map(|d| font_cmap(doc, d))
                });
                let cmap = cmap.as_ref().unwrap_or_else(|| {
                    panic!("font {} is not in the resources", String::from_utf8_lossy(&name))
                });
                for operand in &op.operands {
                    match operand {
                        Object::String(bytes, _) => decode(cmap, bytes, out),
                        Object::Array(items) => {
                            for item in items {
                                if let Object::String(bytes, _) = item {
                                    decode(cmap, bytes, out);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            "Do" => {
                let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
                    continue;
                };
                let xobjects =
                    resources.and_then(|r| get(doc, r, b"XObject")).and_then(|x| x.as_dict().ok());
                let Some(Object::Stream(stream)) = xobjects.and_then(|x| get(doc, x, name)) else {
                    continue;
                };
                if get(doc, &stream.dict, b"Subtype").and_then(|s| s.as_name().ok())
                    != Some(b"Form")
                {
                    continue;
                }
                let inner = get(doc, &stream.dict, b"Resources").and_then(|r| r.as_dict().ok());
                let data = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
                show(doc, &data, inner.or(resources), out, depth + 1);
            }
            _ => {}
        }
    }
}

/// Maps the codes of a string to text.
fn decode(cmap: &CMap, bytes: &[u8], out: &mut String) {
    for code in bytes.chunks(cmap.width) {
        let code = code.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b));
        match cmap.map.get(&code) {
            Some(text) => out.push_str(text),
            None => out.push('\u{fffd}'),
        }
    }
}

/// A font's ToUnicode CMap (two-byte codes for composite fonts).
#[track_caller]
fn font_cmap(doc: &Document, font: &Dictionary) -> CMap {
    let composite = get(doc, font, b"Subtype").and_then(|s| s.as_name().ok()) == Some(b"Type0");
    let Some(Object::Stream(stream)) = get(doc, font, b"ToUnicode") else {
        panic!("a font without a ToUnicode CMap: its text cannot be extracted");
    };
    let data = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
    CMap { map: parse_cmap(&String::from_utf8_lossy(&data)), width: if composite { 2 } else { 1 } }
}

/// Reads the `bfchar` and `bfrange` sections of a ToUnicode CMap.
fn parse_cmap(text: &str) -> HashMap<u32, String> {
    let tokens = tokens(text);
    let hex = |t: &str| t.strip_prefix('<').and_then(|t| t.strip_suffix('>')).map(str::to_string);
    let code = |t: &str| u32::from_str_radix(&hex(t).expect("a hex code"), 16).expect("hex code");
    let unicode = |t: &str| {
        let h = hex(t).expect("a hex string");
        let units: Vec<u16> = (0..h.len() / 4)
            .map(|i| u16::from_str_radix(&h[i * 4..i * 4 + 4], 16).expect("UTF-16 hex"))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let mut map = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "beginbfchar" => {
                i += 1;
                while tokens[i] != "endbfchar" {
                    map.insert(code(&tokens[i]), unicode(&tokens[i + 1]));
                    i += 2;
                }
            }
            "beginbfrange" => {
                i += 1;
                while tokens[i] != "endbfrange" {
                    let (lo, hi) = (code(&tokens[i]), code(&tokens[i + 1]));
                    i += 2;
                    if tokens[i] == "[" {
                        i += 1;
                        for c in lo..=hi {
                            map.insert(c, unicode(&tokens[i]));
                            i += 1;
                        }
                        assert_eq!(tokens[i], "]");
                        i += 1;
                    } else {
                        let first: Vec<u16> = unicode(&tokens[i]).encode_utf16().collect();
                        for (k, c) in (lo..=hi).enumerate() {
                            let mut units = first.clone();
                            if let Some(last) = units.last_mut() {
                                *last += k as u16;
                            }
                            map.insert(c, String::from_utf16_lossy(&units));
                        }
                        i += 1;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    map
}

/// Splits PostScript-ish text into hex strings, brackets and words
/// (comments dropped).
fn tokens(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '<' => {
                let mut t = String::from("<");
                for c in chars.by_ref() {
                    if !c.is_whitespace() {
                        t.push(c);
                    }
                    if c == '>' {
                        break;
                    }
                }
                out.push(t);
            }
            '[' | ']' => out.push(c.to_string()),
            c if c.is_whitespace() => {}
            c => {
                let mut t = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '<' | '[' | ']' | '%') {
                        break;
                    }
                    t.push(n);
                    chars.next();
                }
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_cmap;

    #[test]
    fn reads_bfchar_and_bfrange() {
        let map = parse_cmap(
            "%!PS\n/CIDInit /ProcSet findresource begin\n2 beginbfchar\n<0001> <004D>\n<0032> <0066006C>\nendbfchar\n\
             1 beginbfrange\n<0010> <0012> <0041>\nendbfrange\n1 beginbfrange\n<0020> <0021> [<0430> <D83D DE00>]\nendbfrange\n",
        );
        assert_eq!(map[&1], "M");
        assert_eq!(map[&0x32], "fl");
        assert_eq!((map[&0x10].as_str(), map[&0x12].as_str()), ("A", "C"));
        assert_eq!((map[&0x20].as_str(), map[&0x21].as_str()), ("а", "😀"));
    }
}
