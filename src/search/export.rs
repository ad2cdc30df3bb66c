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
use super::{Corpus, Field, SearchDoc, length_factor, term_weight};
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
    text: &'a str,
}

/// The files of `search/` for `docs`.
pub fn export(manual: &Manual, corpus: &Corpus) -> Vec<OutputFile> {
    let docs = &corpus.docs;
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
    // The excerpts are made while the postings are: each has stretches on one thread.
    let ((mut files, shards), fragments) = rayon::join(
        || phase("  search postings and shards", || write_shards(corpus)),
        || fragments(manual, docs, &by_chapter),
    );
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

    files.extend(fragments);
    files
}

/// Each chapter's fragment, `c/N.json`: its number, title, address, and each section's title
/// and opening text, for the results shown.
fn fragments(manual: &Manual, docs: &[SearchDoc], by_chapter: &[Vec<u32>]) -> Vec<OutputFile> {
    by_chapter
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
                            text: &doc.text[..doc
                                .text
                                .char_indices()
                                .nth(EXCERPT_CHARS)
                                .map_or(doc.text.len(), |(at, _)| at)],
                        }
                    })
                    .collect(),
            };
            OutputFile::new(
                format!("search/c/{c}.json"),
                serde_json::to_vec(&fragment).expect("fragment serialises"),
            )
        })
        .collect()
}

/// Cuts the entries of the sorted terms into shard files of about `SHARD_BYTES`.
#[derive(Default)]
struct ShardWriter {
    files: Vec<OutputFile>,
    /// [first term, last term, file] of each shard written.
    ranges: Vec<(String, String, String)>,
    current: Vec<u8>,
    count: u32,
    /// The first and last terms of the shard being written.
    first: Option<TermKey>,
    last: Option<TermKey>,
}

/// A term, by the ranks of its words: a word (`second` is `None`) or a pair of words.
#[derive(Clone, Copy)]
struct TermKey {
    first: u32,
    second: Option<u32>,
}

/// Terms in text order, and each one's rank in that order.
struct Ranks<'a> {
    vocabulary: &'a [String],
    /// Term ids in text order.
    order: Vec<u32>,
    /// Each term id's place in `order`.
    rank: Vec<u32>,
}

impl<'a> Ranks<'a> {
    fn new(vocabulary: &'a [String]) -> Ranks<'a> {
        let mut order: Vec<u32> = (0..vocabulary.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| vocabulary[a as usize].cmp(&vocabulary[b as usize]));
        let mut rank = vec![0u32; vocabulary.len()];
        for (r, &t) in order.iter().enumerate() {
            rank[t as usize] = r as u32;
        }
        Ranks {
            vocabulary,
            order,
            rank,
        }
    }

    fn word(&self, rank: u32) -> &'a str {
        &self.vocabulary[self.order[rank as usize] as usize]
    }

    fn text(&self, key: TermKey, out: &mut String) {
        out.clear();
        out.push_str(self.word(key.first));
        if let Some(second) = key.second {
            out.push(' ');
            out.push_str(self.word(second));
        }
    }
}

impl ShardWriter {
    fn push(&mut self, ranks: &Ranks, key: TermKey, entry: &[u8]) {
        if !self.current.is_empty() && self.current.len() + entry.len() > SHARD_BYTES {
            self.flush(ranks);
        }
        if self.count == 0 {
            self.first = Some(key);
        }
        self.last = Some(key);
        self.current.extend_from_slice(entry);
        self.count += 1;
    }

    fn flush(&mut self, ranks: &Ranks) {
        let (Some(first), Some(last)) = (self.first.take(), self.last.take()) else {
            return;
        };
        let name = format!("s/{}.bin", self.ranges.len());
        let mut bytes = Vec::with_capacity(8 + self.current.len());
        bytes.extend_from_slice(b"PBS1");
        bytes.extend_from_slice(&self.count.to_le_bytes());
        bytes.append(&mut self.current);
        let (mut a, mut b) = (String::new(), String::new());
        ranks.text(first, &mut a);
        ranks.text(last, &mut b);
        self.ranges.push((a, b, name.clone()));
        self.files
            .push(OutputFile::new(format!("search/{name}"), bytes));
        self.count = 0;
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

/// A document's words, counted: (term, frequency) in term order for each word field.
struct Counted {
    runs: Vec<(u32, u32)>,
    /// Where each word field's runs end in `runs`.
    ends: [usize; 5],
}

impl Counted {
    /// Counts with `tally`, a zeroed count for every term (left zeroed).
    fn of(d: &SearchDoc, tally: &mut [u32]) -> Counted {
        let mut runs = Vec::with_capacity(d.terms.iter().map(Vec::len).sum());
        let mut ends = [0; 5];
        for field in Field::WORDS {
            let f = field as usize;
            let first = runs.len();
            for &t in &d.terms[f] {
                if tally[t as usize] == 0 {
                    runs.push((t, 0));
                }
                tally[t as usize] += 1;
            }
            for (t, tf) in &mut runs[first..] {
                *tf = std::mem::take(&mut tally[*t as usize]);
            }
            ends[f] = runs.len();
        }
        Counted { runs, ends }
    }

    fn field(&self, f: usize) -> &[(u32, u32)] {
        &self.runs[if f == 0 { 0 } else { self.ends[f - 1] }..self.ends[f]]
    }
}

/// Postings grouped by term: term `t`'s are `items[starts[t]..starts[t + 1]]`.
struct Grouped<T> {
    starts: Vec<usize>,
    items: Vec<T>,
}

impl<T: Copy + Default> Grouped<T> {
    /// Groups the items that `each(i, emit)` emits, as `emit(group, item)`, for `i` in
    /// `0..lists`: in that order, so that each group keeps it. `each` is called twice for
    /// every `i` (once to count, once to place), and must emit the same both times.
    fn new(groups: usize, lists: usize, each: impl Fn(usize, &mut dyn FnMut(u32, T))) -> Self {
        let mut starts = vec![0usize; groups + 1];
        for i in 0..lists {
            each(i, &mut |g, _| starts[g as usize + 1] += 1);
        }
        for g in 0..groups {
            starts[g + 1] += starts[g];
        }
        let mut next = starts.clone();
        let mut items = vec![T::default(); starts[groups]];
        for i in 0..lists {
            each(i, &mut |g, value| {
                let at = &mut next[g as usize];
                items[*at] = value;
                *at += 1;
            });
        }
        Grouped { starts, items }
    }

    fn group(&self, g: usize) -> &[T] {
        &self.items[self.starts[g]..self.starts[g + 1]]
    }
}

/// Every word's documents with their scores, and every pair of adjacent words' documents (for
/// phrases), written into shards in the order of the terms' text.
///
/// Pairs are never made into strings to be sorted: with each term's rank in text order, a
/// pair "a b" sorts by (rank of a, rank of b), and a word by (its rank, before any pair),
/// which is the order of their text since terms hold no character at or below the space.
fn write_shards(corpus: &Corpus) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
    let ranks = phase("    search term order", || Ranks::new(&corpus.vocabulary));
    let n = corpus.vocabulary.len();
    let docs = corpus.docs.len();
    let counted: Vec<Counted> = phase("    search word counts", || {
        corpus
            .docs
            .par_iter()
            .map_init(|| vec![0u32; n], |tally, d| Counted::of(d, tally))
            .collect()
    });

    // Collection statistics per word field: each term's document frequency, and the total
    // number of terms (for the average length).
    let (doc_freq, total_terms) = phase("    search statistics", || statistics(&counted, n));
    let weights: Vec<Vec<f32>> = doc_freq
        .iter()
        .map(|df| df.iter().map(|&df| term_weight(df, docs)).collect())
        .collect();

    // Each document's words with their scores: BM25 summed over the word fields with their
    // boosts, in field order, as tantivy sums a word's field clauses.
    let scored: Vec<Vec<(u32, f32)>> = phase("    search word scores", || {
        corpus
            .docs
            .par_iter()
            .zip(&counted)
            .map_init(
                || (vec![f32::NAN; n], Vec::new()),
                |scratch, (d, c)| {
                    // Summed in field order: `total` holds each term's sum so far, and `NaN`
                    // where it has none (no score is `NaN`).
                    let (total, merged) = scratch;
                    merged.clear();
                    for field in Field::WORDS {
                        let f = field as usize;
                        let average = total_terms[f] as f32 / docs as f32;
                        let factor = length_factor(d.terms[f].len() as u32, average);
                        for &(t, tf) in c.field(f) {
                            let tf = tf as f32;
                            let bm25 = weights[f][t as usize] * (tf / (tf + factor));
                            let score = field.boost() * bm25;
                            let sum = &mut total[t as usize];
                            if sum.is_nan() {
                                *sum = score;
                                merged.push(t);
                            } else {
                                *sum += score;
                            }
                        }
                    }
                    // By rank, for grouping below.
                    merged
                        .iter()
                        .map(|&t| {
                            let score = std::mem::replace(&mut total[t as usize], f32::NAN);
                            (ranks.rank[t as usize], score)
                        })
                        .collect()
                },
            )
            .collect()
    });
    let words: Grouped<(u32, f32)> = phase("    search word postings", || {
        Grouped::new(n, scored.len(), |doc, emit| {
            for &(r, score) in &scored[doc] {
                emit(r, (doc as u32, score));
            }
        })
    });
    drop(scored);
    drop(counted);

    // Pairs of adjacent words, grouped by the first word's rank, then sorted by the second's
    // rank and the document, as (second rank << 32 | document), and made unique.
    let mut pairs: Grouped<u64> = phase("    search pairs", || {
        Grouped::new(n, docs, |doc, emit| {
            for (a, b) in corpus.docs[doc].pairs() {
                let second = u64::from(ranks.rank[b as usize]);
                emit(ranks.rank[a as usize], (second << 32) | doc as u64);
            }
        })
    });
    phase("    search pair sort", || {
        let mut groups: Vec<&mut [u64]> = Vec::with_capacity(n);
        let mut rest = pairs.items.as_mut_slice();
        for g in 0..n {
            let (group, tail) = rest.split_at_mut(pairs.starts[g + 1] - pairs.starts[g]);
            groups.push(group);
            rest = tail;
        }
        groups.par_iter_mut().for_each(|g| g.sort_unstable());
    });

    // Each term's entry, made in parallel over runs of ranks, then cut into shards in order.
    let postings = Postings {
        ranks: &ranks,
        words,
        pairs,
        word_df: (0..n)
            .map(|t| doc_freq.iter().map(|df| df[t]).sum())
            .collect(),
    };
    const RUN: usize = 512;
    let runs: Vec<Entries> = phase("    search entries", || {
        (0..n.div_ceil(RUN))
            .into_par_iter()
            .map(|run| postings.entries(run * RUN..((run + 1) * RUN).min(n)))
            .collect()
    });

    let mut shards = ShardWriter::default();
    phase("    search shards", || {
        for run in &runs {
            let mut at = 0;
            for &(key, end) in &run.ends {
                shards.push(&ranks, key, &run.bytes[at..end]);
                at = end;
            }
        }
    });
    shards.flush(&ranks);
    (shards.files, shards.ranges)
}

/// Every term's postings: words' documents with their scores, pairs' documents.
struct Postings<'a> {
    ranks: &'a Ranks<'a>,
    /// By rank: (document, score).
    words: Grouped<(u32, f32)>,
    /// By the rank of the pair's first word: (second word's rank << 32 | document), sorted.
    pairs: Grouped<u64>,
    /// By term id: document frequency summed over the word fields (it orders a prefix's terms).
    word_df: Vec<u32>,
}

/// The entries of a run of terms, one after another, and where each ends.
struct Entries {
    bytes: Vec<u8>,
    ends: Vec<(TermKey, usize)>,
}

impl Postings<'_> {
    /// The entries of the terms whose ranks are in `range`: each word, then the pairs that
    /// start with it.
    fn entries(&self, range: std::ops::Range<usize>) -> Entries {
        let (words, pairs, ranks) = (&self.words, &self.pairs, self.ranks);
        // About what the entries take, so that the buffer is not grown and copied.
        let postings = words.starts[range.end] - words.starts[range.start];
        let paired = pairs.starts[range.end] - pairs.starts[range.start];
        let mut bytes = Vec::with_capacity(postings * 5 + paired * 3);
        let mut ends = Vec::new();
        let mut term = String::new();
        for r in range {
            let first = r as u32;
            let postings = words.group(r);
            if !postings.is_empty() {
                let df = self.word_df[ranks.order[r] as usize];
                start_entry(&mut bytes, ranks.word(first), df, postings.len());
                let mut previous = 0u32;
                for &(doc, score) in postings {
                    varint(&mut bytes, doc - previous);
                    previous = doc;
                    let scaled = (score * SCORE_SCALE).round().clamp(0.0, 16_777_215.0) as u32;
                    bytes.extend_from_slice(&scaled.to_le_bytes()[..3]);
                }
                let key = TermKey {
                    first,
                    second: None,
                };
                ends.push((key, bytes.len()));
            }
            for same in pairs.group(r).chunk_by(|a, b| a >> 32 == b >> 32) {
                let key = TermKey {
                    first,
                    second: Some((same[0] >> 32) as u32),
                };
                // A document can have the same pair more than once.
                let count = 1 + same.windows(2).filter(|w| w[0] != w[1]).count();
                ranks.text(key, &mut term);
                start_entry(&mut bytes, &term, count as u32, count);
                let mut previous = None;
                for &p in same {
                    let doc = p as u32;
                    if previous != Some(doc) {
                        varint(&mut bytes, doc - previous.unwrap_or(0));
                        previous = Some(doc);
                    }
                }
                ends.push((key, bytes.len()));
            }
        }
        Entries { bytes, ends }
    }
}

/// Document frequencies (per word field, by term id) and total terms per field.
fn statistics(counted: &[Counted], terms: usize) -> (Vec<Vec<u32>>, Vec<u64>) {
    let fields = Field::WORDS.len();
    let zero = || (vec![vec![0u32; terms]; fields], vec![0u64; fields]);
    counted
        .par_iter()
        .fold(zero, |(mut df, mut total), c| {
            for (f, (df, total)) in df.iter_mut().zip(total.iter_mut()).enumerate() {
                for &(t, tf) in c.field(f) {
                    df[t as usize] += 1;
                    *total += u64::from(tf);
                }
            }
            (df, total)
        })
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
        })
}

fn varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}
