//! Search: one document per chapter section (and one for each chapter's introduction), indexed
//! with tantivy for `procbook search`, and exported as small static files that the browser's
//! search client queries with the same analysis and the same BM25 scores.
//!
//! Fields, and how much a match in each counts: the chapter's title (3), the section's title
//! (2), the chapter's `keywords` (2), the text (1), and the other names of glossary terms the
//! section uses (0.5), so that "UASC" finds "unaccompanied asylum seeking child" and the
//! reverse. Quoted phrases are matched on pairs of adjacent words (a sixth field in tantivy,
//! which only filters: a phrase's words score as words), looked for in the best
//! `query::PHRASE_CANDIDATES` sections with all the words; the browser checks those sections'
//! words one after another (`export::term_files`).

pub mod analyze;
pub mod cache;
pub mod export;
pub mod index;
pub mod query;

use std::sync::Arc;

use rustc_hash::FxHashMap;

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
    /// The section's text, for snippets (shared with the chapter's rendering).
    pub text: Arc<str>,
    /// The terms (ids in `Corpus::vocabulary`) of each word field, in `Field::WORDS` order.
    pub terms: [Vec<u32>; 5],
}

/// The fields whose adjacent pairs of terms are kept, for phrases.
pub const PAIRED: [Field; 3] = [Field::Title, Field::Section, Field::Body];

impl SearchDoc {
    /// The adjacent pairs of terms of the title, the section's title and the text, for phrases.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        PAIRED
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

/// Terms as ids, with the term of every word seen kept, so that each distinct word is
/// analysed (stemmed) once. One per thread while documents are made, merged afterwards.
#[derive(Default)]
struct Interner {
    analyzer: Analyzer,
    ids: FxHashMap<String, u32>,
    terms: Vec<String>,
    /// Each word of at most 16 bytes as written, its bytes read as one number (zeros after
    /// the word: no word holds a zero byte) → its term id (`None`: a stop word). Most words
    /// are this short, and are looked up with no string hashed or compared.
    short: ShortWords,
    /// Each longer word as written → its term id (`None`: a stop word or too long).
    seen: FxHashMap<Box<str>, Option<u32>>,
    /// Where a text's terms are gathered before they are copied out at their exact size
    /// (room guessed from the text's length is about twice what its terms take).
    scratch: Vec<u32>,
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

    /// The term id of `word`, analysed anew.
    fn word(&mut self, word: &str) -> Option<u32> {
        self.analyzer.term(word).map(|t| self.intern(&t))
    }

    /// The term id of `word` (whose `short_key` is `key`) when it is not in the table of
    /// short words: a word seen for the first time, or a long one. Kept out of the loop over
    /// the words, which then has only the common case in it.
    #[cold]
    #[inline(never)]
    fn look_up(&mut self, word: &str, key: Option<u128>) -> Option<u32> {
        if let Some(key) = key {
            let id = self.word(word);
            self.short.insert(key, id);
            return id;
        }
        if let Some(id) = self.seen.get(word) {
            return *id;
        }
        let id = self.word(word);
        self.seen.insert(word.into(), id);
        id
    }

    /// The term ids of `text`, in order.
    fn analyze(&mut self, text: &str) -> Vec<u32> {
        let bytes = text.as_bytes();
        // Room for every word the text can hold (each is a byte and a separator at least),
        // written in place and counted; the room is kept for the next text, and only ever
        // grown, so that it is not cleared for each text.
        let mut out = std::mem::take(&mut self.scratch);
        let room = text.len() / 2 + 1;
        if out.len() < room {
            out.resize(room, 0);
        }
        let mut len = 0;
        // Inlined into the loop over the words: a call for each would cost as much again.
        // (An attribute on a closure is accepted where the closure is an argument, as here;
        // on one bound with `let` it is not, yet.)
        analyze::for_each_word(
            text,
            #[inline(always)]
            |start, end| {
                let key = short_key(bytes, start, end);
                let id = match key.and_then(|key| self.short.get(key)) {
                    Some(id) => id,
                    None => self
                        .look_up(&text[start..end], key)
                        .unwrap_or(ShortWords::STOP),
                };
                // Every word is written, and a stop word's place is written over by the next
                // word: no branch on whether a word is one (which is as good as a coin toss
                // to predict). The room is enough, as said; if it ever were not, it grows.
                if len == out.len() {
                    out.resize(2 * len + 1, 0);
                }
                out[len] = id;
                len += usize::from(id != ShortWords::STOP);
            },
        );
        let terms = out[..len].to_vec();
        self.scratch = out;
        terms
    }
}

/// A table from short words (as `short_key` reads them) to their term ids, for the lookup
/// made for every word of a manual: open addressing in one array, a slot found by one
/// multiplication, with no hashing library's general machinery.
#[derive(Default)]
struct ShortWords {
    /// The key in each slot; 0 (no word has it) marks an empty slot. Apart from the ids, so
    /// that a probe reads 16 bytes a slot, not 32 (a `u128` and a `u32` padded to its
    /// alignment).
    keys: Vec<u128>,
    /// The id in each slot: `STOP` for a stop word.
    ids: Vec<u32>,
    len: usize,
}

impl ShortWords {
    const STOP: u32 = u32::MAX;

    fn slot(&self, key: u128) -> usize {
        let mixed = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // The high bits, the best mixed, as many as the table needs.
        (mixed >> (64 - self.keys.len().trailing_zeros())) as usize
    }

    /// The id of `key` (`STOP` for a stop word), or `None` where it is not in the table.
    fn get(&self, key: u128) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot(key);
        loop {
            let k = self.keys[i];
            if k == key {
                return Some(self.ids[i]);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `key` (not in the table yet) with its id.
    fn insert(&mut self, key: u128, id: Option<u32>) {
        debug_assert!(key != 0 && self.get(key).is_none() && id != Some(Self::STOP));
        if (self.len + 1) * 2 > self.keys.len() {
            let size = (self.keys.len() * 2).max(1024);
            let keys = std::mem::replace(&mut self.keys, vec![0; size]);
            let ids = std::mem::replace(&mut self.ids, vec![0; size]);
            for (k, v) in keys.into_iter().zip(ids).filter(|(k, _)| *k != 0) {
                self.place(k, v);
            }
        }
        self.place(key, id.unwrap_or(Self::STOP));
        self.len += 1;
    }

    fn place(&mut self, key: u128, id: u32) {
        let mask = self.keys.len() - 1;
        let mut i = self.slot(key);
        while self.keys[i] != 0 {
            i = (i + 1) & mask;
        }
        (self.keys[i], self.ids[i]) = (key, id);
    }
}

/// The bytes `start..end` of `bytes` as one number, little-endian and zero after them, when
/// they are at most 16.
fn short_key(bytes: &[u8], start: usize, end: usize) -> Option<u128> {
    let len = end - start;
    if len == 0 || len > 16 {
        return None;
    }
    let keep = u128::MAX >> (8 * (16 - len));
    Some(match bytes.get(start..start + 16) {
        // The sixteen bytes from the word's start, and only the word's kept.
        Some(sixteen) => u128::from_le_bytes(sixteen.try_into().expect("16 bytes")) & keep,
        None => {
            let mut padded = [0u8; 16];
            padded[..len].copy_from_slice(&bytes[start..end]);
            u128::from_le_bytes(padded)
        }
    })
}

/// The documents of a manual: one per section, and one per chapter introduction.
pub fn documents(manual: &Manual, rendered: &[Arc<Rendered>]) -> Corpus {
    documents_with(manual, rendered, None)
}

/// `documents`, taking each chapter's terms from `cache` where its key (in `keys`) is there.
///
/// The cache's terms are the vocabulary's first, in its order, so that a cached chapter's term
/// numbers are used as they are; the chapters analysed anew add the terms the cache lacks.
pub fn documents_with(
    manual: &Manual,
    rendered: &[Arc<Rendered>],
    cache: Option<(&cache::Cache, &[cache::Key])>,
) -> Corpus {
    use rayon::prelude::*;
    // Per stretch of chapters: the interner of the chapters analysed, their documents, and
    // which of those hold the interner's numbers rather than the cache's. An interner analyses
    // each word it meets once, so the stretches are few: two a thread, of about the same
    // amount of text.
    let parts: Vec<(Interner, Vec<SearchDoc>, Vec<bool>)> =
        stretches(rendered, rayon::current_num_threads() * 2)
            .into_par_iter()
            .map(|stretch| {
                // Room for every document at once (each is large, and growing a vector of
                // them copies them all, into memory touched for the first time).
                let count = rendered[stretch.clone()]
                    .iter()
                    .map(|r| r.sections.len() + 1)
                    .sum();
                let (mut interner, mut docs, mut analysed) = (
                    Interner::default(),
                    Vec::with_capacity(count),
                    Vec::with_capacity(count),
                );
                for i in stretch {
                    let cached = cache.and_then(|(cache, keys)| cache.chapter(&keys[i]));
                    let fresh = chapter_documents(
                        manual,
                        &rendered[i],
                        i,
                        cached,
                        &mut interner,
                        &mut docs,
                    );
                    analysed.resize(docs.len(), fresh);
                }
                (interner, docs, analysed)
            })
            .collect();
    // One vocabulary for all: the cache's terms, then the new ones of each thread's chapters.
    let mut global = Interner::default();
    if let Some((cache, _)) = cache {
        for term in cache.terms() {
            global.intern(term);
        }
    }
    let mut corpus = Corpus {
        docs: Vec::with_capacity(parts.iter().map(|(_, docs, _)| docs.len()).sum()),
        vocabulary: Vec::new(),
    };
    for (local, docs, analysed) in parts {
        let map: Vec<u32> = local.terms.iter().map(|t| global.intern(t)).collect();
        for (mut d, analysed) in docs.into_iter().zip(analysed) {
            if analysed {
                for field in &mut d.terms {
                    for id in field.iter_mut() {
                        *id = map[*id as usize];
                    }
                }
            }
            corpus.docs.push(d);
        }
    }
    corpus.vocabulary = global.terms;
    corpus
}

/// The chapters cut into at most `count` stretches in order, each of about the same amount of
/// text.
fn stretches(rendered: &[Arc<Rendered>], count: usize) -> Vec<std::ops::Range<usize>> {
    let sizes: Vec<usize> = rendered
        .iter()
        .map(|r| r.texts.iter().map(|t| t.len()).sum::<usize>() + 1)
        .collect();
    balanced_runs(&sizes, count)
}

/// The indices of `weights` (each at least 1) cut into at most `count` runs in order, each of
/// about the same total weight: work for a few threads, so that they finish together.
pub(crate) fn balanced_runs(weights: &[usize], count: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = weights.iter().sum();
    let each = total.div_ceil(count.max(1)).max(1);
    let mut out = Vec::with_capacity(count);
    let (mut start, mut filled) = (0, 0);
    for (i, w) in weights.iter().enumerate() {
        filled += w;
        if filled >= each {
            out.push(start..i + 1);
            (start, filled) = (i + 1, 0);
        }
    }
    if start < weights.len() {
        out.push(start..weights.len());
    }
    out
}

/// A chapter's searchable sections, a document each: (anchor, section title, text), the
/// introduction first (`None` for its anchor).
pub(crate) fn sections(
    manual: &Manual,
    r: &Rendered,
    i: usize,
) -> Vec<(Option<String>, String, Arc<str>)> {
    let chapter = &manual.chapters[i];
    let first = r.texts.first().cloned().unwrap_or_default();
    let intro: Arc<str> = match chapter.summary.as_deref().filter(|s| !s.is_empty()) {
        Some(summary) if first.is_empty() => summary.into(),
        Some(summary) => format!("{summary} {first}").into(),
        None => first,
    };
    let sections = r.sections.iter().zip(r.texts.iter().skip(1));
    std::iter::once((None, String::new(), intro))
        .chain(sections.map(|(s, text)| {
            (
                Some(s.anchor.clone()),
                section_label(&s.number, &s.title),
                text.clone(),
            )
        }))
        // A chapter whose text starts with its first section has no introduction to find.
        .filter(|(anchor, _, text)| anchor.is_some() || !text.is_empty() || r.sections.is_empty())
        .collect()
}

/// Pushes the documents of chapter `i` to `docs`: `cached`'s terms where they are given (and
/// fit its sections), else its own analysed with `interner`. Whether it was analysed.
fn chapter_documents(
    manual: &Manual,
    r: &Rendered,
    i: usize,
    cached: Option<cache::ChapterTerms>,
    interner: &mut Interner,
    docs: &mut Vec<SearchDoc>,
) -> bool {
    let chapter = &manual.chapters[i];
    let all = sections(manual, r, i);
    if let Some(cached) = cached.filter(|c| c.len() == all.len()) {
        for ((anchor, section_title, text), terms) in all.into_iter().zip(cached) {
            docs.push(SearchDoc {
                chapter: i,
                anchor,
                section_title,
                text,
                terms,
            });
        }
        return false;
    }
    let title = interner.analyze(&chapter.title);
    let keywords: Vec<u32> = chapter
        .keywords
        .iter()
        .flat_map(|k| interner.analyze(k))
        .collect();
    for (anchor, section_title, text) in all {
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
    true
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

/// BM25 as tantivy computes it (k1 = 1.2, b = 0.75, field lengths quantised to its 256
/// field-norm codes), so that the browser's precomputed scores rank as `procbook search` does:
/// `term_weight(df, docs) * (tf / (tf + length_factor(len, average)))`, in f32, in that
/// order. The two factors are apart so that each is computed once for all the postings that
/// share it.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A term's weight in a field: its inverse document frequency × (1 + k1).
pub fn term_weight(doc_freq: u32, docs: usize) -> f32 {
    let x = ((docs as u64 - doc_freq as u64) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln() * (1.0 + K1)
}

/// A field's length factor, from its length (in terms) and the field's average length.
pub fn length_factor(field_len: u32, average: f32) -> f32 {
    let norm = tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(
        tantivy::fieldnorm::FieldNormReader::fieldnorm_to_id(field_len),
    );
    K1 * (1.0 - B + B * norm as f32 / average)
}

/// The next of a fixed series of pseudo-random numbers (xorshift), for tests that want many
/// varied inputs, the same on every run: `seed` is the last one (never 0).
#[cfg(test)]
pub(crate) fn next_random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretches_cover_the_chapters_in_order_with_about_as_much_text_each() {
        let chapter = |len: usize| {
            Arc::new(Rendered {
                texts: vec!["x".repeat(len).into()],
                ..Rendered::default()
            })
        };
        let rendered: Vec<_> = [10, 500, 10, 10, 10, 10, 480, 10, 10, 10]
            .into_iter()
            .map(chapter)
            .collect();
        let cut = stretches(&rendered, 4);
        assert!(cut.len() <= 4, "{cut:?}");
        let covered: Vec<usize> = cut.iter().flat_map(|r| r.clone()).collect();
        assert_eq!(covered, (0..10).collect::<Vec<_>>());
        // The two long chapters are in different stretches.
        let of = |i: usize| cut.iter().position(|r| r.contains(&i)).unwrap();
        assert_ne!(of(1), of(6));
        assert_eq!(stretches(&[], 4), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(stretches(&rendered[..1], 4), vec![0..1]);
    }

    #[test]
    fn the_short_word_table_finds_every_word_put_in_it_through_its_growth() {
        let mut table = ShortWords::default();
        let key = |i: u128| (i + 1) * 0x1_0000_0001 + (i << 70);
        assert_eq!(table.get(key(0)), None);
        for i in 0..5_000u128 {
            let id = (i % 7 != 0).then_some(i as u32);
            table.insert(key(i), id);
            // A key that differs only above bit 64 is another key.
            assert_eq!(table.get(key(i) ^ (1 << 100)), None);
        }
        for i in 0..5_000u128 {
            let expected = if i % 7 != 0 {
                i as u32
            } else {
                ShortWords::STOP
            };
            assert_eq!(table.get(key(i)), Some(expected), "word {i}");
        }
        assert_eq!(table.get(key(5_000)), None);
        assert_eq!(table.len, 5_000);
        assert!(table.keys.len() >= 10_000);

        // Keys whose halves have the same exclusive or share a slot: here the last one, so
        // that their probes run on round the end of the table to its start.
        let mut table = ShortWords::default();
        table.insert(u128::MAX, Some(0));
        assert_eq!(table.keys.len(), 1024);
        let last = (1..u64::MAX)
            .find(|&c| table.slot(u128::from(c)) == 1023)
            .unwrap();
        let colliding = |a: u64| (u128::from(a) << 64) | u128::from(a ^ last);
        for a in 1..400 {
            assert_eq!(table.slot(colliding(a)), 1023);
            table.insert(colliding(a), Some(a as u32));
        }
        assert_eq!(table.keys.len(), 1024, "not grown: the probes had to wrap");
        for a in 1..400 {
            assert_eq!(table.get(colliding(a)), Some(a as u32));
        }
        assert_eq!(table.get(colliding(400)), None);
        assert_eq!(table.get(u128::MAX), Some(0));
    }

    #[test]
    fn a_short_word_has_one_key_wherever_it_is_and_no_other_word_has_it() {
        let text =
            "plan care plan careplan sixteen-letters16 abcdefghijklmnop abcdefghijklmnopq plan";
        let words = analyze::split_words(text);
        let keys: Vec<Option<u128>> = words
            .iter()
            .map(|&(s, e)| short_key(text.as_bytes(), s, e))
            .collect();
        let word = |i: usize| &text[words[i].0..words[i].1];
        assert_eq!(word(0), "plan");
        // The first "plan" (sixteen bytes of text after it) and the last (at the end).
        assert_eq!(keys[0], keys[2]);
        assert_eq!(keys[0], *keys.last().unwrap());
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[1], keys[3]);
        let at = |w: &str| words.iter().position(|&(s, e)| &text[s..e] == w).unwrap();
        assert!(keys[at("abcdefghijklmnop")].is_some());
        assert!(keys[at("abcdefghijklmnopq")].is_none());
        // And an interner gives each the term the analyser does, on both paths.
        let mut interner = Interner::default();
        let ids = interner.analyze(text);
        let again = interner.analyze(text);
        assert_eq!(ids, again);
        let terms: Vec<&str> = ids
            .iter()
            .map(|&t| interner.terms[t as usize].as_str())
            .collect();
        let analyzer = Analyzer::default();
        let expected: Vec<String> = words
            .iter()
            .filter_map(|&(s, e)| analyzer.term(&text[s..e]))
            .collect();
        assert_eq!(terms, expected);
    }

    #[test]
    fn an_interner_drops_stop_words_and_keeps_every_other_word_in_order() {
        let analyzer = Analyzer::default();
        let mut interner = Interner::default();
        // Stop words among others, first, last and side by side; short words and long; and
        // texts with as many words as their length allows (one letter each, one space apart),
        // after a longer text and before a shorter one, as the room kept between texts is.
        let texts = [
            "the child and the carer of a child in care, and the unaccompanied asylum-seeking children's plans",
            "x y z a b c d e f g h i j k l m n o p q r s t u v w",
            "a x a y a z a",
            "x",
            "",
            "to be or not to be",
            "assessments assessment assessing assess the",
        ];
        for _ in 0..2 {
            for text in texts {
                let terms: Vec<&str> = interner
                    .analyze(text)
                    .iter()
                    .map(|&t| interner.terms[t as usize].as_str())
                    .collect();
                let expected: Vec<String> = analyze::split_words(text)
                    .into_iter()
                    .filter_map(|(s, e)| analyzer.term(&text[s..e]))
                    .collect();
                assert_eq!(terms, expected, "{text}");
            }
        }
        assert!(interner.analyze("the and of").is_empty());
    }

    #[test]
    fn an_interner_gives_the_analyser_s_terms_for_texts_of_every_kind() {
        // Pseudo-random texts of words and separators, one interner for all (as a stretch of
        // chapters has): stop words, one-letter words side by side, possessives and other
        // apostrophes, digits, capitals, words longer than the short-word table takes, and
        // letters beyond ASCII.
        let words = [
            "a",
            "the",
            "of",
            "to",
            "x",
            "s",
            "I",
            "child",
            "Children's",
            "carers'",
            "don't",
            "O’Neill",
            "1",
            "47",
            "s47",
            "strategy",
            "discussions",
            "CAFCASS",
            "naïve",
            "café",
            "organisation",
            "organization",
            "unaccompanied-asylum-seeking",
            "multiagencysafeguardingarrangements",
            "ǅ",
            "Ⅳ",
        ];
        let separators = [" ", "  ", ", ", ". ", "\n", " — ", "'", "-", "(", ")"];
        let analyzer = Analyzer::default();
        let mut interner = Interner::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..400 {
            let mut text = String::new();
            for _ in 0..len {
                let r = next_random(&mut seed);
                text.push_str(words[(r % words.len() as u64) as usize]);
                text.push_str(separators[((r >> 32) % separators.len() as u64) as usize]);
            }
            let terms: Vec<&str> = interner
                .analyze(&text)
                .iter()
                .map(|&t| interner.terms[t as usize].as_str())
                .collect();
            let expected: Vec<String> = analyze::split_words(&text)
                .into_iter()
                .filter_map(|(s, e)| analyzer.term(&text[s..e]))
                .collect();
            assert_eq!(terms, expected, "{text:?}");
        }
    }
}
