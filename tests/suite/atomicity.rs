//! Point 6: a build that fails writes nothing: no zip, no temporary file,
//! and an older zip at the same path keeps its bytes.

use std::path::Path;

use super::util::*;

/// A copy of the reference campaign whose fourth recipient has no valid
/// country: fails while loading, before anything is typeset.
fn broken_while_loading(dir: &Path) -> std::path::PathBuf {
    let toml = reference_copy(dir);
    edit(&toml, r#"city = "Pavlodar", country = "KZ""#, r#"city = "Pavlodar", country = "XX""#);
    toml
}

/// A copy whose last recipient cannot be typeset (a character no font has):
/// fails after the first seven packets went into the temporary zip.
fn broken_while_typesetting(dir: &Path) -> std::path::PathBuf {
    let toml = reference_copy(dir);
    edit(&toml, r#"name = "A.O. SHAKIROV""#, r#"name = "A.O. SHAKIROV ሰ""#);
    toml
}

#[track_caller]
fn build_fails(campaign: &Path, out: &Path, expect: &str) -> Run {
    let run = letterpress(
        out.parent().unwrap(),
        &["build".as_ref(), campaign.as_os_str(), "-o".as_ref(), out.as_os_str()],
    );
    run.assert_code(1);
    run.assert_stderr_has(&[expect]);
    assert!(run.stderr.ends_with("— nothing was written\n"), "{}", run.dump());
    run
}

#[test]
fn a_campaign_error_leaves_no_zip_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml = broken_while_loading(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    build_fails(&toml, &out, "unknown country `XX`");
    assert_eq!(files_in(&out), Vec::<String>::new());
}

#[test]
fn a_packet_failing_mid_build_leaves_no_zip_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml = broken_while_typesetting(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let run = build_fails(&toml, &out, "(U+1230)");
    run.assert_stderr_has(&["recipient: #8 `shakirov`"]);
    assert_eq!(files_in(&out), Vec::<String>::new());
}

#[test]
fn a_failing_build_leaves_an_earlier_zip_untouched() {
    let good = &reference().zip;
    for (case, broken) in [
        ("load", broken_while_loading as fn(&Path) -> std::path::PathBuf),
        ("typeset", broken_while_typesetting),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let toml = broken(dir.path());
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let zip = out.join(format!("{ID}.zip"));
        std::fs::write(&zip, good).unwrap();
        let expect = if case == "load" { "unknown country `XX`" } else { "(U+1230)" };
        build_fails(&toml, &out, expect);
        assert_eq!(files_in(&out), [format!("{ID}.zip")], "{case}: files after the failed build");
        assert!(std::fs::read(&zip).unwrap() == *good, "{case}: the earlier zip was changed");
    }
}
