//! Trustworthy archives: `verify` finds every change, `rebuild` reproduces the
//! bytes, PDF/A output is archival, dates are reproducible, `--keep-going`
//! records what it left out, and a failing build never damages what exists.

#[macro_use]
#[path = "support/hostile_util.rs"]
mod util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use util::{
    edit, files_in, letterpress, letterpress_with, reference_campaign, write_zip, zip_entries,
    zip_map,
};

const ID: &str = "semenova-2018";
const CHANGED_PDF: &str = "semenova-2018/packets/003-kozhamzharov/letter.pdf";

/// Builds the reference campaign (copied into `dir/campaign`) into `dir/<out>`
/// with extra arguments, and returns the zip's path.
fn build_reference(dir: &Path, out: &str, extra: &[&str]) -> PathBuf {
    let campaign = reference_campaign(&dir.join("campaign"));
    let out = dir.join(out);
    let mut args = args!["build", &campaign, "-o", &out].to_vec();
    args.extend(extra.iter().map(std::ffi::OsString::from));
    letterpress(&args).assert_code(0);
    let zip = out.join(format!("{ID}.zip"));
    assert!(zip.is_file(), "the build wrote no {}", zip.display());
    zip
}

/// `verify --format json` on a zip: (exit code, report).
fn verify_json(zip: &Path) -> (i32, serde_json::Value) {
    let run = letterpress(&args!["verify", &zip, "--format", "json"]);
    run.assert_clean();
    (run.code.unwrap(), run.json()["report"].clone())
}

fn names(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The reference campaign with the street of `kasymov` 90 characters long:
/// too wide for any window, so that one packet fails its layout check.
fn campaign_with_long_street(dir: &Path) -> PathBuf {
    let campaign = reference_campaign(dir);
    let long =
        "1 Prospekt Tauelsizdik, Building of the Ministry of Internal Affairs, Block C, Entrance 4";
    let long = format!("{long}{}", "x".repeat(90 - long.chars().count()));
    assert_eq!(long.chars().count(), 90);
    edit(&campaign, "street = \"1 Prospekt Tauelsizdik\"", &format!("street = \"{long}\""));
    campaign
}

#[test]
fn verify_finds_changed_missing_and_extra_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &[]);

    let run = letterpress(&args!["verify", &zip]);
    run.assert_code(0);
    assert!(run.stdout.contains("intact"), "{}", run.stdout);
    let (code, report) = verify_json(&zip);
    assert_eq!(code, 0);
    for key in ["missing", "changed", "extra"] {
        assert!(names(&report[key]).is_empty(), "{key}: {report}");
    }
    // 16 packet PDFs, 2 print files, the CSV and 2 sources at least.
    assert!(report["intact"].as_u64().unwrap() >= 21, "{report}");

    let entries = zip_entries(&zip);
    assert!(entries.iter().any(|(n, _)| n == CHANGED_PDF), "no {CHANGED_PDF}");

    // One byte flipped in the middle of one PDF's data (the zip stays valid:
    // it is written again with fresh CRCs).
    let flipped: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(name, bytes)| {
            let mut bytes = bytes.clone();
            if name == CHANGED_PDF {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x01;
            }
            (name.clone(), bytes)
        })
        .collect();
    let changed = tmp.path().join("changed.zip");
    write_zip(&changed, &flipped);
    let (code, report) = verify_json(&changed);
    assert_eq!(code, 1, "{report}");
    assert_eq!(names(&report["changed"]), [CHANGED_PDF], "{report}");
    assert!(names(&report["missing"]).is_empty(), "{report}");
    assert!(names(&report["extra"]).is_empty(), "{report}");
    let human = letterpress(&args!["verify", &changed]);
    human.assert_code(1);
    assert!(human.stdout.contains(&format!("changed: {CHANGED_PDF}")), "{}", human.stdout);
    assert!(human.stdout.contains("NOT intact"), "{}", human.stdout);

    // One entry removed.
    let removed: Vec<_> = entries.iter().filter(|(n, _)| n != CHANGED_PDF).cloned().collect();
    let missing = tmp.path().join("missing.zip");
    write_zip(&missing, &removed);
    let (code, report) = verify_json(&missing);
    assert_eq!(code, 1, "{report}");
    assert_eq!(names(&report["missing"]), [CHANGED_PDF], "{report}");
    assert!(names(&report["changed"]).is_empty(), "{report}");
    assert!(names(&report["extra"]).is_empty(), "{report}");

    // One file added.
    let added_name = format!("{ID}/packets/003-kozhamzharov/notes.txt");
    let mut added = entries.clone();
    added.push((added_name.clone(), b"not part of the build\n".to_vec()));
    let extra = tmp.path().join("extra.zip");
    write_zip(&extra, &added);
    let (code, report) = verify_json(&extra);
    assert_eq!(code, 1, "{report}");
    assert_eq!(names(&report["extra"]), [added_name], "{report}");
    assert!(names(&report["missing"]).is_empty(), "{report}");
    assert!(names(&report["changed"]).is_empty(), "{report}");

    // A changed source file is a change too (the campaign as read is archived).
    let source = format!("{ID}/source/{ID}.toml");
    let edited: Vec<_> = entries
        .iter()
        .map(|(n, b)| {
            let mut b = b.clone();
            if *n == source {
                b.extend_from_slice(b"\n# edited\n");
            }
            (n.clone(), b)
        })
        .collect();
    let edited_zip = tmp.path().join("edited-source.zip");
    write_zip(&edited_zip, &edited);
    let (code, report) = verify_json(&edited_zip);
    assert_eq!(code, 1, "{report}");
    assert_eq!(names(&report["changed"]), [source], "{report}");
}

#[test]
fn verify_refuses_what_is_not_an_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let not_zip = tmp.path().join("not.zip");
    std::fs::write(&not_zip, b"PK\x03\x04 this is not a zip").unwrap();
    letterpress(&args!["verify", &not_zip])
        .assert_code(1)
        .assert_stderr_has(&["failed to read archive", "not.zip"]);

    let no_manifest = tmp.path().join("no-manifest.zip");
    write_zip(&no_manifest, &[("x/letter.pdf".into(), b"%PDF-1.7".to_vec())]);
    letterpress(&args!["verify", &no_manifest])
        .assert_code(1)
        .assert_stderr_has(&["manifest.json"]);

    let bad_manifest = tmp.path().join("bad-manifest.zip");
    write_zip(&bad_manifest, &[("x/manifest.json".into(), b"{ not json".to_vec())]);
    letterpress(&args!["verify", &bad_manifest])
        .assert_code(1)
        .assert_stderr_has(&["manifest.json", "json"]);

    let absent = tmp.path().join("absent.zip");
    letterpress(&args!["verify", &absent]).assert_code(1).assert_stderr_has(&["absent.zip"]);
}

#[test]
fn rebuild_of_a_fresh_archive_is_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &[]);

    let run = letterpress(&args!["rebuild", &zip, "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["report"]["identical"], true, "{json}");
    assert!(names(&json["report"]["differences"]).is_empty(), "{json}");

    let again = tmp.path().join("rebuilt");
    let run = letterpress(&args!["rebuild", &zip, "-o", &again]);
    run.assert_code(0);
    assert!(run.stdout.contains("identical"), "{}", run.stdout);
    let rebuilt = again.join(format!("{ID}.zip"));
    assert_eq!(files_in(&again), [format!("{ID}.zip")], "rebuild -o wrote other files");
    assert!(
        std::fs::read(&rebuilt).unwrap() == std::fs::read(&zip).unwrap(),
        "the rebuilt zip is not byte-identical to the original"
    );

    // An archive whose PDF was edited is not reproduced, and says which entry.
    let entries: Vec<(String, Vec<u8>)> = zip_entries(&zip)
        .into_iter()
        .map(|(n, mut b)| {
            if n == CHANGED_PDF {
                let middle = b.len() / 2;
                b[middle] ^= 0x01;
            }
            (n, b)
        })
        .collect();
    let edited = tmp.path().join("edited.zip");
    write_zip(&edited, &entries);
    let run = letterpress(&args!["rebuild", &edited, "--format", "json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["report"]["identical"], false, "{json}");
    assert!(names(&json["report"]["differences"]).contains(&CHANGED_PDF.to_string()), "{json}");
}

#[test]
fn rebuild_refuses_entries_that_leave_the_source_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &[]);
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut entries = zip_entries(&zip);
    entries.push((format!("{ID}/source/../../../escaped.txt"), b"zip slip".to_vec()));
    let evil = work.join("evil.zip");
    write_zip(&evil, &entries);
    letterpress(&args!["rebuild", &evil])
        .assert_code(1)
        .assert_stderr_has(&["refusing", "escaped.txt"]);
    for dir in [tmp.path(), &work, &std::env::temp_dir()] {
        assert!(!dir.join("escaped.txt").exists(), "an entry escaped into {}", dir.display());
    }
}

#[test]
fn rebuild_uses_only_the_archives_own_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &[]);
    // A manifest that names a campaign file outside the archive (here the
    // very campaign the archive was built from, so the rebuild would "work").
    let outside = tmp.path().join("campaign").join(format!("{ID}.toml"));
    let entries: Vec<(String, Vec<u8>)> = zip_entries(&zip)
        .into_iter()
        .map(|(n, b)| {
            if n == format!("{ID}/manifest.json") {
                let mut manifest: serde_json::Value = serde_json::from_slice(&b).unwrap();
                manifest["campaign"]["file"] = outside.to_string_lossy().into_owned().into();
                (n, serde_json::to_vec_pretty(&manifest).unwrap())
            } else {
                (n, b)
            }
        })
        .filter(|(n, _)| !n.starts_with(&format!("{ID}/source/")))
        .collect();
    let evil = tmp.path().join("evil.zip");
    write_zip(&evil, &entries);
    let run = letterpress(&args!["rebuild", &evil]);
    run.assert_code(1);
    run.assert_stderr_has(&["campaign file"]);
    assert!(
        !run.stderr.contains("failed to read campaign file"),
        "the rebuild tried to read a campaign outside the archive:\n{}",
        run.stderr
    );
    assert!(!run.stdout.contains("identical:"), "{}", run.stdout);
}

/// Every packet PDF of a zip (letters and envelopes).
fn packet_pdfs(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let pdfs: Vec<_> = zip_entries(zip)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".pdf") && n.contains("/packets/"))
        .collect();
    assert_eq!(pdfs.len(), 16, "a letter and an envelope for each of 8 recipients");
    pdfs
}

/// The print files of a zip (`print/letters.pdf`, `print/envelopes.pdf`).
fn print_pdfs(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let pdfs: Vec<_> = zip_entries(zip)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".pdf") && n.contains("/print/"))
        .collect();
    assert_eq!(pdfs.len(), 2, "letters.pdf and envelopes.pdf");
    pdfs
}

/// The PDF/A-2b claims, the embedded fonts, and title, author and date.
fn assert_archival(name: &str, bytes: &[u8], date: &str) {
    let (doc, meta) = meta(name, bytes);
    assert!(meta.xmp.contains("<pdfaid:part>2</pdfaid:part>"), "{name}: XMP {:?}", meta.xmp);
    assert!(
        meta.xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{name}: XMP {:?}",
        meta.xmp
    );
    assert!(doc.trailer.has(b"ID"), "{name}: PDF/A needs a file identifier in the trailer");
    assert_fonts_embedded(name, &doc);
    let title = meta.title.clone().unwrap_or_default();
    assert!(!title.trim().is_empty() || meta.xmp.contains("<dc:title>"), "{name}: no title");
    if name.contains("/packets/") {
        assert!(title.contains("Prosecution of Elena Semenova"), "{name}: title {title:?}");
    }
    assert!(
        meta.author.as_deref() == Some("Mady Delvaux")
            || meta.xmp.contains("<rdf:li>Mady Delvaux</rdf:li>"),
        "{name}: author {:?}",
        meta.author
    );
    let compact = date.replace('-', "");
    let created = meta.created.clone().unwrap_or_default();
    assert!(
        created.starts_with(&format!("D:{compact}"))
            || meta.xmp.contains(&format!("<xmp:CreateDate>{date}")),
        "{name}: creation date {created:?}"
    );
    if let Some(created) = &meta.created {
        assert!(created.starts_with(&format!("D:{compact}")), "{name}: Info date {created:?}");
    }
}

/// What a PDF says about itself: Info strings and the XMP packet.
struct Meta {
    title: Option<String>,
    author: Option<String>,
    created: Option<String>,
    xmp: String,
}

fn meta(name: &str, pdf: &[u8]) -> (lopdf::Document, Meta) {
    let doc = lopdf::Document::load_mem(pdf).unwrap_or_else(|e| panic!("{name}: {e}"));
    let info = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok().cloned());
    let text = |key: &[u8]| {
        info.as_ref().and_then(|d| d.get(key).ok()).and_then(|o| lopdf::decode_text_string(o).ok())
    };
    let xmp = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Metadata").ok())
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_stream().ok())
        .map(|s| s.decompressed_content().unwrap_or_else(|_| s.content.clone()))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let meta = Meta {
        title: text(b"Title"),
        author: text(b"Author"),
        created: text(b"CreationDate"),
        xmp,
    };
    (doc, meta)
}

/// Checks that every font of a PDF carries its font program.
fn assert_fonts_embedded(name: &str, doc: &lopdf::Document) {
    let deref = |o: &lopdf::Object| doc.dereference(o).ok().map(|(_, o)| o.clone());
    let dict_of = |o: &lopdf::Object| match o {
        lopdf::Object::Dictionary(d) => Some(d.clone()),
        lopdf::Object::Stream(s) => Some(s.dict.clone()),
        _ => None,
    };
    let embedded = |font: &lopdf::Dictionary, what: &str| {
        let descriptor = font
            .get(b"FontDescriptor")
            .ok()
            .and_then(deref)
            .and_then(|o| dict_of(&o))
            .unwrap_or_else(|| panic!("{name}: {what} has no FontDescriptor: {font:?}"));
        assert!(
            [&b"FontFile"[..], b"FontFile2", b"FontFile3"].iter().any(|k| descriptor.has(k)),
            "{name}: {what} is not embedded: {descriptor:?}"
        );
    };
    let mut fonts = 0;
    for object in doc.objects.values() {
        let Some(dict) = dict_of(object) else { continue };
        if dict.get(b"Type").and_then(|t| t.as_name()).ok() != Some(b"Font") {
            continue;
        }
        let subtype = dict.get(b"Subtype").and_then(|t| t.as_name()).unwrap_or(b"?").to_vec();
        let what = String::from_utf8_lossy(&subtype).into_owned();
        match subtype.as_slice() {
            // Type 3 glyphs are content streams inside the PDF itself.
            b"Type3" => {}
            b"Type0" => {
                let descendants = dict
                    .get(b"DescendantFonts")
                    .ok()
                    .and_then(deref)
                    .and_then(|o| o.as_array().ok().cloned())
                    .unwrap_or_else(|| panic!("{name}: Type0 font without DescendantFonts"));
                assert!(!descendants.is_empty(), "{name}: empty DescendantFonts");
                for descendant in &descendants {
                    let cid = deref(descendant).and_then(|o| dict_of(&o)).unwrap();
                    embedded(&cid, "a CID font");
                }
                fonts += 1;
            }
            // Descendant fonts are checked through their Type0 parent.
            b"CIDFontType0" | b"CIDFontType2" => {}
            _ => {
                embedded(&dict, &what);
                fonts += 1;
            }
        }
    }
    assert!(fonts > 0, "{name}: no fonts found (was the PDF parsed?)");
}

#[test]
fn pdf_a_2b_is_declared_embeds_every_font_and_carries_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &["--pdf-standard", "a-2b"]);
    for (name, bytes) in packet_pdfs(&zip) {
        assert_archival(&name, &bytes, "2018-07-27");
    }
    // The standard is recorded, so `verify`/`rebuild` can reproduce it.
    let manifest: serde_json::Value =
        serde_json::from_slice(&zip_map(&zip)[&format!("{ID}/manifest.json")]).unwrap();
    assert_eq!(manifest["campaign"]["pdf_standard"], "a-2b");
    let run = letterpress(&args!["rebuild", &zip]);
    run.assert_code(0);
}

#[test]
fn print_files_are_pdf_a_and_carry_the_metadata_too() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &["--pdf-standard", "a-2b"]);
    for (name, bytes) in print_pdfs(&zip) {
        assert_archival(&name, &bytes, "2018-07-27");
    }
    let campaign = tmp.path().join("campaign").join(format!("{ID}.toml"));
    let out = tmp.path().join("epoch");
    letterpress_with(
        &args!["build", &campaign, "-o", &out, "--pdf-standard", "a-2b"],
        &[("SOURCE_DATE_EPOCH", "1600000000")],
        util::TIMEOUT,
    )
    .assert_code(0);
    for (name, bytes) in print_pdfs(&out.join(format!("{ID}.zip"))) {
        assert_archival(&name, &bytes, "2020-09-13");
    }
}

#[test]
fn source_date_epoch_sets_the_date_and_builds_are_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let campaign = reference_campaign(&tmp.path().join("campaign"));
    let build = |out: &str, epoch: Option<&str>| {
        let out = tmp.path().join(out);
        let env: Vec<(&str, &str)> = epoch.map(|e| ("SOURCE_DATE_EPOCH", e)).into_iter().collect();
        letterpress_with(&args!["build", &campaign, "-o", &out], &env, util::TIMEOUT)
            .assert_code(0);
        out.join(format!("{ID}.zip"))
    };
    let plain = build("plain", None);
    let first = build("first", Some("1600000000"));
    let second = build("second", Some("1600000000"));
    let first_bytes = std::fs::read(&first).unwrap();
    assert!(
        first_bytes == std::fs::read(&second).unwrap(),
        "two builds with the same epoch differ"
    );
    assert!(first_bytes != std::fs::read(&plain).unwrap(), "SOURCE_DATE_EPOCH changed nothing");

    let plain_pdfs = zip_map(&plain);
    for (name, bytes) in packet_pdfs(&first) {
        let (_, meta) = meta(&name, &bytes);
        let created = meta.created.clone().unwrap_or_default();
        assert!(
            created.starts_with("D:20200913") || meta.xmp.contains("<xmp:CreateDate>2020-09-13"),
            "{name}: creation date {created:?}"
        );
        assert!(!created.contains("20180727"), "{name}: {created:?}");
        assert!(!meta.xmp.contains("<xmp:CreateDate>2018-07-27"), "{name}");
        assert_ne!(plain_pdfs[&name], bytes, "{name}: same bytes with and without the epoch");
    }
    // The manifest records the epoch, so a rebuild without the variable
    // gives the same bytes.
    let manifest: serde_json::Value =
        serde_json::from_slice(&zip_map(&first)[&format!("{ID}/manifest.json")]).unwrap();
    assert_eq!(manifest["campaign"]["source_date_epoch"], 1_600_000_000);
    let run = letterpress(&args!["rebuild", &first]);
    run.assert_code(0);
    assert!(run.stdout.contains("identical"), "{}", run.stdout);
}

/// The packet folders of a zip (`<id>/packets/NNN-…`).
fn packet_folders(zip: &Path) -> BTreeSet<String> {
    zip_entries(zip)
        .into_iter()
        .filter_map(|(n, _)| {
            let rest = n.strip_prefix(&format!("{ID}/packets/"))?;
            Some(rest.split('/').next()?.to_string())
        })
        .collect()
}

#[test]
fn keep_going_writes_the_other_packets_and_records_the_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let campaign = campaign_with_long_street(&tmp.path().join("campaign"));
    let out = tmp.path().join("out");
    let run = letterpress(&args!["build", &campaign, "-o", &out, "--keep-going",]);
    run.assert_code(1);
    run.assert_stderr_has(&["kasymov", "too long", "failures.json"]);
    let zip = out.join(format!("{ID}.zip"));
    assert!(zip.is_file(), "--keep-going wrote no zip");

    let folders = packet_folders(&zip);
    assert_eq!(folders.len(), 7, "{folders:?}");
    assert!(!folders.iter().any(|f| f.contains("kasymov")), "{folders:?}");
    for folder in &folders {
        let entries = zip_map(&zip);
        for doc in ["letter.pdf", "envelope.pdf"] {
            assert!(
                entries.contains_key(&format!("{ID}/packets/{folder}/{doc}")),
                "{folder}/{doc}"
            );
        }
    }

    let entries = zip_map(&zip);
    let failures: serde_json::Value = serde_json::from_slice(
        entries.get(&format!("{ID}/failures.json")).expect("no failures.json in the zip"),
    )
    .unwrap();
    assert_eq!(failures["failed"], 1, "{failures}");
    let failed = &failures["packets"][0];
    assert_eq!(failed["id"], "kasymov", "{failures}");
    assert_eq!(failed["name"], "Kalmukhanbet KASYMOV", "{failures}");
    assert!(
        failed["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "failures.json gives no reason: {failures}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&entries[&format!("{ID}/manifest.json")]).unwrap();
    assert_eq!(names(&manifest["failed"]), ["kasymov"], "{manifest}");
    assert_eq!(manifest["totals"]["packets"], 7, "{manifest}");
    let csv = String::from_utf8(entries[&format!("{ID}/recipients.csv")].clone()).unwrap();
    assert!(!csv.contains("kasymov"), "recipients.csv lists the failed packet:\n{csv}");
    // Such an archive is still intact as written.
    let (code, report) = verify_json(&zip);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn without_keep_going_a_failing_packet_writes_no_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let campaign = campaign_with_long_street(&tmp.path().join("campaign"));
    let out = tmp.path().join("out");
    let run = letterpress(&args!["build", &campaign, "-o", &out]);
    run.assert_code(1);
    run.assert_stderr_has(&["kasymov", "nothing was written"]);
    assert!(files_in(&out).is_empty(), "a failed build left {:?}", files_in(&out));
}

#[test]
fn rebuild_reproduces_a_keep_going_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let campaign = campaign_with_long_street(&tmp.path().join("campaign"));
    let out = tmp.path().join("out");
    letterpress(&args!["build", &campaign, "-o", &out, "--keep-going",]).assert_code(1);
    let zip = out.join(format!("{ID}.zip"));
    let run = letterpress(&args!["rebuild", &zip, "--format", "json"]);
    run.assert_code(0);
    assert_eq!(run.json()["report"]["identical"], true, "{}", run.stdout);
}

#[test]
fn keep_going_archives_do_not_depend_on_how_the_path_was_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let campaign = campaign_with_long_street(&dir);
    let relative = util::letterpress_in(
        &dir,
        &args!["build", format!("{ID}.toml"), "-o", "relative", "--keep-going"],
    );
    relative.assert_code(1);
    let absolute = tmp.path().join("absolute");
    letterpress(&args!["build", &campaign, "-o", &absolute, "--keep-going"]).assert_code(1);
    let a = zip_map(&dir.join("relative").join(format!("{ID}.zip")));
    let b = zip_map(&absolute.join(format!("{ID}.zip")));
    let failures = format!("{ID}/failures.json");
    assert_eq!(
        String::from_utf8_lossy(&a[&failures]),
        String::from_utf8_lossy(&b[&failures]),
        "failures.json differs"
    );
    assert!(a == b, "the archives differ");
}

#[test]
fn an_unwritable_output_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let campaign = reference_campaign(&tmp.path().join("campaign"));
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"a regular file").unwrap();
    let below = file.join("sub");
    let run = letterpress(&args!["build", &campaign, "-o", &below]);
    run.assert_code(1);
    run.assert_stderr_has(&["failed to create", &below.display().to_string()]);
    assert_eq!(std::fs::read(&file).unwrap(), b"a regular file");

    // The same for the folder `rebuild -o` writes to.
    let zip = build_reference(tmp.path(), "out", &[]);
    let run = letterpress(&args!["rebuild", &zip, "-o", &below]);
    run.assert_code(1);
    run.assert_stderr_has(&["failed to create", &below.display().to_string()]);
}

#[test]
fn a_failing_build_leaves_an_existing_zip_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = build_reference(tmp.path(), "out", &[]);
    let before = std::fs::read(&zip).unwrap();
    let modified = std::fs::metadata(&zip).unwrap().modified().unwrap();

    // Same campaign id, one packet that cannot be laid out.
    let campaign = campaign_with_long_street(&tmp.path().join("broken"));
    let out = zip.parent().unwrap();
    letterpress(&args!["build", &campaign, "-o", &out]).assert_code(1);
    assert!(std::fs::read(&zip).unwrap() == before, "the failing build changed the existing zip");
    assert_eq!(std::fs::metadata(&zip).unwrap().modified().unwrap(), modified);
    assert_eq!(files_in(out), [format!("{ID}.zip")], "temporary files were left behind");

    // A campaign that fails to load does not touch it either.
    std::fs::write(&campaign, b"[campaign]\nid = \"semenova-2018\"\n").unwrap();
    letterpress(&args!["build", &campaign, "-o", &out]).assert_code(1);
    assert!(std::fs::read(&zip).unwrap() == before);
    assert_eq!(files_in(out), [format!("{ID}.zip")]);
}

/// A disk that fills up mid-build: a clear error, no partial zip, no
/// temporary file. Needs a small tmpfs, which needs root; where mounting is
/// not allowed the test says so and checks nothing else.
#[test]
fn a_full_disk_gives_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=200k", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_letterpress"))
        .args(["build", "campaigns/semenova-2018.toml", "-o"])
        .arg(mnt.join("out"))
        .current_dir(root)
        .output()
        .unwrap();
    let listing: Vec<_> = std::fs::read_dir(mnt.join("out"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!stderr.contains("ZipWriter drop failed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(listing.is_empty(), "left behind: {listing:?}");
}

/// `--jobs 1` typesets in this process, more jobs in worker processes (each
/// taking every third recipient here); a packet with an error is made again
/// in the parent. Every byte of the archive is the same either way.
#[test]
fn worker_processes_and_one_thread_write_the_same_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let one = build_reference(tmp.path(), "one", &["--jobs", "1"]);
    let three = build_reference(tmp.path(), "three", &["--jobs", "3"]);
    assert!(std::fs::read(&one).unwrap() == std::fs::read(&three).unwrap(), "the zips differ");

    let campaign = campaign_with_long_street(&tmp.path().join("failing"));
    let mut zips = vec![];
    for jobs in ["1", "3"] {
        let out = tmp.path().join(format!("failing-{jobs}"));
        let run =
            letterpress(&args!["build", &campaign, "-o", &out, "--keep-going", "--jobs", jobs]);
        run.assert_code(1);
        run.assert_stderr_has(&["kasymov", "too long"]);
        zips.push(std::fs::read(out.join(format!("{ID}.zip"))).unwrap());
    }
    assert!(zips[0] == zips[1], "with a failing packet, the zips differ");
}

/// Stopping a build from outside: Ctrl-C, or a worker process that dies.
/// Either way the build says so, exits 1, leaves no zip and no temporary
/// file, and no worker process keeps running.
#[cfg(target_os = "linux")]
mod stopping {
    use super::*;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The reference campaign with 3,000 more copies of its first recipient:
    /// a build of several seconds.
    fn long_campaign(dir: &Path) -> PathBuf {
        let campaign = reference_campaign(dir);
        let text = std::fs::read_to_string(&campaign).unwrap();
        let start = text.find("[[recipient]]").unwrap();
        let end = start + 1 + text[start + 1..].find("[[recipient]]").unwrap();
        let block = &text[start..end];
        let (id, name) = ("id = \"carlsson\"", "name = \"Sven-Olov CARLSSON\"");
        assert!(block.contains(id) && block.contains(name), "{block}");
        let mut more = text.clone();
        for n in 0..3000 {
            more.push('\n');
            more.push_str(
                &block
                    .replace(id, &format!("id = \"carlsson-{n}\""))
                    .replace(name, &format!("name = \"Sven-Olov CARLSSON {n}\"")),
            );
        }
        std::fs::write(&campaign, more).unwrap();
        campaign
    }

    fn children(pid: u32) -> Vec<i32> {
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    }

    /// The two worker processes of a two-job build, once both run; `None`
    /// if they have not appeared after a minute or the build ended first.
    fn two_workers(build: &mut std::process::Child) -> Option<Vec<i32>> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let workers = children(build.id());
            if workers.len() == 2 {
                return Some(workers);
            }
            if Instant::now() > deadline || matches!(build.try_wait(), Ok(Some(_))) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts a two-job build, waits until its two worker processes run and
    /// have had time to make packets, does `stop` to the build's pid and its
    /// workers', and returns the build's exit code and stderr.
    fn stop_a_build(out: &Path, stop: impl FnOnce(i32, &[i32])) -> (Option<i32>, String) {
        let tmp = out.parent().unwrap();
        let campaign = long_campaign(&tmp.join("campaign"));
        let mut build = Command::new(env!("CARGO_BIN_EXE_letterpress"))
            .args(args!["build", &campaign, "-o", out, "--jobs", "2", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = build.id();
        let Some(workers) = two_workers(&mut build) else {
            let _ = build.kill();
            let output = build.wait_with_output().unwrap();
            panic!("no worker processes appeared:\n{}", String::from_utf8_lossy(&output.stderr));
        };
        std::thread::sleep(Duration::from_millis(400));
        stop(pid as i32, &workers);
        let output = build.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        // Its workers are gone too, not left running.
        for worker in workers {
            let gone = (0..100).any(|_| {
                std::thread::sleep(Duration::from_millis(10));
                !Path::new(&format!("/proc/{worker}")).exists()
            });
            assert!(gone, "worker process {worker} still runs");
        }
        (output.status.code(), stderr)
    }

    #[test]
    fn ctrl_c_stops_the_build_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let (code, stderr) = stop_a_build(&out, |pid, _| {
            // SAFETY: signals the build this test started.
            unsafe { libc::kill(pid, libc::SIGINT) };
        });
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("the build was interrupted; nothing was written"), "{stderr}");
        assert_eq!(files_in(&out), Vec::<String>::new(), "left behind");
    }

    #[test]
    fn a_worker_process_that_dies_fails_the_build_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let (code, stderr) = stop_a_build(&out, |_, workers| {
            // SAFETY: kills the second worker of the build this test started.
            unsafe { libc::kill(workers[1], libc::SIGKILL) };
        });
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains(
                "error: failed to typeset the packets (worker process 2 ended before packet"
            ),
            "{stderr}"
        );
        assert_eq!(files_in(&out), Vec::<String>::new(), "left behind");
    }

    /// Ctrl-C stops a rebuild as it stops a build (it used to be ignored
    /// until the rebuild ended), and the rebuild leaves nothing behind: no
    /// temporary folder with the unpacked sources, no zip.
    #[test]
    fn ctrl_c_stops_a_rebuild_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let campaign = long_campaign(&tmp.path().join("campaign"));
        let out = tmp.path().join("out");
        let built = Command::new(env!("CARGO_BIN_EXE_letterpress"))
            .args(args!["build", &campaign, "-o", &out, "--quiet"])
            .output()
            .unwrap();
        assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
        let scratch = tmp.path().join("scratch");
        std::fs::create_dir(&scratch).unwrap();
        let again = tmp.path().join("again");
        let rebuild = Command::new(env!("CARGO_BIN_EXE_letterpress"))
            .args(args!["rebuild", out.join(format!("{ID}.zip")), "-o", &again, "--jobs", "1"])
            .env("TMPDIR", &scratch)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Well into the rebuild (3,001 packets take seconds on one thread).
        let deadline = Instant::now() + Duration::from_secs(60);
        while files_in(&scratch).is_empty() {
            assert!(Instant::now() < deadline, "the rebuild unpacked nothing");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(500));
        // SAFETY: signals the rebuild this test started.
        unsafe { libc::kill(rebuild.id() as i32, libc::SIGINT) };
        let output = rebuild.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("the build was interrupted; nothing was written"), "{stderr}");
        assert_eq!(files_in(&scratch), Vec::<String>::new(), "left in the temporary folder");
        assert_eq!(files_in(&again), Vec::<String>::new(), "left in the output folder");
    }

    /// Whether process `pid` has ended (gone, or a zombie not yet reaped by
    /// whoever inherited it).
    fn ended(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // "pid (comm) S ...": the state follows the last parenthesis.
            Ok(stat) => {
                stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z'))
            }
            Err(_) => true,
        }
    }

    /// A build killed outright (SIGKILL: no time to end its workers) takes
    /// its workers with it, even one that is stopped or stuck and would
    /// never notice that the build is gone; left running, it would also hold
    /// the build's stdout and stderr open, and a caller reading them to the
    /// end would wait forever.
    #[test]
    fn a_build_killed_outright_takes_its_workers_along() {
        let tmp = tempfile::tempdir().unwrap();
        let campaign = long_campaign(&tmp.path().join("campaign"));
        let mut build = Command::new(env!("CARGO_BIN_EXE_letterpress"))
            .args(args!["build", &campaign, "-o", tmp.path().join("out"), "--jobs", "2", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = build.id();
        let workers = two_workers(&mut build).expect("no worker processes appeared");
        // Stopped in its first microseconds, a worker would not yet have
        // asked to die with the build (nothing can ask for it sooner); one
        // stuck while typesetting has.
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: signals processes this test started.
        unsafe {
            libc::kill(workers[0], libc::SIGSTOP);
            libc::kill(pid as i32, libc::SIGKILL);
        }
        build.wait().unwrap();
        let ends = |w: i32| {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !ended(w) {
                if Instant::now() > deadline {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            true
        };
        let left: Vec<i32> = workers.iter().copied().filter(|&w| !ends(w)).collect();
        for &w in &left {
            // SAFETY: cleans up after this test's own processes.
            unsafe { libc::kill(w, libc::SIGKILL) };
        }
        assert!(left.is_empty(), "worker processes {left:?} outlived the build");
    }

    /// With no worker left to take the recipients still to hand out, the
    /// build says which worker it found gone, not that a pipe broke.
    #[test]
    fn every_worker_process_dying_fails_the_build_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let (code, stderr) = stop_a_build(&out, |_, workers| {
            for &worker in workers {
                // SAFETY: kills the workers of the build this test started.
                unsafe { libc::kill(worker, libc::SIGKILL) };
            }
        });
        assert_eq!(code, Some(1), "{stderr}");
        let said = ["1", "2"].iter().any(|k| {
            stderr.contains(&format!(
                "error: failed to typeset the packets (worker process {k} ended before packet"
            ))
        });
        assert!(said, "{stderr}");
        assert_eq!(files_in(&out), Vec::<String>::new(), "left behind");
    }
}
