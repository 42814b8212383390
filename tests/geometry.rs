//! Issue "Print-correct packets for every common paper, window standard and
//! envelope": every layout places a real address where its geometry table
//! says (read back from Typst's frames), every envelope prints at its size
//! with the address in the destination's read zone, the envelope is chosen
//! from paper and fold, and thick packets go flat, with their weight.

#[path = "support/campaigns.rs"]
mod support;

use std::path::PathBuf;

use letterpress::campaign::{self, Campaign, Overrides};
use letterpress::postal::{self, Rect};
use letterpress::render::{Packet, Renderer, checks};
use support::*;

/// A sender and a domestic recipient per country, as the campaign writes them.
fn people(country: &str) -> (&'static str, &'static str) {
    match country {
        "DE" => (
            r#"name = "Max Mustermann"
address = { street = "Unter den Linden 1", postcode = "10117", city = "Berlin", country = "DE" }"#,
            r#"name = "Erika Mustermann"
address = { street = "Heidestraße 17", postcode = "51147", city = "Köln", country = "DE" }"#,
        ),
        "CH" => (
            r#"name = "Anna Beispiel"
address = { street = "Bundesplatz 3", postcode = "3005", city = "Bern", country = "CH" }"#,
            r#"name = "Hans Muster"
address = { street = "Bahnhofstrasse 1", postcode = "8001", city = "Zürich", country = "CH" }"#,
        ),
        "FR" => (
            r#"name = "Paul Martin"
address = { street = "1 place de la Concorde", postcode = "75008", city = "Paris", country = "FR" }"#,
            r#"name = "Marie Dupont"
address = { street = "12 rue de la République", postcode = "69002", city = "Lyon", country = "FR" }"#,
        ),
        "GB" => (
            r#"name = "Tom Brown"
address = { street = "1 Parliament Square", postcode = "SW1P 3BD", city = "London", country = "GB" }"#,
            r#"name = "Jane Smith"
address = { street = "10 Downing Street", postcode = "SW1A 2AA", city = "London", country = "GB" }"#,
        ),
        "US" => (
            r#"name = "Mary Major"
address = { street = "1 First St SE", postcode = "20543", city = "Washington", region = "DC", country = "US" }"#,
            r#"name = "John Smith"
address = { street = "350 Fifth Avenue", postcode = "10118", city = "New York", region = "NY", country = "US" }"#,
        ),
        _ => (
            r#"name = "Sato Hanako"
address = { street = "1-1 Chiyoda", postcode = "100-8111", city = "Chiyoda-ku", region = "Tokyo", country = "JP" }"#,
            r#"name = "Yamada Taro"
address = { street = "2-3-1 Marunouchi", postcode = "100-0005", city = "Chiyoda-ku", region = "Tokyo", country = "JP" }"#,
        ),
    }
}

/// Writes a campaign: `[campaign]` lines, the sender, recipients, an
/// optional `[campaign.layout]` table and an inline body.
fn write(
    dir: &tempfile::TempDir,
    meta: &str,
    layout_table: &str,
    sender: &str,
    recipients: &[&str],
    body: &str,
) -> PathBuf {
    let recipients: Vec<String> =
        recipients.iter().map(|r| format!("[[recipient]]\n{r}\n")).collect();
    let toml = format!(
        "[campaign]\nid = \"geometry\"\ntitle = \"Geometry\"\ndate = 2026-01-15\n{meta}\n{layout_table}\n\
         [sender]\n{sender}\n\n[letter]\nsubject = \"Window test\"\nbody = '''{body}'''\n\n{}",
        recipients.join("\n")
    );
    temp_campaign(dir, &toml, &[])
}

fn load_with(path: &std::path::Path, overrides: &Overrides) -> Campaign {
    campaign::load(path, overrides)
        .unwrap_or_else(|d| panic!("{}", letterpress::diag::render_plain(&d)))
}

#[track_caller]
fn typeset(c: &Campaign) -> Vec<Packet> {
    let renderer = Renderer::new(c, None);
    c.recipients
        .iter()
        .map(|r| {
            renderer.packet(r).unwrap_or_else(|d| {
                panic!("{}: {}", c.layout.id, letterpress::diag::render_plain(&d))
            })
        })
        .collect()
}

#[track_caller]
fn bbox(frame: &typst::layout::Frame, label: &str, what: &str) -> Rect {
    checks::labelled_bbox(&checks::runs(frame), label)
        .unwrap_or_else(|| panic!("{what}: no <{label}> block"))
}

#[track_caller]
fn assert_inside(inner: &Rect, outer: &Rect, what: &str) {
    const EPS: f64 = 0.01;
    assert!(
        inner.x >= outer.x - EPS
            && inner.y >= outer.y - EPS
            && inner.right() <= outer.right() + EPS
            && inner.bottom() <= outer.bottom() + EPS,
        "{what}: x {:.2}–{:.2}, y {:.2}–{:.2} mm is not inside x {:.2}–{:.2}, y {:.2}–{:.2} mm",
        inner.x,
        inner.right(),
        inner.y,
        inner.bottom(),
        outer.x,
        outer.right(),
        outer.y,
        outer.bottom()
    );
}

/// The size of every page of a PDF, in mm (from its MediaBox).
fn pdf_sizes(bytes: &[u8]) -> Vec<(f64, f64)> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    doc.get_pages()
        .values()
        .map(|id| {
            let page = doc.get_dictionary(*id).expect("a page");
            let bx = page.get(b"MediaBox").and_then(lopdf::Object::as_array).expect("MediaBox");
            let n: Vec<f64> = bx
                .iter()
                .map(|o| o.as_float().map(f64::from).or_else(|_| o.as_i64().map(|i| i as f64)))
                .map(|v| v.expect("a number"))
                .collect();
            ((n[2] - n[0]) * 25.4 / 72.0, (n[3] - n[1]) * 25.4 / 72.0)
        })
        .collect()
}

/// Per layout: the country it is for, and where the first line's ink starts
/// (x, y in mm), worked out by hand from postal.md §3.1/§3.2: the field's
/// left edge plus the indent; the top of the recipient zone or of the part of
/// the window that is always visible, whichever is lower, plus the 1.2 mm the
/// template keeps for accents.
const EXPECTED: &[(&str, &str, f64, f64)] = &[
    ("din5008-b", "DE", 25.0, 62.7 + 1.2),
    // Field at 27; zone at 44.7; the window shows from 50 − 18 (packet offset).
    ("din5008-a", "DE", 25.0, 44.7 + 1.2),
    ("sn010130-right", "CH", 112.0 + 1.0, 50.0 + 1.2),
    ("sn010130-left", "CH", 25.0, 40.5 + 1.2),
    // Zone from 40; the right window shows from 45.
    ("nf-z11-001", "FR", 110.0, 45.0 + 1.2),
    ("uk-c5", "GB", 24.6 + 1.0, 39.5 + 1.2),
    // Field 0.6875 in + 1/4 in; the #10 window shows from 2.5 in.
    ("us-window", "US", 17.4625 + 6.35, 63.5 + 1.2),
    // Field 0.5 in + 4 mm; the lower window shows from 2.125 in.
    ("us-double-window", "US", 12.7 + 4.0, 53.975 + 1.2),
    ("jp-chou3", "JP", 24.0, 17.0 + 1.2),
    // DIN 5008's field on A5; the C6 window shows from 54 − 9 (the slack).
    ("din5008-a5", "DE", 25.0, 62.7 + 1.2),
    // No window: the field of the US window layout, as drawn.
    ("us-legal", "US", 17.4625 + 6.35, 55.5625 + 1.2),
    // Quarter folds for plain envelopes: the fields of DIN 5008 B and of the
    // US window layout, as drawn.
    ("a4-quarter", "DE", 25.0, 62.7 + 1.2),
    ("us-letter-quarter", "US", 17.4625 + 6.35, 55.5625 + 1.2),
];

#[test]
fn every_layout_places_a_real_address_where_its_table_says() {
    assert_eq!(EXPECTED.len(), postal::LAYOUTS.len(), "a test row for every layout");
    for &(id, country, x, y) in EXPECTED {
        let layout = postal::layout(id).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (sender, recipient) = people(country);
        let meta = format!("paper = \"{}\"\nlayout = \"{id}\"", layout.paper);
        let path = write(&dir, &meta, "", sender, &[recipient], "Hello.");
        let c = load_with(&path, &Overrides::default());
        // No envelope named: the layout's window envelope, or the plain one
        // its fold calls for.
        let plain = postal::default_envelope(layout, c.paper).map(|e| e.id);
        assert_eq!(Some(c.envelope.id), layout.envelope.or(plain), "{id}: envelope");
        let packets = typeset(&c);
        let p = &packets[0];
        let paper = c.paper;
        for (w, h) in pdf_sizes(&p.letter.pdf) {
            assert!(
                (w - paper.w).abs() < 0.05 && (h - paper.h).abs() < 0.05,
                "{id}: page {w} × {h}"
            );
        }
        let got = bbox(&p.letter.pages[0].frame, "lp-recipient", id);
        assert!(
            (got.x - x).abs() <= 0.5 && (got.y - y).abs() <= 0.5,
            "{id}: the address starts at {:.2}, {:.2} mm, not {x:.2}, {y:.2}",
            got.x,
            got.y
        );
        // Always visible through the matching envelope's window (§3.3), and
        // inside the recipient zone.
        if c.envelope.window.is_some() {
            let visible = postal::always_visible(&c.layout, paper, &c.envelope, 0.0).unwrap();
            assert_inside(&got, &visible, &format!("{id}: address vs. always-visible window"));
        }
        assert_inside(&got, &c.layout.recipient_zone(), &format!("{id}: address vs. zone"));
        if let Some(upper) = c.envelope.return_window {
            let sender = bbox(&p.letter.pages[0].frame, "lp-sender", id);
            let shows = postal::visible_through(&c.layout, paper, &c.envelope, upper, 0.0).unwrap();
            assert_inside(&sender, &shows, &format!("{id}: return address vs. upper window"));
        }
    }
}

#[test]
fn a_layout_for_other_paper_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("US");
    let path = write(&dir, "paper = \"a4\"\nlayout = \"us-window\"", "", sender, &[recipient], ".");
    let text = load_err(&path);
    assert!(text.contains("layout `us-window` is drawn for us-letter paper, not a4"), "{text}");
    assert!(text.contains("campaign.toml:6:10"), "{text}");
    assert!(
        text.contains("layouts for a4: din5008-b, din5008-a, sn010130-right, sn010130-left, nf-z11-001, uk-c5, jp-chou3"),
        "{text}"
    );
}

#[test]
fn a_custom_field_is_placed_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("DE");
    let table = "[campaign.layout]\nfield = { x = 22, y = 50, w = 85, h = 40 }\n\
                 return_height = 10\nindent = 3\nfolds = [105, 210]\nenvelope = \"dl\"\n";
    let path = write(&dir, "paper = \"a4\"", table, sender, &[recipient], "Hello.");
    let c = load_with(&path, &Overrides::default());
    assert_eq!((c.layout.id, c.envelope.id), ("custom", "dl"));
    let p = &typeset(&c)[0];
    let got = bbox(&p.letter.pages[0].frame, "lp-recipient", "custom");
    // Zone from 60; the DL window shows from 50: the text starts at 60 + 1.2.
    assert!((got.x - 25.0).abs() <= 0.5 && (got.y - 61.2).abs() <= 0.5, "{got:?}");

    // A field off the paper points at the field.
    let bad = "[campaign.layout]\nfield = { x = 150, y = 50, w = 85, h = 40 }\n";
    let path = write(&dir, "paper = \"a4\"", bad, sender, &[recipient], ".");
    let text = load_err(&path);
    assert!(text.contains("the address field must lie on the 210 × 297 mm paper"), "{text}");
    assert!(text.contains("campaign.toml:7:9"), "{text}");
}

/// A layout whose folded letter fits the envelope: the one drawn for it, or
/// the first of DIN 5008 B on A4, the US window layout on Letter, A5 folded
/// once, A5 folded in thirds.
fn layout_for(env: &postal::Envelope) -> Option<(String, String)> {
    if let Some(l) = postal::LAYOUTS.iter().find(|l| l.envelope == Some(env.id)) {
        return Some((format!("paper = \"{}\"\nlayout = \"{}\"", l.paper, l.id), String::new()));
    }
    if env.window.is_some() {
        // C6/5: DIN 5008 B's field; the body starts at 100 mm, below what the
        // window can show when the sheet drops the 9 mm a C6/5 leaves.
        return Some((
            "paper = \"a4\"".to_string(),
            format!(
                "[campaign.layout]\nfield = {{ x = 20, y = 45, w = 85, h = 45 }}\nreturn_height = 17.7\n\
                 indent = 5\nfolds = [105, 210]\nenvelope = \"{}\"\n",
                env.id
            ),
        ));
    }
    let a5 = |folds: &str| {
        (
            "paper = \"a5\"".to_string(),
            format!(
                "[campaign.layout]\nfield = {{ x = 15, y = 45, w = 85, h = 40 }}\nfolds = {folds}\n"
            ),
        )
    };
    let preset = |paper: &str, layout: &str| format!("paper = \"{paper}\"\nlayout = \"{layout}\"");
    let candidates = [
        (preset("a4", "din5008-b"), String::new(), 210.0, 105.0),
        (preset("us-letter", "us-window"), String::new(), 215.9, 95.25),
        (a5("[105]").0, a5("[105]").1, 148.0, 105.0),
        (a5("[70, 140]").0, a5("[70, 140]").1, 148.0, 70.0),
        // Quarter folds go in upright: 107.95 × 139.7 into an A2 envelope.
        (preset("us-letter", "us-letter-quarter"), String::new(), 139.7, 107.95),
    ];
    candidates
        .into_iter()
        .find(|(_, _, w, h)| *w <= env.w + 1.0 && *h <= env.h + 1.0)
        .map(|(meta, table, _, _)| (meta, table))
}

#[test]
fn every_envelope_prints_at_its_size_with_the_address_in_the_read_zone() {
    let (_, us) = people("US");
    let (sender, de) = people("DE");
    let mut tested = 0;
    for env in postal::ENVELOPES {
        let (meta, table) = layout_for(env).unwrap_or_else(|| panic!("no layout for {}", env.id));
        let dir = tempfile::tempdir().unwrap();
        let meta = format!("{meta}\nenvelope = \"{}\"", env.id);
        let path = write(&dir, &meta, &table, sender, &[de, us], "Hello.");
        let c = load_with(&path, &Overrides::default());
        assert!(c.print_envelopes);
        for (r, p) in c.recipients.iter().zip(typeset(&c)) {
            let what = format!("{} to {}", env.id, r.country.code);
            let doc = p.envelope.as_ref().unwrap();
            let sizes = pdf_sizes(&doc.pdf);
            assert_eq!(sizes.len(), 1, "{what}");
            let (w, h) = sizes[0];
            assert!((w - env.w).abs() < 0.05 && (h - env.h).abs() < 0.05, "{what}: {w} × {h}");
            let zones = postal::zones_for(env, &r.country.code);
            let frame = &doc.pages[0].frame;
            assert_inside(&bbox(frame, "lp-recipient", &what), &zones.read, &what);
            assert_inside(&bbox(frame, "lp-sender", &what), &zones.sender, &what);
            for run in checks::runs(frame) {
                for (zone, name) in [(&zones.postage, "postage"), (&zones.code, "code")] {
                    assert!(
                        !checks::intersects(&run.bbox, zone),
                        "{what}: “{}” in the {name} zone",
                        run.text
                    );
                }
            }
        }
        tested += 1;
    }
    assert_eq!(tested, postal::ENVELOPES.len());
}

#[test]
fn usps_and_upu_zones_match_postal_md() {
    let no10 = postal::envelope("us-10").unwrap();
    let z = postal::zones_for(no10, "US");
    // OCR read area x 12.7..228.6, y 34.925..88.9; barcode clear zone
    // x 120.65..241.3, y 88.9..104.775 (postal.md §7).
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(z.read.x, 12.7) && close(z.read.right(), 228.6), "{:?}", z.read);
    assert!(close(z.read.y, 34.925) && close(z.read.bottom(), 88.9), "{:?}", z.read);
    assert!(close(z.code.x, 120.65) && close(z.code.y, 88.9) && close(z.code.bottom(), 104.775));
    let dl = postal::zones_for(postal::envelope("dl").unwrap(), "DE");
    assert_eq!(dl.read, Rect::new(80.0, 40.0, 125.0, 55.0));
}

/// The envelope a campaign gets when it names none.
fn auto(paper: &str, layout: Option<&str>, folds: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("DE");
    let mut meta = format!("paper = \"{paper}\"");
    if let Some(layout) = layout {
        meta.push_str(&format!("\nlayout = \"{layout}\""));
    }
    let table = folds.map_or(String::new(), |folds| {
        format!(
            "[campaign.layout]\nfield = {{ x = 20, y = 45, w = 85, h = 45 }}\nfolds = {folds}\n"
        )
    });
    let path = write(&dir, &meta, &table, sender, &[recipient], ".");
    load_with(&path, &Overrides::default()).envelope.id.to_string()
}

#[test]
fn the_envelope_follows_paper_and_fold_when_none_is_named() {
    assert_eq!(auto("a4", None, None), "dl");
    assert_eq!(auto("a4", Some("uk-c5"), None), "c5-uk");
    assert_eq!(auto("us-letter", None, None), "us-10-window");
    assert_eq!(auto("a4", None, Some("[99, 198]")), "dl");
    assert_eq!(auto("a4", None, Some("[148.5]")), "c5");
    assert_eq!(auto("a4", None, Some("[]")), "c4");
    assert_eq!(auto("us-letter", None, Some("[93.13, 186.27]")), "us-10");
    assert_eq!(auto("us-letter", None, Some("[139.7]")), "6x9");
    assert_eq!(auto("us-letter", None, Some("[]")), "9x12");
    assert_eq!(auto("a5", None, Some("[105]")), "c6");
    assert_eq!(auto("a5", None, None), "c6-window");
    assert_eq!(auto("us-legal", None, None), "us-14");
    assert_eq!(auto("a4", Some("a4-quarter"), None), "c6");
    assert_eq!(auto("us-letter", Some("us-letter-quarter"), None), "a2");
    assert_eq!(auto("us-legal", None, Some("[118.53, 237.07]")), "us-14");
}

#[test]
fn envelope_none_prints_no_envelopes_and_needs_a_window_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("DE");
    let path = write(&dir, "envelope = \"none\"", "", sender, &[recipient], ".");
    let c = load_with(&path, &Overrides::default());
    assert!(!c.print_envelopes);
    assert_eq!(c.envelope.id, "dl", "the window the checks use");
    let p = &typeset(&c)[0];
    assert!(p.envelope.is_none());

    let table =
        "[campaign.layout]\nfield = { x = 20, y = 45, w = 85, h = 45 }\nfolds = [105, 210]\n";
    let path = write(&dir, "envelope = \"none\"", table, sender, &[recipient], ".");
    let text = load_err(&path);
    assert!(
        text.contains("envelope = \"none\" needs a window layout, and layout `custom` names no window envelope"),
        "{text}"
    );
}

#[test]
fn a_window_that_does_not_show_the_field_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("FR");
    let path = write(&dir, "envelope = \"dl-fr\"", "", sender, &[recipient], ".");
    let text = load_err(&path);
    assert!(
        text.contains("the address field of layout `din5008-b` does not show through the window of envelope `dl-fr`"),
        "{text}"
    );
    assert!(text.contains("layout `din5008-b` is drawn for envelope `dl`"), "{text}");
}

/// The manifest of a built zip.
fn manifest(zip: &std::path::Path, id: &str) -> serde_json::Value {
    let file = std::fs::File::open(zip).expect("the zip");
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    let mut entry = archive.by_name(&format!("{id}/manifest.json")).expect("manifest.json");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).expect("UTF-8");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_thick_packet_goes_flat_and_the_manifest_weighs_every_packet() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, de) = people("DE");
    let (_, us) = people("US");
    // Fourteen pages for the first recipient (seven sheets: more than a DL
    // holds), one for the second.
    let body = "#let r = json(\"/data.json\").recipient\n\
                #if r.country == \"DE\" { for i in range(13) { [Page #(i + 1).]; pagebreak() }; [End.] } else [Short.]";
    let path = write(&dir, "", "", sender, &[de, us], body);
    let out = dir.path().join("out");
    let first = run(&["build", path.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}{}", String::from_utf8_lossy(&first.stderr));
    assert!(
        stdout.contains(
            "packet `erika-mustermann` has more sheets than the envelope holds folded: it goes flat into c4"
        ),
        "{stdout}"
    );
    // A4 at 80 g/m²: 4.9896 g a sheet; envelopes 2 × 90 g/m² + 10 %: DL
    // 4.7916 g, C4 14.690952 g.
    assert!(stdout.contains("postage: 59.4 g in all · ≤20 g 1, ≤50 g 1"), "{stdout}");
    assert!(stdout.contains("  DE: 1 packet, 7 sheets, 49.6 g · ≤50 g 1"), "{stdout}");
    assert!(stdout.contains("  US: 1 packet, 1 sheet, 9.8 g · ≤20 g 1"), "{stdout}");
    let m = manifest(&out.join("geometry.zip"), "geometry");
    let r = &m["recipients"];
    assert_eq!(r[0]["pages"], 14);
    assert_eq!(r[0]["sheets"], 7);
    assert_eq!(r[0]["envelope"], "c4");
    assert_eq!(r[0]["flat_because_thick"], true);
    assert_eq!(r[0]["grams"], 49.6);
    assert_eq!(r[1]["sheets"], 1);
    assert_eq!(r[1]["envelope"], "dl");
    assert_eq!(r[1]["grams"], 9.8);
    let t = &m["totals"];
    assert_eq!(t["grams"], 59.4);
    assert_eq!(
        t["by_weight"],
        serde_json::json!([{ "up_to_g": 20.0, "packets": 1 }, { "up_to_g": 50.0, "packets": 1 }])
    );
    assert_eq!(t["postage_by_country"]["DE"]["sheets"], 7);
    assert_eq!(t["postage_by_country"]["US"]["grams"], 9.8);

    // Simplex: one side per sheet, so fourteen sheets.
    let run2 = support::run(
        &["build", path.to_str().unwrap(), "-o", out.to_str().unwrap(), "--simplex"],
        dir.path(),
    );
    assert!(run2.status.success());
    let m = manifest(&out.join("geometry.zip"), "geometry");
    assert_eq!(m["recipients"][0]["sheets"], 14);
    assert_eq!(m["campaign"]["duplex"], false);
    // 14 × 4.9896 + 14.690952 = 84.5454
    assert_eq!(m["recipients"][0]["grams"], 84.5);
}

#[test]
fn paper_from_the_command_line_brings_its_own_layout_and_envelope() {
    // The campaign names DIN 5008 B and a DL window envelope, both for A4:
    // `--paper` alone tries another paper with the layout and envelope drawn
    // for it; `--layout` or `--envelope` given too are taken as they are.
    let dir = tempfile::tempdir().unwrap();
    let (sender, recipient) = people("DE");
    let meta = "paper = \"a4\"\nlayout = \"din5008-b\"\nenvelope = \"dl\"";
    let path = write(&dir, meta, "", sender, &[recipient], "Hello.");
    let paper = |paper: &str| Overrides { paper: Some(paper.into()), ..Default::default() };
    for (p, layout, envelope) in [
        ("a5", "din5008-a5", "c6-window"),
        ("us-letter", "us-window", "us-10-window"),
        ("us-legal", "us-legal", "us-14"),
        ("a4", "din5008-b", "dl"),
    ] {
        let c = load_with(&path, &paper(p));
        assert_eq!((c.paper.id, c.layout.id, c.envelope.id), (p, layout, envelope));
    }
    let both = Overrides {
        paper: Some("a5".into()),
        layout: Some("din5008-b".into()),
        ..Default::default()
    };
    let text = match letterpress::campaign::load(&path, &both) {
        Ok(_) => panic!("A4's layout on A5 paper loaded"),
        Err(diags) => letterpress::diag::render_plain(&diags),
    };
    assert!(text.contains("layout `din5008-b` is drawn for a4 paper, not a5"), "{text}");
}

/// The size, in pt, of the first text run on the frame whose text contains
/// `needle` (address lines join their words with no-break spaces).
fn text_size(frame: &typst::layout::Frame, needle: &str) -> Option<f64> {
    frame.items().find_map(|(_, item)| match item {
        typst::layout::FrameItem::Group(group) => text_size(&group.frame, needle),
        typst::layout::FrameItem::Text(text)
            if text.text.replace("\u{a0}", " ").contains(needle) =>
        {
            Some(text.size.to_pt())
        }
        _ => None,
    })
}

#[test]
fn the_address_takes_the_largest_size_that_fits_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, short) = people("DE");
    // Seven lines: name, role, organisation, two street lines, city, country.
    let long = r#"name = "Marie-Claire Dupont-Lefèvre"
role = "Directrice des affaires européennes"
organisation = "Ministère de l'Europe et des Affaires étrangères"
address = { street = ["37 quai d'Orsay", "Bâtiment B, bureau 214"], postcode = "75007", city = "Paris", country = "FR" }"#;
    let path = write(&dir, "", "", sender, &[short, long], "Hello.");
    let c = load_with(&path, &Overrides::default());
    let packets = typeset(&c);
    let size = |p: &Packet, needle: &str| {
        text_size(&p.letter.pages[0].frame, needle)
            .unwrap_or_else(|| panic!("no run with {needle:?} on the first page"))
    };
    // DIN 5008's first size for a short address; the seven lines at 10 and
    // 9.5 pt are taller than the window's 27.3 mm, at 9 pt they fit, so the
    // address is set at 9 pt: neither the first size nor the last.
    assert_eq!(size(&packets[0], "Heidestraße 17"), 10.0);
    assert_eq!(size(&packets[1], "37 quai d'Orsay"), 9.0);
    assert_eq!(size(&packets[1], "Marie-Claire"), 9.0);
    let window = c.layout.recipient_zone();
    for p in &packets {
        let got = bbox(&p.letter.pages[0].frame, "lp-recipient", "address");
        assert_inside(&got, &window, "address vs. zone");
    }
}
