//! The campaign file as written: serde types that mirror the TOML exactly.
//!
//! Every table denies unknown keys, so a typo is an error with a "did you
//! mean" hint rather than a silently ignored setting. Values that later checks
//! must point at keep their span (`Spanned`).

use serde::Deserialize;
use toml::Spanned;

/// The top-level keys of a campaign file.
pub const TOP_LEVEL: &[&str] = &["campaign", "sender", "letter", "recipient"];

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
    /// Letter layout (`din5008-b`).
    #[serde(default)]
    pub layout: Option<Spanned<String>>,
    /// Envelope (`dl`).
    #[serde(default)]
    pub envelope: Option<Spanned<String>>,
    /// Language of the country line on international mail (`en` or `fr`).
    #[serde(default)]
    pub country_names: Option<Spanned<String>>,
    /// PDF standard of every PDF (`a-2b` for archiving).
    #[serde(default)]
    pub pdf_standard: Option<Spanned<String>>,
    /// Packets per print file; larger campaigns get numbered parts.
    #[serde(default)]
    pub print_part_size: Option<Spanned<i64>>,
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

/// `[letter]`: the text every recipient receives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLetter {
    /// The subject line.
    pub subject: String,
    /// The body as Typst markup, inline.
    #[serde(default)]
    pub body: Option<Spanned<String>>,
    /// The body as a Typst file next to the campaign file.
    #[serde(default)]
    pub body_file: Option<Spanned<String>>,
    /// The closing formula (`Yours sincerely,`).
    #[serde(default)]
    pub closing: Option<String>,
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
    /// The salutation (`Dear Minister,`); a neutral one by language otherwise.
    #[serde(default)]
    pub salutation: Option<String>,
    /// Postal address.
    pub address: RawAddress,
    /// Optional e-mail address (kept in recipients.csv, not printed).
    #[serde(default)]
    pub email: Option<String>,
    /// Optional telephone number (kept in recipients.csv, not printed).
    #[serde(default)]
    pub phone: Option<String>,
}
