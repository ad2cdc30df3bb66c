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
//!
//! Shard format, little-endian: "PBS1", u32 term count, then per term: u8 length, the term in
//! UTF-8, u32 document frequency, u32 posting count, then per posting the document id's gap
//! from the previous one as a LEB128 varint and, for words, the score × 10,000 as a u24. Pairs
//! of words (terms with a space) only filter phrases, so their postings have no score.

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
    let (mut files, shards) = phase("  search postings and shards", || write_shards(corpus));
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
    /// The shards written: first term, last term, bytes.
    done: Vec<(TermKey, TermKey, Vec<u8>)>,
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
    /// The shard header's length: "PBS1" and the term count.
    const HEADER: usize = 8;

    fn push(&mut self, key: TermKey, entry: &[u8]) {
        if self.count > 0 && self.current.len() - Self::HEADER + entry.len() > SHARD_BYTES {
            self.flush();
        }
        if self.count == 0 {
            self.first = Some(key);
            // The shard is put together where it will stay: its header first, the count
            // filled in when it is done.
            self.current.clear();
            self.current
                .reserve(Self::HEADER + SHARD_BYTES.max(entry.len()));
            self.current.extend_from_slice(b"PBS1\0\0\0\0");
        }
        self.last = Some(key);
        self.current.extend_from_slice(entry);
        self.count += 1;
    }

    fn flush(&mut self) {
        let (Some(first), Some(last)) = (self.first.take(), self.last.take()) else {
            return;
        };
        let mut bytes = std::mem::take(&mut self.current);
        bytes[4..Self::HEADER].copy_from_slice(&self.count.to_le_bytes());
        self.done.push((first, last, bytes));
        self.count = 0;
    }

    /// The shards of `runs`, in order, as files `s/N.bin`, with [first term, last term, file]
    /// of each.
    fn files(
        runs: Vec<ShardWriter>,
        ranks: &Ranks,
    ) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
        let (mut files, mut ranges) = (Vec::new(), Vec::new());
        for (first, last, bytes) in runs.into_iter().flat_map(|run| run.done) {
            let name = format!("s/{}.bin", ranges.len());
            let (mut a, mut b) = (String::new(), String::new());
            ranks.text(first, &mut a);
            ranks.text(last, &mut b);
            files.push(OutputFile::new(format!("search/{name}"), bytes));
            ranges.push((a, b, name));
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
    /// Each term's number of pairs in the run that start with it.
    pairs: Vec<u32>,
}

impl RunCounts {
    fn of(corpus: &Corpus, run: Range<usize>) -> RunCounts {
        let n = corpus.vocabulary.len();
        let mut counts = RunCounts {
            doc_freq: vec![vec![0; n]; Field::WORDS.len()],
            total: [0; 5],
            docs: vec![0; n],
            pairs: vec![0; n],
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
            // Each pair's first term: every term of a paired field but its last.
            for f in super::PAIRED {
                let terms = &doc.terms[f as usize];
                for &a in &terms[..terms.len().saturating_sub(1)] {
                    counts.pairs[a as usize] += 1;
                }
            }
        }
        counts
    }
}

/// Every word's documents with their scores, and every pair of adjacent words' documents (for
/// phrases), written into shards in the order of the terms' text.
///
/// Pairs are never made into strings to be sorted: with each term's rank in text order, a
/// pair "a b" sorts by (rank of a, rank of b), and a word by (its rank, before any pair),
/// which is the order of their text since terms hold no character at or below the space.
///
/// Two passes over the documents, each over runs of them in parallel: the first counts (for
/// the statistics, and for the room each run's postings take), the second scores and puts
/// each run's postings straight into their places.
fn write_shards(corpus: &Corpus) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
    // A pair's posting is a rank and a document in one number: 32 bits where both fit, as in
    // most manuals, else 64.
    let bits = |count: usize| u32::BITS - (count.max(1) as u32 - 1).leading_zeros();
    let (rank_bits, doc_bits) = (bits(corpus.vocabulary.len()), bits(corpus.docs.len()));
    if rank_bits + doc_bits <= 32 && doc_bits < 32 {
        write_shards_with::<u32>(corpus, PairLayout { doc_bits })
    } else {
        write_shards_with::<u64>(corpus, PairLayout { doc_bits: 32 })
    }
}

/// Where a pair posting's parts are: the document in the low `doc_bits`, the second word's
/// rank in the bits above.
#[derive(Clone, Copy)]
struct PairLayout {
    doc_bits: u32,
}

/// A pair's posting: the second word's rank and the document, in one number (half the memory
/// of two where both fit in 32 bits).
trait PairPosting: Copy + Default + Send + Sync {
    fn new(second: u32, doc: u32, layout: PairLayout) -> Self;
    fn second(self, layout: PairLayout) -> u32;
    fn doc(self, layout: PairLayout) -> u32;
}

macro_rules! pair_posting {
    ($t:ty) => {
        impl PairPosting for $t {
            fn new(second: u32, doc: u32, layout: PairLayout) -> Self {
                (<$t>::from(second) << layout.doc_bits) | <$t>::from(doc)
            }
            fn second(self, layout: PairLayout) -> u32 {
                (self >> layout.doc_bits) as u32
            }
            fn doc(self, layout: PairLayout) -> u32 {
                (self & ((1 << layout.doc_bits) - 1)) as u32
            }
        }
    };
}
pair_posting!(u32);
pair_posting!(u64);

fn write_shards_with<P: PairPosting>(
    corpus: &Corpus,
    layout: PairLayout,
) -> (Vec<OutputFile>, Vec<(String, String, String)>) {
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

    let (doc_counts, pair_counts): (Vec<Vec<u32>>, Vec<Vec<u32>>) =
        counts.into_iter().map(|c| (c.docs, c.pairs)).unzip();
    let word_starts = group_starts(&doc_counts, &ranks.order);
    let pair_starts = group_starts(&pair_counts, &ranks.order);
    let mut word_items = vec![(0u32, 0f32); word_starts[n]];
    let mut pair_items = vec![P::default(); pair_starts[n]];
    phase("    search postings", || {
        let word_shares = run_shares(&mut word_items, &doc_counts, &ranks.order);
        let pair_shares = run_shares(&mut pair_items, &pair_counts, &ranks.order);
        runs.par_iter().zip(word_shares).zip(pair_shares).for_each(
            |((run, mut words), mut pairs)| {
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
                // The pairs in a pass of their own: interleaved with the words', the two
                // streams of writes (to a place for each word) crowd each other out of the
                // caches, and the export took some 3% longer.
                for d in run.clone() {
                    let doc = &corpus.docs[d];
                    // With `for_each`, which a flattened iterator runs as fast as the loops
                    // within it (a `for` loop over it is much slower).
                    doc.pairs().for_each(|(a, b)| {
                        put(
                            &mut pairs[ranks.rank[a as usize] as usize],
                            P::new(ranks.rank[b as usize], d as u32, layout),
                        );
                    });
                }
            },
        );
    });
    let words = Grouped {
        starts: word_starts,
        items: word_items,
    };
    // Pairs are grouped by the first word's rank, in document order within each group.
    let pairs = Grouped {
        starts: pair_starts,
        items: pair_items,
    };

    // Each term's entry, made in parallel over runs of ranks, each run cutting its own shards.
    let postings = Postings {
        ranks: &ranks,
        words,
        pairs,
        layout,
        word_df: (0..n)
            .map(|t| doc_freq.iter().map(|df| df[t]).sum())
            .collect(),
    };
    // Runs of about the same number of postings (a manual's commonest words have most of
    // them), as many whatever the number of threads: a shard breaks where a run ends, and the
    // index is the same bytes on any machine.
    let ranges = rank_runs(&postings.words.starts, &postings.pairs.starts, SHARD_RUNS);
    // The runs are taken in a stretch for each thread, with one room for its pair entries
    // (a room holds a slot for every term: one for each piece of work rayon might cut would
    // take memory the process has not touched yet, more of it the larger the vocabulary).
    let stretch = ranges.len().div_ceil(rayon::current_num_threads()).max(1);
    let runs: Vec<ShardWriter> = phase("    search entries and shards", || {
        ranges
            .par_chunks(stretch)
            .flat_map_iter(|stretch| {
                let mut room = PairRoom::default();
                stretch
                    .iter()
                    .map(|range| postings.shards(range.clone(), &mut room))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    ShardWriter::files(runs, &ranks)
}

/// The ranks `0..n` cut into at most `count` runs in order, each with about the same number of
/// postings, words' and pairs' (`words[r + 1] - words[r]` are rank `r`'s words', and the same
/// for `pairs`).
fn rank_runs(words: &[usize], pairs: &[usize], count: usize) -> Vec<Range<usize>> {
    let volumes: Vec<usize> = (0..words.len() - 1)
        .map(|r| words[r + 1] - words[r] + pairs[r + 1] - pairs[r] + 1)
        .collect();
    super::balanced_runs(&volumes, count)
}

/// Room to make one word's pair entries in (`PairRoom::entries`), kept for the next.
#[derive(Default)]
struct PairRoom {
    /// By the second word's rank: what is known of the pair it makes with the word at hand
    /// (all zeros between words).
    per: Vec<PairTally>,
    /// The second words' ranks seen, in order once the postings are counted.
    seconds: Vec<u32>,
    /// The entries, one after another, and where each ends.
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// One pair's documents (each once), its postings' bytes, the last document seen, and where its
/// next posting goes in `PairRoom::bytes`.
#[derive(Clone, Copy, Default)]
struct PairTally {
    docs: u32,
    bytes: u32,
    last: u32,
    at: u32,
}

impl PairRoom {
    /// The entries of the pairs that start with the word of rank `first`, from `group`, its
    /// pairs in document order: for each second word, in rank order, the pair's term, its
    /// documents (each once, however often the pair is there) as document frequency and
    /// posting count, and their gaps as varints; each handed to `push` with its key.
    ///
    /// Two passes over the group: one counts each pair's documents and bytes, so that every
    /// entry has its place; the other writes each posting in its place. (The pairs are never
    /// sorted by their second word.)
    fn entries<P: PairPosting>(
        &mut self,
        first: u32,
        group: &[P],
        layout: PairLayout,
        ranks: &Ranks,
        mut push: impl FnMut(TermKey, &[u8]),
    ) {
        if self.per.len() < ranks.order.len() {
            self.per.resize(ranks.order.len(), PairTally::default());
        }
        let per = &mut self.per;
        for &p in group {
            let (second, doc) = (p.second(layout), p.doc(layout));
            let e = &mut per[second as usize];
            if e.docs == 0 {
                self.seconds.push(second);
            } else if e.last == doc {
                continue;
            }
            e.bytes += varint_len(doc - e.last);
            e.docs += 1;
            e.last = doc;
        }
        self.seconds.sort_unstable();
        let mut term = String::new();
        self.bytes.clear();
        self.ends.clear();
        for &second in &self.seconds {
            let e = &mut per[second as usize];
            ranks.text(
                TermKey {
                    first,
                    second: Some(second),
                },
                &mut term,
            );
            start_entry(&mut self.bytes, &term, e.docs, e.docs as usize);
            e.at = u32::try_from(self.bytes.len()).expect("a word's pair entries under 4 GB");
            self.bytes.resize(self.bytes.len() + e.bytes as usize, 0);
            self.ends.push(self.bytes.len());
            (e.docs, e.last) = (0, 0);
        }
        for &p in group {
            let (second, doc) = (p.second(layout), p.doc(layout));
            let e = &mut per[second as usize];
            // `docs` now counts the postings written.
            if e.docs != 0 && e.last == doc {
                continue;
            }
            let at = e.at as usize;
            e.at += put_varint(&mut self.bytes[at..], doc - e.last);
            e.docs += 1;
            e.last = doc;
        }
        let mut start = 0;
        for (&second, &end) in self.seconds.iter().zip(&self.ends) {
            debug_assert_eq!(per[second as usize].at as usize, end);
            per[second as usize] = PairTally::default();
            let key = TermKey {
                first,
                second: Some(second),
            };
            push(key, &self.bytes[start..end]);
            start = end;
        }
        self.seconds.clear();
    }
}

/// Every term's postings: words' documents with their scores, pairs' documents.
struct Postings<'a, P> {
    ranks: &'a Ranks<'a>,
    /// By rank: (document, score).
    words: Grouped<(u32, f32)>,
    /// By the rank of the pair's first word: (second word's rank, document), in document order.
    pairs: Grouped<P>,
    layout: PairLayout,
    /// By term id: document frequency summed over the word fields (it orders a prefix's terms).
    word_df: Vec<u32>,
}

impl<P: PairPosting> Postings<'_, P> {
    /// The shards of the terms whose ranks are in `range`: each word's entry, then those of
    /// the pairs that start with it (made in `room`). Each entry is made in a buffer kept for
    /// the next, and copied into its shard.
    fn shards(&self, range: std::ops::Range<usize>, room: &mut PairRoom) -> ShardWriter {
        let (words, pairs, ranks) = (&self.words, &self.pairs, self.ranks);
        let mut shards = ShardWriter::default();
        let mut bytes = Vec::new();
        for r in range {
            let first = r as u32;
            let postings = words.group(r);
            if !postings.is_empty() {
                bytes.clear();
                let df = self.word_df[ranks.order[r] as usize];
                start_entry(&mut bytes, ranks.word(first), df, postings.len());
                let mut previous = 0u32;
                for &(doc, score) in postings {
                    varint(&mut bytes, doc - previous);
                    previous = doc;
                    bytes.extend_from_slice(&scaled(score).to_le_bytes()[..3]);
                }
                let key = TermKey {
                    first,
                    second: None,
                };
                shards.push(key, &bytes);
            }
            room.entries(first, pairs.group(r), self.layout, ranks, |key, entry| {
                shards.push(key, entry)
            });
        }
        shards.flush();
        shards
    }
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

/// `varint` into `out`, which has room for it; its length.
fn put_varint(out: &mut [u8], mut n: u32) -> u32 {
    let mut len = 0;
    while n >= 0x80 {
        out[len] = (n as u8) | 0x80;
        n >>= 7;
        len += 1;
    }
    out[len] = n as u8;
    len as u32 + 1
}

/// The length of `n` as a varint.
fn varint_len(n: u32) -> u32 {
    (u32::BITS - (n | 1).leading_zeros()).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDoc;

    #[test]
    fn rank_runs_cover_the_ranks_in_order_with_about_as_many_postings_each() {
        // Ranks' postings: words 5, 0, 100, 1, 1, 1; pairs 0, 0, 50, 0, 0, 200.
        let words = [0, 5, 5, 105, 106, 107, 108];
        let pairs = [0, 0, 0, 50, 50, 50, 250];
        let runs = rank_runs(&words, &pairs, 3);
        assert!(runs.len() <= 3, "{runs:?}");
        assert_eq!(
            runs.iter().flat_map(|r| r.clone()).collect::<Vec<_>>(),
            (0..6).collect::<Vec<_>>()
        );
        let of = |r: usize| runs.iter().position(|run| run.contains(&r)).unwrap();
        assert_ne!(of(2), of(5));
        assert_eq!(rank_runs(&[0], &[0], 4), Vec::<Range<usize>>::new());
        assert_eq!(rank_runs(&[0, 3], &[0, 0], 4), vec![0..1]);
    }

    #[test]
    fn pair_postings_of_32_and_64_bits_make_the_same_shards() {
        let vocabulary: Vec<String> = ["plan", "care", "review", "child", "looked", "after"]
            .map(String::from)
            .to_vec();
        let docs = (0..40)
            .map(|d: u32| SearchDoc {
                chapter: 0,
                anchor: None,
                section_title: String::new(),
                text: "".into(),
                terms: [
                    vec![d % 6],
                    vec![],
                    vec![],
                    (0..30).map(|i| (d * 7 + i * i) % 6).collect(),
                    vec![],
                ],
            })
            .collect();
        let corpus = Corpus { docs, vocabulary };
        let narrow = write_shards_with::<u32>(&corpus, PairLayout { doc_bits: 6 });
        let wide = write_shards_with::<u64>(&corpus, PairLayout { doc_bits: 32 });
        assert_eq!(narrow.1, wide.1);
        let bytes =
            |files: &[OutputFile]| files.iter().map(|f| f.bytes.to_vec()).collect::<Vec<_>>();
        assert_eq!(bytes(&narrow.0), bytes(&wide.0));
        // And there were pairs to write: "plan care" is in the shards.
        assert!(
            narrow
                .1
                .iter()
                .any(|(first, last, _)| first.as_str() <= "care plan"
                    && "care plan" <= last.as_str())
        );
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
        let vocabulary: Vec<String> = (0..400).map(|i| format!("t{i:03}")).collect();
        let docs = (0..300u32)
            .map(|d| SearchDoc {
                chapter: 0,
                anchor: None,
                section_title: String::new(),
                text: "".into(),
                terms: [
                    vec![d % 400],
                    vec![],
                    vec![],
                    (0..200).map(|i| (d * 31 + i * i * 7) % 400).collect(),
                    vec![],
                ],
            })
            .collect();
        let corpus = Corpus { docs, vocabulary };
        let (files, ranges) = write_shards(&corpus);
        assert_eq!(files.len(), ranges.len());
        assert!(files.len() > 8, "{} shards", files.len());
        let mut all: Vec<String> = Vec::new();
        for (file, (first, last, name)) in files.iter().zip(&ranges) {
            assert_eq!(file.path, format!("search/{name}"));
            let b = &file.bytes;
            assert_eq!(&b[..4], b"PBS1");
            let count = u32::from_le_bytes(b[4..8].try_into().unwrap());
            // No shard is over the size but one holding a single entry.
            assert!(
                b.len() - 8 <= SHARD_BYTES || count == 1,
                "{name}: {}",
                b.len()
            );
            let (mut at, mut terms) = (8, Vec::new());
            for _ in 0..count {
                let len = b[at] as usize;
                let term = std::str::from_utf8(&b[at + 1..at + 1 + len])
                    .unwrap()
                    .to_owned();
                at += 1 + len;
                let postings = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap());
                at += 8;
                for _ in 0..postings {
                    while b[at] & 0x80 != 0 {
                        at += 1;
                    }
                    at += if term.contains(' ') { 1 } else { 4 };
                }
                terms.push(term);
            }
            assert_eq!(at, b.len(), "{name} has bytes past its entries");
            assert_eq!((&terms[0], terms.last().unwrap()), (first, last), "{name}");
            all.extend(terms);
        }
        // Every word and pair once, in the order of their text.
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(all, sorted);
        for d in &corpus.docs {
            for &t in &d.terms[3] {
                assert!(all.binary_search(&corpus.vocabulary[t as usize]).is_ok());
            }
            for (a, b) in d.pairs() {
                let pair = format!(
                    "{} {}",
                    corpus.vocabulary[a as usize], corpus.vocabulary[b as usize]
                );
                assert!(all.binary_search(&pair).is_ok(), "{pair}");
            }
        }
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

    #[test]
    fn a_word_s_pair_entries_are_each_pair_s_documents_once_in_the_order_of_its_second_word() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || crate::search::next_random(&mut seed);
        let vocabulary: Vec<String> = (0..300).map(|i| format!("w{i:03}")).collect();
        let ranks = Ranks::new(&vocabulary);
        // The entries as sorting the pairs by second word and document would make them.
        fn expected<P: PairPosting>(
            first: u32,
            group: &[P],
            layout: PairLayout,
            ranks: &Ranks,
        ) -> Vec<(u32, Vec<u8>)> {
            let mut sorted: Vec<(u32, u32)> = group
                .iter()
                .map(|p| (p.second(layout), p.doc(layout)))
                .collect();
            sorted.sort_unstable();
            sorted.dedup();
            let mut term = String::new();
            sorted
                .chunk_by(|a, b| a.0 == b.0)
                .map(|same| {
                    ranks.text(
                        TermKey {
                            first,
                            second: Some(same[0].0),
                        },
                        &mut term,
                    );
                    let mut entry = Vec::new();
                    start_entry(&mut entry, &term, same.len() as u32, same.len());
                    let mut previous = 0;
                    for &(_, doc) in same {
                        varint(&mut entry, doc - previous);
                        previous = doc;
                    }
                    (same[0].0, entry)
                })
                .collect()
        }
        fn check<P: PairPosting>(
            group: &[P],
            layout: PairLayout,
            ranks: &Ranks,
            room: &mut PairRoom,
        ) {
            let first = 7;
            let mut made = Vec::new();
            room.entries(first, group, layout, ranks, |key, entry| {
                assert_eq!(key.first, first);
                made.push((key.second.expect("a pair"), entry.to_vec()));
            });
            assert_eq!(
                made,
                expected(first, group, layout, ranks),
                "{} pairs",
                group.len()
            );
        }
        // Groups empty, small and large, over few second words and many, with documents
        // close together and far apart (gaps of one byte to four), each document often there
        // more than once; one room for all, as a run of ranks has.
        let mut room = PairRoom::default();
        for (len, seconds, spread) in [
            (0, 1, 1),
            (1, 1, 1),
            (40, 3, 2),
            (500, 300, 5),
            (3000, 20, 200),
            (2000, 300, 3_000_000),
            (700, 1, 1),
        ] {
            let mut docs: Vec<u32> = (0..len).map(|_| (next() % spread) as u32).collect();
            docs.sort_unstable();
            let pairs: Vec<(u32, u32)> = docs
                .iter()
                .map(|&d| ((next() % seconds) as u32, d))
                .collect();
            let wide = PairLayout { doc_bits: 32 };
            let group: Vec<u64> = pairs.iter().map(|&(s, d)| u64::new(s, d, wide)).collect();
            check(&group, wide, &ranks, &mut room);
            if spread < 1 << 22 {
                let narrow = PairLayout { doc_bits: 22 };
                let group: Vec<u32> = pairs.iter().map(|&(s, d)| u32::new(s, d, narrow)).collect();
                check(&group, narrow, &ranks, &mut room);
            }
        }
    }

    #[test]
    fn varint_lengths_are_the_bytes_written() {
        for n in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            1 << 28,
            u32::MAX,
        ] {
            let mut out = Vec::new();
            varint(&mut out, n);
            let mut room = [0u8; 5];
            assert_eq!(put_varint(&mut room, n), out.len() as u32, "{n}");
            assert_eq!(room[..out.len()], out[..], "{n}");
            assert_eq!(varint_len(n), out.len() as u32, "{n}");
        }
    }
}
