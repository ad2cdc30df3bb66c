//! Reading a manual's `content/` folder from disk: the only place that reads content files.
//!
//! The result is a tree of folders and files with their text, in the order their names give;
//! nothing is interpreted yet. Files that are not valid UTF-8 become diagnostics, not panics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics, display_path};

pub const CONTENT_DIR: &str = "content";
pub const INDEX_FILE: &str = "_index.md";

/// A Markdown file with its text. `path` is relative to the manual's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Shared with the chapter made from it and with `serve`'s memo, so never copied.
    pub text: Arc<str>,
}

/// A folder of `content/`: a part (depth 1), a sub-section (depth 2), or deeper (an error later).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFolder {
    pub path: PathBuf,
    pub index: Option<SourceFile>,
    pub folders: Vec<SourceFolder>,
    pub files: Vec<SourceFile>,
}

impl SourceFolder {
    /// The folder's own name, e.g. `03-assessment-and-planning`.
    pub fn name(&self) -> &str {
        file_name(&self.path)
    }
}

/// `content/` as read from disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceTree {
    pub root: SourceFolder,
}

/// What is known of a file without reading it: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// The text of each file read by the previous build, with its stamp then: a file whose stamp
/// is unchanged, and that nobody said had changed, is not read again.
#[derive(Debug, Default)]
pub struct FileMemo {
    files: HashMap<PathBuf, (Stamp, Arc<str>)>,
}

impl FileMemo {
    /// Forgets `path` (a file or a folder), so that it is read again.
    pub fn invalidate(&mut self, path: &Path) {
        self.files
            .retain(|known, _| !(known.starts_with(path) || path.ends_with(known)));
    }
}

/// The stamps of every file under `dir`, in name order (empty when there is none): a cheap
/// way to see whether anything in it changed.
pub fn stamps(dir: &Path) -> Vec<Stamp> {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok().map(|m| Stamp::of(&m)))
        .collect()
}

/// Reads `root/content/` into a tree. Unreadable or non-UTF-8 files are reported and left out.
/// With a memo, files it knows with an unchanged stamp are taken from it, and it is refreshed.
pub fn load_content(
    root: &Path,
    mut memo: Option<&mut FileMemo>,
) -> Result<(SourceTree, Diagnostics), Diagnostic> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(
            Diagnostic::error(CONTENT_DIR, "the manual has no content folder")
                .with_help("chapters live in a folder named `content` beside manual.yaml"),
        );
    }
    let mut diagnostics = Diagnostics::new();
    let mut tree = SourceFolder {
        path: PathBuf::from(CONTENT_DIR),
        ..SourceFolder::default()
    };
    let walker = WalkDir::new(&content)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_ignored(e.file_name().to_str().unwrap_or_default()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map(|p| display_path(root, p)).unwrap_or_default();
                diagnostics.push(Diagnostic::error(path, format!("cannot read: {e}")));
                continue;
            }
        };
        let rel = display_path(root, entry.path());
        let Some(parent) = folder_mut(&mut tree, rel.parent().unwrap_or(Path::new(""))) else {
            continue;
        };
        if entry.file_type().is_dir() {
            parent.folders.push(SourceFolder {
                path: rel,
                ..SourceFolder::default()
            });
            continue;
        }
        if rel.extension().and_then(|e| e.to_str()) != Some("md") {
            diagnostics.push(
                Diagnostic::warning(&rel, "this file is not Markdown and is not published")
                    .with_help("put documents and images that chapters link to in the manual's `static/` folder"),
            );
            continue;
        }
        let stamp = memo
            .as_ref()
            .and_then(|_| entry.metadata().ok())
            .map(|m| Stamp::of(&m));
        let known = memo
            .as_deref()
            .and_then(|m| m.files.get(&rel))
            .filter(|(old, _)| Some(*old) == stamp)
            .map(|(_, text)| text.clone());
        let text = match known {
            Some(text) => Ok(text),
            None => {
                let text = read_text(entry.path(), &rel).map(Arc::<str>::from);
                if let (Some(memo), Some(stamp), Ok(text)) = (memo.as_deref_mut(), stamp, &text) {
                    memo.files.insert(rel.clone(), (stamp, text.clone()));
                }
                text
            }
        };
        match text {
            Ok(text) => {
                let file = SourceFile { path: rel, text };
                if file_name(&file.path) == INDEX_FILE {
                    parent.index = Some(file);
                } else {
                    parent.files.push(file);
                }
            }
            Err(d) => diagnostics.push(d),
        }
    }
    if let Some(memo) = memo {
        // Forget files that are gone, so that a long `serve` does not hold on to them.
        let mut present = std::collections::HashSet::new();
        collect_paths(&tree, &mut present);
        memo.files
            .retain(|path, _| present.contains(path.as_path()));
    }
    Ok((SourceTree { root: tree }, diagnostics))
}

/// The paths of every file in `folder`, indexes included.
fn collect_paths<'a>(folder: &'a SourceFolder, out: &mut std::collections::HashSet<&'a Path>) {
    out.extend(folder.index.iter().map(|f| f.path.as_path()));
    out.extend(folder.files.iter().map(|f| f.path.as_path()));
    for sub in &folder.folders {
        collect_paths(sub, out);
    }
}

/// Reads a file as UTF-8 text, or says where it stops being UTF-8.
pub fn read_text(path: &Path, shown_as: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(shown_as, format!("cannot read this file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Diagnostic::error(shown_as, "this file is not UTF-8 text")
            .at_offset(&lossy, valid)
            .with_help(
                "save it as UTF-8 in your editor (in Word: Save As → Plain Text → Unicode (UTF-8))",
            )
    })
}

/// Editors' backup, swap and lock files, and hidden files, are never content.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('~') || name.ends_with('~') || name.ends_with(".swp")
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// The folder of the tree at `path` (relative to the manual's root).
fn folder_mut<'a>(tree: &'a mut SourceFolder, path: &Path) -> Option<&'a mut SourceFolder> {
    if tree.path == path {
        return Some(tree);
    }
    let child = tree
        .folders
        .iter_mut()
        .find(|f| path.starts_with(&f.path))?;
    folder_mut(child, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_folders_indexes_and_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("content/01-part");
        std::fs::create_dir_all(part.join("01-sub")).unwrap();
        std::fs::write(part.join("_index.md"), "---\ntitle: P\n---\n").unwrap();
        std::fs::write(part.join("02-b.md"), "b").unwrap();
        std::fs::write(part.join("01-a.md"), "a").unwrap();
        std::fs::write(part.join("01-sub/01-c.md"), "c").unwrap();
        std::fs::write(part.join(".01-a.md.swp"), "junk").unwrap();
        std::fs::write(part.join("notes.txt"), "x").unwrap();

        let (tree, diags) = load_content(dir.path(), None).unwrap();
        let p = &tree.root.folders[0];
        assert_eq!(p.name(), "01-part");
        assert!(p.index.is_some());
        let names: Vec<_> = p.files.iter().map(|f| &*f.text).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            p.folders[0].files[0].path,
            Path::new("content/01-part/01-sub/01-c.md")
        );
        let warnings: Vec<_> = diags.iter().map(|d| d.path.clone()).collect();
        assert_eq!(warnings, [PathBuf::from("content/01-part/notes.txt")]);
    }

    #[test]
    fn non_utf8_file_is_reported_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.md");
        std::fs::write(&file, b"ok\nbad \xff here\n").unwrap();
        let d = read_text(&file, Path::new("x.md")).unwrap_err();
        assert_eq!((d.line, d.column), (2, 5));
    }
}
