//! Point 3: where the text really lands, read from Typst's laid-out frames
//! (not from the templates' intentions): the letter's address block inside
//! the part of the DL window that is always visible, the return line above
//! it, the envelope's blocks inside the zones postal operators use.

use std::sync::OnceLock;

use letterpress::campaign::Campaign;
use letterpress::postal::Rect;
use letterpress::render::{Packet, Renderer, checks};
use typst::layout::{Frame, FrameItem, Transform};
use typst::visualize::Geometry;

use super::util::*;

/// The reference campaign loaded and typeset once through the library.
fn typeset() -> &'static (Campaign, Vec<Packet>) {
    static TYPESET: OnceLock<(Campaign, Vec<Packet>)> = OnceLock::new();
    TYPESET.get_or_init(|| {
        let campaign = load(&reference_toml());
        let renderer = Renderer::new(&campaign, None);
        let packets = campaign.recipients.iter().map(|r| packet(&renderer, r)).collect();
        (campaign, packets)
    })
}

/// An area in mm: x from..to, y from..to.
struct Area {
    x: (f64, f64),
    y: (f64, f64),
}

/// Asserts that a box lies inside an area (1 µm of rounding allowed).
#[track_caller]
fn assert_inside(bbox: &Rect, area: &Area, what: &str) {
    const EPS: f64 = 0.001;
    let inside = bbox.x >= area.x.0 - EPS
        && bbox.right() <= area.x.1 + EPS
        && bbox.y >= area.y.0 - EPS
        && bbox.bottom() <= area.y.1 + EPS;
    assert!(
        inside,
        "{what} covers x {:.2}–{:.2} mm, y {:.2}–{:.2} mm; allowed x {}–{} mm, y {}–{} mm",
        bbox.x,
        bbox.right(),
        bbox.y,
        bbox.bottom(),
        area.x.0,
        area.x.1,
        area.y.0,
        area.y.1
    );
}

#[track_caller]
fn bbox_of(runs: &[checks::Run], label: &str, what: &str) -> Rect {
    checks::labelled_bbox(runs, label).unwrap_or_else(|| panic!("{what}: no <{label}> block"))
}

/// DIN 5008 form B recipient zone (x 20–105, y 62.7–90) cut to what a DL
/// window always shows (x ≤ 100).
const LETTER_RECIPIENT: Area = Area { x: (20.0, 100.0), y: (62.7, 90.0) };
/// The return-address zone at the top of the address field.
const LETTER_RETURN: Area = Area { x: (20.0, 105.0), y: (45.0, 62.7) };
/// The DL envelope's read zone (UPU: 40 mm from the top, 15 mm from the
/// right and bottom, at most 140 mm from the right).
const ENVELOPE_READ: Area = Area { x: (80.0, 205.0), y: (40.0, 95.0) };
/// The sender zone: top left, left of the 74 × 40 mm postage area.
const ENVELOPE_SENDER: Area = Area { x: (0.0, 146.0), y: (0.0, 40.0) };

/// Every straight horizontal line drawn on a page: where it starts (x, y)
/// and how long it is, in mm, page coordinates (origin top left).
fn horizontal_lines(frame: &Frame) -> Vec<(f64, f64, f64)> {
    fn walk(frame: &Frame, ts: Transform, out: &mut Vec<(f64, f64, f64)>) {
        for (pos, item) in frame.items() {
            match item {
                FrameItem::Group(group) => {
                    let inner = ts
                        .pre_concat(Transform::translate(pos.x, pos.y))
                        .pre_concat(group.transform);
                    walk(&group.frame, inner, out);
                }
                FrameItem::Shape(shape, _) => {
                    if let Geometry::Line(to) = shape.geometry
                        && to.y.to_mm().abs() < 1e-6
                    {
                        let start = pos.transform(ts);
                        out.push((start.x.to_mm(), start.y.to_mm(), to.x.to_mm()));
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = vec![];
    walk(frame, Transform::identity(), &mut out);
    out
}

/// The fold marks (4 mm) and the hole-punch mark (6 mm) at the left edge,
/// 4 mm in from it, where the layout folds the sheet (DIN 5008 form B: 105
/// and 210 mm; the hole at 148.5 mm): on the first page only, which is the
/// page that gets folded around the address.
#[test]
fn fold_and_hole_marks_sit_at_the_folds_on_the_first_page_only() {
    let (campaign, packets) = typeset();
    assert_eq!(campaign.layout.folds.as_ref(), [105.0, 210.0]);
    assert_eq!(campaign.layout.hole, Some(148.5));
    let expected = [(4.0, 105.0, 4.0), (4.0, 210.0, 4.0), (4.0, 148.5, 6.0)];
    for (r, p) in campaign.recipients.iter().zip(packets) {
        assert!(p.letter.pages.len() > 1, "{}: the reference letter has two pages", r.id());
        let marks: Vec<_> = horizontal_lines(&p.letter.pages[0].frame)
            .into_iter()
            .filter(|(x, _, _)| *x < 20.0)
            .collect();
        assert_eq!(marks.len(), expected.len(), "{}: marks on page 1: {marks:?}", r.id());
        for ((x, y, len), (ex, ey, elen)) in marks.iter().zip(expected) {
            let close = (x - ex).abs() < 0.01 && (y - ey).abs() < 0.01 && (len - elen).abs() < 0.01;
            assert!(close, "{}: mark at x {x:.2}, y {y:.2}, {len:.2} mm long", r.id());
        }
        for (i, page) in p.letter.pages.iter().enumerate().skip(1) {
            let marks: Vec<_> =
                horizontal_lines(&page.frame).into_iter().filter(|(x, _, _)| *x < 20.0).collect();
            assert!(marks.is_empty(), "{}: marks on page {}: {marks:?}", r.id(), i + 1);
        }
    }
}

#[test]
fn letter_address_block_lies_in_the_always_visible_window() {
    let (campaign, packets) = typeset();
    for (r, p) in campaign.recipients.iter().zip(packets) {
        let runs = checks::runs(&p.letter.pages[0].frame);
        let what = format!("{}: letter's recipient block", r.id());
        let bbox = bbox_of(&runs, "lp-recipient", &what);
        assert_inside(&bbox, &Area { x: (20.0, 105.0), y: (62.7, 90.0) }, &what);
        assert_inside(&bbox, &LETTER_RECIPIENT, &what);
    }
}

#[test]
fn letter_return_line_lies_in_the_return_zone() {
    let (campaign, packets) = typeset();
    for (r, p) in campaign.recipients.iter().zip(packets) {
        let runs = checks::runs(&p.letter.pages[0].frame);
        let what = format!("{}: letter's return line", r.id());
        assert_inside(&bbox_of(&runs, "lp-return", &what), &LETTER_RETURN, &what);
        let text: String = labelled(&runs, "lp-return").iter().map(|r| text_of(r)).collect();
        assert!(text.contains("European Parliament"), "{what}: {text:?}");
        assert!(text.contains("1047"), "{what}: {text:?}");
    }
}

#[test]
fn envelope_blocks_lie_in_the_read_zone_and_the_sender_zone() {
    let (campaign, packets) = typeset();
    for (r, p) in campaign.recipients.iter().zip(packets) {
        assert_eq!(envelope_of(p).pages.len(), 1, "{}: envelope pages", r.id());
        let runs = checks::runs(&envelope_of(p).pages[0].frame);
        let what = format!("{}: envelope's recipient block", r.id());
        assert_inside(&bbox_of(&runs, "lp-recipient", &what), &ENVELOPE_READ, &what);
        let what = format!("{}: envelope's return address", r.id());
        assert_inside(&bbox_of(&runs, "lp-sender", &what), &ENVELOPE_SENDER, &what);
    }
}

#[test]
fn address_blocks_start_with_the_recipients_name() {
    let (campaign, packets) = typeset();
    for ((r, p), (who, _)) in campaign.recipients.iter().zip(packets).zip(PRINTED) {
        for (doc, frame) in
            [("letter", &p.letter.pages[0].frame), ("envelope", &envelope_of(p).pages[0].frame)]
        {
            let runs = checks::runs(frame);
            let block = labelled(&runs, "lp-recipient");
            let first = block.first().unwrap_or_else(|| panic!("{}: empty {doc} block", r.id()));
            // The first run drawn is the top line.
            let top = block.iter().map(|run| run.bbox.y).fold(f64::INFINITY, f64::min);
            assert!(
                first.bbox.y - top < 0.5,
                "{}: the {doc} block's first run is not its top line",
                r.id()
            );
            let text = text_of(first);
            match r.name() {
                Some(name) => {
                    assert_eq!(text.trim(), name, "{}: first line of the {doc} block", r.id());
                    assert_eq!(name, who);
                }
                // An organisation alone may wrap: its first line starts it.
                None => assert!(
                    !text.trim().is_empty() && who.starts_with(text.trim()),
                    "{}: the {doc} block starts with {text:?}, not {who:?}",
                    r.id()
                ),
            }
        }
    }
}

#[test]
fn nothing_but_the_address_lies_in_the_window_reach() {
    // What can show through the window when the folded sheet shifts: the
    // window (x 20–110, y 50–95 on the envelope) widened by the slack of the
    // folded packet (210 × 105 mm) in a DL (220 × 110 mm): x 10–110, y 45–95.
    let reach = Rect::new(10.0, 45.0, 100.0, 50.0);
    let (campaign, packets) = typeset();
    for (r, p) in campaign.recipients.iter().zip(packets) {
        for run in checks::runs(&p.letter.pages[0].frame) {
            if run.labels.iter().any(|l| l == "lp-recipient" || l == "lp-return") {
                continue;
            }
            assert!(
                !checks::intersects(&run.bbox, &reach),
                "{}: “{}” at x {:.1}, y {:.1} mm could show through the window",
                r.id(),
                run.text,
                run.bbox.x,
                run.bbox.y
            );
        }
    }
}

/// Typesets the first recipient of a small campaign with `body`; returns
/// the problems as plain text (empty if the packet is fine).
fn problems_with_body(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let recipient = "[[recipient]]\nid = \"carlsson\"\nname = \"Sven-Olov CARLSSON\"\n\
        address = { street = \"14 Mangilik Yel\", postcode = \"010000\", city = \"Astana\", country = \"KZ\" }\n";
    let toml = small_campaign(dir.path(), &format!("body = {body:?}"), recipient);
    let campaign = load(&toml);
    let renderer = Renderer::new(&campaign, None);
    match renderer.packet(&campaign.recipients[0]) {
        Ok(_) => String::new(),
        Err(diags) => letterpress::diag::render_plain(&diags),
    }
}

#[test]
fn text_placed_where_the_window_can_show_it_is_an_error() {
    // The body's own area starts at the top margin; 40 mm below it and 10 mm
    // right of the left margin lies inside the window's reach (x 10–110, y
    // 45–95 mm of the sheet).
    let out = problems_with_body("#place(top + left, dx: 10mm, dy: 40mm)[Hidden note] We ask.");
    assert!(
        out.contains("text “Hidden note” on the letter would show through the envelope window"),
        "{out}"
    );
    assert!(out.contains("x 10.0–110.0 mm, y 45.0–95.0 mm"), "{out}");
}

#[test]
fn text_placed_right_of_the_window_reach_is_fine() {
    // x 130 mm of the sheet: right of the reach, where the information block
    // sits; only its ink box, not a rough one, decides.
    let out = problems_with_body("#place(top + left, dx: 105mm, dy: 60mm)[Note] We ask.");
    assert_eq!(out, "");
}

#[test]
fn rough_boxes_contain_the_ink_they_stand_for() {
    // The checks read exact ink boxes only near the areas they test; every
    // other run gets a rough box that must contain its ink, or text could
    // reach an area unseen. Compared on every page of every letter and
    // envelope of the reference campaign (no area given: all runs rough).
    let (_, packets) = typeset();
    let mut compared = 0;
    for p in packets {
        let envelope_pages = p.envelope.iter().flat_map(|e| &e.pages);
        for page in p.letter.pages.iter().chain(envelope_pages) {
            let rough = checks::runs_near(&page.frame, &[]);
            let exact = checks::runs(&page.frame);
            assert_eq!(rough.len(), exact.len());
            for (near, exact) in rough.iter().zip(&exact) {
                assert_eq!(near.text, exact.text);
                assert!(
                    near.bbox.x <= exact.bbox.x + 1e-9
                        && near.bbox.right() >= exact.bbox.right() - 1e-9
                        && near.bbox.y <= exact.bbox.y + 1e-9
                        && near.bbox.bottom() >= exact.bbox.bottom() - 1e-9,
                    "“{}”: rough {:?} does not contain the ink {:?}",
                    exact.text,
                    near.bbox,
                    exact.bbox
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 500, "only {compared} runs");
}

/// The window-fit preflight, from the command line: a street line too long
/// for the window (also one that could only break after its hyphens) and an
/// address of too many lines each fail with the recipient, the line, the
/// direction and the millimetres; nothing is written; the recipient whose
/// address fits is not named.
#[test]
fn addresses_that_miss_the_window_are_errors_that_say_by_how_much() {
    let dir = tempfile::tempdir().unwrap();
    small_campaign(
        dir.path(),
        INLINE_BODY,
        r#"[[recipient]]
id = "fits"
name = "Anna Short"
address = { street = "Hauptstrasse 1", postcode = "10115", city = "Berlin", country = "DE" }

[[recipient]]
id = "hyphens"
name = "Carl Bindestrich"
address = { street = "Kaiser-Friedrich-Wilhelm-Augusta-Viktoria-Strasse 123", postcode = "10115", city = "Berlin", country = "DE" }

[[recipient]]
id = "tall"
name = "Dora Viele"
address = { lines = ["Abteilung Z", "Haus 3", "Flur B", "Eingang C", "Treppe 2", "Zimmer 12", "Postfach 1234", "Hauptstrasse 1", "10115 Berlin"], country = "DE" }
"#,
    );
    let run = letterpress(dir.path(), &["build", "campaign.toml", "-o", "out"]);
    run.assert_code(1);
    assert_eq!(run.stderr, MISSES_THE_WINDOW, "{}", run.dump());
    assert!(files_in(&dir.path().join("out")).is_empty(), "{}", run.dump());
}

const MISSES_THE_WINDOW: &str = r#"error: the letter's address block does not fit the window: 13.8 mm too far right (the line “Kaiser-Friedrich-Wilhelm-Augusta-Viktoria-Strasse 123” is too long)
   ┌─ campaign.toml:23:23
   │
23 │ address = { street = "Kaiser-Friedrich-Wilhelm-Augusta-Viktoria-Strasse 123", postcode = "10115", city = "Berlin", country = "DE" }
   │                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ in this recipient's address
   │
   = recipient: #2 `hyphens` (Carl Bindestrich)
   = hint: the block covers x 25.2–113.8 mm, y 63.7–78.5 mm; the window allows x 20.0–100.0 mm, y 62.7–90.0 mm
   = hint: shorten the longest line, use fewer lines, or choose a larger envelope

error: the letter's address block does not fit the window: 4.7 mm too low (10 lines are too many)
   ┌─ campaign.toml:28:1
   │
28 │ address = { lines = ["Abteilung Z", "Haus 3", "Flur B", "Eingang C", "Treppe 2", "Zimmer 12", "Postfach 1234", "Hauptstrasse 1", "10115 Berlin"], country = "DE" }
   │ ^^^^^^^ in this recipient's address
   │
   = recipient: #3 `tall` (Dora Viele)
   = hint: the block covers x 25.0–44.3 mm, y 63.8–94.7 mm; the window allows x 20.0–100.0 mm, y 62.7–90.0 mm
   = hint: shorten the longest line, use fewer lines, or choose a larger envelope

2 errors — nothing was written
"#;
