//! Comparing two versions of one chapter, section by section and link by link, and saying what
//! changed the way an amendment log does ("Section 6, Placements of Children under 13 Years has
//! been updated.").
//!
//! Sections are matched by title (ignoring number, case and punctuation), then by the
//! similarity of their text (a retitled section). Only a section whose own words changed is
//! reported, so sections that merely moved or were renumbered are not. Word diffs use `similar`
//! with a deadline, so pathological input cannot hang a release.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};

use crate::diagnostic::Diagnostic;
use crate::front_matter;
use crate::outline::{markdown_options, outline};

/// How long one word diff may take before `similar` settles for a coarser answer.
const DIFF_DEADLINE: Duration = Duration::from_millis(250);

/// One version of a chapter: its title and Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub title: String,
    pub body: String,
}

impl Version {
    /// Reads a chapter file, with or without front matter. The title is the front matter's
    /// `title`, else the first `#` heading, which is then not part of the body.
    pub fn parse(path: &Path, text: &str) -> Result<Version, Diagnostic> {
        let split = front_matter::split(path, text)?;
        let mut title = None;
        if let Some(yaml) = split.yaml {
            #[derive(serde::Deserialize)]
            struct TitleOnly {
                title: Option<String>,
            }
            // Only the title matters here; other keys (even unknown ones) are not checked.
            let meta: TitleOnly = front_matter::parse_yaml(path, yaml, split.yaml_line, text)?;
            title = meta.title.map(|t| t.trim().to_owned());
        }
        let mut body = split.body.to_owned();
        if title.is_none()
            && let Some((heading, rest)) = first_h1(split.body)
        {
            title = Some(heading);
            body = rest;
        }
        Ok(Version {
            title: title.unwrap_or_default(),
            body,
        })
    }
}

/// The first `# Title` line, and the body without it.
fn first_h1(body: &str) -> Option<(String, String)> {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(title) = trimmed.strip_prefix("# ") {
            let rest = format!("{}{}", &body[..offset], &body[offset + line.len()..]);
            return Some((title.trim().to_owned(), rest));
        }
        if !trimmed.is_empty() {
            return None;
        }
        offset += line.len();
    }
    None
}

/// What a change amounts to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Unchanged,
    Refreshed,
    Updated,
    Revised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionChangeKind {
    Added,
    Removed,
    Updated,
    Retitled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionChange {
    pub change: SectionChangeKind,
    /// The number in the new version (in the old one for a removed section).
    pub number: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub text: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedLink {
    pub text: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinkChanges {
    pub added: Vec<Link>,
    pub removed: Vec<Link>,
    pub changed: Vec<ChangedLink>,
}

impl LinkChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The comparison of two versions, as `procbook diff --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterDiff {
    pub kind: Kind,
    pub title: String,
    pub retitled_from: Option<String>,
    pub changed_ratio: f64,
    pub sections: Vec<SectionChange>,
    pub links: LinkChanges,
    pub summary: String,
    /// The text before the first section changed (said in the summary, not a section).
    #[serde(skip)]
    pub intro_changed: bool,
}

/// When a change is a refresh, an update or a revision. Set in `manual.yaml` under `amendments:`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A refresh may change this many words...
    pub refresh_words: usize,
    /// ...or this fraction of the chapter's words, whichever is more.
    pub refresh_fraction: f64,
    /// A change of at least this share of the words is a revision.
    pub revise_ratio: f64,
    /// As is removing or updating more than this share of the old version's sections.
    pub revise_sections: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            refresh_words: 3,
            refresh_fraction: 0.01,
            revise_ratio: 0.4,
            revise_sections: 0.5,
        }
    }
}

/// A section of one version, ready to compare.
struct Side {
    level: u8,
    number: String,
    title: String,
    key: String,
    words: Vec<String>,
}

/// Compares two versions of a chapter.
pub fn diff(old: &Version, new: &Version, thresholds: &Thresholds) -> ChapterDiff {
    let retitled_from = (old.title.trim() != new.title.trim()).then(|| old.title.clone());
    if retitled_from.is_none() && squash(&old.body) == squash(&new.body) {
        let mut d = ChapterDiff {
            kind: Kind::Unchanged,
            title: new.title.clone(),
            retitled_from: None,
            changed_ratio: 0.0,
            sections: Vec::new(),
            links: LinkChanges::default(),
            summary: String::new(),
            intro_changed: false,
        };
        d.summary = summary(&d, None);
        return d;
    }

    let (old_intro, old_sections) = sides(&old.body);
    let (new_intro, new_sections) = sides(&new.body);
    let (sections, old_changed) = match_sections(&old_sections, &new_sections);
    let links = link_changes(&old.body, &new.body);

    let raw_old: Vec<&str> = old.body.split_whitespace().collect();
    let raw_new: Vec<&str> = new.body.split_whitespace().collect();
    let changed_ratio = changed_ratio(&raw_old, &raw_new);

    let norm_old = words(&old.body);
    let norm_new = words(&new.body);
    let changed_words = changed_words(&norm_old, &norm_new);
    let allowance = thresholds
        .refresh_words
        .max((thresholds.refresh_fraction * norm_old.len().max(norm_new.len()) as f64) as usize);
    let structural = sections
        .iter()
        .any(|s| s.change != SectionChangeKind::Updated);
    let kind =
        if retitled_from.is_none() && changed_words <= allowance && !structural && links.is_empty()
        {
            Kind::Refreshed
        } else if changed_ratio >= thresholds.revise_ratio
            || (!old_sections.is_empty()
                && old_changed as f64 > thresholds.revise_sections * old_sections.len() as f64)
        {
            Kind::Revised
        } else {
            Kind::Updated
        };
    let (sections, intro_changed) = if kind == Kind::Refreshed {
        (Vec::new(), false)
    } else {
        (sections, old_intro != new_intro)
    };
    let mut d = ChapterDiff {
        kind,
        title: new.title.clone(),
        retitled_from,
        changed_ratio: (changed_ratio * 1000.0).round() / 1000.0,
        sections,
        links,
        summary: String::new(),
        intro_changed,
    };
    d.summary = summary(&d, None);
    d
}

/// Whitespace and line endings folded, for "unchanged".
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words for comparing meaning: lower case, without punctuation or Markdown markup.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A title compared by its words only: "6. Placements of Children under 13 Years" matches
/// "placements of children under 13 years".
fn title_key(title: &str) -> String {
    words(title).join(" ")
}

fn sides(body: &str) -> (Vec<String>, Vec<Side>) {
    let o = outline(body);
    let intro = words(&body[o.intro.clone()]);
    let sections = o
        .sections
        .into_iter()
        .map(|s| Side {
            level: s.level,
            key: title_key(&s.title),
            words: words(&body[s.own_text]),
            number: s.number,
            title: s.title,
        })
        .collect();
    (intro, sections)
}

/// Matches sections across versions; returns the reported changes (in the new version's
/// order, removed ones last) and how many of the old version's sections were removed or updated.
fn match_sections(old: &[Side], new: &[Side]) -> (Vec<SectionChange>, usize) {
    let mut old_for_new: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; old.len()];
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in old.iter().enumerate().rev() {
        by_key.entry(s.key.as_str()).or_default().push(i);
    }
    for (j, s) in new.iter().enumerate() {
        if let Some(i) = by_key.get_mut(s.key.as_str()).and_then(Vec::pop) {
            old_for_new[j] = Some(i);
            taken[i] = true;
        }
    }
    // Unmatched sections are paired by how alike their text is: a retitled section.
    let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
    for (j, s) in new
        .iter()
        .enumerate()
        .filter(|(j, _)| old_for_new[*j].is_none())
    {
        for (i, o) in old.iter().enumerate().filter(|(i, _)| !taken[*i]) {
            if o.level != s.level || o.words.is_empty() || s.words.is_empty() {
                continue;
            }
            let score = similarity(&o.words, &s.words);
            if score >= 0.5 {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut retitled = vec![false; new.len()];
    for (_, i, j) in candidates {
        if !taken[i] && old_for_new[j].is_none() {
            taken[i] = true;
            old_for_new[j] = Some(i);
            retitled[j] = true;
        }
    }

    let mut changes = Vec::new();
    let mut old_changed = 0;
    for (j, s) in new.iter().enumerate() {
        let change = match old_for_new[j] {
            None => Some((SectionChangeKind::Added, None)),
            Some(i) if retitled[j] => {
                Some((SectionChangeKind::Retitled, Some(old[i].title.clone())))
            }
            Some(i) if old[i].words != s.words => {
                old_changed += 1;
                Some((SectionChangeKind::Updated, None))
            }
            Some(_) => None,
        };
        if let Some((change, previous_title)) = change {
            changes.push(SectionChange {
                change,
                number: s.number.clone(),
                title: s.title.clone(),
                previous_title,
            });
        }
    }
    for (i, o) in old.iter().enumerate().filter(|(i, _)| !taken[*i]) {
        let _ = i;
        old_changed += 1;
        changes.push(SectionChange {
            change: SectionChangeKind::Removed,
            number: o.number.clone(),
            title: o.title.clone(),
            previous_title: None,
        });
    }
    (changes, old_changed)
}

fn diff_ops<T: Eq + std::hash::Hash>(old: &[T], new: &[T]) -> Vec<DiffOp> {
    capture_diff_slices_deadline(
        Algorithm::Myers,
        old,
        new,
        Some(Instant::now() + DIFF_DEADLINE),
    )
}

/// 0 (nothing alike) to 1 (the same words).
fn similarity(old: &[String], new: &[String]) -> f32 {
    similar::diff_ratio(&diff_ops(old, new), old.len(), new.len())
}

/// (words deleted + words inserted) / (words in old + words in new).
fn changed_ratio(old: &[&str], new: &[&str]) -> f64 {
    let total = old.len() + new.len();
    if total == 0 {
        return 0.0;
    }
    let changed: usize = diff_ops(old, new)
        .iter()
        .map(|op| match *op {
            DiffOp::Equal { .. } => 0,
            DiffOp::Delete { old_len, .. } => old_len,
            DiffOp::Insert { new_len, .. } => new_len,
            DiffOp::Replace {
                old_len, new_len, ..
            } => old_len + new_len,
        })
        .sum();
    changed as f64 / total as f64
}

/// Words changed, counting a replaced word once.
fn changed_words(old: &[String], new: &[String]) -> usize {
    diff_ops(old, new)
        .iter()
        .map(|op| match *op {
            DiffOp::Equal { .. } => 0,
            DiffOp::Delete { old_len, .. } => old_len,
            DiffOp::Insert { new_len, .. } => new_len,
            DiffOp::Replace {
                old_len, new_len, ..
            } => old_len.max(new_len),
        })
        .sum()
}

/// The Markdown links of a body, in order: (text, url).
pub fn links(body: &str) -> Vec<Link> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new_ext(body, markdown_options()) {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                current = Some((String::new(), dest_url.to_string()))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((text, _)) = &mut current {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Link) => {
                if let Some((text, url)) = current.take() {
                    out.push(Link {
                        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                        url,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Links matched by their text: the same text with another address is a changed link.
fn link_changes(old: &str, new: &str) -> LinkChanges {
    let old = links(old);
    let new = links(new);
    let mut out = LinkChanges::default();
    let group = |list: &[Link]| {
        let mut m: Vec<(String, Vec<String>)> = Vec::new();
        for l in list {
            match m.iter_mut().find(|(t, _)| *t == l.text) {
                Some((_, urls)) => {
                    if !urls.contains(&l.url) {
                        urls.push(l.url.clone());
                    }
                }
                None => m.push((l.text.clone(), vec![l.url.clone()])),
            }
        }
        m
    };
    let old_groups = group(&old);
    let new_groups = group(&new);
    for (text, new_urls) in &new_groups {
        match old_groups.iter().find(|(t, _)| t == text) {
            None => out.added.extend(new_urls.iter().map(|u| Link {
                text: text.clone(),
                url: u.clone(),
            })),
            Some((_, old_urls)) => {
                let gone: Vec<&String> =
                    old_urls.iter().filter(|u| !new_urls.contains(u)).collect();
                let came: Vec<&String> =
                    new_urls.iter().filter(|u| !old_urls.contains(u)).collect();
                if gone.len() == 1 && came.len() == 1 {
                    out.changed.push(ChangedLink {
                        text: text.clone(),
                        from: gone[0].clone(),
                        to: came[0].clone(),
                    });
                } else {
                    out.removed.extend(gone.into_iter().map(|u| Link {
                        text: text.clone(),
                        url: u.clone(),
                    }));
                    out.added.extend(came.into_iter().map(|u| Link {
                        text: text.clone(),
                        url: u.clone(),
                    }));
                }
            }
        }
    }
    for (text, old_urls) in &old_groups {
        if !new_groups.iter().any(|(t, _)| t == text) {
            out.removed.extend(old_urls.iter().map(|u| Link {
                text: text.clone(),
                url: u.clone(),
            }));
        }
    }
    out
}

/// "Section 6, Placements of Children under 13 Years", "Appendix 1, Forms".
fn section_name(number: &str, title: &str) -> String {
    match number {
        "" => format!("the section {title}"),
        n if n.starts_with("Appendix") => format!("{n}, {title}"),
        n => format!("Section {n}, {title}"),
    }
}

/// "A, B and C".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The amendment note for a diff. `month` ("July 2024") is given for a release.
pub fn summary(d: &ChapterDiff, month: Option<&str>) -> String {
    let when = month.map(|m| format!(" in {m}")).unwrap_or_default();
    let mut out: Vec<String> = vec![match d.kind {
        Kind::Unchanged => "This chapter has not changed.".to_owned(),
        Kind::Refreshed => format!("This chapter was refreshed{when}."),
        Kind::Updated => format!("This chapter was updated{when}."),
        Kind::Revised => match month {
            Some(m) => {
                format!("This chapter was extensively revised in {m} and should be re-read.")
            }
            None => "This chapter has been extensively revised and should be re-read.".to_owned(),
        },
    }];
    if let Some(previous) = &d.retitled_from {
        out.push(format!(
            "This chapter has been re-titled (previously called {previous})."
        ));
    }
    let of = |kind| d.sections.iter().filter(move |s| s.change == kind);
    for s in of(SectionChangeKind::Added) {
        out.push(format!(
            "A new {} was added.",
            section_name(&s.number, &s.title)
        ));
    }
    for s in of(SectionChangeKind::Retitled) {
        let name = if s.number.is_empty() {
            "A section".to_owned()
        } else {
            format!("Section {}", s.number)
        };
        out.push(format!(
            "{name} has been re-titled {} (previously {}).",
            s.title,
            s.previous_title.as_deref().unwrap_or_default()
        ));
    }
    if d.intro_changed {
        out.push("The introduction has been updated.".to_owned());
    }
    let names = |kind| {
        of(kind)
            .map(|s| section_name(&s.number, &s.title))
            .collect::<Vec<_>>()
    };
    for (kind, verb) in [
        (SectionChangeKind::Updated, "updated"),
        (SectionChangeKind::Removed, "removed"),
    ] {
        let list = names(kind);
        if !list.is_empty() {
            let have = if list.len() == 1 { "has" } else { "have" };
            out.push(format!(
                "{} {have} been {verb}.",
                capitalise(&join_and(&list))
            ));
        }
    }
    let l = &d.links;
    if l.removed.len() == 1 && l.added.len() == 1 {
        out.push(format!(
            "The link to {} has been removed and replaced with a link to {}.",
            l.removed[0].text, l.added[0].text
        ));
    } else {
        for a in &l.added {
            out.push(format!("A link was added to {}.", a.text));
        }
        for r in &l.removed {
            out.push(format!("The link to {} has been removed.", r.text));
        }
    }
    for c in &l.changed {
        out.push(format!("The link to {} has been updated.", c.text));
    }
    out.join(" ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(title: &str, body: &str) -> Version {
        Version {
            title: title.into(),
            body: body.into(),
        }
    }

    fn d(old: &Version, new: &Version) -> ChapterDiff {
        diff(old, new, &Thresholds::default())
    }

    const BASE: &str = "Intro text for the chapter.\n\n## Introduction\n\nThis chapter explains the procedure for placements and how managers approve them in every case.\n\n## Placements of Children under 13 Years\n\nA child under 13 is placed in residential care only with the Director's approval, recorded on the file.\n\n### Consent\n\nConsent of the parents is sought and recorded unless it would place the child at risk of harm.\n\n## Recording\n\nRecord every decision on the child's file within one working day, see [Case Management Guidance](https://example.org/cmg).\n";

    #[test]
    fn the_same_text_is_unchanged_whatever_the_whitespace() {
        let r = d(
            &v("T", BASE),
            &v("T", &BASE.replace('\n', "\r\n").replace(". ", ".  ")),
        );
        assert_eq!(r.kind, Kind::Unchanged);
        assert_eq!(r.summary, "This chapter has not changed.");
    }

    #[test]
    fn punctuation_and_a_word_or_two_is_a_refresh_with_no_sections() {
        let new = BASE
            .replace("within one working day", "within one working day.")
            .replace("every case", "each case");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(r.kind, Kind::Refreshed);
        assert!(r.sections.is_empty());
        assert_eq!(r.summary, "This chapter was refreshed.");
    }

    #[test]
    fn a_change_inside_a_subsection_reports_the_subsection() {
        let new = BASE.replace("unless it would place the child at risk of harm", "in writing, and the social worker explains the placement plan to them in person unless it would place the child at risk");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(r.kind, Kind::Updated);
        assert_eq!(
            r.sections,
            [SectionChange {
                change: SectionChangeKind::Updated,
                number: "2.1".into(),
                title: "Consent".into(),
                previous_title: None
            }]
        );
        assert_eq!(
            r.summary,
            "This chapter was updated. Section 2.1, Consent has been updated."
        );
    }

    #[test]
    fn an_inserted_section_is_added_and_the_renumbered_ones_are_not_reported() {
        let new = BASE.replace("## Recording", "## Death of a Care Leaver\n\nThe death of a care leaver up to the age of 25 is notified to the Director the same day.\n\n## Recording");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(r.sections.len(), 1, "{:?}", r.sections);
        assert_eq!(r.sections[0].change, SectionChangeKind::Added);
        assert_eq!(r.sections[0].number, "3");
        assert_eq!(
            r.summary,
            "This chapter was updated. A new Section 3, Death of a Care Leaver was added."
        );
    }

    #[test]
    fn a_retitled_section_is_matched_by_its_text() {
        let new = BASE.replace("## Recording", "## Recording Decisions");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(
            r.sections,
            [SectionChange {
                change: SectionChangeKind::Retitled,
                number: "3".into(),
                title: "Recording Decisions".into(),
                previous_title: Some("Recording".into())
            }]
        );
        assert!(
            r.summary.contains(
                "Section 3 has been re-titled Recording Decisions (previously Recording)."
            ),
            "{}",
            r.summary
        );
    }

    #[test]
    fn a_removed_section_is_named_with_its_old_number() {
        let start = BASE.find("## Placements").unwrap();
        let end = BASE.find("## Recording").unwrap();
        let new = format!("{}{}", &BASE[..start], &BASE[end..]);
        let r = d(&v("T", BASE), &v("T", &new));
        assert!(
            r.sections.contains(&SectionChange {
                change: SectionChangeKind::Removed,
                number: "2".into(),
                title: "Placements of Children under 13 Years".into(),
                previous_title: None
            }),
            "{:?}",
            r.sections
        );
        assert!(r.summary.contains("Section 2, Placements of Children under 13 Years and Section 2.1, Consent have been removed."), "{}", r.summary);
    }

    #[test]
    fn links_are_matched_by_text() {
        let new = BASE.replace("https://example.org/cmg", "https://example.org/cmg-2024");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(
            r.links.changed,
            [ChangedLink {
                text: "Case Management Guidance".into(),
                from: "https://example.org/cmg".into(),
                to: "https://example.org/cmg-2024".into()
            }]
        );
        assert_eq!(
            r.kind,
            Kind::Updated,
            "a link change is never a mere refresh"
        );
        assert!(
            r.summary
                .ends_with("The link to Case Management Guidance has been updated."),
            "{}",
            r.summary
        );
        let replaced = d(
            &v("T", BASE),
            &v(
                "T",
                &BASE.replace(
                    "[Case Management Guidance](https://example.org/cmg)",
                    "[Recording Standards](https://example.org/rs)",
                ),
            ),
        );
        assert!(replaced.summary.contains("The link to Case Management Guidance has been removed and replaced with a link to Recording Standards."), "{}", replaced.summary);
    }

    #[test]
    fn a_rewrite_is_revised_and_should_be_re_read() {
        let new = "## Introduction\n\nEverything here is new text about a wholly different process for deciding placements.\n\n## Process\n\nManagers decide on the day and write the reasons down.\n";
        let r = d(&v("T", BASE), &v("T", new));
        assert_eq!(r.kind, Kind::Revised);
        assert!(r.changed_ratio >= 0.4);
        assert!(
            r.summary
                .starts_with("This chapter has been extensively revised and should be re-read.")
        );
    }

    #[test]
    fn a_new_title_is_reported() {
        let r = d(
            &v("Overnight Stays and Social Visits", BASE),
            &v("Social Visits", BASE),
        );
        assert_eq!(
            r.retitled_from.as_deref(),
            Some("Overnight Stays and Social Visits")
        );
        assert_eq!(r.kind, Kind::Updated);
        assert!(r.summary.contains(
            "This chapter has been re-titled (previously called Overnight Stays and Social Visits)."
        ));
    }

    #[test]
    fn release_wording_has_the_month() {
        let new = BASE.replace("## Recording", "## Death of a Care Leaver\n\nThe death of a care leaver is notified the same day to the Director and Ofsted.\n\n## Recording");
        let r = d(&v("T", BASE), &v("T", &new));
        assert_eq!(
            summary(&r, Some("July 2024")),
            "This chapter was updated in July 2024. A new Section 3, Death of a Care Leaver was added."
        );
    }

    #[test]
    fn title_comes_from_front_matter_or_the_first_heading() {
        let a = Version::parse(
            Path::new("a.md"),
            "---\ntitle: From YAML\nowner: X\n---\nBody\n",
        )
        .unwrap();
        assert_eq!(a.title, "From YAML");
        let b = Version::parse(Path::new("b.md"), "\n# From Heading\n\nBody\n").unwrap();
        assert_eq!(b.title, "From Heading");
        assert_eq!(b.body.trim(), "Body");
    }

    #[test]
    fn a_pathological_diff_finishes() {
        let old: String = (0..10_000).map(|i| format!("w{} ", i % 7)).collect();
        let new: String = (0..10_000).map(|i| format!("w{} ", i % 11)).collect();
        let r = d(&v("T", &old), &v("T", &new));
        assert!(r.changed_ratio > 0.0);
    }
}
