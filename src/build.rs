//! The build pipeline: load → parse → model → Markdown → render, returning the site's files in
//! memory and every diagnostic found on the way. `build` and `check` both run it; only the
//! binary writes the result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
}

/// A successful build: the site's files, and the warnings found.
#[derive(Debug)]
pub struct Site {
    pub manual: Manual,
    pub files: Vec<OutputFile>,
    pub warnings: Diagnostics,
    /// New contents for the redline cache (see `history::cache`), when it changed.
    pub cache_update: Option<Vec<u8>>,
}

/// The manual read, validated and its chapters rendered, with its release history: everything
/// up to the templates. `diagnostics` may hold errors; `build` and `release` stop on them.
#[derive(Debug)]
pub struct Prepared {
    pub manual: Manual,
    pub rendered: Vec<Rendered>,
    pub history: History,
    pub diagnostics: Diagnostics,
}

/// The release history as the build needs it: the store, and the redline between every two
/// consecutive versions of a chapter (from the cache, or computed here), so that rendering
/// does no I/O.
#[derive(Debug, Default)]
pub struct History {
    pub store: Store,
    /// By `cache::key(old sha, new sha)`.
    pub redlines: HashMap<String, Redline>,
    /// The redline cache's new bytes, when it changed.
    pub cache_update: Option<Vec<u8>>,
}

/// Reads and checks the manual. Fails early only when there is no manual to read.
pub fn prepare(options: &BuildOptions) -> Result<Prepared, Diagnostics> {
    let root = options.root.as_path();
    let mut diagnostics = Diagnostics::new();
    let config = Config::from_root(root).map_err(Diagnostics::from)?;
    let glossary = Glossary::from_root(root).unwrap_or_else(|errors| {
        diagnostics.extend(errors);
        Glossary::default()
    });
    let (tree, load_diagnostics) =
        phase("read content", || load_content(root)).map_err(Diagnostics::from)?;
    diagnostics.extend(load_diagnostics);
    let model_options = ModelOptions {
        drafts: options.drafts,
        today: options.today,
    };
    let (manual, model_diagnostics) =
        phase("model", || assemble(config, glossary, &tree, model_options));
    diagnostics.extend(model_diagnostics);

    let rendered: Vec<Rendered> = phase("markdown", || {
        (0..manual.chapters.len())
            .into_par_iter()
            .map(|i| render_chapter(&manual, i))
            .collect()
    });
    for r in &rendered {
        diagnostics.extend(r.diagnostics.iter().cloned());
    }
    diagnostics.extend(check_anchor_links(&manual, &rendered));

    let history = match phase("read history", || Store::load(root)) {
        Ok(store) => phase("redlines", || {
            load_history(root, store, &manual, &mut diagnostics)
        }),
        Err(problems) => {
            diagnostics.extend(problems);
            History::default()
        }
    };
    Ok(Prepared {
        manual,
        rendered,
        history,
        diagnostics,
    })
}

/// Reads the versions that redlines need, and warns where a chapter's `updated:` disagrees
/// with the date its last release recorded.
fn load_history(
    root: &Path,
    store: Store,
    manual: &Manual,
    diagnostics: &mut Diagnostics,
) -> History {
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
    let mut problems = Vec::new();
    let (redlines, cache_update) = cache::redlines(root, &store, &log, &mut problems);
    diagnostics.extend(problems);
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
    History {
        store,
        redlines,
        cache_update,
    }
}

/// Builds the site in memory. Fails with every diagnostic found when any of them is an error.
pub fn build(options: &BuildOptions) -> Result<Site, Diagnostics> {
    let root = options.root.as_path();
    let Prepared {
        manual,
        rendered,
        mut history,
        mut diagnostics,
    } = prepare(options)?;
    let cache_update = history.cache_update.take();
    let theme = match Theme::load(root, &manual.config.theme) {
        Ok(theme) => Some(theme),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    let statics = match static_files(root) {
        Ok(files) => files,
        Err(d) => {
            diagnostics.push(d);
            Vec::new()
        }
    };
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let theme = theme.expect("no errors, so the theme loaded");
    let info = RenderInfo {
        today: options.today,
    };
    let mut files = phase("render pages", || {
        render_site(&manual, &rendered, &history, &theme, info)
    })
    .map_err(|d| {
        diagnostics.push(d);
        diagnostics.clone()
    })?;
    files.extend(statics);
    if options.search {
        let docs = phase("search documents", || {
            crate::search::documents(&manual, &rendered)
        });
        files.extend(phase("search export", || {
            crate::search::export::export(&manual, &docs)
        }));
    }
    Ok(Site {
        manual,
        files,
        warnings: diagnostics,
        cache_update,
    })
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
