//! The build pipeline: load → parse → model → Markdown → render, returning the site's files in
//! memory and every diagnostic found on the way. `build` and `check` both run it; only the
//! binary writes the result.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::glossary::Glossary;
use crate::history::Store;
use crate::history::cache::{self, Redline};
use crate::history::log::Log;
use crate::load::load_content;
use crate::markdown::{Rendered, check_anchor_links, render_chapter};
use crate::model::{Manual, ModelOptions, assemble};
use crate::render::{OutputFile, RenderInfo, Theme, render_site};
use crate::timing::phase;

/// The manual's folder of files copied to the site as they are.
pub const STATIC_DIR: &str = "static";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Publish `status: draft` chapters too.
    pub drafts: bool,
    /// Today's date: review dates before it are overdue. Set by `PROCBOOK_TODAY` for repeatable builds.
    pub today: NaiveDate,
    /// Export the static search index (off with `build --no-search`).
    pub search: bool,
    /// The folder the site will be written to, if any: the search files the last build wrote
    /// there are reused when nothing they are made from has changed (see `search::cache`).
    pub site: Option<PathBuf>,
}

/// A successful build: the site's files, and the warnings found.
#[derive(Debug)]
pub struct Site {
    pub manual: Manual,
    /// Chapter bodies, by index in `manual.chapters`.
    pub rendered: Vec<Arc<Rendered>>,
    pub history: Arc<History>,
    pub files: Vec<OutputFile>,
    pub warnings: Diagnostics,
    /// New contents for the redline cache (see `history::cache`), when it changed.
    pub cache_update: Option<Vec<u8>>,
    /// A new search cache (`search::cache`) to save, when the one there was not up to date.
    pub search_cache: Option<crate::search::cache::Update>,
}

/// The manual read, validated and its chapters rendered, with its release history: everything
/// up to the templates. `diagnostics` may hold errors; `build` and `release` stop on them.
#[derive(Debug)]
pub struct Prepared {
    pub manual: Manual,
    pub rendered: Vec<Arc<Rendered>>,
    pub history: Arc<History>,
    /// The redline cache's new bytes, when it changed.
    pub cache_update: Option<Vec<u8>>,
    pub diagnostics: Diagnostics,
}

/// What a build keeps for the next one. `serve` holds one, so that a rebuild after an edit
/// redoes only what the edit touched: files whose size and time are unchanged are not read
/// again, unchanged front matter is not parsed again, an unchanged chapter is not rendered
/// again (while the chapters it could link to are the same), and a page whose view is
/// unchanged is not rendered again. The result is the same as a build without one.
#[derive(Debug, Default)]
pub struct Memo {
    pub(crate) files: crate::load::FileMemo,
    pub(crate) front_matter: crate::model::ParseMemo,
    markdown: HashMap<PathBuf, MarkdownEntry>,
    history: Option<(Vec<crate::load::Stamp>, Arc<History>)>,
    /// The theme, by name, with the stamps of its folder's files then.
    theme: Option<(String, Vec<crate::load::Stamp>, Arc<Theme>)>,
    pub(crate) pages: crate::render::PageMemo,
}

impl Memo {
    /// Forgets what is known of `path` (relative to the root), so that the next build reads it
    /// again whatever its size and time say.
    pub fn invalidate(&mut self, path: &Path) {
        self.files.invalidate(path);
        let top = path.components().next().map(|c| c.as_os_str());
        if top == Some(crate::history::store::HISTORY_DIR.as_ref()) {
            self.history = None;
        }
        if top == Some(crate::render::THEMES_DIR.as_ref()) {
            self.theme = None;
        }
    }
}

/// The manual's theme, from the memo while its folder is unchanged.
fn load_theme(root: &Path, name: &str, memo: Option<&mut Memo>) -> Result<Arc<Theme>, Diagnostic> {
    let Some(memo) = memo else {
        return Theme::load(root, name).map(Arc::new);
    };
    let stamps = crate::load::stamps(&root.join(crate::render::THEMES_DIR).join(name));
    if let Some((known, old, theme)) = &memo.theme
        && known == name
        && *old == stamps
    {
        return Ok(theme.clone());
    }
    let theme = Arc::new(Theme::load(root, name)?);
    memo.theme = Some((name.to_owned(), stamps, theme.clone()));
    Ok(theme)
}

/// A chapter's rendered body, valid while its source, its place and the set of chapters it
/// could link to (the `universe`) are unchanged.
#[derive(Debug)]
struct MarkdownEntry {
    source: Arc<str>,
    key: u64,
    rendered: Arc<Rendered>,
}

/// The release history as the build needs it: the store, and the redline between every two
/// consecutive versions of a chapter (from the cache, or computed here), so that rendering
/// does no I/O.
#[derive(Debug, Default)]
pub struct History {
    pub store: Store,
    /// By `cache::key(old sha, new sha)`.
    pub redlines: HashMap<String, Redline>,
    /// Problems found in the store (missing versions, a damaged cache).
    problems: Vec<Diagnostic>,
}

/// Reads and checks the manual. Fails early only when there is no manual to read.
pub fn prepare(options: &BuildOptions) -> Result<Prepared, Diagnostics> {
    prepare_with(options, None)
}

/// `prepare`, reusing and refreshing `memo` when given one.
pub fn prepare_with(
    options: &BuildOptions,
    mut memo: Option<&mut Memo>,
) -> Result<Prepared, Diagnostics> {
    let root = options.root.as_path();
    let mut diagnostics = Diagnostics::new();
    let config = phase("settings", || Config::from_root(root)).map_err(Diagnostics::from)?;
    let (glossary, glossary_text) = match phase("glossary", || Glossary::from_root(root)) {
        Ok(found) => found,
        Err(errors) => {
            diagnostics.extend(errors);
            (Glossary::default(), String::new())
        }
    };
    let (tree, load_diagnostics) = phase("read content", || {
        load_content(root, memo.as_deref_mut().map(|m| &mut m.files))
    })
    .map_err(Diagnostics::from)?;
    diagnostics.extend(load_diagnostics);
    let model_options = ModelOptions {
        drafts: options.drafts,
        today: options.today,
    };
    let (manual, model_diagnostics) = phase("model", || {
        assemble(
            config,
            glossary,
            &tree,
            model_options,
            memo.as_deref_mut().map(|m| &mut m.front_matter),
        )
    });
    drop(tree);
    diagnostics.extend(model_diagnostics);

    let rendered = phase("markdown", || {
        render_chapters(&manual, &glossary_text, memo.as_deref_mut())
    });
    for r in &rendered {
        diagnostics.extend(r.diagnostics.iter().cloned());
    }
    phase("anchor links", || {
        diagnostics.extend(check_anchor_links(&manual, &rendered))
    });

    let (history, cache_update) = phase("history", || history_with(root, memo, &mut diagnostics));
    diagnostics.extend(history.problems.iter().cloned());
    check_updated(&manual, &history.store, &mut diagnostics);
    Ok(Prepared {
        manual,
        rendered,
        history,
        cache_update,
        diagnostics,
    })
}

/// Renders every chapter's body, reusing the memo's where nothing they depend on changed.
fn render_chapters(
    manual: &Manual,
    glossary_text: &str,
    memo: Option<&mut Memo>,
) -> Vec<Arc<Rendered>> {
    let Some(memo) = memo else {
        return (0..manual.chapters.len())
            .into_par_iter()
            .map(|i| Arc::new(render_chapter(manual, i)))
            .collect();
    };
    // What a body's links and glossary marks can depend on, besides its own text.
    let mut hasher = DefaultHasher::new();
    glossary_text.hash(&mut hasher);
    for c in &manual.chapters {
        (c.id.as_str(), &c.path, &c.external_url).hash(&mut hasher);
    }
    let mut unreadable: Vec<&String> = manual.unreadable.iter().collect();
    unreadable.sort();
    unreadable.hash(&mut hasher);
    let universe = hasher.finish();
    let key = |i: usize| {
        let mut h = DefaultHasher::new();
        (universe, i).hash(&mut h);
        h.finish()
    };
    let previous = &memo.markdown;
    let rendered: Vec<(Arc<Rendered>, bool)> = (0..manual.chapters.len())
        .into_par_iter()
        .map(|i| {
            let c = &manual.chapters[i];
            match previous.get(&c.path) {
                Some(e) if e.key == key(i) && same_text(&e.source, &c.source) => {
                    (e.rendered.clone(), false)
                }
                _ => (Arc::new(render_chapter(manual, i)), true),
            }
        })
        .collect();
    let mut fresh = HashMap::with_capacity(rendered.len());
    for (i, (r, new)) in rendered.iter().enumerate() {
        let c = &manual.chapters[i];
        let source = match memo.markdown.remove(&c.path) {
            Some(e) if !new => e.source,
            _ => c.source.clone(),
        };
        fresh.insert(
            c.path.clone(),
            MarkdownEntry {
                source,
                key: key(i),
                rendered: r.clone(),
            },
        );
    }
    memo.markdown = fresh;
    rendered.into_iter().map(|(r, _)| r).collect()
}

/// Equal texts; at once when they are the same allocation, as unchanged files' texts are.
pub(crate) fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// The release history, from the memo while `history/releases/` is unchanged.
fn history_with(
    root: &Path,
    memo: Option<&mut Memo>,
    diagnostics: &mut Diagnostics,
) -> (Arc<History>, Option<Vec<u8>>) {
    let stamps = memo
        .as_ref()
        .map(|_| crate::load::stamps(&root.join(crate::history::store::HISTORY_DIR)));
    if let (Some(memo), Some(stamps)) = (memo.as_ref(), stamps.as_ref())
        && let Some((old, history)) = &memo.history
        && old == stamps
    {
        return (history.clone(), None);
    }
    let (history, cache_update) = match Store::load(root) {
        Ok(store) => load_history(root, store),
        Err(problems) => {
            diagnostics.extend(problems);
            (History::default(), None)
        }
    };
    let history = Arc::new(history);
    if let (Some(memo), Some(stamps)) = (memo, stamps) {
        memo.history = Some((stamps, history.clone()));
    }
    (history, cache_update)
}

/// Reads the versions that redlines need.
fn load_history(root: &Path, store: Store) -> (History, Option<Vec<u8>>) {
    let mut diagnostics = Vec::new();
    // Every recorded version must be there (`history verify` also checks their contents).
    for release in &store.releases {
        for version in release.chapters.iter().filter_map(|r| r.version.as_deref()) {
            if !store.dir().join(version).is_file() {
                diagnostics.push(
                    Diagnostic::error(
                        Path::new(crate::history::store::HISTORY_DIR).join(version),
                        format!(
                            "this version, recorded in the release of {}, is missing",
                            release.date
                        ),
                    )
                    .with_help(crate::history::store::DAMAGED_HELP),
                );
            }
        }
    }
    let log = Log::new(&store);
    let (redlines, cache_update) = cache::redlines(root, &store, &log, &mut diagnostics);
    let history = History {
        store,
        redlines,
        problems: diagnostics,
    };
    (history, cache_update)
}

/// Warns where a chapter's `updated:` disagrees with the date its last release recorded.
fn check_updated(manual: &Manual, store: &Store, diagnostics: &mut Diagnostics) {
    let log = Log::new(store);
    for chapter in &manual.chapters {
        if let (Some(written), Some(released)) =
            (chapter.updated, log.last_updated(chapter.id.as_str()))
            && written.last_day() != released
            && written.day.is_some()
        {
            diagnostics.push(
                Diagnostic::warning(&chapter.path, format!(
                    "`updated: {written}` disagrees with the release history, which last changed this chapter on {released}"
                ))
                .at(crate::front_matter::line_of_key(&chapter.source, "updated"), 1)
                .with_source_line(&chapter.source)
                .with_help("the site shows the release date; remove `updated:` from the front matter, or correct it"),
            );
        }
    }
}

/// Builds the site in memory. Fails with every diagnostic found when any of them is an error.
pub fn build(options: &BuildOptions) -> Result<Site, Diagnostics> {
    build_with(options, None)
}

/// `build`, reusing and refreshing `memo` when given one.
pub fn build_with(
    options: &BuildOptions,
    mut memo: Option<&mut Memo>,
) -> Result<Site, Diagnostics> {
    let root = options.root.as_path();
    let Prepared {
        manual,
        rendered,
        history,
        cache_update,
        mut diagnostics,
    } = prepare_with(options, memo.as_deref_mut())?;
    // With errors already, the theme and `static/` are still read, so that their errors are
    // reported with the rest; nothing is made.
    let failed = diagnostics.has_errors();
    let info = RenderInfo {
        today: options.today,
    };
    // The pages and the search index are made side by side: each is parallel within, but
    // each also has stretches that are not, which the other fills. The search starts at once;
    // the pages once the theme (read on one thread) is loaded.
    let (pages, search) = rayon::join(
        || {
            let mut problems = Vec::new();
            let theme = phase("theme", || {
                load_theme(root, &manual.config.theme, memo.as_deref_mut())
            })
            .map_err(|d| problems.push(d))
            .ok();
            let statics = static_files(root).unwrap_or_else(|d| {
                problems.push(d);
                Vec::new()
            });
            let Some(theme) = theme.filter(|_| problems.is_empty() && !failed) else {
                return Err(problems);
            };
            let mut files = phase("render pages", || {
                render_site(
                    &manual,
                    &rendered,
                    &history,
                    &theme,
                    info,
                    memo.map(|m| &mut m.pages),
                )
            })
            .map_err(|d| vec![d])?;
            files.extend(statics);
            Ok(files)
        },
        || {
            (options.search && !failed)
                .then(|| search_files(root, options.site.as_deref(), &manual, &rendered))
        },
    );
    let mut files = pages.map_err(|problems| {
        diagnostics.extend(problems);
        diagnostics.clone()
    })?;
    let (search_files, search_cache) = search.unzip();
    files.extend(search_files.into_iter().flatten());
    Ok(Site {
        manual,
        rendered,
        history,
        files,
        warnings: diagnostics,
        cache_update,
        search_cache: search_cache.flatten(),
    })
}

/// The files of the static search index: the last build's (left in the site folder `site`, the
/// one the last build wrote, or the spare copy kept beside either), when nothing they are made
/// from has changed since; otherwise made anew, analysing only the chapters whose words
/// changed. Also the new cache to save, when it changed.
fn search_files(
    root: &Path,
    site: Option<&Path>,
    manual: &Manual,
    rendered: &[Arc<Rendered>],
) -> (Vec<OutputFile>, Option<crate::search::cache::Update>) {
    use crate::search::cache;
    let keys = cache::chapter_keys(manual, rendered);
    let key = cache::export_key(manual, &keys);
    let cache = phase("search cache", || cache::Cache::load(root));
    // Where the last build wrote the files: this build's output folder, or the one last
    // written (a build into a new folder), with the spare copies kept beside them.
    let last = cache::last_site(root);
    let sites: Vec<PathBuf> = site
        .into_iter()
        .chain(last.as_deref())
        .flat_map(crate::write::last_sites)
        .fold(Vec::new(), |mut all, s| {
            if !all.contains(&s) {
                all.push(s);
            }
            all
        });
    let reused = phase("search files reused", || cache.export(&key, &sites));
    if let Some(mut files) = reused {
        // The cache does not list the chapters' fragments: they are made again from the
        // rendered sections (cheaply: they need no analysis).
        files.extend(phase("search fragments", || {
            crate::search::export::fragment_files(manual, rendered)
        }));
        return (files, None);
    }
    let docs = phase("search documents", || {
        crate::search::documents_with(manual, rendered, Some((&cache, &keys)))
    });
    let files = phase("search export", || {
        crate::search::export::export(manual, &docs)
    });
    let update = cache::Update {
        corpus: docs,
        keys,
        key,
        files: files.clone(),
        previous: cache,
    };
    (files, Some(update))
}

/// The files of the manual's `static/` folder, to be published under `static/`.
fn static_files(root: &Path) -> Result<Vec<OutputFile>, Diagnostic> {
    let dir = root.join(STATIC_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry =
            entry.map_err(|e| Diagnostic::error(STATIC_DIR, format!("cannot read: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = display_path(root, entry.path());
        let bytes = std::fs::read(entry.path())
            .map_err(|e| Diagnostic::error(&rel, format!("cannot read: {e}")))?;
        let url_path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push(OutputFile::new(url_path, bytes));
    }
    Ok(out)
}

/// Today, or the date in `PROCBOOK_TODAY` (YYYY-MM-DD) for repeatable builds and tests.
pub fn today() -> Result<NaiveDate, String> {
    match std::env::var("PROCBOOK_TODAY") {
        Ok(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| format!("PROCBOOK_TODAY is `{s}`, not a date like 2025-03-14")),
        Err(_) => Ok(chrono::Local::now().date_naive()),
    }
}
