//! Turning the loaded `content/` tree into a numbered, validated `Manual`.
//!
//! Front matter is parsed in parallel; numbering then walks the tree in order. Every problem is
//! collected as a diagnostic; a file with errors is left out of the model but the walk goes on,
//! so that one run reports everything that is wrong.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::{Chapter, ChapterId, Manual, Number, Part, PartItem, SeeAlso, SubSection};
use super::{SortKey, order_prefix, sort_key};
use crate::config::Config;
use crate::date::PartialDate;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::front_matter::{
    self, ChapterMeta, FolderMeta, RawSeeAlso, Status, file_column, file_line, line_of_key,
    parse_yaml,
};
use crate::glossary::Glossary;
use crate::load::{INDEX_FILE, SourceFile, SourceFolder, SourceTree};

#[derive(Debug, Clone, Copy)]
pub struct ModelOptions {
    /// Publish chapters whose status is `draft`.
    pub drafts: bool,
    /// Today, for review dates that have passed.
    pub today: NaiveDate,
}

/// Each chapter's front matter as the previous build read it, by path, with the text up to the
/// body: a file that still starts with that text has the same front matter.
#[derive(Debug, Default)]
pub struct ParseMemo {
    entries: HashMap<PathBuf, (String, Parsed)>,
}

/// A chapter file's front matter, read.
#[derive(Debug, Clone)]
struct Parsed {
    meta: ChapterMeta,
    yaml_line: usize,
    body_offset: usize,
}

/// Builds the manual from its settings, glossary and content tree.
pub fn assemble(
    config: Config,
    glossary: Glossary,
    tree: &SourceTree,
    options: ModelOptions,
    memo: Option<&mut ParseMemo>,
) -> (Manual, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let files = chapter_files(&tree.root);
    let known = memo.as_deref();
    let parsed: HashMap<&Path, (Result<Parsed, Diagnostic>, bool)> = files
        .par_iter()
        .map(|f| {
            let hit = known
                .and_then(|m| m.entries.get(&f.path))
                .filter(|(head, p)| {
                    p.body_offset == head.len() && f.text.starts_with(head.as_str())
                })
                .map(|(_, p)| p.clone());
            let fresh = hit.is_none();
            (
                f.path.as_path(),
                (hit.map_or_else(|| parse_chapter(f), Ok), fresh),
            )
        })
        .collect();
    let parsed: HashMap<&Path, Result<Parsed, Diagnostic>> = match memo {
        Some(memo) => {
            memo.entries
                .retain(|path, _| parsed.contains_key(path.as_path()));
            let by_path: HashMap<&Path, &SourceFile> =
                files.iter().map(|f| (f.path.as_path(), *f)).collect();
            parsed
                .into_iter()
                .map(|(path, (result, fresh))| {
                    if fresh && let Ok(p) = &result {
                        let head = by_path[path].text[..p.body_offset].to_owned();
                        memo.entries.insert(path.to_owned(), (head, p.clone()));
                    }
                    (path, result)
                })
                .collect()
        }
        None => parsed.into_iter().map(|(p, (r, _))| (p, r)).collect(),
    };

    let mut builder = Builder {
        options,
        parsed,
        diagnostics: &mut diagnostics,
        chapters: Vec::new(),
        unreadable: HashSet::new(),
    };
    for file in &tree.root.files {
        builder.diagnostics.push(
            Diagnostic::error(&file.path, "this chapter is not inside a part")
                .with_help("move it into a part folder such as content/01-all-children/"),
        );
    }
    let mut parts = Vec::new();
    let mut last = 0;
    let mut seen = HashSet::new();
    for folder in sorted_folders(&tree.root.folders) {
        let Some(meta) = builder.folder_meta(folder) else {
            continue;
        };
        let number = builder.number_for(&meta.number, None, last, &mut seen, folder);
        last = number.last();
        let part_index = parts.len();
        let items = builder.part_items(folder, &number, part_index);
        parts.push(Part {
            number,
            title: meta.title.unwrap_or_default(),
            caption: meta.caption,
            note: meta.note,
            see_also: builder.see_also(meta.see_also, folder.index.as_ref(), 2),
            path: folder.path.clone(),
            items,
        });
    }

    let chapters = builder.chapters;
    let unreadable = builder.unreadable;
    let mut by_id = HashMap::with_capacity(chapters.len());
    let mut by_path = HashMap::with_capacity(chapters.len());
    for (i, c) in chapters.iter().enumerate() {
        if let Some(&first) = by_id.get(&c.id) {
            let first: &Chapter = &chapters[first];
            diagnostics.push(
                Diagnostic::error(
                    &c.path,
                    format!(
                        "the chapter id `{}` is also used by {}",
                        c.id,
                        first.path.display()
                    ),
                )
                .at(line_of_key(&c.source, "id"), 1)
                .with_source_line(&c.source)
                .with_help(
                    "ids must be unique: give one of them another `id:` in its front matter",
                ),
            );
            continue;
        }
        by_id.insert(c.id.clone(), i);
        by_path.insert(c.path.clone(), i);
    }
    let manual = Manual {
        config,
        glossary,
        parts,
        chapters,
        by_id,
        by_path,
        unreadable,
    };
    check_see_also(&manual, &mut diagnostics);
    (manual, diagnostics)
}

struct Builder<'a> {
    options: ModelOptions,
    parsed: HashMap<&'a Path, Result<Parsed, Diagnostic>>,
    diagnostics: &'a mut Diagnostics,
    chapters: Vec<Chapter>,
    unreadable: HashSet<String>,
}

/// A part's or sub-section's entries in order: folders and chapter files share one sequence.
enum Entry<'a> {
    Folder(&'a SourceFolder),
    File(&'a SourceFile),
}

impl<'a> Builder<'a> {
    /// The items of a part, numbered.
    fn part_items(
        &mut self,
        folder: &'a SourceFolder,
        number: &Number,
        part: usize,
    ) -> Vec<PartItem> {
        let mut items = Vec::new();
        let mut last = 0;
        let mut seen = HashSet::new();
        for entry in entries(folder) {
            match entry {
                Entry::Folder(sub) => {
                    let Some(meta) = self.folder_meta(sub) else {
                        continue;
                    };
                    let sub_number =
                        self.number_for(&meta.number, Some(number), last, &mut seen, sub);
                    last = sub_number.last();
                    let sub_index = items.len();
                    for deeper in &sub.folders {
                        self.diagnostics.push(
                            Diagnostic::error(&deeper.path, "this folder is too deep to be published")
                                .with_help("a manual has parts, sub-sections inside parts, and chapters; move these chapters into the sub-section or make it a sub-section of the part"),
                        );
                    }
                    let mut chapters = Vec::new();
                    let mut sub_last = 0;
                    let mut sub_seen = HashSet::new();
                    for file in &sorted_files(&sub.files) {
                        if let Some(c) = self.chapter(
                            file,
                            &sub_number,
                            &mut sub_last,
                            &mut sub_seen,
                            part,
                            Some(sub_index),
                        ) {
                            chapters.push(c);
                        }
                    }
                    items.push(PartItem::SubSection(SubSection {
                        number: sub_number,
                        title: meta.title.unwrap_or_default(),
                        note: meta.note,
                        see_also: self.see_also(meta.see_also, sub.index.as_ref(), 2),
                        path: sub.path.clone(),
                        chapters,
                    }));
                }
                Entry::File(file) => {
                    if let Some(c) = self.chapter(file, number, &mut last, &mut seen, part, None) {
                        items.push(PartItem::Chapter(c));
                    }
                }
            }
        }
        items
    }

    /// Adds one chapter to the manual; returns its index, or `None` if it is left out.
    #[allow(clippy::too_many_arguments)]
    fn chapter(
        &mut self,
        file: &SourceFile,
        parent: &Number,
        last: &mut u32,
        seen: &mut HashSet<Number>,
        part: usize,
        sub_section: Option<usize>,
    ) -> Option<usize> {
        let parsed = match self.parsed.remove(file.path.as_path())? {
            Ok(p) => p,
            Err(d) => {
                self.diagnostics.push(d);
                // Links to it are not reported too: the one error is what to fix.
                let stem = file.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                self.unreadable.insert(order_prefix(stem).1.to_owned());
                return None;
            }
        };
        let Parsed {
            meta,
            yaml_line,
            body_offset,
        } = parsed;
        if meta.status == Status::Draft && !self.options.drafts {
            return None;
        }
        let src: &str = &file.text;
        let err = |msg: String, line: usize, col: usize| {
            Diagnostic::error(&file.path, msg)
                .at(line, col)
                .with_source_line(src)
        };

        let title = meta.title.as_deref().map(str::trim).unwrap_or_default();
        if title.is_empty() {
            self.diagnostics.push(
                err("this chapter has no title".into(), 1, 1).with_help(
                    "add a line `title: ...` to the front matter between the `---` lines",
                ),
            );
        }
        let id = match &meta.id {
            Some(spanned) => ChapterId::new(spanned.value.trim())
                .map_err(|m| err(m, file_line(spanned, yaml_line), file_column(spanned))),
            None => {
                let stem = file
                    .path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                ChapterId::new(order_prefix(stem).1).map_err(|m| {
                    err(m, 1, 1).with_help(
                        "rename the file, or give the chapter an `id:` in its front matter",
                    )
                })
            }
        };
        let id = match id {
            Ok(id) => id,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let number = self.number_for(&meta.number, Some(parent), *last, seen, file);
        *last = number.last();

        let review_due = self.date(&meta.review_due, file, yaml_line);
        if let Some(due) = review_due
            && due.is_past(self.options.today)
        {
            let line = meta
                .review_due
                .as_ref()
                .map_or(1, |s| file_line(s, yaml_line));
            self.diagnostics.push(
                Diagnostic::warning(
                    &file.path,
                    format!("this chapter was due for review in {}", due.month_year()),
                )
                .at(line, 1)
                .with_source_line(src)
                .with_help("review it, then set review_due to the date of its next review"),
            );
        }
        let updated = self.date(&meta.updated, file, yaml_line);

        let body = &src[body_offset..];
        if let Some(url) = &meta.external_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                self.diagnostics.push(
                    err(
                        format!("external_url `{url}` is not a web address"),
                        line_of_key(src, "external_url"),
                        1,
                    )
                    .with_help("write the full address, starting with https://"),
                );
            }
            if !body.trim().is_empty() {
                self.diagnostics.push(
                    Diagnostic::warning(
                        &file.path,
                        "this chapter links out with external_url, so its text is not published",
                    )
                    .at(crate::diagnostic::line_col(src, body_offset).0, 1)
                    .with_help("remove the text, or remove external_url to publish it"),
                );
            }
        }
        let see_also = self.see_also(meta.see_also, Some(file), yaml_line);

        let index = self.chapters.len();
        self.chapters.push(Chapter {
            id,
            number,
            title: title.to_owned(),
            path: file.path.clone(),
            source: file.text.clone(),
            body_offset,
            summary: meta
                .summary
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            owner: meta.owner,
            review_due,
            updated,
            status: meta.status,
            local: meta.local,
            intranet_only: meta.intranet_only,
            external_url: meta.external_url,
            keywords: meta.keywords,
            see_also,
            change_note: meta.change_note,
            part,
            sub_section,
        });
        Some(index)
    }

    /// The number of an item: its `number:` override, checked, or the one after the previous
    /// sibling's.
    fn number_for(
        &mut self,
        over: &Option<serde_saphyr::Spanned<String>>,
        parent: Option<&Number>,
        last: u32,
        seen: &mut HashSet<Number>,
        at: &dyn Located,
    ) -> Number {
        let derived = match parent {
            Some(p) => p.child(last + 1),
            None => Number::top(last + 1),
        };
        let number = match over {
            None => derived,
            Some(spanned) => {
                let (path, src, yaml_line) = at.located();
                let line = file_line(spanned, yaml_line);
                let col = file_column(spanned);
                let err = |msg: String| {
                    Diagnostic::error(path, msg)
                        .at(line, col)
                        .with_source_line(src)
                };
                match spanned.value.parse::<Number>() {
                    Err(m) => {
                        self.diagnostics.push(err(m));
                        derived
                    }
                    Ok(n) if n.parent().as_ref() != parent => {
                        let expected = match parent {
                            Some(p) => format!("{p}.N"),
                            None => "a single number N".to_owned(),
                        };
                        self.diagnostics.push(
                            err(format!("number {n} does not fit here: items in this folder are numbered {expected}"))
                                .with_help("correct the number, or move the file to the folder its number belongs to"),
                        );
                        derived
                    }
                    Ok(n) => {
                        if n.last() < last {
                            self.diagnostics.push(
                                Diagnostic::warning(path, format!("number {n} comes after {}, which is higher", derived.parent().map_or(last.to_string(), |p| p.child(last).to_string())))
                                    .at(line, col)
                                    .with_source_line(src)
                                    .with_help("numbers should rise in the order of the file names; change the number or the file's NN- prefix"),
                            );
                        }
                        n
                    }
                }
            }
        };
        if !seen.insert(number.clone()) {
            let (path, src, _) = at.located();
            let line = over.as_ref().map_or(1, |_| line_of_key(src, "number"));
            self.diagnostics.push(
                Diagnostic::error(path, format!("the number {number} is used twice"))
                    .at(line, 1)
                    .with_source_line(src)
                    .with_help(
                        "two items in the same folder have the same number; change one `number:`",
                    ),
            );
        }
        number
    }

    /// A folder's `_index.md` front matter, or a diagnostic when it is missing or broken.
    fn folder_meta(&mut self, folder: &SourceFolder) -> Option<FolderMeta> {
        let Some(index) = &folder.index else {
            let path = folder.path.join(INDEX_FILE);
            self.diagnostics.push(
                Diagnostic::error(
                    &folder.path,
                    "this folder has no _index.md giving its title",
                )
                .with_help(format!(
                    "create {} containing three lines: `---`, `title: <the title>`, `---`",
                    path.display()
                )),
            );
            return None;
        };
        let src: &str = &index.text;
        let split = match front_matter::split(&index.path, src) {
            Ok(s) => s,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let Some(yaml) = split.yaml else {
            self.diagnostics.push(
                Diagnostic::error(&index.path, "this _index.md has no front matter")
                    .at(1, 1)
                    .with_help("start it with `---`, then `title: <the title>`, then `---`"),
            );
            return None;
        };
        let meta: FolderMeta = match parse_yaml(&index.path, yaml, split.yaml_line, src) {
            Ok(m) => m,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        if meta.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            self.diagnostics.push(
                Diagnostic::error(&index.path, "this part or sub-section has no title")
                    .at(1, 1)
                    .with_help("add a line `title: ...` between the `---` lines"),
            );
            return None;
        }
        if !split.body.trim().is_empty() {
            let line = crate::diagnostic::line_col(src, split.body_offset).0;
            self.diagnostics.push(
                Diagnostic::warning(&index.path, "text after the front matter of _index.md is not published")
                    .at(line, 1)
                    .with_help("use `caption:` or `note:` in the front matter for text shown on the contents page"),
            );
        }
        Some(meta)
    }

    fn date(
        &mut self,
        value: &Option<serde_saphyr::Spanned<String>>,
        file: &SourceFile,
        yaml_line: usize,
    ) -> Option<PartialDate> {
        let spanned = value.as_ref()?;
        match spanned.value.parse::<PartialDate>() {
            Ok(d) => Some(d),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(&file.path, e.to_string())
                        .at(file_line(spanned, yaml_line), file_column(spanned))
                        .with_source_line(&file.text),
                );
                None
            }
        }
    }

    fn see_also(
        &mut self,
        raw: Vec<RawSeeAlso>,
        file: Option<&SourceFile>,
        yaml_line: usize,
    ) -> Vec<SeeAlso> {
        let mut out = Vec::with_capacity(raw.len());
        for item in raw {
            match item {
                RawSeeAlso {
                    chapter: Some(id),
                    title: None,
                    url: None,
                    description,
                } => out.push(SeeAlso::Chapter {
                    line: file_line(&id, yaml_line),
                    column: file_column(&id),
                    id: id.value.trim().to_owned(),
                    description,
                }),
                RawSeeAlso {
                    chapter: None,
                    title: Some(title),
                    url: Some(url),
                    description,
                } if crate::html::runs_script(&url) => {
                    if let Some(file) = file {
                        self.diagnostics.push(
                            Diagnostic::error(&file.path, format!("the see_also address `{url}` would run a script, which a published manual must not do"))
                                .at(line_of_key(&file.text, "see_also"), 1)
                                .with_source_line(&file.text)
                                .with_help(format!("link to a web page, starting with https://, for \"{title}\"")),
                        );
                    }
                    let _ = description;
                }
                RawSeeAlso {
                    chapter: None,
                    title: Some(title),
                    url: Some(url),
                    description,
                } => out.push(SeeAlso::External {
                    title,
                    url,
                    description,
                }),
                _ => {
                    if let Some(file) = file {
                        self.diagnostics.push(
                            Diagnostic::error(&file.path, "a see_also line needs either `chapter:` or both `title:` and `url:`")
                                .at(line_of_key(&file.text, "see_also"), 1)
                                .with_source_line(&file.text)
                                .with_help("write `- chapter: <chapter id>` or `- title: <text>` with `url: https://...` on the next line"),
                        );
                    }
                }
            }
        }
        out
    }
}

/// Something a number can be written in: a chapter file or a folder's `_index.md`.
trait Located {
    /// The path to report, the source text, and the line its front matter starts on.
    fn located(&self) -> (&Path, &str, usize);
}

impl Located for SourceFile {
    fn located(&self) -> (&Path, &str, usize) {
        (&self.path, &self.text, 2)
    }
}

impl Located for SourceFolder {
    fn located(&self) -> (&Path, &str, usize) {
        match &self.index {
            Some(index) => (&index.path, &index.text, 2),
            None => (&self.path, "", 2),
        }
    }
}

fn parse_chapter(file: &SourceFile) -> Result<Parsed, Diagnostic> {
    let split = front_matter::split(&file.path, &file.text)?;
    let Some(yaml) = split.yaml else {
        let message = if file.text.trim().is_empty() {
            "this chapter file is empty"
        } else {
            "this chapter has no front matter"
        };
        return Err(Diagnostic::error(&file.path, message)
            .at(1, 1)
            .with_source_line(&file.text)
            .with_help("start the file with a line `---`, then `title: <the chapter's title>`, then a line `---`, then the text"));
    };
    let meta = parse_yaml(&file.path, yaml, split.yaml_line, &file.text)?;
    Ok(Parsed {
        meta,
        yaml_line: split.yaml_line,
        body_offset: split.body_offset,
    })
}

/// Every chapter file of the tree, for parsing in parallel.
fn chapter_files(root: &SourceFolder) -> Vec<&SourceFile> {
    let mut out = Vec::new();
    for part in &root.folders {
        out.extend(&part.files);
        for sub in &part.folders {
            out.extend(&sub.files);
        }
    }
    out
}

fn entries(folder: &SourceFolder) -> Vec<Entry<'_>> {
    let mut all: Vec<(SortKey, Entry<'_>)> = folder
        .folders
        .iter()
        .map(|f| (sort_key(f.name()), Entry::Folder(f)))
        .chain(
            folder
                .files
                .iter()
                .map(|f| (sort_key(name(&f.path)), Entry::File(f))),
        )
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all.into_iter().map(|(_, e)| e).collect()
}

fn sorted_folders(folders: &[SourceFolder]) -> Vec<&SourceFolder> {
    let mut v: Vec<_> = folders.iter().collect();
    v.sort_by_cached_key(|f| sort_key(f.name()));
    v
}

fn sorted_files(files: &[SourceFile]) -> Vec<&SourceFile> {
    let mut v: Vec<_> = files.iter().collect();
    v.sort_by_cached_key(|f| sort_key(name(&f.path)));
    v
}

fn name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// Every `see_also: - chapter: ID` must name a published chapter.
fn check_see_also(manual: &Manual, diagnostics: &mut Diagnostics) {
    let ids: Vec<&str> = manual.by_id.keys().map(|id| id.as_str()).collect();
    let mut check = |list: &[SeeAlso], path: &PathBuf, source: &str| {
        for item in list {
            if let SeeAlso::Chapter {
                id, line, column, ..
            } = item
                && manual.chapter_by_str(id).is_none()
                && !manual.unreadable.contains(id)
            {
                let d = Diagnostic::error(
                    path,
                    format!("see also names the chapter `{id}`, which does not exist"),
                )
                .at(*line, *column)
                .with_source_line(source);
                diagnostics.push(match front_matter::closest(id, &ids) {
                        Some(best) => d.with_help(format!("did you mean `{best}`?")),
                        None => d.with_help("use the id of a published chapter (its file name without the NN- prefix and .md, unless it sets `id:`)"),
                    });
            }
        }
    };
    for c in &manual.chapters {
        check(&c.see_also, &c.path, &c.source);
    }
    for part in &manual.parts {
        let index = part.path.join(INDEX_FILE);
        check(&part.see_also, &index, "");
        for item in &part.items {
            if let PartItem::SubSection(sub) = item {
                check(&sub.see_also, &sub.path.join(INDEX_FILE), "");
            }
        }
    }
}

/// The path of a chapter's source, relative to the root, as written in a relative link.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
