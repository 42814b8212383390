//! Point 8: a recipient's name is data, never markup: Typst syntax in it
//! prints literally, on the letter and the envelope.

use letterpress::render::{Renderer, checks};

use super::util::*;

const HOSTILE: &str = r#"*Bob* #eval("1+1") $x$ <a> @b \ [ ] //"#;

#[test]
fn typst_markup_in_a_name_prints_literally() {
    let dir = tempfile::tempdir().unwrap();
    let toml = reference_copy(dir.path());
    edit(&toml, r#"name = "Sven-Olov CARLSSON""#, &format!("name = '{HOSTILE}'"));
    let out = dir.path().join("out");
    build(dir.path(), &toml, &out, &["--jobs", "2"]);

    // The frames: the address blocks' first line is the name, character for character.
    let campaign = load(&toml);
    let carlsson = &campaign.recipients[0];
    assert_eq!(carlsson.name(), Some(HOSTILE));
    let renderer = Renderer::new(&campaign, None);
    let p = packet(&renderer, carlsson);
    for (doc, frame) in
        [("letter", &p.letter.pages[0].frame), ("envelope", &envelope_of(&p).pages[0].frame)]
    {
        let runs = checks::runs(frame);
        let block = labelled(&runs, "lp-recipient");
        let first = block.first().unwrap_or_else(|| panic!("no {doc} recipient block"));
        assert_eq!(text_of(first).trim(), HOSTILE, "the {doc}'s first address line");
    }
    // The letter's later pages carry the name in their header, literally too.
    for (i, page) in p.letter.pages.iter().enumerate().skip(1) {
        let text: String =
            checks::runs(&page.frame).iter().map(text_of).collect::<Vec<_>>().join(" ");
        assert!(text.contains(HOSTILE), "letter page {}: {text}", i + 1);
    }

    // The PDFs in the zip.
    let zip = Zip::open(&std::fs::read(out.join(format!("{ID}.zip"))).unwrap());
    for doc in ["letter", "envelope"] {
        let pdf = pdf(zip.get(&format!("{ID}/packets/001-carlsson/{doc}.pdf")));
        let text = page_text(&pdf, 1);
        assert!(squash(&text).contains(&squash(HOSTILE)), "{doc}.pdf text lacks the name:\n{text}");
    }
}
