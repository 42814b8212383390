//! International addresses, scripts and languages (issue "International
//! addresses, scripts and languages").

#[path = "suite/pdf_text.rs"]
mod pdf_text;
#[path = "support/campaigns.rs"]
mod support;

use letterpress::render::Renderer;
use support::*;

#[test]
fn reference_addresses_as_kazpost_and_bpost_expect() {
    let c = load(&root().join("campaigns/semenova-2018.toml"));
    // Kazpost / UPU: small to big, city in capitals, postcode, country last.
    assert_eq!(
        lines(recipient(&c, "kozhamzharov")),
        [
            "K.P. KOZHAMZHAROV",
            "General Prosecutor of the Republic of Kazakhstan",
            "14 Mangilik Yel",
            "ASTANA",
            "010000",
            "KAZAKHSTAN"
        ]
    );
    assert_eq!(
        lines(recipient(&c, "carlsson")),
        [
            "Sven-Olov CARLSSON",
            "Head of the EU Delegation to Kazakhstan",
            "Kosmonavtov St. 62",
            "7th floor",
            "ASTANA",
            "Z05E9E1",
            "KAZAKHSTAN"
        ]
    );
    // bpost, domestic from Brussels: no country line, no "B-" prefix.
    assert_eq!(
        lines(recipient(&c, "khamzayev")),
        [
            "Almaz KHAMZAYEV",
            "Ambassador of the Republic of Kazakhstan to the Kingdom of Belgium",
            "Avenue Van Bever 30",
            "1180 BRUSSELS"
        ]
    );
}

#[test]
fn a_dozen_countries_in_their_own_order() {
    let c = load(&root().join("campaigns/international.toml"));
    let expect: &[(&str, &[&str])] = &[
        (
            "taro-yamada",
            &[
                "Taro Yamada",
                "Yamada Trading Co.",
                "2-3-1 Marunouchi, Chiyoda-ku, TOKYO",
                "100-0005",
                "JAPAN",
            ],
        ),
        ("shan-tian-hua-zi", &["〒100-0005", "東京都", "千代田区丸の内2-3-1", "山田花子", "JAPAN"]),
        (
            "ivan-petrovich-ivanov",
            &[
                "Иван Петрович Иванов",
                "УЛ. ТВЕРСКАЯ, Д. 7, КВ. 5",
                "MOSKVA",
                "125009",
                "RUSSIAN FEDERATION",
            ],
        ),
        ("kovacs-eva", &["Kovács Éva", "BUDAPEST", "ANDRÁSSY ÚT 10.", "1061", "HUNGARY"]),
        (
            "john-smith",
            &[
                "John Smith",
                "Acme Postal Supplies",
                "1600 Amphitheatre Pkwy",
                "MOUNTAIN VIEW CA 94043",
                "UNITED STATES",
            ],
        ),
        (
            "maria-da-silva",
            &["Maria da Silva", "Avenida Paulista, 1578", "SÃO PAULO-SP", "01310-200", "BRAZIL"],
        ),
        ("wang-xiao-ming", &["100004", "北京市朝阳区", "建国门外大街1号", "王小明", "CHINA"]),
        (
            "olivia-brown",
            &["Olivia Brown", "10 Downing Street", "LONDON", "SW1A 2AA", "UNITED KINGDOM"],
        ),
        ("anna-muller", &["Anna Müller", "Unter den Linden 77", "10117 BERLIN", "GERMANY"]),
        ("jean-dupont", &["Jean Dupont", "20 avenue de Ségur", "75007 PARIS", "FRANCE"]),
        (
            "luca-bernasconi",
            &["Luca Bernasconi", "Rue du Mont-Blanc 18", "1201 GENÈVE", "SWITZERLAND"],
        ),
        ("shrh-khn", &["שרה כהן", "Jaffa Road 97", "JERUSALEM 9434001", "ISRAEL"]),
        ("mhmd-ly", &["محمد علي", "26 July Street 12", "CAIRO", "11511", "EGYPT"]),
        (
            "georgios-papadopoulos",
            &["Γεώργιος Παπαδόπουλος", "Ermou 25", "105 63 ATHINA", "GREECE"],
        ),
        ("sem-kasymova", &["Әсем Қасымова", "пр. Абая, 52", "ALMATY", "050008", "KAZAKHSTAN"]),
    ];
    for (id, want) in expect {
        assert_eq!(&lines(recipient(&c, id)), want, "{id}");
    }
    assert_eq!(c.recipients.len(), expect.len());
}

#[test]
fn country_line_only_abroad_and_in_french_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.replace("date = 2026-11-02", "date = 2026-11-02\ncountry_names = \"fr\"")
        + r#"
[[recipient]]
name = "Anna Müller"
address = { street = "Unter den Linden 77", postcode = "10117", city = "Berlin", country = "DE" }

[[recipient]]
name = "Luc Peeters"
address = { street = "Grote Markt 1", postcode = "2000", city = "Antwerpen", country = "BE" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    assert_eq!(lines(&c.recipients[0]).last(), Some(&"ALLEMAGNE"));
    assert_eq!(lines(&c.recipients[1]).last(), Some(&"2000 ANTWERPEN"));
}

#[test]
fn postcode_errors_with_hints_and_warn_per_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "A"
address = { street = "Avenue Van Bever 30", postcode = "В-1180", city = "Brussels", country = "BE" }
"#;
    let err = load_err(&temp_campaign(&dir, &toml, &[]));
    assert!(err.contains("error: postcode `В-1180` is not a valid postcode for Belgium"), "{err}");
    assert!(
        err.contains(
            "hint: it contains a non-Latin letter (a Cyrillic `В` looks like a Latin `B`)"
        ),
        "{err}"
    );
    assert!(err.contains("hint: write it without the country prefix: \"1180\""), "{err}");
    assert!(err.contains("hint: examples for Belgium: 4000, 1000"), "{err}");
    assert!(err.contains("recipient: #1 (A)"), "{err}");

    let lenient = toml.replace("name = \"A\"", "name = \"A\"\npostcode_check = \"warn\"");
    let c = load(&temp_campaign(&dir, &lenient, &[]));
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].message.contains("is not a valid postcode"));
    // The check never rewrites a postcode.
    assert_eq!(lines(&c.recipients[0]).last(), Some(&"В-1180 BRUSSELS"));
}

#[test]
fn kazakh_seven_character_postcodes_are_accepted() {
    let c = load(&root().join("campaigns/semenova-2018.toml"));
    assert!(lines(recipient(&c, "carlsson")).contains(&"Z05E9E1"));
}

#[test]
fn cyrillic_city_is_transliterated_for_international_mail() {
    let c = load(&root().join("campaigns/international.toml"));
    assert!(lines(recipient(&c, "ivan-petrovich-ivanov")).contains(&"MOSKVA"));
    let said: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        said.contains(
            &"transliterated the city “Москва” as “Moskva” (ISO 9) for international mail"
        ),
        "{said:?}"
    );
    assert!(
        said.contains(
            &"transliterated the city “Αθήνα” as “Athina” (ELOT 743) for international mail"
        ),
        "{said:?}"
    );

    // A given Latin form wins, and nothing is said.
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Иван Иванов"
address = { street = "ул. Тверская, 7", postcode = "125009", city = "Москва", city_latin = "Moscow", region = "Moscow", country = "RU" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    assert!(lines(&c.recipients[0]).contains(&"MOSCOW"));
    assert!(c.warnings.is_empty());
}

#[test]
fn free_form_lines_print_as_written_with_the_country_rule() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Ahmed Hassan"
address = { lines = ["Ahmed Hassan", "P.O. Box 1234", "Dubai"], country = "AE" }

[[recipient]]
name = "Jan Peeters"
address = { lines = ["Jan Peeters", "Kerkstraat 1", "9000 Gent", "Belgium"], country = "BE" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    assert_eq!(
        lines(&c.recipients[0]),
        ["Ahmed Hassan", "P.O. Box 1234", "Dubai", "UNITED ARAB EMIRATES"]
    );
    // Domestic: the country the user wrote is dropped.
    assert_eq!(lines(&c.recipients[1]), ["Jan Peeters", "Kerkstraat 1", "9000 Gent"]);
}

#[test]
fn every_script_prints_with_real_glyphs_right_to_left_too() {
    let c = load(&root().join("campaigns/international.toml"));
    let renderer = Renderer::new(&c, None);
    for id in ["shrh-khn", "mhmd-ly", "wang-xiao-ming", "shan-tian-hua-zi", "sem-kasymova"] {
        let r = recipient(&c, id);
        // packet() fails on any glyph the fonts lack; the text is in the frames.
        let text = letter_text(&renderer, r);
        let name = r.name().unwrap();
        let first_word = name.split_whitespace().next().unwrap();
        assert!(text.contains(first_word), "{id}: {first_word} not in {text}");
    }
}

#[test]
fn a_missing_glyph_is_an_error_naming_the_code_point() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "ሰላም Bekele"
address = { street = "Churchill Ave 1", city = "Addis Ababa", country = "ET" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let renderer = Renderer::new(&c, None);
    let diags = renderer.packet(&c.recipients[0]).unwrap_err();
    let text = letterpress::diag::render_plain(&diags);
    assert!(
        text.contains("no font has a glyph for “ሰ” (U+1230) in the recipient's name: it would print as an empty box"),
        "{text}"
    );
    assert!(text.contains("recipient: #1 `bekele`") || text.contains("recipient: #1 `"), "{text}");
}

#[test]
fn each_recipient_gets_its_language_body_salutation_and_date() {
    let c = load(&root().join("campaigns/international.toml"));
    let renderer = Renderer::new(&c, None);
    let de = letter_text(&renderer, recipient(&c, "anna-muller"));
    assert!(de.contains("Sehr geehrte Frau Müller,"), "{de}");
    assert!(de.contains("2. November 2026"), "{de}");
    assert!(de.contains("Einladung zum Runden Tisch 2027"), "{de}");
    assert!(de.contains("Mit freundlichen Grüßen"), "{de}");
    let fr = letter_text(&renderer, recipient(&c, "jean-dupont"));
    assert!(
        fr.contains("Monsieur,") && fr.contains("2 novembre 2026") && fr.contains("Objet"),
        "{fr}"
    );
    let ru = letter_text(&renderer, recipient(&c, "ivan-petrovich-ivanov"));
    assert!(ru.contains("Уважаемый господин Иванов!") && ru.contains("2 ноября 2026 г."), "{ru}");
    let en = letter_text(&renderer, recipient(&c, "olivia-brown"));
    assert!(en.contains("Dear Dr Brown,") && en.contains("2 November 2026"), "{en}");
}

#[test]
fn a_language_without_a_body_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.replace("body = \"Body text.\"", "body_file = { en = \"en.typ\" }")
        + r#"
[[recipient]]
name = "Jean Dupont"
language = "fr"
address = { street = "20 avenue de Ségur", postcode = "75007", city = "Paris", country = "FR" }
"#;
    let err = load_err(&temp_campaign(&dir, &toml, &[("en.typ", "Hello.")]));
    assert!(
        err.contains("error: the letter has no body in `fr`, the recipient's language"),
        "{err}"
    );
    assert!(err.contains("hint: add a `fr` entry to `body`"), "{err}");
}

/// The text of the first page of a PDF, as copy and paste gives it.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf reads");
    pdf_text::page_text(&doc, 1).replace('\u{a0}', " ")
}

/// The base names of every font a PDF embeds (`ABCDEF+NotoSans-Bold`).
fn pdf_fonts(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf reads");
    let mut out: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Font"))
        .filter_map(|d| d.get(b"BaseFont").and_then(|n| n.as_name()).ok())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn salutation_derived_from_role_read_back_from_the_letter_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Almaz KHAMZAYEV"
role = "Ambassador of the Republic of Kazakhstan to the Kingdom of Belgium"
honorific = "mr"
address = { street = "Avenue Van Bever 30", postcode = "1180", city = "Brussels", country = "BE" }

[[recipient]]
name = "Anna Müller"
role = "Ministerin der Justiz"
honorific = "ms"
language = "de"
address = { street = "Mohrenstraße 37", postcode = "10117", city = "Berlin", country = "DE" }

[[recipient]]
name = "Jean DUPONT"
role = "Ambassadeur de France"
honorific = "mr"
language = "fr"
address = { street = "Boulevard du Régent 42", postcode = "1000", city = "Bruxelles", country = "BE" }

[[recipient]]
name = "Иван Иванов"
role = "Посол Российской Федерации"
honorific = "mr"
language = "ru"
address = { street = "Avenue De Fré 66", postcode = "1180", city = "Bruxelles", country = "BE" }

[[recipient]]
name = "John SMITH"
role = "Deputy Minister of Justice"
honorific = "mr"
address = { street = "Rue de la Loi 16", postcode = "1000", city = "Bruxelles", country = "BE" }

[[recipient]]
name = "Clara WEISS"
role = "Ambassador of Austria"
salutation = "Your Excellency,"
address = { street = "Place du Champ de Mars 5", postcode = "1050", city = "Ixelles", country = "BE" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let renderer = Renderer::new(&c, None);
    let expect = [
        ("almaz-khamzayev", "Dear Ambassador,"),
        ("anna-muller", "Sehr geehrte Frau Ministerin,"),
        ("jean-dupont", "Monsieur l’Ambassadeur,"),
        ("ivan-ivanov", "Уважаемый господин Посол!"),
        // Another office than the one the word names: honorific and name.
        ("john-smith", "Dear Mr Smith,"),
        // The recipient's own salutation always wins.
        ("clara-weiss", "Your Excellency,"),
    ];
    for (id, salutation) in expect {
        let r = recipient(&c, id);
        assert_eq!(r.salutation(), salutation, "{id}");
        let packet = renderer
            .packet(r)
            .unwrap_or_else(|d| panic!("{}", letterpress::diag::render_plain(&d)));
        let text = pdf_text(&packet.letter.pdf);
        assert!(
            text.lines().any(|l| l.trim() == salutation),
            "{id}: no line {salutation:?} in\n{text}"
        );
    }
}

/// Copies the reference campaign into a temporary folder, edited.
fn reference_copy(dir: &tempfile::TempDir, edit: impl Fn(&str) -> String) -> std::path::PathBuf {
    let from = root().join("campaigns");
    for entry in std::fs::read_dir(from.join("semenova-2018")).unwrap() {
        let entry = entry.unwrap();
        let to = dir.path().join("semenova-2018").join(entry.file_name());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(entry.path(), to).unwrap();
    }
    let toml = std::fs::read_to_string(from.join("semenova-2018.toml")).unwrap();
    let path = dir.path().join("semenova-2018.toml");
    std::fs::write(&path, edit(&toml)).unwrap();
    path
}

#[test]
fn reference_salutations_stay_and_the_derived_ones_agree_where_an_office_has_a_form() {
    // As written: every official's salutation is given and printed as given.
    let c = load(&root().join("campaigns/semenova-2018.toml"));
    assert_eq!(recipient(&c, "kozhamzharov").salutation(), "Dear Prosecutor General,");
    assert_eq!(recipient(&c, "masimov").salutation(), "Dear Chairman,");
    // Without them, the offices with a conventional form get the same words.
    let dir = tempfile::tempdir().unwrap();
    let path = reference_copy(&dir, |toml| {
        toml.lines().filter(|l| !l.starts_with("salutation")).collect::<Vec<_>>().join("\n")
    });
    let c = load(&path);
    assert_eq!(recipient(&c, "khamzayev").salutation(), "Dear Ambassador,");
    assert_eq!(recipient(&c, "kasymov").salutation(), "Dear Minister,");
    // "Head of …", "General Prosecutor", "Chairman": no office form; neutral.
    for id in ["carlsson", "kozhamzharov", "masimov"] {
        assert_eq!(recipient(&c, id).salutation(), "Dear Sir or Madam,", "{id}");
    }
}

const MOSCOW: &str = r#"
[[recipient]]
name = "Иван Иванов"
address = { street = "ул. Тверская, 7", postcode = "125009", city = "Москва", region = "Москва", country = "RU", latin = { street = "ul. Tverskaya, 7", city = "Moscow", region = "Moscow" } }
"#;

#[test]
fn native_and_latin_forms_read_back_from_the_envelope_pdf() {
    let dir = tempfile::tempdir().unwrap();
    // Native (the default): the address as written, the city in Latin.
    let c = load(&temp_campaign(&dir, &(HEAD.to_string() + MOSCOW), &[]));
    let native =
        ["Иван Иванов", "УЛ. ТВЕРСКАЯ, 7", "MOSCOW", "Москва", "125009", "RUSSIAN FEDERATION"];
    assert_eq!(lines(&c.recipients[0]), native);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let packet = Renderer::new(&c, None).packet(&c.recipients[0]).unwrap();
    let text = pdf_text(&packet.envelope.as_ref().unwrap().pdf);
    let at = |text: &str, line: &str| {
        text.find(line).unwrap_or_else(|| panic!("no {line:?} in\n{text}"))
    };
    assert!(native.windows(2).all(|w| at(&text, w[0]) < at(&text, w[1])), "{text}");

    // Latin, for one recipient: every field from `latin`, the name as written.
    let toml = HEAD.to_string()
        + &MOSCOW
            .replace("name = \"Иван Иванов\"", "name = \"Иван Иванов\"\naddress_form = \"latin\"");
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let latin =
        ["Иван Иванов", "UL. TVERSKAYA, 7", "MOSCOW", "Moscow", "125009", "RUSSIAN FEDERATION"];
    assert_eq!(lines(&c.recipients[0]), latin);
    let renderer = Renderer::new(&c, None);
    let packet = renderer.packet(&c.recipients[0]).unwrap();
    for pdf in [&packet.envelope.as_ref().unwrap().pdf, &packet.letter.pdf] {
        let text = pdf_text(pdf);
        assert!(latin.windows(2).all(|w| at(&text, w[0]) < at(&text, w[1])), "{text}");
        assert!(!text.contains("ТВЕРСКАЯ"), "{text}");
    }
}

#[test]
fn latin_form_without_a_latin_table_is_romanised_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.replace("date = 2026-11-02", "date = 2026-11-02\naddress_form = \"latin\"")
        + r#"
[[recipient]]
name = "Әсем Қасымова"
address = { street = "пр. Абая, 52", postcode = "050008", city = "Алматы", country = "KZ" }

[[recipient]]
name = "Иван Иванов"
address = { street = "ул. Тверская, 7", postcode = "125009", city = "Москва", region = "Москва", country = "RU" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    assert_eq!(
        lines(&c.recipients[0]),
        ["Әсем Қасымова", "pr. Abaia, 52", "ALMATY", "050008", "KAZAKHSTAN"]
    );
    assert_eq!(
        lines(&c.recipients[1]),
        ["Иван Иванов", "UL. TVERSKAÂ, 7", "MOSKVA", "Moskva", "125009", "RUSSIAN FEDERATION"]
    );
    let said: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
    for message in [
        "transliterated the street “пр. Абая, 52” as “pr. Abaia, 52” (Kazakh Latin alphabet of 2021) for the Latin form of the address",
        "transliterated the city “Алматы” as “Almaty” (Kazakh Latin alphabet of 2021) for the Latin form of the address",
        "transliterated the street “ул. Тверская, 7” as “ul. Tverskaâ, 7” (ISO 9) for the Latin form of the address",
    ] {
        assert!(said.contains(&message), "{said:#?}");
    }
    let packet = Renderer::new(&c, None).packet(&c.recipients[0]).unwrap();
    let text = pdf_text(&packet.envelope.as_ref().unwrap().pdf);
    assert!(text.contains("pr. Abaia, 52") && text.contains("ALMATY"), "{text}");
}

#[test]
fn latin_form_of_a_script_without_a_standard_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "山田花子"
address_form = "latin"
address = { street = "千代田区丸の内2-3-1", postcode = "100-0005", region = "東京都", country = "JP" }
"#;
    let err = load_err(&temp_campaign(&dir, &toml, &[]));
    assert!(
        err.contains("error: the address has no Latin form of its street “千代田区丸の内2-3-1”"),
        "{err}"
    );
    assert!(err.contains("hint: give `street` under `[recipient.address.latin]`, or print the native form (address_form = \"native\")"), "{err}");
    assert!(err.contains("recipient: #1 (山田花子)"), "{err}");

    // With the Latin form given, Japan's Latin order (libaddressinput lfmt).
    let given = toml.replace(
        "country = \"JP\" }",
        "country = \"JP\", latin = { street = \"2-3-1 Marunouchi, Chiyoda-ku\", region = \"Tokyo\" } }",
    );
    let c = load(&temp_campaign(&dir, &given, &[]));
    assert_eq!(
        lines(&c.recipients[0]),
        ["山田花子", "2-3-1 Marunouchi, Chiyoda-ku, TOKYO", "100-0005", "JAPAN"]
    );
}

#[test]
fn address_form_and_latin_table_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Иван Иванов"
address_form = "romanised"
address = { street = "ул. Тверская, 7", postcode = "125009", city = "Москва", region = "Москва", country = "RU", city_latin = "Moscow", latin = { city = "Moskva", region = "Москва", town = "x" } }
"#;
    let err = load_err(&temp_campaign(&dir, &toml, &[]));
    assert!(err.contains("error: unknown field `town`"), "{err}");
    let toml = toml.replace(", town = \"x\"", "");
    let err = load_err(&temp_campaign(&dir, &toml, &[]));
    assert!(err.contains("error: unknown address_form `romanised`"), "{err}");
    assert!(
        err.contains(
            "error: the Latin form of the address has a region in another script: “Москва”"
        ),
        "{err}"
    );
    assert!(
        err.contains("error: the Latin city is given twice, as `city_latin` and in `latin`"),
        "{err}"
    );
}

#[test]
fn kazakhstan_is_romanised_with_the_national_alphabet_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut toml = HEAD.to_string();
    for (name, city, postcode) in [
        ("A", "Шымкент", "160000"),
        ("B", "Өскемен", "070000"),
        ("C", "Қарағанды", "100000"),
        ("D", "Риддер", "071300"),
    ] {
        toml += &format!(
            "\n[[recipient]]\nname = \"{name}\"\naddress = {{ street = \"ул. Абая, 1\", postcode = \"{postcode}\", city = \"{city}\", country = \"KZ\" }}\n"
        );
    }
    // Russia keeps ISO 9.
    toml += "\n[[recipient]]\nname = \"E\"\naddress = { street = \"ул. Ленина, 1\", postcode = \"454000\", city = \"Челябинск\", region = \"Челябинская область\", country = \"RU\" }\n";
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let cities: Vec<&str> = c.recipients.iter().map(|r| lines(r)[2]).collect();
    // The Kazakh `i` is the dotted `İ` in capitals.
    assert_eq!(cities, ["ŞYMKENT", "ÖSKEMEN", "QARAĞANDY", "RİDDER", "ČELÂBINSK"]);
    let said: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(said.contains(&"transliterated the city “Шымкент” as “Şymkent” (Kazakh Latin alphabet of 2021) for international mail"), "{said:#?}");
    assert!(
        said.contains(
            &"transliterated the city “Челябинск” as “Čelâbinsk” (ISO 9) for international mail"
        ),
        "{said:#?}"
    );
    // The envelope prints it.
    let packet = Renderer::new(&c, None).packet(&c.recipients[2]).unwrap();
    assert!(pdf_text(&packet.envelope.as_ref().unwrap().pdf).contains("QARAĞANDY"));
}

#[test]
fn bold_cjk_text_prints_in_the_bold_cjk_face() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.replace("subject = \"Test\"", "subject = \"東京会議\"")
        + r#"
[[recipient]]
name = "Anna Müller"
address = { street = "Unter den Linden 77", postcode = "10117", city = "Berlin", country = "DE" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let packet = Renderer::new(&c, None).packet(&c.recipients[0]).unwrap();
    assert!(pdf_text(&packet.letter.pdf).contains("東京会議"));
    // The subject is the only CJK text, and it is bold.
    let cjk: Vec<String> =
        pdf_fonts(&packet.letter.pdf).into_iter().filter(|f| f.contains("CJK")).collect();
    assert!(!cjk.is_empty() && cjk.iter().all(|f| f.contains("-Bold")), "{cjk:?}");

    // In the regular body, the regular face.
    let toml = toml
        .replace("body = \"Body text.\"", "body = \"東京会議\"")
        .replace("subject = \"東京会議\"", "subject = \"Test\"");
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let packet = Renderer::new(&c, None).packet(&c.recipients[0]).unwrap();
    let cjk: Vec<String> =
        pdf_fonts(&packet.letter.pdf).into_iter().filter(|f| f.contains("CJK")).collect();
    assert!(!cjk.is_empty() && cjk.iter().all(|f| f.contains("-Regular")), "{cjk:?}");
}

#[test]
fn spanish_and_kazakh_letters_have_their_date_labels_and_salutation() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string()
        + r#"
[[recipient]]
name = "Lucía GARCÍA"
honorific = "ms"
language = "es"
address = { street = "Calle de Alcalá 50", postcode = "28014", city = "Madrid", region = "Madrid", country = "ES" }

[[recipient]]
name = "Әсем Қасымова"
honorific = "ms"
language = "kk"
address = { street = "Абай даңғылы, 52", postcode = "050008", city = "Алматы", city_latin = "Almaty", country = "KZ" }
"#;
    let c = load(&temp_campaign(&dir, &toml, &[]));
    let renderer = Renderer::new(&c, None);
    let expect: [(&str, &[&str]); 2] = [
        (
            "lucia-garcia",
            &["2 de noviembre de 2026", "Asunto: Test", "Estimada Sra. García:", "Atentamente,"],
        ),
        (
            "sem-kasymova",
            &["2026 жылғы 2 қараша", "Тақырыбы: Test", "Құрметті Қасымова ханым!", "Құрметпен,"],
        ),
    ];
    for (id, want) in expect {
        let packet = renderer.packet(recipient(&c, id)).unwrap();
        let text = pdf_text(&packet.letter.pdf);
        let squashed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for line in want {
            assert!(squashed.contains(line), "{id}: no {line:?} in\n{text}");
        }
    }
}

#[test]
fn latin_form_from_a_recipients_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml = HEAD.to_string() + "\n[recipients]\nfile = \"r.csv\"\n";
    let csv = "name,street,postcode,city,region,country,street_latin,city_latin,region_latin,address_form\n\
               Иван Иванов,\"ул. Тверская, 7\",125009,Москва,Москва,RU,\"ul. Tverskaya, 7\",Moscow,Moscow,latin\n\
               Пётр Петров,\"ул. Арбат, 1\",119002,Москва,Москва,RU,,Moscow,,\n";
    let c = load(&temp_campaign(&dir, &toml, &[("r.csv", csv)]));
    assert_eq!(
        lines(&c.recipients[0]),
        ["Иван Иванов", "UL. TVERSKAYA, 7", "MOSCOW", "Moscow", "125009", "RUSSIAN FEDERATION"]
    );
    // No address_form: the campaign's (native), with the given Latin city.
    assert_eq!(
        lines(&c.recipients[1]),
        ["Пётр Петров", "УЛ. АРБАТ, 1", "MOSCOW", "Москва", "119002", "RUSSIAN FEDERATION"]
    );
}
