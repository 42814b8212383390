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
}

/// Reads the rows of a recipients file. `file` holds its text (for errors).
pub fn read(source: &RawSource, file: &Arc<SourceFile>) -> Result<Vec<Row>, Vec<Diag>> {
    let lower = file.name.to_lowercase();
    let table = if lower.ends_with(".json") { json_table(file)? } else { csv_table(source, file)? };
    rows(source, table, file)
}

/// Reads the rows of a spreadsheet (.xlsx, .xls, .xlsb, .ods): the named
/// sheet, or the first. Cells become the text a spreadsheet shows in its
/// default format: text as typed, whole numbers without ".0", other numbers
/// in their shortest form, dates as YYYY-MM-DD, formulas as their value.
pub fn read_sheet(
    source: &RawSource,
    bytes: &[u8],
    file: &Arc<SourceFile>,
) -> Result<Vec<Row>, Vec<Diag>> {
    use calamine::Reader;
    let fail = |why: String| {
        vec![Diag::error(format!("failed to read spreadsheet `{}` ({why})", file.name))]
    };
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| fail(e.to_string()))?;
    let names = book.sheet_names();
    let name = match &source.sheet {
        Some(sheet) if names.contains(sheet.get_ref()) => sheet.get_ref().clone(),
        Some(sheet) => {
            let mut diag =
                Diag::error(format!("`{}` has no sheet `{}`", file.name, sheet.get_ref()));
            if let Some(best) = did_you_mean(sheet.get_ref(), names.iter().map(String::as_str)) {
                diag = diag.hint(format!("did you mean `{best}`?"));
            }
            return Err(vec![diag.hint(format!("its sheets: {}", names.join(", ")))]);
        }
        None => names.first().cloned().ok_or_else(|| fail("it has no sheets".into()))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| fail(e.to_string()))?;
    let mut header = vec![];
    let mut records = vec![];
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    for (i, cells) in range.rows().enumerate() {
        let values: Vec<String> = cells.iter().map(cell_text).collect();
        if i == 0 {
            header = values.iter().map(|h| h.trim().to_string()).collect();
        } else {
            records.push(Record { values, row: first_row + i + 1, span: 0..0 });
        }
    }
    rows(source, (header, records), file)
}

/// The text a spreadsheet shows for a cell in its default format.
pub fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(dt) => serial_date(dt.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A spreadsheet date serial (days since 1899-12-30) as YYYY-MM-DD, with the
/// time when it has one.
fn serial_date(serial: f64) -> String {
    // Serial 25,569 is 1970-01-01.
    let (year, month, day) = crate::civil::from_days(serial.floor() as i64 - 25_569);
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if secs == 0 {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
    }
}

/// Turns a table into recipients through the column mapping.
fn rows(source: &RawSource, table: Table, file: &Arc<SourceFile>) -> Result<Vec<Row>, Vec<Diag>> {
    let (header, records) = table;
    let mapping = mapping(source, &header)?;
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
    if diags.is_empty() { Ok(rows) } else { Err(diags) }
}

/// A record: its values by column index, its row number and byte range.
struct Record {
    values: Vec<String>,
    row: usize,
    span: Range<usize>,
}

type Table = (Vec<String>, Vec<Record>);

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
            records.push(Record { values, row: i + 1, span: start..line_end });
        }
    }
    Ok((header, records))
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
        records.push(Record { values, row: i + 1, span: 0..0 });
    }
    Ok((header, records))
}

fn line_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// Field → column indices.
type Mapping = BTreeMap<&'static str, Vec<usize>>;

fn mapping(source: &RawSource, header: &[String]) -> Result<Mapping, Vec<Diag>> {
    let mut out = Mapping::new();
    let mut diags = vec![];
    let find = |name: &str| header.iter().position(|h| h == name);
    for (field, names) in &source.columns {
        let Some(&field) = FIELDS.iter().find(|f| **f == field) else {
            let mut diag = Diag::error(format!("`{field}` is not a recipient field"));
            if let Some(best) = did_you_mean(field, FIELDS.iter().copied()) {
                diag = diag.hint(format!("did you mean `{best}`?"));
            }
            diags.push(diag);
            continue;
        };
        let names = match names.get_ref() {
            ColumnNames::One(n) => vec![n.clone()],
            ColumnNames::Many(ns) => ns.clone(),
        };
        let mut indices = vec![];
        for name in names {
            match find(&name) {
                Some(i) => indices.push(i),
                None => {
                    let mut diag =
                        Diag::error(format!("the recipients file has no column `{name}`"));
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
    let one = |field: &str| get(field).into_iter().next();
    let spanned = |field: &str| one(field).map(|v| Spanned::new(span.clone(), v));
    let Some(country) = spanned("country") else {
        let column = mapping.get("country").and_then(|i| i.first()).and_then(|i| header.get(*i));
        let hint = match column {
            Some(column) => format!("the column `{column}` is empty in this row"),
            None => "map a column to `country` under [recipients.columns]".to_string(),
        };
        let diag = Diag::error(format!("row {} has no country", record.row)).at(file, span);
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
    Ok(Row { raw, extra, row: record.row, span })
}
