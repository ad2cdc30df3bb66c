//! Rendering the manual into the site's files, in memory: the contents page, one page per
//! chapter, the glossary and local resources pages, and the theme's assets. Only `write`
//! touches the disk.

mod amendments;
mod theme;
mod views;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use rayon::prelude::*;
use serde::Serialize;

pub use theme::{THEMES_DIR, Theme, template_error};
pub use views::{ChapterView, LinkView, SiteView};

use crate::build::History;
use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use crate::front_matter::Status;
use crate::glossary::Entry;
use crate::history::log::{Badge, Log};
use crate::markdown::Rendered;
use crate::model::{Chapter, Manual};
use amendments::{
    MonthView, VersionView, YearView, archive, chapters_with_history, month_views, version_views,
};
use views::{
    ChapterEntry, Dates, PartView, chapter_entry, chapter_link, part_views, see_also_links, toc,
};

/// One file of the built site. `path` is relative to the output folder, with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Shared, so that a rebuild can reuse an unchanged page without copying it.
    pub bytes: bytes::Bytes,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<bytes::Bytes>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// What a build knows beyond the manual: the day it runs.
#[derive(Debug, Clone, Copy)]
pub struct RenderInfo {
    pub today: chrono::NaiveDate,
}

#[derive(Serialize)]
struct IndexPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    parts: &'a [PartView],
}

#[derive(Serialize)]
struct ChapterPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    chapter: ChapterView,
}

#[derive(Serialize)]
struct GlossaryPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    groups: Vec<LetterGroup<'a>>,
}

/// The glossary's entries under one initial letter.
#[derive(Serialize)]
struct LetterGroup<'a> {
    letter: String,
    entries: Vec<&'a Entry>,
}

#[derive(Serialize)]
struct LocalPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    chapters: &'a [ChapterEntry],
}

#[derive(Serialize)]
struct AmendmentsPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    /// The month shown in full: the latest on the index page.
    month: Option<&'a MonthView>,
    is_index: bool,
    archive: &'a [YearView],
    next_update: Option<String>,
}

#[derive(Serialize)]
struct HistoryPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
    chapter: LinkView,
    versions: Vec<VersionView>,
}

#[derive(Serialize)]
struct Feed<'a> {
    site: &'a SiteView,
    updated: String,
    months: &'a [MonthView],
}

#[derive(Serialize)]
struct PlainPage<'a> {
    site: &'a SiteView,
    root: &'static str,
    page_title: String,
}

/// What `render_site` keeps from one build for the next (`serve` passes one): each chapter
/// page's view and bytes, reused while the templates and the site-wide view are unchanged,
/// since a page is a function of its template and its view alone.
#[derive(Default)]
pub struct PageMemo {
    theme: u64,
    site: Option<SiteView>,
    chapters: HashMap<String, (ChapterView, Bytes)>,
    /// The other pages that are costly to render, by path: what they show, and their bytes.
    others: HashMap<String, (Box<dyn Any + Send + Sync>, Bytes)>,
}

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageMemo")
            .field("chapters", &self.chapters.len())
            .field("others", &self.others.len())
            .finish()
    }
}

/// A page's bytes from the memo when what it shows (`key`) is unchanged, else rendered.
/// Records the key and bytes in `fresh` for the next build.
fn reuse_or_render<K: PartialEq + Send + Sync + 'static>(
    previous: Option<&PageMemo>,
    fresh: &mut Vec<(String, Box<dyn Any + Send + Sync>, Bytes)>,
    path: &str,
    key: K,
    render: impl FnOnce(&K) -> Result<OutputFile, Diagnostic>,
) -> Result<OutputFile, Diagnostic> {
    if let Some((old, bytes)) = previous.and_then(|m| m.others.get(path))
        && old.downcast_ref::<K>() == Some(&key)
    {
        let file = OutputFile::new(path, bytes.clone());
        fresh.push((path.to_owned(), Box::new(key), bytes.clone()));
        return Ok(file);
    }
    let file = render(&key)?;
    fresh.push((path.to_owned(), Box::new(key), file.bytes.clone()));
    Ok(file)
}

/// Renders every page of the site. `rendered[i]` is the body of `manual.chapters[i]`.
pub fn render_site(
    manual: &Manual,
    rendered: &[Arc<Rendered>],
    history: &History,
    theme: &Theme,
    info: RenderInfo,
    memo: Option<&mut PageMemo>,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let site = site_view(manual, info);
    let log = Log::new(&history.store);
    let dates: Vec<Dates> = manual
        .chapters
        .iter()
        .map(|c| Dates {
            updated: log
                .last_updated(c.id.as_str())
                .map(PartialDate::from_naive)
                .or(c.updated),
            badge: log
                .badge(c.id.as_str(), manual.config.badge_months)
                .map(|b| match b {
                    Badge::New => "New",
                    Badge::Updated => "Updated",
                }),
        })
        .collect();
    let pages = Pages {
        theme,
        theme_name: &manual.config.theme,
    };
    let render = |name: &str, path: String, view: &dyn erased::Ctx| pages.render(name, path, view);

    let previous = memo
        .as_deref()
        .filter(|m| m.theme == theme.fingerprint && m.site.as_ref() == Some(&site));
    let chapter_pages: Vec<(String, ChapterView, Bytes)> =
        crate::timing::phase("  chapter pages", || {
            manual
                .chapters
                .par_iter()
                .enumerate()
                .filter(|(_, c)| c.external_url.is_none())
                .map(|(i, chapter)| {
                    let path = chapter.page_path().unwrap_or_default();
                    let view = chapter_view(
                        manual,
                        i,
                        chapter,
                        &rendered[i],
                        &dates[i],
                        &log,
                        history,
                        info,
                    );
                    if let Some((old, bytes)) = previous.and_then(|m| m.chapters.get(&path))
                        && *old == view
                    {
                        return Ok((path, view, bytes.clone()));
                    }
                    let page = ChapterPage {
                        site: &site,
                        root: "../",
                        page_title: format!("{} {}", chapter.number, chapter.title),
                        chapter: view,
                    };
                    let file = render("chapter.html", path, &page)?;
                    Ok((file.path, page.chapter, file.bytes))
                })
                .collect::<Result<_, Diagnostic>>()
        })?;
    let mut files: Vec<OutputFile> = Vec::with_capacity(chapter_pages.len() + 16);
    let mut others = Vec::new();
    files.push(reuse_or_render(
        previous,
        &mut others,
        "index.html",
        part_views(manual, &dates),
        |parts| {
            render(
                "index.html",
                "index.html".into(),
                &IndexPage {
                    site: &site,
                    root: "",
                    page_title: "Contents".into(),
                    parts,
                },
            )
        },
    )?);
    files.push(reuse_or_render(
        previous,
        &mut others,
        "glossary.html",
        manual.glossary.entries.clone(),
        |entries| {
            render(
                "glossary.html",
                "glossary.html".into(),
                &GlossaryPage {
                    site: &site,
                    root: "",
                    page_title: "Glossary".into(),
                    groups: letter_groups(entries),
                },
            )
        },
    )?);
    let local: Vec<ChapterEntry> = manual
        .chapters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.local)
        .map(|(i, _)| chapter_entry(manual, &dates, i, ""))
        .collect();
    files.push(reuse_or_render(
        previous,
        &mut others,
        "local-resources.html",
        local,
        |chapters| {
            render(
                "local.html",
                "local-resources.html".into(),
                &LocalPage {
                    site: &site,
                    root: "",
                    page_title: "Local resources".into(),
                    chapters,
                },
            )
        },
    )?);
    match memo {
        Some(memo) => {
            memo.theme = theme.fingerprint;
            memo.site = Some(site.clone());
            memo.chapters.clear();
            for (path, view, bytes) in chapter_pages {
                files.push(OutputFile::new(path.clone(), bytes.clone()));
                memo.chapters.insert(path, (view, bytes));
            }
            memo.others = others
                .into_iter()
                .map(|(path, key, bytes)| (path, (key, bytes)))
                .collect();
        }
        None => files.extend(
            chapter_pages
                .into_iter()
                .map(|(path, _, bytes)| OutputFile::new(path, bytes)),
        ),
    }
    files.push(render(
        "search.html",
        "search.html".into(),
        &PlainPage {
            site: &site,
            root: "",
            page_title: "Search".into(),
        },
    )?);
    files.push(render(
        "404.html",
        "404.html".into(),
        &PlainPage {
            site: &site,
            root: "",
            page_title: "Page not found".into(),
        },
    )?);
    files.extend(crate::timing::phase(
        "  amendments and history pages",
        || amendment_pages(manual, history, &log, &site, &pages),
    )?);
    for (name, bytes) in &theme.assets {
        files.push(OutputFile::new(format!("assets/{name}"), bytes.clone()));
    }
    Ok(files)
}

/// The amendments pages, each chapter's history page and the Atom feed.
fn amendment_pages(
    manual: &Manual,
    history: &History,
    log: &Log,
    site: &SiteView,
    pages: &Pages<'_>,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let render = |name: &str, path: String, view: &dyn erased::Ctx| pages.render(name, path, view);
    let store = &history.store;
    let months = month_views(manual, store, "../");
    let years = archive(&months);
    let next_update = manual.config.next_update.map(|d| d.month_year());
    let mut files = vec![render(
        "amendments.html",
        "amendments/index.html".into(),
        &AmendmentsPage {
            site,
            root: "../",
            page_title: "Amendments".into(),
            month: months.first(),
            is_index: true,
            archive: &years,
            next_update: next_update.clone(),
        },
    )?];
    for month in &months {
        files.push(render(
            "amendments.html",
            format!("amendments/{}.html", month.key),
            &AmendmentsPage {
                site,
                root: "../",
                page_title: format!("Amendments: {}", month.name),
                month: Some(month),
                is_index: false,
                archive: &years,
                next_update: next_update.clone(),
            },
        )?);
    }
    let pages: Vec<OutputFile> = chapters_with_history(manual, log)
        .into_par_iter()
        .map(|id| {
            let chapter = manual.chapter_by_str(id).expect("listed from the manual");
            render(
                "history.html",
                format!("history/{id}.html"),
                &HistoryPage {
                    site,
                    root: "../",
                    page_title: format!("History of {} {}", chapter.number, chapter.title),
                    chapter: chapter_link(chapter, "../"),
                    versions: version_views(log, history, id, true),
                },
            )
        })
        .collect::<Result<_, _>>()?;
    files.extend(pages);
    let feed_months: Vec<MonthView> = month_views(manual, store, &site.base_url);
    files.push(render(
        "feed.xml",
        "amendments.xml".into(),
        &Feed {
            site,
            updated: store
                .releases
                .last()
                .map_or_else(|| "1970-01-01".to_owned(), |r| r.date.clone()),
            months: &feed_months,
        },
    )?);
    Ok(files)
}

fn site_view(manual: &Manual, info: RenderInfo) -> SiteView {
    let c = &manual.config;
    SiteView {
        title: c.title.clone(),
        organisation: c.organisation.clone(),
        language: c.language.clone(),
        base_url: c.base_url.clone(),
        generated: PartialDate::from_naive(info.today).long(),
        generator: concat!("procbook ", env!("CARGO_PKG_VERSION")),
    }
}

#[allow(clippy::too_many_arguments)]
fn chapter_view(
    manual: &Manual,
    index: usize,
    chapter: &Chapter,
    rendered: &Rendered,
    dates: &Dates,
    log: &Log,
    history: &History,
    info: RenderInfo,
) -> ChapterView {
    let id = chapter.id.as_str();
    let versions = version_views(log, history, id, false);
    let first_release = history.store.releases.first().map(|r| r.day());
    // The first publication is not an amendment.
    let amendment = log.latest(id).filter(|e| {
        e.record.change != crate::history::Change::Added || Some(e.date) != first_release
    });
    let part = &manual.parts[chapter.part];
    let mut breadcrumb = vec![
        LinkView {
            title: "Contents".into(),
            url: "../index.html".into(),
            number: None,
            description: None,
            external: false,
        },
        LinkView {
            title: part.title.clone(),
            url: format!("../index.html#part-{}", part.number),
            number: Some(format!("{}.", part.number)),
            description: None,
            external: false,
        },
    ];
    if let Some(sub) = chapter.sub_section.and_then(|s| match &part.items[s] {
        crate::model::PartItem::SubSection(sub) => Some(sub),
        crate::model::PartItem::Chapter(_) => None,
    }) {
        breadcrumb.push(LinkView {
            title: sub.title.clone(),
            url: format!(
                "../index.html#section-{}",
                sub.number.to_string().replace('.', "-")
            ),
            number: Some(sub.number.to_string()),
            description: None,
            external: false,
        });
    }
    let neighbour = |range: &mut dyn Iterator<Item = usize>| {
        range
            .map(|i| &manual.chapters[i])
            .find(|c| c.external_url.is_none())
            .map(|c| chapter_link(c, "../"))
    };
    ChapterView {
        id: chapter.id.to_string(),
        number: chapter.number.to_string(),
        title: chapter.title.clone(),
        summary: chapter.summary.clone(),
        owner: chapter.owner.clone(),
        review_due: chapter.review_due.map(|d| d.month_year()),
        review_overdue: chapter.review_due.is_some_and(|d| d.is_past(info.today)),
        updated: dates.updated.map(|d| d.long()),
        updated_iso: dates.updated.map(|d| d.to_string()),
        amendment: amendment.map(|e| e.record.summary.clone()),
        history_url: (log.versions(id).len() > 1).then(|| format!("../history/{id}.html")),
        versions,
        local: chapter.local,
        intranet_only: chapter.intranet_only,
        under_review: chapter.status == Status::UnderReview,
        draft: chapter.status == Status::Draft,
        url: format!(
            "{}{}",
            manual.config.base_url,
            chapter.page_path().unwrap_or_default()
        ),
        breadcrumb,
        toc: toc(&rendered.sections),
        body: rendered.html.clone(),
        see_also: see_also_links(manual, &chapter.see_also, "../"),
        previous: neighbour(&mut (0..index).rev()),
        next: neighbour(&mut (index + 1..manual.chapters.len())),
    }
}

/// Entries (already sorted by term) grouped by their initial letter, for the A–Z page.
fn letter_groups(entries: &[Entry]) -> Vec<LetterGroup<'_>> {
    let mut groups: Vec<LetterGroup<'_>> = Vec::new();
    for entry in entries {
        let letter: String = entry
            .term
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .collect();
        match groups.last_mut() {
            Some(g) if g.letter == letter => g.entries.push(entry),
            _ => groups.push(LetterGroup {
                letter,
                entries: vec![entry],
            }),
        }
    }
    groups
}

/// Renders templates of the theme into output files.
struct Pages<'a> {
    theme: &'a Theme,
    theme_name: &'a str,
}

impl Pages<'_> {
    /// Renders template `name` with `view` into the file `path`.
    fn render(
        &self,
        name: &str,
        path: String,
        view: &dyn erased::Ctx,
    ) -> Result<OutputFile, Diagnostic> {
        let shown = std::path::Path::new(THEMES_DIR)
            .join(self.theme_name)
            .join("templates")
            .join(name);
        let context = view.context().map_err(|e| template_error(&shown, &e))?;
        let html = self
            .theme
            .tera
            .render(name, &context)
            .map_err(|e| template_error(&shown, &e))?;
        Ok(OutputFile::new(path, html))
    }
}

/// Lets one function render pages whose views are of different types.
mod erased {
    use serde::Serialize;
    use tera::Context;

    pub trait Ctx: Sync {
        fn context(&self) -> tera::Result<Context>;
    }

    impl<T: Serialize + Sync> Ctx for T {
        fn context(&self) -> tera::Result<Context> {
            Context::from_serialize(self)
        }
    }
}
