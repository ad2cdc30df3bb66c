//! Search: one document per chapter section (and one for each chapter's introduction), indexed
//! with tantivy for `procbook search`, and exported as small static files that the browser's
//! search client queries with the same analysis and the same BM25 scores.
//!
//! Fields, and how much a match in each counts: the chapter's title (3), the section's title
//! (2), the chapter's `keywords` (2), the text (1), and the other names of glossary terms the
//! section uses (0.5), so that "UASC" finds "unaccompanied asylum seeking child" and the
//! reverse. Quoted phrases are matched on pairs of adjacent words (a sixth field).

pub mod analyze;
pub mod export;
pub mod index;
pub mod query;

use std::collections::HashMap;

use serde::Serialize;

use crate::markdown::Rendered;
use crate::model::Manual;
use analyze::Analyzer;

/// The scored fields, in the order of `Field::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Section,
    Keywords,
    Body,
    Also,
    Pairs,
}

impl Field {
    /// The fields a word is looked for in (phrases use `Pairs`).
    pub const WORDS: [Field; 5] = [
        Field::Title,
        Field::Section,
        Field::Keywords,
        Field::Body,
        Field::Also,
    ];
    pub const ALL: [Field; 6] = [
        Field::Title,
        Field::Section,
        Field::Keywords,
        Field::Body,
        Field::Also,
        Field::Pairs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Section => "section",
            Field::Keywords => "keywords",
            Field::Body => "body",
            Field::Also => "also",
            Field::Pairs => "pairs",
        }
    }

    pub fn boost(self) -> f32 {
        match self {
            Field::Title => 3.0,
            Field::Section | Field::Keywords => 2.0,
            Field::Body | Field::Pairs => 1.0,
            Field::Also => 0.5,
        }
    }
}

/// One searchable section.
#[derive(Debug, Clone, Serialize)]
pub struct SearchDoc {
    /// Index of the chapter in `Manual::chapters`.
    #[serde(skip)]
    pub chapter: usize,
    /// The section's anchor; `None` for a chapter's introduction.
    pub anchor: Option<String>,
    pub section_title: String,
    /// The section's text, for snippets.
    pub text: String,
    /// The terms of each field, in `Field::ALL` order.
    #[serde(skip)]
    pub terms: [Vec<String>; 6],
}

/// The documents of a manual, in reading order (a document's id is its index here).
pub fn documents(manual: &Manual, rendered: &[Rendered]) -> Vec<SearchDoc> {
    use rayon::prelude::*;
    let per_chapter: Vec<Vec<SearchDoc>> = manual
        .chapters
        .par_iter()
        .enumerate()
        .map(|(i, chapter)| {
            let analyzer = Analyzer::default();
            let r = &rendered[i];
            let title = analyzer
                .analyze(&chapter.title)
                .into_iter()
                .map(|w| w.term)
                .collect::<Vec<_>>();
            let keywords: Vec<String> = chapter
                .keywords
                .iter()
                .flat_map(|k| analyzer.analyze(k))
                .map(|w| w.term)
                .collect();
            let mut docs = Vec::new();
            let intro = {
                let mut text = chapter.summary.clone().unwrap_or_default();
                if let Some(first) = r.texts.first().filter(|t| !t.is_empty()) {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(first);
                }
                text
            };
            let sections = r.sections.iter().zip(r.texts.iter().skip(1));
            let all =
                std::iter::once((None, String::new(), intro)).chain(sections.map(|(s, text)| {
                    (
                        Some(s.anchor.clone()),
                        section_label(&s.number, &s.title),
                        text.clone(),
                    )
                }));
            for (anchor, section_title, text) in all {
                if anchor.is_none() && text.is_empty() && !r.sections.is_empty() {
                    // A chapter whose text starts with its first section has no introduction to find.
                    continue;
                }
                let section = analyzer
                    .analyze(&section_title)
                    .into_iter()
                    .map(|w| w.term)
                    .collect::<Vec<_>>();
                let body: Vec<String> = analyzer
                    .analyze(&text)
                    .into_iter()
                    .map(|w| w.term)
                    .collect();
                let also =
                    glossary_synonyms(manual, &analyzer, &[&chapter.title, &section_title, &text]);
                let pairs = [&title, &section, &body]
                    .iter()
                    .flat_map(|f| pairs_of(f))
                    .collect();
                docs.push(SearchDoc {
                    chapter: i,
                    anchor,
                    section_title,
                    text,
                    terms: [title.clone(), section, keywords.clone(), body, also, pairs],
                });
            }
            docs
        })
        .collect();
    per_chapter.into_iter().flatten().collect()
}

/// "6. Placements of Children under 13 Years" as the reader sees it.
fn section_label(number: &str, title: &str) -> String {
    match number {
        "" => title.to_owned(),
        n if n.contains('.') || n.starts_with("Appendix") => format!("{n} {title}"),
        n => format!("{n}. {title}"),
    }
}

/// Adjacent pairs of terms, "a b", for phrase matching.
pub fn pairs_of(terms: &[String]) -> Vec<String> {
    terms
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect()
}

/// For every glossary term (or alias) in the texts, the terms of its other names: a section
/// that says "UASC" can be found by "unaccompanied asylum seeking child", and the reverse.
fn glossary_synonyms(manual: &Manual, analyzer: &Analyzer, texts: &[&str]) -> Vec<String> {
    let glossary = &manual.glossary;
    let mut seen = vec![false; glossary.entries.len()];
    let mut out = Vec::new();
    for text in texts {
        for m in glossary.find_terms(text) {
            if std::mem::replace(&mut seen[m.entry], true) {
                continue;
            }
            let entry = &glossary.entries[m.entry];
            let found = analyzer
                .analyze(&text[m.start..m.end])
                .into_iter()
                .map(|w| w.term)
                .collect::<Vec<_>>();
            let names = std::iter::once(&entry.term)
                .chain(entry.expansion.iter())
                .chain(&entry.aliases);
            for name in names {
                let terms: Vec<String> =
                    analyzer.analyze(name).into_iter().map(|w| w.term).collect();
                if terms != found {
                    out.extend(terms);
                }
            }
        }
    }
    out
}

/// Collection statistics BM25 needs, per field: document frequency of each term and the
/// documents' field lengths.
pub struct Stats {
    pub docs: usize,
    /// Per field: term → number of documents containing it.
    pub doc_freq: Vec<HashMap<String, u32>>,
    /// Per field: total number of terms over all documents.
    pub total_terms: Vec<u64>,
}

impl Stats {
    pub fn of(docs: &[SearchDoc]) -> Stats {
        let mut doc_freq = vec![HashMap::new(); Field::ALL.len()];
        let mut total_terms = vec![0u64; Field::ALL.len()];
        for d in docs {
            for (f, terms) in d.terms.iter().enumerate() {
                total_terms[f] += terms.len() as u64;
                let mut unique: Vec<&String> = terms.iter().collect();
                unique.sort_unstable();
                unique.dedup();
                for t in unique {
                    *doc_freq[f].entry(t.clone()).or_insert(0) += 1;
                }
            }
        }
        Stats {
            docs: docs.len(),
            doc_freq,
            total_terms,
        }
    }
}

/// BM25 exactly as tantivy computes it (k1 = 1.2, b = 0.75, field lengths quantised to its
/// 256 field-norm codes), so that the browser's precomputed scores rank as `procbook search` does.
pub fn bm25(term_freq: u32, field_len: u32, doc_freq: u32, docs: usize, total_terms: u64) -> f32 {
    const K1: f32 = 1.2;
    const B: f32 = 0.75;
    let x = ((docs as u64 - doc_freq as u64) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    let idf = (1.0 + x).ln();
    let average = total_terms as f32 / docs as f32;
    let norm = tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(
        tantivy::fieldnorm::FieldNormReader::fieldnorm_to_id(field_len),
    );
    let tf = term_freq as f32;
    let weight = idf * (1.0 + K1);
    weight * (tf / (tf + K1 * (1.0 - B + B * norm as f32 / average)))
}
