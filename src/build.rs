//! The build pipeline: load → parse → model → Markdown → render, returning the site's files in
//! memory and every diagnostic found on the way. `build` and `check` both run it; only the
//! binary writes the result.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::glossary::Glossary;
use crate::load::load_content;
use crate::markdown::{Rendered, check_anchor_links, render_chapter};
use crate::model::{Manual, ModelOptions, assemble};
use crate::render::{OutputFile, RenderInfo, Theme, render_site};

/// The manual's folder of files copied to the site as they are.
pub const STATIC_DIR: &str = "static";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Publish `status: draft` chapters too.
    pub drafts: bool,
    /// Today's date: review dates before it are overdue. Set by `PROCBOOK_TODAY` for repeatable builds.
    pub today: NaiveDate,
}

/// A successful build: the site's files, and the warnings found.
#[derive(Debug)]
pub struct Site {
    pub manual: Manual,
    pub files: Vec<OutputFile>,
    pub warnings: Diagnostics,
}

/// Builds the site in memory. Fails with every diagnostic found when any of them is an error.
pub fn build(options: &BuildOptions) -> Result<Site, Diagnostics> {
    let root = options.root.as_path();
    let mut diagnostics = Diagnostics::new();
    let config = Config::from_root(root).map_err(Diagnostics::from)?;
    let glossary = Glossary::from_root(root).unwrap_or_else(|errors| {
        diagnostics.extend(errors);
        Glossary::default()
    });
    let (tree, load_diagnostics) = load_content(root).map_err(Diagnostics::from)?;
    diagnostics.extend(load_diagnostics);
    let model_options = ModelOptions {
        drafts: options.drafts,
        today: options.today,
    };
    let (manual, model_diagnostics) = assemble(config, glossary, &tree, model_options);
    diagnostics.extend(model_diagnostics);

    let rendered: Vec<Rendered> = (0..manual.chapters.len())
        .into_par_iter()
        .map(|i| render_chapter(&manual, i))
        .collect();
    for r in &rendered {
        diagnostics.extend(r.diagnostics.iter().cloned());
    }
    diagnostics.extend(check_anchor_links(&manual, &rendered));

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
    let mut files = render_site(&manual, &rendered, &theme, info).map_err(|d| {
        diagnostics.push(d);
        diagnostics.clone()
    })?;
    files.extend(statics);
    Ok(Site {
        manual,
        files,
        warnings: diagnostics,
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
