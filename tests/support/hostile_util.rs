//! Helpers shared by `tests/hostile.rs` and `tests/archive.rs` (included with
//! `#[path]`, so each test crate compiles its own copy).
//!
//! Every run of the binary has a deadline: a hang fails the test with what the
//! child printed so far instead of blocking the suite.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Command-line arguments from anything path- or string-like:
/// `args!["build", &campaign, "-o", &out]`.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        [$(std::convert::AsRef::<std::ffi::OsStr>::as_ref(&$arg).to_os_string()),*]
    };
}

/// The default deadline of one run of the binary.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None`: killed by a signal, e.g. a stack overflow).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
    /// The command line, for messages.
    pub line: String,
}

impl Run {
    /// Asserts the process ended by itself with one of the documented exit
    /// codes and did not crash (a Rust panic, a stack overflow, an abort).
    pub fn assert_clean(&self) -> &Self {
        assert!(
            matches!(self.code, Some(0..=2)),
            "`{}` ended with {:?} (a crash?)\nstderr:\n{}",
            self.line,
            self.code,
            tail(&self.stderr)
        );
        for crash in ["panicked at", "thread '", "stack overflow", "RUST_BACKTRACE"] {
            assert!(
                !self.stderr.contains(crash),
                "`{}` crashed ({crash:?} on stderr):\n{}",
                self.line,
                tail(&self.stderr)
            );
        }
        self
    }

    /// Asserts a clean run with this exit code.
    pub fn assert_code(&self, code: i32) -> &Self {
        self.assert_clean();
        assert_eq!(
            self.code,
            Some(code),
            "`{}` exit code\nstdout:\n{}\nstderr:\n{}",
            self.line,
            tail(&self.stdout),
            tail(&self.stderr)
        );
        self
    }

    /// Asserts that stderr contains every one of `words` (case-insensitive).
    pub fn assert_stderr_has(&self, words: &[&str]) -> &Self {
        let lower = self.stderr.to_lowercase();
        for word in words {
            assert!(
                lower.contains(&word.to_lowercase()),
                "`{}`: stderr lacks {word:?}:\n{}",
                self.line,
                tail(&self.stderr)
            );
        }
        self
    }

    /// Parses stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`{}`: stdout is not JSON ({e}):\n{}", self.line, tail(&self.stdout))
        })
    }
}

/// The last few KiB of a long output, for assertion messages.
pub fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(6000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs the binary with `SOURCE_DATE_EPOCH` unset and the default deadline.
pub fn letterpress<S: AsRef<OsStr>>(args: &[S]) -> Run {
    letterpress_with(args, &[], TIMEOUT)
}

/// Runs the binary with extra environment variables and a deadline; kills it
/// and fails the test if it is still running then.
pub fn letterpress_with<S: AsRef<OsStr>>(
    args: &[S],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Run {
    spawn(None, args, env, timeout)
}

/// Runs the binary in a working directory, with the default deadline.
pub fn letterpress_in<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    spawn(Some(cwd), args, &[], TIMEOUT)
}

fn spawn<S: AsRef<OsStr>>(
    cwd: Option<&Path>,
    args: &[S],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Run {
    let line = std::iter::once("letterpress".to_string())
        .chain(args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new(env!("CARGO_BIN_EXE_letterpress"));
    command
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("failed to start `{line}`: {e}"));
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = vec![];
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr is piped")));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = err.join().unwrap_or_default();
                panic!(
                    "`{line}` did not finish within {} s (a hang?); killed it\nstderr:\n{}",
                    timeout.as_secs(),
                    tail(&stderr)
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("failed to wait for `{line}`: {e}"),
        }
    };
    let elapsed = started.elapsed();
    Run {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed,
        line,
    }
}

/// Copies a folder recursively (files and symbolic links as they are).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Copies the reference campaign (`semenova-2018.toml` and its folder) into
/// `dir` and returns the path of the campaign file there.
pub fn reference_campaign(dir: &Path) -> PathBuf {
    let campaigns = repo().join("campaigns");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(campaigns.join("semenova-2018.toml"), dir.join("semenova-2018.toml")).unwrap();
    copy_dir(&campaigns.join("semenova-2018"), &dir.join("semenova-2018"));
    dir.join("semenova-2018.toml")
}

/// The reference campaign's text.
pub fn reference_text() -> String {
    std::fs::read_to_string(repo().join("campaigns/semenova-2018.toml")).unwrap()
}

/// Replaces exactly one occurrence of `from` in `text`.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "expected {from:?} exactly once in the campaign");
    text.replacen(from, to, 1)
}

/// Rewrites a file, replacing exactly one occurrence of `from`.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, replace_once(&text, from, to)).unwrap();
}

/// The campaign text up to (not including) its first `[[recipient]]`.
pub fn head_without_recipients(text: &str) -> &str {
    &text[..text.find("[[recipient]]").expect("the campaign has recipients")]
}

/// Every file entry of a zip, by name, in the zip's order.
pub fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut out = vec![];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.is_dir() {
            continue;
        }
        let mut bytes = vec![];
        entry.read_to_end(&mut bytes).unwrap();
        out.push((entry.name().unwrap().into_owned(), bytes));
    }
    out
}

/// Every file entry of a zip, as a map.
pub fn zip_map(path: &Path) -> BTreeMap<String, Vec<u8>> {
    zip_entries(path).into_iter().collect()
}

/// Writes a valid zip with these entries (PDFs stored, the rest deflated).
pub fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes) in entries {
        let method = if name.ends_with(".pdf") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        zip.start_file(name.as_str(), SimpleFileOptions::default().compression_method(method))
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Files (not folders) directly in `dir`, by name.
pub fn files_in(dir: &Path) -> Vec<String> {
    let Ok(read) = std::fs::read_dir(dir) else { return vec![] };
    let mut names: Vec<String> =
        read.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A `[[recipient]]` table with a valid Belgian address (the sender is in
/// Belgium, so no country line): for campaigns generated by the tests.
pub fn belgian_recipient(extra: &str, n: usize) -> String {
    format!(
        "[[recipient]]\n{extra}\naddress = {{ street = \"Rue de la Loi {}\", postcode = \"1000\", city = \"Brussels\", country = \"BE\" }}\n\n",
        n % 200 + 1
    )
}
