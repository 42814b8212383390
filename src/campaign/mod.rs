//! Loading a campaign: the TOML file (and the files it names) into a checked
//! [`Campaign`], with every problem reported at once and pointed at its line.

pub mod geometry;
pub mod lang;
mod numfmt;
mod sheet;
pub mod source;
pub mod syntax;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diag::{Diag, DiagResult, SourceFile, did_you_mean};
use crate::postal::address::{self, Country, Parts};
use crate::postal::labels::{self as label_sheets, LabelSheet};
use crate::postal::translit;
use crate::postal::{self, Envelope, Layout, Paper};
use crate::sandbox;
use lang::Words;
use syntax::{Localized, RawAddress, RawLetter, RawMeta, RawRecipient, RawSender, TOP_LEVEL};

/// A campaign that passed every check that needs no typesetting.
#[derive(Debug)]
pub struct Campaign {
    /// The campaign file as given on the command line.
    pub path: PathBuf,
    /// The campaign's folder (canonical): the root for every file it names.
    pub dir: PathBuf,
    /// The campaign file's text, for diagnostics.
    pub file: Arc<SourceFile>,
    /// Identifier; names the zip.
    pub id: String,
    /// Title (PDF metadata).
    pub title: String,
    /// Date of the letter (year, month, day).
    pub date: (u16, u8, u8),
    /// The letter's language.
    pub words: &'static Words,
    /// Paper.
    pub paper: &'static Paper,
    /// Where the address field sits.
    pub layout: Layout,
    /// The envelope (for `envelope = "none"`: the layout's window envelope).
    pub envelope: Envelope,
    /// Whether a plain envelope PDF is printed per packet.
    pub print_envelopes: bool,
    /// Print on both sides of the sheet.
    pub duplex: bool,
    /// Paper weight in g/m².
    pub paper_weight: f64,
    /// Print the country line in French instead of English.
    pub french_country_names: bool,
    /// Packets per print file (`print/letters-001.pdf`, …).
    pub print_part_size: usize,
    /// PDF standard (`a-2b`), if one is asked for.
    pub pdf_standard: Option<String>,
    /// Address-label sheet, if labels are asked for (`print/labels.pdf`).
    pub labels: Option<&'static LabelSheet>,
    /// Who sends.
    pub sender: Sender,
    /// What is sent.
    pub letter: Letter,
    /// To whom, in campaign order.
    pub recipients: Vec<Recipient>,
    /// Every input file as read, campaign file first (path relative to `dir`).
    pub inputs: Vec<Input>,
    /// Warnings found while loading (a transliterated city, a lenient postcode).
    pub warnings: Vec<Diag>,
}

/// An input file, kept byte for byte for the archive.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path relative to the campaign folder, `/` separated.
    pub rel: String,
    data: InputData,
}

/// An input's bytes. The campaign file's are its text (which diagnostics
/// point into), not a second copy: a campaign of 10,000 recipients is 2.5 MB.
#[derive(Debug, Clone)]
enum InputData {
    Read(Vec<u8>),
    Text { file: Arc<SourceFile>, bom: bool },
}

impl Input {
    /// The bytes as read.
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        use std::borrow::Cow;
        match &self.data {
            InputData::Read(bytes) => Cow::Borrowed(bytes),
            InputData::Text { file, bom: false } => Cow::Borrowed(file.text.as_bytes()),
            InputData::Text { file, bom: true } => {
                Cow::Owned(["\u{feff}".as_bytes(), file.text.as_bytes()].concat())
            }
        }
    }
}

/// The sender, checked.
#[derive(Debug)]
pub struct Sender {
    /// Full name.
    pub name: String,
    /// Title or role.
    pub title: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Address lines as printed in the letterhead (domestic form).
    pub address_lines: Vec<String>,
    /// Contact lines.
    pub contact: Vec<String>,
    /// Campaign-relative path of the signature image.
    pub signature: Option<String>,
    /// The sender's country: decides which mail is international.
    pub country: &'static Country,
}

/// The letter text, checked.
#[derive(Debug)]
pub struct Letter {
    /// Subject line, by language (`""` for every language).
    pub subject: Texts,
    /// The body markup, by language (`""` for every language).
    pub bodies: BTreeMap<String, Body>,
    /// Closing formula, by language; empty for the language's default.
    pub closing: Texts,
    /// Copies to.
    pub cc: Vec<String>,
    /// Enclosures line.
    pub enclosures: Option<String>,
}

impl Letter {
    /// The body for a language.
    pub fn body(&self, lang: &str) -> Option<&Body> {
        self.bodies.get(lang).or_else(|| self.bodies.get(""))
    }
}

/// A text that may differ by language; the key `""` serves every language.
#[derive(Debug, Clone, Default)]
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    /// The text for a language.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).or_else(|| self.0.get("")).map(String::as_str)
    }
}

/// The letter body: Typst markup from a file or from the campaign file.
#[derive(Debug)]
pub struct Body {
    /// Campaign-relative path under which Typst sees it.
    pub rel: String,
    /// The markup.
    pub text: String,
    /// For an inline body: where its text starts in the campaign file, when
    /// the TOML string maps byte for byte (a literal string without escapes).
    pub inline_offset: Option<usize>,
    /// Whether the body is written inline in the campaign file.
    pub inline: bool,
}

/// One recipient, checked.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// Position in the campaign, from 1.
    pub number: usize,
    /// Its texts (see the methods that read them), in one string.
    texts: Packed,
    /// The recipient's language.
    pub words: &'static Words,
    /// The address as printed: destination format, country line if abroad.
    pub address_lines: address::Lines,
    /// Destination country.
    pub country: &'static Country,
    /// Where the recipient is: its table in the campaign file, or its row in
    /// the recipients file.
    pub span: Range<usize>,
    /// The file `span` points into.
    pub source: Arc<SourceFile>,
    /// Columns of a recipients file that no field maps (for the body).
    pub extra: BTreeMap<String, String>,
}

/// The texts of a recipient in one allocation: a build holds every recipient
/// until the end, and eight strings of their own cost about twice their text
/// (see `ARCHITECTURE.md`, memory).
#[derive(Debug, Clone)]
struct Packed {
    text: Box<str>,
    /// Where each text ends in `text`; `None` where it was not given.
    ends: [Option<u32>; TEXTS],
}

/// The texts of [`Packed`], in order.
const TEXTS: usize = 8;
const ID: usize = 0;
const FOLDER: usize = 1;
const NAME: usize = 2;
const ROLE: usize = 3;
const ORGANISATION: usize = 4;
const SALUTATION: usize = 5;
const EMAIL: usize = 6;
const PHONE: usize = 7;

impl Packed {
    /// Packs the texts; `None` if they are longer than 4 GiB together.
    fn new(texts: [Option<&str>; TEXTS]) -> Option<Self> {
        let mut text = String::with_capacity(texts.iter().flatten().map(|t| t.len()).sum());
        let mut ends = [None; TEXTS];
        for (end, given) in ends.iter_mut().zip(texts) {
            if let Some(given) = given {
                text.push_str(given);
                *end = Some(u32::try_from(text.len()).ok()?);
            }
        }
        Some(Self { text: text.into_boxed_str(), ends })
    }

    fn get(&self, k: usize) -> Option<&str> {
        let start = self.ends[..k].iter().rev().flatten().next().copied().unwrap_or(0);
        self.ends[k].map(|end| self.text.get(start as usize..end as usize).unwrap_or_default())
    }
}

impl Recipient {
    /// Unique id (given or derived).
    pub fn id(&self) -> &str {
        self.texts.get(ID).unwrap_or_default()
    }

    /// The packet's folder name in the zip: `NNN-slug`.
    pub fn folder(&self) -> &str {
        self.texts.get(FOLDER).unwrap_or_default()
    }

    /// Full name.
    pub fn name(&self) -> Option<&str> {
        self.texts.get(NAME)
    }

    /// Role or function.
    pub fn role(&self) -> Option<&str> {
        self.texts.get(ROLE)
    }

    /// Organisation.
    pub fn organisation(&self) -> Option<&str> {
        self.texts.get(ORGANISATION)
    }

    /// Salutation (given, derived, or the language's neutral one).
    pub fn salutation(&self) -> &str {
        self.texts.get(SALUTATION).unwrap_or_default()
    }

    /// E-mail (not printed).
    pub fn email(&self) -> Option<&str> {
        self.texts.get(EMAIL)
    }

    /// Telephone (not printed).
    pub fn phone(&self) -> Option<&str> {
        self.texts.get(PHONE)
    }

    /// How diagnostics name this recipient.
    pub fn label(&self) -> String {
        let who = self.name().or(self.organisation()).unwrap_or("");
        format!("#{} `{}` ({who})", self.number, self.id())
    }
}

/// A recipient before checking, with where it came from.
struct Item {
    raw: RawRecipient,
    /// Position in the campaign, from 1: the `[[recipient]]` tables first
    /// (counting those that failed to deserialize), then the file's rows.
    number: usize,
    span: Range<usize>,
    /// The recipients file, for a row of one.
    file: Option<Arc<SourceFile>>,
    /// The row number in that file.
    row: usize,
    extra: BTreeMap<String, String>,
    /// The column of each field, for a row of a recipients file.
    columns: BTreeMap<&'static str, String>,
}

impl Item {
    fn toml(raw: RawRecipient, span: Range<usize>, number: usize) -> Self {
        let (extra, columns) = (BTreeMap::new(), BTreeMap::new());
        Self { raw, number, span, file: None, row: 0, extra, columns }
    }
}

/// How diagnostics name a recipient: its number and name, and for a row of
/// a recipients file the row and the column a field came from.
struct Who {
    base: String,
    columns: BTreeMap<&'static str, String>,
}

impl Who {
    /// The recipient, with the column of `field` if it came from one.
    fn at(&self, field: &str) -> String {
        match self.columns.get(field) {
            Some(column) => format!("{}, {column}", self.base),
            None => self.base.clone(),
        }
    }
}

/// Choices from the command line that override the campaign file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--paper`.
    pub paper: Option<String>,
    /// `--layout`.
    pub layout: Option<String>,
    /// `--envelope`.
    pub envelope: Option<String>,
    /// `--pdf-standard`.
    pub pdf_standard: Option<String>,
    /// `--labels` (`none` turns the campaign's labels off).
    pub labels: Option<String>,
    /// `--simplex` (`Some(false)`).
    pub duplex: Option<bool>,
}

/// The PDF standards Typst can write, by the names Typst uses.
pub const PDF_STANDARDS: &[&str] = &[
    "1.4", "1.5", "1.6", "1.7", "2.0", "a-1b", "a-1a", "a-2b", "a-2u", "a-2a", "a-3b", "a-3u",
    "a-3a", "a-4", "a-4f", "a-4e", "ua-1",
];

/// Reads and checks a campaign file and every file it names.
pub fn load(path: &Path, overrides: &Overrides) -> DiagResult<Campaign> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| {
        vec![Diag::error(format!("failed to read campaign file `{name}` ({err})"))]
    })?;
    let bom = bytes.starts_with("\u{feff}".as_bytes());
    let text = match String::from_utf8(bytes) {
        Ok(text) if bom => text["\u{feff}".len()..].to_string(),
        Ok(text) => text,
        Err(err) => {
            let (line, col) = byte_line_col(err.as_bytes(), err.utf8_error().valid_up_to());
            return Err(vec![
                Diag::error(format!(
                    "campaign file `{name}` is not valid UTF-8 (line {line}, column {col})"
                ))
                .hint("save the file as UTF-8"),
            ]);
        }
    };
    let dir = path
        .parent()
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
        .unwrap_or(Path::new("."))
        .canonicalize()
        .map_err(|err| {
            vec![Diag::error(format!("failed to open the folder of `{name}` ({err})"))]
        })?;
    let file = Arc::new(SourceFile { name, text });
    let rel = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let input = Input { rel, data: InputData::Text { file: file.clone(), bom } };
    let mut loader = Loader { file: file.clone(), dir, diags: vec![], inputs: vec![input] };
    let campaign = loader.campaign(path, overrides);
    match campaign {
        Some(campaign) if !loader.diags.iter().any(Diag::is_error) => Ok(campaign),
        _ => Err(loader.diags),
    }
}

/// Line and column of a byte offset in bytes that may not be UTF-8.
fn byte_line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

/// What the recipients checked so far took: ids, derived ids, addresses.
type Seen<'a> = (
    &'a mut HashMap<String, Range<usize>>,
    &'a mut HashMap<String, usize>,
    &'a mut HashMap<String, (usize, String)>,
);

/// The state of one load: the file, and the problems found so far.
struct Loader {
    file: Arc<SourceFile>,
    dir: PathBuf,
    diags: Vec<Diag>,
    inputs: Vec<Input>,
}

impl Loader {
    /// Records an error at a span of the campaign file.
    fn error(&mut self, message: impl Into<String>, span: Range<usize>) -> &mut Diag {
        self.diags.push(Diag::error(message).at(&self.file, span));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn campaign(&mut self, path: &Path, overrides: &Overrides) -> Option<Campaign> {
        let file = self.file.clone();
        let text = file.text.as_str();
        // A large file is parsed one `[[recipient]]` table at a time, and
        // each is deserialized before the next is parsed (see
        // `syntax::pieces`); anything else is parsed whole.
        let pieces = syntax::pieces(text);
        let head = pieces.as_ref().map_or(text.len(), |p| p.head);
        let (mut root, mut errors) = DeTable::parse_recoverable(&text[..head]);
        let mut tables: &[Range<usize>] = pieces.as_ref().map_or(&[], |p| &p.recipients);
        if !tables.is_empty() && root.get_ref().contains_key("recipient") {
            // `recipient` given before the first table: let the parser judge.
            (root, errors) = DeTable::parse_recoverable(text);
            tables = &[];
        }
        for err in errors {
            self.toml_error(&err, None, 0);
        }
        let root = root.into_inner();
        let mut raw_recipients = vec![];
        let mut later = vec![];
        let mut counted = 0;
        for range in tables {
            let (piece, errors) = DeTable::parse_recoverable(&text[range.clone()]);
            for err in &errors {
                self.toml_error(err, None, range.start);
            }
            if !errors.is_empty() || !self.diags.is_empty() {
                continue;
            }
            for (key, value) in piece.into_inner() {
                if key.get_ref() == "recipient" {
                    let value = syntax::shifted(value, range.start);
                    raw_recipients.extend(self.recipient_tables(&value, &mut counted, &mut later));
                }
            }
        }
        if !self.diags.is_empty() {
            return None;
        }
        for (key, _) in root.iter() {
            if !TOP_LEVEL.contains(&key.get_ref().as_ref()) {
                let key_name = key.get_ref().to_string();
                let hint = did_you_mean(&key_name, TOP_LEVEL.iter().copied());
                let diag = self.error(format!("unknown table `{key_name}`"), key.span());
                if let Some(loc) = diag.primary.as_mut() {
                    loc.label = "not a campaign section".into();
                }
                if let Some(hint) = hint {
                    *diag = diag.clone().hint(format!("did you mean `{hint}`?"));
                }
            }
        }
        let meta: Option<RawMeta> = self.section(&root, "campaign");
        let sender: Option<RawSender> = self.section(&root, "sender");
        if let (Some(raw), Some((key, _))) = (&sender, root.get_key_value("sender")) {
            self.sender_texts(raw, key.span());
        }
        let letter: Option<RawLetter> = self.section(&root, "letter");
        // Parsed whole: the tables are in the root.
        if let Some(value) = root.get("recipient") {
            raw_recipients = self.recipient_tables(value, &mut counted, &mut later);
        }
        self.diags.append(&mut later);
        let mut recipients: Vec<Item> =
            raw_recipients.into_iter().map(|(raw, span, n)| Item::toml(raw, span, n)).collect();
        for (k, mut item) in self.file_recipients(&root).into_iter().enumerate() {
            item.number = counted + k + 1;
            recipients.push(item);
        }
        if recipients.is_empty() && self.diags.is_empty() {
            self.diags.push(
                Diag::error(format!("campaign file `{}` has no recipients", self.file.name))
                    .hint("add one `[[recipient]]` table per addressee, or a `[recipients]` table naming a CSV or JSON file"),
            );
        }

        let meta = self.meta(meta?, overrides);
        let sender = self.sender(sender?);
        let letter = self.letter(letter?);
        let (meta, sender, letter) = (meta?, sender?, letter?);
        let recipients = self.check_recipients(recipients, &sender, &letter, &meta);
        Some(Campaign {
            path: path.to_path_buf(),
            dir: self.dir.clone(),
            file: self.file.clone(),
            id: meta.id,
            title: meta.title,
            date: meta.date,
            words: meta.words,
            paper: meta.paper,
            layout: meta.layout,
            envelope: meta.envelope.envelope,
            print_envelopes: meta.envelope.print,
            duplex: meta.duplex,
            paper_weight: meta.paper_weight,
            french_country_names: meta.french,
            print_part_size: meta.print_part_size,
            pdf_standard: meta.pdf_standard,
            labels: meta.labels,
            sender,
            letter,
            recipients,
            inputs: std::mem::take(&mut self.inputs),
            // Merged now: a large campaign repeats the same warning for
            // thousands of recipients.
            warnings: crate::diag::dedupe(
                self.diags.iter().filter(|d| !d.is_error()).cloned().collect(),
            ),
        })
    }

    /// Turns a TOML or serde error into a diagnostic, with hints where we can
    /// guess what was meant.
    fn toml_error(&mut self, err: &toml::de::Error, who: Option<&str>, offset: usize) {
        let diag = self.toml_diag(err, who, offset);
        self.diags.push(diag);
    }

    /// A TOML or serde error at `offset` bytes into the campaign file, as a
    /// diagnostic.
    fn toml_diag(&self, err: &toml::de::Error, who: Option<&str>, offset: usize) -> Diag {
        let span = err.span().map_or(0..0, |s| s.start + offset..s.end + offset);
        let message = plain_types(err.message().trim());
        let mut diag = Diag::error(first_line(&message).to_string()).at(&self.file, span);
        if let Some(who) = who {
            diag = diag.recipient(who);
        }
        if let Some((field, expected)) = unknown_field(&message) {
            if let Some(best) = did_you_mean(field, expected.iter().map(String::as_str)) {
                diag = diag.hint(format!("did you mean `{best}`?"));
            } else if !expected.is_empty() {
                diag = diag.hint(format!("expected one of {}", expected.join(", ")));
            }
        } else if message.contains("invalid type: integer")
            || message.contains("invalid type: floating")
        {
            diag =
                diag.hint("write text in quotes, e.g. postcode = \"01234\", so no digit is lost");
        }
        diag
    }

    /// Deserializes one top-level table.
    fn section<T: for<'de> Deserialize<'de>>(&mut self, root: &DeTable, key: &str) -> Option<T> {
        let Some(value) = root.get(key) else {
            self.diags.push(Diag::error(format!(
                "campaign file `{}` has no `[{key}]` table",
                self.file.name
            )));
            return None;
        };
        if !value.get_ref().is_table() {
            self.error(format!("`{key}` must be a table"), value.span());
            return None;
        }
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(section) => Some(section),
            Err(err) => {
                self.toml_error(&err, None, 0);
                None
            }
        }
    }

    /// Deserializes every table of a `recipient` array on its own, so one
    /// bad recipient does not hide the problems of the others; `counted`
    /// numbers them across the pieces of the file, and their problems go to
    /// `later` (reported after the sections').
    fn recipient_tables(
        &mut self,
        value: &Spanned<DeValue>,
        counted: &mut usize,
        later: &mut Vec<Diag>,
    ) -> Vec<(RawRecipient, Range<usize>, usize)> {
        let Some(array) = value.get_ref().as_array() else {
            let diag = Diag::error("`recipient` must be a list of tables")
                .at(&self.file, value.span())
                .hint("write each recipient as a `[[recipient]]` table");
            later.push(diag);
            return vec![];
        };
        let mut out = vec![];
        for item in array.iter() {
            *counted += 1;
            let who = format!("#{} ({})", *counted, raw_name(item.get_ref()));
            match RawRecipient::deserialize(ValueDeserializer::from(item.clone())) {
                Ok(raw) => out.push((raw, item.span(), *counted)),
                Err(err) => later.push(self.toml_diag(&err, Some(&who), 0)),
            }
        }
        out
    }

    fn meta(&mut self, raw: RawMeta, overrides: &Overrides) -> Option<Meta> {
        let id = raw.id.get_ref().clone();
        if !is_safe_id(&id) {
            self.error(format!("invalid campaign id `{id}`"), raw.id.span()).notes.push(
                "hint: use letters, digits, `-`, `_` and `.` only; the id names the zip file"
                    .into(),
            );
        }
        let date = raw.date.get_ref();
        let date = match (date.date, date.time) {
            (Some(d), None) => Some((d.year, d.month, d.day)),
            _ => {
                self.error("the campaign date must be a date like 2018-07-27", raw.date.span());
                None
            }
        };
        let words = self.choose(raw.language.as_ref(), None, "en", "language", lang::words, || {
            lang::LANGUAGES.iter().map(|w| w.code).collect()
        });
        let paper = self.choose(
            raw.paper.as_ref(),
            overrides.paper.as_deref(),
            "a4",
            "paper",
            postal::paper,
            || postal::PAPERS.iter().map(|p| p.id).collect(),
        );
        let french = match raw.country_names.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("en") => false,
            Some("fr") => true,
            Some(other) => {
                let span = raw.country_names.as_ref().map_or(0..0, |s| s.span());
                self.error(format!("unknown country-name language `{other}`"), span)
                    .notes
                    .push("hint: use \"en\" or \"fr\"".into());
                false
            }
        };
        let latin_form = self.address_form(raw.address_form.as_ref(), None).unwrap_or(false);
        let print_part_size = match &raw.print_part_size {
            None => DEFAULT_PART_SIZE,
            Some(n) if (1..=100_000).contains(n.get_ref()) => *n.get_ref() as usize,
            Some(n) => {
                self.error("print_part_size must be between 1 and 100000", n.span());
                DEFAULT_PART_SIZE
            }
        };
        let pdf_standard = match (&raw.pdf_standard, &overrides.pdf_standard) {
            (None, None) => Some(None),
            _ => self
                .choose(
                    raw.pdf_standard.as_ref(),
                    overrides.pdf_standard.as_deref(),
                    "",
                    "PDF standard",
                    |name| PDF_STANDARDS.iter().find(|s| **s == name),
                    || PDF_STANDARDS.to_vec(),
                )
                .map(|s| Some(s.to_string())),
        };
        let labels = match (raw.labels.as_ref(), overrides.labels.as_deref()) {
            (_, Some("none")) => Some(None),
            (Some(given), None) if given.get_ref().eq_ignore_ascii_case("none") => Some(None),
            (None, None) => Some(None),
            (given, over) => self
                .choose(given, over, "", "label sheet", label_sheets::label_sheet, || {
                    label_sheets::LABEL_SHEETS.iter().map(|s| s.id).chain(["none"]).collect()
                })
                .map(Some),
        };
        let paper = paper?;
        let paper_span = raw.paper.as_ref().map_or(0..0, |s| s.span());
        let layout = self.layout(
            raw.layout.as_ref(),
            overrides.layout.as_deref(),
            paper,
            overrides.paper.is_some(),
            paper_span.clone(),
        );
        let layout_span = raw.layout.as_ref().map_or(paper_span, |s| s.span());
        let envelope = layout.as_ref().and_then(|layout| {
            self.envelope(
                raw.envelope.as_ref(),
                overrides.envelope.as_deref(),
                layout,
                paper,
                overrides.paper.is_some() || overrides.layout.is_some(),
                layout_span,
            )
        });
        let paper_weight = match &raw.paper_weight {
            None => DEFAULT_PAPER_WEIGHT,
            Some(w) if (30.0..=400.0).contains(w.get_ref()) => *w.get_ref(),
            Some(w) => {
                self.error("paper_weight must be between 30 and 400 g/m²", w.span());
                DEFAULT_PAPER_WEIGHT
            }
        };
        Some(Meta {
            id,
            title: raw.title,
            date: date?,
            words: words?,
            paper,
            layout: layout?,
            envelope: envelope?,
            duplex: overrides.duplex.or(raw.duplex).unwrap_or(true),
            paper_weight,
            french,
            latin_form,
            print_part_size,
            pdf_standard: pdf_standard?,
            labels: labels?,
        })
    }

    /// Picks a named preset: the command line wins over the file, the file
    /// over the default; an unknown name is an error with a hint.
    fn choose<T: ?Sized>(
        &mut self,
        given: Option<&Spanned<String>>,
        over: Option<&str>,
        default: &str,
        what: &str,
        find: impl Fn(&str) -> Option<&'static T>,
        names: impl Fn() -> Vec<&'static str>,
    ) -> Option<&'static T> {
        let (name, span) = match (over, given) {
            (Some(name), _) => (name.to_string(), None),
            (None, Some(given)) => (given.get_ref().to_lowercase(), Some(given.span())),
            (None, None) => (default.to_string(), None),
        };
        if let Some(found) = find(&name) {
            return Some(found);
        }
        let names = names();
        let mut diag = Diag::error(format!("unknown {what} `{name}`"));
        if let Some(span) = span {
            diag = diag.at(&self.file, span);
        }
        diag = match did_you_mean(&name, names.iter().copied()) {
            Some(best) => diag.hint(format!("did you mean `{best}`?")),
            None => diag.hint(format!("known: {}", names.join(", "))),
        };
        self.diags.push(diag);
        None
    }

    fn country(&mut self, code: &Spanned<String>, who: Option<&str>) -> Option<&'static Country> {
        let given = code.get_ref();
        if let Some(country) = address::country(given) {
            return Some(country);
        }
        let mut diag = Diag::error(format!("unknown country `{given}`"))
            .at(&self.file, code.span())
            .label("not an ISO 3166-1 alpha-2 code");
        if let Some(who) = who {
            diag = diag.recipient(who);
        }
        let upper = given.to_uppercase();
        diag = if address::country(&upper).is_some() {
            diag.hint(format!("country codes are upper case: `{upper}`"))
        } else {
            diag.hint("use the two-letter ISO code, e.g. \"BE\" for Belgium, \"KZ\" for Kazakhstan")
        };
        self.diags.push(diag);
        None
    }

    /// Reports a control character in a text of the sender (see
    /// [`control_char`]).
    fn sender_texts(&mut self, raw: &RawSender, span: Range<usize>) {
        let texts: Vec<(&'static str, &str)> = [
            ("name", Some(raw.name.as_str())),
            ("title", raw.title.as_deref()),
            ("organisation", raw.organisation.as_deref()),
        ]
        .into_iter()
        .filter_map(|(field, text)| Some((field, text?)))
        .chain(address_texts(&raw.address))
        .chain(raw.contact.iter().map(|l| ("contact", l.as_str())))
        .collect();
        if let Some((field, c)) = control_char(&texts) {
            self.error(format!("the sender's {field} contains {}", control_name(c)), span)
                .notes
                .push("hint: write each field on one line; give more lines as a list, e.g. `contact = [\"…\", \"…\"]`".into());
        }
    }

    fn sender(&mut self, raw: RawSender) -> Option<Sender> {
        let country = self.country(&raw.address.country, None);
        let signature = raw.signature.as_ref().and_then(|sig| {
            let (rel, bytes) = self.read_input(sig, "signature image")?;
            if !is_image(&bytes) {
                self.error(
                    format!(
                        "signature image `{}` is not a PNG, JPEG, GIF, WebP or SVG file",
                        sig.get_ref()
                    ),
                    sig.span(),
                );
                return None;
            }
            Some(rel)
        });
        let country = country?;
        let street = raw.address.street.into_vec();
        let parts = Parts {
            name: vec![],
            organisation: None,
            street: &street,
            postcode: raw.address.postcode.as_ref().map(|p| p.get_ref().as_str()),
            city: raw.address.city.as_deref(),
            region: raw.address.region.as_deref(),
        };
        let mut address_lines: Vec<String> = address::format(&parts, country, &country.code, false)
            .into_iter()
            .map(|l| l.text)
            .collect();
        // The letterhead is read by people: keep the city as written.
        if let (Some(city), Some(last)) = (raw.address.city.as_deref(), address_lines.last_mut()) {
            *last = last.replace(&city.to_uppercase(), city);
        }
        Some(Sender {
            name: raw.name,
            title: raw.title,
            organisation: raw.organisation,
            address_lines,
            contact: raw.contact,
            signature,
            country,
        })
    }

    /// Reads a file named by the campaign, inside the campaign folder.
    fn read_input(&mut self, rel: &Spanned<String>, what: &str) -> Option<(String, Vec<u8>)> {
        let path = match sandbox::resolve(&self.dir, rel.get_ref()) {
            Ok(path) => path,
            Err(why) => {
                self.error(format!("cannot use {what} `{}` ({why})", rel.get_ref()), rel.span());
                return None;
            }
        };
        const MAX_INPUT: u64 = 64 * 1024 * 1024;
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_INPUT) {
            self.error(format!("{what} `{}` is larger than 64 MiB", rel.get_ref()), rel.span());
            return None;
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                let rel = sandbox::relative(&self.dir, &path);
                if !self.inputs.iter().any(|i| i.rel == rel) {
                    let data = InputData::Read(bytes.clone());
                    self.inputs.push(Input { rel: rel.clone(), data });
                }
                Some((rel, bytes))
            }
            Err(err) => {
                self.error(
                    format!("failed to read {what} `{}` ({err})", rel.get_ref()),
                    rel.span(),
                );
                None
            }
        }
    }

    /// Resolves a text given once or per language, checking the language codes.
    fn texts(&mut self, given: Option<&Spanned<Localized>>) -> Texts {
        let mut out = BTreeMap::new();
        match given.map(Spanned::get_ref) {
            None => {}
            Some(Localized::One(text)) => {
                out.insert(String::new(), text.clone());
            }
            Some(Localized::Many(map)) => {
                for (lang, text) in map {
                    if lang::words(lang).is_none() {
                        self.unknown_language(lang, text.span());
                    }
                    out.insert(lang.clone(), text.get_ref().clone());
                }
            }
        }
        Texts(out)
    }

    fn unknown_language(&mut self, lang: &str, span: Range<usize>) {
        let known: Vec<&str> = lang::LANGUAGES.iter().map(|w| w.code).collect();
        self.error(format!("unknown language `{lang}`"), span)
            .notes
            .push(format!("hint: known languages: {}", known.join(", ")));
    }

    fn letter(&mut self, raw: RawLetter) -> Option<Letter> {
        let mut bodies = BTreeMap::new();
        match (&raw.body, &raw.body_file) {
            (Some(_), Some(file)) => {
                self.error(
                    "give the body either inline (`body`) or as a file (`body_file`), not both",
                    file.span(),
                );
            }
            (None, None) => {
                self.diags.push(Diag::error("the letter has no body").hint(
                    "add `body_file = \"letter.typ\"` (a Typst file next to the campaign) or `body = '''…'''`",
                ));
            }
            (Some(inline), None) => {
                let raw_text = &self.file.text[inline.span()];
                let text = inline.get_ref().clone();
                let inline_offset =
                    literal_offset(raw_text, &text).map(|o| inline.span().start + o);
                let body = Body {
                    rel: "_letterpress/inline-body.typ".into(),
                    text,
                    inline_offset,
                    inline: true,
                };
                bodies.insert(String::new(), body);
            }
            (None, Some(files)) => {
                let files: Vec<(String, Spanned<String>)> = match files.get_ref() {
                    Localized::One(file) => {
                        vec![(String::new(), Spanned::new(files.span(), file.clone()))]
                    }
                    Localized::Many(map) => {
                        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                    }
                };
                for (lang, file) in files {
                    if !lang.is_empty() && lang::words(&lang).is_none() {
                        self.unknown_language(&lang, file.span());
                        continue;
                    }
                    let Some((rel, bytes)) = self.read_input(&file, "body file") else { continue };
                    match String::from_utf8(bytes) {
                        Ok(text) => {
                            let body = Body { rel, text, inline_offset: None, inline: false };
                            bodies.insert(lang, body);
                        }
                        Err(_) => {
                            self.error(
                                format!("body file `{}` is not valid UTF-8", file.get_ref()),
                                file.span(),
                            );
                        }
                    }
                }
            }
        }
        let subject = self.texts(Some(&raw.subject));
        let closing = self.texts(raw.closing.as_ref());
        if bodies.is_empty() {
            return None;
        }
        Some(Letter { subject, bodies, closing, cc: raw.cc, enclosures: raw.enclosures })
    }

    /// Reads the recipients named by `[recipients]` (a CSV or JSON file).
    fn file_recipients(&mut self, root: &DeTable) -> Vec<Item> {
        if !root.contains_key("recipients") {
            return vec![];
        }
        let Some(raw) = self.section::<source::RawSource>(root, "recipients") else {
            return vec![];
        };
        let Some((rel, bytes)) = self.read_input(&raw.file, "recipients file") else {
            return vec![];
        };
        let lower = rel.to_lowercase();
        let spreadsheet =
            [".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"].iter().any(|e| lower.ends_with(e));
        let dir = self.file.name.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
        if spreadsheet {
            // No text to show: errors name the row and column instead.
            let file = Arc::new(SourceFile { name: format!("{dir}{rel}"), text: String::new() });
            let sheet = raw.sheet.as_ref().map(|s| s.get_ref().as_str());
            return match sheet::read(sheet, &bytes, &file) {
                Ok((table, warnings)) => {
                    self.diags.extend(warnings);
                    self.items(&raw, table, &file)
                }
                Err(diags) => {
                    self.diags.extend(diags);
                    vec![]
                }
            };
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                self.error(
                    format!(
                        "recipients file `{rel}` is not valid UTF-8 (at byte {})",
                        err.utf8_error().valid_up_to()
                    ),
                    raw.file.span(),
                )
                .notes
                .push("hint: save the file as UTF-8 (in a spreadsheet: CSV UTF-8)".into());
                return vec![];
            }
        };
        let file = Arc::new(SourceFile { name: format!("{dir}{rel}"), text });
        match source::read(&raw, &file) {
            Ok(table) => self.items(&raw, table, &file),
            Err(diags) => {
                self.diags.extend(diags);
                vec![]
            }
        }
    }

    /// Rows of a recipients file as recipients to check.
    fn items(
        &mut self,
        raw: &source::RawSource,
        table: source::Table,
        file: &Arc<SourceFile>,
    ) -> Vec<Item> {
        let (rows, diags) = source::rows(raw, table, file, &self.file);
        self.diags.extend(diags);
        rows.into_iter()
            .map(|row| Item {
                raw: row.raw,
                number: 0, // set by the caller, after the `[[recipient]]` tables
                span: row.span,
                file: Some(file.clone()),
                row: row.row,
                extra: row.extra,
                columns: row.columns,
            })
            .collect()
    }

    fn check_recipients(
        &mut self,
        raws: Vec<Item>,
        sender: &Sender,
        letter: &Letter,
        meta: &Meta,
    ) -> Vec<Recipient> {
        let width = raws.len().to_string().len().max(3);
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        let mut out = vec![];
        // Explicit ids first, so a derived id never takes an explicit one.
        for Item { raw, .. } in &raws {
            if let Some(id) = &raw.id {
                seen.entry(id.get_ref().clone()).or_insert(id.span());
            }
        }
        let mut taken: HashMap<String, usize> = HashMap::new();
        let toml_file = self.file.clone();
        let mut addresses: HashMap<String, (usize, String)> = HashMap::new();
        for item in raws {
            let first_diag = self.diags.len();
            // Problems in a row of a recipients file point into that file.
            self.file = item.file.clone().unwrap_or_else(|| toml_file.clone());
            let sheet = item.file.as_ref().filter(|f| f.text.is_empty()).cloned();
            if let Some(recipient) = self.check_recipient(
                item,
                (sender, letter, meta),
                (&mut seen, &mut taken, &mut addresses),
                width,
            ) {
                out.push(recipient);
            }
            // A spreadsheet has no text to show: its errors name the row
            // and column in their `recipient:` line instead.
            if let Some(sheet) = sheet {
                for diag in &mut self.diags[first_diag..] {
                    if diag.primary.as_ref().is_some_and(|p| Arc::ptr_eq(&p.file, &sheet)) {
                        diag.primary = None;
                    }
                }
            }
        }
        self.file = toml_file;
        out.shrink_to_fit();
        out
    }

    /// Checks one recipient; `None` when an error stops its checks.
    fn check_recipient(
        &mut self,
        item: Item,
        (sender, letter, meta): (&Sender, &Letter, &Meta),
        (seen, taken, addresses): Seen<'_>,
        width: usize,
    ) -> Option<Recipient> {
        let french = meta.french;
        {
            let Item { raw, number, span, file, row, extra, columns } = item;
            let shown = one_line(raw.name.as_deref().or(raw.organisation.as_deref()).unwrap_or(""));
            let base = match &file {
                Some(file) => format!("#{number} ({shown}), row {row} of {}", file.name),
                None => format!("#{number} ({shown})"),
            };
            let who = Who { base, columns };
            let texts = texts(&raw);
            if let Some((field, length)) = too_long(&texts) {
                self.error(
                    format!("the recipient's {field} is {length} characters long; at most {MAX_FIELD} fit on a letter"),
                    span.clone(),
                )
                .notes
                .push(format!("recipient: {}", who.at(field)));
                return None;
            }
            if let Some((field, c)) = control_char(&texts) {
                self.error(
                    format!("the recipient's {field} contains {}", control_name(c)),
                    span.clone(),
                )
                .notes
                .extend([
                    format!("recipient: {}", who.at(field)),
                    match file {
                        Some(_) => "hint: write each cell on one line; only a street cell may hold several lines".into(),
                        None => "hint: write each field on one line; give more address lines as `street = [\"…\", \"…\"]`".into(),
                    },
                ]);
                return None;
            }
            if raw.name.is_none() && raw.organisation.is_none() {
                self.error("the recipient has neither a name nor an organisation", span.clone())
                    .notes
                    .push(format!("recipient: {}", who.at("name")));
            }
            let id = match &raw.id {
                Some(id) => {
                    let value = id.get_ref().clone();
                    if !is_safe_id(&value) {
                        self.error(format!("invalid recipient id `{value}`"), id.span())
                            .notes
                            .extend([
                                format!("recipient: {}", who.at("id")),
                                "hint: use letters, digits, `-`, `_` and `.` only".into(),
                            ]);
                    }
                    if let Some(first) = seen.get(&value).cloned()
                        && first != id.span()
                    {
                        let file = self.file.clone();
                        let diag =
                            self.error(format!("duplicate recipient id `{value}`"), id.span());
                        *diag = diag
                            .clone()
                            .also(&file, first, "first used here")
                            .recipient(who.at("id"));
                    }
                    *taken.entry(value.clone()).or_default() += 1;
                    value
                }
                None => {
                    let base = slug(&shown);
                    let mut candidate = base.clone();
                    let mut n = 1;
                    while seen.contains_key(&candidate) || taken.contains_key(&candidate) {
                        n += 1;
                        candidate = format!("{base}-{n}");
                    }
                    taken.insert(candidate.clone(), 1);
                    candidate
                }
            };
            let words = match &raw.language {
                None => meta.words,
                Some(code) => match lang::words(code.get_ref()) {
                    Some(words) => words,
                    None => {
                        self.unknown_language(code.get_ref(), code.span());
                        if let Some(diag) = self.diags.last_mut() {
                            diag.notes.insert(0, format!("recipient: {}", who.at("language")));
                        }
                        return None;
                    }
                },
            };
            self.check_language(letter, words, &span, &who.at("language"));
            let lenient = match &raw.postcode_check {
                None => false,
                Some(v) if v.get_ref() == "warn" => true,
                Some(v) if v.get_ref() == "error" => false,
                Some(v) => {
                    self.error(format!("unknown postcode_check `{}`", v.get_ref()), v.span())
                        .notes
                        .extend([
                            format!("recipient: {}", who.at("postcode_check")),
                            "hint: use \"warn\" or \"error\"".into(),
                        ]);
                    false
                }
            };
            let country = self.country(&raw.address.country, Some(&who.at("country")));
            self.check_postcode(&raw.address, country, &who.at("postcode"), lenient);
            let country = country?;
            let latin_form =
                self.address_form(raw.address_form.as_ref(), Some(&who.at("address_form")));
            let latin_form = latin_form.unwrap_or(meta.latin_form);
            let address_lines = self.address_lines(&raw, country, sender, french, latin_form, &who);
            let key = format!(
                "{}|{}",
                shown.to_lowercase(),
                address_lines.iter().map(|l| l.text.to_lowercase()).collect::<Vec<_>>().join("|")
            );
            let honorific_who = who.at("honorific");
            let who = who.base;
            if let Some((first, first_who)) = addresses.get(&key) {
                let message = format!("recipient {who} has the same name and address as #{first}");
                self.error(message, span.clone()).notes.extend([
                    format!("recipient: {who}"),
                    format!("hint: the first is {first_who}; remove one, or give them different ids on purpose by changing the name"),
                ]);
            } else {
                addresses.insert(key, (number, who.clone()));
            }
            // Given wins; else by office (role), honorific and family name.
            if let Some(honorific) = &raw.honorific {
                let h = honorific.get_ref().to_lowercase();
                if !lang::HONORIFICS.contains(&h.trim_end_matches('.')) {
                    self.error(
                        format!("unknown honorific `{}`", honorific.get_ref()),
                        honorific.span(),
                    )
                    .notes
                    .extend([
                        format!("recipient: {}", honorific_who),
                        format!("hint: known: {}", lang::HONORIFICS.join(", ")),
                    ]);
                }
            }
            let salutation = raw.salutation.clone().unwrap_or_else(|| {
                let family = raw
                    .family_name
                    .clone()
                    .unwrap_or_else(|| lang::family_name(raw.name.as_deref().unwrap_or("")));
                words.derived_salutation(
                    raw.role.as_deref(),
                    raw.honorific.as_ref().map(|h| h.get_ref().as_str()),
                    &family,
                )
            });
            let folder = format!("{number:0width$}-{}", slug(&id));
            let texts = Packed::new([
                Some(&id),
                Some(&folder),
                raw.name.as_deref(),
                raw.role.as_deref(),
                raw.organisation.as_deref(),
                Some(&salutation),
                raw.email.as_deref(),
                raw.phone.as_deref(),
            ]);
            // (Each field is at most MAX_FIELD characters, checked above.)
            let Some(texts) = texts else {
                self.error("the recipient's texts are longer than 4 GiB together", span)
                    .notes
                    .push(format!("recipient: {who}"));
                return None;
            };
            Some(Recipient {
                words,
                number,
                texts,
                address_lines: address_lines.into_iter().collect(),
                country,
                span,
                source: self.file.clone(),
                extra,
            })
        }
    }

    /// Checks that the letter has a body and a subject in the recipient's language.
    fn check_language(&mut self, letter: &Letter, words: &Words, span: &Range<usize>, who: &str) {
        let code = words.code;
        let missing = [
            ("body", letter.body(code).is_none()),
            ("subject", letter.subject.get(code).is_none()),
        ];
        for (what, missing) in missing {
            if missing {
                let message =
                    format!("the letter has no {what} in `{code}`, the recipient's language");
                self.error(message, span.clone()).notes.extend([
                    format!("recipient: {who}"),
                    format!("hint: add a `{code}` entry to `{what}`"),
                ]);
            }
        }
    }

    /// `address_form`: `Some(true)` for `latin`, `Some(false)` for
    /// `native`, `None` when not given (or wrong, with an error).
    fn address_form(&mut self, given: Option<&Spanned<String>>, who: Option<&str>) -> Option<bool> {
        let given = given?;
        match given.get_ref().as_str() {
            "native" => Some(false),
            "latin" => Some(true),
            other => {
                let mut diag = Diag::error(format!("unknown address_form `{other}`"))
                    .at(&self.file, given.span())
                    .hint("use \"native\" (as written, the city in Latin abroad) or \"latin\"");
                if let Some(who) = who {
                    diag = diag.recipient(who);
                }
                self.diags.push(diag);
                None
            }
        }
    }

    /// The printed address: free-form lines as written, or the structured
    /// fields in the destination's format; the country line if abroad. The
    /// native form keeps the address's script and writes the city in Latin
    /// for international mail (postal.md §4.3); the Latin form writes every
    /// field from `address.latin`, romanising what it does not give.
    fn address_lines(
        &mut self,
        raw: &RawRecipient,
        country: &'static Country,
        sender: &Sender,
        french: bool,
        latin_form: bool,
        who: &Who,
    ) -> Vec<address::Line> {
        let a = &raw.address;
        let international = country.code != sender.country.code;
        let line = |text: &str| address::Line { text: text.to_string(), wrap: false };
        let latin = a.latin.as_ref().map(Spanned::get_ref);
        let latin_span = a.latin.as_ref().map_or(a.country.span(), Spanned::span);
        if let Some(l) = latin {
            self.check_latin(l, latin_span.clone(), who);
            if l.city.is_some() && a.city_latin.is_some() {
                self.error(
                    "the Latin city is given twice, as `city_latin` and in `latin`",
                    latin_span.clone(),
                )
                .notes
                .extend([
                    format!("recipient: {}", who.at("city")),
                    "hint: keep one of them".into(),
                ]);
            }
        }
        let latin_lines = latin.and_then(|l| l.lines.as_ref()).filter(|_| latin_form);
        if a.lines.is_some() || latin_lines.is_some() {
            if a.lines.is_some()
                && (!matches!(a.street, syntax::Lines::None)
                    || a.postcode.is_some()
                    || a.city.is_some())
            {
                self.error(
                    "give the address either as `lines` or as fields (street, postcode, city), not both",
                    a.country.span(),
                )
                .notes
                .push(format!("recipient: {}", who.at("lines")));
            }
            let lines: Vec<String> = match (latin_lines, &a.lines) {
                (Some(given), _) => given.clone(),
                (None, Some(native)) if latin_form => native
                    .iter()
                    .filter_map(|l| {
                        self.romanized("address line", l, country, latin_span.clone(), who)
                    })
                    .collect(),
                (None, native) => native.clone().unwrap_or_default(),
            };
            let mut out: Vec<address::Line> = lines.iter().map(|l| line(l)).collect();
            // The country line is ours to write: drop one the user wrote.
            if out.last().is_some_and(|l| {
                let t = l.text.trim().to_uppercase();
                t == country.name_upper_en
                    || t == country.name_upper_fr
                    || t == country.name.to_uppercase()
            }) {
                out.pop();
            }
            if international {
                out.push(line(address::country_line(country, french)));
            }
            return out;
        }
        let mut street = match &a.street {
            syntax::Lines::None => vec![],
            syntax::Lines::One(l) => vec![l.clone()],
            syntax::Lines::Many(ls) => ls.clone(),
        };
        // The fields the destination's post requires (libaddressinput
        // `require`): a missing street, city or postcode is an error, a
        // missing region a warning (people often leave it out).
        for (letter, what, present) in [
            ('A', "street", !street.is_empty()),
            ('C', "city", a.city.is_some()),
            ('Z', "postcode", a.postcode.is_some()),
            ('S', "region", a.region.is_some()),
        ] {
            if country.require.contains(letter) && !present {
                let message = format!("the address has no {what}, which {} requires", country.name);
                let diag =
                    if letter == 'S' { Diag::warning(message) } else { Diag::error(message) };
                self.diags.push(diag.at(&self.file, a.country.span()).recipient(who.at(what)));
            }
        }
        let mut name = vec![];
        name.extend(raw.name.as_deref());
        name.extend(raw.role.as_deref());
        let city_latin = latin.and_then(|l| l.city.clone()).or_else(|| a.city_latin.clone());
        let mut city = a.city.clone();
        let mut region = a.region.clone();
        let mut postcode = a.postcode.as_ref().map(|p| p.get_ref().clone());
        if latin_form {
            let l = latin.map(|l| (l.street.clone_lines(), l.region.clone(), l.postcode.clone()));
            let (l_street, l_region, l_postcode) = l.unwrap_or_default();
            street = if l_street.is_empty() {
                street
                    .iter()
                    .filter_map(|s| self.romanized("street", s, country, latin_span.clone(), who))
                    .collect()
            } else {
                l_street
            };
            city = city_latin.or_else(|| {
                let native = a.city.as_deref()?;
                let latin = self.romanized("city", native, country, latin_span.clone(), who)?;
                // Printed in capitals abroad: as the standard writes them.
                match translit::standard_for(native, &country.code) {
                    Some(standard) if international => Some(translit::upper(&latin, standard)),
                    _ => Some(latin),
                }
            });
            region = l_region.or_else(|| {
                let native = a.region.as_deref()?;
                self.romanized("region", native, country, latin_span.clone(), who)
            });
            postcode = l_postcode.or(postcode);
        } else if international
            && let Some(native) = a.city.as_deref()
            && !translit::is_latin(native)
        {
            // International mail: the city in Latin script (postal.md §4.3),
            // only where a published standard exists (Cyrillic, Greek); a city
            // in Chinese or Japanese script stays as written for its own post.
            if let Some(given) = city_latin {
                city = Some(given);
            } else if let Some(standard) = translit::standard_for(native, &country.code) {
                let romanized = translit::romanize(native, &country.code);
                self.diags.push(
                    Diag::warning(format!(
                        "transliterated the city “{native}” as “{romanized}” ({}) for international mail",
                        standard.name()
                    ))
                    .at(&self.file, a.country.span())
                    .recipient(who.at("city"))
                    .hint("give `city_latin` in the address to choose the Latin form"),
                );
                city = Some(translit::upper(&romanized, standard));
            }
        }
        let parts = Parts {
            name,
            organisation: raw.organisation.as_deref(),
            street: &street,
            postcode: postcode.as_deref(),
            city: city.as_deref(),
            region: region.as_deref(),
        };
        address::format(&parts, country, &sender.country.code, french)
    }

    /// Checks that the Latin form of an address is in Latin script.
    fn check_latin(&mut self, latin: &syntax::RawLatin, span: Range<usize>, who: &Who) {
        let street = latin.street.clone_lines();
        let fields = street
            .iter()
            .map(|s| ("street", s.as_str()))
            .chain(latin.lines.iter().flatten().map(|l| ("lines", l.as_str())))
            .chain(latin.city.as_deref().map(|c| ("city", c)))
            .chain(latin.region.as_deref().map(|r| ("region", r)))
            .chain(latin.postcode.as_deref().map(|p| ("postcode", p)));
        let wrong: Vec<(&str, &str)> =
            fields.filter(|(_, text)| !translit::is_latin(text)).collect();
        for (field, text) in wrong {
            self.error(
                format!("the Latin form of the address has a {field} in another script: “{text}”"),
                span.clone(),
            )
            .notes
            .push(format!("recipient: {}", who.at(field)));
        }
        if latin.lines.is_some()
            && (!street.is_empty() || latin.city.is_some() || latin.postcode.is_some())
        {
            self.error(
                "give the Latin form either as `lines` or as fields (street, postcode, city), not both",
                span,
            )
            .notes
            .push(format!("recipient: {}", who.at("lines")));
        }
    }

    /// A field of the address in Latin script for the Latin form: as it is if
    /// it is Latin already, else romanised by the destination's standard with
    /// a warning, else (a script without one) an error asking for it.
    fn romanized(
        &mut self,
        field: &str,
        native: &str,
        country: &Country,
        span: Range<usize>,
        who: &Who,
    ) -> Option<String> {
        if translit::is_latin(native) {
            return Some(native.to_string());
        }
        let key = if field == "address line" { "lines" } else { field };
        let Some(standard) = translit::standard_for(native, &country.code) else {
            self.error(
                format!("the address has no Latin form of its {field} “{native}”"),
                span,
            )
            .notes
            .extend([
                format!("recipient: {}", who.at(key)),
                format!("hint: give `{key}` under `[recipient.address.latin]`, or print the native form (address_form = \"native\")"),
            ]);
            return None;
        };
        let romanized = translit::romanize(native, &country.code);
        self.diags.push(
            Diag::warning(format!(
                "transliterated the {field} “{native}” as “{romanized}” ({}) for the Latin form of the address",
                standard.name()
            ))
            .at(&self.file, span)
            .recipient(who.at(key))
            .hint(format!("give `{key}` under `[recipient.address.latin]` to choose the Latin form")),
        );
        Some(romanized)
    }

    fn check_postcode(
        &mut self,
        raw: &RawAddress,
        country: Option<&Country>,
        who: &str,
        lenient: bool,
    ) {
        let (Some(country), Some(postcode)) = (country, &raw.postcode) else {
            return;
        };
        let code = postcode.get_ref();
        if address::postcode_matches(country, code) {
            return;
        }
        let message = format!("postcode `{code}` is not a valid postcode for {}", country.name);
        let mut diag = if lenient { Diag::warning(message) } else { Diag::error(message) }
            .at(&self.file, postcode.span())
            .recipient(who);
        if code.chars().any(|c| !c.is_ascii() && c.is_alphabetic()) {
            diag =
                diag.hint("it contains a non-Latin letter (a Cyrillic `В` looks like a Latin `B`)");
        }
        if let Some((prefix, rest)) = code.split_once('-')
            && prefix.chars().all(char::is_alphabetic)
        {
            diag = diag.hint(format!("write it without the country prefix: \"{rest}\""));
        }
        if let Some(examples) = &country.zipex {
            diag = diag.hint(format!(
                "examples for {}: {}",
                country.name,
                examples.replace(',', ", ")
            ));
        }
        if !lenient {
            diag = diag.hint(
                "if the postcode is right and the data out of date, set postcode_check = \"warn\" for this recipient",
            );
        }
        self.diags.push(diag);
    }
}

/// The checked `[campaign]` table.
struct Meta {
    id: String,
    title: String,
    date: (u16, u8, u8),
    words: &'static Words,
    paper: &'static Paper,
    layout: Layout,
    envelope: geometry::EnvelopeChoice,
    duplex: bool,
    paper_weight: f64,
    french: bool,
    latin_form: bool,
    print_part_size: usize,
    pdf_standard: Option<String>,
    labels: Option<&'static LabelSheet>,
}

/// Packets per print file unless the campaign says otherwise: large enough
/// for one file in most campaigns, small enough to keep memory flat.
pub const DEFAULT_PART_SIZE: usize = 500;

/// Paper weight unless the campaign says otherwise: ordinary office paper.
pub const DEFAULT_PAPER_WEIGHT: f64 = 80.0;

/// The name of a recipient table (or its organisation, or its id), for errors
/// raised before it deserialized.
fn raw_name(value: &DeValue) -> String {
    let table = value.as_table();
    let get = |key: &str| {
        table.and_then(|t| t.get(key)).and_then(|v| v.get_ref().as_str()).map(str::to_string)
    };
    get("name").or_else(|| get("organisation")).or_else(|| get("id")).unwrap_or_default()
}

/// Whether an id is safe as a file name and easy to type.
fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !id.starts_with('.')
}

/// An ASCII slug for file names: `Sven-Olov CARLSSON` → `sven-olov-carlsson`.
pub fn slug(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let mut out = String::new();
    for c in ascii.chars().filter(|c| !matches!(c, '\'' | '`')) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "recipient".into() } else { out }
}

/// Whether bytes start like an image Typst can show.
fn is_image(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"GIF8")
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
        || String::from_utf8_lossy(head).contains("<svg")
}

/// The longest text a recipient field may hold: a field longer than this
/// cannot fit any address block and would only make typesetting slow.
pub const MAX_FIELD: usize = 500;

/// Every text of a recipient that is printed or kept (name, address lines,
/// contact), with the name of its field.
fn texts(raw: &RawRecipient) -> Vec<(&'static str, &str)> {
    let person = [
        ("name", raw.name.as_deref()),
        ("role", raw.role.as_deref()),
        ("organisation", raw.organisation.as_deref()),
        ("salutation", raw.salutation.as_deref()),
        ("family name", raw.family_name.as_deref()),
    ];
    let contact = [("e-mail", raw.email.as_deref()), ("telephone", raw.phone.as_deref())];
    let given = person.into_iter().chain(contact).filter_map(|(field, text)| Some((field, text?)));
    given.chain(address_texts(&raw.address)).collect()
}

/// Every text of an address (a recipient's or the sender's), with the name of
/// its field: city, region and postcode by name, the rest as "address".
fn address_texts(a: &RawAddress) -> impl Iterator<Item = (&'static str, &str)> {
    let named = [
        ("city", a.city.as_deref()),
        ("region", a.region.as_deref()),
        ("postcode", a.postcode.as_ref().map(|p| p.get_ref().as_str())),
    ];
    let latin = a.latin.as_ref().map(Spanned::get_ref);
    let latin_fields = latin.into_iter().flat_map(|l| {
        l.street
            .as_slice()
            .iter()
            .chain(l.lines.iter().flatten())
            .map(String::as_str)
            .chain(l.city.as_deref())
            .chain(l.region.as_deref())
            .chain(l.postcode.as_deref())
    });
    let lines = a
        .street
        .as_slice()
        .iter()
        .chain(a.lines.iter().flatten())
        .map(String::as_str)
        .chain(a.city_latin.as_deref())
        .chain(latin_fields)
        .map(|l| ("address", l));
    named.into_iter().filter_map(|(field, text)| Some((field, text?))).chain(lines)
}

/// The first recipient field longer than [`MAX_FIELD`] characters.
fn too_long(texts: &[(&'static str, &str)]) -> Option<(&'static str, usize)> {
    texts.iter().find_map(|&(field, text)| {
        let length = text.chars().count();
        (length > MAX_FIELD).then_some((field, length))
    })
}

/// The first control character (a line break, a tab, a NUL) in a recipient
/// field: every field is printed on one line, or kept in one cell of
/// `recipients.csv`, and an address line that breaks where the post does not
/// expect it is a misdirected letter.
fn control_char(texts: &[(&'static str, &str)]) -> Option<(&'static str, char)> {
    texts.iter().find_map(|&(field, text)| Some((field, text.chars().find(|c| c.is_control())?)))
}

/// How an error names a control character.
fn control_name(c: char) -> String {
    let name = match c {
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '\0' => "a NUL character",
        _ => "a control character",
    };
    format!("{name} (U+{:04X})", u32::from(c))
}

/// A text as a diagnostic shows it on one line: control characters written
/// as escapes.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

/// Speaks of tables where serde speaks of our internal types
/// ("expected struct RawAddress" → "expected a table").
fn plain_types(message: &str) -> String {
    static STRUCT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"struct Raw\w+( with \d+ elements?)?").unwrap_or_else(|_| unreachable!())
    });
    let out = STRUCT.replace_all(message, "a table").into_owned();
    if out.starts_with("invalid length") { "expected a table, not a list".into() } else { out }
}

/// The first line of a multi-line serde message.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(&str, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(|s| format!("`{s}`")).collect::<Vec<_>>();
    let expected = expected.iter().map(|s| s.trim_matches('`').to_string()).collect();
    Some((field, expected))
}

/// Where the value's text starts inside its TOML string literal, if the
/// literal holds the value byte for byte (no escapes were interpreted).
fn literal_offset(raw: &str, value: &str) -> Option<usize> {
    for quote in ["'''", "\"\"\"", "'", "\""] {
        if let Some(inner) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
            let mut offset = quote.len();
            let mut inner = inner;
            if quote.len() == 3 {
                if let Some(rest) = inner.strip_prefix("\r\n") {
                    (inner, offset) = (rest, offset + 2);
                } else if let Some(rest) = inner.strip_prefix('\n') {
                    (inner, offset) = (rest, offset + 1);
                }
            }
            return (inner == value).then_some(offset);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_texts_read_back_as_given() {
        let given = [
            Some("masimov"),
            Some("001-masimov"),
            None,
            Some(""),
            Some("Генеральная прокуратура"),
            Some("Dear Prosecutor General,"),
            None,
            Some("+7 7172 71 25 00"),
        ];
        let packed = Packed::new(given).unwrap_or_else(|| unreachable!());
        assert_eq!((0..TEXTS).map(|k| packed.get(k)).collect::<Vec<_>>(), given);
        assert_eq!(packed.text.len(), given.iter().flatten().map(|t| t.len()).sum::<usize>());
        let none = Packed::new([None; TEXTS]).unwrap_or_else(|| unreachable!());
        assert!((0..TEXTS).all(|k| none.get(k).is_none()));
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slug("Sven-Olov CARLSSON"), "sven-olov-carlsson");
        assert_eq!(slug("Қасым-Жомарт Тоқаев"), "kasym-zhomart-tokaev");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("***"), "recipient");
    }

    #[test]
    fn serde_unknown_field_is_parsed() {
        let (field, expected) =
            unknown_field("unknown field `nmae`, expected one of `id`, `name`").unwrap();
        assert_eq!(field, "nmae");
        assert_eq!(expected, ["id", "name"]);
    }

    #[test]
    fn literal_offsets() {
        assert_eq!(literal_offset("'''\nHello'''", "Hello"), Some(4));
        assert_eq!(literal_offset("\"a\\nb\"", "a\nb"), None);
    }
}
