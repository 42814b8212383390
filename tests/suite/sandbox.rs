//! Point 10: files reached through a symbolic link that leads out of the
//! campaign folder are refused, whether named by the campaign or read by the body.

use std::os::unix::fs::symlink;
use std::path::Path;

use super::util::*;

const SECRET: &str = "TOP-SECRET-4711";

/// An `outside/` folder with a secret Typst file, and a `campaign/` folder.
fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let outside = dir.join("outside");
    let campaign = dir.join("campaign");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&campaign).unwrap();
    std::fs::write(outside.join("secret.typ"), format!("{SECRET}\n")).unwrap();
    (outside, campaign)
}

const RECIPIENT: &str = "[[recipient]]\nname = \"Almaz KHAMZAYEV\"\n\
    address = { street = \"Avenue Van Bever 30\", postcode = \"1180\", city = \"Brussels\", country = \"BE\" }\n";

#[track_caller]
fn check_refused(campaign: &Path) -> Run {
    let run = letterpress(campaign, &["check", "campaign.toml"]);
    run.assert_code(1);
    assert!(
        !run.stderr.contains(SECRET) && !run.stdout.contains(SECRET),
        "leaked:\n{}",
        run.dump()
    );
    run
}

#[test]
fn a_body_file_symlinked_out_of_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (outside, campaign) = setup(dir.path());
    symlink(outside.join("secret.typ"), campaign.join("body.typ")).unwrap();
    small_campaign(&campaign, r#"body_file = "body.typ""#, RECIPIENT);
    let run = check_refused(&campaign);
    assert_eq!(
        run.stderr,
        "error: cannot use body file `body.typ` (the path leads outside the campaign folder (through a symbolic link))\n\
         \x20  ┌─ campaign.toml:13:13\n\
         \x20  │\n\
         13 │ body_file = \"body.typ\"\n\
         \x20  │             ^^^^^^^^^^\n\
         \n\
         1 error — nothing was written\n"
    );
}

#[test]
fn a_folder_symlinked_out_of_the_campaign_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (outside, campaign) = setup(dir.path());
    symlink(&outside, campaign.join("shared")).unwrap();
    small_campaign(&campaign, r#"body_file = "shared/secret.typ""#, RECIPIENT);
    let run = check_refused(&campaign);
    run.assert_stderr_has(&["`shared/secret.typ`", "outside the campaign folder", "symbolic link"]);
}

#[test]
fn a_body_reading_a_symlink_out_of_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (outside, campaign) = setup(dir.path());
    symlink(outside.join("secret.typ"), campaign.join("notes.txt")).unwrap();
    std::fs::write(campaign.join("body.typ"), "Dear reader,\n\n#read(\"notes.txt\")\n").unwrap();
    small_campaign(&campaign, r#"body_file = "body.typ""#, RECIPIENT);
    let run = check_refused(&campaign);
    run.assert_stderr_has(&["notes.txt", "outside the campaign folder", "body.typ:3:"]);
}
