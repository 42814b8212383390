//! Checks on the laid-out pages: where the text really landed.
//!
//! Typst draws text wherever the template puts it, clips nothing and does not
//! warn about missing glyphs. These checks read the frames after layout: the
//! ink bounding box of labelled blocks (`<lp-recipient>`, `<lp-return>`,
//! `<lp-sender>`), text that strays into zones that must stay clear, and
//! glyphs the fonts do not have (drawn as empty boxes).

use std::cell::RefCell;

use typst::introspection::Tag;
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::text::{FontInstance, TextItem};

use crate::postal::Rect;

/// One run of text on a page, with its ink box in millimetres.
#[derive(Debug, Clone)]
pub struct Run {
    /// The text.
    pub text: String,
    /// Ink bounding box, page coordinates in mm (origin top left).
    pub bbox: Rect,
    /// Labels of the labelled blocks this run lies in.
    pub labels: Vec<String>,
}

/// Every text run of a page, in drawing order, with its exact ink box.
pub fn runs(frame: &Frame) -> Vec<Run> {
    walk_page(frame, None)
}

/// Every text run of a page, in drawing order. Labelled runs and runs that
/// may touch one of `areas` get their exact ink box; the others (most of a
/// letter's body) a box that is only sure to contain the ink. Reading a
/// glyph's outline for its ink box is the costly part of these checks.
pub fn runs_near(frame: &Frame, areas: &[Rect]) -> Vec<Run> {
    walk_page(frame, Some(areas))
}

fn walk_page(frame: &Frame, areas: Option<&[Rect]>) -> Vec<Run> {
    let mut out = vec![];
    let mut open: Vec<(typst::introspection::Location, String)> = vec![];
    walk(frame, Transform::identity(), areas, &mut open, &mut out);
    out
}

fn walk(
    frame: &Frame,
    ts: Transform,
    areas: Option<&[Rect]>,
    open: &mut Vec<(typst::introspection::Location, String)>,
    out: &mut Vec<Run>,
) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let inner =
                    ts.pre_concat(Transform::translate(pos.x, pos.y)).pre_concat(group.transform);
                walk(&group.frame, inner, areas, open, out);
            }
            FrameItem::Text(text) => {
                // A generous box around the run: an em to each side, two
                // above the baseline and one below.
                let em = text.size;
                let rough = Rect::from_points(
                    Point::new(pos.x - em, pos.y - em * 2.0).transform(ts),
                    Point::new(pos.x + text.width() + em, pos.y + em).transform(ts),
                );
                let exact = match areas {
                    None => true,
                    Some(areas) => !open.is_empty() || areas.iter().any(|a| intersects(&rough, a)),
                };
                if !exact {
                    out.push(Run { text: text.text.to_string(), bbox: rough, labels: vec![] });
                    continue;
                }
                let b = ink_box(text);
                if !b.min.x.to_raw().is_finite() || !b.max.x.to_raw().is_finite() {
                    continue; // only spaces: no ink
                }
                let (top, bottom) = (b.min.y.min(b.max.y), b.min.y.max(b.max.y));
                let a = Point::new(pos.x + b.min.x, pos.y + top).transform(ts);
                let z = Point::new(pos.x + b.max.x, pos.y + bottom).transform(ts);
                out.push(Run {
                    text: text.text.to_string(),
                    bbox: Rect::new(to_mm(a.x), to_mm(a.y), to_mm(z.x - a.x), to_mm(z.y - a.y)),
                    labels: open.iter().map(|(_, l)| l.clone()).collect(),
                });
            }
            FrameItem::Tag(Tag::Start(content, _)) => {
                if let (Some(label), Some(loc)) = (content.label(), content.location()) {
                    let name = label.resolve().as_str().to_string();
                    if name.starts_with("lp-") {
                        open.push((loc, name));
                    }
                }
            }
            FrameItem::Tag(Tag::End(loc, ..)) => {
                open.retain(|(l, _)| l != loc);
            }
            _ => {}
        }
    }
}

/// The characters of a page that its font has no glyph for (Typst draws
/// them as empty boxes), in drawing order.
pub fn missing_glyphs(frame: &Frame) -> Vec<char> {
    let mut out = vec![];
    each_text(frame, &mut |text| {
        out.extend(
            text.glyphs
                .iter()
                .filter(|g| g.id == 0)
                .filter_map(|g| text.text.get(g.range()).and_then(|s| s.chars().next())),
        )
    });
    out
}

/// Calls `f` with every run of text of a frame and the frames inside it, in
/// drawing order.
fn each_text<'a>(frame: &'a Frame, f: &mut dyn FnMut(&'a TextItem)) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => each_text(&group.frame, f),
            FrameItem::Text(text) => f(text),
            _ => {}
        }
    }
}

/// Each glyph's outline box by glyph id, in font units, once read (the
/// inner `None`: the glyph has no ink).
type GlyphBoxes = Vec<Option<Option<ttf_parser::Rect>>>;

thread_local! {
    /// The glyph boxes of each font a thread has checked. A thread's fonts
    /// are few and its addresses use a few hundred glyphs.
    static GLYPH_BOXES: RefCell<Vec<(FontInstance, GlyphBoxes)>> = const { RefCell::new(Vec::new()) };
}

/// The ink box of a run, in the run's coordinates (y down): what
/// `TextItem::bbox` computes, with each glyph's outline read once per thread.
/// `bbox` reads the outline of every glyph of every run and memoizes the run
/// by hashing it whole; the runs checked (addresses, names) differ from one
/// packet to the next, so that was most of these checks' time.
fn ink_box(text: &TextItem) -> typst::layout::Rect {
    GLYPH_BOXES.with_borrow_mut(|fonts| {
        let at = match fonts.iter().position(|(font, _)| *font == text.font) {
            Some(at) => at,
            None => {
                let glyphs = usize::from(text.font.ttf().number_of_glyphs());
                fonts.push((text.font.clone(), vec![None; glyphs]));
                fonts.len() - 1
            }
        };
        let boxes = &mut fonts[at].1;
        let font = &text.font;
        let mut min = Point::splat(Abs::inf());
        let mut max = Point::splat(-Abs::inf());
        let mut cursor = Point::zero();
        for glyph in &text.glyphs {
            let advance = Point::new(glyph.x_advance.at(text.size), glyph.y_advance.at(text.size));
            let offset = Point::new(glyph.x_offset.at(text.size), glyph.y_offset.at(text.size));
            let id = usize::from(glyph.id);
            if boxes.len() <= id {
                boxes.resize(id + 1, None); // not in the font: no outline
            }
            let rect = *boxes[id].get_or_insert_with(|| {
                font.ttf().glyph_bounding_box(ttf_parser::GlyphId(glyph.id))
            });
            if let Some(rect) = rect {
                let pos = cursor + offset;
                let a = pos
                    + Point::new(
                        font.to_em(rect.x_min).at(text.size),
                        font.to_em(rect.y_min).at(text.size),
                    );
                let b = pos
                    + Point::new(
                        font.to_em(rect.x_max).at(text.size),
                        font.to_em(rect.y_max).at(text.size),
                    );
                min = min.min(a).min(b);
                max = max.max(a).max(b);
            }
            cursor += advance;
        }
        // Text runs are y-up; frames are y-down.
        min.y *= -1.0;
        max.y *= -1.0;
        typst::layout::Rect::new(min, max)
    })
}

impl Rect {
    /// The rectangle spanned by two corners, in points, as millimetres.
    fn from_points(a: Point, z: Point) -> Self {
        let (x0, x1) = (a.x.min(z.x), a.x.max(z.x));
        let (y0, y1) = (a.y.min(z.y), a.y.max(z.y));
        Rect::new(to_mm(x0), to_mm(y0), to_mm(x1 - x0), to_mm(y1 - y0))
    }
}

/// Points to millimetres.
fn to_mm(abs: Abs) -> f64 {
    abs.to_mm()
}

/// The union of the ink boxes of every run inside a labelled block.
pub fn labelled_bbox(runs: &[Run], label: &str) -> Option<Rect> {
    let mut boxes = runs.iter().filter(|r| r.labels.iter().any(|l| l == label)).map(|r| r.bbox);
    let first = boxes.next()?;
    Some(boxes.fold(first, union))
}

/// The smallest rectangle containing both.
pub fn union(a: Rect, b: Rect) -> Rect {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    Rect::new(x, y, a.right().max(b.right()) - x, a.bottom().max(b.bottom()) - y)
}

/// Whether two rectangles overlap (touching edges do not count).
pub fn intersects(a: &Rect, b: &Rect) -> bool {
    a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
}

/// How far `inner` sticks out of `outer` on each side, in words; empty when
/// it fits. Tolerates 0.05 mm of rounding.
pub fn overshoot(inner: &Rect, outer: &Rect) -> Vec<String> {
    const EPS: f64 = 0.05;
    let mut out = vec![];
    let mut side = |amount: f64, what: &str| {
        if amount > EPS {
            out.push(format!("{amount:.1} mm {what}"));
        }
    };
    side(outer.x - inner.x, "too far left");
    side(inner.right() - outer.right(), "too far right");
    side(outer.y - inner.y, "too high");
    side(inner.bottom() - outer.bottom(), "too low");
    out
}

#[cfg(test)]
mod tests {
    use super::super::world::{Base, file_id};
    use std::collections::BTreeMap;
    use typst::foundations::Bytes;
    use typst_layout::PagedDocument;

    /// The cached ink box is Typst's own, to the bit, for every run of the
    /// sample letter and envelope and of a page with Cyrillic, Kazakh,
    /// Hebrew and CJK text in bold, italic and small sizes, and again once
    /// every glyph box comes from the cache.
    #[test]
    fn ink_boxes_are_typsts_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let data = std::fs::read(dir.join("data.json")).unwrap();
        let scripts = "#set page(width: 100mm, height: 50mm)\n#set text(font: \"Noto Sans\")\n\
                       Привет *Қазақстан* _Алматы_ #text(size: 6pt)[шалом שלום] 東京 *東京*";
        let extra = BTreeMap::from([("scripts.typ".to_string(), Bytes::from_string(scripts))]);
        let base = Base::new(dir.canonicalize().unwrap(), extra, None);
        let mut runs = 0;
        let mut families = std::collections::BTreeSet::new();
        for template in ["/letter.typ", "/envelope.typ", "/scripts.typ"] {
            let doc = base.doc(file_id(template), Bytes::new(data.clone()));
            let document = typst::compile::<PagedDocument>(&doc).output.unwrap();
            for page in document.pages() {
                let mut items = vec![];
                super::each_text(&page.frame, &mut |text| items.push(text));
                runs += items.len();
                families.extend(items.iter().map(|t| t.font.font().info().family.clone()));
                for _ in 0..2 {
                    for text in &items {
                        assert_eq!(super::ink_box(text), text.bbox(), "{template}: {}", text.text);
                    }
                }
            }
        }
        assert!(runs >= 50, "only {runs} runs");
        for family in ["Noto Sans", "Noto Sans Hebrew", "Noto Sans CJK JP"] {
            assert!(families.contains(family), "no run in {family}: {families:?}");
        }
    }

    /// Characters without a glyph are found inside groups, in order, and
    /// only those.
    #[test]
    fn missing_glyphs_are_found_in_nested_frames() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let source = "#set page(width: 50mm, height: 30mm)\n#set text(font: \"Noto Sans\")\n#box[#rotate(10deg)[Aሰb]] ላ";
        let extra = BTreeMap::from([("missing.typ".to_string(), Bytes::from_string(source))]);
        let base = Base::new(dir.canonicalize().unwrap(), extra, None);
        let doc = base.doc(file_id("/missing.typ"), Bytes::new(b"{}".to_vec()));
        let document = typst::compile::<PagedDocument>(&doc).output.unwrap();
        assert_eq!(super::missing_glyphs(&document.pages()[0].frame), vec!['ሰ', 'ላ']);
    }
}
