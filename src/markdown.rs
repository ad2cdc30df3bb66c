//! A chapter's Markdown body to HTML, in one pass of pulldown-cmark's events:
//!
//! - `##` and `###` headings become the chapter's numbered sections, each with a stable anchor
//!   made from its title (the author's own number, if the heading starts with one, is kept);
//! - `chapter:ID`, `chapter:ID#anchor` and relative `.md` links are resolved to pages, and links
//!   to chapters that do not exist are reported at their line and column;
//! - the first use of each glossary term is marked up as an abbreviation linked to its entry;
//! - tables are wrapped so that they scroll on a phone instead of breaking the page.

use std::collections::HashSet;
use std::path::Path;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::diagnostic::Diagnostic;
use crate::html::escape;
use crate::model::{Chapter, ChapterId, Manual};
use crate::outline::{Numberer, markdown_options, split_number};
use crate::slug::slugify;

/// Ids the page templates use; a section anchor never takes one of these.
const RESERVED_ANCHORS: &[&str] = &["main", "top", "contents", "search", "scope", "amendment"];

/// A `##` or `###` section of a chapter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    /// 2 for a section, 3 for a subsection.
    pub level: u8,
    /// "6", "3.5" or "Appendix 1"; empty for a subsection before the first section.
    pub number: String,
    pub title: String,
    pub anchor: String,
}

/// A link to a section of another (or the same) chapter, checked once every chapter is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorLink {
    pub target: usize,
    pub anchor: String,
    /// Byte offset of the link in the chapter's source file.
    pub offset: usize,
}

/// A chapter body rendered.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: crate::html::SharedHtml,
    pub sections: Vec<Section>,
    /// Every anchor in the body (sections, deeper headings, `{#id}` attributes).
    pub anchors: HashSet<String>,
    pub anchor_links: Vec<AnchorLink>,
    pub diagnostics: Vec<Diagnostic>,
    /// Plain text for search: the introduction, then each section's own text (so
    /// `texts.len() == sections.len() + 1`).
    pub texts: Vec<std::sync::Arc<str>>,
}

/// Renders chapter `index` of `manual`.
pub fn render_chapter(manual: &Manual, index: usize) -> Rendered {
    let chapter = &manual.chapters[index];
    let body = chapter.body();
    let mut r = Renderer {
        manual,
        chapter,
        index,
        out: Rendered::default(),
        events: Vec::new(),
        heading: None,
        link_depth: 0,
        code_depth: 0,
        used_terms: vec![false; manual.glossary.entries.len()],
        numberer: Numberer::default(),
        text: String::new(),
        raw_html: None,
        risky_html: None,
        aligned: false,
    };
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        r.event(event, chapter.body_offset + range.start);
    }
    let last = std::mem::take(&mut r.text);
    r.out.texts.push(last.trim().into());
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, r.events.into_iter());
    if r.aligned {
        // Classes, not `style` attributes, which the pages' content security policy refuses.
        for side in ["left", "center", "right"] {
            html = html.replace(
                &format!(" style=\"text-align: {side}\""),
                &format!(" class=\"align-{side}\""),
            );
        }
    }
    if r.raw_html.is_some() && !manual.config.allow_raw_html {
        html = crate::html::sanitize(&html);
        if let Some(offset) = r.risky_html {
            r.out.diagnostics.push(
                Diagnostic::warning(&chapter.path, "this HTML would run a script or load another page inside this one, so it was removed")
                    .at_offset(&chapter.source, offset)
                    .with_help("write the text in Markdown; a manual that needs such HTML can set `allow_raw_html: true` in manual.yaml"),
            );
        }
    }
    r.out.html = html.into();
    r.out
}

/// Checks every `chapter:ID#anchor` link against the sections of the chapter it names.
pub fn check_anchor_links(
    manual: &Manual,
    rendered: &[std::sync::Arc<Rendered>],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, r) in rendered.iter().enumerate() {
        let from = &manual.chapters[i];
        for link in &r.anchor_links {
            let target = &rendered[link.target];
            if target.anchors.contains(&link.anchor) {
                continue;
            }
            let to = &manual.chapters[link.target];
            let d = Diagnostic::error(
                &from.path,
                format!(
                    "the link goes to `#{}`, which is not a section of \"{}\"",
                    link.anchor, to.title
                ),
            )
            .at_offset(&from.source, link.offset);
            let known: Vec<&str> = target.sections.iter().map(|s| s.anchor.as_str()).collect();
            out.push(match crate::front_matter::closest(&link.anchor, &known) {
                Some(best) => d.with_help(format!("did you mean `#{best}`?")),
                None => d.with_help(format!(
                    "the sections of {} are: {}",
                    to.id,
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                )),
            });
        }
    }
    out
}

struct HeadingState<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    events: Vec<Event<'a>>,
    text: String,
    offset: usize,
}

struct Renderer<'m, 'a> {
    manual: &'m Manual,
    chapter: &'m Chapter,
    index: usize,
    out: Rendered,
    events: Vec<Event<'a>>,
    heading: Option<HeadingState<'a>>,
    link_depth: usize,
    code_depth: usize,
    used_terms: Vec<bool>,
    numberer: Numberer,
    /// The plain text of the current section, for search.
    text: String,
    /// Where the first raw HTML is, and the first that would run code or load a frame.
    raw_html: Option<usize>,
    risky_html: Option<usize>,
    /// A table has aligned columns (which pulldown-cmark writes as `style` attributes).
    aligned: bool,
}

impl<'a> Renderer<'_, 'a> {
    fn event(&mut self, event: Event<'a>, offset: usize) {
        if let Some(h) = &mut self.heading {
            match event {
                Event::End(TagEnd::Heading(_)) => self.finish_heading(),
                Event::Text(ref t) | Event::Code(ref t) => {
                    h.text.push_str(t);
                    h.events.push(event);
                }
                Event::Start(Tag::Link { .. }) => {
                    let ev = self.link(event, offset);
                    if let Some(h) = &mut self.heading {
                        h.events.push(ev);
                    }
                }
                Event::Html(ref raw) | Event::InlineHtml(ref raw) => {
                    self.note_raw_html(raw, offset);
                    if let Some(h) = &mut self.heading {
                        h.events.push(event);
                    }
                }
                other => h.events.push(other),
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.heading = Some(HeadingState {
                    level,
                    id,
                    events: Vec::new(),
                    text: String::new(),
                    offset,
                });
            }
            Event::Start(Tag::Link { .. }) => {
                self.link_depth += 1;
                let ev = self.link(event, offset);
                self.events.push(ev);
            }
            Event::End(TagEnd::Link) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                self.events.push(event);
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = if crate::html::runs_script(&dest_url) {
                    self.refuse_script(&dest_url, offset);
                    CowStr::from("")
                } else {
                    static_path(&dest_url).map_or(dest_url, CowStr::from)
                };
                self.events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::CodeBlock(_)) => {
                self.code_depth += 1;
                self.events.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                self.code_depth = self.code_depth.saturating_sub(1);
                self.events.push(event);
            }
            Event::Html(ref raw) | Event::InlineHtml(ref raw) => {
                self.note_raw_html(raw, offset);
                self.events.push(event);
            }
            Event::Start(Tag::Table(ref aligns)) => {
                self.aligned |= aligns.iter().any(|a| *a != pulldown_cmark::Alignment::None);
                self.events.push(Event::Html(
                    "<div class=\"table-wrap\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">".into(),
                ));
                self.events.push(event);
            }
            Event::End(TagEnd::Table) => {
                self.events.push(event);
                self.events.push(Event::Html("</div>".into()));
            }
            Event::Text(text) => {
                self.text.push_str(&text);
                if self.link_depth == 0 && self.code_depth == 0 {
                    self.mark_terms(text);
                } else {
                    self.events.push(Event::Text(text));
                }
            }
            Event::Code(ref code) => {
                self.text.push_str(code);
                self.events.push(event);
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::TableRow) =>
            {
                self.text.push(' ');
                self.events.push(event);
            }
            other => self.events.push(other),
        }
    }

    /// Emits a finished heading with its number and anchor.
    fn finish_heading(&mut self) {
        let Some(h) = self.heading.take() else {
            return;
        };
        let raw_title = h.text.trim().to_owned();
        let (own_number, title) = split_number(&raw_title);
        let level = match h.level {
            HeadingLevel::H1 => {
                self.out.diagnostics.push(
                    Diagnostic::warning(&self.chapter.path, "a `#` heading inside a chapter is shown as a section")
                        .at_offset(&self.chapter.source, h.offset)
                        .with_help("the chapter's title comes from its front matter; use `##` for its sections"),
                );
                2
            }
            HeadingLevel::H2 => 2,
            HeadingLevel::H3 => 3,
            HeadingLevel::H4 => 4,
            HeadingLevel::H5 => 5,
            HeadingLevel::H6 => 6,
        };
        let number = self.numberer.number(level, own_number);
        let wanted =
            h.id.as_deref()
                .map(str::to_owned)
                .unwrap_or_else(|| slugify(title));
        let anchor = self.unique_anchor(if wanted.is_empty() {
            "section"
        } else {
            &wanted
        });

        let mut inner = String::new();
        let inner_events = strip_number_events(h.events, raw_title.len() - title.len());
        pulldown_cmark::html::push_html(&mut inner, inner_events.into_iter());
        let tag = format!("h{level}");
        let number_html = if number.is_empty() {
            String::new()
        } else {
            let dot = if level == 2 && !number.contains('.') && !number.starts_with("Appendix") {
                "."
            } else {
                ""
            };
            let sep = if number.starts_with("Appendix") {
                ":"
            } else {
                ""
            };
            format!(
                "<span class=\"secnum\">{}{dot}{sep}</span> ",
                escape(&number)
            )
        };
        self.events.push(Event::Html(
            format!("<{tag} id=\"{anchor}\">{number_html}{inner}</{tag}>\n").into(),
        ));
        if level <= 3 {
            let finished = std::mem::take(&mut self.text);
            self.out.texts.push(finished.trim().into());
        } else {
            self.text.push_str(title);
            self.text.push(' ');
        }
        if level <= 3 {
            self.out.sections.push(Section {
                level,
                number,
                title: title.to_owned(),
                anchor,
            });
        }
    }

    fn unique_anchor(&mut self, wanted: &str) -> String {
        let mut anchor = wanted.to_owned();
        let mut n = 2;
        while RESERVED_ANCHORS.contains(&anchor.as_str()) || self.out.anchors.contains(&anchor) {
            anchor = format!("{wanted}-{n}");
            n += 1;
        }
        self.out.anchors.insert(anchor.clone());
        anchor
    }

    /// Rewrites a link's destination; reports links to chapters that do not exist.
    fn link(&mut self, event: Event<'a>, offset: usize) -> Event<'a> {
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) = event
        else {
            return event;
        };
        if crate::html::runs_script(&dest_url) {
            self.refuse_script(&dest_url, offset);
            return Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(""),
                title,
                id,
            });
        }
        let dest_url = match self.resolve(&dest_url, offset) {
            Some(url) => CowStr::from(url),
            None => dest_url,
        };
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        })
    }

    /// The page a link points to, or `None` to leave it as written.
    fn resolve(&mut self, dest: &str, offset: usize) -> Option<String> {
        let (target, anchor) = if let Some(rest) = dest.strip_prefix("chapter:") {
            let (id, anchor) = split_anchor(rest);
            let found = ChapterId::new(id)
                .ok()
                .and_then(|id| self.manual.by_id.get(&id).copied());
            match found {
                Some(i) => (i, anchor),
                None => {
                    self.report_missing(&format!("the chapter `{id}`"), id, offset);
                    return None;
                }
            }
        } else if let Some(path) = relative_md(dest) {
            let (file, anchor) = split_anchor(path);
            let base = self.chapter.path.parent().unwrap_or(Path::new(""));
            let wanted = crate::model::normalise_path(&base.join(file));
            match self.manual.by_path.get(&wanted) {
                Some(&i) => (i, anchor),
                None => {
                    self.report_missing(&format!("`{file}`"), "", offset);
                    return None;
                }
            }
        } else if let Some(anchor) = dest.strip_prefix('#') {
            self.out.anchor_links.push(AnchorLink {
                target: self.index,
                anchor: anchor.to_owned(),
                offset,
            });
            return None;
        } else {
            return static_path(dest);
        };
        let to = &self.manual.chapters[target];
        if let Some(url) = &to.external_url {
            return Some(url.clone());
        }
        let mut url = format!("{}.html", to.id);
        if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
            self.out.anchor_links.push(AnchorLink {
                target,
                anchor: anchor.to_owned(),
                offset,
            });
            url.push('#');
            url.push_str(anchor);
        }
        Some(url)
    }

    /// Notes raw HTML written into the chapter, and whether it would run code.
    fn note_raw_html(&mut self, raw: &str, offset: usize) {
        self.raw_html.get_or_insert(offset);
        if self.risky_html.is_none() {
            let lower = raw.to_ascii_lowercase();
            let risky = [
                "<script",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "<base",
                "<meta",
                "<style",
                "javascript:",
                "vbscript:",
            ]
            .iter()
            .any(|m| lower.contains(m))
                || lower
                    .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '"' || c == '\'')
                    .any(|w| w.starts_with("on") && w.contains('='));
            if risky {
                self.risky_html = Some(offset);
            }
        }
    }

    /// A link or image whose address would run code is an error.
    fn refuse_script(&mut self, dest: &str, offset: usize) {
        let shown: String = dest.chars().take(40).collect();
        self.out.diagnostics.push(
            Diagnostic::error(
                &self.chapter.path,
                format!("the link `{shown}` would run a script, which a published manual must not do"),
            )
            .at_offset(&self.chapter.source, offset)
            .with_help("link to a chapter (chapter:ID), a file in static/, or a web page starting with https://"),
        );
    }

    fn report_missing(&mut self, what: &str, id: &str, offset: usize) {
        if self.manual.unreadable.contains(id) {
            return;
        }
        let d = Diagnostic::error(
            &self.chapter.path,
            format!("the link goes to {what}, which does not exist"),
        )
        .at_offset(&self.chapter.source, offset);
        let ids: Vec<&str> = self.manual.by_id.keys().map(|i| i.as_str()).collect();
        let d = match crate::front_matter::closest(id, &ids).filter(|_| !id.is_empty()) {
            Some(best) => d.with_help(format!("did you mean `chapter:{best}`?")),
            None => d.with_help("link to a published chapter by its id, e.g. [Assessments](chapter:assessments); a draft chapter is not published"),
        };
        self.out.diagnostics.push(d);
    }

    /// Pushes text, marking the first use of each glossary term in the chapter.
    fn mark_terms(&mut self, text: CowStr<'a>) {
        let glossary = &self.manual.glossary;
        let mut last = 0;
        for m in glossary.find_terms(&text) {
            if self.used_terms[m.entry] || m.start < last {
                continue;
            }
            self.used_terms[m.entry] = true;
            if m.start > last {
                self.events
                    .push(Event::Text(text[last..m.start].to_owned().into()));
            }
            let entry = &glossary.entries[m.entry];
            let found = &text[m.start..m.end];
            let expansion = if found == entry.term {
                entry.expansion.as_deref()
            } else {
                Some(entry.expansion.as_deref().unwrap_or(&entry.term))
            };
            let inner = match expansion.filter(|_| looks_like_abbreviation(found)) {
                Some(title) => {
                    format!("<abbr title=\"{}\">{}</abbr>", escape(title), escape(found))
                }
                None => escape(found),
            };
            self.events.push(Event::Html(
                format!(
                    "<a class=\"term\" href=\"../glossary.html#{}\">{inner}</a>",
                    entry.anchor
                )
                .into(),
            ));
            last = m.end;
        }
        if last == 0 {
            self.events.push(Event::Text(text));
        } else if last < text.len() {
            self.events
                .push(Event::Text(text[last..].to_owned().into()));
        }
    }
}

fn looks_like_abbreviation(s: &str) -> bool {
    !s.contains(' ') && s.chars().any(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// `id#anchor` → (`id`, Some(`anchor`)).
fn split_anchor(s: &str) -> (&str, Option<&str>) {
    match s.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    }
}

/// A relative link to a Markdown file (`../02-x/03-y.md#anchor`), if `dest` is one.
fn relative_md(dest: &str) -> Option<&str> {
    if dest.contains("://") || dest.starts_with('/') || dest.starts_with("mailto:") {
        return None;
    }
    let file = dest.split('#').next().unwrap_or_default();
    file.ends_with(".md").then_some(dest)
}

/// Files of the manual's `static/` folder, linked from a chapter page one folder down.
fn static_path(dest: &str) -> Option<String> {
    let rest = dest
        .strip_prefix("/static/")
        .or_else(|| dest.strip_prefix("static/"))?;
    Some(format!("../static/{rest}"))
}

/// Removes the first `n` bytes of text (an author's number) from a heading's events.
fn strip_number_events(events: Vec<Event<'_>>, mut n: usize) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    for ev in events {
        if n > 0
            && let Event::Text(t) = &ev
        {
            let trimmed = t.trim_start();
            let lead = t.len() - trimmed.len();
            if lead + n >= t.len() {
                n -= t.len().min(n);
                continue;
            }
            let cut = (lead + n).min(t.len());
            let cut = (cut..=t.len())
                .find(|&i| t.is_char_boundary(i))
                .unwrap_or(t.len());
            n = 0;
            out.push(Event::Text(t[cut..].to_owned().into()));
            continue;
        }
        out.push(ev);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_md_links_are_recognised() {
        assert_eq!(relative_md("../a/01-b.md#x"), Some("../a/01-b.md#x"));
        assert_eq!(relative_md("https://x.org/a.md"), None);
        assert_eq!(relative_md("notes.pdf"), None);
    }

    #[test]
    fn static_links_are_rewritten_for_chapter_pages() {
        assert_eq!(
            static_path("static/forms/a.pdf").as_deref(),
            Some("../static/forms/a.pdf")
        );
        assert_eq!(
            static_path("/static/a.pdf").as_deref(),
            Some("../static/a.pdf")
        );
        assert_eq!(static_path("https://x.org"), None);
    }
}
