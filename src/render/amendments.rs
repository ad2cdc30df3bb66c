//! Views of the amendment log: the amendments pages (the latest release, one page per month,
//! an archive by year), each chapter's history page with redlines, and the Atom feed.

use rayon::prelude::*;
use serde::Serialize;

use crate::build::History;
use crate::date::PartialDate;
use crate::history::cache;
use crate::history::log::{Log, month_name, months};
use crate::history::{Change, Release, Store};
use crate::model::Manual;

/// A release's line for one chapter, in the Updated / New / Removed tables.
#[derive(Debug, Serialize)]
pub struct AmendmentRow {
    pub id: String,
    pub number: String,
    pub title: String,
    /// None for a removed chapter (or one that no longer has a page).
    pub url: Option<String>,
    pub change: &'static str,
    pub details: String,
}

#[derive(Debug, Serialize)]
pub struct ReleaseView {
    pub date: String,
    pub date_iso: String,
    pub baseline: bool,
    pub count: usize,
    pub updated: Vec<AmendmentRow>,
    pub added: Vec<AmendmentRow>,
    pub removed: Vec<AmendmentRow>,
}

#[derive(Debug, Serialize)]
pub struct MonthView {
    pub key: String,
    pub name: String,
    pub url: String,
    pub releases: Vec<ReleaseView>,
}

#[derive(Debug, Serialize)]
pub struct YearView {
    pub year: String,
    pub months: Vec<MonthLink>,
}

#[derive(Debug, Serialize)]
pub struct MonthLink {
    pub name: String,
    pub url: String,
}

/// One entry of a chapter's "Amendments to this chapter" list and history page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionView {
    pub date: String,
    pub date_iso: String,
    pub change: &'static str,
    pub title: String,
    pub number: String,
    pub summary: String,
    /// The redline from the version before, as HTML.
    pub redline: Option<String>,
    /// "3 words deleted, 1 word inserted."
    pub counts: String,
}

pub fn change_label(change: Change) -> &'static str {
    match change {
        Change::Added => "New",
        Change::Removed => "Removed",
        Change::Moved => "Moved",
        Change::Refreshed => "Refreshed",
        Change::Updated => "Updated",
        Change::Revised => "Revised",
    }
}

fn long_date(release: &Release) -> String {
    PartialDate::from_naive(release.day()).long()
}

/// `root` is the way from the page to the site's root.
pub fn release_view(manual: &Manual, release: &Release, root: &str) -> ReleaseView {
    let mut view = ReleaseView {
        date: long_date(release),
        date_iso: release.date.clone(),
        baseline: release.baseline,
        count: release.chapters.len(),
        updated: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
    };
    for r in &release.chapters {
        let url = manual
            .chapter_by_str(&r.id)
            .filter(|_| r.change != Change::Removed)
            .and_then(|c| {
                c.external_url
                    .clone()
                    .or_else(|| c.page_path().map(|p| format!("{root}{p}")))
            });
        let row = AmendmentRow {
            id: r.id.clone(),
            number: r.number.clone(),
            title: r.title.clone(),
            url,
            change: change_label(r.change),
            details: r.summary.clone(),
        };
        match r.change {
            Change::Added => view.added.push(row),
            Change::Removed => view.removed.push(row),
            _ => view.updated.push(row),
        }
    }
    view
}

/// The months with releases, newest first, each with its releases.
pub fn month_views(manual: &Manual, store: &Store, root: &str) -> Vec<MonthView> {
    months(store)
        .into_iter()
        .map(|(key, indices)| MonthView {
            name: month_name(&key),
            url: format!("{root}amendments/{key}.html"),
            releases: indices
                .iter()
                .map(|&i| release_view(manual, &store.releases[i], root))
                .collect(),
            key,
        })
        .collect()
}

/// Months grouped by year, newest first, for the archive.
pub fn archive(months: &[MonthView]) -> Vec<YearView> {
    let mut years: Vec<YearView> = Vec::new();
    for m in months {
        let year = m.key[..4].to_owned();
        let link = MonthLink {
            name: m.name.clone(),
            url: m.url.clone(),
        };
        match years.last_mut() {
            Some(y) if y.year == year => y.months.push(link),
            _ => years.push(YearView {
                year,
                months: vec![link],
            }),
        }
    }
    years
}

/// A chapter's recorded versions, newest first, each with its redline from the one before.
pub fn version_views(log: &Log, history: &History, id: &str, redlines: bool) -> Vec<VersionView> {
    let entries = log.entries(id);
    let baseline = history
        .store
        .releases
        .first()
        .filter(|r| r.baseline)
        .map(Release::day);
    let mut previous: Option<&str> = None;
    let mut out: Vec<VersionView> = Vec::with_capacity(entries.len());
    for e in entries {
        let r = e.record;
        let found = match (redlines, previous, r.sha256.as_deref()) {
            (true, Some(before), Some(now)) => history.redlines.get(&cache::key(before, now)),
            _ => None,
        };
        if r.version.is_some() {
            previous = r.sha256.as_deref();
        }
        let (redline_html, deleted, inserted) = match found {
            Some(red) => (Some(red.html.clone()), red.deleted, red.inserted),
            None => (None, 0, 0),
        };
        out.push(VersionView {
            date: PartialDate::from_naive(e.date).long(),
            date_iso: e.date.to_string(),
            change: if r.change == Change::Added && Some(e.date) == baseline {
                "First published"
            } else {
                change_label(r.change)
            },
            title: r.title.clone(),
            number: r.number.clone(),
            summary: r.summary.clone(),
            redline: redline_html,
            counts: format!("{} deleted, {} inserted.", words(deleted), words(inserted)),
        });
    }
    out.reverse();
    out
}

fn words(n: usize) -> String {
    if n == 1 {
        "1 word".to_owned()
    } else {
        format!("{n} words")
    }
}

/// Chapters that get a history page: those with at least two versions to compare.
pub fn chapters_with_history<'a>(manual: &'a Manual, log: &Log) -> Vec<&'a str> {
    manual
        .chapters
        .par_iter()
        .filter(|c| c.external_url.is_none() && log.versions(c.id.as_str()).len() > 1)
        .map(|c| c.id.as_str())
        .collect()
}
