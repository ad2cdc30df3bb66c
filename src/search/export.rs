//! The static search index in the site's `search/` folder, for the browser's client:
//!
//! - `meta.json`: the shards' term ranges, the analysis tables (stop words, question words,
//!   spellings), the parts' and local chapters' document ranges (for filters), and where each
//!   chapter's documents start;
//! - `s/N.bin`: the terms, sorted, in shards of about `SHARD_BYTES`, each term with its
//!   document frequency and, for every document it is in, its score: tantivy's BM25 summed
//!   over the fields with their boosts. A query fetches only the shards of its terms, and a
//!   prefix's terms sit together in one or two shards;
//! - `c/N.jsonl`: the fragments of chapters `N × FRAGMENT_PACK` onwards, `FRAGMENT_PACK` of
//!   them, one JSON object a line: the chapter's number, title, address, and each section's
//!   title and opening text. `meta.json` gives each chapter's fragment length (`fragment_bytes`),
//!   so the client fetches one chapter's fragment with an HTTP range request; a server that
//!   ignores the range sends the whole pack, and the client cuts the fragment out of it.
//!   (A file per chapter would be as small to fetch, but a thousand files cost a build more
//!   to write than their bytes do.)
//! - `t/N.bin`: the same chapters' terms, for quoted phrases: for each document, the numbers of
//!   the terms of its title, section title and text, in order (`term_files`); and
//!   `t/lengths.bin`, each document's length there as a varint, so that the client fetches a
//!   document's terms alone, by range, as it fetches a fragment. A phrase is
//!   checked in the best sections with all its words, one after another, rather than looked up
//!   in an index of word pairs: such an index took a fifth of a build's time.
//!
//! Shard format, little-endian: "PBS2", u32 term count, u32 number of the shard's first term
//! (the terms are numbered in text order across the shards, from 0: the numbers in `t/`), then
//! per term: u8 length, the term in UTF-8, u32 document frequency, u32 posting count, then per
//! posting the document id's gap from the previous one as a LEB128 varint and the score ×
//! 10,000 as a u24.

use std::io::Write as _;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::analyze::{STOP_WORDS, spelling_map};
use super::{Corpus, Field, length_factor, term_weight};
use crate::model::Manual;
use crate::render::OutputFile;
use crate::timing::phase;

/// Shards are cut at about this many bytes (a term larger than this has a shard of its own).
const SHARD_BYTES: usize = 24 * 1024;
/// The terms are cut into this many runs (at most), whose shards are made in parallel.
const SHARD_RUNS: usize = 16;
/// The opening of each section kept for excerpts.
const EXCERPT_CHARS: usize = 600;
/// Chapters' fragments in each `c/N.jsonl` file. A fixed count, so that an edit to one
/// chapter changes one file however its length changes; and few enough that a server which
/// ignores range requests sends a bounded pack (eight chapters' openings) for a result.
pub const FRAGMENT_PACK: usize = 8;
pub const SCORE_SCALE: f32 = 10_000.0;

#[derive(Serialize)]
struct Meta<'a> {
    version: u32,
    docs: usize,
    /// [first term, last term, file].
    shards: Vec<(String, String, String)>,
    stop_words: &'a [&'a str],
    /// Words dropped from a query that has others (`query::QUESTION_WORDS`).
    question_words: &'a [&'a str],
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
    /// Chapters in each fragment file (`c/N.jsonl`).
    fragment_pack: usize,
    /// The length in bytes of each chapter's fragment in its file (0: it has none).
    fragment_bytes: Vec<u32>,
    /// The bytes a term's number takes in the `t/N.bin` files.
    term_width: usize,
    /// A quoted phrase is looked for in at most this many sections (`query::PHRASE_CANDIDATES`).
    phrase_candidates: usize,
}

#[derive(Serialize)]
struct PartRange {
    number: String,
    title: String,
    first: u32,
    end: u32,
}

/// A chapter's fragment, a line of `c/N.jsonl`, written by `Fragment::write_json` (its tests hold it to
/// what `serde_json` writes for this struct).
#[cfg_attr(test, derive(Serialize))]
struct Fragment<'a> {
    id: &'a str,
    number: String,
    title: &'a str,
    url: String,
    sections: Vec<FragmentSection<'a>>,
}

#[cfg_attr(test, derive(Serialize))]
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
    let Shards {
        mut files,
        ranges: shards,
        numbers,
        terms,
    } = phase("  search postings and shards", || write_shards(corpus));
    let width = number_width(terms);
    files.extend(phase("  search term files", || {
        term_files(corpus, &by_chapter, &numbers, width)
    }));
    // The excerpts are made once the postings are gone, in the memory they held.
    let (fragments, fragment_bytes) = phase("  search fragments", || {
        let chapters = by_chapter
            .iter()
            .map(|ids| {
                ids.iter()
                    .map(|&d| {
                        let doc = &docs[d as usize];
                        FragmentSection::new(
                            d,
                            doc.anchor.as_deref(),
                            &doc.section_title,
                            &doc.text,
                        )
                    })
                    .collect()
            })
            .collect();
        fragments(manual, chapters)
    });
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
        question_words: super::query::QUESTION_WORDS,
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
        fragment_pack: FRAGMENT_PACK,
        fragment_bytes,
        term_width: width,
        phrase_candidates: super::query::PHRASE_CANDIDATES,
    };
    files.push(OutputFile::new(
        "search/meta.json",
        serde_json::to_vec(&meta).expect("meta serialises"),
    ));

    files.extend(fragments);
    files
}

/// The chapters' fragment files, `c/N.jsonl`, made from the chapters' rendered sections alone
/// (no analysis): the same files as `export` makes, for a build that reuses the rest of the
/// export (`meta.json` with the fragments' lengths among it) from the search cache, which does
/// not keep them.
pub fn fragment_files(
    manual: &Manual,
    rendered: &[std::sync::Arc<crate::markdown::Rendered>],
) -> Vec<OutputFile> {
    let sections: Vec<_> = rendered
        .par_iter()
        .enumerate()
        .map(|(i, r)| super::sections(manual, r, i))
        .collect();
    let mut next = 0u32;
    let chapters: Vec<Vec<FragmentSection>> = sections
        .iter()
        .map(|list| {
            list.iter()
                .map(|(anchor, title, text)| {
                    next += 1;
                    FragmentSection::new(next - 1, anchor.as_deref(), title, text)
                })
                .collect()
        })
        .collect();
    fragments(manual, chapters).0
}

/// Whether the file at `path` (in the site) is a chapter's fragment.
pub fn is_fragment(path: &str) -> bool {
    path.starts_with("search/c/")
}

impl<'a> FragmentSection<'a> {
    fn new(doc: u32, anchor: Option<&'a str>, title: &'a str, text: &'a str) -> Self {
        // Where the text is ASCII so far, a character is a byte.
        let excerpt = match text.as_bytes().get(..EXCERPT_CHARS) {
            None if text.is_ascii() => text.len(),
            Some(opening) if opening.is_ascii() => EXCERPT_CHARS,
            _ => text
                .char_indices()
                .nth(EXCERPT_CHARS)
                .map_or(text.len(), |(at, _)| at),
        };
        FragmentSection {
            doc,
            anchor,
            title,
            text: &text[..excerpt],
        }
    }
}

/// The chapters' fragment files, `c/N.jsonl`, `FRAGMENT_PACK` chapters a file, one line
/// each: a chapter's number, title, address, and each section's title and opening text, for
/// the results shown; and each chapter's length in its file. `chapters` holds each chapter's
/// sections, in order; a chapter with none has no fragment (length 0), and a file with none
/// is not written.
fn fragments(manual: &Manual, chapters: Vec<Vec<FragmentSection>>) -> (Vec<OutputFile>, Vec<u32>) {
    let (files, lengths): (Vec<Option<OutputFile>>, Vec<Vec<u32>>) = chapters
        .into_par_iter()
        .enumerate()
        .chunks(FRAGMENT_PACK)
        .enumerate()
        .map(|(p, pack)| {
            // Room for the texts and a little over, so that the buffer is not grown (each
            // growth is a copy into memory the process has not touched yet).
            let room: usize = pack
                .iter()
                .map(|(_, sections)| {
                    256 + sections
                        .iter()
                        .map(|s| s.text.len() + s.title.len() + 64)
                        .sum::<usize>()
                })
                .sum();
            let mut bytes = Vec::with_capacity(room + room / 8);
            let mut lengths = Vec::with_capacity(pack.len());
            for (c, sections) in pack {
                let start = bytes.len();
                if !sections.is_empty() {
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
                        sections,
                    };
                    fragment.write_json(&mut bytes);
                    bytes.push(b'\n');
                }
                lengths.push(u32::try_from(bytes.len() - start).expect("a fragment under 4 GB"));
            }
            let file =
                (!bytes.is_empty()).then(|| OutputFile::new(format!("search/c/{p}.jsonl"), bytes));
            (file, lengths)
        })
        .unzip();
    (files.into_iter().flatten().collect(), lengths.concat())
}

impl Fragment<'_> {
    /// The fragment as JSON, the bytes `serde_json` would write, made faster: most of a
    /// fragment is plain text that needs no escape, which `json_str` copies in blocks.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        json_str(out, self.id);
        out.extend_from_slice(b",\"number\":");
        json_str(out, &self.number);
        out.extend_from_slice(b",\"title\":");
        json_str(out, self.title);
        out.extend_from_slice(b",\"url\":");
        json_str(out, &self.url);
        out.extend_from_slice(b",\"sections\":[");
        for (i, s) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"doc\":");
            write!(out, "{}", s.doc).expect("writing to memory");
            out.extend_from_slice(b",\"anchor\":");
            match s.anchor {
                Some(anchor) => json_str(out, anchor),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"title\":");
            json_str(out, s.title);
            out.extend_from_slice(b",\"text\":");
            json_str(out, s.text);
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
}

/// `text` as a JSON string, quoted and escaped as `serde_json` escapes it: `"` and `\\`, the
/// control characters with a short escape as those, the other control characters as
/// `\u00XX`; everything else as it is.
fn json_str(out: &mut Vec<u8>, text: &str) {
    // Whether none of 32 bytes is below 0x20, a quote or a backslash, asked of all of them at
    // once (which the compiler makes into a few vector instructions). A byte of a character
    // past ASCII is never one: it is copied as it is.
    let clean = |block: &[u8; 32]| {
        block
            .iter()
            .fold(true, |ok, &b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
    };
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(block) = bytes.get(at..at + 32)
            && clean(block.try_into().expect("32 bytes"))
        {
            at += 32;
            continue;
        }
        let end = (at + 32).min(bytes.len());
        while at < end {
            let b = bytes[at];
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0C => b"\\f",
                0..0x20 => b"",
                _ => {
                    at += 1;
                    continue;
                }
            };
            out.extend_from_slice(&bytes[copied..at]);
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            } else {
                out.extend_from_slice(escape);
            }
            at += 1;
            copied = at;
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

/// Cuts the entries of a run of sorted terms into shards of about `SHARD_BYTES`, each entry
/// copied into its shard as it is made (so that the entries are never all held twice).
#[derive(Default)]
struct ShardWriter {
    /// The shards written: first term's rank, last term's rank, bytes.
    done: Vec<(u32, u32, Vec<u8>)>,
    current: Vec<u8>,
    count: u32,
    /// The ranks of the first and last terms of the shard being written.
    first: Option<u32>,
    last: Option<u32>,
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
}

impl ShardWriter {
    /// The shard header's length: "PBS2", the term count and the first term's number.
    const HEADER: usize = 12;

    fn push(&mut self, rank: u32, entry: &[u8]) {
        if self.count > 0 && self.current.len() - Self::HEADER + entry.len() > SHARD_BYTES {
            self.flush();
        }
        if self.count == 0 {
            self.first = Some(rank);
            // The shard is put together where it will stay: its header first, the count and
            // the first number filled in when they are known.
            self.current.clear();
            self.current
                .reserve(Self::HEADER + SHARD_BYTES.max(entry.len()));
            self.current.extend_from_slice(b"PBS2\0\0\0\0\0\0\0\0");
        }
        self.last = Some(rank);
        self.current.extend_from_slice(entry);
        self.count += 1;
    }

    fn flush(&mut self) {
        let (Some(first), Some(last)) = (self.first.take(), self.last.take()) else {
            return;
        };
        let mut bytes = std::mem::take(&mut self.current);
        bytes[4..8].copy_from_slice(&self.count.to_le_bytes());
        self.done.push((first, last, bytes));
        self.count = 0;
    }

    /// The shards of `runs`, in order, as files `s/N.bin`, with [first term, last term, file]
    /// of each. Each shard's header is given the number of its first term: the terms are
    /// numbered in order across the shards, from 0.
    fn files(
        runs: Vec<ShardWriter>,
        ranks: &Ranks,
    ) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
        let (mut files, mut ranges) = (Vec::new(), Vec::new());
        let mut number = 0u32;
        for (first, last, mut bytes) in runs.into_iter().flat_map(|run| run.done) {
            let name = format!("s/{}.bin", ranges.len());
            bytes[8..Self::HEADER].copy_from_slice(&number.to_le_bytes());
            number += u32::from_le_bytes(bytes[4..8].try_into().expect("four bytes"));
            files.push(OutputFile::new(format!("search/{name}"), bytes));
            ranges.push((
                ranks.word(first).to_owned(),
                ranks.word(last).to_owned(),
                name,
            ));
        }
        (files, ranges)
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

/// A field's words, counted: (term, frequency) for each term, in the order each first
/// appears, made in `room` (grown to fit) and returned from it, with `tally`, a zeroed count
/// for every term (left zeroed).
fn count_field<'a>(
    terms: &[u32],
    tally: &mut [u32],
    room: &'a mut Vec<(u32, u32)>,
) -> &'a [(u32, u32)] {
    if room.len() < terms.len() {
        room.resize(terms.len(), (0, 0));
    }
    // Without a branch on whether a term is new to the field (as good as a coin toss to
    // predict): each is written after the last new one, which moves on only for a new one.
    let mut new = 0;
    for &t in terms {
        let count = &mut tally[t as usize];
        room[new] = (t, 0);
        new += usize::from(*count == 0);
        *count += 1;
    }
    let runs = &mut room[..new];
    for (t, tf) in runs.iter_mut() {
        *tf = std::mem::take(&mut tally[*t as usize]);
    }
    runs
}

/// Postings grouped by term: term `t`'s are `items[starts[t]..starts[t + 1]]`.
struct Grouped<T> {
    starts: Vec<usize>,
    items: Vec<T>,
}

/// Where each group starts in a `Grouped`, for groups (in `order`) whose sizes
/// `counts[run][group]` sums to over the runs; the last start is the end.
fn group_starts(counts: &[Vec<u32>], order: &[u32]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(order.len() + 1);
    let mut at = 0;
    starts.push(at);
    for &g in order {
        at += counts.iter().map(|c| c[g as usize] as usize).sum::<usize>();
        starts.push(at);
    }
    starts
}

/// `items` cut into each run's share of each group, in run order within a group (so that runs
/// filled in order keep the order of their items): `shares[run][place in order]`.
fn run_shares<'a, T>(
    items: &'a mut [T],
    counts: &[Vec<u32>],
    order: &[u32],
) -> Vec<Vec<&'a mut [T]>> {
    let mut shares: Vec<Vec<&mut [T]>> = counts
        .iter()
        .map(|_| Vec::with_capacity(order.len()))
        .collect();
    let mut rest = items;
    for &g in order {
        for (run, share) in counts.iter().zip(&mut shares) {
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(run[g as usize] as usize);
            share.push(mine);
            rest = tail;
        }
    }
    shares
}

impl<T> Grouped<T> {
    fn group(&self, g: usize) -> &[T] {
        &self.items[self.starts[g]..self.starts[g + 1]]
    }
}

/// Puts `value` first in `slot`, and leaves the rest of it there.
fn put<T>(slot: &mut &mut [T], value: T) {
    let (first, rest) = std::mem::take(slot)
        .split_first_mut()
        .expect("room was counted for every item");
    *first = value;
    *slot = rest;
}

/// The documents cut into runs for the passes made in parallel: a few for each thread, so that
/// the threads finish together.
fn runs_of(docs: usize) -> Vec<Range<usize>> {
    let runs = (rayon::current_num_threads() * 4).clamp(1, docs.div_ceil(64).max(1));
    let size = docs.div_ceil(runs).max(1);
    (0..docs)
        .step_by(size)
        .map(|start| start..(start + size).min(docs))
        .collect()
}

/// What the first pass finds in a run of documents.
struct RunCounts {
    /// Per word field, each term's document frequency in the run.
    doc_freq: Vec<Vec<u32>>,
    /// Per word field, the number of terms.
    total: [u64; 5],
    /// Each term's number of documents in the run (in any word field).
    docs: Vec<u32>,
}

impl RunCounts {
    fn of(corpus: &Corpus, run: Range<usize>) -> RunCounts {
        let n = corpus.vocabulary.len();
        let mut counts = RunCounts {
            doc_freq: vec![vec![0; n]; Field::WORDS.len()],
            total: [0; 5],
            docs: vec![0; n],
        };
        // The last document (+ 1) each term was counted in, for each word field and for any.
        let mut seen = vec![[0u32; 6]; n];
        for d in run {
            let doc = &corpus.docs[d];
            let stamp = d as u32 + 1;
            for (f, terms) in doc.terms.iter().enumerate() {
                counts.total[f] += terms.len() as u64;
                let doc_freq = &mut counts.doc_freq[f];
                for &t in terms {
                    // Counted without a branch: whether a term is new to the document is as
                    // good as a coin toss to predict.
                    let (t, seen) = (t as usize, &mut seen[t as usize]);
                    doc_freq[t] += u32::from(seen[f] != stamp);
                    counts.docs[t] += u32::from(seen[5] != stamp);
                    (seen[f], seen[5]) = (stamp, stamp);
                }
            }
        }
        counts
    }
}

/// Every word's documents with their scores, written into shards in the order of the terms'
/// text; and each term's number (its place among the terms written, by term id; `u32::MAX`
/// for a term no document has).
///
/// Two passes over the documents, each over runs of them in parallel: the first counts (for
/// the statistics, and for the room each run's postings take), the second scores and puts
/// each run's postings straight into their places.
fn write_shards(corpus: &Corpus) -> Shards {
    let ranks = phase("    search term order", || Ranks::new(&corpus.vocabulary));
    let n = corpus.vocabulary.len();
    let docs = corpus.docs.len();
    let runs = runs_of(docs);
    let counts: Vec<RunCounts> = phase("    search counts", || {
        runs.par_iter()
            .map(|run| RunCounts::of(corpus, run.clone()))
            .collect()
    });

    // Collection statistics per word field: each term's document frequency, and the average
    // number of terms.
    let mut doc_freq = vec![vec![0u32; n]; Field::WORDS.len()];
    let mut total_terms = [0u64; 5];
    for run in &counts {
        for (all, part) in doc_freq.iter_mut().zip(&run.doc_freq) {
            for (a, p) in all.iter_mut().zip(part) {
                *a += p;
            }
        }
        for (all, part) in total_terms.iter_mut().zip(run.total) {
            *all += part;
        }
    }
    let weights: Vec<Vec<f32>> = doc_freq
        .iter()
        .map(|df| df.iter().map(|&df| term_weight(df, docs)).collect())
        .collect();
    let averages = total_terms.map(|total| total as f32 / docs as f32);

    let doc_counts: Vec<Vec<u32>> = counts.into_iter().map(|c| c.docs).collect();
    let word_starts = group_starts(&doc_counts, &ranks.order);
    let mut word_items = vec![(0u32, 0f32); word_starts[n]];
    phase("    search postings", || {
        let word_shares = run_shares(&mut word_items, &doc_counts, &ranks.order);
        runs.par_iter()
            .zip(word_shares)
            .for_each(|(run, mut words)| {
                let mut tally = vec![0u32; n];
                // Each term's score so far in the document, summed over the fields in field
                // order as tantivy sums a word's field clauses; `NaN` where it has none.
                let mut total = vec![f32::NAN; n];
                let (mut field_runs, mut merged) = (Vec::new(), Vec::new());
                for d in run.clone() {
                    let doc = &corpus.docs[d];
                    merged.clear();
                    for field in Field::WORDS {
                        let f = field as usize;
                        // Most documents have no keywords and no synonyms.
                        if doc.terms[f].is_empty() {
                            continue;
                        }
                        let factor = length_factor(doc.terms[f].len() as u32, averages[f]);
                        for &(t, tf) in count_field(&doc.terms[f], &mut tally, &mut field_runs) {
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
                    for &t in &merged {
                        let score = std::mem::replace(&mut total[t as usize], f32::NAN);
                        put(
                            &mut words[ranks.rank[t as usize] as usize],
                            (d as u32, score),
                        );
                    }
                }
            });
    });
    let words = Grouped {
        starts: word_starts,
        items: word_items,
    };
    // Each term's number: its place among the terms that have documents, in text order.
    let mut numbers = vec![u32::MAX; n];
    let mut next = 0;
    for (r, &t) in ranks.order.iter().enumerate() {
        if !words.group(r).is_empty() {
            numbers[t as usize] = next;
            next += 1;
        }
    }
    let word_df: Vec<u32> = (0..n)
        .map(|t| doc_freq.iter().map(|df| df[t]).sum())
        .collect();
    // Runs of about the same number of postings (a manual's commonest words have most of
    // them), as many whatever the number of threads: a shard breaks where a run ends, and the
    // index is the same bytes on any machine.
    let volumes: Vec<usize> = (0..n).map(|r| words.group(r).len() + 1).collect();
    let ranges = super::balanced_runs(&volumes, SHARD_RUNS);
    let runs: Vec<ShardWriter> = phase("    search entries and shards", || {
        ranges
            .par_iter()
            .map(|range| {
                let mut shards = ShardWriter::default();
                let mut bytes = Vec::new();
                for r in range.clone() {
                    let postings = words.group(r);
                    if postings.is_empty() {
                        continue;
                    }
                    bytes.clear();
                    let df = word_df[ranks.order[r] as usize];
                    start_entry(&mut bytes, ranks.word(r as u32), df, postings.len());
                    let mut previous = 0u32;
                    for &(doc, score) in postings {
                        varint(&mut bytes, doc - previous);
                        previous = doc;
                        bytes.extend_from_slice(&scaled(score).to_le_bytes()[..3]);
                    }
                    shards.push(r as u32, &bytes);
                }
                shards.flush();
                shards
            })
            .collect()
    });
    let (files, ranges) = ShardWriter::files(runs, &ranks);
    Shards {
        files,
        ranges,
        numbers,
        terms: next as usize,
    }
}

/// The shards' files, their [first term, last term, file], each term's number (by term id;
/// `u32::MAX` for a term no document has), and how many terms are numbered.
struct Shards {
    files: Vec<OutputFile>,
    ranges: Vec<(String, String, String)>,
    numbers: Vec<u32>,
    /// How many terms have a number (those some document has).
    terms: usize,
}

/// The bytes a term's number takes in the `t/` files: two where every number fits, else four.
fn number_width(terms: usize) -> usize {
    if terms <= 1 << 16 { 2 } else { 4 }
}

/// The files `t/N.bin`, `FRAGMENT_PACK` chapters a file as `c/N.jsonl`: for each chapter, for
/// each of its documents in order, for each field whose words make phrases (`PAIRED`: the
/// title, the section's title, the text), the field's length as a varint and its terms'
/// numbers (`numbers`), `width` bytes each, little-endian; so that the browser can check a
/// phrase in a section. And `t/lengths.bin`: each document's length in bytes in those files,
/// as a varint, in document order. A file with nothing in it is not written.
fn term_files(
    corpus: &Corpus,
    by_chapter: &[Vec<u32>],
    numbers: &[u32],
    width: usize,
) -> Vec<OutputFile> {
    let (files, lengths): (Vec<Option<OutputFile>>, Vec<Vec<u8>>) = by_chapter
        .par_chunks(FRAGMENT_PACK)
        .enumerate()
        .map(|(p, chapters)| {
            let room: usize = chapters
                .iter()
                .flatten()
                .map(|&d| {
                    super::PAIRED
                        .iter()
                        .map(|&f| corpus.docs[d as usize].terms[f as usize].len() * width + 5)
                        .sum::<usize>()
                })
                .sum();
            let mut bytes = Vec::with_capacity(room);
            let mut lengths = Vec::new();
            for &d in chapters.iter().flatten() {
                let start = bytes.len();
                for f in super::PAIRED {
                    let terms = &corpus.docs[d as usize].terms[f as usize];
                    varint(&mut bytes, terms.len() as u32);
                    for &t in terms {
                        bytes.extend_from_slice(&numbers[t as usize].to_le_bytes()[..width]);
                    }
                }
                let length = u32::try_from(bytes.len() - start).expect("a document under 4 GB");
                varint(&mut lengths, length);
            }
            let file =
                (!bytes.is_empty()).then(|| OutputFile::new(format!("search/t/{p}.bin"), bytes));
            (file, lengths)
        })
        .unzip();
    let mut files: Vec<OutputFile> = files.into_iter().flatten().collect();
    files.push(OutputFile::new("search/t/lengths.bin", lengths.concat()));
    files
}

/// A score × `SCORE_SCALE`, rounded half away from zero as `f32::round` does (which, on a
/// processor without SSE4.1, is a call into the C library for every posting), in 24 bits.
fn scaled(score: f32) -> u32 {
    let x = (score * SCORE_SCALE).clamp(0.0, 16_777_215.0);
    let whole = x as u32;
    // Exact: below 2^24 a whole number is exact, and so is the difference of two floats this
    // close.
    if x - whole as f32 >= 0.5 {
        whole + 1
    } else {
        whole
    }
}

fn varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDoc;

    /// A manual's documents for tests: `docs` documents in chapters of 5, with a title of one
    /// of `words` words and a text of `length` of them.
    fn corpus(words: u32, docs: u32, length: u32) -> Corpus {
        Corpus {
            docs: (0..docs)
                .map(|d| SearchDoc {
                    chapter: (d / 5) as usize,
                    anchor: None,
                    section_title: String::new(),
                    text: "".into(),
                    terms: [
                        vec![d % words],
                        vec![],
                        vec![],
                        (0..length).map(|i| (d * 31 + i * i * 7) % words).collect(),
                        vec![],
                    ],
                })
                .collect(),
            vocabulary: (0..words).map(|i| format!("t{i:03}")).collect(),
        }
    }

    /// A shard's first term's number and its terms.
    fn shard_terms(file: &OutputFile) -> (u32, Vec<String>) {
        let b = &file.bytes;
        let count = u32::from_le_bytes(b[4..8].try_into().unwrap());
        let first = u32::from_le_bytes(b[8..12].try_into().unwrap());
        let (mut at, mut terms) = (12, Vec::new());
        for _ in 0..count {
            let len = b[at] as usize;
            terms.push(
                std::str::from_utf8(&b[at + 1..at + 1 + len])
                    .unwrap()
                    .to_owned(),
            );
            at += 1 + len;
            let postings = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap());
            at += 8;
            for _ in 0..postings {
                while b[at] & 0x80 != 0 {
                    at += 1;
                }
                at += 4;
            }
        }
        assert_eq!(at, b.len(), "{} has bytes past its entries", file.path);
        (first, terms)
    }

    /// The shards' terms, by their numbers (each shard's first number onwards).
    fn numbered_terms(files: &[OutputFile]) -> Vec<String> {
        let mut all = Vec::new();
        for file in files {
            let (first, terms) = shard_terms(file);
            assert_eq!(first as usize, all.len(), "{}", file.path);
            all.extend(terms);
        }
        all
    }

    #[test]
    fn the_term_files_hold_each_document_s_phrase_fields_as_the_numbers_of_the_shards_terms() {
        // Some terms no document has (as a vocabulary read from the cache can hold): they
        // have no number, and the numbers after them are still the shards' own.
        let mut corpus = corpus(50, 23, 40);
        corpus
            .vocabulary
            .extend(["a-gone", "m-gone"].map(String::from));
        corpus.docs[7].terms[1] = vec![3, 4, 3];
        let Shards {
            files: shards,
            numbers,
            ..
        } = write_shards(&corpus);
        let terms = numbered_terms(&shards);
        assert_eq!(terms.len(), 50);
        assert_eq!(&numbers[50..], [u32::MAX, u32::MAX]);
        let by_chapter: Vec<Vec<u32>> = (0..5)
            .map(|c| (c * 5..(c * 5 + 5).min(23)).collect())
            .collect();
        let varint_at = |b: &[u8], at: &mut usize| {
            let (mut n, mut shift) = (0usize, 0);
            loop {
                let byte = b[*at];
                *at += 1;
                n |= usize::from(byte & 0x7f) << shift;
                shift += 7;
                if byte & 0x80 == 0 {
                    return n;
                }
            }
        };
        for width in [2, 4] {
            let files = term_files(&corpus, &by_chapter, &numbers, width);
            // Five chapters, eight a file: one file, and the lengths.
            let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, ["search/t/0.bin", "search/t/lengths.bin"]);
            let (b, lengths) = (&files[0].bytes, &files[1].bytes);
            let (mut at, mut at_length) = (0, 0);
            for d in 0..23 {
                let start = at;
                for f in crate::search::PAIRED {
                    let len = varint_at(b, &mut at);
                    let mut found = Vec::new();
                    for _ in 0..len {
                        let mut n = [0u8; 4];
                        n[..width].copy_from_slice(&b[at..at + width]);
                        at += width;
                        found.push(terms[u32::from_le_bytes(n) as usize].clone());
                    }
                    let wanted: Vec<String> = corpus.docs[d].terms[f as usize]
                        .iter()
                        .map(|&t| corpus.vocabulary[t as usize].clone())
                        .collect();
                    assert_eq!(found, wanted, "document {d}, field {f:?}");
                }
                assert_eq!(
                    varint_at(lengths, &mut at_length),
                    at - start,
                    "document {d}"
                );
            }
            assert_eq!((at, at_length), (b.len(), lengths.len()));
        }
        assert_eq!(number_width(65_536), 2);
        assert_eq!(number_width(65_537), 4);
    }

    #[test]
    fn scores_are_scaled_and_rounded_as_round_does() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut samples: Vec<f32> = (0..200_000)
            .map(|_| {
                (crate::search::next_random(&mut seed) >> 40) as f32 / (1u64 << 24) as f32 * 40.0
            })
            .collect();
        // Halves, just under and over them, and the ends.
        for whole in [0u32, 1, 7, 12_345, 16_777_214] {
            let half = (whole as f32 + 0.5) / SCORE_SCALE;
            samples.extend([
                half,
                f32::from_bits(half.to_bits() - 1),
                f32::from_bits(half.to_bits() + 1),
            ]);
        }
        samples.extend([0.0, -1.0, 1e-9, 1_677.721_5, 1_677.72, 5_000.0, f32::MAX]);
        for score in samples {
            let expected = (score * SCORE_SCALE).round().clamp(0.0, 16_777_215.0) as u32;
            assert_eq!(scaled(score), expected, "{score}");
        }
    }

    #[test]
    fn fragments_are_the_json_serde_json_writes() {
        let texts = [
            "",
            "plain text of more than eight bytes",
            "say \"no\" \\ back\\slash",
            "tab\tnew\nline\rcr\u{8}bs\u{c}ff\u{1}one\u{1f}\u{7f}del",
            "café – “quotes” ✓ and 日本語 then \"",
            "\"\"\"\"\"\"\"\"\"",
            "1234567\n",
            "12345678\n",
            "1234567890123456789012345678901\n",
            "12345678901234567890123456789012\n",
            "\u{0}",
        ];
        for text in texts {
            let fragment = Fragment {
                id: text,
                number: "1.2".into(),
                title: text,
                url: format!("chapters/{text}.html"),
                sections: vec![
                    FragmentSection::new(0, None, "", text),
                    FragmentSection::new(4_294_967_295, Some("a-b"), text, text),
                ],
            };
            let mut ours = Vec::new();
            fragment.write_json(&mut ours);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&fragment).unwrap(),
                "{text:?}"
            );
        }
        // Every byte below 0x80, at every place within a block of 32 (and in the next).
        for b in 0u8..0x80 {
            for at in 0..40 {
                let text = format!("{}{}{}", "x".repeat(at), b as char, "y".repeat(40));
                let mut ours = Vec::new();
                json_str(&mut ours, &text);
                assert_eq!(ours, serde_json::to_vec(&text).unwrap(), "{b} at {at}");
            }
        }
    }

    #[test]
    fn shards_hold_every_term_once_in_order_each_within_its_listed_range() {
        // 400 words over 300 documents: about 300 KB of entries, so many shards, cut in
        // several runs of terms (one shard breaks where each run ends).
        let corpus = corpus(400, 300, 200);
        let Shards {
            files,
            ranges,
            numbers,
            terms: count,
        } = write_shards(&corpus);
        assert_eq!(files.len(), ranges.len());
        assert!(files.len() > 8, "{} shards", files.len());
        let mut all: Vec<String> = Vec::new();
        for (file, (first, last, name)) in files.iter().zip(&ranges) {
            assert_eq!(file.path, format!("search/{name}"));
            let b = &file.bytes;
            assert_eq!(&b[..4], b"PBS2");
            let count = u32::from_le_bytes(b[4..8].try_into().unwrap());
            // No shard is over the size but one holding a single entry.
            assert!(
                b.len() - 12 <= SHARD_BYTES || count == 1,
                "{name}: {}",
                b.len()
            );
            let (_, terms) = shard_terms(file);
            assert_eq!(terms.len(), count as usize);
            assert_eq!((&terms[0], terms.last().unwrap()), (first, last), "{name}");
            all.extend(terms);
        }
        // The shards' numbering runs on from one to the next, and names the same terms as
        // `numbers` does.
        assert_eq!(numbered_terms(&files), all);
        for (t, &n) in numbers.iter().enumerate() {
            assert_eq!(all[n as usize], corpus.vocabulary[t]);
        }
        // Every word once, in the order of its text.
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(all, sorted);
        assert_eq!(all.len(), 400);
        assert_eq!(count, 400);
    }

    #[test]
    fn an_excerpt_is_the_first_600_characters_whatever_their_bytes() {
        let excerpt = |text: &str| FragmentSection::new(0, None, "", text).text.to_owned();
        let ascii = "a".repeat(700);
        assert_eq!(excerpt(&ascii), ascii[..600]);
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt("café"), "café");
        // Two bytes a character: 600 characters, 1,200 bytes.
        let accented = "é".repeat(700);
        assert_eq!(excerpt(&accented).chars().count(), 600);
        // ASCII for the first 599 bytes, then a character of two bytes.
        let mixed = format!("{}é{}", "a".repeat(599), "b".repeat(100));
        assert_eq!(excerpt(&mixed), format!("{}é", "a".repeat(599)));
    }
}
