//! Writing the built site to its output folder without ever leaving a half-written site: the
//! files go to a staging folder beside the output, which then takes the output's place.
//!
//! The output folder is marked as procbook's, and procbook refuses to replace a folder that is
//! not, so that a mistyped `--out` can never delete an author's work.
//!
//! Creating a file is by far the dearest step on the disks this runs on (a millisecond and more
//! each on a busy virtual disk, against tens of microseconds for a hard link), so a page that is
//! byte-for-byte the same as the live site's copy is hard-linked into the staging folder rather
//! than written again. Pages are never changed
//! in place, so the old and new sites sharing a file is safe.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

/// The file that marks a folder as a site procbook wrote.
pub const MARKER: &str = ".procbook-site";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{} already exists and was not made by procbook, so it was left as it is; choose another --out folder, or empty it first",
        .0.display()
    )]
    NotOurs(PathBuf),
    #[error("the output folder cannot be the manual's own folder or contain it: {}", .0.display())]
    ContainsManual(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces the folder `out` with exactly `files`. `root` is the manual's folder, which `out`
/// must not be or contain.
pub fn write_site(root: &Path, out: &Path, files: &[OutputFile]) -> Result<(), WriteError> {
    let out = absolute(out);
    let root = absolute(root);
    if root.starts_with(&out) {
        return Err(WriteError::ContainsManual(out));
    }
    if out.exists() && !out.join(MARKER).exists() && !is_empty_dir(&out) {
        return Err(WriteError::NotOurs(out));
    }
    let parent = out.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let staging = parent.join(format!(".{name}.procbook-new"));
    let old = parent.join(format!(".{name}.procbook-old"));
    // Left over from an interrupted run: never the live site, so safe to clear.
    remove_if_exists(&staging)?;
    remove_if_exists(&old)?;

    fs::create_dir_all(&staging).map_err(io_err(&staging))?;
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| staging.join(p)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let previous = out.join(MARKER).exists().then_some(out.as_path());
    files
        .par_iter()
        .try_for_each(|f| place(&staging, previous, f))?;
    let marker = staging.join(MARKER);
    fs::write(
        &marker,
        "This folder is written by procbook; each build replaces it whole.\n",
    )
    .map_err(io_err(&marker))?;

    if out.exists() {
        fs::rename(&out, &old).map_err(io_err(&out))?;
        if let Err(source) = fs::rename(&staging, &out) {
            // Put the previous site back before reporting.
            let _ = fs::rename(&old, &out);
            return Err(WriteError::Io { path: out, source });
        }
        remove_if_exists(&old)?;
    } else {
        fs::rename(&staging, &out).map_err(io_err(&out))?;
    }
    Ok(())
}

/// Puts `file` into `staging`: a hard link to the live site's identical copy where there is
/// one, otherwise a new file.
fn place(staging: &Path, previous: Option<&Path>, file: &OutputFile) -> Result<(), WriteError> {
    let dest = staging.join(&file.path);
    if let Some(previous) = previous {
        let live = previous.join(&file.path);
        let same = fs::metadata(&live)
            .is_ok_and(|m| m.is_file() && m.len() == file.bytes.len() as u64)
            && fs::read(&live).is_ok_and(|bytes| bytes == file.bytes);
        if same && fs::hard_link(&live, &dest).is_ok() {
            return Ok(());
        }
    }
    fs::write(&dest, &file.bytes).map_err(io_err(&dest))
}

fn remove_if_exists(path: &Path) -> Result<(), WriteError> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(WriteError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Vec<OutputFile> {
        vec![
            OutputFile::new("index.html", text.to_owned()),
            OutputFile::new("chapters/a.html", "a"),
        ]
    }

    #[test]
    fn replaces_a_previous_site_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site/public");
        write_site(dir.path().join("manual").as_path(), &out, &files("one")).unwrap();
        fs::write(out.join("stale.html"), "old").unwrap();
        write_site(dir.path().join("manual").as_path(), &out, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert!(!out.join("stale.html").exists());
        assert!(out.join(MARKER).exists());
        let leftovers: Vec<_> = fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);
    }

    #[test]
    fn unchanged_pages_are_shared_with_the_previous_site_and_changed_ones_are_new() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let root = dir.path().join("manual");
        write_site(&root, &out, &files("one")).unwrap();
        let index_before = fs::metadata(out.join("index.html")).unwrap().ino();
        let chapter_before = fs::metadata(out.join("chapters/a.html")).unwrap().ino();
        write_site(&root, &out, &files("two")).unwrap();
        assert_ne!(
            fs::metadata(out.join("index.html")).unwrap().ino(),
            index_before
        );
        assert_eq!(
            fs::metadata(out.join("chapters/a.html")).unwrap().ino(),
            chapter_before
        );
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert_eq!(
            fs::read_to_string(out.join("chapters/a.html")).unwrap(),
            "a"
        );
    }

    #[test]
    fn refuses_to_replace_a_folder_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("docs");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("precious.txt"), "mine").unwrap();
        let err = write_site(&dir.path().join("m"), &out, &files("x")).unwrap_err();
        assert!(matches!(err, WriteError::NotOurs(_)));
        assert_eq!(
            fs::read_to_string(out.join("precious.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn refuses_an_output_folder_that_holds_the_manual() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_site(&dir.path().join("m"), dir.path(), &files("x")).unwrap_err();
        assert!(matches!(err, WriteError::ContainsManual(_)));
    }
}
