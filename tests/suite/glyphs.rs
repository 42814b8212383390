//! Point 9: every Kazakh letter prints with a real glyph; a character no
//! built-in font has fails the build, naming the code point.

use letterpress::render::{Renderer, checks};

use super::util::*;

const KAZAKH: &str = "Ә Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і";

/// Builds a one-recipient campaign named `name` (to Astana) and checks that
/// the name prints: frames without missing glyphs, first address line, PDF text.
#[track_caller]
fn assert_prints(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let recipient = format!(
        "[[recipient]]\nid = \"who\"\nname = \"{name}\"\n\
         address = {{ street = \"14 Mangilik Yel\", postcode = \"010000\", city = \"Astana\", country = \"KZ\" }}\n"
    );
    let toml = small_campaign(dir.path(), INLINE_BODY, &recipient);
    let out = dir.path().join("out");
    build(dir.path(), &toml, &out, &[]);

    let campaign = load(&toml);
    let renderer = Renderer::new(&campaign, None);
    let p = packet(&renderer, &campaign.recipients[0]);
    for (doc, pages) in [("letter", &p.letter.pages), ("envelope", &envelope_of(&p).pages)] {
        for page in pages.iter() {
            let missing = checks::missing_glyphs(&page.frame);
            assert!(missing.is_empty(), "{doc}: no glyph for {missing:?}");
        }
        let runs = checks::runs(&pages[0].frame);
        let first = labelled(&runs, "lp-recipient").first().map(|r| text_of(r));
        assert_eq!(first.as_deref().map(str::trim), Some(name), "{doc}: first address line");
    }
    let zip = Zip::open(&std::fs::read(out.join("small.zip")).unwrap());
    for doc in ["letter", "envelope"] {
        let text = page_text(&pdf(zip.get(&format!("small/packets/001-who/{doc}.pdf"))), 1);
        assert!(squash(&text).contains(&squash(name)), "{doc}.pdf lacks {name:?}:\n{text}");
    }
}

#[test]
fn every_kazakh_letter_prints() {
    assert_prints(KAZAKH);
}

/// The brief of this suite expected `王小明` to fail (U+738B); since the
/// Noto Sans CJK collection was added to fonts/ (README: "Chinese, Japanese
/// and Korean"), it must print.
#[test]
fn a_chinese_name_prints_with_the_cjk_font() {
    assert_prints("王小明");
}

#[test]
fn a_character_no_font_has_fails_naming_its_code_point() {
    let dir = tempfile::tempdir().unwrap();
    let toml = small_campaign(
        dir.path(),
        INLINE_BODY,
        "[[recipient]]\nid = \"bekele\"\nname = \"ሰላም Bekele\"\n\
         address = { street = \"Churchill Ave 1\", city = \"Addis Ababa\", country = \"ET\" }\n",
    );
    let out = dir.path().join("out");
    let run = letterpress(
        dir.path(),
        &["build".as_ref(), toml.as_os_str(), "-o".as_ref(), out.as_os_str()],
    );
    run.assert_code(1).assert_stderr_has(&[
        "error: no font has a glyph for “ሰ” (U+1230) in the recipient's name: it would print as an empty box",
        "recipient: #1 `bekele` (ሰላም Bekele)",
    ]);
    assert_eq!(files_in(&out), Vec::<String>::new());
}
