//! Recipients from files, and the workflow commands (issue "Recipients from
//! the spreadsheets people actually have").

#[path = "support/campaigns.rs"]
mod support;

use letterpress::render::Renderer;
use support::*;

#[test]
fn csv_values_stay_exactly_as_written() {
    let c = load(&root().join("campaigns/members.toml"));
    // The empty row is skipped; five recipients remain, in file order.
    let ids: Vec<&str> = c.recipients.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["claire-martin", "jan-novak", "marco-rossi", "hans-meier", "anna-schmidt"]);
    // A byte-order mark, a `;` delimiter and quoted fields with `;`, `,` and a newline.
    let lyon = recipient(&c, "claire-martin");
    assert_eq!(lyon.organisation(), Some("Ville de Lyon; Hôtel de Ville"));
    assert_eq!(
        lines(recipient(&c, "marco-rossi")),
        [
            "Marco Rossi",
            "Consigliere",
            "Comune di Bologna, Giunta",
            "Piazza Maggiore 6",
            "40124 BOLOGNA",
            "ITALY"
        ]
    );
    assert_eq!(
        lines(recipient(&c, "jan-novak")),
        ["Jan Novák", "Národní 1", "2nd floor", "110 00 PRAHA 1", "CZECHIA"]
    );
    // Leading zeros stay; "3.10" stays "3.10".
    assert_eq!(lines(recipient(&c, "anna-schmidt"))[3], "01067 DRESDEN");
    assert_eq!(
        recipient(&c, "marco-rossi").extra.get("Member since").map(String::as_str),
        Some("3.10")
    );
    // Rows point into the CSV, for errors.
    assert!(lyon.source.name.ends_with("members/members.csv"), "{}", lyon.source.name);
}

#[test]
fn unmapped_columns_reach_the_body() {
    let c = load(&root().join("campaigns/members.toml"));
    let renderer = Renderer::new(&c, None);
    let text = letter_text(&renderer, recipient(&c, "marco-rossi"));
    assert!(text.contains("representative of Emilia-Romagna"), "{text}");
    assert!(text.contains("since 3.10."), "{text}");
}

#[test]
fn json_recipients_keep_text_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string() + "\n[recipients]\nfile = \"people.json\"\n";
    let json = r#"[
      {"name": "Anna Schmidt", "street": "Marktplatz 1", "postcode": "01067", "city": "Dresden", "country": "DE", "ward": "Altstadt"},
      {"name": "Jan Peeters", "street": "Kerkstraat 1", "postcode": "9000", "city": "Gent", "country": "BE"}
    ]"#;
    let c = load(&temp_campaign(&dir, &toml, &[("people.json", json)]));
    assert_eq!(
        lines(&c.recipients[0]),
        ["Anna Schmidt", "Marktplatz 1", "01067 DRESDEN", "GERMANY"]
    );
    assert_eq!(c.recipients[0].extra.get("ward").map(String::as_str), Some("Altstadt"));
    assert_eq!(lines(&c.recipients[1]), ["Jan Peeters", "Kerkstraat 1", "9000 GENT"]);
}

#[test]
fn row_errors_name_the_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + "\n[recipients]\nfile = \"list.csv\"\n\n[recipients.columns]\nname = \"Name\"\ncity = \"Town\"\ncountry = \"Land\"\n";
    let csv = "Name,Town,Land\nAnna,Berlin,DE\nBob,Paris,\n,,\n";
    let err = load_err(&temp_campaign(&dir, &toml, &[("list.csv", csv)]));
    assert!(err.contains("list.csv has no country"), "{err}");
    assert!(err.contains("error: row 3 of "), "{err}");
    assert!(err.contains("list.csv:3:1"), "{err}");
    assert!(err.contains("hint: column “Land” is empty in this row"), "{err}");
}

#[test]
fn a_mapping_to_a_missing_column_suggests_one() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + "\n[recipients]\nfile = \"list.csv\"\n\n[recipients.columns]\nname = \"Nmae\"\ncountry = \"Country\"\n";
    let err = load_err(&temp_campaign(&dir, &toml, &[("list.csv", "Name,Country\nAnna,DE\n")]));
    assert!(err.contains("error: the recipients file has no column `Nmae`"), "{err}");
    assert!(err.contains("hint: did you mean `Name`?"), "{err}");
}

#[test]
fn duplicate_recipients_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string() + "\n[recipients]\nfile = \"list.csv\"\n";
    let csv = "name,street,postcode,city,country\nAnna Schmidt,Marktplatz 1,01067,Dresden,DE\nAnna Schmidt,Marktplatz 1,01067,Dresden,DE\n";
    let err = load_err(&temp_campaign(&dir, &toml, &[("list.csv", csv)]));
    assert!(err.contains("has the same name and address as #1"), "{err}");
    assert!(err.contains("row 3 of"), "{err}");
}

#[test]
fn new_makes_a_campaign_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["new", "fresh"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["build", "fresh/campaign.toml", "-o", "out", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("out/fresh.zip").is_file());
    // It refuses to overwrite.
    let again = run(&["new", "fresh"], dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("error: `fresh` already exists"));
}

#[test]
fn list_json_is_the_recipients_as_understood() {
    let out = run(&["list", "campaigns/semenova-2018.toml", "--format", "json"], &root());
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(8));
    assert_eq!(
        list[1],
        serde_json::json!({
            "number": 2,
            "id": "khamzayev",
            "name": "Almaz KHAMZAYEV",
            "organisation": null,
            "language": "en",
            "country": "BE",
            "salutation": "Dear Ambassador,",
            "address": [
                "Almaz KHAMZAYEV",
                "Ambassador of the Republic of Kazakhstan to the Kingdom of Belgium",
                "Avenue Van Bever 30",
                "1180 BRUSSELS"
            ],
            "extra": {}
        })
    );
}

#[test]
fn only_and_dry_run() {
    let out = run(
        &["build", "campaigns/semenova-2018.toml", "--only", "kasymov,masimov", "--dry-run"],
        &root(),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("semenova-2018/packets/005-kasymov/letter.pdf"), "{text}");
    assert!(text.contains("semenova-2018/packets/006-masimov/envelope.pdf"), "{text}");
    assert!(!text.contains("001-carlsson"), "{text}");
    assert!(text.trim_end().ends_with("2 packets"), "{text}");

    let bad =
        run(&["build", "campaigns/semenova-2018.toml", "--only", "kasimov", "--dry-run"], &root());
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("error: the campaign has no recipient `kasimov`"), "{err}");
    assert!(err.contains("hint: did you mean `kasymov`?"), "{err}");
}

#[test]
fn check_json_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "A"
address = { street = "X 1", postcode = "1000", city = "Brussels", country = "XX" }
"#;
    let path = temp_campaign(&dir, &toml, &[]);
    let out = run(&["check", path.to_str().unwrap(), "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let error = &report["errors"][0];
    assert_eq!(error["message"], "unknown country `XX`");
    assert_eq!(error["recipients"][0], "#1 (A)");
    assert_eq!(error["at"]["line"], 17);
}

#[test]
fn completions_and_help_with_examples() {
    let out = run(&["completions", "bash"], &root());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("_letterpress()"));
    for command in [
        "build",
        "check",
        "list",
        "new",
        "verify",
        "rebuild",
        "data",
        "preview",
        "templates",
        "fonts",
        "completions",
    ] {
        let help = run(&[command, "--help"], &root());
        assert!(help.status.success());
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("Example: letterpress"),
            "{command}"
        );
    }
}

/// A spreadsheet (xlsx and ods, written by tests/fixtures/sheets/make.py):
/// a Cyrillic sheet name after a decoy sheet, a text postcode with a leading
/// zero, numbers in fixed-decimal, thousands, percent and General formats, a
/// formula with its cached value, dates in two formats, a cell of two
/// paragraphs, an empty row. Every value reads as the spreadsheet shows it.
#[test]
fn spreadsheets_read_as_the_text_they_show() {
    for file in ["members.xlsx", "members.ods"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(root().join("tests/fixtures/sheets").join(file), dir.path().join(file))
            .unwrap();
        let toml = HEAD.to_string()
            + &format!("\n[recipients]\nfile = \"{file}\"\nsheet = \"Получатели\"\n");
        let c = load(&temp_campaign(&dir, &toml, &[]));
        assert_eq!(c.recipients.len(), 2, "{file}");
        let anna = &c.recipients[0];
        assert_eq!(
            lines(anna),
            ["Anna Schmidt", "Marktplatz 1", "01067 DRESDEN", "GERMANY"],
            "{file}"
        );
        let extra = |r: &letterpress::campaign::Recipient| -> Vec<(String, String)> {
            r.extra.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(
            extra(anna),
            pairs(&[
                ("Fee", "1,234,567.89"),
                ("Joined", "31/12/2024"),
                ("Note", "Line one\nLine  two"),
                ("Ratio", "3.1"),
                ("Renewed", "1 March 2025"),
                ("Score", "3.10"),
                ("Share", "16%"),
                ("Total", "3"),
            ]),
            "{file}"
        );
        let jan = &c.recipients[1];
        assert_eq!(
            extra(jan),
            pairs(&[
                ("Fee", "1,234,567.00"),
                ("Joined", "01/01/2000"),
                ("Note", "wide"),
                ("Ratio", "1234567"),
                ("Renewed", "1 February 2000"),
                ("Score", "12.00"),
                ("Share", "100%"),
                ("Total", "20"),
            ]),
            "{file}"
        );
        assert_eq!(lines(jan), ["Jan Peeters", "Kerkstraat 1", "9000 GENT"], "{file}");

        // `list` shows the same text.
        let path = dir.path().join("campaign.toml");
        let out = run(&["list", path.to_str().unwrap(), "--format", "json"], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(list[0]["extra"]["Joined"], "31/12/2024", "{file}");
        assert_eq!(list[0]["extra"]["Renewed"], "1 March 2025", "{file}");
        assert_eq!(list[0]["extra"]["Score"], "3.10", "{file}");

        let wrong = HEAD.to_string()
            + &format!("\n[recipients]\nfile = \"{file}\"\nsheet = \"Получатель\"\n");
        let err = load_err(&temp_campaign(&dir, &wrong, &[]));
        assert!(err.contains("has no sheet `Получатель`"), "{err}");
        assert!(err.contains("did you mean `Получатели`?"), "{err}");
    }
}

/// The letter prints a date from a spreadsheet as the spreadsheet shows it.
#[test]
fn a_letter_shows_spreadsheet_dates_as_shown_in_the_sheet() {
    for file in ["members.xlsx", "members.ods"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(root().join("tests/fixtures/sheets").join(file), dir.path().join(file))
            .unwrap();
        let body = r##"body = "#let r = json(\"/data.json\").recipient\nSince #r.extra.Joined and #r.extra.Renewed, score #r.extra.Score and share #r.extra.Share here.""##;
        let toml = HEAD.replace("body = \"Body text.\"", body)
            + &format!("\n[recipients]\nfile = \"{file}\"\nsheet = \"Получатели\"\n");
        let c = load(&temp_campaign(&dir, &toml, &[]));
        let text = letter_text(&Renderer::new(&c, None), &c.recipients[0]);
        for shown in ["Since 31/12/2024 and 1 March 2025,", "score 3.10 and share 16% here."] {
            assert!(text.contains(shown), "{file}: {shown:?} in {text}");
        }
    }
}

/// A cell whose shown text cannot be told from an .xlsx file is an error
/// that names it, never a different text.
#[test]
fn unknown_number_formats_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let file = "members.xlsx";
    std::fs::copy(root().join("tests/fixtures/sheets").join(file), dir.path().join(file)).unwrap();
    let toml =
        HEAD.to_string() + "\n[recipients]\nfile = \"members.xlsx\"\nsheet = \"Unreadable\"\n";
    let err = load_err(&temp_campaign(&dir, &toml, &[]))
        .replace(&format!("{}/", dir.path().display()), "");
    assert_eq!(
        err,
        "error: failed to read cell C2 of `members.xlsx` as shown (it has built-in number format 14, which each computer shows in its own way)
 = hint: in column C “Joined”, row 2
 = hint: format the column as Text, or use a format such as dd/mm/yyyy, d mmmm yyyy, 0.00, #,##0 or 0%

error: failed to read cell C3 of `members.xlsx` as shown (its number format `# ?/?` is one letterpress does not know)
 = hint: in column C “Joined”, row 3
 = hint: format the column as Text, or use a format such as dd/mm/yyyy, d mmmm yyyy, 0.00, #,##0 or 0%

"
    );
}

#[test]
fn email_and_phone_are_kept_in_recipients_csv_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Anna Schmidt"
email = "anna@example.org"
phone = "+49 351 0000"
address = { street = "Marktplatz 1", postcode = "01067", city = "Dresden", country = "DE" }
"#;
    let path = temp_campaign(&dir, &toml, &[]);
    let out = run(&["build", path.to_str().unwrap(), "-o", "out", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::File::open(dir.path().join("out/t.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("t/recipients.csv").unwrap(), &mut csv).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("number,id,packet,name,organisation,email,phone,address_1")
    );
    assert!(lines.next().unwrap().contains(",anna@example.org,+49 351 0000,"), "{csv}");
    let c = load(&path);
    let text = letter_text(&Renderer::new(&c, None), &c.recipients[0]);
    assert!(!text.contains("anna@example.org"), "{text}");
}

/// A JSON report as a value.
fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// An expected document in tests/fixtures/json.
fn expected_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures/json").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `check --format json` with errors in rows of a CSV file and of a
/// spreadsheet, and `list --format json`: the whole documents.
#[test]
fn check_and_list_json_are_the_expected_documents() {
    let errors = root().join("tests/fixtures/errors");
    for (case, expected) in
        [("csv-rows", "check-csv-rows.json"), ("sheet-rows-ods", "check-sheet-rows-ods.json")]
    {
        let out = run(&["check", &format!("{case}/campaign.toml"), "--format", "json"], &errors);
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert_eq!(json_of(&out), expected_json(expected), "{case}");
    }
    let out = run(&["list", "campaigns/members.toml", "--format", "json"], &root());
    assert!(out.status.success());
    assert_eq!(json_of(&out), expected_json("list-members.json"));
}

/// `build --format json`: the whole document, with what varies from one
/// machine or template to the next (times, threads, the zip's size) checked
/// apart.
#[test]
fn build_json_is_the_expected_document() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = root().join("campaigns/members.toml");
    let out =
        run(&["build", campaign.to_str().unwrap(), "-o", "out", "--format", "json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut report = json_of(&out);
    let summary = &mut report["summary"];
    for stage in ["render", "bundle", "render_cpu"] {
        assert!(summary["timings"][stage].as_f64().is_some_and(|t| t >= 0.0), "{stage}");
    }
    summary["timings"] = serde_json::json!({});
    let zip = dir.path().join("out/members-2026.zip");
    assert_eq!(summary["zip_bytes"], std::fs::metadata(&zip).unwrap().len());
    summary["zip_bytes"] = serde_json::json!(0);
    assert!(report["jobs"].as_u64().is_some_and(|j| j >= 1));
    report["jobs"] = serde_json::json!(0);
    let members_csv = root().join("campaigns/members/members.csv");
    // One A4 sheet of 80 g/m² (4.99 g) in a DL envelope, rounded to 0.1 g.
    let one_light_letter = || {
        serde_json::json!({
            "by_weight": [{ "packets": 1, "up_to_g": 20.0 }],
            "grams": 9.8,
            "packets": 1,
            "sheets": 1
        })
    };
    assert_eq!(
        report,
        serde_json::json!({
            "errors": [],
            "jobs": 0,
            "ok": true,
            "summary": {
                "by_country": { "CH": 1, "CZ": 1, "DE": 1, "FR": 1, "IT": 1 },
                "failed": 0,
                "international": 5,
                "packets": 5,
                "pages": 5,
                "postage": {
                    "all": {
                        "by_weight": [{ "packets": 5, "up_to_g": 20.0 }],
                        "grams": 49.0,
                        "packets": 5,
                        "sheets": 5
                    },
                    "by_country": {
                        "CH": one_light_letter(),
                        "CZ": one_light_letter(),
                        "DE": one_light_letter(),
                        "FR": one_light_letter(),
                        "IT": one_light_letter()
                    }
                },
                "sheets": 5,
                "switched": [],
                "timings": {},
                "zip": "out/members-2026.zip",
                "zip_bytes": 0
            },
            "warnings": [{
                "at": { "column": 86, "file": members_csv.to_str().unwrap(), "line": 5 },
                "hints": [],
                "message": "the address has no region, which Italy requires",
                "recipients": [format!("#3 (Marco Rossi), row 4 of {}", members_csv.display())],
                "severity": "warning"
            }]
        })
    );
}
