//! Splitting a Markdown file into its YAML front matter and body, and reading YAML into typed
//! structs with errors placed at the line of the file (not of the front matter) they are on.
//!
//! Parsing is pure (`&str` in, values or a `Diagnostic` out) so it is tested without a disk.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_saphyr::{DuplicateKeyPolicy, Spanned, UserMessageFormatter};

use crate::diagnostic::Diagnostic;

/// A file cut at its front matter fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// The 1-based line of the file on which the YAML starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// The byte offset in the file at which the body starts.
    pub body_offset: usize,
}

/// Cuts `source` at its front matter: a first line `---`, the YAML, then a line `---` (or `...`).
/// A file that does not start with `---` has no front matter.
pub fn split<'a>(path: &Path, source: &'a str) -> Result<Split<'a>, Diagnostic> {
    let bom = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let text = &source[bom..];
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "---" {
        return Ok(Split {
            yaml: None,
            yaml_line: 0,
            body: text,
            body_offset: bom,
        });
    }
    let yaml_start = bom + first_line_end;
    let mut offset = yaml_start;
    for line in source[yaml_start..].split_inclusive('\n') {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            let body_offset = offset + line.len();
            return Ok(Split {
                yaml: Some(&source[yaml_start..offset]),
                yaml_line: 2,
                body: &source[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(path, "the front matter is never closed")
        .at(1, 1)
        .with_source_line(source)
        .with_help("add a line with only `---` after the last front matter line (title, summary and so on)"))
}

/// Reads YAML into `T`. `first_line` is the file line the YAML starts on, so that errors point
/// into the file; `source` is the whole file, to show the offending line.
pub fn parse_yaml<T: DeserializeOwned>(
    path: &Path,
    yaml: &str,
    first_line: usize,
    source: &str,
) -> Result<T, Diagnostic> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: DuplicateKeyPolicy::Error,
    };
    // An empty document is an empty mapping, so that missing fields get our own messages.
    let yaml = if yaml.trim().is_empty() { "{}" } else { yaml };
    serde_saphyr::from_str_with_options(yaml, options).map_err(|err| {
        let message = plain_message(&err);
        let (line, column) = err.location().map_or((first_line, 1), |loc| {
            (
                first_line + loc.line().max(1) as usize - 1,
                loc.column().max(1) as usize,
            )
        });
        let (message, help) = help_for(&message);
        let diagnostic = Diagnostic::error(path, message)
            .at(line, column)
            .with_source_line(source);
        match help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        }
    })
}

/// The parser's message without its own location and snippet, which we show ourselves.
fn plain_message(err: &serde_saphyr::Error) -> String {
    let text = err
        .without_snippet()
        .render_with_formatter(&UserMessageFormatter);
    let text = text.lines().next().unwrap_or_default();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text,
    };
    let text = text.replace("unknown field", "unknown key");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "the YAML could not be read".to_owned(),
    }
}

/// Plain-English advice for the YAML mistakes authors make most.
fn help_for(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown key `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split("expected one of ")
            .nth(1)
            .or_else(|| rest.split("expected ").nth(1))
            .unwrap_or_default()
            .split(", ")
            .map(|k| k.trim_matches(|c| c == '`' || c == ' '))
            .filter(|k| !k.is_empty())
            .collect();
        let help = match closest(key, &expected) {
            Some(best) => format!("did you mean `{best}`? Keys are case-sensitive"),
            None => format!("the keys allowed here are: {}", expected.join(", ")),
        };
        return (format!("unknown key `{key}`"), Some(help));
    }
    let syntax = [
        "indicator",
        "did not find expected",
        "found unexpected",
        "while scanning",
        "while parsing",
        "mapping values",
    ];
    if syntax.iter().any(|s| message.contains(s)) {
        return (
            format!("the front matter is not valid YAML ({message})"),
            Some("check this line and the one before it: a list in [brackets] must end with ], quotes must be closed, and a value containing `: ` must be put in quotes, e.g. title: \"Appendix 1: Forms\"".to_owned()),
        );
    }
    (message.to_owned(), None)
}

/// The 1-based line on which `key:` is first written in `text` (at any indentation), or 1.
pub fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_lowercase(), c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `status:` of a chapter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Current,
    UnderReview,
    Draft,
}

/// One `see_also:` line: another chapter by id, or an external page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeeAlso {
    pub chapter: Option<Spanned<String>>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
}

/// A chapter's front matter as written; validated into the model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterMeta {
    pub title: Option<String>,
    pub id: Option<Spanned<String>>,
    pub number: Option<Spanned<String>>,
    pub summary: Option<String>,
    pub owner: Option<String>,
    pub review_due: Option<Spanned<String>>,
    pub updated: Option<Spanned<String>>,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub intranet_only: bool,
    pub external_url: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub see_also: Vec<RawSeeAlso>,
    pub change_note: Option<String>,
}

/// The front matter of a part's or sub-section's `_index.md`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderMeta {
    pub title: Option<String>,
    pub number: Option<Spanned<String>>,
    pub caption: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub see_also: Vec<RawSeeAlso>,
}

/// The 1-based file line of a value read from front matter starting at `first_line`.
pub fn file_line<T>(spanned: &Spanned<T>, first_line: usize) -> usize {
    first_line + spanned.referenced.line().max(1) as usize - 1
}

/// The 1-based column of a value read from front matter.
pub fn file_column<T>(spanned: &Spanned<T>) -> usize {
    spanned.referenced.column().max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("content/01-a/01-b.md")
    }

    #[test]
    fn splits_front_matter_from_body() {
        let src = "---\ntitle: A\n---\n\nBody\n";
        let s = split(p(), src).unwrap();
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(&src[s.body_offset..], s.body);
    }

    #[test]
    fn a_file_without_fences_is_all_body() {
        let s = split(p(), "# Title\ntext").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body, "# Title\ntext");
    }

    #[test]
    fn unterminated_front_matter_is_an_error_at_line_one() {
        let d = split(p(), "---\ntitle: A\n\nBody\n").unwrap_err();
        assert_eq!((d.line, d.column), (1, 1));
        assert_eq!(d.message, "the front matter is never closed");
    }

    #[test]
    fn windows_line_endings_and_bom_are_accepted() {
        let src = "\u{feff}---\r\ntitle: A\r\n---\r\nBody";
        let s = split(p(), src).unwrap();
        assert_eq!(s.yaml, Some("title: A\r\n"));
        assert_eq!(s.body, "Body");
    }

    #[test]
    fn unknown_key_is_reported_at_its_file_line_with_a_suggestion() {
        let src = "---\ntitle: A\ntitel: B\n---\n";
        let yaml = split(p(), src).unwrap().yaml.unwrap();
        let d = parse_yaml::<ChapterMeta>(p(), yaml, 2, src).unwrap_err();
        assert_eq!(d.line, 3, "{d}");
        assert_eq!(d.message, "unknown key `titel`");
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `title`? Keys are case-sensitive")
        );
        assert_eq!(d.source_line.as_deref(), Some("titel: B"));
    }

    #[test]
    fn yes_and_no_stay_strings_and_numbers_keep_their_spelling() {
        let src = "---\ntitle: no\nnumber: 1.10\nreview_due: 2025-03\n---\n";
        let yaml = split(p(), src).unwrap().yaml.unwrap();
        let meta: ChapterMeta = parse_yaml(p(), yaml, 2, src).unwrap();
        assert_eq!(meta.title.as_deref(), Some("no"));
        assert_eq!(meta.number.unwrap().value, "1.10");
        let due = meta.review_due.unwrap();
        assert_eq!(due.value, "2025-03");
        assert_eq!(file_line(&due, 2), 4);
    }

    #[test]
    fn a_bad_status_names_the_allowed_values() {
        let src = "---\ntitle: A\nstatus: reviewing\n---\n";
        let yaml = split(p(), src).unwrap().yaml.unwrap();
        let d = parse_yaml::<ChapterMeta>(p(), yaml, 2, src).unwrap_err();
        assert_eq!(d.line, 3);
        assert!(d.message.contains("reviewing"), "{}", d.message);
        assert!(d.message.contains("under-review"), "{}", d.message);
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("summmary", &["summary", "title"]), Some("summary"));
        assert_eq!(closest("colour", &["summary", "title"]), None);
    }
}
