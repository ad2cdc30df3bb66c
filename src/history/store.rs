//! The version store in a manual's `history/` folder: every released version of every chapter,
//! and one file per release saying what changed. It is plain text, meant to be committed with
//! the content, and append-only: procbook never rewrites a file in it.
//!
//! ```text
//! history/
//!   releases/2024-07-15.yaml                 what the release recorded, chapter by chapter
//!   versions/<chapter id>/2024-07-15.md      the chapter's file as released, byte for byte
//! ```
//!
//! A release file is written last, so it is what makes a release happen: a release cut short
//! leaves at most version files that no release names, which the next release clears away and
//! `procbook history verify` reports. Each version's SHA-256 is in its release file, so a
//! version changed or lost afterwards is found.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, display_path};
use crate::front_matter::parse_yaml;

pub const HISTORY_DIR: &str = "history";
const RELEASES: &str = "releases";
const VERSIONS: &str = "versions";
const LOCK: &str = ".release.lock";

/// What happened to a chapter in a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Moved,
    Refreshed,
    Updated,
    Revised,
}

impl Change {
    /// A change to what the chapter says (not only where it is).
    pub fn is_edit(self) -> bool {
        matches!(
            self,
            Change::Added | Change::Refreshed | Change::Updated | Change::Revised
        )
    }
}

/// One chapter's entry in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    pub change: Change,
    pub title: String,
    pub number: String,
    /// Where the chapter sits: its part's and sub-section's folder names without prefixes.
    pub place: String,
    /// The part and sub-section it is in, as readers know them ("4. Looked After Children").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retitled_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_note: Option<String>,
    /// The amendment note.
    pub summary: String,
    /// The version file, relative to `history/`, for changes that record one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One release: a date and the chapters it recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub date: String,
    /// The first release, which records every chapter as it was first published.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    pub chapters: Vec<Record>,
}

impl Release {
    pub fn day(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.date, "%Y-%m-%d").expect("checked when loaded")
    }
}

/// A chapter as the store last recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterState {
    pub title: String,
    pub number: String,
    pub place: String,
    pub change_note: Option<String>,
    pub removed: bool,
    /// The latest version file (relative to `history/`).
    pub version: Option<String>,
    /// (release index, record index) of every record of this chapter, oldest first.
    pub records: Vec<(usize, usize)>,
}

/// The store as read from disk.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The manual's root.
    pub root: PathBuf,
    /// Oldest first.
    pub releases: Vec<Release>,
}

impl Store {
    pub fn dir(&self) -> PathBuf {
        self.root.join(HISTORY_DIR)
    }

    /// Reads the store of the manual at `root`; an absent `history/` is an empty store.
    pub fn load(root: &Path) -> Result<Store, Vec<Diagnostic>> {
        let dir = root.join(HISTORY_DIR).join(RELEASES);
        let mut store = Store {
            root: root.to_path_buf(),
            releases: Vec::new(),
        };
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(store),
            Err(e) => {
                return Err(vec![Diagnostic::error(
                    display_path(root, &dir),
                    format!("cannot read the release files: {e}"),
                )]);
            }
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        let mut problems = Vec::new();
        for path in names {
            let shown = display_path(root, &path);
            let text = match crate::load::read_text(&path, &shown) {
                Ok(t) => t,
                Err(d) => {
                    problems.push(d);
                    continue;
                }
            };
            match parse_yaml::<Release>(&shown, &text, 1, &text) {
                Ok(release) => {
                    let stem = path
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or_default();
                    if NaiveDate::parse_from_str(&release.date, "%Y-%m-%d").is_err()
                        || release.date != stem
                    {
                        problems.push(
                            Diagnostic::error(&shown, format!("this release file says its date is `{}`, but its name says {stem}", release.date))
                                .at(1, 1)
                                .with_help(DAMAGED_HELP),
                        );
                        continue;
                    }
                    store.releases.push(release);
                }
                Err(d) => problems.push(d.with_help(DAMAGED_HELP)),
            }
        }
        if problems.is_empty() {
            Ok(store)
        } else {
            Err(problems)
        }
    }

    /// The latest recorded state of every chapter the store knows, by id.
    pub fn chapters(&self) -> HashMap<String, ChapterState> {
        let mut out: HashMap<String, ChapterState> = HashMap::new();
        for (ri, release) in self.releases.iter().enumerate() {
            for (ci, r) in release.chapters.iter().enumerate() {
                let state = out.entry(r.id.clone()).or_insert_with(|| ChapterState {
                    title: String::new(),
                    number: String::new(),
                    place: String::new(),
                    change_note: None,
                    removed: false,
                    version: None,
                    records: Vec::new(),
                });
                state.title.clone_from(&r.title);
                state.number.clone_from(&r.number);
                state.place.clone_from(&r.place);
                state.removed = r.change == Change::Removed;
                if r.version.is_some() {
                    state.version.clone_from(&r.version);
                    state.change_note.clone_from(&r.change_note);
                }
                state.records.push((ri, ci));
            }
        }
        out
    }

    pub fn latest_date(&self) -> Option<NaiveDate> {
        self.releases.last().map(Release::day)
    }

    /// The text of a version file.
    pub fn read_version(&self, version: &str) -> Result<String, Diagnostic> {
        let path = self.dir().join(version);
        crate::load::read_text(&path, &display_path(&self.root, &path))
            .map_err(|d| d.with_help(DAMAGED_HELP))
    }

    /// Checks every release and version: present, named and dated right, and unchanged since it
    /// was recorded (by SHA-256). Version files no release names are warnings.
    pub fn verify(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut named = HashSet::new();
        let mut alive: HashSet<&str> = HashSet::new();
        let mut previous: Option<&str> = None;
        for release in &self.releases {
            let file = Path::new(HISTORY_DIR)
                .join(RELEASES)
                .join(format!("{}.yaml", release.date));
            if let Some(prev) = previous
                && prev >= release.date.as_str()
            {
                problems.push(
                    Diagnostic::error(
                        &file,
                        format!("this release is not later than the one before it ({prev})"),
                    )
                    .with_help(DAMAGED_HELP),
                );
            }
            previous = Some(&release.date);
            for r in &release.chapters {
                let was_alive = alive.contains(r.id.as_str());
                let consistent = match r.change {
                    Change::Added => !was_alive,
                    Change::Removed => was_alive,
                    _ => was_alive,
                };
                if !consistent {
                    problems.push(
                        Diagnostic::error(&file, format!("the chapter `{}` is recorded as {:?} here, which does not follow from the releases before", r.id, r.change).to_lowercase())
                            .at(line_of(&self.dir().join(RELEASES).join(format!("{}.yaml", release.date)), &format!("id: {}", r.id)), 1)
                            .with_help(DAMAGED_HELP),
                    );
                }
                if r.change == Change::Removed {
                    alive.remove(r.id.as_str());
                } else {
                    alive.insert(&r.id);
                }
                let Some(version) = &r.version else {
                    if r.change.is_edit() {
                        problems.push(
                            Diagnostic::error(
                                &file,
                                format!("the chapter `{}` has no version file recorded", r.id),
                            )
                            .with_help(DAMAGED_HELP),
                        );
                    }
                    continue;
                };
                named.insert(version.clone());
                let path = self.dir().join(version);
                let shown = Path::new(HISTORY_DIR).join(version);
                match fs::read(&path) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => problems.push(
                        Diagnostic::error(&shown, format!("this version of `{}`, recorded in the release of {}, is missing", r.id, release.date))
                            .with_help("restore it from your version control (e.g. `git checkout -- history/`); a released version cannot be recreated"),
                    ),
                    Err(e) => problems.push(Diagnostic::error(&shown, format!("cannot read this version: {e}"))),
                    Ok(bytes) => {
                        if r.sha256.as_deref() != Some(sha256_hex(&bytes).as_str()) {
                            problems.push(
                                Diagnostic::error(&shown, format!("this version of `{}` has been changed since it was released on {}", r.id, release.date))
                                    .with_help("released versions must not be edited: restore it from your version control (e.g. `git checkout -- history/`), and make changes in content/ for the next release"),
                            );
                        }
                    }
                }
            }
        }
        for orphan in self
            .version_files()
            .into_iter()
            .filter(|v| !named.contains(v))
        {
            problems.push(
                Diagnostic::warning(Path::new(HISTORY_DIR).join(&orphan), "no release names this version file")
                    .with_help("it is probably left from a release that was interrupted; the next `procbook release` removes it"),
            );
        }
        problems
    }

    /// Every file under `history/versions/`, relative to `history/`, with `/`.
    fn version_files(&self) -> Vec<String> {
        let dir = self.dir().join(VERSIONS);
        let mut out: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = e.path().strip_prefix(self.dir()).ok()?;
                Some(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Records a release: writes its version files, then its release file. Never overwrites;
    /// refuses when another release holds the lock. `versions` are (relative path, text).
    pub fn commit(
        &self,
        release: &Release,
        versions: &[(String, String)],
    ) -> Result<(), Diagnostic> {
        let dir = self.dir();
        let _lock = Lock::take(&dir)?;
        let release_path = dir.join(RELEASES).join(format!("{}.yaml", release.date));
        if release_path.exists() {
            return Err(Diagnostic::error(
                display_path(&self.root, &release_path),
                format!("a release dated {} already exists", release.date),
            )
            .with_help("give the release a later date with --date"));
        }
        // Leftovers of an interrupted release are named by no release: clear them first.
        let named: HashSet<String> = self
            .releases
            .iter()
            .flat_map(|r| r.chapters.iter().filter_map(|c| c.version.clone()))
            .collect();
        let wanted: HashSet<&str> = versions.iter().map(|(p, _)| p.as_str()).collect();
        for orphan in self.version_files() {
            if !named.contains(&orphan) && !wanted.contains(orphan.as_str()) {
                let _ = fs::remove_file(dir.join(&orphan));
            }
        }
        for (rel, text) in versions {
            write_new(&dir.join(rel), text.as_bytes())
                .map_err(|e| self.io_error(&dir.join(rel), e))?;
        }
        let yaml = serde_saphyr::to_string(release).map_err(|e| {
            Diagnostic::error(
                display_path(&self.root, &release_path),
                format!("cannot write the release: {e}"),
            )
        })?;
        let text = format!(
            "# Written by `procbook release`. Do not edit: `procbook history verify` checks it.\n{yaml}"
        );
        write_new(&release_path, text.as_bytes()).map_err(|e| self.io_error(&release_path, e))?;
        Ok(())
    }

    fn io_error(&self, path: &Path, e: io::Error) -> Diagnostic {
        let help = match e.kind() {
            io::ErrorKind::AlreadyExists => {
                "a different file is already recorded there; run `procbook history verify` to see what is wrong"
            }
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                "the history folder cannot be written: check its permissions"
            }
            io::ErrorKind::StorageFull => {
                "the disk is full: free some space and run the release again; nothing was recorded"
            }
            _ => "nothing was recorded; fix the problem and run the release again",
        };
        Diagnostic::error(display_path(&self.root, path), format!("cannot write: {e}"))
            .with_help(help)
    }
}

pub const DAMAGED_HELP: &str = "the history folder is written by `procbook release` and must not be edited by hand: restore it from your version control (e.g. `git checkout -- history/`)";

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file that must not exist yet, completely or not at all: a temporary file, synced,
/// then linked into place (which fails rather than overwrite). A file already there with the
/// same bytes (from a release that was interrupted and is now run again) is accepted.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(existing) = fs::read(path) {
        return if existing == bytes {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "a different file is already there",
            ))
        };
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::hard_link(&tmp, path)?;
        sync_dir(parent)
    })();
    let _ = fs::remove_file(&tmp);
    result
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    match fs::File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

fn line_of(path: &Path, needle: &str) -> usize {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().position(|l| l.contains(needle)))
        .map_or(1, |i| i + 1)
}

/// Only one release at a time. The lock file holds the process id; a lock left by a process
/// that no longer runs (a release that was killed) is taken over.
struct Lock(PathBuf);

impl Lock {
    fn take(dir: &Path) -> Result<Lock, Diagnostic> {
        fs::create_dir_all(dir).map_err(|e| {
            Diagnostic::error(
                HISTORY_DIR,
                format!("cannot create the history folder: {e}"),
            )
        })?;
        let path = dir.join(LOCK);
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock(path));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if process_is_running(pid) => {
                            return Err(Diagnostic::error(
                                Path::new(HISTORY_DIR).join(LOCK),
                                format!("another release is being recorded (process {pid})"),
                            )
                            .with_help("wait for it to finish, then run the release again"));
                        }
                        _ => {
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(Diagnostic::error(
                        Path::new(HISTORY_DIR).join(LOCK),
                        format!("cannot lock the history folder: {e}"),
                    )
                    .with_help("check that the history folder can be written"));
                }
            }
        }
        Err(Diagnostic::error(
            Path::new(HISTORY_DIR).join(LOCK),
            "cannot lock the history folder",
        )
        .with_help("run the release again"))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // Without a way to tell, assume it runs: the message says what to do.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, change: Change, version: Option<(&str, &str)>) -> Record {
        Record {
            id: id.into(),
            change,
            title: "T".into(),
            number: "1.1".into(),
            place: "part".into(),
            place_title: String::new(),
            moved_from: None,
            retitled_from: None,
            change_note: None,
            summary: "S".into(),
            version: version.map(|(v, _)| v.into()),
            sha256: version.map(|(_, text)| sha256_hex(text.as_bytes())),
        }
    }

    #[test]
    fn a_release_round_trips_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::load(dir.path()).unwrap();
        let release = Release {
            date: "2024-07-15".into(),
            baseline: true,
            chapters: vec![record(
                "a",
                Change::Added,
                Some(("versions/a/2024-07-15.md", "one")),
            )],
        };
        store
            .commit(
                &release,
                &[("versions/a/2024-07-15.md".into(), "one".into())],
            )
            .unwrap();
        let store = Store::load(dir.path()).unwrap();
        assert_eq!(store.releases, [release]);
        assert!(store.verify().is_empty(), "{:?}", store.verify());
        assert!(!dir.path().join("history").join(LOCK).exists());
    }

    #[test]
    fn verify_finds_a_tampered_and_a_missing_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::load(dir.path()).unwrap();
        let release = Release {
            date: "2024-07-15".into(),
            baseline: true,
            chapters: vec![
                record(
                    "a",
                    Change::Added,
                    Some(("versions/a/2024-07-15.md", "one")),
                ),
                record(
                    "b",
                    Change::Added,
                    Some(("versions/b/2024-07-15.md", "two")),
                ),
            ],
        };
        store
            .commit(
                &release,
                &[
                    ("versions/a/2024-07-15.md".into(), "one".into()),
                    ("versions/b/2024-07-15.md".into(), "two".into()),
                ],
            )
            .unwrap();
        fs::write(
            dir.path().join("history/versions/a/2024-07-15.md"),
            "edited",
        )
        .unwrap();
        fs::remove_file(dir.path().join("history/versions/b/2024-07-15.md")).unwrap();
        let problems = Store::load(dir.path()).unwrap().verify();
        let messages: Vec<String> = problems
            .iter()
            .map(|d| format!("{}: {}", d.path.display(), d.message))
            .collect();
        assert_eq!(
            messages,
            [
                "history/versions/a/2024-07-15.md: this version of `a` has been changed since it was released on 2024-07-15",
                "history/versions/b/2024-07-15.md: this version of `b`, recorded in the release of 2024-07-15, is missing",
            ]
        );
    }

    #[test]
    fn a_version_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.md");
        write_new(&path, b"one").unwrap();
        write_new(&path, b"one").unwrap();
        assert_eq!(
            write_new(&path, b"two").unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }

    #[test]
    fn a_live_lock_refuses_and_a_dead_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let history = dir.path().join("history");
        fs::create_dir_all(&history).unwrap();
        // A process id that is not running.
        fs::write(history.join(LOCK), "4294967294\n").unwrap();
        let lock = Lock::take(&history).unwrap();
        let err = Lock::take(&history).err().unwrap();
        assert!(
            err.message.starts_with("another release is being recorded"),
            "{}",
            err.message
        );
        drop(lock);
        assert!(!history.join(LOCK).exists());
    }
}
