//! Hashes the font files at build time: the manifest lists each built-in
//! font with its SHA-256, and hashing them at run time would read all of
//! them (tens of MB of the binary) into memory at the end of every build.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let fonts = Path::new(&root).join("fonts");
    println!("cargo::rerun-if-changed=fonts");
    let mut names: Vec<String> = std::fs::read_dir(&fonts)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".ttf") || n.ends_with(".ttc") || n.ends_with(".otf"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// SHA-256 of every font file under `fonts/`, computed by `build.rs`.\n\
         pub const FONT_SHA256: &[(&str, &str)] = &[\n",
    );
    for name in names {
        let bytes = std::fs::read(fonts.join(&name)).unwrap_or_default();
        let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "    ({name:?}, {hex:?}),");
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("font_sha256.rs");
    if let Err(err) = std::fs::write(&dest, out) {
        println!("cargo::error=cannot write {}: {err}", dest.display());
    }
}
