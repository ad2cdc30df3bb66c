//! Text analysis for search, the same for indexing and for queries, and reproduced by the
//! browser's search client (`themes/default/static/search.js`): split into words on anything
//! that is not a letter or digit (an apostrophe inside a word is dropped, and a trailing "'s"
//! goes), lower-case, drop English stop words and words over 40 characters, stem with
//! Snowball English (Porter2), then map British spellings' stems to the American ones
//! ("organis" → "organ") so that either spelling finds both.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Words longer than this are not indexed (tantivy's `RemoveLongFilter` default is 40).
pub const MAX_WORD: usize = 40;

/// English stop words: the list tantivy's `StopWordFilter` uses for English (Lucene's).
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// British and American spellings of words the field uses, stemmed at start-up so that the
/// map always agrees with the stemmer. Only simple, unambiguous pairs.
const SPELLINGS: &[(&str, &str)] = &[
    ("organise", "organize"),
    ("organisation", "organization"),
    ("organised", "organized"),
    ("recognise", "recognize"),
    ("recognised", "recognized"),
    ("prioritise", "prioritize"),
    ("realise", "realize"),
    ("apologise", "apologize"),
    ("authorise", "authorize"),
    ("authorisation", "authorization"),
    ("minimise", "minimize"),
    ("emphasise", "emphasize"),
    ("specialise", "specialize"),
    ("specialist", "specialist"),
    ("summarise", "summarize"),
    ("categorise", "categorize"),
    ("criticise", "criticize"),
    ("finalise", "finalize"),
    ("utilise", "utilize"),
    ("mobilise", "mobilize"),
    ("normalise", "normalize"),
    ("stabilise", "stabilize"),
    ("scrutinise", "scrutinize"),
    ("characterise", "characterize"),
    ("sanitise", "sanitize"),
    ("hospitalisation", "hospitalization"),
    ("radicalisation", "radicalization"),
    ("behaviour", "behavior"),
    ("behavioural", "behavioral"),
    ("colour", "color"),
    ("favour", "favor"),
    ("honour", "honor"),
    ("labour", "labor"),
    ("neighbour", "neighbor"),
    ("neighbourhood", "neighborhood"),
    ("centre", "center"),
    ("programme", "program"),
    ("licence", "license"),
    ("defence", "defense"),
    ("offence", "offense"),
    ("paediatric", "pediatric"),
    ("paediatrician", "pediatrician"),
    ("foetal", "fetal"),
    ("anaemia", "anemia"),
    ("judgement", "judgment"),
    ("ageing", "aging"),
    ("enrol", "enroll"),
    ("enrolment", "enrollment"),
    ("fulfil", "fulfill"),
    ("catalogue", "catalog"),
    ("dialogue", "dialog"),
    ("analyse", "analyze"),
    ("counselling", "counseling"),
    ("counsellor", "counselor"),
    ("travelled", "traveled"),
    ("modelling", "modeling"),
    ("cheque", "check"),
    ("mould", "mold"),
    ("practise", "practice"),
    ("grey", "gray"),
    ("aluminium", "aluminum"),
    ("storey", "story"),
];

/// British stem → American stem.
pub fn spelling_map() -> &'static HashMap<String, String> {
    static MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let stemmer = Stemmer::create(Algorithm::English);
        SPELLINGS
            .iter()
            .filter_map(|(gb, us)| {
                let (gb, us) = (stemmer.stem(gb).into_owned(), stemmer.stem(us).into_owned());
                (gb != us).then_some((gb, us))
            })
            .collect()
    })
}

/// One analysed word: its term, and where the word was in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub term: String,
    /// Byte offsets of the word in the analysed text.
    pub start: usize,
    pub end: usize,
}

/// The analyser: a stemmer and the spelling map.
pub struct Analyzer {
    stemmer: Stemmer,
    spellings: &'static HashMap<String, String>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
            spellings: spelling_map(),
        }
    }
}

impl Analyzer {
    /// The terms of `text`, in order.
    pub fn analyze(&self, text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        for_each_word(text, |start, end| {
            if let Some(term) = self.term(&text[start..end]) {
                out.push(Word { term, start, end });
            }
        });
        out
    }

    /// The term of one word, or `None` for a stop word or a word too long to index.
    pub fn term(&self, word: &str) -> Option<String> {
        let lower: String = word
            .chars()
            .filter(|c| *c != '\'' && *c != '\u{2019}')
            .flat_map(char::to_lowercase)
            .collect();
        if lower.is_empty()
            || lower.chars().count() > MAX_WORD
            || STOP_WORDS.contains(&lower.as_str())
        {
            return None;
        }
        let stem = self.stemmer.stem(&lower);
        Some(match self.spellings.get(stem.as_ref()) {
            Some(us) => us.clone(),
            None => stem.into_owned(),
        })
    }

    /// The lower-cased form of a word, as a prefix is matched against terms.
    pub fn prefix(word: &str) -> String {
        word.chars()
            .filter(|c| *c != '\'' && *c != '\u{2019}')
            .flat_map(char::to_lowercase)
            .collect()
    }
}

/// Byte ranges of the words of `text`: runs of letters and digits, with apostrophes inside a
/// word kept in it ("don't") and a possessive "'s" left out ("children's" → "children").
pub fn split_words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(text.len() / 6);
    for_each_word(text, |start, end| out.push((start, end)));
    out
}

/// `split_words`, calling `f` with each word's byte range instead of collecting them.
///
/// A bitmap of which bytes belong to a letter or digit is made eight bytes at a time, and
/// words are found as runs of set bits. Text beyond ASCII (a rendered page's curly quotes and
/// dashes, an accented name) only has its other characters looked at one by one.
pub fn for_each_word(text: &str, mut f: impl FnMut(usize, usize)) {
    let b = text.as_bytes();
    let mut bits = AlnumBits::of(b);
    if !text.is_ascii() {
        bits.mark_letters_beyond_ascii(text);
    }
    // Each block of 64 bytes gives the places where words start and end as bits, which are
    // then taken in turn (a word that runs on into the next block stays open). Nothing before
    // `after` is looked at again: an apostrophe sends a word to `finish_word`, which may read
    // on past the block.
    let (mut carry, mut open, mut after) = (0u64, None, 0usize);
    for (w, &block) in bits.0.iter().enumerate() {
        let base = w * 64;
        let before = (block << 1) | carry;
        carry = block >> 63;
        let keep = mask_from(after, base);
        let (mut starts, mut ends) = (block & !before & keep, !block & before & keep);
        loop {
            let Some(start) = open else {
                if starts == 0 {
                    break;
                }
                open = Some(base + starts.trailing_zeros() as usize);
                starts &= starts - 1;
                continue;
            };
            if ends == 0 {
                break;
            }
            let end = base + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            open = None;
            // Most words end at a space or a stop, not at the first byte of an apostrophe.
            if !matches!(b.get(end), Some(b'\'' | 0xe2)) {
                f(start, end);
                continue;
            }
            let at = finish_word(b, &bits, start, end, &mut f);
            after = at + 1;
            let keep = mask_from(after, base);
            (starts, ends) = (starts & keep, ends & keep);
        }
    }
    if let Some(start) = open {
        f(start, b.len());
    }
}

/// The bits of a block starting at byte `base` for the bytes at or after `after`.
fn mask_from(after: usize, base: usize) -> u64 {
    match after.saturating_sub(base) {
        0 => u64::MAX,
        shift if shift >= 64 => 0,
        shift => u64::MAX << shift,
    }
}

/// Ends the word at `start` whose letters stop at `end`, an apostrophe: "children's" ends
/// before it (and its "s" goes); "don't" goes on through it. Where the text is left: a byte
/// that is no letter or digit, or the end.
fn finish_word(
    b: &[u8],
    bits: &AlnumBits,
    start: usize,
    mut end: usize,
    f: &mut impl FnMut(usize, usize),
) -> usize {
    loop {
        let tail = end + apostrophe_len(b, end);
        if tail == end || !bits.is_set(tail) {
            break;
        }
        let tail_end = bits.next_clear(tail).unwrap_or(b.len());
        if tail_end == tail + 1 && b[tail].eq_ignore_ascii_case(&b's') {
            f(start, end);
            return tail_end;
        }
        end = tail_end;
    }
    f(start, end);
    end
}

/// The length in bytes of the apostrophe (`'` or `’`) at byte `i`, or 0.
fn apostrophe_len(b: &[u8], i: usize) -> usize {
    match b.get(i..).unwrap_or_default() {
        [b'\'', ..] => 1,
        [0xe2, 0x80, 0x99, ..] => 3,
        _ => 0,
    }
}

/// One bit for each byte of a text: set for the bytes of a letter or a digit.
struct AlnumBits(Vec<u64>);

/// The bits of the ASCII letters and digits of 64 bytes, eight bytes at a time in a `u64`.
/// Bytes from 0x80 up are left clear.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn alnum_block(bytes: &[u8; 64]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte where lo <= byte <= hi, for bytes below 0x80 (none carries
    // into the next byte).
    let within = |x: u64, lo: u64, hi: u64| {
        x.wrapping_add((0x80 - lo) * ONES) & !x.wrapping_add((0x7f - hi) * ONES) & HIGH
    };
    let mut bits = 0u64;
    for (k, eight) in bytes.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        // Bytes from 0x80 up are looked at without their high bit, then left out.
        let (low, ascii) = (x & !HIGH, !x & HIGH);
        // Letters folded to lower case (only A-Z land on a-z), and digits.
        let set = (within(low | (0x20 * ONES), 0x61, 0x7a) | within(low, 0x30, 0x39)) & ascii;
        // One bit per byte: byte k's high bit to bit k.
        bits |= ((set >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (k * 8);
    }
    bits
}

/// `alnum_block`, sixteen bytes at a time in SSE2's registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn alnum_block_sse2(bytes: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    // Whether each byte is in lo..lo + len: moved down by lo and across by 128 (so that a
    // signed compare is an unsigned one), it is below len (also across by 128).
    let within = |x: __m128i, lo: u8, len: u8| {
        let moved = _mm_sub_epi8(x, _mm_set1_epi8(lo.wrapping_sub(128) as i8));
        _mm_cmplt_epi8(moved, _mm_set1_epi8(len.wrapping_sub(128) as i8))
    };
    let mut bits = 0u64;
    for (k, sixteen) in bytes.chunks_exact(16).enumerate() {
        let half = |at: usize| i64::from_le_bytes(sixteen[at..at + 8].try_into().expect("8 bytes"));
        let x = _mm_set_epi64x(half(8), half(0));
        // Letters folded to lower case (only A-Z land on a-z; bytes from 0x80 up stay past
        // "z"), and digits.
        let letters = within(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 26);
        let digits = within(x, b'0', 10);
        let set = _mm_movemask_epi8(_mm_or_si128(letters, digits)) as u16;
        bits |= u64::from(set) << (16 * k);
    }
    bits
}

impl AlnumBits {
    /// The bits of the ASCII letters and digits (the bytes of other characters are left
    /// clear: see `mark_letters_beyond_ascii`).
    fn of(text: &[u8]) -> AlnumBits {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of every x86-64 processor: the target's baseline.
        let block = |bytes: &[u8; 64]| unsafe { alnum_block_sse2(bytes) };
        #[cfg(not(target_arch = "x86_64"))]
        let block = alnum_block;
        // Whole blocks read in place (a copy of a piece of varying length is a call to
        // `memcpy` each time); only the last, short one is copied, with zeros after it.
        let mut blocks = text.chunks_exact(64);
        let mut bits: Vec<u64> = Vec::with_capacity(text.len().div_ceil(64));
        bits.extend(
            blocks
                .by_ref()
                .map(|b| block(b.try_into().expect("64 bytes"))),
        );
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let mut padded = [0u8; 64];
            padded[..rest.len()].copy_from_slice(rest);
            bits.push(block(&padded));
        }
        AlnumBits(bits)
    }

    /// Sets the bits of every byte of each letter or digit beyond ASCII ("é", "ß").
    fn mark_letters_beyond_ascii(&mut self, text: &str) {
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(skip) = b[i..].iter().position(|&x| x >= 0x80) {
            i += skip;
            let c = text[i..].chars().next().expect("a character starts here");
            let len = c.len_utf8();
            if c.is_alphanumeric() {
                for k in i..i + len {
                    self.0[k / 64] |= 1 << (k % 64);
                }
            }
            i += len;
        }
    }

    /// Whether byte `i` is part of a letter or digit.
    fn is_set(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// The first byte at or after `from` that is no letter or digit (`None`: the text ends
    /// first, at a block's end).
    fn next_clear(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut word = !*self.0.get(w)? & (u64::MAX << (from % 64));
        while word == 0 {
            w += 1;
            word = !*self.0.get(w)?;
        }
        Some(w * 64 + word.trailing_zeros() as usize)
    }
}

/// `for_each_word` character by character: the rules as plainly written, which the bitmap
/// must follow.
#[cfg(test)]
fn for_each_word_in_chars(text: &str, mut f: impl FnMut(usize, usize)) {
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let apostrophe = c == '\'' || c == '\u{2019}';
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        if apostrophe && start.is_some() && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric()) {
            // "children's": the word ends before the apostrophe when only "s" follows.
            let rest = &text[i + c.len_utf8()..];
            let mut tail = rest.chars().take_while(|c| c.is_alphanumeric());
            if tail.next().is_some_and(|c| c.eq_ignore_ascii_case(&'s')) && tail.next().is_none() {
                f(start.take().unwrap_or(i), i);
                // Skip the "s".
                chars.next();
            }
            continue;
        }
        if let Some(s) = start.take() {
            f(s, i);
        }
    }
    if let Some(s) = start {
        f(s, text.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        Analyzer::default()
            .analyze(text)
            .into_iter()
            .map(|w| w.term)
            .collect()
    }

    #[test]
    fn words_are_lower_cased_stemmed_and_stop_words_dropped() {
        assert_eq!(
            terms("The Placements of Children"),
            ["placement", "children"]
        );
        assert_eq!(
            terms("assessing assessments assessed"),
            ["assess", "assess", "assess"]
        );
        assert_eq!(
            terms("s47 enquiries under Section 47"),
            ["s47", "enquiri", "under", "section", "47"]
        );
    }

    #[test]
    fn possessives_and_apostrophes() {
        assert_eq!(terms("the child's plan"), ["child", "plan"]);
        assert_eq!(terms("children’s services"), ["children", "servic"]);
        assert_eq!(terms("don't"), ["dont"]);
    }

    #[test]
    fn british_and_american_spellings_meet() {
        assert_eq!(terms("organisation"), terms("organization"));
        assert_eq!(terms("behaviour"), terms("behavior"));
        assert_eq!(terms("recognised"), terms("recognized"));
        assert_eq!(terms("programme"), terms("program"));
        assert_eq!(terms("licence"), terms("license"));
    }

    #[test]
    fn curly_apostrophes_and_letters_beyond_ascii_split_as_straight_ones_and_ascii_do() {
        let words = |text: &str| -> Vec<String> {
            split_words(text)
                .into_iter()
                .map(|(s, e)| text[s..e].to_owned())
                .collect()
        };
        assert_eq!(
            words("A child’s RHI – don’t stop; it’s 72 hours. “Children’s” words’ end"),
            words("A child's RHI - don't stop; it's 72 hours. \"Children's\" words' end")
                .into_iter()
                .map(|w| w.replace('\'', "’"))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            words("Zoë’s café—naïve São Paulo straße ١٢٣"),
            ["Zoë", "café", "naïve", "São", "Paulo", "straße", "١٢٣"]
        );
    }

    #[test]
    fn words_at_the_edges_of_the_bitmap_s_blocks_split_as_the_characters_do() {
        let x = |n: usize| "x".repeat(n);
        let texts = [
            format!("{}'s after", x(62)),
            format!("{}’s after", x(62)),
            format!("{}’s", x(61)),
            format!("{}'t after", x(63)),
            format!("{}don't", x(59)),
            format!("{} don’t’s", x(120)),
            x(64),
            "ⅰ’s ℎ Ⓐ’t".to_owned(),
            String::new(),
        ];
        for text in texts {
            let (mut fast, mut chars) = (Vec::new(), Vec::new());
            for_each_word(&text, |s, e| fast.push((s, e)));
            for_each_word_in_chars(&text, |s, e| chars.push((s, e)));
            assert_eq!(fast, chars, "{text:?}");
        }
    }

    #[test]
    fn the_bitmap_splits_as_the_characters_do() {
        // Pseudo-random texts of every length to 300 (across the 64-byte words of the
        // bitmap), from alphabets thick with apostrophes and "s": ASCII, then with letters,
        // digits and marks beyond it of two, three and four bytes.
        let ascii: Vec<char> = "aZs S19 ''.-'s\x7f\t".chars().collect();
        let mixed: Vec<char> = "aZs S1 ''.-'s\t’’s é—ß“٣€𝔸🙂\u{2018}ⅰℎ".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for alphabet in [ascii, mixed] {
            for len in 0..300 {
                for _ in 0..20 {
                    let text: String = (0..len)
                        .map(|_| {
                            let r = crate::search::next_random(&mut seed);
                            alphabet[(r % alphabet.len() as u64) as usize]
                        })
                        .collect();
                    let (mut fast, mut chars) = (Vec::new(), Vec::new());
                    for_each_word(&text, |s, e| fast.push((s, e)));
                    for_each_word_in_chars(&text, |s, e| chars.push((s, e)));
                    assert_eq!(fast, chars, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn a_block_s_bits_are_its_ascii_letters_and_digits_every_way_they_are_found() {
        // Every byte value at every place of a block, among random neighbours.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for value in 0..=255u8 {
            for place in 0..64 {
                let mut block = [0u8; 64];
                for b in &mut block {
                    *b = crate::search::next_random(&mut seed) as u8;
                }
                block[place] = value;
                let expected = block.iter().enumerate().fold(0u64, |bits, (i, b)| {
                    bits | (u64::from(b.is_ascii_alphanumeric()) << i)
                });
                assert_eq!(alnum_block(&block), expected, "{block:?}");
                #[cfg(target_arch = "x86_64")]
                // SAFETY: SSE2 is part of every x86-64 processor.
                assert_eq!(unsafe { alnum_block_sse2(&block) }, expected, "{block:?}");
            }
        }
    }

    #[test]
    fn offsets_point_at_the_words() {
        let text = "A child's RHI — within 72 hours.";
        let words = Analyzer::default().analyze(text);
        let found: Vec<&str> = words.iter().map(|w| &text[w.start..w.end]).collect();
        assert_eq!(found, ["child", "RHI", "within", "72", "hours"]);
    }
}
