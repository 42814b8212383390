//! The campaign file as written: serde types that mirror the TOML exactly.
//!
//! Every table denies unknown keys, so a typo is an error with a "did you
//! mean" hint rather than a silently ignored setting. Values that later checks
//! must point at keep their span (`Spanned`).

use serde::Deserialize;
use toml::Spanned;

/// The top-level keys of a campaign file.
pub const TOP_LEVEL: &[&str] = &["campaign", "sender", "letter", "recipient", "recipients"];

/// `[campaign]`: what this mailing is and how it is printed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    /// Short ASCII identifier; names the zip and its top folder.
    pub id: Spanned<String>,
    /// A human title, used as the PDF title.
    pub title: String,
    /// The date printed on the letter (a TOML date, `2018-07-27`).
    pub date: Spanned<toml::value::Datetime>,
    /// Language of the letter (`en`, `fr`, `de`, `es`, `ru`, `kk`).
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    /// Paper (`a4`).
    #[serde(default)]
    pub paper: Option<Spanned<String>>,
    /// Letter layout: a preset (`din5008-b`) or the campaign's own table.
    #[serde(default)]
    pub layout: Option<Spanned<Choice<RawLayout>>>,
    /// Envelope: a preset (`dl`), `none`, or the campaign's own size.
    #[serde(default)]
    pub envelope: Option<Spanned<Choice<RawEnvelope>>>,
    /// Print on both sides of the sheet (default `true`).
    #[serde(default)]
    pub duplex: Option<bool>,
    /// Paper weight in g/m², for the packet weights (default 80).
    #[serde(default)]
    pub paper_weight: Option<Spanned<f64>>,
    /// Language of the country line on international mail (`en` or `fr`).
    #[serde(default)]
    pub country_names: Option<Spanned<String>>,
    /// PDF standard of every PDF (`a-2b` for archiving).
    #[serde(default)]
    pub pdf_standard: Option<Spanned<String>>,
    /// Which form of a recipient's address is printed: `native` (as
    /// written, the city in Latin abroad) or `latin`.
    #[serde(default)]
    pub address_form: Option<Spanned<String>>,
    /// Packets per print file; larger campaigns get numbered parts.
    #[serde(default)]
    pub print_part_size: Option<Spanned<i64>>,
    /// Address-label sheet (`avery-l7160`, `avery-5160`), or `none`.
    #[serde(default)]
    pub labels: Option<Spanned<String>>,
}

/// A preset's name, or a table that defines one.
#[derive(Debug)]
pub enum Choice<T> {
    /// A preset by name.
    Name(String),
    /// The campaign's own definition.
    Table(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Choice<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Choice<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name or a table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Choice::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Choice::Table)
            }
        }
        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// A rectangle in millimetres: `{ x = 20, y = 45, w = 85, h = 45 }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRect {
    /// Left edge, from the left of the sheet.
    pub x: f64,
    /// Top edge, from the top of the sheet.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// `[campaign.layout]`: the campaign's own address field and folds, in mm.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLayout {
    /// The whole address field (return line and recipient zone).
    pub field: Spanned<RawRect>,
    /// Height of the return-address line at the top of the field (default 0).
    #[serde(default)]
    pub return_height: Option<Spanned<f64>>,
    /// Indent of the address text inside the field (default 1).
    #[serde(default)]
    pub indent: Option<Spanned<f64>>,
    /// Fold marks from the top of the sheet (none: the sheet goes flat).
    #[serde(default)]
    pub folds: Option<Spanned<Vec<f64>>>,
    /// The hole-punch mark from the top.
    #[serde(default)]
    pub hole: Option<Spanned<f64>>,
    /// The window envelope the field is drawn for.
    #[serde(default)]
    pub envelope: Option<Spanned<String>>,
}

/// `envelope = { w = 220, h = 110 }`: the campaign's own envelope, in mm.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnvelope {
    /// Long side.
    pub w: f64,
    /// Short side.
    pub h: f64,
    /// The recipient window, if any.
    #[serde(default)]
    pub window: Option<RawRect>,
    /// Sheets it holds (default 6).
    #[serde(default)]
    pub capacity: Option<usize>,
}

/// A postal address.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddress {
    /// Street lines: one string or a list.
    #[serde(default)]
    pub street: Lines,
    /// Postcode, as text.
    #[serde(default)]
    pub postcode: Option<Spanned<String>>,
    /// City or locality.
    #[serde(default)]
    pub city: Option<String>,
    /// Region, state, province, oblast.
    #[serde(default)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Spanned<String>,
    /// Free-form lines printed as written, instead of the structured fields
    /// (the country line rule still applies).
    #[serde(default)]
    pub lines: Option<Vec<String>>,
    /// The city in Latin script, for international mail to an address in
    /// another script (transliterated by a published standard when absent).
    #[serde(default)]
    pub city_latin: Option<String>,
    /// The address in Latin script (`[recipient.address.latin]`), printed
    /// with `address_form = "latin"`; its city also serves the native form.
    #[serde(default)]
    pub latin: Option<Spanned<RawLatin>>,
}

/// The Latin form of an address: the fields that have a script.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatin {
    /// Street lines.
    #[serde(default)]
    pub street: Lines,
    /// Postcode, where the Latin form writes it differently.
    #[serde(default)]
    pub postcode: Option<String>,
    /// City or locality.
    #[serde(default)]
    pub city: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Free-form lines, instead of the fields.
    #[serde(default)]
    pub lines: Option<Vec<String>>,
}

/// One string or a list of strings.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum Lines {
    /// Nothing given.
    #[default]
    None,
    /// A single line.
    One(String),
    /// Several lines.
    Many(Vec<String>),
}

impl Lines {
    /// The lines.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Lines::None => &[],
            Lines::One(line) => std::slice::from_ref(line),
            Lines::Many(lines) => lines,
        }
    }

    /// The lines as a list, leaving these in place.
    pub fn clone_lines(&self) -> Vec<String> {
        self.as_slice().to_vec()
    }

    /// The lines as a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Lines::None => vec![],
            Lines::One(line) => vec![line],
            Lines::Many(lines) => lines,
        }
    }
}

/// `[sender]`: who signs the letter and where undeliverable mail goes back to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSender {
    /// Full name.
    pub name: String,
    /// Title or role, printed under the signature.
    #[serde(default)]
    pub title: Option<String>,
    /// Organisation.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Postal address (the return address).
    pub address: RawAddress,
    /// Contact lines (telephone, e-mail, web), printed in the letterhead.
    #[serde(default)]
    pub contact: Vec<String>,
    /// A signature image (PNG, JPEG or SVG) next to the campaign file.
    #[serde(default)]
    pub signature: Option<Spanned<String>>,
}

/// A text, or one text per language (`{ en = "…", fr = "…" }`).
#[derive(Debug, Clone)]
pub enum Localized {
    /// The same for every language.
    One(String),
    /// Per language code.
    Many(std::collections::BTreeMap<String, Spanned<String>>),
}

// By hand rather than `untagged`: serde's untagged enums buffer the input and
// lose toml's spans, which the error messages need.
impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Localized;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a string, or a table of strings by language like { en = \"…\", fr = \"…\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Localized, E> {
                Ok(Localized::One(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Localized, A::Error> {
                let mut out = std::collections::BTreeMap::new();
                while let Some((lang, text)) = map.next_entry::<String, Spanned<String>>()? {
                    out.insert(lang, text);
                }
                Ok(Localized::Many(out))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `[letter]`: the text every recipient receives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLetter {
    /// The subject line (or one per language).
    pub subject: Spanned<Localized>,
    /// The body as Typst markup, inline.
    #[serde(default)]
    pub body: Option<Spanned<String>>,
    /// The body as a Typst file next to the campaign file (or one per language).
    #[serde(default)]
    pub body_file: Option<Spanned<Localized>>,
    /// The closing formula (`Yours sincerely,`), or one per language.
    #[serde(default)]
    pub closing: Option<Spanned<Localized>>,
    /// Copies to: one line per person.
    #[serde(default)]
    pub cc: Vec<String>,
    /// An enclosures line.
    #[serde(default)]
    pub enclosures: Option<String>,
}

/// `[[recipient]]`: one addressee, one packet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipient {
    /// A unique id; derived from the name when absent.
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    /// Full name, as it should be printed.
    #[serde(default)]
    pub name: Option<String>,
    /// Role or function (`Minister of Internal Affairs`).
    #[serde(default)]
    pub role: Option<String>,
    /// Organisation.
    #[serde(default)]
    pub organisation: Option<String>,
    /// The salutation (`Dear Minister,`); derived from honorific and family
    /// name, or a neutral one by language otherwise.
    #[serde(default)]
    pub salutation: Option<String>,
    /// Honorific for the derived salutation: `mr`, `ms`, `mrs`, `dr`, `prof`.
    #[serde(default)]
    pub honorific: Option<Spanned<String>>,
    /// Family name for the derived salutation.
    #[serde(default)]
    pub family_name: Option<String>,
    /// The recipient's language (default: the campaign's).
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    /// `"warn"` turns a postcode that does not match the country's pattern
    /// into a warning (the data is not always up to date).
    #[serde(default)]
    pub postcode_check: Option<Spanned<String>>,
    /// `native` or `latin`: which form of the address is printed (default:
    /// the campaign's).
    #[serde(default)]
    pub address_form: Option<Spanned<String>>,
    /// Postal address.
    pub address: RawAddress,
    /// Optional e-mail address (kept in recipients.csv, not printed).
    #[serde(default)]
    pub email: Option<String>,
    /// Optional telephone number (kept in recipients.csv, not printed).
    #[serde(default)]
    pub phone: Option<String>,
}

/// Where a campaign file can be parsed piece by piece: the text before the
/// first `[[recipient]]` table (`head`), then one range per `[[recipient]]`
/// table with its `[recipient.…]` sub-tables.
///
/// Parsed whole, a file of 10,000 recipients costs the toml crate ~60 MB at
/// once (its tokens, events and tree); parsed a recipient at a time it costs
/// the text and one recipient's tree. A file with any other table after the
/// first recipient, or a header the scan does not understand, is `None`
/// and gets parsed whole, so the result never differs from parsing the file
/// whole.
pub struct Pieces {
    /// End of the part before the first `[[recipient]]` table.
    pub head: usize,
    /// Each `[[recipient]]` table's range.
    pub recipients: Vec<std::ops::Range<usize>>,
}

/// Splits a campaign file at its top-level `[[recipient]]` headers (see
/// [`Pieces`]). The toml lexer tells strings and comments from headers; a
/// `[` that opens a line outside any value opens a header.
pub fn pieces(text: &str) -> Option<Pieces> {
    use toml_parser::lexer::TokenKind as K;
    let mut line_start = true;
    // Open brackets and braces of values (arrays, inline tables).
    let mut depth = 0usize;
    let mut header: Option<usize> = None;
    let mut head = None;
    let mut recipients: Vec<std::ops::Range<usize>> = vec![];
    for token in toml_parser::Source::new(text).lex() {
        let span = token.span();
        match token.kind() {
            K::Newline => {
                line_start = true;
                continue;
            }
            K::Whitespace if line_start => continue,
            K::LeftSquareBracket if line_start && depth == 0 && header.is_none() => {
                header = Some(span.start());
            }
            K::RightSquareBracket if header.is_some() && depth == 0 => {
                // The header ends at the first `]` (or `]]`) of its line.
                let start = header.take()?;
                let rest = &text[start..];
                let (array, name) = match rest.strip_prefix("[[") {
                    Some(inner) => (true, inner.split("]]").next()?),
                    None => (false, rest[1..].split(']').next()?),
                };
                let name = name.trim();
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
                    return None;
                }
                let is_recipient = array && name == "recipient";
                let of_recipient = name.starts_with("recipient.");
                match (head, is_recipient, of_recipient) {
                    (None, true, _) => {
                        head = Some(start);
                        recipients.push(start..text.len());
                    }
                    (None, false, true) => return None,
                    (None, false, false) => {}
                    (Some(_), true, _) => {
                        if let Some(last) = recipients.last_mut() {
                            last.end = start;
                        }
                        recipients.push(start..text.len());
                    }
                    (Some(_), false, true) => {}
                    (Some(_), false, false) => return None,
                }
                // Skip the rest of the header (the second `]` of `]]`).
                line_start = false;
                continue;
            }
            K::LeftSquareBracket | K::LeftCurlyBracket if header.is_none() => depth += 1,
            K::RightSquareBracket | K::RightCurlyBracket if header.is_none() => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        line_start = false;
    }
    Some(Pieces { head: head?, recipients })
}

/// A value parsed from a piece of the file, with its spans (and those of
/// everything in it) moved by `by` bytes, as if parsed from the whole file.
pub fn shifted<'i>(
    value: Spanned<toml::de::DeValue<'i>>,
    by: usize,
) -> Spanned<toml::de::DeValue<'i>> {
    use toml::de::{DeArray, DeTable, DeValue};
    let span = value.span();
    let span = span.start + by..span.end + by;
    let value = match value.into_inner() {
        DeValue::Array(items) => {
            DeValue::Array(items.into_iter().map(|v| shifted(v, by)).collect::<DeArray>())
        }
        DeValue::Table(table) => {
            let mut out = DeTable::new();
            for (key, v) in table {
                let k = key.span();
                out.insert(
                    Spanned::new(k.start + by..k.end + by, key.into_inner()),
                    shifted(v, by),
                );
            }
            DeValue::Table(out)
        }
        other => other,
    };
    Spanned::new(span, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Option<(String, Vec<String>)> {
        let p = pieces(text)?;
        let tables = p.recipients.iter().map(|r| text[r.clone()].to_string()).collect();
        Some((text[..p.head].to_string(), tables))
    }

    #[test]
    fn a_file_splits_before_each_recipient_table() {
        let text = "[campaign]\nid = \"x\"\n\n[[recipient]]\nname = \"A\"\n[recipient.address]\ncity = \"B\"\n  [[recipient]] # two\nname = \"C\"\n";
        let (head, tables) = split(text).unwrap();
        assert_eq!(head, "[campaign]\nid = \"x\"\n\n");
        assert_eq!(
            tables,
            [
                "[[recipient]]\nname = \"A\"\n[recipient.address]\ncity = \"B\"\n  ",
                "[[recipient]] # two\nname = \"C\"\n"
            ]
        );
    }

    #[test]
    fn headers_inside_strings_and_values_are_not_headers() {
        let text = "[letter]\nbody = \"\"\"\n[[recipient]]\n\"\"\"\nx = [\n[1],\n]\n[[recipient]]\nname = '''\n[[recipient]]\n'''\nn = [\n[2]]\n";
        let (head, tables) = split(text).unwrap();
        assert_eq!(head, "[letter]\nbody = \"\"\"\n[[recipient]]\n\"\"\"\nx = [\n[1],\n]\n");
        assert_eq!(tables, ["[[recipient]]\nname = '''\n[[recipient]]\n'''\nn = [\n[2]]\n"]);
    }

    #[test]
    fn files_the_split_could_change_are_parsed_whole() {
        // Another table after the first recipient.
        assert!(split("[[recipient]]\nname = \"A\"\n[sender]\nname = \"B\"\n").is_none());
        // A recipient sub-table before the first recipient.
        assert!(split("[recipient.address]\ncity = \"B\"\n[[recipient]]\n").is_none());
        // A quoted header name.
        assert!(split("[[recipient]]\n[\"recipient\".address]\n").is_none());
        // No recipient tables at all.
        assert!(split("[campaign]\nid = \"x\"\n").is_none());
    }

    /// The error fixtures that show both ways of reading give the same
    /// messages really take both ways.
    #[test]
    fn the_error_fixtures_take_the_path_their_names_say() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/errors");
        let split = std::fs::read_to_string(format!("{dir}/split-recipients/campaign.toml"));
        let p = pieces(&split.unwrap()).expect("split-recipients is read piece by piece");
        assert_eq!(p.recipients.len(), 3);
        let whole = std::fs::read_to_string(format!("{dir}/table-after-recipients/campaign.toml"));
        assert!(pieces(&whole.unwrap()).is_none(), "table-after-recipients is read whole");
    }

    #[test]
    fn shifted_values_point_into_the_whole_file() {
        let text = "[campaign]\n[[recipient]]\nname = \"A\"\naddress = { city = \"B\" }\n";
        let p = pieces(text).unwrap();
        let range = p.recipients[0].clone();
        let (piece, errors) = toml::de::DeTable::parse_recoverable(&text[range.clone()]);
        assert!(errors.is_empty());
        let (_, value) = piece.into_inner().into_iter().next().unwrap();
        let value = shifted(value, range.start);
        let table = &value.get_ref().as_array().unwrap()[0];
        let address = table.get_ref().as_table().unwrap().get("address").unwrap();
        let city = address.get_ref().as_table().unwrap().get("city").unwrap();
        assert_eq!(&text[city.span()], "\"B\"");
    }
}
