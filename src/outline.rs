//! A chapter's outline: its `##` sections and `###` subsections, numbered by one rule shared by
//! the page renderer and the diff engine, so that "Section 6" in an amendment note is the
//! Section 6 a reader sees.
//!
//! The rule (from the content format): a heading that starts with its own number keeps it
//! (`## 6. Placements`, `### 3.5 Consent`); otherwise the n-th `##` is n and the m-th `###`
//! under it is n.m. `## Appendix 1: Forms` is an appendix and is not counted.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The Markdown extensions procbook enables everywhere.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Numbers headings in document order.
#[derive(Debug, Default)]
pub struct Numberer {
    h2: u32,
    h3: u32,
    current_h2: Option<String>,
}

impl Numberer {
    /// The number of the next heading at `level` (2 or 3) with the author's own number, if any.
    /// Empty for other levels, and for a subsection before the first section.
    pub fn number(&mut self, level: u8, own: Option<String>) -> String {
        match (level, own) {
            (2 | 3, Some(n)) if n.starts_with("Appendix") => n,
            (2, own) => {
                self.h2 += 1;
                self.h3 = 0;
                let n = own.unwrap_or_else(|| self.h2.to_string());
                self.current_h2 = Some(n.clone());
                n
            }
            (3, own) => {
                self.h3 += 1;
                match (own, &self.current_h2) {
                    (Some(n), _) => n,
                    (None, Some(parent)) => format!("{parent}.{}", self.h3),
                    (None, None) => String::new(),
                }
            }
            _ => String::new(),
        }
    }
}

/// Splits an author's own number off a heading: "6. Placements" → ("6", "Placements"),
/// "3.5 Consent" → ("3.5", "Consent"), "Appendix 1: Forms" → ("Appendix 1", "Forms").
/// A lone number without a dot ("2024 Protocol") is part of the title.
pub fn split_number(title: &str) -> (Option<String>, &str) {
    if let Some(rest) = title.strip_prefix("Appendix ") {
        let n: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !n.is_empty() && n.len() <= 3 {
            let after = rest[n.len()..].trim_start_matches([':', ' ', '-', '–', '.']);
            if !after.is_empty() && after.len() < rest.len() - n.len() {
                return (Some(format!("Appendix {n}")), after);
            }
        }
        return (None, title);
    }
    let digits_and_dots = title
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(title.len(), |(i, _)| i);
    let candidate = &title[..digits_and_dots];
    let rest = &title[digits_and_dots..];
    let has_dot = candidate.contains('.');
    let number = candidate.trim_end_matches('.');
    let well_formed =
        !number.is_empty() && number.split('.').all(|p| !p.is_empty() && p.len() <= 3);
    if well_formed && has_dot && rest.starts_with(char::is_whitespace) && !rest.trim().is_empty() {
        (Some(number.to_owned()), rest.trim_start())
    } else {
        (None, title)
    }
}

/// One `##`/`###` section of a body and where its own text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineSection {
    pub level: u8,
    pub number: String,
    /// The title without the author's number.
    pub title: String,
    /// The text under the heading up to the next `##` or `###` (deeper headings included).
    pub own_text: Range<usize>,
}

/// A body's sections, and its introduction (the text before the first section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub intro: Range<usize>,
    pub sections: Vec<OutlineSection>,
}

/// The outline of a Markdown body. A `#` heading counts as a section, as on the page.
pub fn outline(body: &str) -> Outline {
    let mut numberer = Numberer::default();
    let mut sections: Vec<OutlineSection> = Vec::new();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut intro_end = body.len();
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H3 => {
                let level = if level == HeadingLevel::H3 { 3 } else { 2 };
                if let Some(last) = sections.last_mut() {
                    last.own_text.end = range.start;
                } else {
                    intro_end = range.start;
                }
                heading = Some((level, range.end, String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text)) = &mut heading {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, end, text)) = heading.take() {
                    let (own, title) = split_number(text.trim());
                    let title = title.to_owned();
                    sections.push(OutlineSection {
                        level,
                        number: numberer.number(level, own),
                        title,
                        own_text: end.max(range.end)..body.len(),
                    });
                }
            }
            _ => {}
        }
    }
    Outline {
        intro: 0..intro_end.min(body.len()),
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_numbers_are_split_off_headings() {
        assert_eq!(
            split_number("6. Placements of Children"),
            (Some("6".into()), "Placements of Children")
        );
        assert_eq!(split_number("3.5 Consent"), (Some("3.5".into()), "Consent"));
        assert_eq!(
            split_number("Appendix 1: Forms"),
            (Some("Appendix 1".into()), "Forms")
        );
        assert_eq!(split_number("2024 Protocol"), (None, "2024 Protocol"));
        assert_eq!(split_number("Introduction"), (None, "Introduction"));
        assert_eq!(split_number("1.5"), (None, "1.5"));
    }

    #[test]
    fn outline_numbers_sections_and_finds_their_own_text() {
        let body = "Intro.\n\n## First\n\nA.\n\n### Sub\n\nB.\n\n#### Deep\n\nC.\n\n## 6. Own\n\nD.\n\n## Appendix 1: Forms\n\nE.\n";
        let o = outline(body);
        assert_eq!(&body[o.intro.clone()], "Intro.\n\n");
        let got: Vec<(u8, &str, &str, &str)> = o
            .sections
            .iter()
            .map(|s| {
                (
                    s.level,
                    s.number.as_str(),
                    s.title.as_str(),
                    body[s.own_text.clone()].trim(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "1", "First", "A."),
                (3, "1.1", "Sub", "B.\n\n#### Deep\n\nC."),
                (2, "6", "Own", "D."),
                (2, "Appendix 1", "Forms", "E."),
            ]
        );
    }

    #[test]
    fn headings_in_code_blocks_are_not_sections() {
        let o = outline("```\n## Not a heading\n```\n\n## Real\n");
        assert_eq!(o.sections.len(), 1);
        assert_eq!(o.sections[0].title, "Real");
    }
}
