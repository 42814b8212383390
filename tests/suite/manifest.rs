//! Point 4: manifest.json tells the truth about the zip: every output and
//! input with its sha256, pages and sheets per recipient, fonts and templates.

use std::collections::BTreeSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::util::*;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn manifest(zip: &Zip) -> Value {
    serde_json::from_slice(zip.get(&format!("{ID}/manifest.json"))).expect("manifest is JSON")
}

#[track_caller]
fn list<'a>(manifest: &'a Value, key: &str) -> &'a Vec<Value> {
    manifest[key].as_array().unwrap_or_else(|| panic!("manifest.{key} is not a list"))
}

#[track_caller]
fn str_of<'a>(item: &'a Value, key: &str) -> &'a str {
    item[key].as_str().unwrap_or_else(|| panic!("no string `{key}` in {item}"))
}

/// Checks that a listed file is in the zip with that hash and size.
#[track_caller]
fn assert_listed_file(zip: &Zip, name: &str, item: &Value) {
    let bytes = zip.get(name);
    assert_eq!(str_of(item, "sha256"), sha256(bytes), "sha256 of {name}");
    assert_eq!(item["bytes"].as_u64(), Some(bytes.len() as u64), "size of {name}");
}

#[test]
fn every_output_and_input_is_in_the_zip_with_its_hash() {
    let zip = Zip::open(&reference().zip);
    let m = manifest(&zip);
    assert_eq!(m["campaign"]["id"], ID);
    let mut listed = BTreeSet::new();
    for item in list(&m, "outputs") {
        let name = format!("{ID}/{}", str_of(item, "path"));
        assert_listed_file(&zip, &name, item);
        assert!(listed.insert(name.clone()), "{name} listed twice");
    }
    for item in list(&m, "inputs") {
        let path = str_of(item, "path");
        let name = format!("{ID}/source/{path}");
        assert_listed_file(&zip, &name, item);
        // The recorded input is the file on disk, byte for byte.
        let on_disk = std::fs::read(root().join("campaigns").join(path)).unwrap();
        assert_eq!(str_of(item, "sha256"), sha256(&on_disk), "{path} differs from the disk");
        assert!(listed.insert(name.clone()), "{name} listed twice");
    }
    // Nothing in the zip escapes the manifest but the manifest itself.
    listed.insert(format!("{ID}/manifest.json"));
    let present: BTreeSet<String> = zip.names().into_iter().map(str::to_string).collect();
    assert_eq!(present, listed);
}

#[test]
fn pages_and_sheets_per_recipient_match_the_pdfs() {
    let zip = Zip::open(&reference().zip);
    let m = manifest(&zip);
    let recipients = list(&m, "recipients");
    assert_eq!(recipients.len(), 8);
    let (mut pages_total, mut sheets_total) = (0, 0);
    for (i, r) in recipients.iter().enumerate() {
        let folder = FOLDERS[i];
        assert_eq!(r["number"].as_u64(), Some(i as u64 + 1));
        assert_eq!(str_of(r, "folder"), format!("packets/{folder}"));
        assert_eq!(format!("{:03}-{}", i + 1, str_of(r, "id")), folder);
        let letter = format!("{ID}/packets/{folder}/letter.pdf");
        let count = pages(&pdf(zip.get(&letter))).len() as u64;
        assert_eq!(r["pages"].as_u64(), Some(count), "{folder}: pages");
        assert_eq!(r["sheets"].as_u64(), Some(count.div_ceil(2)), "{folder}: sheets (duplex)");
        pages_total += count;
        sheets_total += count.div_ceil(2);
        let files = r["files"].as_array().expect("files");
        let paths: Vec<&str> = files.iter().map(|f| str_of(f, "path")).collect();
        let envelope = format!("{ID}/packets/{folder}/envelope.pdf");
        assert_eq!(paths, [letter.as_str(), envelope.as_str()], "{folder}: files");
        for file in files {
            assert_listed_file(&zip, str_of(file, "path"), file);
        }
    }
    let totals = &m["totals"];
    assert_eq!(totals["packets"].as_u64(), Some(8));
    assert_eq!(totals["pages"].as_u64(), Some(pages_total));
    assert_eq!(totals["sheets"].as_u64(), Some(sheets_total));
    assert_eq!(totals["by_country"], serde_json::json!({ "BE": 1, "KZ": 7 }));
}

#[test]
fn fonts_and_templates_are_listed_with_the_hashes_of_the_files() {
    let zip = Zip::open(&reference().zip);
    let m = manifest(&zip);
    let mut listed = BTreeSet::new();
    for font in list(&m, "fonts") {
        let file = str_of(font, "file");
        let bytes = std::fs::read(root().join("fonts").join(file))
            .unwrap_or_else(|e| panic!("manifest lists font {file}, not under fonts/ ({e})"));
        assert_eq!(str_of(font, "sha256"), sha256(&bytes), "sha256 of fonts/{file}");
        listed.insert(file.to_string());
    }
    // Every font shipped under fonts/ is one the build used and listed.
    let shipped: BTreeSet<String> = files_in(&root().join("fonts"))
        .into_iter()
        .filter(|f| [".ttf", ".otf", ".ttc"].iter().any(|e| f.ends_with(e)))
        .collect();
    assert_eq!(listed, shipped);
    let templates = list(&m, "templates");
    assert!(!templates.is_empty());
    for template in templates {
        let file = str_of(template, "file");
        let bytes = std::fs::read(root().join("templates").join(file)).unwrap();
        assert_eq!(str_of(template, "sha256"), sha256(&bytes), "sha256 of templates/{file}");
    }
}

#[test]
fn sheets_envelope_and_weight_per_packet_and_per_postage_step() {
    let m = manifest(&Zip::open(&reference().zip));
    assert_eq!(m["campaign"]["duplex"], true);
    assert_eq!(m["campaign"]["paper_weight"], 80.0);
    // Two pages on one sheet, in the DL envelope: A4 at 80 g/m² is
    // 4.9896 g, a DL (two faces of 90 g/m² + 10 %) 4.7916 g: 9.8 g.
    for r in list(&m, "recipients") {
        let id = str_of(r, "id");
        assert_eq!((r["pages"].as_u64(), r["sheets"].as_u64()), (Some(2), Some(1)), "{id}");
        assert_eq!(r["envelope"], "dl", "{id}");
        assert_eq!(r["flat_because_thick"], false, "{id}");
        assert_eq!(r["grams"], 9.8, "{id}");
    }
    let t = &m["totals"];
    assert_eq!(t["grams"], 78.4);
    assert_eq!(t["by_weight"], serde_json::json!([{ "up_to_g": 20.0, "packets": 8 }]));
    assert_eq!(
        t["postage_by_country"],
        serde_json::json!({
            "BE": { "packets": 1, "sheets": 1, "grams": 9.8, "by_weight": [{ "up_to_g": 20.0, "packets": 1 }] },
            "KZ": { "packets": 7, "sheets": 7, "grams": 68.6, "by_weight": [{ "up_to_g": 20.0, "packets": 7 }] },
        })
    );
}
