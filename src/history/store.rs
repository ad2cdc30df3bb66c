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
/// In the names of temporary files, which are written and then linked into place.
const TMP: &str = ".tmp-";

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
    /// refuses when another release holds the lock, or was recorded since this store was read.
    /// Fails whole: version files it wrote are removed again if the release file is not
    /// written. `versions` are (relative path, text).
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
        // The release was planned on the store as read before the lock was taken: if another
        // release was recorded since, this one would contradict it (and take its new versions
        // for leftovers).
        let current = Store::load(&self.root).map_err(|mut problems| problems.remove(0))?;
        if current.releases != self.releases {
            return Err(Diagnostic::error(
                display_path(&self.root, &dir.join(RELEASES)),
                "another release was recorded while this one was being prepared",
            )
            .with_help("nothing was recorded: run the release again, so that it compares the chapters with that release"));
        }
        self.clear_leftovers();
        let mut written: Vec<PathBuf> = Vec::new();
        let result = (|| {
            for (rel, text) in versions {
                let path = dir.join(rel);
                write_new(&path, text.as_bytes()).map_err(|e| self.io_error(&path, e))?;
                written.push(path);
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
            write_new(&release_path, text.as_bytes()).map_err(|e| self.io_error(&release_path, e))
        })();
        if result.is_err() {
            // No release names them: take them away again, so a failed release leaves nothing.
            for path in &written {
                remove_with_empty_folder(path);
            }
        }
        result
    }

    /// Clears what an interrupted release left: version files no release names (whatever is in
    /// them: the chapter may have changed since) and temporary files. Only under the lock.
    fn clear_leftovers(&self) {
        let dir = self.dir();
        let named: HashSet<String> = self
            .releases
            .iter()
            .flat_map(|r| r.chapters.iter().filter_map(|c| c.version.clone()))
            .collect();
        for orphan in self.version_files() {
            if !named.contains(&orphan) {
                remove_with_empty_folder(&dir.join(&orphan));
            }
        }
        if let Ok(entries) = fs::read_dir(dir.join(RELEASES)) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') && name.contains(TMP) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    fn io_error(&self, path: &Path, e: io::Error) -> Diagnostic {
        let help = match e.kind() {
            io::ErrorKind::AlreadyExists => {
                "a different file is already recorded there; run `procbook history verify` to see what is wrong"
            }
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                "nothing was recorded: the history folder cannot be written. Check that it is not read-only (its permissions, or a read-only drive or share), then run the release again"
            }
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                "nothing was recorded: the disk is full. Free some space, then run the release again"
            }
            _ => "nothing was recorded; fix the problem and run the release again",
        };
        Diagnostic::error(
            display_path(&self.root, path),
            format!("cannot write this file: {e}"),
        )
        .with_help(help)
    }
}

/// Removes a file, and its folder if that is left empty.
fn remove_with_empty_folder(path: &Path) {
    let _ = fs::remove_file(path);
    if let Some(parent) = path.parent() {
        let _ = fs::remove_dir(parent);
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
        ".{}{TMP}{}",
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

/// Only one release at a time: an exclusive lock on `history/.release.lock`, which the
/// operating system lets go of when the process ends, however it ends, so a release that was
/// killed never leaves the history locked. The file holds the process id, for the message.
struct Lock {
    path: PathBuf,
    _file: fs::File,
}

impl Lock {
    fn take(dir: &Path) -> Result<Lock, Diagnostic> {
        let shown = Path::new(HISTORY_DIR).join(LOCK);
        let cannot = |e: io::Error| {
            Diagnostic::error(&shown, format!("cannot lock the history folder: {e}"))
                .with_help("nothing was recorded: check that the history folder can be written, then run the release again")
        };
        fs::create_dir_all(dir).map_err(|e| {
            Diagnostic::error(
                HISTORY_DIR,
                format!("cannot create the history folder: {e}"),
            )
        })?;
        let path = dir.join(LOCK);
        for _ in 0..10 {
            let mut file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(cannot)?;
            match file.try_lock() {
                Ok(()) => {
                    // The release before may have removed the file after it was opened here:
                    // then this is a lock on a file no one else sees, so start again.
                    if !is_at(&file, &path) {
                        continue;
                    }
                    let _ = file.set_len(0);
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(Lock { path, _file: file });
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok())
                        .map(|pid| format!(" (process {pid})"))
                        .unwrap_or_default();
                    return Err(Diagnostic::error(
                        &shown,
                        format!("another release is being recorded{holder}"),
                    )
                    .with_help(
                        "nothing was recorded: wait for it to finish, then run the release again",
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(cannot(e)),
            }
        }
        Err(Diagnostic::error(&shown, "cannot lock the history folder")
            .with_help("nothing was recorded: run the release again"))
    }
}

impl Drop for Lock {
    /// Removes the file while still holding the lock (the file is closed after this).
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether `path` is still the file `file` has open.
#[cfg(unix)]
fn is_at(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(there)) => open.dev() == there.dev() && open.ino() == there.ino(),
        _ => false,
    }
}

/// Without inode numbers: whether it is still there (the release before removing it is the
/// case that matters).
#[cfg(not(unix))]
fn is_at(_file: &fs::File, path: &Path) -> bool {
    path.exists()
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
        let store = baseline(dir.path());
        assert_eq!(store.releases, [baseline_release()]);
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

    /// The baseline release of one chapter `a`, whose text is "one".
    fn baseline_release() -> Release {
        Release {
            date: "2024-07-15".into(),
            baseline: true,
            chapters: vec![record(
                "a",
                Change::Added,
                Some(("versions/a/2024-07-15.md", "one")),
            )],
        }
    }

    /// The baseline of one chapter `a`, committed; returns the store as read after it.
    fn baseline(dir: &Path) -> Store {
        Store::load(dir)
            .unwrap()
            .commit(
                &baseline_release(),
                &[("versions/a/2024-07-15.md".into(), "one".into())],
            )
            .unwrap();
        Store::load(dir).unwrap()
    }

    fn update(date: &str, text: &str) -> (Release, Vec<(String, String)>) {
        let version = format!("versions/a/{date}.md");
        (
            Release {
                date: date.into(),
                baseline: false,
                chapters: vec![record("a", Change::Updated, Some((&version, text)))],
            },
            vec![(version, text.into())],
        )
    }

    /// Regression: a release cut short left `a`'s new version; the chapter was edited again
    /// before the release was run again, which then refused ("a different file is already
    /// recorded there") while `verify` said the next release would clear the file.
    #[test]
    fn a_leftover_version_is_cleared_even_when_the_chapter_changed_since() {
        let dir = tempfile::tempdir().unwrap();
        let store = baseline(dir.path());
        let history = dir.path().join("history");
        fs::write(
            history.join("versions/a/2024-08-15.md"),
            "two, as first released",
        )
        .unwrap();
        fs::write(
            history.join("releases/.2024-08-15.yaml.tmp-1"),
            "date: \"20",
        )
        .unwrap();
        let (release, versions) = update("2024-08-15", "two, as edited since");
        store.commit(&release, &versions).unwrap();
        assert_eq!(
            fs::read_to_string(history.join("versions/a/2024-08-15.md")).unwrap(),
            "two, as edited since"
        );
        assert!(!history.join("releases/.2024-08-15.yaml.tmp-1").exists());
        assert!(Store::load(dir.path()).unwrap().verify().is_empty());
    }

    /// Regression: two releases started together with different dates both read the store
    /// before either was recorded; the second, taking the lock after the first had finished,
    /// removed the first's versions as leftovers and recorded a release contradicting it.
    #[test]
    fn a_release_planned_before_another_was_recorded_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let stale = baseline(dir.path());
        let (first, versions) = update("2024-08-15", "two");
        stale.commit(&first, &versions).unwrap();
        let (second, versions) = update("2024-08-20", "two, again");
        let err = stale.commit(&second, &versions).unwrap_err();
        assert_eq!(
            err.message,
            "another release was recorded while this one was being prepared"
        );
        let store = Store::load(dir.path()).unwrap();
        assert_eq!(store.releases.len(), 2);
        assert!(store.verify().is_empty(), "{:?}", store.verify());
        assert!(!dir.path().join("history/versions/a/2024-08-20.md").exists());
    }

    #[test]
    fn a_release_that_fails_to_write_its_release_file_leaves_no_version_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = baseline(dir.path());
        let history = dir.path().join("history");
        // A folder in the way of the release file's temporary file makes its write fail.
        fs::create_dir_all(history.join(format!(
            "releases/.2024-08-15.yaml{TMP}{}",
            std::process::id()
        )))
        .unwrap();
        let (release, versions) = update("2024-08-15", "two");
        let err = store.commit(&release, &versions).unwrap_err();
        assert!(
            err.message.starts_with("cannot write this file"),
            "{}",
            err.message
        );
        assert_eq!(err.path, Path::new("history/releases/2024-08-15.yaml"));
        assert!(!history.join("versions/a/2024-08-15.md").exists());
        assert!(!history.join(LOCK).exists());
    }

    #[test]
    fn a_held_lock_refuses_and_one_left_by_a_killed_release_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let history = dir.path().join("history");
        fs::create_dir_all(&history).unwrap();
        // What a killed release leaves: the file, with no one holding the lock.
        fs::write(history.join(LOCK), "4294967294\n").unwrap();
        let lock = Lock::take(&history).unwrap();
        let err = Lock::take(&history).err().unwrap();
        assert_eq!(
            err.message,
            format!(
                "another release is being recorded (process {})",
                std::process::id()
            )
        );
        drop(lock);
        assert!(!history.join(LOCK).exists());
        drop(Lock::take(&history).unwrap());
    }
}
