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

/// An office with a conventional form of address (`Dear Ambassador,`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Office {
    /// Ambassador.
    Ambassador,
    /// Minister (not a deputy or vice-minister).
    Minister,
    /// Prime Minister.
    PrimeMinister,
    /// President (of a state, a court, a parliament, an assembly).
    President,
    /// Mayor.
    Mayor,
    /// Senator.
    Senator,
    /// Governor.
    Governor,
    /// Judge.
    Judge,
    /// Professor.
    Professor,
}

/// A gender, where a language's form of address needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Mr, Herr, Monsieur, господин, мырза.
    Male,
    /// Ms, Frau, Madame, госпожа, ханым.
    Female,
}

use Gender::{Female, Male};
use Office::*;

/// The words that name an office at the start of a role, lower case, in the
/// languages letterpress writes (a role is often written in the language of
/// the address, not of the letter). A feminine word gives the gender.
const OFFICE_WORDS: &[(&str, Office, Option<Gender>)] = &[
    ("prime minister", PrimeMinister, None),
    ("premier ministre", PrimeMinister, Some(Male)),
    ("première ministre", PrimeMinister, Some(Female)),
    ("ambassador", Ambassador, None),
    ("ambassadeur", Ambassador, Some(Male)),
    ("ambassadrice", Ambassador, Some(Female)),
    ("botschafter", Ambassador, Some(Male)),
    ("botschafterin", Ambassador, Some(Female)),
    ("embajador", Ambassador, Some(Male)),
    ("embajadora", Ambassador, Some(Female)),
    ("посол", Ambassador, None),
    ("елші", Ambassador, None),
    ("minister", Minister, None),
    ("ministre", Minister, None),
    ("ministerin", Minister, Some(Female)),
    ("ministro", Minister, Some(Male)),
    ("ministra", Minister, Some(Female)),
    ("министр", Minister, None),
    ("president", President, None),
    ("président", President, Some(Male)),
    ("présidente", President, Some(Female)),
    ("präsident", President, Some(Male)),
    ("präsidentin", President, Some(Female)),
    ("presidente", President, None),
    ("presidenta", President, Some(Female)),
    ("президент", President, None),
    ("mayor", Mayor, None),
    ("maire", Mayor, None),
    ("bürgermeister", Mayor, Some(Male)),
    ("bürgermeisterin", Mayor, Some(Female)),
    ("alcalde", Mayor, Some(Male)),
    ("alcaldesa", Mayor, Some(Female)),
    ("senator", Senator, None),
    ("sénateur", Senator, Some(Male)),
    ("sénatrice", Senator, Some(Female)),
    ("governor", Governor, None),
    ("judge", Judge, None),
    ("juge", Judge, None),
    ("professor", Professor, None),
    ("professorin", Professor, Some(Female)),
    ("professeur", Professor, None),
    ("professeure", Professor, Some(Female)),
];

/// Kazakh puts the office last, in the possessive (`… Ішкі істер министрі`).
const OFFICE_WORDS_LAST_KK: &[(&str, Office)] =
    &[("министрі", Minister), ("елшісі", Ambassador), ("президенті", President)];

/// The office a role names, if it names one: the role starts with an office
/// word followed by a space, a comma or nothing ("Minister of Justice",
/// "Ambassadeur de France"), or, in Kazakh, ends with one. A word before the
/// office ("Deputy Minister", "Vice-President", "Former Ambassador") or joined
/// to it ("Minister-Counsellor") names another office: no match.
pub fn office(role: &str) -> Option<(Office, Option<Gender>)> {
    let role = role.trim().to_lowercase();
    let role = role.strip_prefix("the ").unwrap_or(&role);
    let first = OFFICE_WORDS.iter().find(|(word, _, _)| {
        role.strip_prefix(word).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ',']))
    });
    if let Some((_, office, gender)) = first {
        return Some((*office, *gender));
    }
    let last = role.split_whitespace().last()?;
    OFFICE_WORDS_LAST_KK.iter().find(|(word, _)| *word == last).map(|(_, office)| (*office, None))
}

/// The gender an honorific gives.
pub fn gender_of(honorific: &str) -> Option<Gender> {
    match honorific.to_lowercase().trim_end_matches('.') {
        "mr" => Some(Male),
        "ms" | "mrs" => Some(Female),
        _ => None,
    }
}

impl Words {
    /// The conventional salutation for an office in this language, if the
    /// language has one and what it needs is known (the gender in most
    /// languages; the family name for "Dear Senator Smith,").
    pub fn office_salutation(
        &self,
        office: Office,
        gender: Option<Gender>,
        family: &str,
    ) -> Option<String> {
        let family = family.trim();
        let named = |form: &str| (!family.is_empty()).then(|| format!("{form} {family},"));
        let by_gender = |male: &str, female: &str| {
            gender.map(|g| if g == Male { male.to_string() } else { female.to_string() })
        };
        match (self.code, office) {
            ("en", Ambassador) => Some("Dear Ambassador,".into()),
            ("en", Minister) => Some("Dear Minister,".into()),
            ("en", PrimeMinister) => Some("Dear Prime Minister,".into()),
            ("en", President) => by_gender("Dear Mr President,", "Dear Madam President,"),
            ("en", Mayor) => named("Dear Mayor"),
            ("en", Senator) => named("Dear Senator"),
            ("en", Governor) => named("Dear Governor"),
            ("en", Judge) => named("Dear Judge"),
            ("en", Professor) => named("Dear Professor"),
            ("fr", Ambassador) => by_gender("Monsieur l’Ambassadeur,", "Madame l’Ambassadrice,"),
            ("fr", Minister) => by_gender("Monsieur le Ministre,", "Madame la Ministre,"),
            ("fr", PrimeMinister) => {
                by_gender("Monsieur le Premier ministre,", "Madame la Première ministre,")
            }
            ("fr", President) => by_gender("Monsieur le Président,", "Madame la Présidente,"),
            ("fr", Mayor) => by_gender("Monsieur le Maire,", "Madame la Maire,"),
            ("fr", Senator) => by_gender("Monsieur le Sénateur,", "Madame la Sénatrice,"),
            ("fr", Judge) => by_gender("Monsieur le Juge,", "Madame la Juge,"),
            ("fr", Professor) => by_gender("Monsieur le Professeur,", "Madame la Professeure,"),
            ("de", Ambassador) => {
                by_gender("Sehr geehrter Herr Botschafter,", "Sehr geehrte Frau Botschafterin,")
            }
            ("de", Minister) => {
                by_gender("Sehr geehrter Herr Minister,", "Sehr geehrte Frau Ministerin,")
            }
            ("de", President) => {
                by_gender("Sehr geehrter Herr Präsident,", "Sehr geehrte Frau Präsidentin,")
            }
            ("de", Mayor) => {
                by_gender("Sehr geehrter Herr Bürgermeister,", "Sehr geehrte Frau Bürgermeisterin,")
            }
            ("de", Professor) if !family.is_empty() => by_gender(
                &format!("Sehr geehrter Herr Professor {family},"),
                &format!("Sehr geehrte Frau Professorin {family},"),
            ),
            ("es", Ambassador) => {
                by_gender("Estimado Señor Embajador:", "Estimada Señora Embajadora:")
            }
            ("es", Minister) => by_gender("Estimado Señor Ministro:", "Estimada Señora Ministra:"),
            ("es", President) => {
                by_gender("Estimado Señor Presidente:", "Estimada Señora Presidenta:")
            }
            ("es", Mayor) => by_gender("Estimado Señor Alcalde:", "Estimada Señora Alcaldesa:"),
            ("ru", Ambassador) => {
                by_gender("Уважаемый господин Посол!", "Уважаемая госпожа Посол!")
            }
            ("ru", Minister) => {
                by_gender("Уважаемый господин Министр!", "Уважаемая госпожа Министр!")
            }
            ("ru", President) => {
                by_gender("Уважаемый господин Президент!", "Уважаемая госпожа Президент!")
            }
            ("kk", Ambassador) => by_gender("Құрметті Елші мырза!", "Құрметті Елші ханым!"),
            ("kk", Minister) => by_gender("Құрметті Министр мырза!", "Құрметті Министр ханым!"),
            ("kk", President) => {
                by_gender("Құрметті Президент мырза!", "Құрметті Президент ханым!")
            }
            _ => None,
        }
    }

    /// The salutation a recipient without one gets: by office when the role
    /// names one the language has a form for, else by honorific and family
    /// name, else the language's neutral one.
    pub fn derived_salutation(
        &self,
        role: Option<&str>,
        honorific: Option<&str>,
        family: &str,
    ) -> String {
        let by_office = role.and_then(office).and_then(|(office, gender)| {
            let gender = honorific.and_then(gender_of).or(gender);
            self.office_salutation(office, gender, family)
        });
        by_office
            .or_else(|| honorific.and_then(|h| self.salutation_for(h, family)))
            .unwrap_or_else(|| self.salutation.to_string())
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
    fn offices_are_read_from_the_start_of_a_role() {
        assert_eq!(office("Minister of Justice"), Some((Minister, None)));
        assert_eq!(office("The Ambassador of France"), Some((Ambassador, None)));
        assert_eq!(office("Ambassadrice de France"), Some((Ambassador, Some(Female))));
        assert_eq!(office("Prime Minister"), Some((PrimeMinister, None)));
        assert_eq!(office("Министр иностранных дел"), Some((Minister, None)));
        assert_eq!(office("Қазақстан Республикасының Ішкі істер министрі"), Some((Minister, None)));
        // Another office that contains the word.
        assert_eq!(office("Deputy Minister of Justice"), None);
        assert_eq!(office("Vice-President of the Court"), None);
        assert_eq!(office("Minister-Counsellor"), None);
        assert_eq!(office("Ministerialrat"), None);
        assert_eq!(office("Prosecutor General"), None);
        assert_eq!(office("Head of the EU Delegation to Kazakhstan"), None);
    }

    #[test]
    fn role_salutations_by_language() {
        let say = |lang: &str, role: &str, honorific: Option<&str>, family: &str| {
            words(lang).unwrap().derived_salutation(Some(role), honorific, family)
        };
        assert_eq!(
            say("en", "Ambassador of Kazakhstan", Some("mr"), "Khamzayev"),
            "Dear Ambassador,"
        );
        assert_eq!(say("en", "Minister of Justice", None, "Smith"), "Dear Minister,");
        assert_eq!(
            say("en", "President of the Court", Some("ms"), "Smith"),
            "Dear Madam President,"
        );
        assert_eq!(say("en", "Senator for Ohio", None, "Brown"), "Dear Senator Brown,");
        assert_eq!(say("en", "Professor of Law", Some("dr"), "Weiss"), "Dear Professor Weiss,");
        assert_eq!(say("fr", "Ambassadrice de France", None, "Martin"), "Madame l’Ambassadrice,");
        assert_eq!(
            say("fr", "Ministre de la Justice", Some("mr"), "Martin"),
            "Monsieur le Ministre,"
        );
        assert_eq!(say("fr", "Minister of Justice", Some("ms"), "Martin"), "Madame la Ministre,");
        assert_eq!(
            say("de", "Botschafter", Some("mr"), "Müller"),
            "Sehr geehrter Herr Botschafter,"
        );
        assert_eq!(
            say("de", "Ministerin der Justiz", None, "Müller"),
            "Sehr geehrte Frau Ministerin,"
        );
        assert_eq!(say("es", "Embajador de España", None, "García"), "Estimado Señor Embajador:");
        assert_eq!(
            say("ru", "Посол Казахстана", Some("mr"), "Иванов"),
            "Уважаемый господин Посол!"
        );
        assert_eq!(say("kk", "Министр", Some("ms"), "Қасымова"), "Құрметті Министр ханым!");
        // The honorific's gender wins over the role word's.
        assert_eq!(
            say("de", "Botschafter", Some("ms"), "Müller"),
            "Sehr geehrte Frau Botschafterin,"
        );
    }

    #[test]
    fn without_a_form_the_honorific_then_the_neutral_one() {
        let de = words("de").unwrap();
        // German needs the gender: no honorific, no office form.
        assert_eq!(
            de.derived_salutation(Some("Minister des Innern"), None, "Müller"),
            "Sehr geehrte Damen und Herren,"
        );
        // No office: honorific and family name.
        assert_eq!(
            de.derived_salutation(Some("Staatssekretärin"), Some("ms"), "Müller"),
            "Sehr geehrte Frau Müller,"
        );
        // Russian has no form for a judge: the honorific form.
        let ru = words("ru").unwrap();
        assert_eq!(
            ru.derived_salutation(Some("Judge of the Supreme Court"), Some("mr"), "Иванов"),
            "Уважаемый господин Иванов!"
        );
        // "Dear Senator ," never: without a family name the neutral one.
        let en = words("en").unwrap();
        assert_eq!(en.derived_salutation(Some("Senator"), None, ""), "Dear Sir or Madam,");
        assert_eq!(en.derived_salutation(None, None, "Smith"), "Dear Sir or Madam,");
    }

    #[test]
    fn dates() {
        assert_eq!(words("en").unwrap().long_date(2018, 7, 27), "27 July 2018");
        assert_eq!(words("de").unwrap().long_date(2018, 7, 27), "27. Juli 2018");
        assert_eq!(words("ru").unwrap().long_date(2018, 7, 27), "27 июля 2018 г.");
    }
}
