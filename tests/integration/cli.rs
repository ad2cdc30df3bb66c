//! The command line: init, help, exit codes.

use std::process::Command;

use crate::harness::TODAY;

fn procbook(args: &[&str], dir: &std::path::Path) -> crate::harness::Run {
    Command::new(env!("CARGO_BIN_EXE_procbook"))
        .args(args)
        .current_dir(dir)
        .env("PROCBOOK_TODAY", TODAY)
        .output()
        .unwrap()
        .into()
}

#[test]
fn init_creates_a_manual_that_builds_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let run = procbook(&["init", "new-manual"], dir.path());
    assert_eq!(run.status, 0, "{}", run.stderr);
    let root = dir.path().join("new-manual");
    assert!(root.join("manual.yaml").exists());
    let check = procbook(&["check", "--root", "new-manual"], dir.path());
    assert_eq!(check.status, 0, "{}", check.stderr);
    assert_eq!(check.stderr, "", "a new manual has no warnings");
    let build = procbook(&["build", "--root", "new-manual"], dir.path());
    assert_eq!(build.status, 0, "{}", build.stderr);
    assert!(
        root.join("public/chapters/social-worker-visits.html")
            .exists()
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let run = procbook(&["init", "."], dir.path());
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("is not empty, so nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn build_outside_a_manual_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = procbook(&["build"], dir.path());
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("cannot read manual.yaml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("procbook init DIR"), "{}", run.stderr);
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["init", "build", "check"] {
        let run = procbook(&[cmd, "--help"], dir.path());
        assert_eq!(run.status, 0);
        assert!(run.stdout.contains("Example"), "{cmd}: {}", run.stdout);
    }
}

#[test]
fn a_bad_argument_exits_with_two() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(procbook(&["build", "--frobnicate"], dir.path()).status, 2);
}
