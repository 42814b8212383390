//! Helpers shared by the suite: running the binary (with a deadline), the
//! reference build (once per test process), zips, PDFs and campaign copies.

use std::ffi::OsStr;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The reference campaign's id: names the zip and its root folder.
pub const ID: &str = "semenova-2018";

/// The reference campaign's packet folders, in campaign order.
pub const FOLDERS: [&str; 8] = [
    "001-carlsson",
    "002-khamzayev",
    "003-kozhamzharov",
    "004-elihanuly",
    "005-kasymov",
    "006-masimov",
    "007-presidential-administration",
    "008-shakirov",
];

/// Per packet: who the address block names first, and the city line as
/// printed (capitals, as the destination's post wants it).
pub const PRINTED: [(&str, &str); 8] = [
    ("Sven-Olov CARLSSON", "ASTANA"),
    ("Almaz KHAMZAYEV", "1180 BRUSSELS"),
    ("K.P. KOZHAMZHAROV", "ASTANA"),
    ("Kayrat ELIHANULY", "PAVLODAR"),
    ("Kalmukhanbet KASYMOV", "ASTANA"),
    ("K.K. MASIMOV", "ASTANA"),
    ("Administration of the President of the Republic of Kazakhstan", "ASTANA CITY"),
    ("A.O. SHAKIROV", "ASTANA"),
];

/// How long one run of the binary may take before the test fails (a hang
/// must fail the suite, not stall it).
const DEADLINE: Duration = Duration::from_secs(600);

/// The crate root (`CARGO_MANIFEST_DIR`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference campaign file.
pub fn reference_toml() -> PathBuf {
    root().join("campaigns").join(format!("{ID}.toml"))
}

/// One finished run of the binary.
#[derive(Debug, Clone)]
pub struct Run {
    /// What was run, for messages.
    pub what: String,
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, and that nothing panicked.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code of {}\n{}", self.what, self.dump());
        self.assert_no_panic()
    }

    /// Asserts that the process did not panic or overflow its stack.
    #[track_caller]
    pub fn assert_no_panic(&self) -> &Self {
        for bad in ["panicked", "RUST_BACKTRACE", "stack overflow"] {
            assert!(!self.stderr.contains(bad), "{} crashed ({bad}):\n{}", self.what, self.dump());
        }
        self
    }

    /// Asserts that stderr contains every one of `needles`.
    #[track_caller]
    pub fn assert_stderr_has(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr of {} lacks {needle:?}\n{}",
                self.what,
                self.dump()
            );
        }
        self
    }

    /// Both streams, for failure messages.
    pub fn dump(&self) -> String {
        format!("--- stdout ---\n{}--- stderr ---\n{}--- end ---", self.stdout, self.stderr)
    }
}

/// Runs `letterpress` with `args` in `cwd`, without `SOURCE_DATE_EPOCH` from
/// the environment, and waits for it (at most [`DEADLINE`]).
#[track_caller]
pub fn letterpress<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    let what = format!(
        "`letterpress {}` in {}",
        args.iter().map(|a| a.as_ref().to_string_lossy()).collect::<Vec<_>>().join(" "),
        cwd.display()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_letterpress"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to start {what}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = vec![];
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8(bytes).expect("output is UTF-8")
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for letterpress") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {} s", DEADLINE.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        what,
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// A build of the reference campaign, run from the crate root.
pub struct Reference {
    /// The zip's bytes.
    pub zip: Vec<u8>,
    /// The run that wrote it.
    pub run: Run,
}

/// Builds the reference campaign once per test process (default `--jobs`,
/// from the crate root, as the README shows) and keeps the zip in memory; the
/// temporary output folder is removed at once.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let out = tempfile::tempdir().expect("temp dir");
        let run = build(&root(), Path::new("campaigns/semenova-2018.toml"), out.path(), &[]);
        let zip = std::fs::read(out.path().join(format!("{ID}.zip")))
            .unwrap_or_else(|e| panic!("the reference build wrote no zip ({e})\n{}", run.dump()));
        Reference { zip, run }
    })
}

/// Builds a campaign into `out` with extra arguments; asserts exit 0.
#[track_caller]
pub fn build(cwd: &Path, campaign: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> =
        vec!["build".as_ref(), campaign.as_os_str(), "-o".as_ref(), out.as_os_str()];
    args.extend(extra.iter().map(|a| OsStr::new(*a)));
    let run = letterpress(cwd, &args);
    run.assert_code(0);
    run
}

/// A zip read into memory, entries in archive order.
pub struct Zip {
    entries: Vec<(String, Vec<u8>)>,
}

impl Zip {
    /// Reads every entry of a zip.
    #[track_caller]
    pub fn open(bytes: &[u8]) -> Self {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
        let mut entries = vec![];
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("zip entry");
            let mut data = vec![];
            entry.read_to_end(&mut data).expect("read zip entry");
            entries.push((entry.name().unwrap().into_owned(), data));
        }
        Self { entries }
    }

    /// Entry names in archive order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The bytes of an entry, which must exist.
    #[track_caller]
    pub fn get(&self, name: &str) -> &[u8] {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .unwrap_or_else(|| panic!("the zip has no `{name}`; it has {:#?}", self.names()))
    }
}

/// Loads a PDF from bytes.
#[track_caller]
pub fn pdf(bytes: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(bytes).unwrap_or_else(|e| panic!("not a readable PDF: {e}"))
}

/// The page object ids in page order.
pub fn pages(doc: &lopdf::Document) -> Vec<lopdf::ObjectId> {
    doc.get_pages().into_values().collect()
}

/// A page's size in points from its MediaBox (inherited from the page tree
/// if the page has none, as PDF allows).
#[track_caller]
pub fn page_size(doc: &lopdf::Document, page: lopdf::ObjectId) -> (f64, f64) {
    let mut node = doc.get_dictionary(page).expect("page dictionary");
    let media_box = loop {
        if let Ok(value) = node.get(b"MediaBox") {
            break value;
        }
        let parent = node
            .get(b"Parent")
            .and_then(lopdf::Object::as_reference)
            .unwrap_or_else(|_| panic!("page {page:?} has no MediaBox, not even inherited"));
        node = doc.get_dictionary(parent).expect("page tree node");
    };
    let (_, media_box) = doc.dereference(media_box).expect("MediaBox");
    let n: Vec<f64> = media_box
        .as_array()
        .expect("MediaBox is an array")
        .iter()
        .map(|o| f64::from(doc.dereference(o).expect("number").1.as_float().expect("number")))
        .collect();
    assert_eq!(n.len(), 4, "MediaBox {n:?}");
    ((n[2] - n[0]).abs(), (n[3] - n[1]).abs())
}

/// A4 and DL in points (1 pt = 25.4/72 mm).
pub const A4_PT: (f64, f64) = (595.28, 841.89);
/// DL (220 × 110 mm) in points.
pub const DL_PT: (f64, f64) = (623.62, 311.81);

/// Asserts that every page of a PDF has the given size within 0.01 pt.
#[track_caller]
pub fn assert_pages_sized(doc: &lopdf::Document, size: (f64, f64), what: &str) {
    for (i, page) in pages(doc).into_iter().enumerate() {
        let (w, h) = page_size(doc, page);
        assert!(
            (w - size.0).abs() <= 0.01 && (h - size.1).abs() <= 0.01,
            "{what}: page {} is {w} × {h} pt, not {} × {} pt",
            i + 1,
            size.0,
            size.1
        );
    }
}

pub use super::pdf_text::page_text;

/// Text without any whitespace: PDF text extraction and line wrapping do not
/// agree on where spaces and line breaks go, the characters' order does.
pub fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Copies the reference campaign (TOML and body) into `dir`; returns the
/// path of the copied campaign file.
pub fn reference_copy(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join(ID)).expect("create campaign folder");
    std::fs::copy(
        root().join("campaigns").join(ID).join("body.typ"),
        dir.join(ID).join("body.typ"),
    )
    .expect("copy body");
    let toml = dir.join(format!("{ID}.toml"));
    std::fs::copy(reference_toml(), &toml).expect("copy campaign");
    toml
}

/// Replaces the one occurrence of `from` in a file (fails if there is not
/// exactly one, so an edit to the reference cannot silently void a test).
#[track_caller]
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read file to edit");
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write edited file");
}

/// The names of the files in a folder (empty if it does not exist).
pub fn files_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut names: Vec<String> =
        entries.map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The inline body of [`small_campaign`].
pub const INLINE_BODY: &str = r#"body = "We ask you to close the case against Ms Semenova.""#;

/// A small campaign: sender in Brussels, the body given by `body` (a
/// `body = …` or `body_file = …` line, e.g. [`INLINE_BODY`]) and the given
/// `[[recipient]]` tables. Written to `dir/campaign.toml`.
pub fn small_campaign(dir: &Path, body: &str, recipients: &str) -> PathBuf {
    let text = format!(
        r#"[campaign]
id = "small"
title = "Small campaign"
date = 2018-07-27

[sender]
name = "Mady Delvaux"
organisation = "European Parliament"
address = {{ street = "Rue Wiertz 60", postcode = "1047", city = "Brussels", country = "BE" }}

[letter]
subject = "Criminal prosecution of Elena Semenova"
{body}

{recipients}"#
    );
    let path = dir.join("campaign.toml");
    std::fs::write(&path, text).expect("write campaign");
    path
}

/// Loads a campaign through the library; it must load.
#[track_caller]
pub fn load(path: &Path) -> letterpress::campaign::Campaign {
    letterpress::campaign::load(path, &Default::default())
        .unwrap_or_else(|diags| panic!("{}", letterpress::diag::render_plain(&diags)))
}

/// Typesets one recipient's packet through the library; it must succeed.
#[track_caller]
pub fn packet(
    renderer: &letterpress::render::Renderer,
    r: &letterpress::campaign::Recipient,
) -> letterpress::render::Packet {
    renderer.packet(r).unwrap_or_else(|diags| panic!("{}", letterpress::diag::render_plain(&diags)))
}

/// The runs inside a labelled block, in drawing order.
pub fn labelled<'a>(
    runs: &'a [letterpress::render::checks::Run],
    label: &str,
) -> Vec<&'a letterpress::render::checks::Run> {
    runs.iter().filter(|r| r.labels.iter().any(|l| l == label)).collect()
}

/// The text of a run as printed (no-break spaces as spaces).
pub fn text_of(run: &letterpress::render::checks::Run) -> String {
    run.text.replace('\u{a0}', " ")
}

/// A packet's envelope document (the reference campaign prints one).
#[track_caller]
pub fn envelope_of(p: &letterpress::render::Packet) -> &letterpress::render::Document {
    p.envelope.as_ref().unwrap_or_else(|| panic!("the packet has no envelope PDF"))
}
