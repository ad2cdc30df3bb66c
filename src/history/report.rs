//! `procbook amendments`: the monthly summary a manager reads, as JSON (for tools), Markdown,
//! plain text, or a single self-contained HTML page with inline styles that can be pasted into
//! an email.

use serde::Serialize;

use super::log::{month_name, months};
use super::store::{Change, Store};
use crate::date::PartialDate;
use crate::html::escape;

/// One release, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct ReleaseSummary {
    pub date: String,
    pub month: String,
    pub chapters: Vec<ChapterChange>,
    /// The first publication: summarised in one line, not chapter by chapter.
    #[serde(skip)]
    pub baseline: bool,
}

#[derive(Debug, Serialize)]
pub struct ChapterChange {
    pub id: String,
    pub title: String,
    pub number: String,
    pub change: Change,
    pub moved_from: Option<String>,
    pub retitled_from: Option<String>,
    pub summary: String,
}

/// The releases of `month` (`YYYY-MM`), or all, newest first.
pub fn summaries(store: &Store, month: Option<&str>) -> Vec<ReleaseSummary> {
    store
        .releases
        .iter()
        .rev()
        .filter(|r| month.is_none_or(|m| r.date.starts_with(m)))
        .map(|r| ReleaseSummary {
            date: r.date.clone(),
            month: PartialDate::from_naive(r.day()).month_year(),
            baseline: r.baseline,
            chapters: r
                .chapters
                .iter()
                .map(|c| ChapterChange {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    number: c.number.clone(),
                    change: c.change,
                    moved_from: c.moved_from.clone(),
                    retitled_from: c.retitled_from.clone(),
                    summary: c.summary.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The three groups a tri.x amendment log shows.
fn groups(r: &ReleaseSummary) -> [(&'static str, Vec<&ChapterChange>); 3] {
    let of = |f: fn(Change) -> bool| {
        r.chapters
            .iter()
            .filter(|c| f(c.change))
            .collect::<Vec<_>>()
    };
    [
        (
            "Updated Chapters",
            of(|c| !matches!(c, Change::Added | Change::Removed)),
        ),
        ("New Chapters and Features", of(|c| c == Change::Added)),
        ("Removed Chapters", of(|c| c == Change::Removed)),
    ]
}

/// Must re-read: the chapters a reader should read again in full.
fn must_reread(r: &ReleaseSummary) -> Vec<&ChapterChange> {
    if r.baseline {
        return Vec::new();
    }
    r.chapters
        .iter()
        .filter(|c| matches!(c.change, Change::Revised | Change::Added))
        .collect()
}

pub fn text(list: &[ReleaseSummary], title: &str, next_update: Option<&str>) -> String {
    let mut out = format!("{title}: amendments\n");
    if list.is_empty() {
        out.push_str("\nNo releases have been recorded for this period.\n");
    }
    for r in list {
        out.push_str(&format!("\n{} (released {})\n", r.month, long(&r.date)));
        out.push_str(&"=".repeat(r.month.len() + 13 + long(&r.date).len()));
        out.push('\n');
        if r.baseline {
            out.push_str(&format!(
                "\nThe manual was first published with {} chapters.\n",
                r.chapters.len()
            ));
            continue;
        }
        let reread = must_reread(r);
        if !reread.is_empty() {
            out.push_str("\nPlease read again in full:\n");
            for c in reread {
                out.push_str(&format!("  {} {}\n", c.number, c.title));
            }
        }
        for (heading, items) in groups(r) {
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{heading}\n"));
            for c in items {
                out.push_str(&format!("  {} {}\n", c.number, c.title));
                if c.change != Change::Removed {
                    out.push_str(&format!("      {}\n", c.summary));
                }
            }
        }
    }
    if let Some(next) = next_update {
        out.push_str(&format!("\nNext update: {next}\n"));
    }
    out
}

pub fn markdown(list: &[ReleaseSummary], title: &str, next_update: Option<&str>) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!("# {title}: amendments\n");
    for r in list {
        out.push_str(&format!(
            "\n## {}\n\nReleased {}.\n",
            r.month,
            long(&r.date)
        ));
        if r.baseline {
            out.push_str(&format!(
                "\nThe manual was first published with {} chapters.\n",
                r.chapters.len()
            ));
            continue;
        }
        let reread = must_reread(r);
        if !reread.is_empty() {
            out.push_str("\n**Please read again in full:** ");
            out.push_str(
                &reread
                    .iter()
                    .map(|c| format!("{} {}", c.number, c.title))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            out.push_str(".\n");
        }
        for (heading, items) in groups(r) {
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {heading}\n\n"));
            if heading == "Removed Chapters" {
                for c in items {
                    out.push_str(&format!("- {} {}\n", c.number, cell(&c.title)));
                }
            } else {
                out.push_str("| Chapter Name | Details |\n|---|---|\n");
                for c in items {
                    out.push_str(&format!(
                        "| {} {} | {} |\n",
                        c.number,
                        cell(&c.title),
                        cell(&c.summary)
                    ));
                }
            }
        }
    }
    if let Some(next) = next_update {
        out.push_str(&format!("\nNext update: {next}\n"));
    }
    out
}

/// One self-contained page with inline styles (email clients ignore style sheets).
pub fn html(
    list: &[ReleaseSummary],
    title: &str,
    base_url: &str,
    next_update: Option<&str>,
) -> String {
    const TD: &str = "border:1px solid #b1b4b6;padding:6px 8px;vertical-align:top;text-align:left";
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}: amendments</title>\n</head>\n<body style=\"margin:0;padding:16px;font-family:Arial,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b;background:#ffffff\">\n<h1 style=\"font-size:24px;margin:0 0 12px\">{t}: amendments</h1>\n",
        t = escape(title)
    );
    for r in list {
        out.push_str(&format!(
            "<h2 style=\"font-size:20px;margin:24px 0 4px\">{}</h2>\n<p style=\"margin:0 0 12px;color:#4a4a4a\">Released {}.</p>\n",
            escape(&r.month),
            escape(&long(&r.date))
        ));
        if r.baseline {
            out.push_str(&format!(
                "<p>The manual was first published with {} chapters.</p>\n",
                r.chapters.len()
            ));
            continue;
        }
        let reread = must_reread(r);
        if !reread.is_empty() {
            out.push_str("<p style=\"margin:0 0 12px;padding:8px 12px;border-left:5px solid #12365a;background:#f3f5f7\"><strong>Please read again in full:</strong> ");
            out.push_str(
                &reread
                    .iter()
                    .map(|c| format!("{} {}", escape(&c.number), escape(&c.title)))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            out.push_str(".</p>\n");
        }
        for (heading, items) in groups(r) {
            if items.is_empty() {
                continue;
            }
            if heading == "Removed Chapters" {
                out.push_str(&format!(
                    "<h3 style=\"font-size:17px;margin:16px 0 4px\">{heading}</h3>\n<ul>\n"
                ));
                for c in items {
                    out.push_str(&format!(
                        "<li>{} {}</li>\n",
                        escape(&c.number),
                        escape(&c.title)
                    ));
                }
                out.push_str("</ul>\n");
                continue;
            }
            out.push_str(&format!(
                "<table style=\"border-collapse:collapse;width:100%;margin:8px 0 16px\">\n<caption style=\"text-align:left;font-weight:bold;padding:4px 0\">{heading}</caption>\n<thead><tr><th scope=\"col\" style=\"{TD};background:#f3f5f7;width:35%\">Chapter Name</th><th scope=\"col\" style=\"{TD};background:#f3f5f7\">Details</th></tr></thead>\n<tbody>\n"
            ));
            for c in items {
                let name = format!("{} {}", escape(&c.number), escape(&c.title));
                let name = if base_url.starts_with("http") {
                    format!(
                        "<a href=\"{}chapters/{}.html\" style=\"color:#0b4f8a\">{name}</a>",
                        escape(base_url),
                        escape(&c.id)
                    )
                } else {
                    name
                };
                out.push_str(&format!(
                    "<tr><td style=\"{TD}\">{name}</td><td style=\"{TD}\">{}</td></tr>\n",
                    escape(&c.summary)
                ));
            }
            out.push_str("</tbody>\n</table>\n");
        }
    }
    if let Some(next) = next_update {
        out.push_str(&format!(
            "<p style=\"font-weight:bold\">Next update: {}</p>\n",
            escape(next)
        ));
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn long(date: &str) -> String {
    date.parse::<chrono::NaiveDate>()
        .map(|d| PartialDate::from_naive(d).long())
        .unwrap_or_else(|_| date.to_owned())
}

/// The months that have releases, newest first, for a helpful message.
pub fn known_months(store: &Store) -> Vec<String> {
    months(store)
        .into_iter()
        .map(|(k, _)| format!("{k} ({})", month_name(&k)))
        .collect()
}
