//! Finding a theme's templates and assets: the manual's own `themes/<name>/` first, then the
//! default theme built into procbook, file by file. A manual can so override one template (say,
//! `chapter.html`) and keep the rest.

use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::diagnostic::Diagnostic;

/// The default theme, compiled in so that procbook works on any manual.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "amendments.html",
        include_str!("../../themes/default/templates/amendments.html"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "history.html",
        include_str!("../../themes/default/templates/history.html"),
    ),
    (
        "feed.xml",
        include_str!("../../themes/default/templates/feed.xml"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "chapter.html",
        include_str!("../../themes/default/templates/chapter.html"),
    ),
    (
        "glossary.html",
        include_str!("../../themes/default/templates/glossary.html"),
    ),
    (
        "local.html",
        include_str!("../../themes/default/templates/local.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "see_also.html",
        include_str!("../../themes/default/templates/see_also.html"),
    ),
    (
        "toc_chapter.html",
        include_str!("../../themes/default/templates/toc_chapter.html"),
    ),
];

const ASSETS: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "procbook.js",
        include_bytes!("../../themes/default/static/procbook.js"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
    (
        "porter2.js",
        include_bytes!("../../themes/default/static/porter2.js"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
];

pub const THEMES_DIR: &str = "themes";

/// Loaded templates and the assets to copy to the site's `assets/` folder.
pub struct Theme {
    pub tera: Tera,
    pub assets: Vec<(String, bytes::Bytes)>,
    /// A hash of the templates' text: pages rendered with equal fingerprints and equal views
    /// are equal, which lets `serve` reuse them.
    pub fingerprint: u64,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("assets", &self.assets.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Theme {
    /// Loads theme `name` for the manual at `root`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join(THEMES_DIR).join(name);
        if name != "default" && !dir.is_dir() {
            return Err(Diagnostic::error(
                crate::config::FILE_NAME,
                format!(
                    "the theme `{name}` was not found in {}",
                    Path::new(THEMES_DIR).join(name).display()
                ),
            )
            .with_help(
                "remove the `theme:` line to use the default theme, or create the theme's folder",
            ));
        }
        let mut templates: Vec<(String, String, PathBuf)> = TEMPLATES
            .iter()
            .map(|(n, t)| {
                (
                    (*n).to_owned(),
                    (*t).to_owned(),
                    PathBuf::from("(built-in)").join(n),
                )
            })
            .collect();
        for (rel, full) in files_under(&dir.join("templates")) {
            let shown = Path::new(THEMES_DIR)
                .join(name)
                .join("templates")
                .join(&rel);
            let text = crate::load::read_text(&full, &shown)?;
            match templates.iter_mut().find(|(n, _, _)| *n == rel) {
                Some(slot) => *slot = (rel, text, shown),
                None => templates.push((rel, text, shown)),
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // tera's own escaping also rewrites `/`, which bloats every URL; these five suffice.
        tera.set_escape_fn(crate::html::escape);
        if let Err(e) =
            tera.add_raw_templates(templates.iter().map(|(n, t, _)| (n.as_str(), t.as_str())))
        {
            // tera names the template at fault; report the file it came from.
            let message = error_chain(&e);
            let shown = templates
                .iter()
                .find(|(n, _, _)| message.contains(&format!("'{n}'")))
                .map_or_else(
                    || Path::new(THEMES_DIR).join(name).join("templates"),
                    |(_, _, p)| p.clone(),
                );
            return Err(template_error(&shown, &e));
        }

        let mut assets: Vec<(String, bytes::Bytes)> = ASSETS
            .iter()
            .map(|(n, b)| ((*n).to_owned(), bytes::Bytes::from_static(b)))
            .collect();
        for (rel, full) in files_under(&dir.join("static")) {
            let bytes = std::fs::read(&full).map_err(|e| {
                Diagnostic::error(
                    Path::new(THEMES_DIR).join(name).join("static").join(&rel),
                    format!("cannot read: {e}"),
                )
            })?;
            match assets.iter_mut().find(|(n, _)| *n == rel) {
                Some(slot) => slot.1 = bytes.into(),
                None => assets.push((rel, bytes.into())),
            }
        }
        let mut hasher = std::hash::DefaultHasher::new();
        for (n, t, _) in &templates {
            std::hash::Hash::hash(&(n, t), &mut hasher);
        }
        Ok(Theme {
            tera,
            assets,
            fingerprint: std::hash::Hasher::finish(&hasher),
        })
    }
}

/// A template problem, with tera's whole chain of causes (which carries line and column).
pub fn template_error(path: &Path, err: &tera::Error) -> Diagnostic {
    Diagnostic::error(path, error_chain(err))
        .with_help("fix the template, or delete it to use the default theme's")
}

fn error_chain(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Files below `dir` as (path relative to `dir` with `/`, full path), in name order.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (!rel.starts_with('.')).then(|| (rel, e.path().to_path_buf()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a file added to themes/default/ but not to TEMPLATES or ASSETS works when
    /// building the demo manual (whose own themes/ folder is the default theme) and nowhere else.
    #[test]
    fn every_default_theme_file_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        for (rel, _) in files_under(&dir.join("templates")) {
            assert!(
                TEMPLATES.iter().any(|(n, _)| *n == rel),
                "templates/{rel} is not in TEMPLATES"
            );
        }
        for (rel, _) in files_under(&dir.join("static")) {
            assert!(
                ASSETS.iter().any(|(n, _)| *n == rel),
                "static/{rel} is not in ASSETS"
            );
        }
    }

    #[test]
    fn an_unknown_theme_is_reported_in_manual_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let d = Theme::load(dir.path(), "fancy").err().unwrap();
        assert_eq!(d.path, Path::new("manual.yaml"));
        assert!(d.message.contains("the theme `fancy` was not found"));
    }
}
