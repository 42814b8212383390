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
                let missing: Vec<char> = text
                    .glyphs
                    .iter()
                    .filter(|g| g.id == 0)
                    .filter_map(|g| text.text.get(g.range()).and_then(|s| s.chars().next()))
                    .collect();
                if !exact {
                    out.push(Run {
                        text: text.text.to_string(),
                        bbox: rough,
                        labels: vec![],
                        missing,
                    });
                    continue;
                }
                let b = text.bbox();
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
