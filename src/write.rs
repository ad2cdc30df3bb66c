//! Writing the built site to its output folder without ever leaving a half-written site: the
//! files go to a staging folder beside the output, which then takes the output's place.
//!
//! The output folder is marked as procbook's, and procbook refuses to replace a folder that is
//! not, so that a mistyped `--out` can never delete an author's work.
//!
//! Creating a file is by far the dearest step on the disks this runs on (a millisecond and more
//! each on a busy virtual disk, against tens of microseconds for a hard link), so files are
//! created as seldom as can be:
//!
//! - a file byte-for-byte the same as the live site's copy is hard-linked to it;
//! - the site that was replaced is kept beside the output (`.NAME.procbook-old`) and is the
//!   next build's staging folder, so that a file that changed again is written over the spare
//!   copy there (which no other folder shares), and one that did not is already in place.
//!
//! A file the live site shares is never written: it is replaced by a new one. So the live site
//! is never changed in place, and a build that stops half-way leaves it whole.

use std::collections::HashSet;
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
    let (staging, spare) = beside(&out);
    // A staging folder left by an interrupted build, or else the site the last build
    // replaced, is the starting point: neither is the live site, so both are free to change.
    if fs::symlink_metadata(&staging).is_ok_and(|m| m.is_dir()) {
        remove_if_exists(&spare)?;
    } else {
        remove_if_exists(&staging)?;
        if fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir()) {
            fs::rename(&spare, &staging).map_err(io_err(&spare))?;
        } else {
            remove_if_exists(&spare)?;
        }
    }
    fs::create_dir_all(&staging).map_err(io_err(&staging))?;

    let mut wanted: HashSet<PathBuf> = files.iter().map(|f| PathBuf::from(&f.path)).collect();
    wanted.insert(PathBuf::from(MARKER));
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .flat_map(|f| {
            Path::new(&f.path)
                .ancestors()
                .skip(1)
                .map(Path::to_path_buf)
        })
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    dirs.sort();
    dirs.dedup();
    prune(&staging, &wanted, &dirs)?;
    for dir in &dirs {
        let dir = staging.join(dir);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    }
    let live = out.join(MARKER).exists().then_some(out.as_path());
    files
        .par_iter()
        .try_for_each(|f| place(&staging, live, f))?;
    let marker = staging.join(MARKER);
    fs::write(
        &marker,
        "This folder is written by procbook; each build replaces it whole.\n",
    )
    .map_err(io_err(&marker))?;

    if out.exists() {
        fs::rename(&out, &spare).map_err(io_err(&out))?;
        if let Err(source) = fs::rename(&staging, &out) {
            // Put the previous site back before reporting.
            let _ = fs::rename(&spare, &out);
            return Err(WriteError::Io { path: out, source });
        }
    } else {
        fs::rename(&staging, &out).map_err(io_err(&out))?;
    }
    Ok(())
}

/// The folders kept beside the output folder `out`: the staging folder (left only by an
/// interrupted build) and the spare copy of the site the last build replaced.
fn beside(out: &Path) -> (PathBuf, PathBuf) {
    let parent = out.parent().unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    (
        parent.join(format!(".{name}.procbook-new")),
        parent.join(format!(".{name}.procbook-old")),
    )
}

/// Where the sites the last two builds into `out` wrote are: the live one, then the spare copy
/// of the one before (a file of either may be reused when it is known to hold the right bytes).
pub fn last_sites(out: &Path) -> [PathBuf; 2] {
    let out = absolute(out);
    let spare = beside(&out).1;
    [out, spare]
}

/// Removes from `staging` every file that is not `wanted` and every folder that is not in
/// `dirs` (paths relative to `staging`), without following links.
fn prune(staging: &Path, wanted: &HashSet<PathBuf>, dirs: &[PathBuf]) -> Result<(), WriteError> {
    for entry in walkdir::WalkDir::new(staging)
        .min_depth(1)
        .contents_first(true)
    {
        let entry = entry.map_err(|e| WriteError::Io {
            path: staging.to_path_buf(),
            source: e.into(),
        })?;
        let path = entry.path();
        let rel = path.strip_prefix(staging).unwrap_or(path);
        if entry.file_type().is_dir() {
            if dirs.binary_search_by(|d| d.as_path().cmp(rel)).is_err() {
                fs::remove_dir_all(path).map_err(io_err(path))?;
            }
        } else if !wanted.contains(rel) {
            fs::remove_file(path).map_err(io_err(path))?;
        }
    }
    Ok(())
}

/// Puts `file` into `staging`: left as it is when the staging folder's copy has its bytes;
/// otherwise a hard link to the live site's copy when that has them; otherwise written, over
/// the staging folder's copy where no other folder shares it.
fn place(staging: &Path, live: Option<&Path>, file: &OutputFile) -> Result<(), WriteError> {
    let holds = |path: &Path, m: &fs::Metadata| {
        m.is_file() && m.len() == file.bytes.len() as u64 && holds_bytes(path, &file.bytes)
    };
    let dest = staging.join(&file.path);
    let here = fs::symlink_metadata(&dest).ok();
    if here.as_ref().is_some_and(|m| holds(&dest, m)) {
        return Ok(());
    }
    if let Some(live) = live.map(|l| l.join(&file.path))
        && fs::symlink_metadata(&live).is_ok_and(|m| holds(&live, &m))
    {
        remove_any(&dest, here.as_ref())?;
        if fs::hard_link(&live, &dest).is_ok() {
            return Ok(());
        }
        return fs::write(&dest, &file.bytes).map_err(io_err(&dest));
    }
    match &here {
        Some(m) if m.is_file() && unshared(m) => {}
        _ => remove_any(&dest, here.as_ref())?,
    }
    fs::write(&dest, &file.bytes).map_err(io_err(&dest))
}

/// Whether the file at `path` holds `bytes`, read a piece at a time into one buffer per
/// thread (not a new one the size of each file: fresh memory is dear on a virtual machine).
fn holds_bytes(path: &Path, bytes: &[u8]) -> bool {
    use std::cell::RefCell;
    use std::io::Read;
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; 64 * 1024]);
    }
    let Ok(mut f) = fs::File::open(path) else {
        return false;
    };
    BUFFER.with_borrow_mut(|buffer| {
        let mut rest = bytes;
        loop {
            match f.read(buffer) {
                Ok(0) => return rest.is_empty(),
                Ok(n) if n <= rest.len() && buffer[..n] == rest[..n] => rest = &rest[n..],
                Ok(_) => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    })
}

/// Removes what is at `path` (described by `meta`), a folder with all it holds.
fn remove_any(path: &Path, meta: Option<&fs::Metadata>) -> Result<(), WriteError> {
    match meta {
        None => Ok(()),
        Some(m) if m.is_dir() => fs::remove_dir_all(path).map_err(io_err(path)),
        Some(_) => fs::remove_file(path).map_err(io_err(path)),
    }
}

/// Whether the file has no other name, so that writing over it changes nothing else.
#[cfg(unix)]
fn unshared(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() == 1
}

#[cfg(not(unix))]
fn unshared(_: &fs::Metadata) -> bool {
    false
}

/// Removes whatever is at `path` (a folder with all it holds, a file, a link), if anything.
fn remove_if_exists(path: &Path) -> Result<(), WriteError> {
    remove_any(path, fs::symlink_metadata(path).ok().as_ref())
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

pub fn absolute(path: &Path) -> PathBuf {
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
    fn a_file_holds_bytes_only_when_every_one_is_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // Longer than the buffer, so that it is read in several pieces.
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).unwrap();
        assert!(holds_bytes(&path, &bytes));
        for at in [0, 65_535, 65_536, 199_999] {
            let mut other = bytes.clone();
            other[at] ^= 1;
            assert!(!holds_bytes(&path, &other), "a byte differs at {at}");
        }
        assert!(!holds_bytes(&path, &bytes[..199_999]));
        assert!(!holds_bytes(&path, &[&bytes[..], b"x"].concat()));
        assert!(!holds_bytes(&dir.path().join("missing"), b""));
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
        let mut beside: Vec<_> = fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        beside.sort();
        // The site replaced is kept, hidden, for the next build to reuse.
        assert_eq!(beside, [".public.procbook-old", "public"]);
    }

    #[test]
    fn a_file_that_changes_again_is_written_over_the_spare_copy_never_the_live_one() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let root = dir.path().join("manual");
        let ino = |p: &str| fs::metadata(out.join(p)).unwrap().ino();
        write_site(&root, &out, &files("one")).unwrap();
        let first = ino("index.html");
        write_site(&root, &out, &files("two")).unwrap();
        let second = ino("index.html");
        assert_ne!(first, second);
        let chapter = ino("chapters/a.html");
        // The third build writes over the first build's copy, which nothing else shares.
        write_site(&root, &out, &files("three")).unwrap();
        assert_eq!(ino("index.html"), first);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "three");
        // The second build's site, live until the swap, was not changed.
        let spare = dir.path().join(".public.procbook-old");
        assert_eq!(fs::read_to_string(spare.join("index.html")).unwrap(), "two");
        assert_eq!(
            fs::metadata(spare.join("index.html")).unwrap().ino(),
            second
        );
        // A page the live site shares is replaced, not written through.
        let changed = vec![
            OutputFile::new("index.html", "three"),
            OutputFile::new("chapters/a.html", "b"),
        ];
        write_site(&root, &out, &changed).unwrap();
        assert_ne!(ino("chapters/a.html"), chapter);
        assert_eq!(
            fs::read_to_string(out.join("chapters/a.html")).unwrap(),
            "b"
        );
        assert_eq!(
            fs::read_to_string(spare.join("chapters/a.html")).unwrap(),
            "a"
        );
    }

    #[test]
    fn what_the_site_no_longer_has_goes_and_odd_leftovers_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let root = dir.path().join("manual");
        write_site(&root, &out, &files("one")).unwrap();
        write_site(&root, &out, &files("two")).unwrap();
        // A file where the spare copy goes, and an interrupted build's staging folder with a
        // stray file, a folder where a page goes and a link where a folder goes.
        let spare = dir.path().join(".public.procbook-old");
        fs::remove_dir_all(&spare).unwrap();
        fs::write(&spare, "x").unwrap();
        let staging = dir.path().join(".public.procbook-new");
        fs::create_dir_all(staging.join("index.html")).unwrap();
        fs::write(staging.join("stray.html"), "x").unwrap();
        fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        std::os::unix::fs::symlink(dir.path(), staging.join("chapters")).unwrap();
        let fewer = vec![OutputFile::new("chapters/a.html", "a")];
        write_site(&root, &out, &fewer).unwrap();
        let mut live: Vec<_> = walkdir::WalkDir::new(&out)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap().path().strip_prefix(&out).unwrap().to_owned())
            .collect();
        live.sort();
        assert_eq!(
            live,
            [
                PathBuf::from(MARKER),
                PathBuf::from("chapters"),
                PathBuf::from("chapters/a.html")
            ]
        );
        // The link was removed, not followed.
        assert_eq!(
            fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
        write_site(&root, &out, &files("three")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "three");
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
