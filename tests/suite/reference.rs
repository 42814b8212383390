//! Points 1 and 2: the reference campaign builds, its zip holds exactly the
//! expected files, and its PDFs (read back with lopdf) have the right paper,
//! page counts, padding and text.

use super::util::*;

/// Letter page counts of the reference build, from the PDFs themselves.
fn letter_pages(zip: &Zip) -> Vec<usize> {
    FOLDERS
        .iter()
        .map(|f| pages(&pdf(zip.get(&format!("{ID}/packets/{f}/letter.pdf")))).len())
        .collect()
}

#[test]
fn reference_build_writes_exactly_the_expected_entries_in_order() {
    let reference = reference();
    let zip = Zip::open(&reference.zip);
    let mut expected = vec![];
    for folder in FOLDERS {
        expected.push(format!("{ID}/packets/{folder}/letter.pdf"));
        expected.push(format!("{ID}/packets/{folder}/envelope.pdf"));
    }
    for rest in [
        "print/letters.pdf",
        "print/envelopes.pdf",
        "recipients.csv",
        "source/semenova-2018.toml",
        "source/semenova-2018/body.typ",
        "manifest.json",
    ] {
        expected.push(format!("{ID}/{rest}"));
    }
    assert_eq!(zip.names(), expected);
}

#[test]
fn reference_build_summary_counts_packets_and_countries() {
    let run = &reference().run;
    // Seven packets go to Kazakhstan, one stays in Belgium (the sender's country).
    assert!(
        run.stdout.starts_with("built 8 packets (7 international) · "),
        "unexpected summary:\n{}",
        run.dump()
    );
    assert!(run.stdout.contains(" · BE 1, KZ 7\n"), "{}", run.dump());
    assert!(run.stdout.contains(&format!("{ID}.zip")), "{}", run.dump());
}

#[test]
fn sources_in_the_zip_are_the_campaign_files_byte_for_byte() {
    let zip = Zip::open(&reference().zip);
    let toml = std::fs::read(reference_toml()).unwrap();
    let body = std::fs::read(root().join("campaigns").join(ID).join("body.typ")).unwrap();
    assert!(zip.get(&format!("{ID}/source/{ID}.toml")) == toml.as_slice());
    assert!(zip.get(&format!("{ID}/source/{ID}/body.typ")) == body.as_slice());
}

#[test]
fn letters_are_a4_and_name_their_recipient_and_city() {
    let zip = Zip::open(&reference().zip);
    for (folder, (who, city)) in FOLDERS.iter().zip(PRINTED) {
        let doc = pdf(zip.get(&format!("{ID}/packets/{folder}/letter.pdf")));
        let count = pages(&doc).len();
        // The reference letter is one to three pages long, never empty.
        assert!((1..=3).contains(&count), "{folder}: letter has {count} pages");
        assert_pages_sized(&doc, A4_PT, &format!("{folder}/letter.pdf"));
        // The address block is on the first page.
        let text = squash(&page_text(&doc, 1));
        for needle in [who, city] {
            assert!(
                text.contains(&squash(needle)),
                "{folder}: letter page 1 lacks {needle:?}:\n{text}"
            );
        }
    }
}

#[test]
fn envelopes_are_dl_one_page_and_name_their_recipient_and_city() {
    let zip = Zip::open(&reference().zip);
    for (folder, (who, city)) in FOLDERS.iter().zip(PRINTED) {
        let doc = pdf(zip.get(&format!("{ID}/packets/{folder}/envelope.pdf")));
        assert_eq!(pages(&doc).len(), 1, "{folder}: envelope page count");
        assert_pages_sized(&doc, DL_PT, &format!("{folder}/envelope.pdf"));
        let text = squash(&page_text(&doc, 1));
        for needle in [who, city, "Rue Wiertz 60"] {
            assert!(text.contains(&squash(needle)), "{folder}: envelope lacks {needle:?}:\n{text}");
        }
    }
}

/// Checks `<root>/print/letters.pdf` against the packets' letters: each
/// letter padded to an even page count, starting on a front side, page for
/// page the same text as its own letter.pdf, the padding pages blank A4.
/// Returns the letters' page counts.
#[track_caller]
fn assert_print_letters(zip: &Zip, root: &str, folders: &[&str]) -> Vec<usize> {
    let letters: Vec<lopdf::Document> =
        folders.iter().map(|f| pdf(zip.get(&format!("{root}/packets/{f}/letter.pdf")))).collect();
    let counts: Vec<usize> = letters.iter().map(|l| pages(l).len()).collect();
    let print = pdf(zip.get(&format!("{root}/print/letters.pdf")));
    let padded: Vec<usize> = counts.iter().map(|c| c.div_ceil(2) * 2).collect();
    assert_eq!(pages(&print).len(), padded.iter().sum::<usize>(), "letters per packet: {counts:?}");
    assert_pages_sized(&print, A4_PT, "print/letters.pdf");
    let mut start = 0u32;
    for (i, letter) in letters.iter().enumerate() {
        let folder = folders[i];
        assert_eq!(start % 2, 0, "{folder} starts on a back side");
        for k in 1..=counts[i] as u32 {
            assert_eq!(
                squash(&page_text(&print, start + k)),
                squash(&page_text(letter, k)),
                "print/letters.pdf page {} is not page {k} of {folder}",
                start + k
            );
        }
        for k in (counts[i] + 1)..=padded[i] {
            let blank = page_text(&print, start + k as u32);
            assert!(blank.trim().is_empty(), "padding page after {folder} has text: {blank:?}");
        }
        start += padded[i] as u32;
    }
    counts
}

#[test]
fn print_letters_pad_each_letter_to_an_even_page_count_in_campaign_order() {
    let zip = Zip::open(&reference().zip);
    assert_print_letters(&zip, ID, &FOLDERS);
}

#[test]
fn print_letters_put_a_blank_page_after_each_one_page_letter() {
    // The reference letters all have two pages: this campaign's have one.
    let dir = tempfile::tempdir().unwrap();
    let mut recipients = String::new();
    for (id, name) in [
        ("carlsson", "Sven-Olov CARLSSON"),
        ("kasymov", "Kalmukhanbet KASYMOV"),
        ("masimov", "K.K. MASIMOV"),
    ] {
        recipients.push_str(&format!(
            "[[recipient]]\nid = \"{id}\"\nname = \"{name}\"\n\
             address = {{ street = \"14 Mangilik Yel\", postcode = \"010000\", city = \"Astana\", country = \"KZ\" }}\n\n"
        ));
    }
    let toml = small_campaign(dir.path(), INLINE_BODY, &recipients);
    build(dir.path(), &toml, &dir.path().join("out"), &[]);
    let zip = Zip::open(&std::fs::read(dir.path().join("out/small.zip")).unwrap());
    let counts =
        assert_print_letters(&zip, "small", &["001-carlsson", "002-kasymov", "003-masimov"]);
    assert_eq!(counts, [1, 1, 1]);
    assert_eq!(pages(&pdf(zip.get("small/print/envelopes.pdf"))).len(), 3);
}

#[test]
fn print_files_split_into_numbered_parts_each_a_complete_pdf() {
    // Five one-page letters in parts of two: letters-001 and -002 hold two
    // letters each, letters-003 the fifth; the envelopes follow the parts.
    let dir = tempfile::tempdir().unwrap();
    let ids = ["carlsson", "kasymov", "masimov", "shakirov", "khamzayev"];
    let mut recipients = String::new();
    for id in ids {
        recipients.push_str(&format!(
            "[[recipient]]\nid = \"{id}\"\nname = \"{}\"\n\
             address = {{ street = \"14 Mangilik Yel\", postcode = \"010000\", city = \"Astana\", country = \"KZ\" }}\n\n",
            id.to_uppercase()
        ));
    }
    let toml = small_campaign(dir.path(), INLINE_BODY, &recipients);
    edit(
        &toml,
        "date = 2018-07-27",
        "date = 2018-07-27\nprint_part_size = 2\npdf_standard = \"a-2b\"",
    );
    build(dir.path(), &toml, &dir.path().join("out"), &[]);
    let zip = Zip::open(&std::fs::read(dir.path().join("out/small.zip")).unwrap());
    let folders: Vec<String> =
        ids.iter().enumerate().map(|(i, id)| format!("{:03}-{id}", i + 1)).collect();
    for (part, members) in [(1, 0..2), (2, 2..4), (3, 4..5)] {
        let name = format!("small/print/letters-{part:03}.pdf");
        let print = pdf(zip.get(&name));
        let letters = &folders[members.clone()];
        // One page each, padded to two for duplex.
        assert_eq!(pages(&print).len(), 2 * letters.len(), "{name}");
        assert_pages_sized(&print, A4_PT, &name);
        for (k, folder) in letters.iter().enumerate() {
            let letter = pdf(zip.get(&format!("small/packets/{folder}/letter.pdf")));
            assert_eq!(
                squash(&page_text(&print, 2 * k as u32 + 1)),
                squash(&page_text(&letter, 1)),
                "{name} page {} is not {folder}'s letter",
                2 * k + 1
            );
            assert!(page_text(&print, 2 * k as u32 + 2).trim().is_empty(), "{name}: padding");
        }
        // Each part is a PDF of its own: a catalog with the XMP packet that
        // claims PDF/A-2b, an information dictionary and a file identifier.
        let catalog = print.catalog().unwrap();
        let xmp = catalog.get(b"Metadata").and_then(lopdf::Object::as_reference).unwrap();
        let xmp = print.get_object(xmp).unwrap().as_stream().unwrap();
        let xmp = String::from_utf8_lossy(&xmp.content);
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "{name}: {xmp}");
        assert!(catalog.has(b"OutputIntents"), "{name}: PDF/A needs the output intent");
        assert!(print.trailer.has(b"ID") && print.trailer.has(b"Info"), "{name}");
        let envelopes = pdf(zip.get(&format!("small/print/envelopes-{part:03}.pdf")));
        assert_eq!(pages(&envelopes).len(), letters.len(), "envelopes-{part:03}.pdf");
    }
    assert!(zip.names().iter().all(|n| !n.ends_with("print/letters.pdf")));
}

#[test]
fn print_files_read_typst_pdfs_with_the_fast_scanner_and_agree_with_lopdf() {
    use letterpress::printfile::{Piece, PrintFile};
    let zip = Zip::open(&reference().zip);
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = vec![];
    for fast in [true, false] {
        let mut file = PrintFile::create(dir.path(), 2, "letters").unwrap();
        for folder in FOLDERS {
            let letter = zip.get(&format!("{ID}/packets/{folder}/letter.pdf"));
            assert!(Piece::scannable(letter), "{folder}: Typst's PDF needs the slow path");
            let piece =
                if fast { Piece::prepare(letter) } else { Piece::prepare_with_lopdf(letter) };
            file.add(&piece.unwrap(), &letterpress::bundle::Digest::of(letter)).unwrap();
        }
        let (mut file, len) = file.finish().unwrap();
        let mut bytes = vec![];
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, len);
        outputs.push(pdf(&bytes));
    }
    let (fast, slow) = (&outputs[0], &outputs[1]);
    assert_eq!(pages(fast).len(), 16);
    assert_eq!(pages(fast).len(), pages(slow).len());
    for k in 1..=16 {
        assert_eq!(page_text(fast, k), page_text(slow, k), "page {k}");
    }
    let built = pdf(zip.get(&format!("{ID}/print/letters.pdf")));
    for k in 1..=16 {
        assert_eq!(page_text(fast, k), page_text(&built, k), "page {k} of the built print file");
    }
}

#[test]
fn print_envelopes_hold_the_eight_envelopes_in_order() {
    let zip = Zip::open(&reference().zip);
    let print = pdf(zip.get(&format!("{ID}/print/envelopes.pdf")));
    assert_eq!(pages(&print).len(), 8);
    assert_pages_sized(&print, DL_PT, "print/envelopes.pdf");
    for (i, folder) in FOLDERS.iter().enumerate() {
        let envelope = pdf(zip.get(&format!("{ID}/packets/{folder}/envelope.pdf")));
        assert_eq!(
            squash(&page_text(&print, i as u32 + 1)),
            squash(&page_text(&envelope, 1)),
            "print/envelopes.pdf page {} is not {folder}'s envelope",
            i + 1
        );
    }
}

#[test]
fn recipients_csv_has_one_row_per_packet_as_printed() {
    let zip = Zip::open(&reference().zip);
    let mut reader = csv::Reader::from_reader(zip.get(&format!("{ID}/recipients.csv")));
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[..5], ["number", "id", "packet", "name", "organisation"]);
    assert_eq!(&header[header.len() - 3..], ["country", "pages", "sheets"]);
    let counts = letter_pages(&zip);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    for (i, row) in rows.iter().enumerate() {
        let (who, city) = PRINTED[i];
        assert_eq!(row[0], (i + 1).to_string());
        assert_eq!(row[2], *FOLDERS[i]);
        assert_eq!(format!("{:03}-{}", i + 1, &row[1]), FOLDERS[i]);
        assert!(row[3] == *who || row[4] == *who, "row {}: {row:?}", i + 1);
        assert!(row.iter().any(|cell| cell == city), "row {}: no {city:?} in {row:?}", i + 1);
        let n = header.len();
        assert_eq!(row[n - 2], counts[i].to_string());
        assert_eq!(row[n - 1], counts[i].div_ceil(2).to_string());
    }
}
