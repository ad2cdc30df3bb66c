//! The amendment log, derived from the store at every build (the store is the single source of
//! truth): each chapter's history, the notes and dates pages show, the "New"/"Updated" marks,
//! and word-level redlines between consecutive versions.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Months, NaiveDate};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffTag, TextDiff, capture_diff_slices_deadline};

use super::store::{Change, Record, Store};
use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use crate::html::escape;
use crate::outline::{Numberer, markdown_options, split_number};

/// One recorded change of a chapter.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub date: NaiveDate,
    pub record: &'a Record,
}

/// The log of a store: every chapter's entries, oldest first.
#[derive(Debug, Default)]
pub struct Log<'a> {
    pub store: Option<&'a Store>,
    pub by_chapter: HashMap<&'a str, Vec<Entry<'a>>>,
}

/// The mark a chapter carries on the contents page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Badge {
    New,
    Updated,
}

impl<'a> Log<'a> {
    pub fn new(store: &'a Store) -> Log<'a> {
        let mut by_chapter: HashMap<&str, Vec<Entry<'_>>> = HashMap::new();
        for release in &store.releases {
            let date = release.day();
            for record in &release.chapters {
                by_chapter
                    .entry(record.id.as_str())
                    .or_default()
                    .push(Entry { date, record });
            }
        }
        Log {
            store: Some(store),
            by_chapter,
        }
    }

    pub fn entries(&self, id: &str) -> &[Entry<'a>] {
        self.by_chapter.get(id).map_or(&[], Vec::as_slice)
    }

    /// The latest amendment note of a chapter (its latest change of any kind).
    pub fn latest(&self, id: &str) -> Option<&Entry<'a>> {
        self.entries(id).last()
    }

    /// When the chapter's text last changed in a release.
    pub fn last_updated(&self, id: &str) -> Option<NaiveDate> {
        self.entries(id)
            .iter()
            .rev()
            .find(|e| e.record.change.is_edit())
            .map(|e| e.date)
    }

    /// "New" or "Updated" for a chapter changed within `months` of the latest release; a
    /// refresh, a move or the first publication of the manual gets no mark.
    pub fn badge(&self, id: &str, months: u32) -> Option<Badge> {
        let store = self.store?;
        let latest = store.latest_date()?;
        let since = latest
            .checked_sub_months(Months::new(months))
            .unwrap_or(NaiveDate::MIN);
        let baseline = store.releases.first().map(|r| r.day());
        self.entries(id)
            .iter()
            .rev()
            .take_while(|e| e.date > since)
            .find_map(|e| match e.record.change {
                Change::Added if Some(e.date) != baseline => Some(Badge::New),
                Change::Updated | Change::Revised => Some(Badge::Updated),
                _ => None,
            })
    }

    /// The versions of a chapter that have text, oldest first: (date, record).
    pub fn versions(&self, id: &str) -> Vec<&Entry<'a>> {
        self.entries(id)
            .iter()
            .filter(|e| e.record.version.is_some())
            .collect()
    }
}

/// The releases of a store grouped by month, newest first: ("2024-07", [release indices]).
pub fn months(store: &Store) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in store.releases.iter().enumerate().rev() {
        let key = r.date[..7].to_owned();
        match out.last_mut() {
            Some((k, list)) if *k == key => list.push(i),
            _ => out.push((key, vec![i])),
        }
    }
    out
}

pub fn month_name(key: &str) -> String {
    format!("{key}-01")
        .parse::<NaiveDate>()
        .map(|d| PartialDate::from_naive(d).month_year())
        .unwrap_or_else(|_| key.to_owned())
}

/// A version's text as a reader sees it: headings numbered, list items bulleted, table cells
/// separated, Markdown syntax gone. Redlines compare these.
pub fn reading_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut numberer = Numberer::default();
    let mut heading: Option<(u8, String)> = None;
    let mut list_depth = 0usize;
    for event in Parser::new_ext(body, markdown_options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    let (own, title) = split_number(text.trim());
                    let level = level.max(2);
                    let number = numberer.number(level, own);
                    let label = match number.as_str() {
                        "" => String::new(),
                        n if level == 2 && !n.contains('.') && !n.starts_with("Appendix") => {
                            format!("{n}. ")
                        }
                        n => format!("{n} "),
                    };
                    out.push_str(&format!("\n{label}{title}\n\n"));
                }
            }
            Event::Text(t) | Event::Code(t) => match &mut heading {
                Some((_, h)) => h.push_str(&t),
                None => out.push_str(&t),
            },
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                out.push_str("• ");
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::Paragraph) => out.push_str(if list_depth > 0 { "" } else { "\n\n" }),
            Event::Start(Tag::TableCell) if !out.ends_with('\n') => {
                out.push_str(" | ");
            }
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => out.push('\n'),
            Event::End(TagEnd::Table) => out.push('\n'),
            _ => {}
        }
    }
    let mut tidy = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        tidy.push_str(line);
        tidy.push('\n');
    }
    tidy.trim().to_owned()
}

/// How many unchanged words are shown each side of a change before the rest is folded away.
const CONTEXT_WORDS: usize = 25;

/// A word-level redline between two versions' reading texts (see `reading_text`), as HTML: `<del>`/`<ins>` (with
/// hidden labels for screen readers), unchanged stretches folded. Also (words deleted, inserted).
pub fn redline(old_text: &str, new_text: &str) -> (String, usize, usize) {
    let runs = changes(old_text, new_text);
    let (mut deleted, mut inserted) = (0, 0);
    let mut html = String::new();
    let (mut del, mut ins) = (String::new(), String::new());
    let last = runs.len().saturating_sub(1);
    for (i, (tag, text)) in runs.iter().enumerate() {
        match tag {
            ChangeTag::Delete => del.push_str(text),
            ChangeTag::Insert => ins.push_str(text),
            // A space between two changes joins them: "one hour." became "30 minutes.".
            ChangeTag::Equal
                if text.trim().is_empty() && (!del.is_empty() || !ins.is_empty()) && i < last =>
            {
                if !del.is_empty() {
                    del.push_str(text);
                }
                if !ins.is_empty() {
                    ins.push_str(text);
                }
            }
            ChangeTag::Equal => {
                flush(&mut html, &mut del, &mut ins, &mut deleted, &mut inserted);
                html.push_str(&fold(text, i > 0, i < last));
            }
        }
    }
    flush(&mut html, &mut del, &mut ins, &mut deleted, &mut inserted);
    (html, deleted, inserted)
}

/// The changes from `old` to `new` as runs of equal, deleted and inserted text. Paragraphs
/// (lines of the reading text) are compared first, and only paragraphs that changed are
/// compared word by word, so the work follows the size of the change, not of the chapter.
fn changes(old: &str, new: &str) -> Vec<(ChangeTag, String)> {
    let deadline = Instant::now() + Duration::from_millis(250);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    let mut push = |tag: ChangeTag, text: &str| match runs.last_mut() {
        Some((t, run)) if *t == tag => run.push_str(text),
        _ => runs.push((tag, text.to_owned())),
    };
    for op in
        capture_diff_slices_deadline(Algorithm::Patience, &old_lines, &new_lines, Some(deadline))
    {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        let before = old_lines[old_range.clone()].concat();
        let after = new_lines[new_range.clone()].concat();
        match tag {
            DiffTag::Equal => push(ChangeTag::Equal, &before),
            DiffTag::Delete => push(ChangeTag::Delete, &before),
            DiffTag::Insert => push(ChangeTag::Insert, &after),
            DiffTag::Replace => {
                // Paragraph by paragraph where they pair up, else the passage as one.
                let (olds, news) = (&old_lines[old_range.clone()], &new_lines[new_range.clone()]);
                let pairs: Vec<(String, String)> = if olds.len() == news.len() {
                    olds.iter()
                        .zip(news)
                        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                        .collect()
                } else {
                    vec![(before, after)]
                };
                for (a, b) in pairs {
                    if a.len() > WORD_DIFF_LIMIT || b.len() > WORD_DIFF_LIMIT || !alike(&a, &b) {
                        push(ChangeTag::Delete, &a);
                        push(ChangeTag::Insert, &b);
                        continue;
                    }
                    let words = TextDiff::configure()
                        .deadline(deadline)
                        .diff_words(a.as_str(), b.as_str());
                    for change in words.iter_all_changes() {
                        push(change.tag(), change.value());
                    }
                }
            }
        }
    }
    runs
}

/// Whether two paragraphs share at least half their words: an edited paragraph, not a
/// rewritten one. A rewrite is clearer shown whole, and a word diff of it costs the most.
fn alike(a: &str, b: &str) -> bool {
    let words_a: std::collections::HashSet<&str> = a.split_whitespace().collect();
    let count_b = b.split_whitespace().count();
    let shared = b.split_whitespace().filter(|w| words_a.contains(w)).count();
    shared * 2 >= count_b.max(words_a.len())
}

/// A changed passage longer than this (in bytes, either side) is shown as a whole deletion and
/// insertion: word by word, a rewrite that long is unreadable anyway, and slow to compute.
const WORD_DIFF_LIMIT: usize = 3_000;

/// Writes the pending deletion and insertion, with hidden labels for screen readers.
fn flush(
    html: &mut String,
    del: &mut String,
    ins: &mut String,
    deleted: &mut usize,
    inserted: &mut usize,
) {
    let trailing = |s: &str| s[s.trim_end().len()..].to_owned();
    let space = if del.is_empty() {
        trailing(ins)
    } else {
        trailing(del)
    };
    if !del.trim().is_empty() {
        *deleted += del.split_whitespace().count();
        html.push_str(&format!(
            "<del><span class=\"visually-hidden\">[deleted: </span>{}<span class=\"visually-hidden\">]</span></del>",
            escape(del.trim_end())
        ));
    }
    if !ins.trim().is_empty() {
        *inserted += ins.split_whitespace().count();
        html.push_str(&format!(
            "<ins><span class=\"visually-hidden\">[inserted: </span>{}<span class=\"visually-hidden\">]</span></ins>",
            escape(ins.trim_end())
        ));
    }
    html.push_str(&space);
    del.clear();
    ins.clear();
}

/// An unchanged stretch, shortened to the words next to the changes around it.
fn fold(text: &str, change_before: bool, change_after: bool) -> String {
    let words: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
    let keep_head = if change_before { CONTEXT_WORDS } else { 0 };
    let keep_tail = if change_after { CONTEXT_WORDS } else { 0 };
    if words.len() <= keep_head + keep_tail + 10 {
        return escape(text);
    }
    let head: String = words[..keep_head].concat();
    let tail: String = words[words.len() - keep_tail..].concat();
    let hidden_words = words[keep_head..words.len() - keep_tail]
        .iter()
        .filter(|w| !w.trim().is_empty())
        .count();
    format!(
        "{}<span class=\"unchanged\">[… {hidden_words} unchanged words …]</span>\n{}",
        escape(&head),
        escape(&tail)
    )
}

/// The reading text of a version file of the store: its body, without the front matter (the
/// release record has its title), as `reading_text` makes it.
pub fn load_reading_text(store: &Store, path: &str) -> Result<String, Diagnostic> {
    let text = store.read_version(path)?;
    let split = crate::front_matter::split(std::path::Path::new(path), &text)?;
    Ok(reading_text(split.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_text_numbers_headings_and_drops_markup() {
        let body = "Intro with **bold** and a [link](chapter:x).\n\n## First\n\n- one\n- two\n\n### Sub\n\n| A | B |\n|---|---|\n| 1 | 2 |\n";
        assert_eq!(
            reading_text(body),
            "Intro with bold and a link.\n\n1. First\n\n• one\n• two\n\n1.1 Sub\n\nA | B\n1 | 2"
        );
    }

    #[test]
    fn redline_marks_words_and_folds_unchanged_text() {
        let filler: String = (0..200).map(|i| format!("word{i} ")).collect();
        let old = reading_text(&format!("{filler}\n\nThe carer must call within one hour."));
        let new = reading_text(&format!(
            "{filler}\n\nThe carer must call within 30 minutes."
        ));
        let (html, deleted, inserted) = redline(&old, &new);
        assert_eq!((deleted, inserted), (2, 2));
        assert!(html.contains("The carer must call within <del><span class=\"visually-hidden\">[deleted: </span>one hour.<span class=\"visually-hidden\">]</span></del><ins><span class=\"visually-hidden\">[inserted: </span>30 minutes.<span class=\"visually-hidden\">]</span></ins>"), "{html}");
        assert!(html.contains("unchanged words …]"), "{html}");
        assert!(
            html.len() < 2000,
            "unchanged text is folded: {} bytes",
            html.len()
        );
    }

    #[test]
    fn a_rewritten_paragraph_is_shown_whole_not_word_by_word() {
        let old = reading_text(
            "Keep this paragraph.\n\nCarers phone the duty team at once and record the call.\n",
        );
        let new = reading_text(
            "Keep this paragraph.\n\nA manager decides within a day whether a visit is needed.\n",
        );
        let (html, deleted, inserted) = redline(&old, &new);
        assert_eq!((deleted, inserted), (11, 11));
        assert!(
            html.contains(
                "[deleted: </span>Carers phone the duty team at once and record the call.<span"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "[inserted: </span>A manager decides within a day whether a visit is needed.<span"
            ),
            "{html}"
        );
    }
}
