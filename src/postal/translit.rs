//! Romanisation of addresses for international mail: ISO 9:1995 for
//! Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian and the
//! other Cyrillic alphabets it covers), the Kazakh national Latin alphabet
//! (2021) for addresses in Kazakhstan, and ELOT 743 for Greek.

/// A published romanisation standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// ISO 9:1995, every Cyrillic alphabet letter for letter.
    Iso9,
    /// The Kazakh Latin alphabet of 2021, for Kazakh Cyrillic.
    Kazakh2021,
    /// ELOT 743, Greek.
    Elot743,
}

impl Standard {
    /// The name a warning prints.
    pub fn name(self) -> &'static str {
        match self {
            Standard::Iso9 => "ISO 9",
            Standard::Kazakh2021 => "Kazakh Latin alphabet of 2021",
            Standard::Elot743 => "ELOT 743",
        }
    }
}

/// The standard letterpress romanises a text with for a destination
/// country (ISO 3166-1 code): the country's national system where it has one
/// we implement (Kazakhstan), else ISO 9 for Cyrillic and ELOT 743 for Greek.
pub fn standard_for(text: &str, country: &str) -> Option<Standard> {
    if text.chars().any(is_cyrillic) {
        Some(if country == "KZ" { Standard::Kazakh2021 } else { Standard::Iso9 })
    } else if text.chars().any(is_greek) {
        Some(Standard::Elot743)
    } else {
        None
    }
}

/// Whether every letter of the text is Latin (digits and punctuation pass).
pub fn is_latin(text: &str) -> bool {
    text.chars().filter(|c| c.is_alphabetic()).all(|c| {
        c.is_ascii_alphabetic()
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c)
    })
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{052F}').contains(&c)
}

fn is_greek(c: char) -> bool {
    ('\u{0370}'..='\u{03FF}').contains(&c)
}

/// Upper case as the standard writes it: the Kazakh alphabet's `i` is the
/// dotted `İ` in capitals (its `ı` is the dotless `I`).
pub fn upper(text: &str, standard: Standard) -> String {
    match standard {
        Standard::Kazakh2021 => text
            .chars()
            .map(|c| if c == 'i' { "İ".to_string() } else { c.to_uppercase().collect() })
            .collect(),
        _ => text.to_uppercase(),
    }
}

/// Romanises Cyrillic and Greek letters by the standard for the destination
/// country ([`standard_for`]); everything else is kept.
pub fn romanize(text: &str, country: &str) -> String {
    let kazakh = standard_for(text, country) == Some(Standard::Kazakh2021);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let cyrillic = if kazakh { kazakh2021(lower) } else { iso9(lower) };
        let mapped = cyrillic.or_else(|| elot743(lower));
        match mapped {
            Some(latin) if c != lower => {
                // Upper case: capitalise the first letter of the romanisation.
                let mut chars = latin.chars();
                if let Some(first) = chars.next() {
                    // Kazakh `и`/`й` → `i`, whose capital is `İ`; `і` → `ı`, capital `I`.
                    match first {
                        'i' if kazakh => out.push('İ'),
                        'ı' => out.push('I'),
                        _ => out.extend(first.to_uppercase()),
                    }
                    out.push_str(chars.as_str());
                }
            }
            Some(latin) => out.push_str(latin),
            None => out.push(c),
        }
    }
    out
}

/// The Kazakh Latin alphabet of 2021 (31 letters), lower case. Source: the
/// alphabet presented by the government of Kazakhstan in January 2021, as
/// tabulated in "Kazakh alphabets", Wikipedia
/// (https://en.wikipedia.org/wiki/Kazakh_alphabets, section "Latin script",
/// column 2021; its sample text romanises сый → syi, сөйлесіп → söilesıp,
/// шаһарының → şaharynyñ) and in the npm package qazlatyn-db ("Latin 2021
/// approved version"). The alphabet has no letter for the Cyrillic letters
/// used only in Russian loanwords (ё ц ч щ ъ ь э ю я); for them we follow
/// those tables and the common transliterators: ц → ts, ч → ch, щ → şş,
/// ё → io, ю → iu, я → ia, э → e, ъ and ь are dropped.
fn kazakh2021(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'ә' => "ä",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ғ' => "ğ",
        'д' => "d",
        'е' => "e",
        'ж' => "j",
        'з' => "z",
        'и' | 'й' => "i",
        'і' => "ı",
        'к' => "k",
        'қ' => "q",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'ң' => "ñ",
        'о' => "o",
        'ө' => "ö",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ұ' => "ū",
        'ү' => "ü",
        'ф' => "f",
        'х' | 'һ' => "h",
        'ш' => "ş",
        'ы' => "y",
        // Loanword letters, outside the 31.
        'ц' => "ts",
        'ч' => "ch",
        'щ' => "şş",
        'ё' => "io",
        'ю' => "iu",
        'я' => "ia",
        'э' => "e",
        'ъ' | 'ь' => "",
        _ => return None,
    })
}

/// ISO 9:1995, lower case.
fn iso9(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "ë",
        'ж' => "ž",
        'з' => "z",
        'и' => "i",
        'й' => "j",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "č",
        'ш' => "š",
        'щ' => "ŝ",
        'ъ' => "ʺ",
        'ы' => "y",
        'ь' => "ʹ",
        'э' => "è",
        'ю' => "û",
        'я' => "â",
        // Ukrainian, Belarusian.
        'є' => "ê",
        'і' => "ì",
        'ї' => "ï",
        'ґ' => "g̀",
        'ў' => "ŭ",
        // Serbian, Macedonian.
        'ђ' => "đ",
        'ј' => "ǰ",
        'љ' => "l̂",
        'њ' => "n̂",
        'ћ' => "ć",
        'џ' => "d̂",
        'ѓ' => "ǵ",
        'ќ' => "ḱ",
        'ѕ' => "ẑ",
        // Kazakh and other Turkic alphabets.
        'ә' => "a̋",
        'ғ' => "ġ",
        'қ' => "ķ",
        'ң' => "ṇ",
        'ө' => "ô",
        'ұ' => "ū",
        'ү' => "ù",
        'һ' => "ḥ",
        _ => return None,
    })
}

/// ELOT 743 (the Greek standard, also UN-adopted), lower case, letter by letter.
fn elot743(c: char) -> Option<&'static str> {
    Some(match c {
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' => "i",
        'θ' => "th",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' | 'ώ' => "o",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_by_iso9() {
        assert_eq!(romanize("Алматы", "RU"), "Almaty");
        assert_eq!(romanize("Москва", "RU"), "Moskva");
        assert_eq!(romanize("Щёлково", "RU"), "Ŝëlkovo");
        assert_eq!(romanize("Қарағанды", "RU"), "Ķaraġandy");
        assert_eq!(standard_for("Москва", "RU"), Some(Standard::Iso9));
    }

    #[test]
    fn kazakhstan_by_the_national_alphabet() {
        assert_eq!(standard_for("Алматы", "KZ"), Some(Standard::Kazakh2021));
        assert_eq!(romanize("Өскемен", "KZ"), "Öskemen");
        assert_eq!(romanize("Шымкент", "KZ"), "Şymkent");
        assert_eq!(romanize("Қарағанды", "KZ"), "Qarağandy");
        assert_eq!(romanize("Түркістан", "KZ"), "Türkıstan");
        assert_eq!(romanize("Ұлытау", "KZ"), "Ūlytau");
        assert_eq!(romanize("Әйтеке би", "KZ"), "Äiteke bi");
        assert_eq!(romanize("Петропавл", "KZ"), "Petropavl");
        // Capitals: И → İ, І → I (the Turkic dotted and dotless i).
        assert_eq!(romanize("Ирина", "KZ"), "İrina");
        assert_eq!(romanize("Іле", "KZ"), "Ile");
        // Loanword letters.
        assert_eq!(romanize("ул. Чехова, 5", "KZ"), "ul. Chehova, 5");
        assert_eq!(romanize("Актюбинская", "KZ"), "Aktiubinskaia");
    }

    #[test]
    fn greek_by_elot743() {
        assert_eq!(romanize("Αθήνα", "GR"), "Athina");
        assert_eq!(standard_for("Αθήνα", "GR"), Some(Standard::Elot743));
    }

    #[test]
    fn latin_detection() {
        assert!(is_latin("Zürich 8001"));
        assert!(!is_latin("Алматы"));
    }
}
