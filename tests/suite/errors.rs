//! Point 7: bad campaigns fail `letterpress check` with exit 1 and exactly
//! the expected message. Each case is a folder under `tests/fixtures/errors/`
//! with `campaign.toml` (and any body file) and `expected.txt`, the stderr
//! byte for byte, produced with the current directory `tests/fixtures/errors`
//! so that the paths in messages are stable.
//!
//! `SNAPSHOTS=overwrite cargo test --release --test main errors` rewrites the
//! expected files; read every one before committing it. Besides the snapshot,
//! each case names the few things its message must say, so a careless
//! overwrite cannot turn a good message into a bad one unnoticed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::util::*;

fn cases_dir() -> PathBuf {
    root().join("tests/fixtures/errors")
}

/// Runs one case. A case marked as a known bug has a hand-written snapshot
/// (the correct message) that `SNAPSHOTS=overwrite` must not replace.
#[track_caller]
fn check_case(case: &str, must_say: &[&str], known_bug: bool) {
    let dir = cases_dir();
    let run = letterpress(&dir, &["check", &format!("{case}/campaign.toml")]);
    run.assert_code(1);
    assert_eq!(run.stdout, "", "{case}: errors go to stderr only");
    assert!(run.stderr.starts_with("error: "), "{case}:\n{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{case}: colour codes without a terminal");
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" — nothing was written") && last.contains(" error"),
        "{case}: last line {last:?}"
    );
    run.assert_stderr_has(must_say);

    let expected = dir.join(case).join("expected.txt");
    if !known_bug && std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&expected, &run.stderr).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&expected).unwrap_or_else(|e| {
        panic!("{}: {e}; write it with SNAPSHOTS=overwrite and read it", expected.display())
    });
    if run.stderr != want {
        panic!(
            "{case}: stderr differs from {}\n--- expected ---\n{want}--- actual ---\n{}--- end ---\n\
             (SNAPSHOTS=overwrite rewrites it)",
            expected.display(),
            run.stderr
        );
    }
}

macro_rules! cases {
    ($($(#[ignore = $bug:literal])? $name:ident: $dir:literal => [$($say:expr),* $(,)?];)*) => {
        $(
            #[test]
            $(#[ignore = $bug])?
            fn $name() {
                let bugs: &[&str] = &[$($bug),*];
                check_case($dir, &[$($say),*], !bugs.is_empty());
            }
        )*

        /// Every fixture folder has its test, and every test its folder.
        #[test]
        fn every_error_fixture_has_a_test() {
            let tested: BTreeSet<String> = [$($dir),*].into_iter().map(String::from).collect();
            let present: BTreeSet<String> = files_in(&cases_dir()).into_iter().collect();
            assert_eq!(present, tested);
        }
    };
}

cases! {
    problems_in_a_file_read_one_recipient_at_a_time: "split-recipients" => [
        "split-recipients/campaign.toml:24:1",
        "recipient: #2 (carlsson)",
        "split-recipients/campaign.toml:34:11",
        "recipient: #3 (Kayrat ELIHANULY)",
    ];
    problems_in_a_file_read_whole: "table-after-recipients" => [
        "table-after-recipients/campaign.toml:20:1",
        "recipient: #2 (carlsson)",
        "table-after-recipients/campaign.toml:30:11",
        "recipient: #3 (Kayrat ELIHANULY)",
    ];
    toml_syntax_error: "toml-syntax" => [
        "toml-syntax/campaign.toml:",
    ];
    misspelled_recipient_field: "misspelled-field" => [
        "unknown field `nmae`",
        "misspelled-field/campaign.toml:18:1",
        "did you mean `name`?",
        "recipient: #1",
    ];
    postcode_as_a_number: "wrong-type" => [
        "wrong-type/campaign.toml:",
        "postcode = \"01234\"",
        "recipient: #1 (Almaz KHAMZAYEV)",
    ];
    address_without_country: "missing-country" => [
        "missing-country/campaign.toml:",
        "country",
        "recipient: #1 (Almaz KHAMZAYEV)",
    ];
    duplicate_recipient_id: "duplicate-id" => [
        "duplicate recipient id `carlsson`",
        "first used here",
        "recipient: #2 (Kayrat ELIHANULY)",
    ];
    missing_body_file: "missing-body-file" => [
        "missing-body-file/campaign.toml:",
        "`letter-body.typ`",
    ];
    control_characters_in_recipient_and_sender_fields: "control-characters" => [
        "error: the recipient's name contains a line break (U+000A)",
        "recipient: #1 (Sven-Olov\\nCARLSSON)",
        "error: the recipient's address contains a tab (U+0009)",
        "recipient: #2 (Almaz KHAMZAYEV)",
        "error: the recipient's e-mail contains a carriage return (U+000D)",
        "error: the recipient's organisation contains a NUL character (U+0000)",
        "recipient: #4 (Ministry\\u{0}of Justice)",
        "recipient: #5 (Dora\\nBlanc), row 2 of control-characters/list.csv, column “Name”",
        "error: the sender's title contains a control character (U+0007)",
        "6 errors — nothing was written",
    ];
    unknown_country_code: "unknown-country" => [
        "unknown country `XX`",
        "unknown-country/campaign.toml:",
        "recipient: #1 (Almaz KHAMZAYEV)",
    ];
    lower_case_country_code: "lowercase-country" => [
        "unknown country `kz`",
        "country codes are upper case: `KZ`",
        "recipient: #1 (Sven-Olov CARLSSON)",
    ];
    typst_error_in_the_body: "typst-error" => [
        "typst-error/body.typ:5:",
        "nosuchfunction",
        "Sven-Olov CARLSSON",
        "Almaz KHAMZAYEV",
    ];
    body_reading_outside_the_folder: "read-outside" => [
        "read-outside/body.typ:3:",
        "passwd",
    ];
    body_file_outside_the_folder: "body-file-outside" => [
        "body-file-outside/campaign.toml:14:",
        "`../outside.typ`",
        "leaves the campaign folder",
    ];
    rows_of_a_csv_file: "csv-rows" => [
        "row 5 of csv-rows/list.csv has no country",
        "column “Land” is empty in this row",
        "recipient: #3 (Carl Weber), row 6 of csv-rows/list.csv, column “Postcode”",
        "recipient: #4 (Dora Blanc), row 7 of csv-rows/list.csv, column “Land”",
        "recipient: #5 (Emil Braun), row 8 of csv-rows/list.csv, column “Language”",
        "recipient: #6 (Fritz Lang), row 9 of csv-rows/list.csv, column “Honorific”",
        "has the same name and address as #1",
    ];
    rows_of_an_xlsx_sheet: "sheet-rows-xlsx" => [
        "row 5 of sheet-rows-xlsx/members.xlsx has no country",
        "column E “Country” is empty in this row",
        "recipient: #3 (Carl Weber), row 6 of sheet-rows-xlsx/members.xlsx, column C “Postcode”",
        "recipient: #4 (Dora Blanc), row 7 of sheet-rows-xlsx/members.xlsx, column E “Country”",
        "recipient: #5 (Emil Braun), row 8 of sheet-rows-xlsx/members.xlsx, column F “Language”",
        "recipient: #6 (Fritz Lang), row 9 of sheet-rows-xlsx/members.xlsx, column G “Honorific”",
        "has the same name and address as #1",
    ];
    rows_of_an_ods_sheet: "sheet-rows-ods" => [
        "row 5 of sheet-rows-ods/members.ods has no country",
        "column E “Country” is empty in this row",
        "recipient: #3 (Carl Weber), row 6 of sheet-rows-ods/members.ods, column C “Postcode”",
        "recipient: #4 (Dora Blanc), row 7 of sheet-rows-ods/members.ods, column E “Country”",
        "recipient: #5 (Emil Braun), row 8 of sheet-rows-ods/members.ods, column F “Language”",
        "recipient: #6 (Fritz Lang), row 9 of sheet-rows-ods/members.ods, column G “Honorific”",
        "has the same name and address as #1",
    ];
    several_problems_reported_together: "several-problems" => [
        "unknown country `XX`",
        "recipient: #1 (K.K. MASIMOV)",
        "duplicate recipient id `masimov`",
        "recipient: #2 (A.O. SHAKIROV)",
        "did you mean `name`?",
        "recipient: #3 ",
        "postcode = \"01234\"",
        "recipient: #4 (Kalmukhanbet KASYMOV)",
        "4 errors — nothing was written",
    ];
    recipient_numbers_after_a_bad_recipient: "recipient-numbers" => [
        "unknown country `XX`",
        "recipient: #2 (K.K. MASIMOV)",
    ];
    missing_glyph: "missing-glyph" => [
        "(U+1230) in the recipient's name",
        "recipient: #1 `bekele` (ሰላም Bekele)",
    ];
}
