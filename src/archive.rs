//! Reading a built zip back: `verify` recomputes every hash of its manifest,
//! `rebuild` builds it again from its own `source/` and compares the bytes.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::Value;

use crate::bundle::sha256;
use crate::campaign::{self, Overrides};
use crate::diag::{Diag, DiagResult};
use crate::pipeline;

/// What `verify` found.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// The campaign folder inside the zip.
    pub root: String,
    /// Files the manifest lists that the zip does not have.
    pub missing: Vec<String>,
    /// Files whose bytes do not match the manifest's hash.
    pub changed: Vec<String>,
    /// Files in the zip that the manifest does not list.
    pub extra: Vec<String>,
    /// Files checked and found intact.
    pub intact: usize,
}

impl Report {
    /// Whether the archive is exactly what was built.
    pub fn is_intact(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }
}

/// A zip read into memory: entry name → bytes.
struct Archive {
    entries: BTreeMap<String, Vec<u8>>,
    root: String,
    manifest: Value,
}

fn open(path: &Path) -> DiagResult<Archive> {
    let name = path.display();
    let fail = |why: String| vec![Diag::error(format!("failed to read archive `{name}` ({why})"))];
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| fail(e.to_string()))?;
    let mut entries = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| fail(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let path = entry.name().map_err(|e| fail(e.to_string()))?.into_owned();
        let mut bytes = vec![];
        entry.read_to_end(&mut bytes).map_err(|e| fail(format!("{path}: {e}")))?;
        entries.insert(path, bytes);
    }
    let manifest_name = entries
        .keys()
        .find(|k| k.ends_with("/manifest.json") && k.matches('/').count() == 1)
        .cloned()
        .ok_or_else(|| {
            fail("it has no `<campaign>/manifest.json`; was it made by letterpress?".into())
        })?;
    let manifest: Value = serde_json::from_slice(&entries[&manifest_name])
        .map_err(|e| fail(format!("manifest.json is not valid JSON: {e}")))?;
    let root = manifest_name.trim_end_matches("/manifest.json").to_string();
    Ok(Archive { entries, root, manifest })
}

/// The files a manifest promises, with their hashes: outputs and sources.
fn expected(archive: &Archive) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let root = &archive.root;
    let list = |key: &str| {
        archive.manifest.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
    };
    for (key, prefix) in [("outputs", format!("{root}/")), ("inputs", format!("{root}/source/"))] {
        for item in list(key) {
            if let (Some(path), Some(hash)) = (
                item.get("path").and_then(Value::as_str),
                item.get("sha256").and_then(Value::as_str),
            ) {
                out.insert(format!("{prefix}{path}"), hash.to_string());
            }
        }
    }
    out
}

/// Recomputes every hash in the archive's manifest.
pub fn verify(path: &Path) -> DiagResult<Report> {
    let archive = open(path)?;
    let expected = expected(&archive);
    let mut report = Report { root: archive.root.clone(), ..Report::default() };
    for (name, hash) in &expected {
        match archive.entries.get(name) {
            None => report.missing.push(name.clone()),
            Some(bytes) if sha256(bytes) != *hash => report.changed.push(name.clone()),
            Some(_) => report.intact += 1,
        }
    }
    let manifest = format!("{}/manifest.json", archive.root);
    report.extra = archive
        .entries
        .keys()
        .filter(|k| !expected.contains_key(*k) && **k != manifest)
        .cloned()
        .collect();
    Ok(report)
}

/// What `rebuild` found.
#[derive(Debug, Serialize)]
pub struct Rebuild {
    /// Whether the rebuilt zip is byte-identical to the archive.
    pub identical: bool,
    /// Entries whose bytes differ (or exist on one side only).
    pub differences: Vec<String>,
    /// Why they may differ, when we can tell (another tool version).
    pub reason: Option<String>,
    /// Where the rebuilt zip was written, if asked.
    pub written: Option<PathBuf>,
}

/// Builds the archive again from its own `source/` and compares. Setting
/// `cancel` stops the rebuild, which then leaves nothing behind.
pub fn rebuild(
    path: &Path,
    out_dir: Option<&Path>,
    jobs: usize,
    cancel: &'static AtomicBool,
) -> DiagResult<Rebuild> {
    let archive = open(path)?;
    let root = archive.root.clone();
    let campaign_file = archive
        .manifest
        .pointer("/campaign/file")
        .and_then(Value::as_str)
        .ok_or_else(|| vec![Diag::error("the manifest does not name its campaign file")])?
        .to_string();
    let tmp = tempfile::tempdir()
        .map_err(|e| vec![Diag::error(format!("failed to create a temporary folder ({e})"))])?;
    let source_prefix = format!("{root}/source/");
    for (name, bytes) in &archive.entries {
        let Some(rel) = name.strip_prefix(&source_prefix) else { continue };
        let rel = Path::new(rel);
        if rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(vec![Diag::error(format!(
                "refusing archive entry `{name}`: it leaves the source folder"
            ))]);
        }
        let dest = tmp.path().join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| vec![Diag::error(format!("failed to unpack `{name}` ({e})"))])?;
        }
        std::fs::write(&dest, bytes)
            .map_err(|e| vec![Diag::error(format!("failed to unpack `{name}` ({e})"))])?;
    }
    let get = |key: &str| archive.manifest.pointer(key).and_then(Value::as_str).map(str::to_string);
    let overrides = Overrides {
        paper: get("/campaign/paper"),
        layout: get("/campaign/layout"),
        envelope: get("/campaign/envelope"),
        pdf_standard: get("/campaign/pdf_standard"),
        // An archive without labels (or from before labels existed) had none.
        labels: Some(get("/campaign/labels").unwrap_or_else(|| "none".into())),
        duplex: archive.manifest.pointer("/campaign/duplex").and_then(Value::as_bool),
    };
    let inside = Path::new(&campaign_file)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside || !archive.entries.contains_key(&format!("{root}/source/{campaign_file}")) {
        return Err(vec![Diag::error(format!(
            "the manifest's campaign file `{campaign_file}` is not in the archive's source/"
        ))]);
    }
    let campaign = campaign::load(&tmp.path().join(&campaign_file), &overrides)?;
    let out = tmp.path().join(".letterpress-rebuild");
    let options = pipeline::Options {
        out_dir: Some(out.clone()),
        jobs,
        epoch: archive.manifest.pointer("/campaign/source_date_epoch").and_then(Value::as_i64),
        // Threads: the library may run inside a program with other threads.
        processes: false,
        cancel: Some(cancel),
        progress: None,
        // An archive built with --keep-going is rebuilt the same way.
        keep_going: archive
            .manifest
            .get("failed")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty()),
    };
    let summary = pipeline::run(campaign, &options)?;
    let rebuilt_path = summary.zip.ok_or_else(|| vec![Diag::error("the rebuild wrote no zip")])?;
    let original = std::fs::read(path)
        .map_err(|e| vec![Diag::error(format!("failed to read `{}` ({e})", path.display()))])?;
    let rebuilt_bytes = std::fs::read(&rebuilt_path)
        .map_err(|e| vec![Diag::error(format!("failed to read the rebuilt zip ({e})"))])?;
    let identical = original == rebuilt_bytes;
    let mut differences = vec![];
    if !identical {
        let rebuilt = open(&rebuilt_path)?;
        for name in archive.entries.keys().chain(rebuilt.entries.keys()) {
            if archive.entries.get(name) != rebuilt.entries.get(name) && !differences.contains(name)
            {
                differences.push(name.clone());
            }
        }
    }
    let theirs = get("/tool/version").unwrap_or_default();
    let reason = (!identical).then(|| {
        if theirs != env!("CARGO_PKG_VERSION") {
            format!(
                "the archive was built by letterpress {theirs}, this is {}",
                env!("CARGO_PKG_VERSION")
            )
        } else if differences.is_empty() {
            "the entries are the same but the zip's layout differs".into()
        } else {
            "same tool version; the outputs differ (were the archive's files edited?)".into()
        }
    });
    let written = match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                vec![Diag::error(format!("failed to create `{}` ({e})", dir.display()))]
            })?;
            let dest = dir.join(rebuilt_path.file_name().unwrap_or_default());
            std::fs::copy(&rebuilt_path, &dest).map_err(|e| {
                vec![Diag::error(format!("failed to write `{}` ({e})", dest.display()))]
            })?;
            Some(dest)
        }
        None => None,
    };
    Ok(Rebuild { identical, differences, reason, written })
}
