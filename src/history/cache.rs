//! A cache of redlines, in `.procbook/redlines.cache` beside the manual.
//!
//! A redline compares two released versions, and released versions never change (the store is
//! append-only and each version's SHA-256 is recorded), so a redline computed once is right
//! for good. Keyed by the two versions' hashes and the redline format, the cache lets a build
//! compute only the redlines it has not seen, usually the few a new release adds. It is only a
//! cache: it is not committed, a damaged or missing one is ignored, and deleting it is safe.
//!
//! Format: a first line naming the format, then for each entry a line
//! `<old sha>:<new sha>\t<words deleted>\t<words inserted>\t<bytes>` followed by that many
//! bytes of HTML and a newline.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::log::{Log, load_reading_text, redline};
use super::store::Store;
use crate::diagnostic::Diagnostic;

pub const CACHE_DIR: &str = ".procbook";
const FILE: &str = "redlines.cache";
/// Change this whenever the redline's HTML changes, so that old entries are not reused.
const FORMAT: &str = "procbook redlines 1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redline {
    pub html: String,
    pub deleted: usize,
    pub inserted: usize,
}

/// The cache key of the redline from the version with hash `old` to the one with hash `new`.
pub fn key(old: &str, new: &str) -> String {
    format!("{old}:{new}")
}

pub fn path(root: &Path) -> PathBuf {
    root.join(CACHE_DIR).join(FILE)
}

/// The redline between every two consecutive versions of every chapter in `store`: from the
/// cache where it has them, computed (in parallel) where not. Also the cache's new bytes, when
/// they changed. Versions that cannot be read are reported and their redlines left out.
pub fn redlines(
    root: &Path,
    store: &Store,
    log: &Log,
    diagnostics: &mut Vec<Diagnostic>,
) -> (HashMap<String, Redline>, Option<Vec<u8>>) {
    // (cache key, old version file, new version file)
    let mut pairs: Vec<(String, &str, &str)> = Vec::new();
    for id in log.by_chapter.keys() {
        for w in log.versions(id).windows(2) {
            let (old, new) = (w[0].record, w[1].record);
            if let (Some(a), Some(b), Some(va), Some(vb)) =
                (&old.sha256, &new.sha256, &old.version, &new.version)
            {
                pairs.push((key(a, b), va.as_str(), vb.as_str()));
            }
        }
    }
    let mut cached = load(root);
    let missing: Vec<&(String, &str, &str)> = pairs
        .iter()
        .filter(|(k, _, _)| !cached.contains_key(k))
        .collect();
    let mut files: Vec<&str> = missing.iter().flat_map(|(_, a, b)| [*a, *b]).collect();
    files.sort_unstable();
    files.dedup();
    let loaded: Vec<(&str, Result<String, Diagnostic>)> = files
        .into_par_iter()
        .map(|path| (path, load_reading_text(store, path)))
        .collect();
    let mut texts = HashMap::with_capacity(loaded.len());
    for (path, text) in loaded {
        match text {
            Ok(t) => {
                texts.insert(path, t);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let computed: Vec<(String, Redline)> = missing
        .par_iter()
        .filter_map(|(key, a, b)| {
            let (html, deleted, inserted) = redline(texts.get(a)?, texts.get(b)?);
            Some((
                key.clone(),
                Redline {
                    html,
                    deleted,
                    inserted,
                },
            ))
        })
        .collect();
    let wanted: HashSet<&String> = pairs.iter().map(|(k, _, _)| k).collect();
    let before = cached.len();
    cached.retain(|k, _| wanted.contains(k));
    let changed = !computed.is_empty() || cached.len() != before;
    cached.extend(computed);
    let update = changed.then(|| encode(&cached));
    (cached, update)
}

/// Reads the cache; anything missing or unreadable is simply not cached.
pub fn load(root: &Path) -> HashMap<String, Redline> {
    std::fs::read(path(root))
        .map(|b| decode(&b))
        .unwrap_or_default()
}

pub fn decode(bytes: &[u8]) -> HashMap<String, Redline> {
    let mut out = HashMap::new();
    let Some(rest) = bytes
        .strip_prefix(FORMAT.as_bytes())
        .and_then(|r| r.strip_prefix(b"\n"))
    else {
        return out;
    };
    let mut rest = rest;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&rest[..end]).into_owned();
        let fields: Vec<&str> = header.split('\t').collect();
        let [key, deleted, inserted, len] = fields[..] else {
            break;
        };
        let (Ok(deleted), Ok(inserted), Ok(len)) =
            (deleted.parse(), inserted.parse(), len.parse::<usize>())
        else {
            break;
        };
        let body_start = end + 1;
        let Some(body) = rest.get(body_start..body_start + len) else {
            break;
        };
        let Ok(html) = String::from_utf8(body.to_vec()) else {
            break;
        };
        out.insert(
            key.to_owned(),
            Redline {
                html,
                deleted,
                inserted,
            },
        );
        rest = rest.get(body_start + len + 1..).unwrap_or_default();
    }
    out
}

/// The cache file's bytes, entries in key order so that the same cache gives the same bytes.
pub fn encode(entries: &HashMap<String, Redline>) -> Vec<u8> {
    let mut keys: Vec<&String> = entries.keys().collect();
    keys.sort();
    let mut out =
        Vec::with_capacity(entries.values().map(|r| r.html.len() + 160).sum::<usize>() + 32);
    out.extend_from_slice(FORMAT.as_bytes());
    out.push(b'\n');
    for k in keys {
        let r = &entries[k];
        out.extend_from_slice(
            format!("{k}\t{}\t{}\t{}\n", r.deleted, r.inserted, r.html.len()).as_bytes(),
        );
        out.extend_from_slice(r.html.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Replaces the cache file whole (a temporary file renamed into place). A cache that cannot be
/// written is no error: the next build computes the redlines again.
pub fn save(root: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(root, FILE, |w| std::io::Write::write_all(w, bytes))
}

/// Replaces the file `name` in `root`'s cache folder whole with what `write` writes: into a
/// temporary file of this process, renamed into place once complete and removed if writing
/// fails, so that a reader sees the old file or the new one, never a part.
pub fn replace(
    root: &Path,
    name: &str,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let dir = root.join(CACHE_DIR);
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|file| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        write(&mut w)?;
        w.flush()
    });
    match written {
        Ok(()) => std::fs::rename(&tmp, dir.join(name)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_file_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        replace(dir.path(), "x.cache", |w| {
            std::io::Write::write_all(w, b"old")
        })
        .unwrap();
        let failed = replace(dir.path(), "x.cache", |w| {
            std::io::Write::write_all(w, b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        let cache = dir.path().join(CACHE_DIR);
        assert_eq!(std::fs::read(cache.join("x.cache")).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.cache"], "no temporary file is left");
    }

    #[test]
    fn entries_round_trip_even_with_newlines_and_tabs_in_the_html() {
        let mut entries = HashMap::new();
        entries.insert(
            key("aa", "bb"),
            Redline {
                html: "one\n\ttwo <del>x</del>\n".into(),
                deleted: 1,
                inserted: 0,
            },
        );
        entries.insert(
            key("cc", "dd"),
            Redline {
                html: String::new(),
                deleted: 0,
                inserted: 3,
            },
        );
        let bytes = encode(&entries);
        assert_eq!(decode(&bytes), entries);
        assert_eq!(
            encode(&decode(&bytes)),
            bytes,
            "the same cache gives the same bytes"
        );
    }

    #[test]
    fn another_format_or_a_damaged_file_is_ignored_not_trusted() {
        assert!(decode(b"procbook redlines 0\naa:bb\t1\t1\t3\nabc\n").is_empty());
        let mut entries = HashMap::new();
        entries.insert(
            key("aa", "bb"),
            Redline {
                html: "hello".into(),
                deleted: 1,
                inserted: 1,
            },
        );
        let bytes = encode(&entries);
        let truncated = &bytes[..bytes.len() - 3];
        assert!(decode(truncated).is_empty());
    }
}
