//! Issue 3, labels: address-label sheets (Avery L7160 on A4, Avery 5160 on
//! US Letter) in packet order, each address inside its label's safe area,
//! read back from Typst's laid-out frames and from the PDFs in the zip.

use std::fmt::Write as _;
use std::path::Path;

use letterpress::campaign::{Campaign, Recipient};
use letterpress::postal::labels::{AVERY_5160, AVERY_L7160, LabelSheet};
use letterpress::render::{Renderer, checks};

use super::util::*;

/// A campaign with `n` recipients in Germany named `Anna Person 1` … (ASCII
/// capitals first, so each block's ink starts where its text starts).
fn many(dir: &Path, n: usize, labels: &str) -> std::path::PathBuf {
    let mut recipients = String::new();
    for i in 1..=n {
        let _ = write!(
            recipients,
            "[[recipient]]\nid = \"p{i}\"\nname = \"Anna Person {i}\"\n\
             address = {{ street = \"Hauptstrasse {i}\", postcode = \"10115\", city = \"Berlin\", country = \"DE\" }}\n\n"
        );
    }
    let path = small_campaign(dir, INLINE_BODY, &recipients);
    edit(&path, "date = 2018-07-27\n", &format!("date = 2018-07-27\nlabels = \"{labels}\"\n"));
    path
}

/// A recipient's address lines as the envelope prints them.
fn lines(r: &Recipient) -> Vec<String> {
    r.address_lines.iter().map(|l| l.text.to_string()).collect()
}

/// The labels of every recipient, typeset through the library.
fn typeset_labels(campaign: &Campaign, sheet: &LabelSheet) -> letterpress::render::Document {
    let renderer = Renderer::new(campaign, None);
    let recipients: Vec<&Recipient> = campaign.recipients.iter().collect();
    renderer
        .labels(sheet, &recipients, "test/labels")
        .unwrap_or_else(|d| panic!("{}", letterpress::diag::render_plain(&d)))
}

/// Every label's text starts at its safe area's left edge and 1.2 mm below
/// its top edge (within 0.5 mm), lies inside the safe area, and names its
/// recipient in packet order; sheets are the right size, one per 21 or 30
/// labels.
fn assert_grid(sheet: &LabelSheet, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let campaign = load(&many(dir.path(), n, sheet.id));
    assert_eq!(campaign.labels.map(|s| s.id), Some(sheet.id));
    let doc = typeset_labels(&campaign, sheet);
    let per = sheet.per_sheet();
    assert_eq!(doc.pages.len(), n.div_ceil(per), "{}: sheets for {n} labels", sheet.id);
    for page in &doc.pages {
        let size = page.frame.size();
        assert!((size.x.to_mm() - sheet.w).abs() < 0.01, "{}: width {:?}", sheet.id, size);
        assert!((size.y.to_mm() - sheet.h).abs() < 0.01, "{}: height {:?}", sheet.id, size);
    }
    for (i, r) in campaign.recipients.iter().enumerate() {
        let runs = checks::runs(&doc.pages[i / per].frame);
        let label = format!("lp-label-{i}");
        let what = format!("{}: label {} ({})", sheet.id, i + 1, r.id());
        let bbox = checks::labelled_bbox(&runs, &label).unwrap_or_else(|| panic!("{what}: none"));
        let safe = sheet.safe_area(i);
        assert!(
            (bbox.x - safe.x).abs() <= 0.5,
            "{what}: text starts at x {:.2}, not {:.2}",
            bbox.x,
            safe.x
        );
        assert!(
            (bbox.y - (safe.y + 1.2)).abs() <= 0.5,
            "{what}: text starts at y {:.2}, not {:.2}",
            bbox.y,
            safe.y + 1.2
        );
        assert!(checks::overshoot(&bbox, &safe).is_empty(), "{what}: {bbox:?} outside {safe:?}");
        // The block is the envelope's: the same lines, the destination's
        // format (city in capitals), the country line on mail abroad.
        let block = labelled(&runs, &label);
        let text: Vec<String> = block.iter().map(|run| text_of(run).trim().to_string()).collect();
        let n = i + 1;
        assert_eq!(
            text,
            [
                format!("Anna Person {n}"),
                format!("Hauptstrasse {n}"),
                "10115 BERLIN".into(),
                "GERMANY".into()
            ],
            "{what}"
        );
        assert_eq!(text, lines(r), "{what}: not the envelope's lines");
    }
}

#[test]
fn l7160_grid_with_overflow_to_a_second_sheet() {
    // 23 labels: a full sheet of 21, then 2 on the second sheet's first row.
    assert_grid(&AVERY_L7160, 23);
}

#[test]
fn avery_5160_grid() {
    assert_grid(&AVERY_5160, 31);
}

#[test]
fn cells_are_where_avery_puts_them() {
    // Cell 5 of L7160 (second row, right column), cell 29 of 5160 (last).
    let c = AVERY_L7160.cell(5);
    assert!((c.x - (7.25 + 2.0 * 66.0)).abs() < 1e-9 && (c.y - (15.15 + 38.1)).abs() < 1e-9);
    let c = AVERY_5160.cell(29);
    assert!((c.x - 25.4 * (0.1875 + 2.0 * 2.75)).abs() < 1e-9);
    assert!((c.y - 25.4 * 9.5).abs() < 1e-9);
}

/// The build writes print/labels.pdf: US Letter pages, one per 30 packets,
/// the addresses in packet order; the manifest names the sheet.
#[test]
fn build_writes_labels_in_packet_order() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = many(dir.path(), 31, "avery-l7160");
    let out = dir.path().join("out");
    // The command line overrides the campaign's sheet.
    let run = build(dir.path(), &campaign, &out, &["--labels", "avery-5160"]);
    let zip = Zip::open(&std::fs::read(out.join("small.zip")).unwrap());
    let names = zip.names();
    let labels = names.iter().position(|n| *n == "small/print/labels.pdf");
    let envelopes = names.iter().position(|n| *n == "small/print/envelopes.pdf");
    assert!(labels.is_some() && envelopes.is_some(), "{names:#?}\n{}", run.dump());
    let doc = pdf(zip.get("small/print/labels.pdf"));
    let pages = pages(&doc);
    assert_eq!(pages.len(), 2);
    for page in &pages {
        let (w, h) = page_size(&doc, *page);
        assert!((w - 612.0).abs() < 0.01 && (h - 792.0).abs() < 0.01, "{w} × {h}");
    }
    let names = |page: u32| -> Vec<String> {
        let text = super::pdf_text::page_text(&doc, page).replace('\u{a0}', " ");
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("Anna Person"))
            .map(String::from)
            .collect()
    };
    let expected: Vec<String> = (1..=30).map(|i| format!("Anna Person {i}")).collect();
    assert_eq!(names(1), expected, "the first sheet's labels, in packet order");
    assert_eq!(names(2), ["Anna Person 31"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(zip.get("small/manifest.json")).unwrap();
    assert_eq!(manifest["campaign"]["labels"], "avery-5160");
    assert!(
        manifest["outputs"].as_array().unwrap().iter().any(|o| o["path"] == "print/labels.pdf"),
        "{manifest:#}"
    );
}

/// An address too long for a label fails the build with the recipient,
/// the line and where it is in the campaign.
#[test]
fn an_address_too_long_for_a_label_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_campaign(
        dir.path(),
        INLINE_BODY,
        r#"[[recipient]]
id = "short"
name = "Anna Short"
address = { street = "Hauptstrasse 1", postcode = "10115", city = "Berlin", country = "DE" }

[[recipient]]
id = "long"
name = "Bert Long"
address = { street = "Kaiserin Augusta Allee 1234 Hinterhaus", postcode = "10115", city = "Berlin", country = "DE" }
"#,
    );
    // Without labels the campaign builds: the line fits the window.
    let run = letterpress(dir.path(), &["check", "campaign.toml"]);
    run.assert_code(0);
    let run = letterpress(dir.path(), &["check", "campaign.toml", "--labels", "avery-l7160"]);
    run.assert_code(1);
    assert_eq!(run.stderr, LONG_LINE_ERROR, "{}", run.dump());
    // A build writes nothing.
    let run = letterpress(
        dir.path(),
        &["build", "campaign.toml", "--labels", "avery-l7160", "-o", "out"],
    );
    run.assert_code(1);
    assert!(files_in(&dir.path().join("out")).is_empty(), "{}", run.dump());
    assert!(path.exists());
}

const LONG_LINE_ERROR: &str = r#"error: the address block does not fit the Avery L7160 label's safe area: 6.4 mm too far right (the line “Kaiserin Augusta Allee 1234 Hinterhaus” is too long)
   ┌─ campaign.toml:23:23
   │
23 │ address = { street = "Kaiserin Augusta Allee 1234 Hinterhaus", postcode = "10115", city = "Berlin", country = "DE" }
   │                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ in this recipient's address
   │
   = recipient: #2 `long` (Bert Long)
   = hint: the block covers x 10.5–74.1 mm, y 19.3–33.9 mm; the Avery L7160 label's safe area allows x 10.2–67.8 mm, y 18.1–50.2 mm
   = hint: shorten the longest line or use fewer lines (`letterpress templates` lists the label sheets letterpress knows)

1 error — nothing was written
"#;
