//! The command line: init, help, exit codes.

use std::process::Command;

use crate::harness::{ManualTest, TODAY};

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
    // Whatever builds leave beside the manual (the site, its spare copy, the caches) is in the
    // new manual's .gitignore, so an author never commits it.
    procbook(&["build", "--root", "new-manual"], dir.path());
    let ignored = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    // And the lock a release that was killed part-way leaves in the history folder.
    assert!(ignored.lines().any(|l| l == "/history/.release.lock"));
    for entry in std::fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if ["manual.yaml", "glossary.yaml", "content", ".gitignore"].contains(&name.as_str()) {
            continue;
        }
        assert!(
            ignored.lines().any(|l| l == format!("/{name}")),
            "{name} is not in .gitignore"
        );
    }
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let run = procbook(&["init", "."], dir.path());
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["is not empty, so nothing was written"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn build_outside_a_manual_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = procbook(&["build"], dir.path());
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["cannot read manual.yaml", "procbook init DIR"]);
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

#[test]
fn check_json_lists_every_problem_with_its_place_for_tools() {
    let t = crate::harness::ManualTest::fixture("invalid/front-matter");
    let run = t.run(&["check", "--format", "json"]);
    assert_eq!(run.status, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"], 6);
    assert_eq!(report["chapters"], serde_json::Value::Null);
    let first = &report["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["path"], "content/01-part/01-unknown-key.md");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(first["message"], "unknown key `reviw_due`");
    assert_eq!(
        first["help"],
        "did you mean `review_due`? Keys are case-sensitive"
    );
    assert_eq!(run.stderr, "", "JSON mode prints only the JSON");
}

#[test]
fn check_strict_fails_on_warnings_with_exit_code_two() {
    let t = crate::harness::ManualTest::fixture("minimal");
    let path = "content/01-all-children/01-contacts-and-referrals.md";
    let text = std::fs::read_to_string(t.root.join(path)).unwrap();
    t.write(
        path,
        &text.replace("review_due: 2027-03", "review_due: 2025-03"),
    );
    assert_eq!(t.run(&["check"]).status, 0, "warnings alone pass");
    let strict = t.run(&["check", "--strict"]);
    assert_eq!(strict.status, 2, "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains("warning: this chapter was due for review in March 2025")
    );
    let clean = crate::harness::ManualTest::fixture("minimal");
    assert_eq!(clean.run(&["check", "--strict"]).status, 0);
    let json: serde_json::Value =
        serde_json::from_str(&clean.run(&["check", "--format", "json"]).stdout).unwrap();
    assert_eq!(
        (
            json["errors"].as_u64(),
            json["warnings"].as_u64(),
            json["chapters"].as_u64()
        ),
        (Some(0), Some(0), Some(1))
    );
}

#[test]
fn quiet_prints_only_errors_and_verbose_adds_timings() {
    let t = ManualTest::fixture("minimal");
    let path = "content/01-all-children/01-contacts-and-referrals.md";
    t.edit(path, "review_due: 2027-03", "review_due: 2025-03");
    let quiet = t.run(&["build", "--quiet"]);
    assert_eq!(quiet.status, 0);
    assert_eq!(quiet.stdout, "", "nothing on stdout");
    assert_eq!(quiet.stderr, "", "no warnings either");
    let normal = t.run(&["build"]);
    assert!(
        normal
            .stderr
            .contains("warning: this chapter was due for review")
    );
    assert!(normal.stdout.starts_with("Built "), "{}", normal.stdout);
    let verbose = t.run(&["build", "--verbose"]);
    verbose.assert_stderr_has(&[" ms  markdown"]);
    // Each phase with the CPU time spent in it (where the system tells it).
    #[cfg(target_os = "linux")]
    assert!(
        verbose
            .stderr
            .lines()
            .any(|l| l.contains(" ms  markdown") && l.contains(" ms of CPU)")),
        "{}",
        verbose.stderr
    );
    // Errors are printed however quiet.
    t.write(path, "---\ntitle: [\n---\n");
    let broken = t.run(&["--quiet", "build"]);
    assert_eq!(broken.status, 1);
    broken.assert_stderr_has(&["error:"]);
}

#[cfg(unix)]
#[test]
fn output_read_only_in_part_ends_the_command_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let t = ManualTest::demo();
    t.build();
    for args in [
        &["search", "child", "--limit", "1000"][..],
        &["search", "child", "--limit", "1000", "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_procbook"))
            .args(args)
            .current_dir(&t.root)
            .env("PROCBOOK_TODAY", TODAY)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // More than a pipe holds (64 KiB), so that the command is still writing when the
        // reader goes.
        let whole = procbook(args, &t.root);
        assert!(
            whole.stdout.len() > 96 * 1024,
            "{args:?}: {}",
            whole.stdout.len()
        );
        // The first bytes only, as `| head -c 10` reads, then the pipe is closed.
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}

/// `procbook build | head -0` and the like: a command that changes files does its work whole
/// when nothing reads its report, and ends without a panic.
#[cfg(unix)]
#[test]
fn commands_that_change_files_finish_their_work_when_nothing_reads_their_output() {
    let unread = |root: &std::path::Path, args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_procbook"))
            .args(args)
            .current_dir(root)
            .env("PROCBOOK_TODAY", TODAY)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes before the command has done its work and says so.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    };
    let t = ManualTest::fixture("history");
    unread(&t.root, &["build"]);
    assert!(t.exists("index.html"));
    unread(&t.root, &["release", "--date", "2024-05-15"]);
    assert!(t.root.join("history/releases/2024-05-15.yaml").exists());
    let before = walkdir::WalkDir::new(t.root.join("content"))
        .into_iter()
        .count();
    unread(&t.root, &["new", "chapter", "Out of Hours", "--in", "1.1"]);
    let after = walkdir::WalkDir::new(t.root.join("content"))
        .into_iter()
        .count();
    assert_eq!(after, before + 1, "the new chapter's file");
    let dir = tempfile::tempdir().unwrap();
    unread(dir.path(), &["init", "manual"]);
    assert!(dir.path().join("manual/manual.yaml").exists());
}
