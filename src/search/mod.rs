//! Search: one document per chapter section (and one for each chapter's introduction), indexed
//! with tantivy for `procbook search`, and exported as small static files that the browser's
//! search client queries with the same analysis and the same BM25 scores.
//!
//! Fields, and how much a match in each counts: the chapter's title (3), the section's title
//! (2), the chapter's `keywords` (2), the text (1), and the other names of glossary terms the
//! section uses (0.5), so that "UASC" finds "unaccompanied asylum seeking child" and the
//! reverse. Quoted phrases are matched on pairs of adjacent words (a sixth field, which only
//! filters: a phrase's words score as words).

pub mod analyze;
pub mod export;
pub mod index;
pub mod query;

use std::collections::HashMap;

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
            Field::Body => 1.0,
            // Pairs only filter phrases; they add nothing to a score.
            Field::Pairs => 0.0,
            Field::Also => 0.5,
        }
    }
}

/// One searchable section.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// Index of the chapter in `Manual::chapters`.
    pub chapter: usize,
    /// The section's anchor; `None` for a chapter's introduction.
    pub anchor: Option<String>,
    pub section_title: String,
    /// The section's text, for snippets.
    pub text: String,
    /// The terms (ids in `Corpus::vocabulary`) of each word field, in `Field::WORDS` order.
    pub terms: [Vec<u32>; 5],
}

impl SearchDoc {
    /// The adjacent pairs of terms of the title, the section's title and the text, for phrases.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        [Field::Title, Field::Section, Field::Body]
            .into_iter()
            .flat_map(move |f| self.terms[f as usize].windows(2).map(|w| (w[0], w[1])))
    }
}

/// The documents of a manual, in reading order (a document's id is its index), and the
/// vocabulary their term ids point into.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub docs: Vec<SearchDoc>,
    pub vocabulary: Vec<String>,
}

/// A fast, non-cryptographic hash (FNV-1a for bytes, a multiply for integers) for the maps of
/// words and term pairs, which are hashed millions of times on a large manual.
#[derive(Default, Clone, Copy)]
pub struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0xcbf2_9ce4_8422_2325)
    }
}

pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Terms as ids, with the term of every word seen kept, so that each distinct word is
/// analysed (stemmed) once. One per thread while documents are made, merged afterwards.
#[derive(Default)]
struct Interner {
    analyzer: Analyzer,
    ids: HashMap<String, u32, FastHash>,
    terms: Vec<String>,
    /// Lower-cased word → its term id (`None`: a stop word or too long).
    seen: HashMap<String, Option<u32>, FastHash>,
    scratch: String,
}

impl Interner {
    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term.to_owned());
        self.ids.insert(term.to_owned(), id);
        id
    }

    /// The term ids of `text`, in order.
    fn analyze(&mut self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for (start, end) in analyze::split_words(text) {
            self.scratch.clear();
            let word = &text[start..end];
            if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.scratch.push_str(word);
                self.scratch.make_ascii_lowercase();
            } else {
                self.scratch.extend(
                    word.chars()
                        .filter(|c| *c != '\'' && *c != '\u{2019}')
                        .flat_map(char::to_lowercase),
                );
            }
            let id = match self.seen.get(self.scratch.as_str()) {
                Some(id) => *id,
                None => {
                    let word = self.scratch.clone();
                    let id = self.analyzer.term(&word).map(|t| self.intern(&t));
                    self.seen.insert(word, id);
                    id
                }
            };
            out.extend(id);
        }
        out
    }
}

/// The documents of a manual: one per section, and one per chapter introduction.
pub fn documents(manual: &Manual, rendered: &[std::sync::Arc<Rendered>]) -> Corpus {
    use rayon::prelude::*;
    let parts: Vec<(Interner, Vec<SearchDoc>)> = manual
        .chapters
        .par_iter()
        .enumerate()
        .fold(
            || (Interner::default(), Vec::new()),
            |(mut interner, mut docs), (i, _)| {
                chapter_documents(manual, &rendered[i], i, &mut interner, &mut docs);
                (interner, docs)
            },
        )
        .collect();
    // One vocabulary for all: each thread's ids mapped to global ones.
    let mut global = Interner::default();
    let mut corpus = Corpus::default();
    for (local, docs) in parts {
        let map: Vec<u32> = local.terms.iter().map(|t| global.intern(t)).collect();
        for mut d in docs {
            for field in &mut d.terms {
                for id in field.iter_mut() {
                    *id = map[*id as usize];
                }
            }
            corpus.docs.push(d);
        }
    }
    corpus.vocabulary = global.terms;
    corpus
}

fn chapter_documents(
    manual: &Manual,
    r: &Rendered,
    i: usize,
    interner: &mut Interner,
    docs: &mut Vec<SearchDoc>,
) {
    let chapter = &manual.chapters[i];
    let title = interner.analyze(&chapter.title);
    let keywords: Vec<u32> = chapter
        .keywords
        .iter()
        .flat_map(|k| interner.analyze(k))
        .collect();
    let mut intro = chapter.summary.clone().unwrap_or_default();
    if let Some(first) = r.texts.first().filter(|t| !t.is_empty()) {
        if !intro.is_empty() {
            intro.push(' ');
        }
        intro.push_str(first);
    }
    let sections = r.sections.iter().zip(r.texts.iter().skip(1));
    let all = std::iter::once((None, String::new(), intro)).chain(sections.map(|(s, text)| {
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
        let section = interner.analyze(&section_title);
        let body = interner.analyze(&text);
        let also = glossary_synonyms(manual, interner, &[&chapter.title, &section_title, &text]);
        docs.push(SearchDoc {
            chapter: i,
            anchor,
            section_title,
            text,
            terms: [title.clone(), section, keywords.clone(), body, also],
        });
    }
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
fn glossary_synonyms(manual: &Manual, interner: &mut Interner, texts: &[&str]) -> Vec<u32> {
    let glossary = &manual.glossary;
    let mut seen = vec![false; glossary.entries.len()];
    let mut out = Vec::new();
    for text in texts {
        for m in glossary.find_terms(text) {
            if std::mem::replace(&mut seen[m.entry], true) {
                continue;
            }
            let entry = &glossary.entries[m.entry];
            let found = interner.analyze(&text[m.start..m.end]);
            let names = std::iter::once(&entry.term)
                .chain(entry.expansion.iter())
                .chain(&entry.aliases);
            for name in names {
                let terms = interner.analyze(name);
                if terms != found {
                    out.extend(terms);
                }
            }
        }
    }
    out
}

/// Document frequencies (per word field, by term id) and total terms per field.
type Counts = (Vec<Vec<u32>>, Vec<u64>);

/// Collection statistics BM25 needs, per word field: document frequency of each term (by id)
/// and the total number of terms.
pub struct Stats {
    pub docs: usize,
    pub doc_freq: Vec<Vec<u32>>,
    pub total_terms: Vec<u64>,
}

impl Stats {
    pub fn of(corpus: &Corpus) -> Stats {
        use rayon::prelude::*;
        let n = corpus.vocabulary.len();
        let fields = Field::WORDS.len();
        let zero = || (vec![vec![0u32; n]; fields], vec![0u64; fields]);
        // Counted per thread, then summed.
        let (doc_freq, total_terms) = corpus
            .docs
            .par_iter()
            .fold(
                || (zero(), Vec::new()),
                |((mut df, mut total), mut scratch): (Counts, Vec<u32>), d| {
                    for (f, terms) in d.terms.iter().enumerate() {
                        total[f] += terms.len() as u64;
                        scratch.clear();
                        scratch.extend_from_slice(terms);
                        scratch.sort_unstable();
                        scratch.dedup();
                        for &t in &scratch {
                            df[f][t as usize] += 1;
                        }
                    }
                    ((df, total), scratch)
                },
            )
            .map(|(counts, _)| counts)
            .reduce(zero, |(mut a, mut at), (b, bt)| {
                for (fa, fb) in a.iter_mut().zip(b) {
                    for (x, y) in fa.iter_mut().zip(fb) {
                        *x += y;
                    }
                }
                for (x, y) in at.iter_mut().zip(bt) {
                    *x += y;
                }
                (a, at)
            });
        Stats {
            docs: corpus.docs.len(),
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
