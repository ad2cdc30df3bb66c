//! `procbook new`: where a new chapter or sub-section goes, what its file is called, what it
//! starts with, and the number it will have.
//!
//! A new item never renames or edits an existing file. It goes at the end of its part or
//! sub-section, or right after a named item, with an order prefix chosen to sort between its
//! neighbours: the next whole number where one is free, else a decimal (`02.5-` between `02-`
//! and `03-`). Its number is found by assembling the manual with the new file added in memory,
//! so it is the number the build will give it, `number:` overrides and all.
//!
//! Everything here is pure: the command reads the manual and the target folder's names, and
//! writes what `plan` returns.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::front_matter::{ChapterMeta, Status, parse_yaml, split};
use crate::glossary::Glossary;
use crate::load::{INDEX_FILE, SourceFile, SourceFolder, SourceTree};
use crate::model::{
    ChapterId, Manual, ModelOptions, Number, OrderPrefix, PartItem, assemble, order_prefix,
    sort_key,
};
use crate::slug::slugify;

/// What `procbook new` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chapter,
    Section,
    Part,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Chapter => "chapter",
            Kind::Section => "sub-section",
            Kind::Part => "part",
        }
    }
}

/// What `--after` names: an item by its number (as on the contents page), or a chapter by its
/// id, which a draft has although it has no number until it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Number(Number),
    Id(String),
}

impl std::str::FromStr for After {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(number) = s.parse::<Number>() {
            return Ok(After::Number(number));
        }
        match ChapterId::new(s.trim()) {
            Ok(id) => Ok(After::Id(id.as_str().to_owned())),
            Err(_) => Err(format!(
                "`{s}` is neither a number like 4.2 or 4.2.7 nor a chapter's id like private-fostering"
            )),
        }
    }
}

/// The part or sub-section the new item goes in, and the item it goes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The folder, relative to the manual's root.
    pub folder: PathBuf,
    /// "part 4, Looked After Children" or "sub-section 1.3, Assessment".
    pub described: String,
    /// The file or folder name of the item to go after; `None` for the end.
    pub after: Option<String>,
}

/// A file or folder found in the target folder, as the command listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// What to write: a chapter file, or a sub-section folder with its `_index.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub kind: Kind,
    pub title: String,
    /// The chapter's id; sub-sections have none.
    pub id: Option<ChapterId>,
    /// The chapter file, or the sub-section's folder, relative to the manual's root.
    pub path: PathBuf,
    /// The file to write (the chapter, or the folder's `_index.md`) and its text.
    pub file: PathBuf,
    pub text: String,
    /// Items with no order prefix, which stay after the new one (names without a prefix
    /// always come last).
    pub unprefixed_after: Vec<String>,
}

/// An existing item whose number changes once the new one is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    pub title: String,
    pub from: Number,
    pub to: Number,
}

/// The new item's number, found by assembling the manual with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub number: Number,
    pub renumbered: Vec<Renumbered>,
    /// For a chapter: the ids of the drafts before it in its folder. Its number counts
    /// published chapters only, so each of them that is published first puts it one later.
    pub drafts_before: Vec<String>,
}

/// Checks the title: one line, with a letter or digit to make a name from.
pub fn check_title(title: &str) -> Result<String, Diagnostic> {
    let title = title.trim();
    let example = "write the title in quotes, e.g. procbook new chapter \"Kinship Care\" --in 3";
    if title.is_empty() {
        return Err(Diagnostic::error("title", "the title is empty").with_help(example));
    }
    if title.chars().any(char::is_control) {
        return Err(
            Diagnostic::error("title", "the title must be a single line of text")
                .with_help(example),
        );
    }
    if slugify(title).is_empty() {
        return Err(Diagnostic::error(
            "title",
            format!("the title `{title}` has no letters or digits to make a file name from"),
        )
        .with_help(example));
    }
    Ok(title.to_owned())
}

/// Where a new part goes: in `content/`, at the end or right after the part numbered `after`.
pub fn locate_part(manual: &Manual, after: Option<&Number>) -> Result<Place, Diagnostic> {
    let after = match after {
        None => None,
        Some(n) => match manual.parts.iter().find(|p| &p.number == n) {
            Some(part) => Some(file_name(&part.path).to_owned()),
            None => {
                let help = numbered(
                    manual.parts.iter().map(|p| &p.number),
                    "the only part is",
                    "the parts are numbered",
                    "the manual has no parts yet: leave out --after".to_owned(),
                );
                return Err(
                    Diagnostic::error("--after", format!("there is no part numbered {n}"))
                        .with_help(help),
                );
            }
        },
    };
    Ok(Place {
        folder: PathBuf::from(crate::load::CONTENT_DIR),
        described: "the manual".to_owned(),
        after,
    })
}

/// Finds the part or sub-section numbered `within`, and the item `after` names in it: by its
/// number (the published ones, as on the contents page and in `procbook check`), or a chapter
/// by its id. `with_drafts` reads the manual with its drafts, which only a chapter named by its
/// id, or a number not found, needs.
pub fn locate(
    manual: &Manual,
    with_drafts: impl FnOnce() -> Manual,
    kind: Kind,
    within: &Number,
    after: Option<&After>,
) -> Result<Place, Diagnostic> {
    // (number, title, path) of each item of the container, in order.
    let mut items: Vec<(Number, String, PathBuf)> = Vec::new();
    let mut container = None;
    for part in &manual.parts {
        if &part.number == within {
            container = Some((
                part.path.clone(),
                format!("part {}, {}", part.number, part.title),
            ));
            for item in &part.items {
                items.push(match item {
                    PartItem::SubSection(sub) => {
                        (sub.number.clone(), sub.title.clone(), sub.path.clone())
                    }
                    PartItem::Chapter(i) => chapter_item(manual, *i),
                });
            }
        }
        for item in &part.items {
            if let PartItem::SubSection(sub) = item
                && &sub.number == within
            {
                if kind == Kind::Section {
                    return Err(Diagnostic::error(
                        "--in",
                        format!("{within} is a sub-section, and a sub-section cannot hold sub-sections"),
                    )
                    .with_help(format!(
                        "a manual has parts, sub-sections and chapters: use --in {} to add a sub-section to part {}",
                        part.number, part.number
                    )));
                }
                container = Some((
                    sub.path.clone(),
                    format!("sub-section {}, {}", sub.number, sub.title),
                ));
                items.extend(sub.chapters.iter().map(|&i| chapter_item(manual, i)));
            }
        }
    }
    let Some((folder, described)) = container else {
        return Err(not_a_container(manual, kind, within));
    };
    let after = match after {
        None => None,
        Some(After::Number(n)) => match items.iter().find(|(number, ..)| number == n) {
            Some((_, _, path)) => Some(file_name(path).to_owned()),
            None => {
                let drafts = drafts_help(&with_drafts(), &folder, &items);
                return Err(not_in(within, n, &items, drafts));
            }
        },
        Some(After::Id(id)) => {
            let with_drafts = with_drafts();
            let Some(path) = with_drafts.chapter_by_str(id).map(|c| c.path.clone()) else {
                return Err(Diagnostic::error(
                    "--after",
                    format!("no chapter has the id `{id}`"),
                )
                .with_help(
                    "a chapter's id is the `id:` in its front matter, or else its file name without the NN- prefix and .md",
                ));
            };
            if path.parent() != Some(folder.as_path()) {
                return Err(Diagnostic::error(
                    "--after",
                    format!(
                        "the chapter `{id}` ({}) is not in {within}: --after must name an item of {within}",
                        path.display()
                    ),
                ));
            }
            Some(file_name(&path).to_owned())
        }
    };
    Ok(Place {
        folder,
        described,
        after,
    })
}

fn chapter_item(manual: &Manual, i: usize) -> (Number, String, PathBuf) {
    let c = &manual.chapters[i];
    (c.number.clone(), c.title.clone(), c.path.clone())
}

fn not_a_container(manual: &Manual, kind: Kind, within: &Number) -> Diagnostic {
    if let Some(c) = manual.chapters.iter().find(|c| &c.number == within) {
        let parent = within.parent().map_or(String::new(), |p| {
            format!(
                ": to put the new {} beside it, use --in {p} --after {within}",
                kind.noun()
            )
        });
        return Diagnostic::error(
            "--in",
            format!(
                "{within} is a chapter ({}), not a part or sub-section",
                c.title
            ),
        )
        .with_help(format!(
            "--in takes the number of a part or sub-section{parent}"
        ));
    }
    let parts: Vec<String> = manual
        .parts
        .iter()
        .map(|p| format!("{} {}", p.number, p.title))
        .collect();
    let help = match manual.parts.iter().find(|p| within.parent().as_ref() == Some(&p.number)) {
        Some(part) => {
            let subs: Vec<String> = part
                .items
                .iter()
                .filter_map(|item| match item {
                    PartItem::SubSection(s) => Some(s.number.to_string()),
                    PartItem::Chapter(_) => None,
                })
                .collect();
            if subs.is_empty() {
                format!("part {} has no sub-sections", part.number)
            } else {
                format!("the sub-sections of part {} are {}", part.number, list(&subs))
            }
        }
        None if parts.is_empty() => "the manual has no parts yet: create a folder such as content/01-first-part/ with an _index.md giving its title".to_owned(),
        None => format!("the parts are {}", list(&parts)),
    };
    Diagnostic::error(
        "--in",
        format!("there is no part or sub-section numbered {within}"),
    )
    .with_help(format!(
        "{help} (`procbook check` reports any part that is left out because of a problem)"
    ))
}

/// What `--after` can name, for its help: "{many} 1.1 to 1.4", "{one} 1.1", or `none`.
fn numbered<'a>(
    mut numbers: impl Iterator<Item = &'a Number>,
    one: &str,
    many: &str,
    none: String,
) -> String {
    match (numbers.next(), numbers.last()) {
        (Some(first), Some(last)) => format!("{many} {first} to {last}"),
        (Some(only), None) => format!("{one} {only}"),
        _ => none,
    }
}

/// `--after` names a number that is not in `within`; `drafts` says how to name a draft there,
/// if there is one.
fn not_in(
    within: &Number,
    after: &Number,
    items: &[(Number, String, PathBuf)],
    drafts: Option<String>,
) -> Diagnostic {
    let message = if after.parent().as_ref() == Some(within) {
        format!("there is no {after} in {within}")
    } else {
        format!("{after} is not in {within}: --after must name an item of {within}")
    };
    let help = numbered(
        items.iter().map(|(n, ..)| n),
        &format!("the only item in {within} is"),
        &format!("the items in {within} are numbered"),
        format!("{within} is empty: leave out --after"),
    );
    let help = match drafts {
        Some(drafts) => format!("{help}; {drafts}"),
        None => help,
    };
    Diagnostic::error("--after", message).with_help(help)
}

/// Every chapter id the manual uses or has used: ids given in front matter, the ids that file
/// names give, and (from the command) the ids in the release history, so that a new chapter
/// is never mistaken for an old one.
pub fn ids_in_use(tree: &SourceTree) -> HashSet<String> {
    fn walk(folder: &SourceFolder, out: &mut HashSet<String>) {
        for file in &folder.files {
            let stem = file
                .path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            out.insert(order_prefix(stem).1.to_owned());
            if let Ok(split) = split(&file.path, &file.text)
                && let Some(yaml) = split.yaml
                && let Ok(meta) = parse_yaml::<ChapterMeta>(&file.path, yaml, 2, &file.text)
                && let Some(id) = meta.id
            {
                out.insert(id.value.trim().to_owned());
            }
        }
        for sub in &folder.folders {
            walk(sub, out);
        }
    }
    let mut out = HashSet::new();
    walk(&tree.root, &mut out);
    out
}

/// For a number not found in a part or sub-section: where it holds drafts (chapters of
/// `with_drafts`, the manual read with its drafts, that have no number in `items`), how to
/// name one of them instead.
fn drafts_help(
    with_drafts: &Manual,
    folder: &Path,
    items: &[(Number, String, PathBuf)],
) -> Option<String> {
    let drafts: Vec<&str> = with_drafts
        .chapters
        .iter()
        .filter(|c| c.path.parent() == Some(folder) && !items.iter().any(|(_, _, p)| *p == c.path))
        .map(|c| c.id.as_str())
        .collect();
    let first = drafts.first()?;
    Some(format!(
        "a draft has no number until it is published: name it by its id instead, e.g. --after {first} (the drafts here: {})",
        drafts.join(", ")
    ))
}

/// The new item's file name, id and text, placed at `place` among `entries` (the names in
/// its folder).
pub fn plan(
    kind: Kind,
    title: &str,
    place: &Place,
    entries: &[Entry],
    ids: &HashSet<String>,
    today: NaiveDate,
) -> Result<NewItem, Diagnostic> {
    let siblings: Vec<&Entry> = entries
        .iter()
        .filter(|e| !crate::load::is_ignored(&e.name) && e.name != INDEX_FILE)
        .filter(|e| e.is_dir || e.name.ends_with(".md"))
        .collect();
    let mut ordered: Vec<&Entry> = siblings.clone();
    ordered.sort_by_cached_key(|e| sort_key(&e.name));

    let slug = slugify(title);
    let (id, stem) = match kind {
        Kind::Chapter => {
            let id = unique(&slug, |s| ids.contains(s));
            (ChapterId::new(&id).ok(), id)
        }
        Kind::Section | Kind::Part => {
            let taken: HashSet<&str> = siblings
                .iter()
                .filter(|e| e.is_dir)
                .map(|e| order_prefix(&e.name).1)
                .collect();
            (None, unique(&slug, |s| taken.contains(s)))
        }
    };
    let rest = match kind {
        Kind::Chapter => format!("{stem}.md"),
        Kind::Section | Kind::Part => stem,
    };

    // The neighbours: the item to go after (or the last with a prefix), and the next one.
    let prev = match &place.after {
        Some(name) => Some(
            ordered
                .iter()
                .position(|e| &e.name == name)
                .ok_or_else(|| {
                    Diagnostic::error(
                        place.folder.join(name),
                        "this file is no longer there: was it moved or renamed just now?",
                    )
                })?,
        ),
        None => ordered
            .iter()
            .rposition(|e| order_prefix(&e.name).0.is_some()),
    };
    let next = match prev {
        Some(i) => ordered.get(i + 1),
        None => ordered.first(),
    };
    let prev_prefix = prev.and_then(|i| order_prefix(&ordered[i].name).0);
    let name = match (prev.map(|i| ordered[i]), prev_prefix) {
        // After an item without a prefix, only a name without one that sorts after it fits.
        (Some(p), None) => {
            let fits = sort_key(&rest) > sort_key(&p.name)
                && next.is_none_or(|n| sort_key(&rest) < sort_key(&n.name));
            if !fits {
                return Err(Diagnostic::error(
                    place.folder.join(&p.name),
                    format!("there is no room after `{}`: it has no NN- order prefix, so it is placed by its name, and `{rest}` would not come right after it", p.name),
                )
                .with_help("give it an order prefix (rename it to start with a number and a hyphen, e.g. `05-`), then run this again"));
            }
            rest
        }
        (_, prev_prefix) => {
            let next_prefix = next.and_then(|n| order_prefix(&n.name).0);
            let Some(prefix) = OrderPrefix::between(prev_prefix.as_ref(), next_prefix.as_ref())
            else {
                let p = prev.map_or("the start", |i| ordered[i].name.as_str());
                let n = next.map_or("", |n| n.name.as_str());
                return Err(Diagnostic::error(
                    place.folder.join(n),
                    format!("there is no room between `{p}` and `{n}`: they have the same order prefix, so nothing can go between them without renaming one"),
                )
                .with_help(format!("give `{n}` an order prefix of its own (see `procbook check`), then run this again")));
            };
            // As many digits as the neighbours' prefixes have.
            let width = prev
                .map(|i| ordered[i])
                .into_iter()
                .chain(next.copied())
                .chain(ordered.iter().copied())
                .filter(|e| order_prefix(&e.name).0.is_some())
                .map(|e| digits(&e.name))
                .next()
                .unwrap_or(2);
            format!("{}{rest}", prefix.to_name_prefix(width))
        }
    };

    let path = place.folder.join(&name);
    if let Some(existing) = entries.iter().find(|e| e.name == name) {
        return Err(Diagnostic::error(
            &path,
            format!(
                "a {} called {} is already there, and procbook never writes over a file",
                if existing.is_dir { "folder" } else { "file" },
                existing.name
            ),
        )
        .with_help("rename or move that one, or give the new one another title"));
    }
    let unprefixed_after = ordered
        .iter()
        .filter(|e| order_prefix(&e.name).0.is_none() && sort_key(&e.name) > sort_key(&name))
        .map(|e| e.name.clone())
        .collect();
    let (file, text) = match kind {
        Kind::Chapter => (
            path.clone(),
            chapter_text(
                title,
                id.as_ref().map_or("", |i| i.as_str()),
                "draft",
                today,
            ),
        ),
        Kind::Section => (path.join(INDEX_FILE), section_text(title)),
        Kind::Part => (path.join(INDEX_FILE), part_text(title)),
    };
    Ok(NewItem {
        kind,
        title: title.to_owned(),
        id,
        path,
        file,
        text,
        unprefixed_after,
    })
}

/// `slug`, or `slug-2`, `slug-3`… if it is taken.
fn unique(slug: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(slug) {
        return slug.to_owned();
    }
    (2..)
        .map(|n| format!("{slug}-{n}"))
        .find(|s| !taken(s))
        .expect("some suffix is free")
}

fn digits(name: &str) -> usize {
    name.bytes().take_while(u8::is_ascii_digit).count()
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// Where the comments explaining the new front matter's keys start.
const COMMENT_COLUMN: usize = 20;

/// A new chapter: front matter to fill in, as a draft, and a line to replace.
fn chapter_text(title: &str, id: &str, status: &str, today: NaiveDate) -> String {
    let example_due = format!("{}-{:02}", today.year() + 1, today.month());
    let lines = [
        (format!("title: {}", yaml_text(title)), String::new()),
        (
            format!("id: {id}"),
            "links and the release history follow the id: keep it if you rename the file".into(),
        ),
        (
            format!("status: {status}"),
            "drafts are left out of the site: change to current to publish it".into(),
        ),
        (
            "summary:".into(),
            "the \"Scope of this chapter\" box: a sentence or two".into(),
        ),
        (
            "owner:".into(),
            "the responsible manager, e.g. Head of Service, Front Door".into(),
        ),
        (
            "review_due:".into(),
            format!("when it is next due for review, YYYY-MM, e.g. {example_due}"),
        ),
    ];
    let mut out = String::from("---\n");
    for (line, comment) in lines {
        if comment.is_empty() {
            out.push_str(&line);
        } else {
            let width = COMMENT_COLUMN.max(line.len() + 2);
            out.push_str(&format!("{line:<width$}# {comment}"));
        }
        out.push('\n');
    }
    out.push_str("---\n\nWrite the introduction here: what this chapter covers and who it is for. Each `##` heading after it starts a numbered section.\n");
    out
}

/// A new part's `_index.md`: its title, and the keys a part may have, to fill in or leave.
fn part_text(title: &str) -> String {
    format!(
        "---\ntitle: {}\n{:<COMMENT_COLUMN$}# optional: a line under its title on the contents page\n{:<COMMENT_COLUMN$}# optional: a \"Please note\" line under its title on the contents page\n---\n",
        yaml_text(title),
        "caption:",
        "note:"
    )
}

/// A new sub-section's `_index.md`.
fn section_text(title: &str) -> String {
    format!(
        "---\ntitle: {}\n{:<COMMENT_COLUMN$}# optional: a \"Please note\" line under its title on the contents page\n---\n",
        yaml_text(title),
        "note:"
    )
}

/// A title as a YAML value: as it is where that is safe, else in double quotes.
fn yaml_text(s: &str) -> String {
    let plain = s.chars().next().is_some_and(char::is_alphanumeric)
        && s.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(
                    c,
                    ' ' | '\'' | '\u{2019}' | '(' | ')' | ',' | '.' | '/' | '-' | '&'
                )
        })
        && !s.ends_with(' ')
        && s.parse::<f64>().is_err()
        && !matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "null");
    if plain {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Assembles the manual with the new item added (a chapter as if published) and gives its
/// number and the numbers it changes. Fails with the errors the new item would cause, such
/// as a number that a `number:` override already uses.
pub fn preview(
    config: &Config,
    tree: &SourceTree,
    before: (&Manual, &Diagnostics),
    item: &NewItem,
    today: NaiveDate,
) -> Result<Preview, Diagnostics> {
    let mut with = tree.clone();
    let folder = item.path.parent().unwrap_or(Path::new(""));
    let Some(target) = folder_mut(&mut with.root, folder) else {
        return Err(Diagnostic::error(folder, "this folder was not found in content/").into());
    };
    match item.kind {
        Kind::Chapter => target.files.push(SourceFile {
            path: item.file.clone(),
            text: chapter_text(
                &item.title,
                item.id.as_ref().map_or("", |i| i.as_str()),
                "current",
                today,
            )
            .into(),
        }),
        Kind::Section | Kind::Part => target.folders.push(SourceFolder {
            path: item.path.clone(),
            index: Some(SourceFile {
                path: item.file.clone(),
                text: item.text.clone().into(),
            }),
            ..SourceFolder::default()
        }),
    }
    let options = ModelOptions {
        drafts: false,
        today,
    };
    let (after, diagnostics) = assemble(config.clone(), Glossary::default(), &with, options, None);
    let (manual, known) = before;
    let known: HashSet<(&Path, &str)> = known
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.path.as_path(), d.message.as_str()))
        .collect();
    let new_errors: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.is_error() && !known.contains(&(d.path.as_path(), d.message.as_str())))
        .cloned()
        .collect();
    if !new_errors.is_empty() {
        return Err(new_errors.into());
    }
    let numbers_before = numbers(manual);
    let numbers_after = numbers(&after);
    let Some((number, _)) = numbers_after.get(&item.path) else {
        return Err(Diagnostic::error(
            &item.path,
            format!("the new {} would not be published here", item.kind.noun()),
        )
        .into());
    };
    let mut renumbered: Vec<Renumbered> = numbers_before
        .iter()
        .filter(|(path, _)| path.parent() == Some(folder))
        .filter_map(|(path, (from, title))| {
            let (to, _) = numbers_after.get(path)?;
            (to != from).then(|| Renumbered {
                title: title.clone(),
                from: from.clone(),
                to: to.clone(),
            })
        })
        .collect();
    renumbered.sort_by(|a, b| a.from.cmp(&b.from));
    let drafts_before = match item.kind {
        Kind::Chapter => drafts_before(config, &with, item, today),
        Kind::Section | Kind::Part => Vec::new(),
    };
    Ok(Preview {
        number: number.clone(),
        renumbered,
        drafts_before,
    })
}

/// The ids of the drafts before the new chapter `item` in its folder, in order: the manual
/// `with` it, read with its drafts, numbers them all.
fn drafts_before(
    config: &Config,
    with: &SourceTree,
    item: &NewItem,
    today: NaiveDate,
) -> Vec<String> {
    let options = ModelOptions {
        drafts: true,
        today,
    };
    let (all, _) = assemble(config.clone(), Glossary::default(), with, options, None);
    let Some(new) = all.chapters.iter().find(|c| c.path == item.path) else {
        return Vec::new();
    };
    let folder = item.path.parent();
    all.chapters
        .iter()
        .filter(|c| c.status == Status::Draft && c.path.parent() == folder && c.number < new.number)
        .map(|c| c.id.as_str().to_owned())
        .collect()
}

/// The number and title of every part, sub-section and chapter, by path.
fn numbers(manual: &Manual) -> HashMap<PathBuf, (Number, String)> {
    let mut out: HashMap<PathBuf, (Number, String)> = manual
        .chapters
        .iter()
        .map(|c| (c.path.clone(), (c.number.clone(), c.title.clone())))
        .collect();
    for part in &manual.parts {
        out.insert(part.path.clone(), (part.number.clone(), part.title.clone()));
        for item in &part.items {
            if let PartItem::SubSection(sub) = item {
                out.insert(sub.path.clone(), (sub.number.clone(), sub.title.clone()));
            }
        }
    }
    out
}

fn folder_mut<'a>(folder: &'a mut SourceFolder, path: &Path) -> Option<&'a mut SourceFolder> {
    if folder.path == path {
        return Some(folder);
    }
    folder
        .folders
        .iter_mut()
        .find(|f| path.starts_with(&f.path))
        .and_then(|f| folder_mut(f, path))
}

/// "a, b and c".
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::front_matter::{FolderMeta, Status};

    #[test]
    fn after_is_a_number_where_it_reads_as_one_and_else_a_chapter_s_id() {
        let n = |s: &str| After::Number(s.parse().unwrap());
        assert_eq!("3.4.2".parse(), Ok(n("3.4.2")));
        assert_eq!("3".parse(), Ok(n("3")));
        assert_eq!(
            "private-fostering".parse(),
            Ok(After::Id("private-fostering".into()))
        );
        // An id may be all digits and dots only where a number could not be: "0" numbers
        // nothing (numbers start from 1), so it is an id.
        assert_eq!("0".parse(), Ok(After::Id("0".into())));
        assert_eq!(
            "s47-enquiries".parse(),
            Ok(After::Id("s47-enquiries".into()))
        );
        for neither in ["", "Private Fostering", "3.4.", "-x"] {
            assert!(neither.parse::<After>().is_err(), "{neither:?}");
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn entries(names: &[&str]) -> Vec<Entry> {
        names
            .iter()
            .map(|n| Entry {
                name: (*n).to_owned(),
                is_dir: !n.ends_with(".md") && !n.contains('.'),
            })
            .collect()
    }

    fn place(after: Option<&str>) -> Place {
        Place {
            folder: PathBuf::from("content/01-part"),
            described: "part 1, Part".into(),
            after: after.map(str::to_owned),
        }
    }

    fn name_of(title: &str, after: Option<&str>, names: &[&str]) -> Result<String, Diagnostic> {
        plan(
            Kind::Chapter,
            title,
            &place(after),
            &entries(names),
            &HashSet::new(),
            day(),
        )
        .map(|n| file_name(&n.path).to_owned())
    }

    #[test]
    fn a_new_chapter_goes_at_the_end_with_the_next_prefix() {
        let names = ["_index.md", "01-a.md", "02-sub", "03-c.md", "notes.txt"];
        assert_eq!(
            name_of("Kinship Care", None, &names).unwrap(),
            "04-kinship-care.md"
        );
        assert_eq!(name_of("X", None, &["1-a.md"]).unwrap(), "2-x.md");
        assert_eq!(name_of("X", None, &["_index.md"]).unwrap(), "01-x.md");
        assert_eq!(name_of("X", None, &["09-a.md"]).unwrap(), "10-x.md");
    }

    #[test]
    fn after_an_item_it_takes_a_free_number_or_a_decimal_between() {
        let names = ["01-a.md", "02-b.md", "05-c.md"];
        assert_eq!(name_of("X", Some("02-b.md"), &names).unwrap(), "03-x.md");
        assert_eq!(name_of("X", Some("01-a.md"), &names).unwrap(), "01.5-x.md");
        let names = ["01-a.md", "01.5-x.md", "02-b.md"];
        assert_eq!(name_of("Y", Some("01-a.md"), &names).unwrap(), "01.2-y.md");
        assert_eq!(
            name_of("Y", Some("01.5-x.md"), &names).unwrap(),
            "01.7-y.md"
        );
    }

    #[test]
    fn names_without_a_prefix_stay_last() {
        let names = ["01-a.md", "delta.md"];
        let item = plan(
            Kind::Chapter,
            "Zeta",
            &place(None),
            &entries(&names),
            &HashSet::new(),
            day(),
        )
        .unwrap();
        assert_eq!(file_name(&item.path), "02-zeta.md");
        assert_eq!(item.unprefixed_after, ["delta.md"]);
        // After one of them, a name without a prefix that sorts after it fits...
        assert_eq!(
            name_of("Zeta", Some("delta.md"), &names).unwrap(),
            "zeta.md"
        );
        // ...and one that would sort before it does not.
        let err = name_of("Alpha", Some("delta.md"), &names).unwrap_err();
        assert!(
            err.message.contains("there is no room after `delta.md`"),
            "{err}"
        );
    }

    #[test]
    fn two_items_with_one_prefix_leave_no_room_between_them() {
        let err = name_of("X", Some("02-a.md"), &["02-a.md", "02-b.md"]).unwrap_err();
        assert!(err.message.contains("the same order prefix"), "{err}");
        assert_eq!(err.path, Path::new("content/01-part/02-b.md"));
    }

    #[test]
    fn ids_and_folder_names_are_never_reused() {
        let taken: HashSet<String> =
            ["kinship-care".to_owned(), "kinship-care-2".to_owned()].into();
        let item = plan(
            Kind::Chapter,
            "Kinship Care",
            &place(None),
            &entries(&["01-a.md"]),
            &taken,
            day(),
        )
        .unwrap();
        assert_eq!(item.id.unwrap().as_str(), "kinship-care-3");
        assert_eq!(file_name(&item.path), "02-kinship-care-3.md");
        let item = plan(
            Kind::Section,
            "Kinship Care",
            &place(None),
            &entries(&["01-kinship-care"]),
            &HashSet::new(),
            day(),
        )
        .unwrap();
        assert_eq!(file_name(&item.path), "02-kinship-care-2");
        assert_eq!(
            item.file,
            Path::new("content/01-part/02-kinship-care-2/_index.md")
        );
    }

    #[test]
    fn a_name_already_taken_by_another_kind_of_file_is_refused() {
        let names = [
            Entry {
                name: "01-a.md".into(),
                is_dir: false,
            },
            Entry {
                name: "02-kinship-care".into(),
                is_dir: false,
            },
        ];
        let err = plan(
            Kind::Section,
            "Kinship Care",
            &place(None),
            &names,
            &HashSet::new(),
            day(),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("a file called 02-kinship-care is already there"),
            "{err}"
        );
    }

    #[test]
    fn the_front_matter_reads_back_as_a_draft_with_nothing_else_set() {
        for title in [
            "Kinship Care",
            "Appendix 1: Forms",
            "Children's \"Voice\" \\ Views",
            "2024",
            "- dash",
            "true",
        ] {
            // A long id leaves no room before the comments' column.
            let id = "placements-of-children-under-13";
            let text = chapter_text(title, id, "draft", day());
            let s = split(Path::new("x.md"), &text).unwrap();
            let meta: ChapterMeta =
                parse_yaml(Path::new("x.md"), s.yaml.unwrap(), 2, &text).unwrap();
            assert_eq!(meta.title.as_deref(), Some(title));
            assert_eq!(meta.id.unwrap().value, id);
            assert_eq!(meta.status, Status::Draft);
            assert!(meta.summary.is_none() && meta.owner.is_none() && meta.review_due.is_none());
            let text = section_text(title);
            let s = split(Path::new("_index.md"), &text).unwrap();
            let meta: FolderMeta =
                parse_yaml(Path::new("_index.md"), s.yaml.unwrap(), 2, &text).unwrap();
            assert_eq!(meta.title.as_deref(), Some(title));
            assert!(meta.note.is_none());
        }
        assert!(chapter_text("A", "a", "draft", day()).contains("e.g. 2027-11"));
    }

    #[test]
    fn titles_are_checked() {
        assert_eq!(check_title("  Kinship Care ").unwrap(), "Kinship Care");
        assert_eq!(check_title(" ").unwrap_err().message, "the title is empty");
        assert!(check_title("a\nb").is_err());
        assert!(
            check_title("—")
                .unwrap_err()
                .message
                .contains("no letters or digits")
        );
    }
}
