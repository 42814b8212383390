//! Helpers for tests that load campaigns and read the laid-out pages.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use letterpress::campaign::{self, Campaign, Recipient};
use letterpress::render::{Renderer, checks};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a campaign that must load.
#[track_caller]
pub fn load(path: &Path) -> Campaign {
    match campaign::load(path, &Default::default()) {
        Ok(c) => c,
        Err(diags) => panic!("{}", letterpress::diag::render_plain(&diags)),
    }
}

/// Loads a campaign that must fail, and renders its diagnostics.
#[track_caller]
pub fn load_err(path: &Path) -> String {
    match campaign::load(path, &Default::default()) {
        Ok(_) => panic!("{} loaded, but should not have", path.display()),
        Err(diags) => letterpress::diag::render_plain(&diags),
    }
}

/// The recipient with an id.
#[track_caller]
pub fn recipient<'a>(c: &'a Campaign, id: &str) -> &'a Recipient {
    c.recipients.iter().find(|r| r.id() == id).unwrap_or_else(|| panic!("no recipient {id}"))
}

/// The printed address lines of a recipient.
pub fn lines(r: &Recipient) -> Vec<&str> {
    r.address_lines.iter().map(|l| l.text).collect()
}

/// All text of a recipient's letter, page after page, in drawing order.
#[track_caller]
pub fn letter_text(renderer: &Renderer, r: &Recipient) -> String {
    let packet = match renderer.packet(r) {
        Ok(p) => p,
        Err(diags) => panic!("{}", letterpress::diag::render_plain(&diags)),
    };
    let mut out = String::new();
    for page in &packet.letter.pages {
        for run in checks::runs(&page.frame) {
            out.push_str(&run.text);
            out.push(' ');
        }
    }
    out.replace('\u{a0}', " ")
}

/// Writes a campaign into a fresh temporary folder and returns its path.
pub fn temp_campaign(dir: &tempfile::TempDir, toml: &str, files: &[(&str, &str)]) -> PathBuf {
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    let path = dir.path().join("campaign.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// A minimal campaign head: sender in Brussels, an inline body.
pub const HEAD: &str = r#"
[campaign]
id = "t"
title = "T"
date = 2026-11-02

[sender]
name = "Ana Ribeiro"
address = { street = "Rue Wiertz 60", postcode = "1047", city = "Brussels", country = "BE" }

[letter]
subject = "Test"
body = "Body text."
"#;

/// Runs the letterpress binary.
pub fn run(args: &[&str], dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_letterpress"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run letterpress")
}
