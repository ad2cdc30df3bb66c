//! What `procbook check` reports on top of a build's diagnostics: Markdown files the manual's
//! structure leaves out, siblings that share an order prefix, the chapters due for review (a
//! report for managers), and what a release would record now (for authors, before they
//! release). All of it is pure: the command reads the files and prints the results.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::date::PartialDate;
use crate::diagnostic::{Diagnostic, plural};
use crate::front_matter::{Status, line_of_key, split};
use crate::history::Change;
use crate::history::release::Plan;
use crate::load::{SourceFile, SourceFolder, SourceTree};
use crate::model::{Manual, OrderPrefix, order_prefix, sort_key};

/// Problems in how `content/` is laid out that a build passes over in silence: an
/// `_index.md` directly in `content/`, names whose number is not an `NN-` prefix, and
/// siblings with the same prefix (whose order then depends on their names).
pub fn structure(tree: &SourceTree) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(index) = &tree.root.index {
        out.push(
            Diagnostic::warning(
                &index.path,
                "this _index.md is not used: the manual's title is in manual.yaml, and each part has its own _index.md",
            )
            .with_help("delete it, or move it into the part folder it was meant for"),
        );
    }
    siblings(&tree.root, Level::Content, &mut out);
    for part in &tree.root.folders {
        siblings(part, Level::Part, &mut out);
        for sub in &part.folders {
            siblings(sub, Level::SubSection, &mut out);
        }
    }
    out
}

/// Which folder of the structure: `content/` holds parts, a part holds sub-sections and
/// chapters, a sub-section holds chapters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Content,
    Part,
    SubSection,
}

/// Checks the names of a folder's items: its sub-folders (parts, or a part's sub-sections)
/// and, inside parts and sub-sections, its chapter files.
fn siblings(folder: &SourceFolder, level: Level, out: &mut Vec<Diagnostic>) {
    let mut names: Vec<(&str, std::path::PathBuf)> = Vec::new();
    if level != Level::SubSection {
        names.extend(folder.folders.iter().map(|f| (f.name(), f.path.clone())));
    }
    if level != Level::Content {
        names.extend(
            folder
                .files
                .iter()
                .map(|f| (file_name(&f.path), f.path.clone())),
        );
    }
    names.sort_by_cached_key(|(name, _)| sort_key(name));

    for (name, path) in &names {
        if let Some(fixed) = misprefixed(name) {
            out.push(
                Diagnostic::warning(
                    path,
                    format!("`{name}` starts with a number, but not an order prefix like `01-`, so it is not put in order by it: names without a prefix come last"),
                )
                .with_help(format!("if the number is meant to order it, rename it to `{fixed}`")),
            );
        }
    }

    // Items with the same prefix, and a prefix for each after the first that keeps the order.
    let mut by_prefix: HashMap<OrderPrefix, Vec<usize>> = HashMap::new();
    for (i, (name, _)) in names.iter().enumerate() {
        if let (Some(prefix), _) = order_prefix(name) {
            by_prefix.entry(prefix).or_default().push(i);
        }
    }
    let mut shared: Vec<(OrderPrefix, Vec<usize>)> =
        by_prefix.into_iter().filter(|(_, v)| v.len() > 1).collect();
    shared.sort();
    for (prefix, items) in shared {
        let next = names
            .iter()
            .filter_map(|(name, _)| order_prefix(name).0)
            .find(|p| p > &prefix);
        let (first, _) = &names[items[0]];
        let mut previous = prefix.clone();
        for &i in &items[1..] {
            let (name, path) = &names[i];
            let (_, rest) = order_prefix(name);
            let width = name.bytes().take_while(u8::is_ascii_digit).count();
            let d = Diagnostic::warning(
                path,
                format!(
                    "`{name}` has the same order prefix as `{first}`, so which comes first depends on their names"
                ),
            );
            out.push(match OrderPrefix::between(Some(&previous), next.as_ref()) {
                Some(p) => {
                    let renamed = format!("{}{rest}", p.to_name_prefix(width));
                    previous = p;
                    d.with_help(format!(
                        "give each its own prefix: renaming this one to `{renamed}` keeps the order and renames nothing else (a chapter keeps its id)"
                    ))
                }
                None => d.with_help("give each its own prefix"),
            });
        }
    }
}

/// `02_x.md` → `02-x.md`: a name that starts with a number followed by something other than
/// a prefix's `-` (or a decimal prefix's `.5-`).
fn misprefixed(name: &str) -> Option<String> {
    if order_prefix(name).0.is_some() {
        return None;
    }
    let (stem, extension) = match name.strip_suffix(".md") {
        Some(stem) => (stem, ".md"),
        None => (name, ""),
    };
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &stem[digits..];
    let separator = rest.chars().next()?;
    if digits == 0 || !matches!(separator, '_' | ' ' | '.' | ')') {
        return None;
    }
    let rest = rest.trim_start_matches(['_', ' ', '.', ')', '-']);
    (!rest.is_empty()).then(|| format!("{}-{rest}{extension}", &stem[..digits]))
}

/// Markdown files in the manual's own folder that look like chapters (front matter with a
/// title) but, being outside `content/`, are not published.
pub fn stray_chapters(files: &[SourceFile]) -> Vec<Diagnostic> {
    files
        .iter()
        .filter(|f| {
            split(&f.path, &f.text)
                .ok()
                .and_then(|s| s.yaml)
                .is_some_and(|yaml| yaml.lines().any(|l| l.starts_with("title:")))
        })
        .map(|f| {
            Diagnostic::warning(
                &f.path,
                "this looks like a chapter, but it is not in the content folder, so it is not published",
            )
            .at(line_of_key(&f.text, "title"), 1)
            .with_source_line(&f.text)
            .with_help("move it into a part or sub-section folder in content/ (`procbook new chapter` makes a file in the right place), or delete it")
        })
        .collect()
}

/// A chapter a manager should act on: past its review date, or under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub id: String,
    pub number: String,
    pub title: String,
    pub owner: Option<String>,
    /// As written: `YYYY-MM` or `YYYY-MM-DD`.
    pub review_due: Option<String>,
    pub overdue: bool,
    pub status: Status,
    pub path: String,
    #[serde(skip)]
    due: Option<PartialDate>,
}

/// The chapters past their review date or under review, in the manual's order.
pub fn review(manual: &Manual, today: NaiveDate) -> Vec<ReviewItem> {
    manual
        .chapters
        .iter()
        .filter_map(|c| {
            let overdue = c.review_due.is_some_and(|d| d.is_past(today));
            (overdue || c.status == Status::UnderReview).then(|| ReviewItem {
                id: c.id.to_string(),
                number: c.number.to_string(),
                title: c.title.clone(),
                owner: c.owner.clone().filter(|o| !o.trim().is_empty()),
                review_due: c.review_due.map(|d| d.to_string()),
                overdue,
                status: c.status,
                path: c.path.display().to_string(),
                due: c.review_due,
            })
        })
        .collect()
}

/// The review report as a manager reads it.
pub fn review_text(items: &[ReviewItem], today: NaiveDate) -> String {
    let as_of = PartialDate::from_naive(today).long();
    if items.is_empty() {
        return format!(
            "Due for review, as of {as_of}: none. No chapter is past its review date or under review.\n"
        );
    }
    let mut out = format!(
        "Due for review, as of {as_of}: {}\n\n",
        plural(items.len(), "chapter")
    );
    let width = items.iter().map(|i| i.number.len()).max().unwrap_or(0);
    for item in items {
        let owner = item.owner.as_deref().unwrap_or("not set");
        let due = match (item.due, item.overdue) {
            (Some(d), true) => format!("review was due {} (overdue)", d.long()),
            (Some(d), false) => format!("review due {}", d.long()),
            (None, _) => "no review date set".to_owned(),
        };
        let status = if item.status == Status::UnderReview {
            "; under review"
        } else {
            ""
        };
        out.push_str(&format!("  {:<width$}  {}\n", item.number, item.title));
        out.push_str(&format!(
            "  {:<width$}  owner: {owner}; {due}{status}\n",
            ""
        ));
    }
    out
}

/// A chapter a release would record now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeItem {
    pub id: String,
    pub number: String,
    pub title: String,
    pub kind: Change,
    /// The amendment note the release would record.
    pub note: String,
}

/// What the planned release would record, chapter by chapter.
pub fn changes(plan: &Plan) -> Vec<ChangeItem> {
    plan.release
        .chapters
        .iter()
        .map(|r| ChangeItem {
            id: r.id.clone(),
            number: r.number.clone(),
            title: r.title.clone(),
            kind: r.change,
            note: r.summary.clone(),
        })
        .collect()
}

/// The changes as an author reads them before releasing.
pub fn changes_text(items: &[ChangeItem], last_release: Option<NaiveDate>) -> String {
    let Some(last) = last_release else {
        return format!(
            "No release has been recorded yet: the first (`procbook release`) will record {} as published.\n",
            plural(items.len(), "chapter")
        );
    };
    let since = format!(
        "since the release of {}",
        PartialDate::from_naive(last).long()
    );
    if items.is_empty() {
        return format!("Nothing has changed {since}.\n");
    }
    let mut out = format!(
        "Changed {since}: {}, as `procbook release` would record them\n\n",
        plural(items.len(), "chapter")
    );
    let width = items.iter().map(|i| i.number.len()).max().unwrap_or(0);
    for item in items {
        let kind = serde_json::to_value(item.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // A removed chapter's number is the one it had.
        let (number, was) = if item.kind == Change::Removed {
            ("", format!(" (it was {})", item.number))
        } else {
            (item.number.as_str(), String::new())
        };
        out.push_str(&format!(
            "  {number:<width$}  {}: {kind}{was}\n",
            item.title
        ));
        out.push_str(&format!("  {:<width$}  {}\n", "", item.note));
    }
    out
}

fn file_name(path: &std::path::Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::INDEX_FILE;
    use std::path::PathBuf;

    fn file(path: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            text: "---\ntitle: X\n---\n".into(),
        }
    }

    fn folder(path: &str, files: &[&str], folders: Vec<SourceFolder>) -> SourceFolder {
        SourceFolder {
            path: PathBuf::from(path),
            index: Some(file(&format!("{path}/{INDEX_FILE}"))),
            folders,
            files: files.iter().map(|f| file(&format!("{path}/{f}"))).collect(),
        }
    }

    fn messages(d: &[Diagnostic]) -> Vec<String> {
        d.iter()
            .map(|d| format!("{}: {}", d.path.display(), d.message))
            .collect()
    }

    #[test]
    fn shared_prefixes_get_a_rename_that_keeps_the_order() {
        let part = folder(
            "content/01-p",
            &["02-a.md", "02-b.md", "02-c.md", "03-d.md"],
            vec![folder(
                "content/01-p/01-sub",
                &["01-x.md", "01-y.md"],
                vec![],
            )],
        );
        let tree = SourceTree {
            root: SourceFolder {
                path: PathBuf::from("content"),
                index: None,
                folders: vec![part],
                files: vec![],
            },
        };
        let d = structure(&tree);
        assert_eq!(
            messages(&d),
            [
                "content/01-p/02-b.md: `02-b.md` has the same order prefix as `02-a.md`, so which comes first depends on their names",
                "content/01-p/02-c.md: `02-c.md` has the same order prefix as `02-a.md`, so which comes first depends on their names",
                "content/01-p/01-sub/01-y.md: `01-y.md` has the same order prefix as `01-x.md`, so which comes first depends on their names",
            ]
        );
        let helps: Vec<&str> = d.iter().filter_map(|d| d.help.as_deref()).collect();
        assert!(
            helps[0].contains("renaming this one to `02.5-b.md`"),
            "{}",
            helps[0]
        );
        assert!(
            helps[1].contains("renaming this one to `02.7-c.md`"),
            "{}",
            helps[1]
        );
        assert!(
            helps[2].contains("renaming this one to `02-y.md`"),
            "{}",
            helps[2]
        );
    }

    #[test]
    fn numbers_that_are_not_prefixes_and_a_stray_index_are_reported() {
        let part = folder(
            "content/01-p",
            &["02_a.md", "1st-contact.md", "2024-protocol.md", "03.5-b.md"],
            vec![],
        );
        let tree = SourceTree {
            root: SourceFolder {
                path: PathBuf::from("content"),
                index: Some(file("content/_index.md")),
                folders: vec![part],
                files: vec![],
            },
        };
        let d = structure(&tree);
        assert_eq!(d.len(), 2, "{:?}", messages(&d));
        assert!(d[0].message.starts_with("this _index.md is not used"));
        assert_eq!(d[1].path, PathBuf::from("content/01-p/02_a.md"));
        assert_eq!(
            d[1].help.as_deref(),
            Some("if the number is meant to order it, rename it to `02-a.md`")
        );
        assert_eq!(
            misprefixed("3. Foster care.md").as_deref(),
            Some("3-Foster care.md")
        );
        assert_eq!(misprefixed("12.md"), None);
    }

    #[test]
    fn only_markdown_with_a_title_outside_content_looks_like_a_chapter() {
        let files = [
            file("kinship-care.md"),
            SourceFile {
                path: PathBuf::from("README.md"),
                text: "# Our manual\n".into(),
            },
        ];
        let d = stray_chapters(&files);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].path.to_str(), d[0].line),
            (Some("kinship-care.md"), 2)
        );
    }
}
