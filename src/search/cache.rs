//! The search cache, in `.procbook/search.cache` beside the manual, so that a build analyses
//! only the chapters whose words changed, and reuses the whole static export when nothing it
//! is made from changed (a template edit, a second build).
//!
//! It holds the terms the chapters use, once; for each chapter, a key (XXH3-128 of everything
//! its search documents are made from: its title, keywords, summary, sections and text, the
//! glossary, and the analysis) with its documents' terms, as numbers into those terms; and a
//! list of the export's files (but the chapters' fragments) with their lengths and XXH3-128
//! hashes, under a key of all the chapters' keys and what else the export holds (numbers,
//! titles, addresses, parts). Beside it, `search.site` names the folder the last build wrote
//! the site into. A build whose export has that key reuses the files the last build wrote
//! (from its own output folder or that one, or the spare copies kept beside them) where each
//! is still there with its length and hash, and makes the chapters' fragments again from the
//! rendered sections; otherwise it makes the export anew.
//! A cache that is missing, unreadable, damaged or of another version is ignored: the build
//! then does all the work, and writes a new one.
//!
//! A build takes the cached chapters' term numbers as its own (the cache's terms are the first
//! of its vocabulary), so that reading a chapter back is copying numbers, with no word looked
//! up. The cache it saves copies the chapters it read as they were, and keeps the terms no
//! chapter uses any more (an edit took them out) while they are few; when they are over an
//! eighth, it keeps only the terms in use, renumbered.
//!
//! Format, little-endian: the `FORMAT` line; the export's key (16 bytes); u32 file count, and
//! per file u32 path length, the path, u64 length and the XXH3-128 of its bytes (16 bytes);
//! u32 term count, each term as u16 length and UTF-8; a u8 width (2 where there are at most
//! 65,536 terms, else 4); u32 chapter count, then per chapter the key (16 bytes), u32
//! document count, and per document the lengths of its 5 word fields (u32 each) followed by
//! the fields' term numbers of that width.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::Corpus;
use crate::history::cache::CACHE_DIR;
use crate::markdown::Rendered;
use crate::model::Manual;
use crate::render::OutputFile;

/// Change when the analysis, the documents or the export change, so that old caches are
/// ignored. The crate's version is part of every key as well.
const FORMAT: &[u8] = b"procbook search cache 9\n";
const FILE: &str = "search.cache";

pub type Key = [u8; 16];

/// Where the cache is kept for the manual at `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join(CACHE_DIR).join(FILE)
}

/// The file beside the cache that names the folder the last build wrote the site into.
const SITE_FILE: &str = "search.site";

/// The folder the last build of the manual at `root` wrote the site into, if known (and its
/// name is UTF-8).
pub fn last_site(root: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(root.join(CACHE_DIR).join(SITE_FILE)).ok()?;
    let site = text.trim_end_matches('\n');
    (!site.is_empty()).then(|| PathBuf::from(site))
}

/// Records `site` (an absolute path) as the folder the site was last written into, unless it
/// is already (most builds write where the last one did). A name that is not UTF-8 is not
/// recorded: that folder's files are then not reused from elsewhere.
pub fn save_site(root: &Path, site: &Path) -> std::io::Result<()> {
    let Some(site) = site.to_str() else {
        return Ok(());
    };
    if last_site(root).as_deref() == Some(Path::new(site)) {
        return Ok(());
    }
    crate::history::cache::replace(root, SITE_FILE, |w| {
        std::io::Write::write_all(w, format!("{site}\n").as_bytes())
    })
}

/// A loaded cache: its terms, each chapter's documents (as byte ranges into the file) and the
/// export.
#[derive(Default)]
pub struct Cache {
    bytes: bytes::Bytes,
    /// The terms, as byte ranges into the file (checked to be UTF-8).
    terms: Vec<std::ops::Range<usize>>,
    /// The width of a term number in bytes: 2 or 4.
    width: usize,
    chapters: HashMap<Key, std::ops::Range<usize>>,
    /// The export's key and its files but the fragments.
    export: Option<(Key, Vec<Listed>)>,
}

/// One of the export's files, as the cache lists it: where it is in the site, its length and
/// the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    path: String,
    len: u64,
    hash: u128,
}

/// A chapter's documents, each as its five word fields' term numbers.
pub type ChapterTerms = Vec<[Vec<u32>; 5]>;

impl Cache {
    /// The cache of the manual at `root`, or an empty one when there is none or it can't be
    /// read.
    pub fn load(root: &Path) -> Cache {
        std::fs::read(path(root))
            .ok()
            .and_then(Cache::decode)
            .unwrap_or_default()
    }

    /// A cache from its bytes, if they are one.
    fn decode(bytes: Vec<u8>) -> Option<Cache> {
        let bytes = bytes::Bytes::from(bytes);
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        if r.take(FORMAT.len())? != FORMAT {
            return None;
        }
        let key: Key = r.take(16)?.try_into().ok()?;
        let mut files = Vec::new();
        for _ in 0..r.u32()? {
            let len = r.u32()? as usize;
            let path = std::str::from_utf8(r.take(len)?).ok()?.to_owned();
            if !is_index_file(&path) {
                return None;
            }
            let len = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
            let hash = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
            files.push(Listed { path, len, hash });
        }
        // An export always has its meta.json: a list without it is no export to reuse.
        let export = files
            .iter()
            .any(|f| f.path == "search/meta.json")
            .then_some((key, files));
        let count = r.u32()? as usize;
        let mut terms = Vec::with_capacity(count.min(bytes.len() / 2));
        for _ in 0..count {
            let len = r.u16()? as usize;
            let start = r.at;
            std::str::from_utf8(r.take(len)?).ok()?;
            terms.push(start..r.at);
        }
        let width = match r.take(1)?[0] {
            w @ (2 | 4) => w as usize,
            _ => return None,
        };
        let mut chapters = HashMap::new();
        for _ in 0..r.u32()? {
            let key: Key = r.take(16)?.try_into().ok()?;
            let start = r.at;
            for _ in 0..r.u32()? {
                let mut numbers = 0usize;
                for _ in 0..5 {
                    numbers = numbers.checked_add(r.u32()? as usize)?;
                }
                r.take(numbers.checked_mul(width)?)?;
            }
            chapters.insert(key, start..r.at);
        }
        (r.at == bytes.len()).then_some(Cache {
            terms,
            width,
            chapters,
            export,
            bytes,
        })
    }

    /// The cache's terms: its chapters' term numbers index them.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> {
        self.terms.iter().map(|range| {
            std::str::from_utf8(&self.bytes[range.clone()]).expect("checked when decoded")
        })
    }

    /// The documents kept for the chapter with `key`, if any (and if they can be read): each
    /// one's word fields as numbers into `terms`.
    pub fn chapter(&self, key: &Key) -> Option<ChapterTerms> {
        let range = self.chapters.get(key)?;
        let mut r = Reader {
            bytes: &self.bytes[range.clone()],
            at: 0,
        };
        let count = r.u32()? as usize;
        let mut docs = Vec::with_capacity(count);
        for _ in 0..count {
            let mut lengths = [0usize; 5];
            for len in &mut lengths {
                *len = r.u32()? as usize;
            }
            let mut fields: [Vec<u32>; 5] = Default::default();
            for (field, len) in fields.iter_mut().zip(lengths) {
                let raw = r.take(len * self.width)?;
                if self.width == 2 {
                    field.extend(
                        raw.chunks_exact(2)
                            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]]))),
                    );
                } else {
                    field.extend(
                        raw.chunks_exact(4)
                            .map(|b| u32::from_le_bytes(b.try_into().expect("four bytes"))),
                    );
                }
                if field.iter().any(|&t| t as usize >= self.terms.len()) {
                    return None;
                }
            }
            docs.push(fields);
        }
        Some(docs)
    }

    /// The export's files but the fragments, when the last build made them from what `key`
    /// names and wrote them into one of the folders `sites` (a site and the spare copy of the
    /// one before, `write::last_sites`), and each is there still with the length and hash the
    /// cache lists (nobody changed it since).
    pub fn export(&self, key: &Key, sites: &[PathBuf]) -> Option<Vec<OutputFile>> {
        use rayon::prelude::*;
        let (k, listed) = self.export.as_ref()?;
        if k != key {
            return None;
        }
        listed
            .par_iter()
            .map(|l| {
                sites.iter().find_map(|site| {
                    // A plain file of the listed length, read only then (not a folder, a
                    // pipe or a file grown since).
                    let mut file = std::fs::File::open(site.join(&l.path)).ok()?;
                    let meta = file.metadata().ok()?;
                    if !meta.is_file() || meta.len() != l.len {
                        return None;
                    }
                    let mut bytes = Vec::with_capacity(usize::try_from(l.len).ok()?);
                    std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
                    (bytes.len() as u64 == l.len && hash(&bytes) == l.hash)
                        .then(|| OutputFile::new(l.path.clone(), bytes))
                })
            })
            .collect()
    }
}

/// Whether `path` can be one of the listed index files: a relative path of plain names under
/// `search/`, not a chapter's fragment (so that a damaged or hand-made cache can name nothing
/// outside the site's index).
fn is_index_file(path: &str) -> bool {
    use std::path::Component;
    path.starts_with("search/")
        && !super::export::is_fragment(path)
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The hash the cache lists a file's bytes with.
fn hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A new cache, to be encoded and saved once the build has what it needs (while the site is
/// written): the documents of a build that was not served from the cache whole.
pub struct Update {
    pub corpus: Corpus,
    /// Each chapter's key.
    pub keys: Vec<Key>,
    /// The export's key.
    pub key: Key,
    /// The export's files (the cache lists all but the chapters' fragments).
    pub files: Vec<OutputFile>,
    /// The cache the corpus's documents were read from, whose chapters are copied as they
    /// are where their numbers still hold.
    pub previous: Cache,
}

impl std::fmt::Debug for Update {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("chapters", &self.keys.len())
            .field("files", &self.files.len())
            .finish()
    }
}

impl Update {
    /// Saves the new cache in place of the old one, written straight to the file (a
    /// temporary one renamed into place), so that it is never whole in memory. A cache that
    /// cannot be written is no error: the next build does the work again.
    pub fn save(&self, root: &Path) -> std::io::Result<()> {
        crate::history::cache::replace(root, FILE, |w| {
            encode_into(
                w,
                &self.corpus,
                &self.keys,
                &self.key,
                &self.files,
                Some(&self.previous),
            )
        })
    }
}

/// The cache's bytes for `corpus` (whose chapters have `keys`) and its export `files`.
pub fn encode(corpus: &Corpus, keys: &[Key], export: &Key, files: &[OutputFile]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, corpus, keys, export, files, None).expect("writing to memory");
    out
}

/// `encode`, into `w`. The chapters of `previous` (where its terms are the corpus's first, as
/// when the corpus was read from it) are copied as they are there, when the numbers keep.
fn encode_into(
    w: &mut impl std::io::Write,
    corpus: &Corpus,
    keys: &[Key],
    export: &Key,
    files: &[OutputFile],
    previous: Option<&Cache>,
) -> std::io::Result<()> {
    // A vocabulary made from nothing (no cached terms were read) holds only terms this
    // build's texts gave, nearly all of them used (a glossary name matched in front of an
    // apostrophe can leave one that is not): every term keeps its number, which is right
    // whatever is unused, without a pass over all the documents to see which are.
    let numbers = match previous {
        Some(p) if p.terms.is_empty() => Numbers::every(corpus.vocabulary.len()),
        _ => Numbers::of(corpus),
    };
    let width = numbers.width();
    let identity = numbers.kept_as_they_are();
    let previous = previous.filter(|p| {
        identity
            && p.width == width
            && p.terms.len() <= corpus.vocabulary.len()
            && p.terms().zip(&corpus.vocabulary).all(|(a, b)| a == b)
    });
    // The export's files, listed (a build that reuses them reads them from the site).
    let kept: Vec<&OutputFile> = files
        .iter()
        .filter(|f| !super::export::is_fragment(&f.path))
        .collect();
    let mut out = FORMAT.to_vec();
    out.extend_from_slice(export);
    put_u32(&mut out, kept.len());
    for f in kept {
        put_u32(&mut out, f.path.len());
        out.extend_from_slice(f.path.as_bytes());
        out.extend_from_slice(&(f.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&hash(&f.bytes).to_le_bytes());
    }
    w.write_all(&out)?;
    out.clear();
    put_u32(&mut out, numbers.used as usize);
    for (term, _) in corpus
        .vocabulary
        .iter()
        .zip(&numbers.of)
        .filter(|(_, n)| **n != u32::MAX)
    {
        // Terms are at most 40 characters (`analyze::MAX_WORD`), so 160 bytes.
        out.extend_from_slice(&(term.len() as u16).to_le_bytes());
        out.extend_from_slice(term.as_bytes());
    }
    out.push(width as u8);
    let mut by_chapter: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for (i, d) in corpus.docs.iter().enumerate() {
        by_chapter[d.chapter].push(i);
    }
    put_u32(&mut out, keys.len());
    for (key, docs) in keys.iter().zip(&by_chapter) {
        out.extend_from_slice(key);
        if let Some(range) = previous.and_then(|p| Some(&p.bytes[p.chapters.get(key)?.clone()])) {
            out.extend_from_slice(range);
            w.write_all(&out)?;
            out.clear();
            continue;
        }
        put_u32(&mut out, docs.len());
        for &d in docs {
            let fields = &corpus.docs[d].terms;
            for field in fields {
                put_u32(&mut out, field.len());
            }
            for field in fields {
                let start = out.len();
                out.resize(start + width * field.len(), 0);
                let to = &mut out[start..];
                match (width, identity) {
                    // Each id as it is, two bytes of it: a loop the compiler makes into vector
                    // instructions (most caches are saved so).
                    (2, true) => {
                        debug_assert!(field.iter().all(|&t| t <= u32::from(u16::MAX)));
                        for (to, &t) in to.chunks_exact_mut(2).zip(field) {
                            to.copy_from_slice(&(t as u16).to_le_bytes());
                        }
                    }
                    (2, false) => {
                        for (to, &t) in to.chunks_exact_mut(2).zip(field) {
                            to.copy_from_slice(&(numbers.of[t as usize] as u16).to_le_bytes());
                        }
                    }
                    _ => {
                        for (to, &t) in to.chunks_exact_mut(4).zip(field) {
                            to.copy_from_slice(&numbers.of[t as usize].to_le_bytes());
                        }
                    }
                }
            }
        }
        w.write_all(&out)?;
        out.clear();
    }
    Ok(())
}

/// The cache's number for each of the corpus's terms.
struct Numbers {
    /// By term id: its number, or `u32::MAX` for a term that is not kept.
    of: Vec<u32>,
    /// How many are kept.
    used: u32,
}

impl Numbers {
    /// Every term, numbered as it is, while few are unused (an edit took them out of the
    /// text); else only the terms some document uses, numbered in the same order.
    fn of(corpus: &Corpus) -> Numbers {
        let n = corpus.vocabulary.len();
        let mut in_use = vec![false; n];
        for doc in &corpus.docs {
            for &t in doc.terms.iter().flatten() {
                in_use[t as usize] = true;
            }
        }
        let unused = in_use.iter().filter(|&&u| !u).count();
        if unused <= n / 8 {
            return Numbers::every(n);
        }
        let mut used = 0u32;
        let of = in_use
            .iter()
            .map(|&u| {
                if u {
                    used += 1;
                    used - 1
                } else {
                    u32::MAX
                }
            })
            .collect();
        Numbers { of, used }
    }

    /// Each of `n` terms, numbered as it is.
    fn every(n: usize) -> Numbers {
        Numbers {
            of: (0..n as u32).collect(),
            used: n as u32,
        }
    }

    /// Whether each term keeps its id as its number.
    fn kept_as_they_are(&self) -> bool {
        self.used as usize == self.of.len()
    }

    /// The width of a number: two bytes where there are few enough terms, else four.
    fn width(&self) -> usize {
        if self.used <= 1 << 16 { 2 } else { 4 }
    }
}

/// What every key starts from: the format, the crate's version, the analysis's tables and
/// the glossary (whose names become synonyms).
fn base(manual: &Manual) -> Xxh3 {
    let mut h = Xxh3::new();
    h.update(FORMAT);
    field(&mut h, env!("CARGO_PKG_VERSION"));
    for w in super::analyze::STOP_WORDS {
        field(&mut h, w);
    }
    let mut spellings: Vec<_> = super::analyze::spelling_map().iter().collect();
    spellings.sort();
    for (gb, us) in spellings {
        field(&mut h, gb);
        field(&mut h, us);
    }
    for e in &manual.glossary.entries {
        field(&mut h, &e.term);
        field(&mut h, e.expansion.as_deref().unwrap_or("\u{0}"));
        h.update(&(e.aliases.len() as u64).to_le_bytes());
        for a in &e.aliases {
            field(&mut h, a);
        }
    }
    h
}

/// A string, with its length first so that no two lists of strings hash alike.
fn field(h: &mut Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

fn finish(h: Xxh3) -> Key {
    h.digest128().to_le_bytes()
}

/// Each chapter's key: what its search documents are made from.
pub fn chapter_keys(manual: &Manual, rendered: &[std::sync::Arc<Rendered>]) -> Vec<Key> {
    use rayon::prelude::*;
    let base = base(manual);
    manual
        .chapters
        .par_iter()
        .zip(rendered)
        .map(|(c, r)| {
            let mut h = base.clone();
            field(&mut h, &c.title);
            h.update(&(c.keywords.len() as u64).to_le_bytes());
            for k in &c.keywords {
                field(&mut h, k);
            }
            field(&mut h, c.summary.as_deref().unwrap_or("\u{0}"));
            h.update(&(r.sections.len() as u64).to_le_bytes());
            for s in &r.sections {
                field(&mut h, &s.anchor);
                field(&mut h, &s.number);
                field(&mut h, &s.title);
            }
            h.update(&(r.texts.len() as u64).to_le_bytes());
            for t in &r.texts {
                field(&mut h, t);
            }
            finish(h)
        })
        .collect()
}

/// The export's key: every chapter's key, what else the export holds of each chapter and
/// part, and the question words (which `meta.json` holds for the browser's client).
pub fn export_key(manual: &Manual, keys: &[Key]) -> Key {
    let mut h = base(manual);
    for w in super::query::QUESTION_WORDS {
        field(&mut h, w);
    }
    h.update(&(keys.len() as u64).to_le_bytes());
    for (c, key) in manual.chapters.iter().zip(keys) {
        h.update(key);
        field(&mut h, c.id.as_str());
        field(&mut h, &c.number.to_string());
        let url = c.external_url.clone().or_else(|| c.page_path());
        field(&mut h, url.as_deref().unwrap_or("\u{0}"));
        h.update(&(c.part as u64).to_le_bytes());
        h.update(&[u8::from(c.local)]);
    }
    h.update(&(manual.parts.len() as u64).to_le_bytes());
    for p in &manual.parts {
        field(&mut h, &p.number.to_string());
        field(&mut h, &p.title);
    }
    finish(h)
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDoc;

    fn corpus() -> Corpus {
        let doc = |chapter, terms: [Vec<u32>; 5]| SearchDoc {
            chapter,
            anchor: None,
            section_title: String::new(),
            text: "".into(),
            terms,
        };
        Corpus {
            docs: vec![
                doc(0, [vec![2], vec![], vec![], vec![0, 2, 0], vec![]]),
                doc(0, [vec![2], vec![1], vec![], vec![], vec![]]),
                doc(1, [vec![], vec![], vec![], vec![1, 1], vec![3]]),
            ],
            vocabulary: ["plan", "review", "care", "looked"]
                .map(String::from)
                .to_vec(),
        }
    }

    /// A cached chapter's documents, as words.
    fn words(cache: &Cache, key: &Key) -> Vec<[Vec<String>; 5]> {
        let terms: Vec<&str> = cache.terms().collect();
        cache
            .chapter(key)
            .unwrap()
            .into_iter()
            .map(|fields| fields.map(|f| f.iter().map(|&t| terms[t as usize].into()).collect()))
            .collect()
    }

    #[test]
    fn chapters_and_the_export_round_trip() {
        let keys = [[1u8; 16], [2u8; 16]];
        // A chapter's fragment is left out: a reusing build makes it again.
        let files = vec![
            OutputFile::new("search/meta.json", "{}"),
            OutputFile::new("search/c/0.jsonl", "{}"),
        ];
        let bytes = encode(&corpus(), &keys, &[9u8; 16], &files);
        let cache = Cache::decode(bytes).expect("decodes");
        let first = words(&cache, &[1u8; 16]);
        assert_eq!(first.len(), 2);
        assert_eq!(first[0][0], ["care"]);
        assert_eq!(first[0][3], ["plan", "care", "plan"]);
        assert_eq!(first[1][1], ["review"]);
        let second = words(&cache, &[2u8; 16]);
        assert_eq!(second.len(), 1);
        assert_eq!(second[0][3], ["review", "review"]);
        assert_eq!(second[0][4], ["looked"]);
        assert!(cache.chapter(&[3u8; 16]).is_none());
        let (key, listed) = cache.export.as_ref().unwrap();
        assert_eq!(key, &[9u8; 16]);
        assert_eq!(
            listed,
            &[Listed {
                path: "search/meta.json".into(),
                len: 2,
                hash: hash(b"{}"),
            }]
        );
    }

    #[test]
    fn the_last_site_folder_round_trips_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_site(dir.path()), None);
        let site = dir.path().join("public");
        save_site(dir.path(), &site).unwrap();
        assert_eq!(last_site(dir.path()), Some(site.clone()));
        // The same folder again: the file is left as it is, not replaced.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let file = dir.path().join(CACHE_DIR).join(SITE_FILE);
            let before = std::fs::metadata(&file).unwrap().ino();
            save_site(dir.path(), &site).unwrap();
            assert_eq!(std::fs::metadata(&file).unwrap().ino(), before);
            save_site(dir.path(), &dir.path().join("other")).unwrap();
            assert_ne!(std::fs::metadata(&file).unwrap().ino(), before);
            save_site(dir.path(), &site).unwrap();
        }
        std::fs::write(dir.path().join(CACHE_DIR).join(SITE_FILE), "").unwrap();
        assert_eq!(last_site(dir.path()), None);
    }

    #[test]
    fn terms_no_document_uses_are_not_kept() {
        let mut corpus = corpus();
        // "looked" (3) is used no more, and a term was added that none uses.
        corpus.docs[2].terms[4].clear();
        corpus.vocabulary.push("unused".into());
        let cache =
            Cache::decode(encode(&corpus, &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[])).unwrap();
        assert_eq!(
            cache.terms().collect::<Vec<_>>(),
            ["plan", "review", "care"]
        );
        assert_eq!(words(&cache, &[1u8; 16])[0][3], ["plan", "care", "plan"]);
        // And with a term in the middle unused, the numbers after it move down.
        corpus.docs[1].terms[1].clear();
        corpus.docs[2].terms[3].clear();
        let cache =
            Cache::decode(encode(&corpus, &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[])).unwrap();
        assert_eq!(cache.terms().collect::<Vec<_>>(), ["plan", "care"]);
        assert_eq!(words(&cache, &[1u8; 16])[0][3], ["plan", "care", "plan"]);
        assert_eq!(cache.chapter(&[1u8; 16]).unwrap()[0][3], [0, 1, 0]);
    }

    #[test]
    fn a_vocabulary_made_from_nothing_is_saved_with_its_numbers_as_they_are() {
        let keys = [[1u8; 16], [2u8; 16]];
        let save = |corpus: &Corpus| {
            let mut out = Vec::new();
            encode_into(
                &mut out,
                corpus,
                &keys,
                &[9u8; 16],
                &[],
                Some(&Cache::default()),
            )
            .unwrap();
            out
        };
        // Every term used: the same bytes as with the pass that looks for unused ones.
        let corpus = corpus();
        assert_eq!(save(&corpus), encode(&corpus, &keys, &[9u8; 16], &[]));
        // One unused (of four, more than an eighth): kept, and every number still right.
        let mut corpus = corpus;
        corpus.docs[2].terms[4].clear();
        let cache = Cache::decode(save(&corpus)).unwrap();
        assert_eq!(
            cache.terms().collect::<Vec<_>>(),
            ["plan", "review", "care", "looked"]
        );
        assert_eq!(words(&cache, &keys[0])[0][3], ["plan", "care", "plan"]);
        assert_eq!(words(&cache, &keys[1])[0][3], ["review", "review"]);
    }

    #[test]
    fn a_few_unused_terms_are_kept_with_their_numbers() {
        let mut corpus = corpus();
        // Four terms in use and one unused: more than an eighth, so it is dropped.
        corpus.vocabulary.push("unused".into());
        let cache =
            Cache::decode(encode(&corpus, &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[])).unwrap();
        assert_eq!(cache.terms().count(), 4);
        // Thirty-two in use and four unused: kept, so that no number changes.
        for i in 0..28 {
            corpus.vocabulary.push(format!("w{i}"));
            corpus.docs[1].terms[3].push(corpus.vocabulary.len() as u32 - 1);
        }
        corpus.vocabulary.extend(["x", "y", "z"].map(String::from));
        let cache =
            Cache::decode(encode(&corpus, &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[])).unwrap();
        assert_eq!(cache.terms().count(), 36);
        assert_eq!(cache.terms().nth(4), Some("unused"));
        assert_eq!(words(&cache, &[1u8; 16])[1][3][..2], ["w0", "w1"]);
    }

    #[test]
    fn chapters_copied_from_the_last_cache_are_the_bytes_made_anew() {
        let keys = [[1u8; 16], [2u8; 16]];
        let files = vec![OutputFile::new("search/meta.json", "{}")];
        let fresh = encode(&corpus(), &keys, &[9u8; 16], &files);
        // The last cache held the first chapter only, under its key, and a stale second one.
        let last = encode(&corpus(), &[[1u8; 16], [7u8; 16]], &[8u8; 16], &[]);
        let previous = Cache::decode(last).unwrap();
        let mut copied = Vec::new();
        encode_into(
            &mut copied,
            &corpus(),
            &keys,
            &[9u8; 16],
            &files,
            Some(&previous),
        )
        .unwrap();
        assert_eq!(copied, fresh);
        // A last cache whose terms are not the corpus's first is not copied from.
        let mut other = corpus();
        other.vocabulary.swap(0, 1);
        let previous = Cache::decode(encode(&other, &keys, &[8u8; 16], &[])).unwrap();
        let mut copied = Vec::new();
        encode_into(
            &mut copied,
            &corpus(),
            &keys,
            &[9u8; 16],
            &files,
            Some(&previous),
        )
        .unwrap();
        assert_eq!(copied, fresh);
    }

    #[test]
    fn more_terms_than_two_bytes_number_round_trip() {
        // 70,000 terms: the term numbers take four bytes.
        let vocabulary: Vec<String> = (0..70_000).map(|i| format!("t{i}")).collect();
        let all: Vec<u32> = (0..70_000).rev().collect();
        let corpus = Corpus {
            docs: vec![SearchDoc {
                chapter: 0,
                anchor: None,
                section_title: String::new(),
                text: "".into(),
                terms: [vec![5], vec![], vec![], all.clone(), vec![69_999]],
            }],
            vocabulary,
        };
        let cache = Cache::decode(encode(&corpus, &[[1u8; 16]], &[9u8; 16], &[])).unwrap();
        assert_eq!(cache.width, 4);
        let docs = words(&cache, &[1u8; 16]);
        assert_eq!(docs[0][0], ["t5"]);
        assert_eq!(docs[0][3].len(), 70_000);
        assert_eq!(docs[0][3][0], "t69999");
        assert_eq!(docs[0][3][69_999], "t0");
        assert_eq!(docs[0][4], ["t69999"]);
    }

    #[test]
    fn a_term_number_past_the_terms_is_no_chapter() {
        let mut bytes = encode(&corpus(), &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[]);
        // The second chapter's last number (its "looked") ends the file.
        let at = bytes.len() - 2;
        assert_eq!(bytes[at..at + 2], 3u16.to_le_bytes());
        bytes[at] = 4;
        let cache = Cache::decode(bytes).unwrap();
        assert!(cache.chapter(&[2u8; 16]).is_none());
        assert!(cache.chapter(&[1u8; 16]).is_some());
    }

    #[test]
    fn the_export_is_taken_from_the_site_only_when_it_is_the_one_asked_for_and_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::create_dir_all(site.join("search/s")).unwrap();
        let files = vec![
            OutputFile::new("search/meta.json", "{\"docs\":3}"),
            OutputFile::new("search/s/0.bin", "PBS1 shard"),
        ];
        for f in &files {
            std::fs::write(site.join(&f.path), &f.bytes).unwrap();
        }
        let keys = [[1u8; 16], [2u8; 16]];
        let cache = Cache::decode(encode(&corpus(), &keys, &[9u8; 16], &files)).unwrap();
        let sites = [site.to_path_buf()];
        let reused = cache
            .export(&[9u8; 16], &sites)
            .expect("the files are there");
        assert_eq!(reused.len(), 2);
        for (a, b) in reused.iter().zip(&files) {
            assert_eq!((&a.path, &a.bytes), (&b.path, &b.bytes));
        }
        // Another export's key: not reused.
        assert!(cache.export(&[8u8; 16], &sites).is_none());
        // A file changed since, even to bytes of the same length, or gone: not reused.
        std::fs::write(site.join("search/s/0.bin"), "PBS1 shart").unwrap();
        assert!(cache.export(&[9u8; 16], &sites).is_none());
        std::fs::remove_file(site.join("search/s/0.bin")).unwrap();
        assert!(cache.export(&[9u8; 16], &sites).is_none());
        // Each file is taken from the first folder that holds it unchanged.
        let spare = dir.path().join("spare");
        std::fs::create_dir_all(spare.join("search/s")).unwrap();
        std::fs::write(spare.join("search/s/0.bin"), "PBS1 shard").unwrap();
        let both = [site.to_path_buf(), spare];
        let reused = cache
            .export(&[9u8; 16], &both)
            .expect("the files are there");
        assert_eq!(reused[1].bytes, "PBS1 shard".as_bytes());
        std::fs::write(site.join("search/s/0.bin"), "PBS1 shard").unwrap();
        assert!(cache.export(&[9u8; 16], &sites).is_some());
        assert!(
            cache
                .export(&[9u8; 16], &[site.join("elsewhere")])
                .is_none()
        );
    }

    #[test]
    fn only_index_files_under_search_can_be_listed() {
        for good in ["search/meta.json", "search/s/0.bin", "search/s/307.bin"] {
            assert!(is_index_file(good), "{good}");
        }
        for bad in [
            "search/c/0.jsonl",
            "/etc/passwd",
            "search/../index.html",
            "index.html",
            "search",
            "",
        ] {
            assert!(!is_index_file(bad), "{bad}");
        }
        let files = vec![
            OutputFile::new("search/meta.json", "{}"),
            OutputFile::new("search/../../x", "{}"),
        ];
        let keys = [[1u8; 16], [2u8; 16]];
        assert!(Cache::decode(encode(&corpus(), &keys, &[9u8; 16], &files)).is_none());
        // A list without meta.json is no export, but the chapters are still there.
        let files = vec![OutputFile::new("search/s/0.bin", "x")];
        let cache = Cache::decode(encode(
            &corpus(),
            &[[1u8; 16], [2u8; 16]],
            &[9u8; 16],
            &files,
        ))
        .unwrap();
        assert!(
            cache
                .export(&[9u8; 16], &[PathBuf::from("/nonexistent")])
                .is_none()
        );
        assert!(cache.export.is_none());
        assert!(cache.chapter(&[1u8; 16]).is_some());
    }

    #[test]
    fn a_damaged_or_other_cache_is_no_cache() {
        let bytes = encode(&corpus(), &[[1u8; 16], [2u8; 16]], &[9u8; 16], &[]);
        for cut in 0..bytes.len() {
            assert!(
                Cache::decode(bytes[..cut].to_vec()).is_none(),
                "cut at {cut}"
            );
        }
        let mut other = bytes.clone();
        other[FORMAT.len() - 2] ^= 1;
        assert!(Cache::decode(other).is_none());
        let mut longer = bytes;
        longer.push(0);
        assert!(Cache::decode(longer).is_none());
    }
}
