//! `glossary.yaml`: the manual's terms and acronyms. It feeds the glossary page, the marking of a
//! term's first use in each chapter, and (later) search synonyms.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::front_matter::parse_yaml;
use crate::slug::slugify;

pub const FILE_NAME: &str = "glossary.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    term: String,
    expansion: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub term: String,
    pub expansion: Option<String>,
    pub aliases: Vec<String>,
    pub definition: String,
    /// The entry's anchor on the glossary page.
    pub anchor: String,
}

/// The glossary, sorted by term, with a matcher for terms in chapter text.
#[derive(Debug, Default)]
pub struct Glossary {
    pub entries: Vec<Entry>,
    matcher: Option<Matcher>,
}

#[derive(Debug)]
struct Matcher {
    automaton: AhoCorasick,
    /// For each pattern: the entry it names and whether it must match case exactly.
    patterns: Vec<(usize, bool)>,
    pattern_text: Vec<String>,
}

/// A glossary term found in text: where it is and which entry it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermMatch {
    pub start: usize,
    pub end: usize,
    pub entry: usize,
}

impl Glossary {
    /// Reads `glossary.yaml` from a manual's root, if it has one.
    /// Reads `glossary.yaml` (none is an empty glossary), returning its text too.
    pub fn from_root(root: &Path) -> Result<(Glossary, String), Vec<Diagnostic>> {
        let path = root.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Glossary::parse(Path::new(FILE_NAME), &text).map(|g| (g, text)),
                Err(_) => Err(vec![
                    Diagnostic::error(FILE_NAME, "glossary.yaml is not UTF-8 text")
                        .with_help("save the file as UTF-8 in your editor"),
                ]),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok((Glossary::default(), String::new()))
            }
            Err(e) => Err(vec![Diagnostic::error(
                FILE_NAME,
                format!("cannot read glossary.yaml: {e}"),
            )]),
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<Glossary, Vec<Diagnostic>> {
        let raw: Vec<RawEntry> = if text.trim().is_empty() {
            Vec::new()
        } else {
            parse_yaml(path, text, 1, text).map_err(|d| vec![d])?
        };
        let mut problems = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut entries = Vec::with_capacity(raw.len());
        for r in raw {
            let names = std::iter::once(&r.term).chain(&r.aliases);
            for name in names {
                let key = name.trim().to_lowercase();
                if key.is_empty() {
                    continue;
                }
                if let Some(first) = seen.insert(key, r.term.clone()) {
                    let line = line_of(text, name);
                    problems.push(
                        Diagnostic::error(
                            path,
                            format!("`{name}` is in the glossary twice (also under `{first}`)"),
                        )
                        .at(line, 1)
                        .with_source_line(text)
                        .with_help("each term and alias may appear once; merge the two entries"),
                    );
                }
            }
            entries.push(Entry {
                anchor: format!("term-{}", slugify(&r.term)),
                term: r.term.trim().to_owned(),
                expansion: r.expansion.map(|e| e.trim().to_owned()),
                aliases: r.aliases,
                definition: r.definition.trim().to_owned(),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        entries.sort_by_key(|e| e.term.to_lowercase());
        let matcher = Matcher::new(&entries);
        Ok(Glossary { entries, matcher })
    }

    /// Every glossary term or alias in `text`, on word boundaries, leftmost-longest first.
    pub fn find_terms(&self, text: &str) -> Vec<TermMatch> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        m.automaton
            .find_iter(text)
            .filter_map(|hit| {
                let (entry, exact_case) = m.patterns[hit.pattern().as_usize()];
                let found = &text[hit.start()..hit.end()];
                if exact_case && found != m.pattern_text[hit.pattern().as_usize()] {
                    return None;
                }
                let before = text[..hit.start()].chars().next_back();
                let after = text[hit.end()..].chars().next();
                let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                (!is_word(before) && !is_word(after)).then_some(TermMatch {
                    start: hit.start(),
                    end: hit.end(),
                    entry,
                })
            })
            .collect()
    }
}

impl Matcher {
    fn new(entries: &[Entry]) -> Option<Matcher> {
        let mut patterns = Vec::new();
        let mut pattern_text = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            for name in std::iter::once(&e.term).chain(&e.aliases) {
                let name = name.trim();
                if name.is_empty() {
                    continue;
                }
                patterns.push((i, is_acronym(name)));
                pattern_text.push(name.to_owned());
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&pattern_text)
            .ok()?;
        Some(Matcher {
            automaton,
            patterns,
            pattern_text,
        })
    }
}

/// Acronyms (`IRO`, `CiC`) match only in their own case; phrases (`Staying Put`) in any case.
fn is_acronym(name: &str) -> bool {
    !name.contains(' ') && name.chars().filter(|c| c.is_uppercase()).count() >= 2
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
- term: IRO
  expansion: Independent Reviewing Officer
  definition: Chairs reviews.
- term: Looked after child
  aliases: [LAC, child in our care]
  definition: A child in care.
";

    fn glossary() -> Glossary {
        Glossary::parse(Path::new("glossary.yaml"), YAML).unwrap()
    }

    #[test]
    fn finds_terms_on_word_boundaries_with_acronyms_case_sensitive() {
        let g = glossary();
        let text = "The IRO met the child in our care; a lac of detail. IROs differ. LAC review.";
        let found: Vec<&str> = g
            .find_terms(text)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(found, ["IRO", "child in our care", "LAC"]);
    }

    #[test]
    fn phrases_match_in_any_case() {
        let g = glossary();
        let hits = g.find_terms("every Looked After Child");
        assert_eq!(hits.len(), 1);
        assert_eq!(g.entries[hits[0].entry].term, "Looked after child");
    }

    #[test]
    fn a_duplicate_alias_is_reported_with_its_line() {
        let yaml = format!("{YAML}- term: Child looked after\n  aliases: [LAC]\n  definition: x\n");
        let errs = Glossary::parse(Path::new("glossary.yaml"), &yaml).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("`LAC` is in the glossary twice"));
    }

    #[test]
    fn entries_are_sorted_and_get_anchors() {
        let g = glossary();
        assert_eq!(g.entries[0].term, "IRO");
        assert_eq!(g.entries[0].anchor, "term-iro");
        assert_eq!(g.entries[1].anchor, "term-looked-after-child");
    }
}
