//! `procbook init DIR`: a new manual with a working `manual.yaml`, a glossary and a few sample
//! chapters that show the format (numbering, sections, links, see-also lines, a table).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("manual.yaml", include_str!("init/manual.yaml")),
    (".gitignore", include_str!("init/gitignore")),
    ("glossary.yaml", include_str!("init/glossary.yaml")),
    (
        "content/01-getting-started/_index.md",
        include_str!("init/content/01-getting-started/_index.md"),
    ),
    (
        "content/01-getting-started/01-using-this-manual.md",
        include_str!("init/content/01-getting-started/01-using-this-manual.md"),
    ),
    (
        "content/02-looked-after-children/_index.md",
        include_str!("init/content/02-looked-after-children/_index.md"),
    ),
    (
        "content/02-looked-after-children/01-social-worker-visits.md",
        include_str!("init/content/02-looked-after-children/01-social-worker-visits.md"),
    ),
    (
        "content/02-looked-after-children/02-looked-after-reviews.md",
        include_str!("init/content/02-looked-after-children/02-looked-after-reviews.md"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} is not empty, so nothing was written; choose a new or empty folder", .0.display())]
    NotEmpty(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// Writes a new manual into `dir`, which must be new or empty. Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    if fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(InitError::NotEmpty(dir.to_path_buf()));
    }
    let mut written = Vec::with_capacity(FILES.len());
    for (rel, text) in FILES {
        let path = dir.join(rel);
        let io_err = |source| InitError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err)?;
        }
        fs::write(&path, text).map_err(io_err)?;
        written.push(path);
    }
    Ok(written)
}
