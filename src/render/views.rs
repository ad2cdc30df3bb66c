//! What the templates receive: typed, serialisable views of the manual, with every date already
//! worded and every link already relative to the page that shows it.

use serde::Serialize;

use crate::date::PartialDate;
use crate::front_matter::Status;
use crate::markdown::Section;
use crate::model::{Chapter, Manual, PartItem, SeeAlso};

/// What every page knows about the site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteView {
    pub title: String,
    pub organisation: Option<String>,
    pub language: String,
    pub base_url: String,
    pub generated: String,
    pub generator: &'static str,
}

/// A link shown on a page: to a chapter, or out to another site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkView {
    pub title: String,
    pub url: String,
    /// The chapter's number, for chapter links.
    pub number: Option<String>,
    pub description: Option<String>,
    /// True when it leaves the manual.
    pub external: bool,
}

/// A chapter's line on the contents and local resources pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterEntry {
    pub id: String,
    pub number: String,
    pub title: String,
    pub url: String,
    pub external: bool,
    pub local: bool,
    pub intranet_only: bool,
    pub under_review: bool,
    pub draft: bool,
    pub updated: Option<String>,
    pub updated_iso: Option<String>,
    pub see_also: Vec<LinkView>,
    /// "New" or "Updated" within `badge_months` of the latest release.
    pub badge: Option<&'static str>,
}

/// What the release history adds to each chapter, by index in `Manual::chapters`.
#[derive(Debug, Clone, Default)]
pub struct Dates {
    /// The latest release that changed the chapter, else its `updated:`.
    pub updated: Option<PartialDate>,
    pub badge: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemView {
    SubSection {
        number: String,
        title: String,
        anchor: String,
        note: Option<String>,
        see_also: Vec<LinkView>,
        chapters: Vec<ChapterEntry>,
    },
    Chapter(ChapterEntry),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartView {
    pub number: String,
    pub title: String,
    pub anchor: String,
    pub caption: Option<String>,
    pub note: Option<String>,
    pub see_also: Vec<LinkView>,
    pub items: Vec<ItemView>,
}

/// One entry of a chapter's own contents list, with its subsections.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TocEntry {
    pub number: String,
    /// How the number is shown: "6." for a section, "6.2" for a subsection.
    pub label: String,
    pub title: String,
    pub anchor: String,
    pub children: Vec<TocEntry>,
}

/// A chapter page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterView {
    pub id: String,
    pub number: String,
    pub title: String,
    pub summary: Option<String>,
    pub owner: Option<String>,
    pub review_due: Option<String>,
    pub review_overdue: bool,
    pub updated: Option<String>,
    pub updated_iso: Option<String>,
    /// The latest amendment note, for the Amendment box.
    pub amendment: Option<String>,
    /// Every recorded change, newest first.
    pub versions: Vec<super::amendments::VersionView>,
    pub history_url: Option<String>,
    pub local: bool,
    pub intranet_only: bool,
    pub under_review: bool,
    pub draft: bool,
    pub url: String,
    pub breadcrumb: Vec<LinkView>,
    pub toc: Vec<TocEntry>,
    pub body: crate::html::SharedHtml,
    pub see_also: Vec<LinkView>,
    pub previous: Option<LinkView>,
    pub next: Option<LinkView>,
}

/// `root` is the way from the page to the site's root: "" or "../".
pub fn chapter_link(chapter: &Chapter, root: &str) -> LinkView {
    let (url, external) = match (&chapter.external_url, chapter.page_path()) {
        (Some(url), _) => (url.clone(), true),
        (None, Some(page)) => (format!("{root}{page}"), false),
        (None, None) => (String::new(), false),
    };
    LinkView {
        title: chapter.title.clone(),
        url,
        number: Some(chapter.number.to_string()),
        description: None,
        external,
    }
}

pub fn see_also_links(manual: &Manual, list: &[SeeAlso], root: &str) -> Vec<LinkView> {
    list.iter()
        .filter_map(|item| match item {
            SeeAlso::Chapter {
                id, description, ..
            } => {
                let chapter = manual.chapter_by_str(id)?;
                let mut link = chapter_link(chapter, root);
                link.description = description.clone();
                Some(link)
            }
            SeeAlso::External {
                title,
                url,
                description,
            } => Some(LinkView {
                title: title.clone(),
                url: url.clone(),
                number: None,
                description: description.clone(),
                external: true,
            }),
        })
        .collect()
}

pub fn chapter_entry(manual: &Manual, dates: &[Dates], index: usize, root: &str) -> ChapterEntry {
    let chapter = &manual.chapters[index];
    let d = &dates[index];
    let link = chapter_link(chapter, root);
    ChapterEntry {
        id: chapter.id.to_string(),
        number: chapter.number.to_string(),
        title: chapter.title.clone(),
        url: link.url,
        external: link.external,
        local: chapter.local,
        intranet_only: chapter.intranet_only,
        under_review: chapter.status == Status::UnderReview,
        draft: chapter.status == Status::Draft,
        updated: d.updated.map(|d| d.long()),
        updated_iso: d.updated.map(|d| d.to_string()),
        see_also: see_also_links(manual, &chapter.see_also, root),
        badge: d.badge,
    }
}

pub fn part_views(manual: &Manual, dates: &[Dates]) -> Vec<PartView> {
    manual
        .parts
        .iter()
        .map(|part| PartView {
            number: part.number.to_string(),
            title: part.title.clone(),
            anchor: format!("part-{}", part.number),
            caption: part.caption.clone(),
            note: part.note.clone(),
            see_also: see_also_links(manual, &part.see_also, ""),
            items: part
                .items
                .iter()
                .map(|item| match item {
                    PartItem::Chapter(i) => ItemView::Chapter(chapter_entry(manual, dates, *i, "")),
                    PartItem::SubSection(sub) => ItemView::SubSection {
                        number: sub.number.to_string(),
                        title: sub.title.clone(),
                        anchor: format!("section-{}", sub.number.to_string().replace('.', "-")),
                        note: sub.note.clone(),
                        see_also: see_also_links(manual, &sub.see_also, ""),
                        chapters: sub
                            .chapters
                            .iter()
                            .map(|&i| chapter_entry(manual, dates, i, ""))
                            .collect(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Nests `###` subsections under their `##` section.
pub fn toc(sections: &[Section]) -> Vec<TocEntry> {
    let mut out: Vec<TocEntry> = Vec::new();
    for s in sections {
        let label = if s.level == 2
            && !s.number.is_empty()
            && !s.number.contains('.')
            && !s.number.starts_with("Appendix")
        {
            format!("{}.", s.number)
        } else {
            s.number.clone()
        };
        let entry = TocEntry {
            label,
            number: s.number.clone(),
            title: s.title.clone(),
            anchor: s.anchor.clone(),
            children: Vec::new(),
        };
        match (s.level, out.last_mut()) {
            (3, Some(parent)) => parent.children.push(entry),
            _ => out.push(entry),
        }
    }
    out
}
