//! International addresses, scripts and languages (issue "International
//! addresses, scripts and languages").

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
        let name = r.name.as_deref().unwrap();
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
