//! The tantivy index behind `procbook search`: kept in `.procbook/search/`, rebuilt when the
//! manual's documents change (a fingerprint of them is kept beside it).
//!
//! Documents go in already analysed (tantivy's `PreTokenizedString`), so tantivy sees exactly
//! the terms the static export scores; queries are boolean queries of term queries with the
//! fields' boosts, and tantivy's BM25 ranks them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, TantivyDocument, Term};

use super::analyze::Analyzer;
use super::query::{
    APART_NOTE, Clause, PARTIAL_NOTE, PHRASE_CANDIDATES, expand, marked_terms, parse,
};
use super::{Corpus, Field, SearchDoc};
use crate::html::escape;
use crate::model::Manual;

const DIR: &str = "search";
/// Change when the documents' analysis or fields change, so that old indexes are rebuilt.
const FORMAT: &str = "procbook search 1";

/// One result, as `procbook search --format json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub number: String,
    pub section: Option<String>,
    pub section_title: String,
    pub url: String,
    pub snippet: String,
    pub score: f32,
    /// The document's id (its index in the documents).
    #[serde(skip)]
    pub doc: u32,
}

/// A query's words' (and the word being typed's) queries, and its phrases' pairs of words.
type Parts = (Vec<Box<dyn Query>>, Vec<Vec<String>>);

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// (document id, score), best first.
    pub docs: Vec<(u32, f32)>,
    /// `Some((k, n))` where no document has all `n` parts of the query (words, phrases, the
    /// word being typed), and these have `k`, the most any has.
    pub partial: Option<(usize, usize)>,
    /// Whether the parts these lack are the quoted phrases alone: they have every word, but
    /// not side by side.
    pub apart: bool,
}

impl Found {
    /// What to say above the results, where they have only some of the query's parts.
    pub fn note(&self) -> Option<&'static str> {
        self.partial
            .map(|_| if self.apart { APART_NOTE } else { PARTIAL_NOTE })
    }
}

pub struct SearchIndex {
    reader: IndexReader,
    fields: Vec<tantivy::schema::Field>,
}

/// The schema: the scored fields in `Field::ALL` order, then `doc`, our document id.
fn schema() -> (Schema, Vec<tantivy::schema::Field>) {
    let mut builder = Schema::builder();
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut fields: Vec<tantivy::schema::Field> = Field::ALL
        .iter()
        .map(|f| builder.add_text_field(f.name(), options.clone()))
        .collect();
    fields.push(builder.add_u64_field("doc", FAST));
    (builder.build(), fields)
}

/// The folder the index of the manual at `root` is kept in.
pub fn folder(root: &Path) -> PathBuf {
    root.join(crate::history::cache::CACHE_DIR).join(DIR)
}

/// A fingerprint of the documents: the index is rebuilt when it changes.
pub fn fingerprint(corpus: &Corpus) -> String {
    let mut hash = Sha256::new();
    hash.update(FORMAT.as_bytes());
    for d in &corpus.docs {
        for field in &d.terms {
            for &t in field {
                hash.update(corpus.vocabulary[t as usize].as_bytes());
                hash.update([0]);
            }
            hash.update([1]);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader of `index` as it is now. It never reloads (tantivy's default watches the index's
/// `meta.json` from a thread of its own and reloads when it changes), so that a search answers
/// from the index it opened, even if a search of a changed manual replaces it meanwhile.
fn reader(index: &Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
}

impl SearchIndex {
    /// An index of `docs` in memory.
    pub fn in_memory(corpus: &Corpus) -> tantivy::Result<SearchIndex> {
        let (shape, fields) = schema();
        Self::fill(Index::create_in_ram(shape), fields, corpus)
    }

    /// The index of `docs` kept under `root/.procbook/search/`: opened if it is of these
    /// documents, else built afresh.
    ///
    /// Each index has a folder of its own, named by its documents' fingerprint
    /// (`index-FINGERPRINT`), made under another name and renamed when it is whole. A new one
    /// never replaces files in place: the others are removed afterwards, as far as they can be.
    /// (On Windows a folder another search still has open cannot be removed; it goes at a later
    /// search.)
    ///
    /// One process at a time looks at the index and builds it, under a lock on
    /// `.procbook/search/lock` (released when this returns): two searches started together
    /// would otherwise both build it.
    pub fn open_or_build(root: &Path, corpus: &Corpus) -> tantivy::Result<SearchIndex> {
        let dir = folder(root);
        std::fs::create_dir_all(&dir)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))?;
        lock.lock()?;
        let name = format!("index-{}", fingerprint(corpus));
        let live = dir.join(&name);
        let index = match Index::open_in_dir(&live) {
            Ok(index) => index,
            Err(_) => {
                let fresh = dir.join(format!("index.new-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&fresh);
                std::fs::create_dir_all(&fresh)?;
                let (shape, fields) = schema();
                drop(Self::fill(
                    Index::create_in_dir(&fresh, shape)?,
                    fields,
                    corpus,
                )?);
                // A folder of this name that did not open is damaged: it makes way.
                let _ = std::fs::remove_dir_all(&live);
                std::fs::rename(&fresh, &live)?;
                Index::open_in_dir(&live)?
            }
        };
        // Earlier indexes (and an older procbook's `index` and `fingerprint`): a search that
        // has one open keeps it on Linux and macOS, and on Windows keeps it from being removed.
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let other = entry.file_name();
            if other != *name
                && other
                    .to_str()
                    .is_some_and(|o| o.starts_with("index") || o == "fingerprint")
            {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
        let (_, fields) = schema();
        let reader = reader(&index)?;
        Ok(SearchIndex { reader, fields })
    }

    fn fill(
        index: Index,
        fields: Vec<tantivy::schema::Field>,
        corpus: &Corpus,
    ) -> tantivy::Result<SearchIndex> {
        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 300_000_000)?;
        let words = |ids: &[u32]| {
            ids.iter()
                .map(|&t| corpus.vocabulary[t as usize].clone())
                .collect::<Vec<_>>()
        };
        for (id, d) in corpus.docs.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            let pairs = d
                .pairs()
                .map(|(a, b)| {
                    format!(
                        "{} {}",
                        corpus.vocabulary[a as usize], corpus.vocabulary[b as usize]
                    )
                })
                .collect::<Vec<_>>();
            let fields_terms = d
                .terms
                .iter()
                .map(|t| words(t))
                .chain(std::iter::once(pairs));
            for (f, terms) in fields_terms.enumerate() {
                let tokens = terms
                    .into_iter()
                    .enumerate()
                    .map(|(position, text)| Token {
                        offset_from: 0,
                        offset_to: 0,
                        position,
                        text,
                        position_length: 1,
                    })
                    .collect();
                doc.add_pre_tokenized_text(
                    fields[f],
                    PreTokenizedString {
                        text: String::new(),
                        tokens,
                    },
                );
            }
            doc.add_u64(fields[Field::ALL.len()], id as u64);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = reader(&index)?;
        Ok(SearchIndex { reader, fields })
    }

    /// The terms of the word fields starting with `prefix`, with their document frequency
    /// summed over the fields.
    fn terms_with_prefix(&self, prefix: &str) -> tantivy::Result<Vec<(String, u32)>> {
        let searcher = self.reader.searcher();
        let mut found: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
        for field in Field::WORDS {
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(self.fields[field as usize])?;
                let mut stream = inverted
                    .terms()
                    .range()
                    .ge(prefix.as_bytes())
                    .into_stream()?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if !term.starts_with(prefix) {
                        break;
                    }
                    *found.entry(term.to_owned()).or_insert(0) += stream.value().doc_freq;
                }
            }
        }
        Ok(found.into_iter().collect())
    }

    fn doc_freq(&self, term: &str) -> u32 {
        let searcher = self.reader.searcher();
        Field::WORDS
            .iter()
            .map(|f| {
                searcher
                    .doc_freq(&Term::from_field_text(self.fields[*f as usize], term))
                    .unwrap_or(0) as u32
            })
            .sum()
    }

    /// The best `limit` documents for `query`: (document id, score), best first.
    pub fn search(&self, query: &str, limit: usize) -> tantivy::Result<Vec<(u32, f32)>> {
        Ok(self.find(query, limit)?.docs)
    }

    /// The best `limit` documents for `query`: those with every part of it; where there are
    /// none, those with the most parts (with the sum of those parts' scores, as ever).
    ///
    /// A quoted phrase only filters (its words score as words), and is looked for in the best
    /// `PHRASE_CANDIDATES` (or `limit`, if more) documents with every word, as the browser's
    /// client, which checks them one after another, does. Where none of those has it, they
    /// are the results, as having all but the phrases. Where no document has every word, the
    /// phrases are not looked for.
    pub fn find(&self, query: &str, limit: usize) -> tantivy::Result<Found> {
        let (words, phrases) = self.clauses(query)?;
        let n = words.len() + phrases.len();
        let searcher = self.reader.searcher();
        let top = |required: usize, limit: usize| -> tantivy::Result<Vec<(u32, f32)>> {
            let parts = words
                .iter()
                .map(|c| (Occur::Should, c.box_clone()))
                .collect();
            searcher
                .search(
                    &BooleanQuery::with_minimum_required_clauses(parts, required),
                    &TopDocs::with_limit(limit.max(1)).order_by_score(),
                )?
                .into_iter()
                .map(|(score, addr)| Ok((self.our_id(addr)?, score)))
                .collect()
        };
        if words.is_empty() {
            return Ok(Found::default());
        }
        if !phrases.is_empty() {
            let candidates = top(words.len(), PHRASE_CANDIDATES.max(limit))?;
            if !candidates.is_empty() {
                let with = BooleanQuery::new(
                    phrases
                        .iter()
                        .flatten()
                        .map(|p| (Occur::Must, self.term(Field::Pairs, p)))
                        .collect(),
                );
                let have: std::collections::HashSet<u32> = searcher
                    .search(&with, &tantivy::collector::DocSetCollector)?
                    .into_iter()
                    .map(|addr| self.our_id(addr))
                    .collect::<tantivy::Result<_>>()?;
                let found: Vec<(u32, f32)> = candidates
                    .iter()
                    .filter(|(d, _)| have.contains(d))
                    .take(limit)
                    .copied()
                    .collect();
                return Ok(if found.is_empty() {
                    Found {
                        docs: candidates.into_iter().take(limit).collect(),
                        partial: Some((words.len(), n)),
                        apart: true,
                    }
                } else {
                    Found {
                        docs: found,
                        ..Found::default()
                    }
                });
            }
        }
        let docs = top(words.len(), limit)?;
        if !docs.is_empty() || n == 1 {
            return Ok(Found {
                docs,
                ..Found::default()
            });
        }
        // The most words any document has: a search for at least k finds something for
        // every k up to it, and nothing above it.
        let (mut found, mut lo, mut hi) = (Vec::new(), 0, words.len().saturating_sub(1));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let docs = top(mid, limit)?;
            if docs.is_empty() {
                hi = mid - 1;
            } else {
                (found, lo) = (docs, mid);
            }
        }
        // `found` is the search for `lo` words (empty for none).
        Ok(Found {
            partial: (lo > 0).then_some((lo, n)),
            docs: found,
            apart: false,
        })
    }

    /// The parts of `query`: each word's (or the word being typed's) query, which matches a
    /// document with it; and each phrase's pairs of words.
    fn clauses(&self, query: &str) -> tantivy::Result<Parts> {
        let analyzer = Analyzer::default();
        let (mut parts, mut phrases): Parts = (Vec::new(), Vec::new());
        for clause in parse(query, &analyzer) {
            let q: Box<dyn Query> = match clause {
                Clause::Word(t) => self.word(&t),
                Clause::Phrase(pairs) => {
                    phrases.push(pairs);
                    continue;
                }
                Clause::Prefix { prefix, term } => {
                    let mut candidates = self.terms_with_prefix(&prefix)?;
                    if let Some(t) = &term {
                        candidates.push((t.clone(), self.doc_freq(t)));
                    }
                    let candidates = candidates.into_iter().filter(|(_, df)| *df > 0);
                    let terms = expand(&prefix, term.as_deref(), candidates);
                    // No terms: a part no document has (an empty query matches nothing).
                    Box::new(BooleanQuery::new(
                        terms
                            .iter()
                            .map(|t| (Occur::Should, self.word(t)))
                            .collect(),
                    ))
                }
            };
            parts.push(q);
        }
        Ok((parts, phrases))
    }

    /// Our document id of a tantivy document.
    fn our_id(&self, addr: DocAddress) -> tantivy::Result<u32> {
        let searcher = self.reader.searcher();
        let segment = searcher.segment_reader(addr.segment_ord);
        let column = segment.fast_fields().u64("doc")?;
        Ok(column.first(addr.doc_id).unwrap_or_default() as u32)
    }

    /// A word in every word field, each with its boost.
    fn word(&self, term: &str) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            Field::WORDS
                .iter()
                .map(|f| (Occur::Should, self.term(*f, term)))
                .collect(),
        ))
    }

    fn term(&self, field: Field, term: &str) -> Box<dyn Query> {
        let q = TermQuery::new(
            Term::from_field_text(self.fields[field as usize], term),
            IndexRecordOption::WithFreqs,
        );
        Box::new(BoostQuery::new(Box::new(q), field.boost()))
    }
}

/// Results for readers: each document's chapter, section, address and a snippet.
pub fn hits(manual: &Manual, docs: &[SearchDoc], found: &[(u32, f32)], query: &str) -> Vec<Hit> {
    let analyzer = Analyzer::default();
    let wanted: Vec<String> = marked_terms(query, &analyzer);
    found
        .iter()
        .map(|&(doc, score)| {
            let d = &docs[doc as usize];
            let c = &manual.chapters[d.chapter];
            let page = c
                .external_url
                .clone()
                .or_else(|| c.page_path())
                .unwrap_or_default();
            Hit {
                id: c.id.to_string(),
                title: c.title.clone(),
                number: c.number.to_string(),
                section: d.anchor.clone(),
                section_title: d.section_title.clone(),
                url: match &d.anchor {
                    Some(a) => format!("{page}#{a}"),
                    None => page,
                },
                snippet: snippet(&d.text, &wanted, &analyzer),
                score,
                doc,
            }
        })
        .collect()
}

/// About 30 words of `text` around the most query words, with those marked `<mark>`; HTML-escaped.
pub fn snippet(text: &str, terms: &[String], analyzer: &Analyzer) -> String {
    const WINDOW: usize = 30;
    let words = analyzer.analyze(text);
    let spans = super::analyze::split_words(text);
    let hit = |w: &super::analyze::Word| {
        terms
            .iter()
            .any(|t| w.term == *t || (t.len() >= 3 && w.term.starts_with(t.as_str())))
    };
    let marks: Vec<bool> = words.iter().map(hit).collect();
    // The window of WINDOW analysed words holding the most hits.
    let mut best = (0usize, 0usize);
    let mut count = 0;
    for i in 0..words.len() {
        count += usize::from(marks[i]);
        if i >= WINDOW {
            count -= usize::from(marks[i - WINDOW]);
        }
        if count > best.1 {
            best = ((i + 1).saturating_sub(WINDOW), count);
        }
    }
    let start_byte = words.get(best.0).map_or(0, |w| w.start);
    // Start at the beginning of that word's sentence where it is close.
    let sentence = text[..start_byte]
        .rfind(['.', '!', '?'])
        .map_or(0, |i| i + 1);
    let from = if start_byte - sentence < 120 {
        sentence
    } else {
        start_byte
    };
    let from = spans
        .iter()
        .map(|s| s.0)
        .find(|&s| s >= from)
        .unwrap_or(from);
    let end = spans
        .iter()
        .filter(|s| s.0 >= from)
        .nth(WINDOW + 8)
        .map_or(text.len(), |s| s.0);
    let mut out = String::new();
    if from > 0 {
        out.push_str("… ");
    }
    let mut at = from;
    for w in words
        .iter()
        .filter(|w| w.start >= from && w.end <= end && hit(w))
    {
        out.push_str(&escape(&text[at..w.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[w.start..w.end]));
        out.push_str("</mark>");
        at = w.end;
    }
    out.push_str(&escape(text[at..end].trim_end()));
    if end < text.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDoc;

    /// A document whose title is term 0 and whose text is `terms`.
    fn doc(terms: Vec<u32>) -> SearchDoc {
        SearchDoc {
            chapter: 0,
            anchor: None,
            section_title: String::new(),
            text: "".into(),
            terms: [vec![0], vec![], vec![], terms, vec![]],
        }
    }

    #[test]
    fn where_no_document_has_every_word_those_with_the_most_are_found() {
        // Terms: 0 plan (every title), 1 care, 2 review, 3 visit, 4 panel.
        let corpus = Corpus {
            docs: vec![
                doc(vec![1, 2]),
                doc(vec![1, 3]),
                doc(vec![2, 3]),
                doc(vec![1]),
                doc(vec![4]),
            ],
            vocabulary: ["plan", "care", "review", "visit", "panel"]
                .map(String::from)
                .to_vec(),
        };
        let index = SearchIndex::in_memory(&corpus).unwrap();
        let ids = |found: &Found| found.docs.iter().map(|d| d.0).collect::<Vec<_>>();
        // Every word in some document: those, and nothing said.
        let found = index.find("care review ", 10).unwrap();
        assert_eq!((ids(&found), found.partial), (vec![0], None));
        // No document has all three: the three with two, each with its two words' scores.
        let found = index.find("care review visit ", 10).unwrap();
        let mut docs = ids(&found);
        docs.sort();
        assert_eq!((docs, found.partial), (vec![0, 1, 2], Some((2, 3))));
        let two = index.find("care review ", 10).unwrap().docs[0].1;
        let doc0 = found.docs.iter().find(|d| d.0 == 0).unwrap().1;
        assert!((two - doc0).abs() < 1e-4, "{two} {doc0}");
        // A word no document has (a typo) does not hide the others'; a prefix no term
        // starts with neither.
        let found = index.find("panel carre ", 10).unwrap();
        assert_eq!((ids(&found), found.partial), (vec![4], Some((1, 2))));
        let found = index.find("panel zz", 10).unwrap();
        assert_eq!((ids(&found), found.partial), (vec![4], Some((1, 2))));
        // Nothing at all, and one word that is not there: no results, nothing partial.
        for query in ["carre zebra ", "carre ", ""] {
            assert_eq!(index.find(query, 10).unwrap(), Found::default(), "{query}");
        }
    }

    #[test]
    fn a_phrase_is_looked_for_in_the_best_sections_with_its_words_and_only_filters() {
        // Terms: 0 plan (every title), 1 care, 2 review, 3 filler. Documents 0..60 have "care
        // review" apart, each a little longer than the one before, so scoring a little lower;
        // document 60 has it side by side, and is the longest, so scores lowest; 61 has it
        // side by side and nothing else: the best.
        let mut docs: Vec<SearchDoc> = (0..60)
            .map(|d| {
                let mut terms = vec![1, 3, 2];
                terms.extend(std::iter::repeat_n(3, d + 1));
                doc(terms)
            })
            .collect();
        let mut last = vec![1, 2];
        last.extend(std::iter::repeat_n(3, 200));
        docs.push(doc(last));
        docs.push(doc(vec![1, 2]));
        let corpus = Corpus {
            docs,
            vocabulary: ["plan", "care", "review", "filler"]
                .map(String::from)
                .to_vec(),
        };
        let index = SearchIndex::in_memory(&corpus).unwrap();
        let words = index.find("care review ", 100).unwrap();
        assert_eq!(words.docs.len(), 62);
        assert_eq!(words.docs[0].0, 61);
        assert_eq!(words.docs[61].0, 60, "the side-by-side one scores lowest");
        // The phrase only filters: 61 keeps its score. Document 60 is past the best
        // `PHRASE_CANDIDATES` with both words, so it is not looked at.
        const { assert!(PHRASE_CANDIDATES < 61) };
        let found = index.find("\"care review\" ", 10).unwrap();
        assert_eq!(found.docs, words.docs[..1]);
        assert_eq!(found.partial, None);
        // With a limit past the cap, the cap grows to it: 60 is found too.
        let found = index.find("\"care review\" ", 100).unwrap();
        assert_eq!(found.docs.iter().map(|d| d.0).collect::<Vec<_>>(), [61, 60]);
        // A phrase no candidate has: the candidates, as having all but the phrase.
        let found = index.find("\"review care\" ", 10).unwrap();
        assert_eq!(found.docs, words.docs[..10]);
        assert_eq!(found.partial, Some((2, 3)));
        // No section with all the words: the phrase is not looked for.
        let found = index.find("\"care review\" panel ", 10).unwrap();
        assert_eq!(found.partial, Some((2, 4)));
        // What is said above the results: words missing, or only the phrase side by side.
        let note = |query: &str| index.find(query, 10).unwrap().note();
        assert_eq!(note("care review "), None);
        assert_eq!(note("care review panel "), Some(PARTIAL_NOTE));
        assert_eq!(note("\"review care\" "), Some(APART_NOTE));
        assert_eq!(note("\"care review\" panel "), Some(PARTIAL_NOTE));
        assert_eq!(note("\"review care\" filler "), Some(APART_NOTE));
    }

    #[test]
    fn searches_started_together_share_one_index_and_all_find() {
        let corpus = Corpus {
            docs: (0..200).map(|d| doc(vec![1, 2, d % 3 + 1])).collect(),
            vocabulary: ["plan", "care", "review", "visit"]
                .map(String::from)
                .to_vec(),
        };
        for _ in 0..6 {
            let root = tempfile::tempdir().unwrap();
            let found: Vec<usize> = std::thread::scope(|s| {
                let searches: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            let index = SearchIndex::open_or_build(root.path(), &corpus)
                                .expect("opened or built");
                            index.search("care", 1000).expect("searched").len()
                        })
                    })
                    .collect();
                searches.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(found, [200; 4]);
        }
    }

    #[test]
    fn an_index_of_the_same_documents_is_reused_and_leftovers_are_cleared() {
        let corpus = Corpus {
            docs: (0..20).map(|d| doc(vec![1, d % 2 + 2])).collect(),
            vocabulary: ["plan", "care", "review", "visit"]
                .map(String::from)
                .to_vec(),
        };
        let root = tempfile::tempdir().unwrap();
        let dir = folder(root.path());
        let live = dir.join(format!("index-{}", fingerprint(&corpus)));
        // What an older procbook kept, and a build that stopped half-way.
        std::fs::create_dir_all(dir.join("index")).unwrap();
        std::fs::write(dir.join("fingerprint"), "old").unwrap();
        std::fs::create_dir_all(dir.join("index.new-4000000")).unwrap();
        // A folder of the right name that is not an index (damaged) is made again.
        std::fs::create_dir_all(&live).unwrap();
        let index = SearchIndex::open_or_build(root.path(), &corpus).unwrap();
        assert_eq!(index.search("care", 100).unwrap().len(), 20);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [live.file_name().unwrap().to_str().unwrap(), "lock"]);
        // Opened again, not built again: a file put in its folder is still there.
        std::fs::write(live.join("kept"), "").unwrap();
        let again = SearchIndex::open_or_build(root.path(), &corpus).unwrap();
        assert_eq!(again.search("review", 100).unwrap().len(), 10);
        assert!(live.join("kept").exists());
    }

    #[test]
    fn a_search_keeps_its_index_while_a_changed_manual_s_search_builds_the_next() {
        let vocabulary: Vec<String> = ["plan", "care", "review", "visit"]
            .map(String::from)
            .to_vec();
        let before = Corpus {
            docs: (0..200).map(|_| doc(vec![1, 2])).collect(),
            vocabulary: vocabulary.clone(),
        };
        let after = Corpus {
            docs: (0..50).map(|_| doc(vec![3])).collect(),
            vocabulary,
        };
        let root = tempfile::tempdir().unwrap();
        // The folders under `.procbook/search/`.
        let folders = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(folder(root.path()))
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        let first = SearchIndex::open_or_build(root.path(), &before).unwrap();
        assert_eq!(first.search("care", 1000).unwrap().len(), 200);
        let first_folder = folders();
        assert_eq!(first_folder, [format!("index-{}", fingerprint(&before))]);
        // The manual changed: the next search builds a new index in a folder of its own, and
        // removes the first one's, which the first has open.
        let second = SearchIndex::open_or_build(root.path(), &after).unwrap();
        assert_eq!(second.search("visit", 1000).unwrap().len(), 50);
        assert_eq!(second.search("care", 1000).unwrap().len(), 0);
        assert_eq!(folders(), [format!("index-{}", fingerprint(&after))]);
        // The first still answers from the index it opened, whose files are gone, even after
        // the half second in which tantivy's default reader would have reloaded the new one.
        std::thread::sleep(std::time::Duration::from_millis(700));
        let found = first.search("care", 1000).unwrap();
        assert_eq!(found.len(), 200);
        assert!(found.iter().all(|&(d, _)| d < 200));
    }
}
