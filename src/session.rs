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
use crate::history::diff::diff;
use crate::history::store::sha256_hex;
use crate::history::{Kind, Version};
use crate::markdown::Rendered;
use crate::model::Manual;
use crate::render::OutputFile;
use crate::search::Corpus;
use crate::search::index::{Hit, SearchIndex, hits};
use crate::timing::phase;

/// The folder of the search export in the site.
const SEARCH_DIR: &str = "search/";

/// A manual being previewed.
pub struct Session {
    options: BuildOptions,
    memo: Memo,
    current: Option<Arc<Snapshot>>,
    /// Whether each chapter has changed since the last release, by path, for the banner.
    banner_memo: HashMap<PathBuf, BannerMemo>,
    /// The history those verdicts were made against: a new release makes them stale.
    banner_history: Option<Arc<History>>,
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
    /// The tantivy index, made on the first query.
    index: OnceLock<Result<SearchIndex, String>>,
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
            banner_memo: HashMap::new(),
            banner_history: None,
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
        let banner = phase("banner", || self.banner(&site.manual, &site.history));
        let files: HashMap<String, Bytes> =
            site.files.into_iter().map(|f| (f.path, f.bytes)).collect();
        let changed = phase("changed files", || match &self.current {
            Some(old) => changed_files(&old.files, &files),
            None => files.keys().cloned().collect(),
        });
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

    /// Says how far the manual has moved on from its last release: the chapters a release
    /// now would record (new, removed, renumbered, a new change note, or words changed).
    fn banner(&mut self, manual: &Manual, history: &Arc<History>) -> String {
        if !self
            .banner_history
            .as_ref()
            .is_some_and(|known| Arc::ptr_eq(known, history))
        {
            self.banner_memo.clear();
            self.banner_history = Some(history.clone());
        }
        let store = &history.store;
        let Some(last) = store.releases.last() else {
            return "Preview: this manual has not been released yet.".to_owned();
        };
        let known = store.chapters();
        let mut fresh = HashMap::with_capacity(manual.chapters.len());
        let mut changed = 0;
        for chapter in &manual.chapters {
            let number = chapter.number.to_string();
            let verdict = match self.banner_memo.remove(&chapter.path) {
                Some(memo)
                    if crate::build::same_text(&memo.source, &chapter.source)
                        && memo.number == number =>
                {
                    memo
                }
                _ => BannerMemo {
                    changed: changed_since(chapter, &number, store, &known, manual),
                    source: chapter.source.clone(),
                    number,
                },
            };
            changed += usize::from(verdict.changed);
            fresh.insert(chapter.path.clone(), verdict);
        }
        self.banner_memo = fresh;
        changed += known
            .iter()
            .filter(|(id, state)| !state.removed && manual.chapter_by_str(id).is_none())
            .count();
        let month = PartialDate::from_naive(last.day()).month_year();
        match changed {
            0 => format!("Preview: no chapter has changed since the {month} release."),
            1 => format!("Preview: 1 chapter changed since the {month} release."),
            n => format!("Preview: {n} chapters changed since the {month} release."),
        }
    }
}

/// Whether a release now would record `chapter`.
fn changed_since(
    chapter: &crate::model::Chapter,
    number: &str,
    store: &crate::history::Store,
    known: &HashMap<String, crate::history::store::ChapterState>,
    manual: &Manual,
) -> bool {
    let Some(state) = known.get(chapter.id.as_str()).filter(|s| !s.removed) else {
        return true;
    };
    let note = chapter
        .change_note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if state.number != number || note.is_some() && note != state.change_note.as_deref() {
        return true;
    }
    let Some(version) = state.version.as_deref() else {
        return true;
    };
    let recorded = state
        .records
        .iter()
        .rev()
        .find_map(|&(r, c)| store.releases[r].chapters[c].sha256.as_deref());
    if recorded == Some(sha256_hex(chapter.source.as_bytes()).as_str()) {
        return false;
    }
    let Ok(old) = store
        .read_version(version)
        .and_then(|text| Version::parse(Path::new(version), &text))
    else {
        return true;
    };
    let new = Version {
        title: chapter.title.clone(),
        body: chapter.body().to_owned(),
    };
    diff(&old, &new, &manual.config.thresholds).kind != Kind::Unchanged
}

/// What the banner knew of a chapter at its last look.
struct BannerMemo {
    source: Arc<str>,
    number: String,
    changed: bool,
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

    /// Answers a query from tantivy, as `procbook search` does: best first.
    pub fn search_hits(&self, query: &str, limit: usize) -> Result<Vec<Hit>, String> {
        let search = self.search();
        let index = search
            .index
            .get_or_init(|| SearchIndex::in_memory(&search.corpus).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)?;
        let found = index.search(query, limit).map_err(|e| e.to_string())?;
        Ok(hits(&self.manual, &search.corpus.docs, &found, query))
    }

    fn search(&self) -> &Search {
        self.search.get_or_init(|| {
            let corpus = crate::search::documents(&self.manual, &self.rendered);
            let files = crate::search::export::export(&self.manual, &corpus)
                .into_iter()
                .map(|f| (f.path, f.bytes))
                .collect();
            Search {
                corpus,
                files,
                index: OnceLock::new(),
            }
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
