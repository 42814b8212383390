//! Recipients from a file: CSV (any delimiter, with or without a byte-order
//! mark, quoted fields with newlines) or JSON (an array of objects).
//!
//! Every value is read as text exactly as written: "01234" stays "01234".
//! A `columns` mapping in the campaign maps the file's column names to
//! recipient fields; columns it does not map stay available to templates and
//! bodies as `recipient.extra`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::syntax::{Lines, RawAddress, RawLatin, RawRecipient};
use crate::diag::{Diag, SourceFile, did_you_mean};

/// `[recipients]`: where to read recipients from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// The file, next to the campaign file (`.csv` or `.json`).
    pub file: Spanned<String>,
    /// The sheet of a spreadsheet (default: the first).
    #[serde(default)]
    pub sheet: Option<Spanned<String>>,
    /// CSV delimiter (one character); detected from the header when absent.
    #[serde(default)]
    pub delimiter: Option<Spanned<String>>,
    /// Recipient field → column name (or names, for `street` and `lines`).
    #[serde(default)]
    pub columns: BTreeMap<String, Spanned<ColumnNames>>,
}

/// One column name or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ColumnNames {
    /// One column.
    One(String),
    /// Several columns, in order (street lines).
    Many(Vec<String>),
}

/// The recipient fields a column can map to.
pub const FIELDS: &[&str] = &[
    "id",
    "name",
    "role",
    "organisation",
    "salutation",
    "honorific",
    "family_name",
    "language",
    "postcode_check",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "city_latin",
    "street_latin",
    "region_latin",
    "postcode_latin",
    "address_form",
    "region",
    "country",
    "lines",
];

/// One row read from the file: a recipient as if written in TOML, the extra
/// columns, and where the row is.
pub struct Row {
    /// The recipient.
    pub raw: RawRecipient,
    /// Columns the mapping does not use, by column name.
    pub extra: BTreeMap<String, String>,
    /// The row number as the user sees it (the header is row 1).
    pub row: usize,
    /// Byte range of the row in the file.
    pub span: Range<usize>,
    /// How errors name the column of each field that has one, e.g.
    /// `column F “Postcode”`.
    pub columns: BTreeMap<&'static str, String>,
}

/// Reads the table of a CSV or JSON recipients file; `file` holds its text.
pub fn read(source: &RawSource, file: &Arc<SourceFile>) -> Result<Table, Vec<Diag>> {
    let lower = file.name.to_lowercase();
    if lower.ends_with(".json") { json_table(file) } else { csv_table(source, file) }
}

/// Turns a table into recipients through the column mapping, with the
/// errors of the rows that could not become one. `file` is the recipients
/// file, `campaign` the campaign file (for errors in the mapping).
pub fn rows(
    source: &RawSource,
    table: Table,
    file: &Arc<SourceFile>,
    campaign: &Arc<SourceFile>,
) -> (Vec<Row>, Vec<Diag>) {
    let (header, records) = table;
    let mapping = match mapping(source, &header, campaign) {
        Ok(mapping) => mapping,
        Err(diags) => return (vec![], diags),
    };
    let mut rows = vec![];
    let mut diags = vec![];
    for record in records {
        if record.values.iter().all(|v| v.trim().is_empty()) {
            continue; // an empty row is skipped silently
        }
        match row(&mapping, &header, record, file) {
            Ok(row) => rows.push(row),
            Err(diag) => diags.push(*diag),
        }
    }
    (rows, diags)
}

/// A record: its values by column index, its row number and byte range.
pub struct Record {
    /// The text of each cell, by column index.
    pub values: Vec<String>,
    /// The row number as the user sees it.
    pub row: usize,
    /// Byte range of the row in the file (empty for a spreadsheet).
    pub span: Range<usize>,
    /// Whether errors name columns by letter (spreadsheets).
    pub letters: bool,
    /// Byte range of each cell in the file (CSV only).
    pub cells: Vec<Range<usize>>,
}

/// The header and the records of a recipients file.
pub type Table = (Vec<String>, Vec<Record>);

fn csv_table(source: &RawSource, file: &Arc<SourceFile>) -> Result<Table, Vec<Diag>> {
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let bom = file.text.len() - text.len();
    let delimiter = match &source.delimiter {
        Some(d) if d.get_ref().len() == 1 => d.get_ref().as_bytes()[0],
        Some(d) => {
            return Err(vec![Diag::error(format!(
                "the delimiter must be one character, not `{}`",
                d.get_ref()
            ))]);
        }
        None => detect_delimiter(text),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut header = vec![];
    let mut records = vec![];
    for (i, result) in reader.records().enumerate() {
        let record = result.map_err(|err| {
            let offset = err.position().map_or(0, |p| p.byte() as usize + bom);
            vec![
                Diag::error(format!("failed to read CSV row {} ({err})", i + 1))
                    .at(file, offset..offset),
            ]
        })?;
        let start = record.position().map_or(0, |p| p.byte() as usize) + bom;
        let line_end = file.text[start..].find('\n').map_or(file.text.len(), |e| start + e);
        let values: Vec<String> = record.iter().map(str::to_string).collect();
        if i == 0 {
            header = values.iter().map(|h| h.trim().to_string()).collect();
        } else {
            let cells = cell_spans(&file.text, start, delimiter, values.len());
            records.push(Record {
                values,
                row: i + 1,
                span: start..line_end,
                letters: false,
                cells,
            });
        }
    }
    Ok((header, records))
}

/// Byte ranges of the first `count` fields of the CSV record that starts at
/// `start` (quotes included), so that errors underline the cell.
fn cell_spans(text: &str, start: usize, delimiter: u8, count: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = vec![];
    let mut i = start;
    while out.len() < count {
        let begin = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            while i < bytes.len() {
                i += 1;
                if bytes[i - 1] == b'"' {
                    if bytes.get(i) != Some(&b'"') {
                        break;
                    }
                    i += 1;
                }
            }
        }
        while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') && bytes[i] != delimiter {
            i += 1;
        }
        out.push(begin..i);
        if bytes.get(i) != Some(&delimiter) {
            break;
        }
        i += 1;
    }
    out
}

/// The delimiter that splits the header line into the most columns.
fn detect_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn json_table(file: &Arc<SourceFile>) -> Result<Table, Vec<Diag>> {
    let value: serde_json::Value = serde_json::from_str(&file.text).map_err(|err| {
        let offset = line_offset(&file.text, err.line(), err.column());
        vec![Diag::error(format!("failed to read JSON ({err})")).at(file, offset..offset)]
    })?;
    let Some(items) = value.as_array() else {
        return Err(vec![
            Diag::error("the recipients JSON must be an array of objects").at(file, 0..0),
        ]);
    };
    let mut header: Vec<String> = vec![];
    for item in items {
        for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
    }
    let mut records = vec![];
    for (i, item) in items.iter().enumerate() {
        let values = header
            .iter()
            .map(|k| match item.get(k) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                // Numbers keep the digits as written in the file.
                Some(other) => other.to_string(),
            })
            .collect();
        records.push(Record { values, row: i + 1, span: 0..0, letters: false, cells: vec![] });
    }
    Ok((header, records))
}

fn line_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// Field → column indices.
type Mapping = BTreeMap<&'static str, Vec<usize>>;

fn mapping(
    source: &RawSource,
    header: &[String],
    campaign: &Arc<SourceFile>,
) -> Result<Mapping, Vec<Diag>> {
    let mut out = Mapping::new();
    let mut diags = vec![];
    let find = |name: &str| header.iter().position(|h| h == name);
    for (field, given) in &source.columns {
        let Some(&field) = FIELDS.iter().find(|f| **f == field) else {
            let mut diag = Diag::error(format!("`{field}` is not a recipient field"))
                .at(campaign, given.span())
                .label("in [recipients.columns]");
            if let Some(best) = did_you_mean(field, FIELDS.iter().copied()) {
                diag = diag.hint(format!("did you mean `{best}`?"));
            }
            diags.push(diag);
            continue;
        };
        let names = match given.get_ref() {
            ColumnNames::One(n) => vec![n.clone()],
            ColumnNames::Many(ns) => ns.clone(),
        };
        let mut indices = vec![];
        for name in names {
            match find(&name) {
                Some(i) => indices.push(i),
                None => {
                    let mut diag =
                        Diag::error(format!("the recipients file has no column `{name}`"))
                            .at(campaign, given.span());
                    if let Some(best) = did_you_mean(&name, header.iter().map(String::as_str)) {
                        diag = diag.hint(format!("did you mean `{best}`?"));
                    }
                    diags.push(diag.hint(format!("its columns: {}", header.join(", "))));
                }
            }
        }
        out.insert(field, indices);
    }
    // Columns named like a field map themselves unless mapped already.
    for field in FIELDS {
        if !out.contains_key(field)
            && let Some(i) = header.iter().position(|h| h.eq_ignore_ascii_case(field))
            && !out.values().flatten().any(|j| *j == i)
        {
            out.insert(field, vec![i]);
        }
    }
    if diags.is_empty() { Ok(out) } else { Err(diags) }
}

fn row(
    mapping: &Mapping,
    header: &[String],
    record: Record,
    file: &Arc<SourceFile>,
) -> Result<Row, Box<Diag>> {
    let span = record.span.clone();
    let get = |field: &str| -> Vec<String> {
        mapping
            .get(field)
            .into_iter()
            .flatten()
            .filter_map(|i| record.values.get(*i))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect()
    };
    // The column a field comes from: the first of its columns with a value.
    let column = |field: &str| -> Option<usize> {
        let indices = mapping.get(field)?;
        let filled =
            indices.iter().find(|i| record.values.get(**i).is_some_and(|v| !v.trim().is_empty()));
        filled.or(indices.first()).copied()
    };
    let json = file.name.to_lowercase().ends_with(".json");
    let describe = |i: usize| {
        let h = header.get(i).map_or("", String::as_str);
        if record.letters {
            super::sheet::column_name(i, header)
        } else if json {
            format!("key “{h}”")
        } else {
            format!("column “{h}”")
        }
    };
    let columns: BTreeMap<&'static str, String> =
        FIELDS.iter().filter_map(|f| Some((*f, describe(column(f)?)))).collect();
    let one = |field: &str| get(field).into_iter().next();
    // A field's span is its cell in a CSV file, else the row.
    let spanned = |field: &str| {
        let cell = column(field).and_then(|i| record.cells.get(i)).cloned();
        one(field).map(|v| Spanned::new(cell.unwrap_or_else(|| span.clone()), v))
    };
    let Some(country) = spanned("country") else {
        let (message, hint) = match columns.get("country") {
            Some(column) => (
                format!("row {} of {} has no country", record.row, file.name),
                format!("{column} is empty in this row"),
            ),
            None => (
                format!("the recipients in {} have no country", file.name),
                "map a column to `country` under [recipients.columns]".to_string(),
            ),
        };
        // A spreadsheet has no text to point into: the message names the row.
        let diag =
            if record.letters { Diag::error(message) } else { Diag::error(message).at(file, span) };
        return Err(Box::new(diag.hint(hint)));
    };
    let lines = get("lines");
    let street_latin: Vec<String> = get("street_latin");
    let latin = RawLatin {
        street: if street_latin.is_empty() { Lines::None } else { Lines::Many(street_latin) },
        postcode: one("postcode_latin"),
        city: None,
        region: one("region_latin"),
        lines: None,
    };
    let has_latin =
        !matches!(latin.street, Lines::None) || latin.postcode.is_some() || latin.region.is_some();
    let raw = RawRecipient {
        id: spanned("id"),
        name: one("name"),
        role: one("role"),
        organisation: one("organisation"),
        salutation: one("salutation"),
        honorific: spanned("honorific"),
        family_name: one("family_name"),
        language: spanned("language"),
        postcode_check: spanned("postcode_check"),
        email: one("email"),
        phone: one("phone"),
        address_form: spanned("address_form"),
        address: RawAddress {
            // A cell with line breaks holds several street lines.
            street: match get("street")
                .iter()
                .flat_map(|cell| {
                    cell.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string)
                })
                .collect::<Vec<_>>()
            {
                street if street.is_empty() => Lines::None,
                street => Lines::Many(street),
            },
            postcode: spanned("postcode"),
            city: one("city"),
            region: one("region"),
            country,
            lines: (!lines.is_empty()).then_some(lines),
            city_latin: one("city_latin"),
            latin: has_latin.then(|| Spanned::new(span.clone(), latin)),
        },
    };
    let used: Vec<usize> = mapping.values().flatten().copied().collect();
    let extra = header
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(i, h)| (h.clone(), record.values.get(i).cloned().unwrap_or_default()))
        .collect();
    Ok(Row { raw, extra, row: record.row, span, columns })
}
