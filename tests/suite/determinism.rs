//! Point 5: the same campaign gives the same bytes, whatever the number of
//! worker threads or the working directory.

use std::path::Path;

use super::util::*;

/// Asserts two zips are byte-identical; on failure names the entries that differ.
#[track_caller]
fn assert_same_zip(a: &[u8], b: &[u8], what: &str) {
    if a == b {
        return;
    }
    let (za, zb) = (Zip::open(a), Zip::open(b));
    let mut differ = vec![];
    for name in za.names().into_iter().chain(zb.names()) {
        let (x, y) = (za.names().contains(&name), zb.names().contains(&name));
        if !x || !y || za.get(name) != zb.get(name) {
            differ.push(name.to_string());
        }
    }
    differ.dedup();
    panic!("{what}: the zips differ ({} vs {} bytes); entries: {differ:?}", a.len(), b.len());
}

#[test]
fn builds_are_byte_identical_across_runs_job_counts_and_working_directories() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let zip = format!("{ID}.zip");
    // From the crate root with a relative path, one worker thread.
    build(&root(), Path::new("campaigns/semenova-2018.toml"), one.path(), &["--jobs", "1"]);
    // From elsewhere with an absolute path, two worker threads.
    build(two.path(), &reference_toml(), Path::new("out"), &["--jobs", "2"]);
    let a = std::fs::read(one.path().join(&zip)).unwrap();
    let b = std::fs::read(two.path().join("out").join(&zip)).unwrap();
    assert_same_zip(&a, &b, "--jobs 1 vs --jobs 2");
    // And both are the shared reference build (default --jobs).
    assert_same_zip(&a, &reference().zip, "a second build vs the reference build");
}
