//! A manual kept built in memory between edits, for `serve`. Each rebuild reuses what the
//! previous one made (see `build::Memo`), keeps the last good site when the new one has
//! errors, and says which files changed, so that open pages reload once and only when
//! something they show changed. The search index is exported only when a reader asks for it.
//!
//! The site a session holds is byte for byte the one `procbook build` writes; the tests check
//! this after every kind of edit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::build::{BuildOptions, History, Memo, build_with};
use crate::date::PartialDate;
use crate::diagnostic::Diagnostics;
use crate::history::store::sha256_hex;
use crate::markdown::Rendered;
use crate::model::Manual;
use crate::render::OutputFile;
use crate::search::Corpus;

/// The folder of the search export in the site.
const SEARCH_DIR: &str = "search/";

/// A manual being previewed.
pub struct Session {
    options: BuildOptions,
    memo: Memo,
    current: Option<Arc<Snapshot>>,
    /// Each chapter's source and its SHA-256, by path, for the preview banner.
    hashes: HashMap<PathBuf, (String, String)>,
}

/// One good build of the manual, with what the server needs to answer from it.
pub struct Snapshot {
    files: HashMap<String, Bytes>,
    pub manual: Manual,
    rendered: Vec<Arc<Rendered>>,
    pub warnings: Diagnostics,
    /// "Preview: 3 chapters changed since the July 2024 release."
    pub banner: String,
    search: OnceLock<Search>,
}

/// The search export and corpus of a snapshot, made on first use.
struct Search {
    corpus: Corpus,
    files: HashMap<String, Bytes>,
}

/// What a rebuild did.
pub enum Outcome {
    /// The site was rebuilt; `changed` lists the files added, altered or removed.
    Built {
        snapshot: Arc<Snapshot>,
        changed: Vec<String>,
        took: Duration,
    },
    /// The manual has errors; the previous site (if any) is still served.
    Failed { diagnostics: Diagnostics },
}

impl Session {
    /// A session for the manual `options.root`. Nothing is built until `rebuild`.
    pub fn new(options: BuildOptions) -> Session {
        Session {
            options: BuildOptions {
                search: false,
                ..options
            },
            memo: Memo::default(),
            current: None,
            hashes: HashMap::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.options.root
    }

    /// The last good build, if there has been one.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.clone()
    }

    /// Rebuilds the manual. `changed` are the paths the watcher saw change: they are read
    /// again whatever their size and time say (the rest are read again only when those did).
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Outcome {
        let started = Instant::now();
        for path in changed {
            let rel = path.strip_prefix(&self.options.root).unwrap_or(path);
            self.memo.invalidate(rel);
        }
        let site = match build_with(&self.options, Some(&mut self.memo)) {
            Ok(site) => site,
            Err(diagnostics) => return Outcome::Failed { diagnostics },
        };
        if let Some(bytes) = &site.cache_update {
            // Best effort: the cache only saves time.
            let _ = crate::history::cache::save(&self.options.root, bytes);
        }
        let banner = self.banner(&site.manual, &site.history);
        let files: HashMap<String, Bytes> =
            site.files.into_iter().map(|f| (f.path, f.bytes)).collect();
        let changed = match &self.current {
            Some(old) => changed_files(&old.files, &files),
            None => files.keys().cloned().collect(),
        };
        let snapshot = Arc::new(Snapshot {
            files,
            manual: site.manual,
            rendered: site.rendered,
            warnings: site.warnings,
            banner,
            search: OnceLock::new(),
        });
        self.current = Some(snapshot.clone());
        Outcome::Built {
            snapshot,
            changed,
            took: started.elapsed(),
        }
    }

    /// Says how far the manual has moved on from its last release.
    fn banner(&mut self, manual: &Manual, history: &History) -> String {
        let store = &history.store;
        let Some(last) = store.releases.last() else {
            return "Preview: this manual has not been released yet.".to_owned();
        };
        let recorded: HashMap<&str, Option<&str>> = store
            .releases
            .iter()
            .flat_map(|r| &r.chapters)
            .map(|c| {
                let sha = (c.change != crate::history::Change::Removed)
                    .then_some(c.sha256.as_deref())
                    .flatten();
                (c.id.as_str(), sha)
            })
            .fold(HashMap::new(), |mut map, (id, sha)| {
                // A record without a version (a move) keeps the previous text.
                let entry = map.entry(id).or_insert(None);
                if sha.is_some() || entry.is_none() {
                    *entry = sha;
                }
                map
            });
        let mut fresh = HashMap::with_capacity(manual.chapters.len());
        let mut changed = 0;
        for chapter in &manual.chapters {
            let (source, sha) = match self.hashes.remove(&chapter.path) {
                Some((source, sha)) if source == chapter.source => (source, sha),
                _ => (
                    chapter.source.clone(),
                    sha256_hex(chapter.source.as_bytes()),
                ),
            };
            if recorded.get(chapter.id.as_str()).copied().flatten() != Some(sha.as_str()) {
                changed += 1;
            }
            fresh.insert(chapter.path.clone(), (source, sha));
        }
        self.hashes = fresh;
        changed += recorded
            .iter()
            .filter(|(id, sha)| sha.is_some() && manual.chapter_by_str(id).is_none())
            .count();
        let month = PartialDate::from_naive(last.day()).month_year();
        match changed {
            0 => format!("Preview: no chapter has changed since the {month} release."),
            1 => format!("Preview: 1 chapter changed since the {month} release."),
            n => format!("Preview: {n} chapters changed since the {month} release."),
        }
    }
}

impl Snapshot {
    /// The file at `path` (relative to the site's root, with `/`), search export included.
    pub fn get(&self, path: &str) -> Option<Bytes> {
        if path.starts_with(SEARCH_DIR) {
            return self.search().files.get(path).cloned();
        }
        self.files.get(path).cloned()
    }

    /// Every file of the site, search export included, sorted by path: what `build` writes.
    pub fn all_files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .files
            .iter()
            .chain(&self.search().files)
            .map(|(path, bytes)| OutputFile::new(path.clone(), bytes.clone()))
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// The search documents, for answering queries from tantivy.
    pub fn corpus(&self) -> &Corpus {
        &self.search().corpus
    }

    fn search(&self) -> &Search {
        self.search.get_or_init(|| {
            let corpus = crate::search::documents(&self.manual, &self.rendered);
            let files = crate::search::export::export(&self.manual, &corpus)
                .into_iter()
                .map(|f| (f.path, f.bytes))
                .collect();
            Search { corpus, files }
        })
    }
}

/// The paths whose bytes differ between two sites, or that are in only one.
fn changed_files(old: &HashMap<String, Bytes>, new: &HashMap<String, Bytes>) -> Vec<String> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(path, bytes)| {
            old.get(*path).is_none_or(|before| {
                !(before.as_ptr() == bytes.as_ptr() && before.len() == bytes.len())
                    && before != *bytes
            })
        })
        .map(|(path, _)| path.clone())
        .chain(old.keys().filter(|p| !new.contains_key(*p)).cloned())
        .collect();
    changed.sort();
    changed
}
