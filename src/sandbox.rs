//! The one rule for paths that come from campaign data: they stay inside the
//! campaign's folder. Lexical escapes (`..`, absolute paths) and symbolic links
//! that point outside are refused alike.

use std::path::{Component, Path, PathBuf};

/// Resolves `rel` (a campaign-relative path, `/` separated) inside `root`.
///
/// `root` must already be canonical. Returns the canonical host path, or a
/// message that says why the path is refused.
pub fn resolve(root: &Path, rel: &str) -> Result<PathBuf, String> {
    if rel.is_empty() {
        return Err("the path is empty".into());
    }
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return Err(
            "absolute paths are not allowed; give a path relative to the campaign file".into()
        );
    }
    let mut depth = 0usize;
    for part in rel_path.components() {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            _ => return Err("the path leaves the campaign folder".into()),
        }
    }
    let joined = root.join(rel_path);
    let canonical = joined.canonicalize().map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => "file not found".to_string(),
        _ => err.to_string().to_lowercase(),
    })?;
    if !canonical.starts_with(root) {
        return Err("the path leads outside the campaign folder (through a symbolic link)".into());
    }
    Ok(canonical)
}

/// The path of `file` relative to `root`, with `/` separators.
pub fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes() {
        let root = std::env::temp_dir().canonicalize().unwrap();
        assert_eq!(
            resolve(&root, "../etc/passwd").unwrap_err(),
            "the path leaves the campaign folder"
        );
        assert_eq!(resolve(&root, "a/../../x").unwrap_err(), "the path leaves the campaign folder");
        assert_eq!(resolve(&root, "").unwrap_err(), "the path is empty");
        assert_eq!(resolve(&root, "no-such-file-here.typ").unwrap_err(), "file not found");
    }
}
