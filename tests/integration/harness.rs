//! A fluent harness over the `procbook` binary: copy a fixture, change files, run commands, read
//! the output site.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The date every test build runs on, so review dates and the generated date are repeatable.
pub const TODAY: &str = "2026-11-23";

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub struct ManualTest {
    _dir: TempDir,
    pub root: PathBuf,
}

/// What a command did.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Checks that stderr holds every one of `parts`, showing it whole if not.
    pub fn assert_stderr_has(&self, parts: &[&str]) {
        has("stderr", &self.stderr, parts);
    }

    /// Checks that stdout holds every one of `parts`, showing it whole if not.
    pub fn assert_stdout_has(&self, parts: &[&str]) {
        has("stdout", &self.stdout, parts);
    }
}

fn has(name: &str, text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{name} lacks {part:?}:\n{text}");
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl ManualTest {
    /// A copy of `tests/fixtures/<name>` in a new temporary folder.
    pub fn fixture(name: &str) -> ManualTest {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("manual");
        copy_dir(&fixture_dir(name), &root);
        ManualTest { _dir: dir, root }
    }

    /// A copy of the demo manual at the repository's root (settings, glossary, content, history).
    pub fn demo() -> ManualTest {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("manual");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        fs::create_dir_all(&root).unwrap();
        for f in ["manual.yaml", "glossary.yaml"] {
            fs::copy(repo.join(f), root.join(f)).unwrap();
        }
        copy_dir(&repo.join("content"), &root.join("content"));
        copy_dir(&repo.join("history"), &root.join("history"));
        ManualTest { _dir: dir, root }
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        fs::remove_file(self.root.join(rel)).unwrap();
        self
    }

    pub fn rename(&self, from: &str, to: &str) -> &Self {
        let to = self.root.join(to);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::rename(self.root.join(from), to).unwrap();
        self
    }

    /// Edits a file of the manual by replacing `from` (which must be there) with `to`.
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &Self {
        let path = self.root.join(rel);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        fs::write(path, text.replacen(from, to, 1)).unwrap();
        self
    }

    /// Runs a command that must succeed, returning its output.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.status, 0,
            "procbook {args:?} failed:\n{}{}",
            run.stdout, run.stderr
        );
        run
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Command::new(env!("CARGO_BIN_EXE_procbook"))
            .args(args)
            .current_dir(&self.root)
            .env("PROCBOOK_TODAY", TODAY)
            .env("NO_COLOR", "1")
            .output()
            .expect("run procbook")
            .into()
    }

    /// Builds into `public/`, asserting success.
    pub fn build(&self) -> Run {
        let run = self.run(&["build"]);
        assert_eq!(run.status, 0, "build failed:\n{}", run.stderr);
        run
    }

    /// A file of the built site.
    pub fn read(&self, rel: &str) -> String {
        let path = self.root.join("public").join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join("public").join(rel).exists()
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The text of the HTML element that starts at the first match of `start` (crudely: up to the
/// next `</`), for asserting on what a reader sees.
pub fn text_after<'a>(html: &'a str, start: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not in page"));
    let rest = &html[i + start.len()..];
    &rest[..rest.find("</").unwrap_or(rest.len())]
}
