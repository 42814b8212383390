//! Checks on the laid-out pages: where the text really landed.
//!
//! Typst draws text wherever the template puts it, clips nothing and does not
//! warn about missing glyphs. These checks read the frames after layout: the
//! ink bounding box of labelled blocks (`<lp-recipient>`, `<lp-return>`,
//! `<lp-sender>`), text that strays into zones that must stay clear, and
//! glyphs the fonts do not have (drawn as empty boxes).

use typst::introspection::Tag;
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};

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
    /// Characters the font had no glyph for.
    pub missing: Vec<char>,
}

/// Every text run of a page, in drawing order.
pub fn runs(frame: &Frame) -> Vec<Run> {
    let mut out = vec![];
    let mut open: Vec<(typst::introspection::Location, String)> = vec![];
    walk(frame, Transform::identity(), &mut open, &mut out);
    out
}

fn walk(
    frame: &Frame,
    ts: Transform,
    open: &mut Vec<(typst::introspection::Location, String)>,
    out: &mut Vec<Run>,
) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                let inner =
                    ts.pre_concat(Transform::translate(pos.x, pos.y)).pre_concat(group.transform);
                walk(&group.frame, inner, open, out);
            }
            FrameItem::Text(text) => {
                let b = text.bbox();
                if !b.min.x.to_raw().is_finite() || !b.max.x.to_raw().is_finite() {
                    continue; // only spaces: no ink
                }
                let (top, bottom) = (b.min.y.min(b.max.y), b.min.y.max(b.max.y));
                let a = Point::new(pos.x + b.min.x, pos.y + top).transform(ts);
                let z = Point::new(pos.x + b.max.x, pos.y + bottom).transform(ts);
                let missing = text
                    .glyphs
                    .iter()
                    .filter(|g| g.id == 0)
                    .filter_map(|g| text.text.get(g.range()).and_then(|s| s.chars().next()))
                    .collect();
                out.push(Run {
                    text: text.text.to_string(),
                    bbox: Rect::new(to_mm(a.x), to_mm(a.y), to_mm(z.x - a.x), to_mm(z.y - a.y)),
                    labels: open.iter().map(|(_, l)| l.clone()).collect(),
                    missing,
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
