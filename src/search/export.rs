//! The static search index in the site's `search/` folder, for the browser's client:
//!
//! - `meta.json`: the shards' term ranges, the analysis tables (stop words, spellings), the
//!   parts' and local chapters' document ranges (for filters), and where each chapter's
//!   documents start;
//! - `s/N.bin`: the terms, sorted, in shards of about `SHARD_BYTES`, each term with its
//!   document frequency and, for every document it is in, its score: tantivy's BM25 summed
//!   over the fields with their boosts. A query fetches only the shards of its terms, and a
//!   prefix's terms sit together in one or two shards;
//! - `c/N.json`: chapter N's number, title, address, and each section's title and opening
//!   text, fetched for the results shown.
//!
//! Shard format, little-endian: "PBS1", u32 term count, then per term: u8 length, the term in
//! UTF-8, u32 document frequency, u32 posting count, then per posting the document id's gap
//! from the previous one as a LEB128 varint and, for words, the score × 10,000 as a u24. Pairs
//! of words (terms with a space) only filter phrases, so their postings have no score.

use rayon::prelude::*;
use serde::Serialize;

use super::analyze::{STOP_WORDS, spelling_map};
use super::{Corpus, Field, Stats, bm25};
use crate::model::Manual;
use crate::render::OutputFile;
use crate::timing::phase;

/// Shards are cut at about this many bytes (a term larger than this has a shard of its own).
const SHARD_BYTES: usize = 24 * 1024;
/// The opening of each section kept for excerpts.
const EXCERPT_CHARS: usize = 600;
pub const SCORE_SCALE: f32 = 10_000.0;

#[derive(Serialize)]
struct Meta<'a> {
    version: u32,
    docs: usize,
    /// [first term, last term, file].
    shards: Vec<(String, String, String)>,
    stop_words: &'a [&'a str],
    /// Sorted, so that the file is the same bytes on every build.
    spellings: std::collections::BTreeMap<&'a str, &'a str>,
    fields: Vec<(&'static str, f32)>,
    max_expansions: usize,
    min_prefix: usize,
    parts: Vec<PartRange>,
    /// [first document, end] of each local chapter's documents.
    local: Vec<(u32, u32)>,
    /// The first document of each chapter, in order.
    chapter_docs: Vec<u32>,
}

#[derive(Serialize)]
struct PartRange {
    number: String,
    title: String,
    first: u32,
    end: u32,
}

#[derive(Serialize)]
struct Fragment<'a> {
    id: &'a str,
    number: String,
    title: &'a str,
    url: String,
    sections: Vec<FragmentSection<'a>>,
}

#[derive(Serialize)]
struct FragmentSection<'a> {
    doc: u32,
    anchor: Option<&'a str>,
    title: &'a str,
    text: String,
}

/// The files of `search/` for `docs`.
pub fn export(manual: &Manual, corpus: &Corpus) -> Vec<OutputFile> {
    let docs = &corpus.docs;
    let stats = phase("  search statistics", || Stats::of(corpus));
    let (mut files, shards) = phase("  search postings and shards", || {
        write_shards(corpus, &stats)
    });

    let mut chapter_docs = Vec::with_capacity(manual.chapters.len());
    let mut by_chapter: Vec<Vec<u32>> = vec![Vec::new(); manual.chapters.len()];
    for (i, d) in docs.iter().enumerate() {
        by_chapter[d.chapter].push(i as u32);
    }
    let mut next = 0u32;
    for list in &by_chapter {
        chapter_docs.push(list.first().copied().unwrap_or(next));
        next = list.last().map_or(next, |l| l + 1);
    }
    let range_of = |chapters: &mut dyn Iterator<Item = usize>| -> Option<(u32, u32)> {
        let ids: Vec<u32> = chapters
            .flat_map(|c| by_chapter[c].iter().copied())
            .collect();
        Some((*ids.first()?, *ids.last()? + 1))
    };
    let parts = manual
        .parts
        .iter()
        .enumerate()
        .filter_map(|(p, part)| {
            let (first, end) = range_of(
                &mut manual
                    .chapters
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.part == p)
                    .map(|(i, _)| i),
            )?;
            Some(PartRange {
                number: part.number.to_string(),
                title: part.title.clone(),
                first,
                end,
            })
        })
        .collect();
    let local = manual
        .chapters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.local)
        .filter_map(|(i, _)| range_of(&mut std::iter::once(i)))
        .collect();
    let meta = Meta {
        version: 1,
        docs: docs.len(),
        shards,
        stop_words: STOP_WORDS,
        spellings: spelling_map()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        fields: Field::ALL.iter().map(|f| (f.name(), f.boost())).collect(),
        max_expansions: super::query::MAX_EXPANSIONS,
        min_prefix: super::query::MIN_PREFIX,
        parts,
        local,
        chapter_docs,
    };
    files.push(OutputFile::new(
        "search/meta.json",
        serde_json::to_vec(&meta).expect("meta serialises"),
    ));

    let fragments: Vec<OutputFile> = by_chapter
        .par_iter()
        .enumerate()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(c, ids)| {
            let chapter = &manual.chapters[c];
            let fragment = Fragment {
                id: chapter.id.as_str(),
                number: chapter.number.to_string(),
                title: &chapter.title,
                url: chapter
                    .external_url
                    .clone()
                    .or_else(|| chapter.page_path())
                    .unwrap_or_default(),
                sections: ids
                    .iter()
                    .map(|&d| {
                        let doc = &docs[d as usize];
                        FragmentSection {
                            doc: d,
                            anchor: doc.anchor.as_deref(),
                            title: &doc.section_title,
                            text: doc.text.chars().take(EXCERPT_CHARS).collect(),
                        }
                    })
                    .collect(),
            };
            OutputFile::new(
                format!("search/c/{c}.json"),
                serde_json::to_vec(&fragment).expect("fragment serialises"),
            )
        })
        .collect();
    files.extend(fragments);
    files
}

/// A term's documents, with its score in each, and its document frequency (summed over the
/// word fields: it orders a prefix's terms).
#[derive(Debug, Default)]
struct TermPostings {
    df: u32,
    list: Vec<(u32, f32)>,
}

/// Cuts the sorted terms into shard files of about `SHARD_BYTES`.
#[derive(Default)]
struct ShardWriter {
    files: Vec<OutputFile>,
    /// [first term, last term, file] of each shard written.
    ranges: Vec<(String, String, String)>,
    current: Vec<u8>,
    count: u32,
    first: String,
    last: String,
    /// The entry being written, kept to reuse its memory.
    entry: Vec<u8>,
}

impl ShardWriter {
    /// Adds a word with its scored documents.
    fn add_word(&mut self, term: &str, p: &TermPostings) {
        let mut entry = std::mem::take(&mut self.entry);
        entry.clear();
        start_entry(&mut entry, term, p.df, p.list.len());
        let mut previous = 0u32;
        for &(doc, score) in &p.list {
            varint(&mut entry, doc - previous);
            previous = doc;
            let scaled = (score * SCORE_SCALE).round().clamp(0.0, 16_777_215.0) as u32;
            entry.extend_from_slice(&scaled.to_le_bytes()[..3]);
        }
        self.push(term, &entry);
        self.entry = entry;
    }

    /// Adds a pair of words (`term` is "first second") with the documents it is in.
    fn add_pair(&mut self, term: &str, docs: &[u32]) {
        let mut entry = std::mem::take(&mut self.entry);
        entry.clear();
        start_entry(&mut entry, term, docs.len() as u32, docs.len());
        let mut previous = 0u32;
        for &doc in docs {
            varint(&mut entry, doc - previous);
            previous = doc;
        }
        self.push(term, &entry);
        self.entry = entry;
    }

    fn push(&mut self, term: &str, entry: &[u8]) {
        if !self.current.is_empty() && self.current.len() + entry.len() > SHARD_BYTES {
            self.flush();
        }
        if self.count == 0 {
            self.first = term.to_owned();
        }
        self.last.clear();
        self.last.push_str(term);
        self.current.extend_from_slice(entry);
        self.count += 1;
    }

    fn flush(&mut self) {
        if self.count == 0 {
            return;
        }
        let name = format!("s/{}.bin", self.ranges.len());
        let mut bytes = b"PBS1".to_vec();
        bytes.extend_from_slice(&self.count.to_le_bytes());
        bytes.append(&mut self.current);
        self.ranges.push((
            std::mem::take(&mut self.first),
            self.last.clone(),
            name.clone(),
        ));
        self.files
            .push(OutputFile::new(format!("search/{name}"), bytes));
        self.count = 0;
    }

    fn finish(mut self) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
        self.flush();
        (self.files, self.ranges)
    }
}

/// A term's length (at most 255 bytes of it), text, document frequency and posting count.
fn start_entry(entry: &mut Vec<u8>, term: &str, df: u32, postings: usize) {
    let bytes = &term.as_bytes()[..term.len().min(255)];
    entry.push(bytes.len() as u8);
    entry.extend_from_slice(bytes);
    entry.extend_from_slice(&df.to_le_bytes());
    entry.extend_from_slice(&(postings as u32).to_le_bytes());
}

/// Every word's documents with their scores, and every pair of adjacent words' documents (for
/// phrases), written into shards in the order of the terms' text.
///
/// Pairs are never made into strings to be sorted: with each term's rank in text order, a
/// pair "a b" sorts by (rank of a, rank of b), and a word by (its rank, before any pair),
/// which is the order of their text since terms hold no character at or below the space.
fn write_shards(
    corpus: &Corpus,
    stats: &Stats,
) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
    let vocabulary = &corpus.vocabulary;
    let mut order: Vec<u32> = (0..vocabulary.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| vocabulary[a as usize].cmp(&vocabulary[b as usize]));
    let mut rank = vec![0u32; vocabulary.len()];
    for (r, &t) in order.iter().enumerate() {
        rank[t as usize] = r as u32;
    }
    let words = phase("    search word scores", || word_postings(corpus, stats));

    // Pairs: (rank of first, rank of second, document), packed in one u64 where they fit
    // (ranks below 2^20, documents below 2^24), sorted.
    let packed = vocabulary.len() < (1 << 20) && corpus.docs.len() < (1 << 24);
    let per_doc: Vec<Vec<u64>> = corpus
        .docs
        .par_iter()
        .map(|d| {
            let mut keys: Vec<u64> = d
                .pairs()
                .map(|(a, b)| (u64::from(rank[a as usize]) << 32) | u64::from(rank[b as usize]))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        })
        .collect();
    // (pair key, document), sorted by key then document.
    let pairs: Vec<(u64, u32)> = phase("    search pair sort", || {
        if packed {
            let mut all: Vec<u64> = Vec::with_capacity(per_doc.iter().map(Vec::len).sum());
            for (doc, keys) in per_doc.iter().enumerate() {
                all.extend(
                    keys.iter()
                        .map(|k| ((k >> 32) << 44) | ((k & 0xf_ffff) << 24) | doc as u64),
                );
            }
            all.par_sort_unstable();
            all.into_iter()
                .map(|p| {
                    (
                        (((p >> 44) << 32) | ((p >> 24) & 0xf_ffff)),
                        (p & 0xff_ffff) as u32,
                    )
                })
                .collect()
        } else {
            let mut all: Vec<(u64, u32)> = Vec::with_capacity(per_doc.iter().map(Vec::len).sum());
            for (doc, keys) in per_doc.iter().enumerate() {
                all.extend(keys.iter().map(|&k| (k, doc as u32)));
            }
            all.par_sort_unstable();
            all
        }
    });

    let mut shards = ShardWriter::default();
    let mut term = String::new();
    let mut docs: Vec<u32> = Vec::new();
    let mut next = 0;
    for (r, &t) in order.iter().enumerate() {
        let word = &words[t as usize];
        if !word.list.is_empty() {
            shards.add_word(&vocabulary[t as usize], word);
        }
        // Then every pair that starts with this word, in order.
        while next < pairs.len() && (pairs[next].0 >> 32) as usize == r {
            let key = pairs[next].0;
            docs.clear();
            while next < pairs.len() && pairs[next].0 == key {
                docs.push(pairs[next].1);
                next += 1;
            }
            term.clear();
            term.push_str(&vocabulary[t as usize]);
            term.push(' ');
            term.push_str(&vocabulary[order[(key & 0xffff_ffff) as usize] as usize]);
            shards.add_pair(&term, &docs);
        }
    }
    shards.finish()
}

/// Every word's documents with their scores: tantivy's BM25 summed over the word fields with
/// their boosts.
fn word_postings(corpus: &Corpus, stats: &Stats) -> Vec<TermPostings> {
    let per_doc: Vec<Vec<(u32, f32)>> = corpus
        .docs
        .par_iter()
        .map(|d| {
            let mut scores: Vec<(u32, f32)> = Vec::new();
            let mut sorted = Vec::new();
            for field in Field::WORDS {
                let f = field as usize;
                let terms = &d.terms[f];
                sorted.clear();
                sorted.extend_from_slice(terms);
                sorted.sort_unstable();
                for run in sorted.chunk_by(|a, b| a == b) {
                    let t = run[0];
                    let s = field.boost()
                        * bm25(
                            run.len() as u32,
                            terms.len() as u32,
                            stats.doc_freq[f][t as usize],
                            stats.docs,
                            stats.total_terms[f],
                        );
                    scores.push((t, s));
                }
            }
            // Summed in field order, as tantivy sums a word's field clauses.
            scores.sort_by_key(|(t, _)| *t);
            let mut merged: Vec<(u32, f32)> = Vec::with_capacity(scores.len());
            for (t, s) in scores {
                match merged.last_mut() {
                    Some((last, total)) if *last == t => *total += s,
                    _ => merged.push((t, s)),
                }
            }
            merged
        })
        .collect();
    let mut words: Vec<TermPostings> = (0..corpus.vocabulary.len())
        .map(|_| TermPostings::default())
        .collect();
    for (t, p) in words.iter_mut().enumerate() {
        p.df = Field::WORDS
            .iter()
            .map(|f| stats.doc_freq[*f as usize][t])
            .sum();
    }
    for (doc, list) in per_doc.into_iter().enumerate() {
        for (t, score) in list {
            words[t as usize].list.push((doc as u32, score));
        }
    }
    words
}

fn varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}
