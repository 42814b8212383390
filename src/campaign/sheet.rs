//! Spreadsheets (.ods, .xlsx, .xls, .xlsb) as the text their cells show.
//!
//! An .ods file stores the text each cell shows next to its value
//! (`<text:p>` in `content.xml`); letterpress reads that text, so a date
//! reads as the user sees it whatever its format. An .xlsx cell stores a
//! value and a number format; [`numfmt`](super::numfmt) renders the value
//! the way Excel shows it, and a format it does not know is an error that
//! names the cell. .xls and .xlsb files give no number formats: their
//! numbers read as in the General format (with a warning) and their dates
//! are an error.

use std::sync::Arc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::numfmt;
use super::source::{Record, Table};
use crate::diag::{Diag, SourceFile, did_you_mean};

/// The most rows and columns a sheet may have (those of LibreOffice and Excel).
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;

/// The cells of a sheet as shown: rows with their numbers (from 1).
type Grid = Vec<(usize, Vec<String>)>;

/// A cell whose shown text letterpress cannot tell, and why.
struct Unknown {
    row: usize,
    column: usize,
    why: String,
}

/// Reads the named sheet (or the first) as a table of shown text, with
/// warnings.
pub fn read(
    sheet: Option<&str>,
    bytes: &[u8],
    file: &Arc<SourceFile>,
) -> Result<(Table, Vec<Diag>), Vec<Diag>> {
    let fail = |why: String| {
        vec![Diag::error(format!("failed to read spreadsheet `{}` ({why})", file.name))]
    };
    let ods = file.name.to_lowercase().ends_with(".ods");
    let (names, grid, unknown, warnings) = if ods {
        let (names, grid) = read_ods(bytes, sheet).map_err(fail)?;
        (names, grid, vec![], vec![])
    } else {
        read_excel(bytes, sheet, file).map_err(|e| fail(e.to_string()))?
    };
    let Some(grid) = grid else {
        let sheet = sheet.unwrap_or("");
        let mut diag = Diag::error(format!("`{}` has no sheet `{sheet}`", file.name));
        if let Some(best) = did_you_mean(sheet, names.iter().map(String::as_str)) {
            diag = diag.hint(format!("did you mean `{best}`?"));
        }
        return Err(vec![diag.hint(format!("its sheets: {}", names.join(", ")))]);
    };
    let mut rows = grid.into_iter();
    let (_, header) = rows.next().unwrap_or((1, vec![]));
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    if !unknown.is_empty() {
        return Err(unknown
            .into_iter()
            .map(|u| {
                Diag::error(format!(
                    "failed to read cell {}{} of `{}` as shown ({})",
                    letter(u.column),
                    u.row,
                    file.name,
                    u.why
                ))
                .hint(format!("in {}, row {}", column_name(u.column, &header), u.row))
                .hint("format the column as Text, or use a format such as dd/mm/yyyy, d mmmm yyyy, 0.00, #,##0 or 0%")
            })
            .collect());
    }
    let records = rows
        .map(|(row, values)| Record { values, row, span: 0..0, letters: true, cells: vec![] })
        .collect();
    Ok(((header, records), warnings))
}

/// `A` for column 0, `Z` for 25, `AA` for 26.
pub fn letter(column: usize) -> String {
    let mut n = column + 1;
    let mut out = vec![];
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.iter().rev().map(|b| char::from(*b)).collect()
}

/// How errors name a column: `column F “Postcode”`.
pub fn column_name(column: usize, header: &[String]) -> String {
    match header.get(column).filter(|h| !h.is_empty()) {
        Some(h) => format!("column {} “{h}”", letter(column)),
        None => format!("column {}", letter(column)),
    }
}

type ExcelSheet = (Vec<String>, Option<Grid>, Vec<Unknown>, Vec<Diag>);

/// An .xlsx, .xlsm, .xls or .xlsb workbook through calamine.
fn read_excel(
    bytes: &[u8],
    sheet: Option<&str>,
    file: &Arc<SourceFile>,
) -> Result<ExcelSheet, calamine::Error> {
    use calamine::{Data, Reader, Sheets};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(sheet) if names.iter().any(|n| n == sheet) => sheet.to_string(),
        Some(_) => return Ok((names, None, vec![], vec![])),
        None => match names.first() {
            Some(first) => first.clone(),
            None => return Ok((names, Some(vec![]), vec![], vec![])),
        },
    };
    let range = book.worksheet_range(&name)?;
    // Only .xlsx gives the number format of each cell.
    let (styles, date1904) = match &mut book {
        Sheets::Xlsx(xlsx) => (Some(xlsx.worksheet_style(&name)?), xlsx.has_1904_epoch()),
        _ => (None, false),
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::new();
    let mut unknown = vec![];
    let mut general = vec![];
    for (i, cells) in range.rows().enumerate() {
        let row = top as usize + i;
        let mut values = vec![String::new(); left as usize];
        for (j, cell) in cells.iter().enumerate() {
            let column = left as usize + j;
            let format = styles
                .as_ref()
                .and_then(|s| s.get((row as u32, column as u32)))
                .and_then(|s| s.number_format.as_ref());
            let code = format.map_or("General", |f| f.format_code.as_str());
            // Built-in formats shown as the computer's settings say (14 and
            // 22: the short date; 5–8, 23–36, 50–58: local currencies and
            // dates): the file cannot tell what its reader sees.
            let id = format.and_then(|f| f.format_id).unwrap_or(0);
            let local = id != 0 && id < 164 && (matches!(id, 14 | 22) || code == "General");
            let mut number = |value: f64| -> Option<String> {
                if styles.is_none() {
                    general.push((row, column));
                }
                if local {
                    return None;
                }
                numfmt::display(value, code, date1904)
            };
            let shown = match cell {
                Data::Empty => Some(String::new()),
                Data::String(s) => numfmt::display_text(s, code),
                Data::Int(n) => number(*n as f64),
                Data::Float(f) => number(*f),
                Data::DateTime(dt) if styles.is_none() => {
                    unknown.push(Unknown {
                        row: row + 1,
                        column,
                        why: "a date in an .xls or .xlsb file, whose date formats letterpress cannot read; save the file as .xlsx or .ods".into(),
                    });
                    Some(dt.as_f64().to_string())
                }
                Data::DateTime(dt) => number(dt.as_f64()),
                Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.into()),
                Data::Error(e) => Some(e.to_string()),
                Data::DateTimeIso(_) | Data::DurationIso(_) => None,
            };
            let shown = shown.unwrap_or_else(|| {
                let why = if local {
                    format!("it has built-in number format {id}, which each computer shows in its own way")
                } else {
                    format!("its number format `{code}` is one letterpress does not know")
                };
                unknown.push(Unknown { row: row + 1, column, why });
                String::new()
            });
            values.push(shown);
        }
        if values.iter().any(|v| !v.trim().is_empty()) {
            grid.push((row + 1, values));
        }
    }
    let mut warnings = vec![];
    // The header row holds text; numbers in it are no data.
    general.retain(|(row, _)| grid.first().is_some_and(|(first, _)| row + 1 != *first));
    if let Some((row, column)) = general.first() {
        warnings.push(
            Diag::warning(format!(
                "`{}` gives no number formats: {} number cells read as in the General format (the first is {}{})",
                file.name,
                general.len(),
                letter(*column),
                row + 1
            ))
            .hint("a number formatted as 0.00 reads as 3.1, not 3.10; save the file as .xlsx or .ods, or format these columns as Text"),
        );
    }
    Ok((names, Some(grid), unknown, warnings))
}

/// The value of an attribute, unescaped.
fn attr(e: &BytesStart, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
}

/// A count attribute (`table:number-columns-repeated`), 1 when absent.
fn count(e: &BytesStart, name: &str) -> usize {
    attr(e, name).and_then(|v| v.parse().ok()).unwrap_or(1).max(1)
}

/// The text of one cell as it is read.
#[derive(Default)]
struct Cell {
    text: String,
    paragraphs: usize,
    in_paragraph: usize,
    repeat: usize,
    /// The value when the cell has no paragraph (files not from an office suite).
    value: String,
}

/// A cell's value from its attributes, for a cell without paragraphs.
fn cell_value(e: &BytesStart) -> String {
    let kind = attr(e, "office:value-type").unwrap_or_default();
    let key = match kind.as_str() {
        "date" => "office:date-value",
        "time" => "office:time-value",
        "boolean" => "office:boolean-value",
        "string" => "office:string-value",
        "" => return String::new(),
        _ => "office:value",
    };
    let value = attr(e, key).unwrap_or_default();
    if kind == "boolean" { value.to_uppercase() } else { value }
}

/// The sheet names of an .ods file and the shown text of the named sheet
/// (the first when none is named; `None` when it has no such sheet).
fn read_ods(bytes: &[u8], want: Option<&str>) -> Result<(Vec<String>, Option<Grid>), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("content.xml").map_err(|e| format!("content.xml: {e}"))?,
        &mut xml,
    )
    .map_err(|e| format!("content.xml: {e}"))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut names = vec![];
    let mut grid: Option<Grid> = None;
    let mut reading = false; // inside the wanted table
    let mut depth = 0; // tables nested in the wanted one
    let mut row_number = 0;
    let mut row: Option<(Vec<String>, usize, usize)> = None; // cells, repeat, pending empty cells
    let mut cell: Option<Cell> = None;
    loop {
        let event = reader.read_event().map_err(|e| format!("content.xml: {e}"))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "table:table" => {
                    if reading {
                        depth += 1;
                        continue;
                    }
                    let name = attr(&e, "table:name").unwrap_or_default();
                    let wanted = match want {
                        Some(w) => w == name,
                        None => names.is_empty(),
                    };
                    names.push(name);
                    if wanted && grid.is_none() && !empty {
                        reading = true;
                        grid = Some(vec![]);
                    } else if wanted && grid.is_none() {
                        grid = Some(vec![]);
                    }
                }
                _ if !reading || depth > 0 => {}
                "table:table-row" => {
                    row = Some((vec![], count(&e, "table:number-rows-repeated"), 0));
                    if empty {
                        end_row(&mut row, &mut row_number, &mut grid)?;
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let mut c = Cell {
                        repeat: count(&e, "table:number-columns-repeated"),
                        value: cell_value(&e),
                        ..Cell::default()
                    };
                    if empty {
                        end_cell(&mut c, &mut row)?;
                    } else {
                        cell = Some(c);
                    }
                }
                "office:annotation" if !empty => {
                    // A comment on the cell, not its text.
                    reader.read_to_end(e.name()).map_err(|e| format!("content.xml: {e}"))?;
                }
                name => {
                    let Some(c) = cell.as_mut() else { continue };
                    match name {
                        "text:p" | "text:h" => {
                            if c.paragraphs > 0 {
                                c.text.push('\n');
                            }
                            c.paragraphs += 1;
                            if !empty {
                                c.in_paragraph += 1;
                            }
                        }
                        "text:s" => {
                            let n = count(&e, "text:c").min(MAX_COLUMNS);
                            c.text.extend(std::iter::repeat_n(' ', n));
                        }
                        "text:tab" => c.text.push('\t'),
                        "text:line-break" => c.text.push('\n'),
                        _ => {}
                    }
                }
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table" if reading && depth > 0 => depth -= 1,
                "table:table" if reading => reading = false,
                _ if !reading || depth > 0 => {}
                "table:table-row" => end_row(&mut row, &mut row_number, &mut grid)?,
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some(mut c) = cell.take() {
                        end_cell(&mut c, &mut row)?;
                    }
                }
                "text:p" | "text:h" => {
                    if let Some(c) = cell.as_mut() {
                        c.in_paragraph = c.in_paragraph.saturating_sub(1);
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(c) = cell.as_mut().filter(|c| c.in_paragraph > 0) {
                    c.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = cell.as_mut().filter(|c| c.in_paragraph > 0) {
                    match r.resolve_char_ref() {
                        Ok(Some(ch)) => c.text.push(ch),
                        _ => {
                            let entity = quick_xml::escape::resolve_predefined_entity(&r);
                            c.text.push_str(entity.unwrap_or(""));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok((names, grid))
}

/// Adds a finished cell (repeated as often as it says) to its row.
fn end_cell(c: &mut Cell, row: &mut Option<(Vec<String>, usize, usize)>) -> Result<(), String> {
    let Some((cells, _, pending)) = row.as_mut() else { return Ok(()) };
    let text = if c.paragraphs > 0 { std::mem::take(&mut c.text) } else { c.value.clone() };
    if text.is_empty() {
        // Empty cells count only when a filled one follows them.
        *pending += c.repeat;
        return Ok(());
    }
    if cells.len() + *pending + c.repeat > MAX_COLUMNS {
        return Err(format!("a row has more than {MAX_COLUMNS} columns"));
    }
    cells.extend(std::iter::repeat_n(String::new(), *pending));
    *pending = 0;
    cells.extend(std::iter::repeat_n(text, c.repeat));
    Ok(())
}

/// Adds a finished row (repeated as often as it says) to the grid; empty
/// rows only count.
fn end_row(
    row: &mut Option<(Vec<String>, usize, usize)>,
    number: &mut usize,
    grid: &mut Option<Grid>,
) -> Result<(), String> {
    let Some((cells, repeat, _)) = row.take() else { return Ok(()) };
    let filled = cells.iter().any(|c| !c.trim().is_empty());
    if filled && let Some(grid) = grid.as_mut() {
        if *number + repeat > MAX_ROWS {
            return Err(format!("the sheet has more than {MAX_ROWS} rows"));
        }
        for n in 1..=repeat {
            grid.push((*number + n, cells.clone()));
        }
    }
    *number += repeat;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(5), "F");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(16_383), "XFD");
    }
}
