//! Issue 3, preview: `letterpress preview` writes the first page of a letter
//! and its envelope as PNG at the chosen resolution, draws the postal
//! geometry on request, and names an unknown recipient exactly.

use std::path::Path;

use letterpress::preview::{self, Colour};
use tiny_skia::Pixmap;

use super::util::*;

/// Pixels for a length in mm at a resolution.
fn px(mm: f64, dpi: f64) -> u32 {
    (mm / 25.4 * dpi).round() as u32
}

/// Reads a PNG the command wrote.
#[track_caller]
fn png(path: &Path) -> Pixmap {
    Pixmap::load_png(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The colour of the pixel at (x, y) mm, straight (not premultiplied) RGB.
fn pixel(pixmap: &Pixmap, x: f64, y: f64, dpi: f64) -> (u8, u8, u8) {
    let p = pixmap.pixel(px(x, dpi), px(y, dpi)).expect("pixel inside the image").demultiply();
    (p.red(), p.green(), p.blue())
}

/// A colour laid over white paper.
fn over_white(c: Colour) -> (u8, u8, u8) {
    let a = f64::from(c.3) / 255.0;
    let mix = |v: u8| (f64::from(v) * a + 255.0 * (1.0 - a)).round() as u8;
    (mix(c.0), mix(c.1), mix(c.2))
}

#[track_caller]
fn assert_close(got: (u8, u8, u8), want: (u8, u8, u8), what: &str) {
    let near = |a: u8, b: u8| a.abs_diff(b) <= 2;
    assert!(
        near(got.0, want.0) && near(got.1, want.1) && near(got.2, want.2),
        "{what}: pixel {got:?}, expected {want:?}"
    );
}

#[test]
fn first_recipient_at_96_dpi_has_the_page_size_in_pixels() {
    let out = tempfile::tempdir().unwrap();
    let run = letterpress(
        &root(),
        &[
            "preview".as_ref(),
            reference_toml().as_os_str(),
            "--dpi".as_ref(),
            "96".as_ref(),
            "-o".as_ref(),
            out.path().as_os_str(),
        ],
    );
    run.assert_code(0);
    assert_eq!(files_in(out.path()), ["carlsson-envelope.png", "carlsson-letter.png"]);
    let letter = png(&out.path().join("carlsson-letter.png"));
    assert_eq!((letter.width(), letter.height()), (794, 1123), "A4 at 96 dpi");
    assert_eq!((letter.width(), letter.height()), (px(210.0, 96.0), px(297.0, 96.0)));
    let envelope = png(&out.path().join("carlsson-envelope.png"));
    assert_eq!((envelope.width(), envelope.height()), (px(220.0, 96.0), px(110.0, 96.0)), "DL");
    // Without the overlay the window area of the sheet is plain paper.
    assert_eq!(pixel(&letter, 105.0, 55.0, 96.0), (255, 255, 255));
    assert!(run.stdout.contains("carlsson-letter.png"), "{}", run.dump());
}

#[test]
fn overlay_colours_the_window_and_the_zones() {
    let out = tempfile::tempdir().unwrap();
    let dpi = 100.0;
    let run = letterpress(
        &root(),
        &[
            "preview".as_ref(),
            reference_toml().as_os_str(),
            "--recipient".as_ref(),
            "khamzayev".as_ref(),
            "--overlay".as_ref(),
            "--dpi".as_ref(),
            "100".as_ref(),
            "-o".as_ref(),
            out.path().as_os_str(),
        ],
    );
    run.assert_code(0);
    assert!(run.stdout.contains(preview::LEGEND), "{}", run.dump());
    let letter = png(&out.path().join("khamzayev-letter.png"));
    // DIN 5008 form B in DL: the window covers x 20–110, y 50–95 mm of the
    // sheet; x 100–110 lies outside what it always shows (x 20–100).
    assert_close(pixel(&letter, 105.0, 55.0, dpi), over_white(preview::WINDOW), "window");
    // Inside the always-visible area, above the return line: window
    // and always-visible colour both (above the return line).
    let both = {
        let w = over_white(preview::WINDOW);
        let a = f64::from(preview::ALWAYS_VISIBLE.3) / 255.0;
        let c = preview::ALWAYS_VISIBLE;
        let mix = |v: u8, d: u8| (f64::from(v) * a + f64::from(d) * (1.0 - a)).round() as u8;
        (mix(c.0, w.0), mix(c.1, w.1), mix(c.2, w.2))
    };
    assert_close(pixel(&letter, 97.0, 52.0, dpi), both, "always visible");
    // Outside the window: paper.
    assert_eq!(pixel(&letter, 150.0, 20.0, dpi), (255, 255, 255));
    // The fold mark at 105 mm runs across the sheet.
    assert_close(pixel(&letter, 150.0, 105.0, dpi), (220, 0, 180), "fold mark");
    let envelope = png(&out.path().join("khamzayev-envelope.png"));
    // The postage area, top right, is keep-clear red.
    assert_close(pixel(&envelope, 200.0, 20.0, dpi), over_white(preview::KEEP_CLEAR), "postage");
}

#[test]
fn unknown_recipient_is_an_exact_error() {
    let out = tempfile::tempdir().unwrap();
    let run = letterpress(
        &root(),
        &[
            "preview".as_ref(),
            reference_toml().as_os_str(),
            "--recipient".as_ref(),
            "carlson".as_ref(),
            "-o".as_ref(),
            out.path().as_os_str(),
        ],
    );
    run.assert_code(1);
    assert_eq!(run.stderr, UNKNOWN);
    assert_eq!(run.stdout, "");
    assert!(files_in(out.path()).is_empty());
}

const UNKNOWN: &str = "error: the campaign has no recipient `carlson`
 = hint: did you mean `carlsson`?
 = hint: `letterpress list` shows every recipient's id

";
