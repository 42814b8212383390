//! Diagnostics: one error type for every stage, printed like Typst's own.
//!
//! A [`Diag`] carries a message, an optional location in a source file (the
//! campaign TOML, a body or template `.typ` file, a CSV …) and notes such as
//! the recipient involved or a hint. Every stage returns `Vec<Diag>` so that a
//! run can report all problems at once; [`emit`] renders them with
//! codespan-reporting, which is what Typst uses too.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Styles, StylesWriter, termcolor::WriteColor};

/// A file whose text diagnostics can point into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown to the user (a path relative to the working directory).
    pub name: String,
    /// The full text of the file.
    pub text: String,
}

/// A byte range in a [`SourceFile`], with an optional label.
#[derive(Debug, Clone)]
pub struct Loc {
    /// The file.
    pub file: Arc<SourceFile>,
    /// The byte range.
    pub range: Range<usize>,
    /// Text printed under the underline.
    pub label: String,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build cannot go on.
    Error,
    /// Worth a look; the build goes on.
    Warning,
}

/// One problem found while loading, checking or building a campaign.
#[derive(Debug, Clone)]
pub struct Diag {
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, in the voice "failed to X (cause)".
    pub message: String,
    /// Where it happened, if it points into a file.
    pub primary: Option<Loc>,
    /// Other places worth showing.
    pub secondary: Vec<Loc>,
    /// Lines printed after the source excerpt (`recipient: …`, `hint: …`).
    pub notes: Vec<String>,
}

/// The result type of every stage.
pub type DiagResult<T> = Result<T, Vec<Diag>>;

impl Diag {
    /// An error without a location.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: vec![],
            notes: vec![],
        }
    }

    /// A warning without a location.
    pub fn warning(message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(message) }
    }

    /// Points the diagnostic at a range of a file.
    pub fn at(mut self, file: &Arc<SourceFile>, range: Range<usize>) -> Self {
        let range = clamp(&file.text, range);
        self.primary = Some(Loc { file: file.clone(), range, label: String::new() });
        self
    }

    /// Sets the label under the primary underline.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        if let Some(loc) = &mut self.primary {
            loc.label = label.into();
        }
        self
    }

    /// Adds a secondary location.
    pub fn also(mut self, file: &Arc<SourceFile>, range: Range<usize>, label: &str) -> Self {
        let range = clamp(&file.text, range);
        self.secondary.push(Loc { file: file.clone(), range, label: label.into() });
        self
    }

    /// Adds a `hint:` line.
    pub fn hint(mut self, hint: impl std::fmt::Display) -> Self {
        self.notes.push(format!("hint: {hint}"));
        self
    }

    /// Adds a `recipient:` line naming the recipient involved.
    pub fn recipient(mut self, who: impl std::fmt::Display) -> Self {
        self.notes.insert(0, format!("recipient: {who}"));
        self
    }

    /// Whether this diagnostic stops the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Keeps a range inside the text and on character boundaries.
fn clamp(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start.min(text.len());
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Renders diagnostics to a terminal or any other writer.
pub fn emit(dest: &mut dyn WriteColor, diags: &[Diag]) {
    let mut files = SimpleFiles::new();
    let mut ids: Vec<(Arc<SourceFile>, usize)> = vec![];
    let mut id_of = |file: &Arc<SourceFile>, files: &mut SimpleFiles<String, String>| {
        if let Some((_, id)) = ids
            .iter()
            .find(|(f, _)| Arc::ptr_eq(f, file) || (f.name == file.name && f.text == file.text))
        {
            return *id;
        }
        let id = files.add(file.name.clone(), file.text.clone());
        ids.push((file.clone(), id));
        id
    };
    let config = term::Config { tab_width: 2, ..Default::default() };
    let styles = Styles::default();
    for diag in diags {
        let mut labels = vec![];
        if let Some(loc) = &diag.primary {
            let id = id_of(&loc.file, &mut files);
            labels.push(Label::primary(id, loc.range.clone()).with_message(&loc.label));
        }
        for loc in &diag.secondary {
            let id = id_of(&loc.file, &mut files);
            labels.push(Label::secondary(id, loc.range.clone()).with_message(&loc.label));
        }
        let rendered = match diag.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
        }
        .with_message(&diag.message)
        .with_labels(labels)
        .with_notes(diag.notes.clone());
        // Writing to a terminal can only fail if it went away; nothing to do then.
        let mut writer = StylesWriter::new(&mut *dest, &styles);
        let _ = term::emit_to_write_style(&mut writer, &config, &files, &rendered);
    }
}

/// Renders diagnostics without colour, as the tests compare them.
pub fn render_plain(diags: &[Diag]) -> String {
    let mut out = term::termcolor::NoColor::new(Vec::new());
    emit(&mut out, diags);
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}

/// Renders a diagnostic as one machine-readable line (`file:line:col: error: message`).
pub fn short(diag: &Diag) -> String {
    let mut out = String::new();
    if let Some(loc) = &diag.primary {
        let (line, col) = line_col(&loc.file.text, loc.range.start);
        out.push_str(&format!("{}:{line}:{col}: ", loc.file.name));
    }
    let kind = if diag.is_error() { "error" } else { "warning" };
    out.push_str(&format!("{kind}: {}", diag.message));
    out
}

/// One-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// [`line_col`] through a line index kept per file, for reports of many
/// thousands of diagnostics on one large file.
fn indexed_line_col(file: &Arc<SourceFile>, offset: usize) -> (usize, usize) {
    thread_local! {
        static INDEX: std::cell::RefCell<Option<(Arc<SourceFile>, Vec<usize>)>> = const { std::cell::RefCell::new(None) };
    }
    INDEX.with(|cell| {
        let mut cell = cell.borrow_mut();
        if !cell.as_ref().is_some_and(|(f, _)| Arc::ptr_eq(f, file)) {
            let starts = std::iter::once(0)
                .chain(file.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            *cell = Some((file.clone(), starts));
        }
        let Some((_, starts)) = cell.as_ref() else { return line_col(&file.text, offset) };
        let offset = offset.min(file.text.len());
        let line = starts.partition_point(|&start| start <= offset);
        let start = starts[line.saturating_sub(1)];
        let column = file.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    })
}

/// Suggests the closest candidate for a misspelt name, if one is close enough.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Keeps at most `errors` errors and `warnings` warnings with the same
/// message and folds the rest into a note on the last one kept, so 100,000
/// identical problems do not bury the screen. (A warning says the same for
/// every recipient it is about, "transliterated the city “Москва”", and the
/// one shown is enough; each error shown is a place to fix.)
pub fn fold(diags: &[Diag], errors: usize, warnings: usize) -> Vec<Diag> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for d in diags {
        *count.entry(d.message.as_str()).or_default() += 1;
    }
    let mut shown: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut out = vec![];
    for d in diags {
        let n = shown.entry(d.message.as_str()).or_default();
        *n += 1;
        let limit = if d.is_error() { errors } else { warnings };
        if *n > limit {
            continue;
        }
        let mut d = d.clone();
        let total = count[d.message.as_str()];
        if *n == limit && total > limit {
            d.notes.push(format!(
                "… and {} more like this (`--format json` lists every one)",
                total - limit
            ));
        }
        out.push(d);
    }
    out
}

/// A diagnostic as JSON: message, file, line, column, recipient and hints.
pub fn to_json(diag: &Diag) -> serde_json::Value {
    let at = diag.primary.as_ref().map(|loc| {
        let (line, column) = indexed_line_col(&loc.file, loc.range.start);
        serde_json::json!({ "file": loc.file.name, "line": line, "column": column })
    });
    let note = |prefix: &str| -> Vec<String> {
        diag.notes.iter().filter_map(|n| n.strip_prefix(prefix).map(str::to_string)).collect()
    };
    serde_json::json!({
        "severity": if diag.is_error() { "error" } else { "warning" },
        "message": diag.message,
        "at": at,
        "recipients": note("recipient: "),
        "hints": note("hint: "),
    })
}

impl From<Diag> for Vec<Diag> {
    fn from(diag: Diag) -> Self {
        vec![diag]
    }
}

/// Merges identical problems reported for many recipients (a broken template
/// fails every packet the same way) into one diagnostic naming them.
pub fn dedupe(diags: Vec<Diag>) -> Vec<Diag> {
    diags.into_iter().collect::<Merged>().finish()
}

/// Problems merged as they arrive: one diagnostic per distinct problem and
/// the recipients it was reported for, so that 2,000 "transliterated the
/// city" warnings of a large campaign cost one diagnostic and 2,000 names.
#[derive(Default)]
pub struct Merged {
    out: Vec<(Diag, Vec<String>)>,
    seen: HashMap<String, usize>,
}

impl FromIterator<Diag> for Merged {
    fn from_iter<I: IntoIterator<Item = Diag>>(diags: I) -> Self {
        let mut merged = Self::default();
        diags.into_iter().for_each(|d| merged.push(d));
        merged
    }
}

impl Merged {
    /// Adds a problem.
    pub fn push(&mut self, mut diag: Diag) {
        let key = format!(
            "{}|{:?}",
            diag.message,
            diag.primary.as_ref().map(|l| (l.file.name.clone(), l.range.clone()))
        );
        let who = diag.notes.iter().position(|n| n.starts_with("recipient: "));
        match self.seen.get(&key) {
            Some(&i) => {
                let whos = &mut self.out[i].1;
                if let Some(who) = who.map(|k| diag.notes.swap_remove(k))
                    && !whos.contains(&who)
                {
                    whos.push(who);
                }
            }
            None => {
                self.seen.insert(key, self.out.len());
                let (who, rest): (Vec<String>, Vec<String>) =
                    diag.notes.drain(..).partition(|n| n.starts_with("recipient: "));
                diag.notes = rest;
                self.out.push((diag, who));
            }
        }
    }

    /// The merged problems, each naming its recipients (the first three and
    /// how many more).
    pub fn finish(self) -> Vec<Diag> {
        self.out
            .into_iter()
            .map(|(mut diag, who)| {
                let rest = std::mem::take(&mut diag.notes);
                if who.len() > 3 {
                    let names: Vec<&str> =
                        who.iter().take(3).map(|n| n.trim_start_matches("recipient: ")).collect();
                    diag.notes.push(format!(
                        "recipients: {} and {} more",
                        names.join(", "),
                        who.len() - 3
                    ));
                } else {
                    diag.notes.extend(who);
                }
                diag.notes.extend(rest);
                diag
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_twenty_errors_and_one_warning_per_message() {
        let mut diags = vec![];
        for n in 0..25 {
            diags.push(Diag::error("unknown country `XX`").recipient(format!("#{n}")));
            diags
                .push(Diag::warning("transliterated the city “Москва”").recipient(format!("#{n}")));
        }
        diags.push(Diag::warning("a warning said once"));
        let folded = fold(&diags, 20, 1);
        let count = |message: &str| folded.iter().filter(|d| d.message == message).count();
        assert_eq!(count("unknown country `XX`"), 20);
        assert_eq!(count("transliterated the city “Москва”"), 1);
        assert_eq!(count("a warning said once"), 1);
        let note = |message: &str| {
            let last = folded.iter().rfind(|d| d.message == message);
            last.and_then(|d| d.notes.last().cloned()).unwrap_or_default()
        };
        let more = |n| format!("… and {n} more like this (`--format json` lists every one)");
        assert_eq!(note("unknown country `XX`"), more(5));
        assert_eq!(note("transliterated the city “Москва”"), more(24));
        assert_eq!(note("a warning said once"), "");
        // The first of each is the one kept, in the order given.
        assert_eq!(folded[1].notes.first().map(String::as_str), Some("recipient: #0"));
    }
}
