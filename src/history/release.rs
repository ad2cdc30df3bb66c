//! Planning a release: every chapter compared with its last released version, giving what the
//! release records (new, changed, refreshed, moved, removed) and each change's amendment note.
//! Planning is pure; `Store::commit` writes the result.

use std::collections::HashSet;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::diff::{Kind, Thresholds, Version, diff, summary};
use super::store::{Change, Record, Release, Store, sha256_hex};
use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use crate::model::{Chapter, Manual, PartItem, order_prefix};

/// A release ready to be written: its record and the version files it adds.
#[derive(Debug, Clone)]
pub struct Plan {
    pub release: Release,
    /// (path relative to `history/`, text).
    pub versions: Vec<(String, String)>,
    /// Things the author should know before recording, such as an id that seems to have changed.
    pub warnings: Vec<Diagnostic>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.release.chapters.is_empty()
    }
}

/// Compares the manual with the store and plans the release of `date`.
pub fn plan(
    manual: &Manual,
    store: &Store,
    date: NaiveDate,
    thresholds: &Thresholds,
) -> Result<Plan, Vec<Diagnostic>> {
    if let Some(last) = store.latest_date()
        && date <= last
    {
        return Err(vec![
            Diagnostic::error(
                "history/releases",
                format!("the last release was on {last}, so a new release must be dated after it, not {date}"),
            )
            .with_help("leave out --date to release today, or give a later date"),
        ]);
    }
    let month = PartialDate::from_naive(date).month_year();
    let baseline = store.releases.is_empty();
    let known = store.chapters();
    let context = Context {
        manual,
        store,
        known: &known,
        date,
        month: &month,
        baseline,
        thresholds,
    };
    let mut records = Vec::new();
    let mut versions = Vec::new();
    let mut problems = Vec::new();

    // Each chapter compared with its last version on its own, in parallel (a release after
    // every chapter changed compares them all), then taken in the manual's order.
    let outcomes: Vec<Outcome> = manual
        .chapters
        .par_iter()
        .map(|chapter| plan_chapter(chapter, &context))
        .collect();
    for outcome in outcomes {
        match outcome {
            Outcome::Unchanged => {}
            Outcome::Problem(d) => problems.push(d),
            Outcome::Recorded { record, version } => {
                versions.extend(version);
                records.push(record);
            }
        }
    }

    let present: HashSet<String> = manual.chapters.iter().map(|c| c.id.to_string()).collect();
    let mut removed: Vec<(&String, &super::store::ChapterState)> = known
        .iter()
        .filter(|(id, s)| !s.removed && !present.contains(*id))
        .collect();
    removed.sort_by_key(|(id, s)| (s.number.parse::<crate::model::Number>().ok(), (*id).clone()));
    for (id, state) in removed {
        records.push(Record {
            id: id.clone(),
            change: Change::Removed,
            title: state.title.clone(),
            number: state.number.clone(),
            place: state.place.clone(),
            place_title: String::new(),
            moved_from: None,
            retitled_from: None,
            change_note: None,
            summary: format!("This chapter was removed from the manual in {month}."),
            version: None,
            sha256: None,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let warnings = changed_ids(manual, &records);
    Ok(Plan {
        warnings,
        release: Release {
            date: date.to_string(),
            baseline,
            chapters: records,
        },
        versions,
    })
}

/// What a release is planned against: the manual, the store and what it knows, the date.
struct Context<'a> {
    manual: &'a Manual,
    store: &'a Store,
    known: &'a std::collections::HashMap<String, super::store::ChapterState>,
    date: NaiveDate,
    month: &'a str,
    baseline: bool,
    thresholds: &'a Thresholds,
}

/// What a release makes of one chapter.
enum Outcome {
    /// Nothing to record.
    Unchanged,
    /// Its record, and the version file it adds (path relative to `history/`, text), if any.
    Recorded {
        record: Record,
        version: Option<(String, String)>,
    },
    /// Its last version cannot be read.
    Problem(Diagnostic),
}

/// One chapter compared with its last released version.
fn plan_chapter(chapter: &Chapter, context: &Context) -> Outcome {
    let Context {
        manual,
        store,
        known,
        date,
        month,
        baseline,
        thresholds,
    } = *context;
    let id = chapter.id.to_string();
    let (place, place_title) = place_of(manual, chapter);
    let version_path = format!("versions/{id}/{date}.md");
    let note = chapter
        .change_note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let mut record = Record {
        id: id.clone(),
        change: Change::Added,
        title: chapter.title.clone(),
        number: chapter.number.to_string(),
        place,
        place_title,
        moved_from: None,
        retitled_from: None,
        change_note: note.map(str::to_owned),
        summary: String::new(),
        version: Some(version_path.clone()),
        sha256: Some(sha256_hex(chapter.source.as_bytes())),
    };
    let previous = known.get(&id).filter(|s| !s.removed);
    match previous {
        None => {
            let text = if baseline {
                format!("This chapter was published in {month}.")
            } else {
                format!("This chapter was added in {month}.")
            };
            record.summary = with_note(note, text);
        }
        Some(state) => {
            let Some(old_text) = state.version.as_deref().map(|v| store.read_version(v)) else {
                return Outcome::Problem(
                    Diagnostic::error(
                        "history",
                        format!("the store has no version of `{id}` to compare with"),
                    )
                    .with_help(super::store::DAMAGED_HELP),
                );
            };
            // The same file in the same place records nothing (unless its note is new),
            // so there is nothing to compare: this keeps `check` and `release` quick.
            if old_text.as_ref().is_ok_and(|t| **t == *chapter.source)
                && state.place == record.place
                && (note.is_none() || note == state.change_note.as_deref())
            {
                return Outcome::Unchanged;
            }
            let old = match old_text.and_then(|t| {
                Version::parse(
                    std::path::Path::new(state.version.as_deref().unwrap_or_default()),
                    &t,
                )
            }) {
                Ok(v) => v,
                Err(d) => return Outcome::Problem(d),
            };
            let new = Version {
                title: chapter.title.clone(),
                body: chapter.body().to_owned(),
            };
            let d = diff(&old, &new, thresholds);
            let moved = state.place != record.place;
            let note_changed = note != state.change_note.as_deref();
            let fresh_note = note.filter(|_| note_changed);
            let moved_text = format!(
                "moved to {} (previously numbered {}, now {})",
                record.place_title, state.number, record.number
            );
            match d.kind {
                Kind::Unchanged if note_changed && note.is_some() => {
                    record.change = Change::Refreshed;
                    record.summary =
                        with_note(note, format!("This chapter was refreshed in {month}."));
                }
                Kind::Unchanged if moved => {
                    record.change = Change::Moved;
                    record.moved_from = Some(state.number.clone());
                    record.version = None;
                    record.sha256 = None;
                    record.change_note = None;
                    record.summary = format!("This chapter was {moved_text} in {month}.");
                }
                Kind::Unchanged => return Outcome::Unchanged,
                kind => {
                    record.change = match kind {
                        Kind::Refreshed => Change::Refreshed,
                        Kind::Revised => Change::Revised,
                        _ => Change::Updated,
                    };
                    record.retitled_from.clone_from(&d.retitled_from);
                    let mut text = summary(&d, Some(month));
                    if moved {
                        record.moved_from = Some(state.number.clone());
                        text.push_str(&format!(" It has also been {moved_text}."));
                    }
                    record.summary = with_note(fresh_note, text);
                }
            }
        }
    }
    let version = record
        .version
        .is_some()
        .then(|| (version_path, chapter.source.to_string()));
    Outcome::Recorded { record, version }
}

/// A chapter recorded as new while one of the same title is recorded as removed has most
/// likely had its id changed, which would cut it off from its history.
fn changed_ids(manual: &Manual, records: &[Record]) -> Vec<Diagnostic> {
    let removed: Vec<&Record> = records
        .iter()
        .filter(|r| r.change == Change::Removed)
        .collect();
    records
        .iter()
        .filter(|r| r.change == Change::Added)
        .filter_map(|added| {
            let old = removed.iter().find(|r| r.title.trim().eq_ignore_ascii_case(added.title.trim()))?;
            let chapter = manual.chapter_by_str(&added.id)?;
            Some(
                Diagnostic::warning(
                    &chapter.path,
                    format!(
                        "this chapter has the id `{}`, but the last release had a chapter of the same title with the id `{}`: it will be recorded as a new chapter, and `{}` as removed",
                        added.id, old.id, old.id
                    ),
                )
                .with_help(format!(
                    "to keep its history, add `id: {}` to its front matter (or rename the file back); if it really is a new chapter, release as it is",
                    old.id
                )),
            )
        })
        .collect()
}

/// The author's change note, then the generated note.
fn with_note(note: Option<&str>, text: String) -> String {
    match note {
        Some(n) => {
            let n = n.trim();
            let stop = if n.ends_with(['.', '!', '?']) {
                ""
            } else {
                "."
            };
            format!("{n}{stop} {text}")
        }
        None => text,
    }
}

/// A chapter's place, as a key (its folders' names without prefixes: moving it to another
/// folder changes this, renumbering does not) and as readers know it.
fn place_of(manual: &Manual, chapter: &Chapter) -> (String, String) {
    let folders: Vec<&str> = chapter
        .path
        .parent()
        .map(|p| {
            p.components()
                .skip(1)
                .filter_map(|c| c.as_os_str().to_str())
                .collect()
        })
        .unwrap_or_default();
    let key = folders
        .iter()
        .map(|f| order_prefix(f).1)
        .collect::<Vec<_>>()
        .join("/");
    let part = &manual.parts[chapter.part];
    let mut title = format!("{}. {}", part.number, part.title);
    if let Some(PartItem::SubSection(sub)) = chapter.sub_section.map(|i| &part.items[i]) {
        title = format!("{} {}", sub.number, sub.title);
    }
    (key, title)
}
