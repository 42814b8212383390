//! Romanisation of addresses for international mail: ISO 9:1995 for
//! Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian, Kazakh and
//! the other Cyrillic alphabets it covers), and ELOT 743 for Greek.

/// The standard a text was romanised with.
pub fn standard_for(text: &str) -> Option<&'static str> {
    if text.chars().any(is_cyrillic) {
        Some("ISO 9")
    } else if text.chars().any(is_greek) {
        Some("ELOT 743")
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

/// Romanises Cyrillic (ISO 9) and Greek (ELOT 743) letters; everything
/// else is kept.
pub fn romanize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let mapped = iso9(lower).or_else(|| elot743(lower));
        match mapped {
            Some(latin) if c != lower => {
                // Upper case: capitalise the first letter of the romanisation.
                let mut chars = latin.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            }
            Some(latin) => out.push_str(latin),
            None => out.push(c),
        }
    }
    out
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
        assert_eq!(romanize("Алматы"), "Almaty");
        assert_eq!(romanize("Москва"), "Moskva");
        assert_eq!(romanize("Щёлково"), "Ŝëlkovo");
        assert_eq!(romanize("Қарағанды"), "Ķaraġandy");
        assert_eq!(standard_for("Алматы"), Some("ISO 9"));
    }

    #[test]
    fn greek_by_elot743() {
        assert_eq!(romanize("Αθήνα"), "Athina");
        assert_eq!(standard_for("Αθήνα"), Some("ELOT 743"));
    }

    #[test]
    fn latin_detection() {
        assert!(is_latin("Zürich 8001"));
        assert!(!is_latin("Алматы"));
    }
}
