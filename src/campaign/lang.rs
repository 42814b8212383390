//! Per-language words the templates print: labels, the default salutation and
//! closing, and the long date format (Typst only knows English month names).

use serde::Serialize;

/// The words of one language.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Words {
    /// ISO 639-1 code, also handed to Typst for hyphenation.
    pub code: &'static str,
    /// "Subject" label (empty where the convention is no label).
    pub subject: &'static str,
    /// "Page".
    pub page: &'static str,
    /// "of" in "Page 2 of 3".
    pub of: &'static str,
    /// "cc" label.
    pub cc: &'static str,
    /// "Enclosures" label.
    pub enclosures: &'static str,
    /// Salutation when the recipient has none.
    pub salutation: &'static str,
    /// Closing when the letter has none.
    pub closing: &'static str,
    /// Month names, January first.
    #[serde(skip)]
    pub months: [&'static str; 12],
}

/// The languages letterpress can write in.
pub const LANGUAGES: &[Words] = &[
    Words {
        code: "en",
        subject: "Subject",
        page: "Page",
        of: "of",
        cc: "cc",
        enclosures: "Enclosures",
        salutation: "Dear Sir or Madam,",
        closing: "Yours faithfully,",
        months: [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    },
    Words {
        code: "fr",
        subject: "Objet",
        page: "Page",
        of: "sur",
        cc: "Copie à",
        enclosures: "Pièces jointes",
        salutation: "Madame, Monsieur,",
        closing: "Veuillez agréer, Madame, Monsieur, l’expression de mes salutations distinguées.",
        months: [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    },
    Words {
        code: "de",
        subject: "",
        page: "Seite",
        of: "von",
        cc: "Kopie an",
        enclosures: "Anlagen",
        salutation: "Sehr geehrte Damen und Herren,",
        closing: "Mit freundlichen Grüßen",
        months: [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
    },
    Words {
        code: "es",
        subject: "Asunto",
        page: "Página",
        of: "de",
        cc: "c. c.",
        enclosures: "Anexos",
        salutation: "Estimados señores:",
        closing: "Atentamente,",
        months: [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
    },
    Words {
        code: "ru",
        subject: "Тема",
        page: "Страница",
        of: "из",
        cc: "Копия",
        enclosures: "Приложения",
        salutation: "Уважаемые господа!",
        closing: "С уважением,",
        months: [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
    },
    Words {
        code: "kk",
        subject: "Тақырыбы",
        page: "Бет",
        of: "/",
        cc: "Көшірме",
        enclosures: "Қосымшалар",
        salutation: "Құрметті мырзалар мен ханымдар!",
        closing: "Құрметпен,",
        months: [
            "қаңтар",
            "ақпан",
            "наурыз",
            "сәуір",
            "мамыр",
            "маусым",
            "шілде",
            "тамыз",
            "қыркүйек",
            "қазан",
            "қараша",
            "желтоқсан",
        ],
    },
];

/// Looks a language up by its code.
pub fn words(code: &str) -> Option<&'static Words> {
    LANGUAGES.iter().find(|w| w.code == code)
}

impl Words {
    /// The date as a letter prints it in this language.
    pub fn long_date(&self, year: u16, month: u8, day: u8) -> String {
        let name = self.months[usize::from(month.clamp(1, 12)) - 1];
        match self.code {
            "de" => format!("{day}. {name} {year}"),
            "es" => format!("{day} de {name} de {year}"),
            "ru" => format!("{day} {name} {year} г."),
            "kk" => format!("{year} жылғы {day} {name}"),
            _ => format!("{day} {name} {year}"),
        }
    }
}

/// Honorifics a recipient can give for a derived salutation.
pub const HONORIFICS: &[&str] = &["mr", "ms", "mrs", "dr", "prof"];

impl Words {
    /// The salutation for an honorific and a family name in this language, if
    /// the language has a form that does not need more (a gender, a title).
    pub fn salutation_for(&self, honorific: &str, family: &str) -> Option<String> {
        let h = honorific.to_lowercase().trim_end_matches('.').to_string();
        Some(match (self.code, h.as_str()) {
            ("en", "mr") => format!("Dear Mr {family},"),
            ("en", "ms") => format!("Dear Ms {family},"),
            ("en", "mrs") => format!("Dear Mrs {family},"),
            ("en", "dr") => format!("Dear Dr {family},"),
            ("en", "prof") => format!("Dear Professor {family},"),
            ("fr", "mr") => "Monsieur,".into(),
            ("fr", "ms" | "mrs") => "Madame,".into(),
            ("de", "mr") => format!("Sehr geehrter Herr {family},"),
            ("de", "ms" | "mrs") => format!("Sehr geehrte Frau {family},"),
            ("es", "mr") => format!("Estimado Sr. {family}:"),
            ("es", "ms" | "mrs") => format!("Estimada Sra. {family}:"),
            ("ru", "mr") => format!("Уважаемый господин {family}!"),
            ("ru", "ms" | "mrs") => format!("Уважаемая госпожа {family}!"),
            ("kk", "mr") => format!("Құрметті {family} мырза!"),
            ("kk", "ms" | "mrs") => format!("Құрметті {family} ханым!"),
            _ => return None,
        })
    }
}

/// The family name in a full name: the word written in capitals
/// (`Sven-Olov CARLSSON`), else the last word; capitals become title case.
pub fn family_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let caps = words.iter().rev().find(|w| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() > 1 && letters.iter().all(|c| c.is_uppercase())
    });
    let word = caps.or(words.last()).copied().unwrap_or("");
    if word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase) {
        title_case(word)
    } else {
        word.to_string()
    }
}

/// `KHAMZAYEV` → `Khamzayev`, `MÜLLER-LÜDENSCHEIDT` → `Müller-Lüdenscheidt`.
fn title_case(word: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salutations() {
        let en = words("en").unwrap();
        assert_eq!(
            en.salutation_for("Mr", &family_name("Sven-Olov CARLSSON")),
            Some("Dear Mr Carlsson,".into())
        );
        let de = words("de").unwrap();
        assert_eq!(
            de.salutation_for("ms", &family_name("Anna Müller")),
            Some("Sehr geehrte Frau Müller,".into())
        );
        let ru = words("ru").unwrap();
        assert_eq!(ru.salutation_for("mr", "Иванов"), Some("Уважаемый господин Иванов!".into()));
        assert_eq!(words("fr").unwrap().salutation_for("dr", "Martin"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(words("en").unwrap().long_date(2018, 7, 27), "27 July 2018");
        assert_eq!(words("de").unwrap().long_date(2018, 7, 27), "27. Juli 2018");
        assert_eq!(words("ru").unwrap().long_date(2018, 7, 27), "27 июля 2018 г.");
    }
}
