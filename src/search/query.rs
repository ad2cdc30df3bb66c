//! Reading a query: words (all required), "quoted phrases" (matched on adjacent pairs of
//! words, in the best `PHRASE_CANDIDATES` sections with all the words), and the last word,
//! while it is being typed, as a prefix. A question typed as it
//! would be asked ("what are the timescales for a strategy discussion?") loses its question
//! words, and where no section has every word that is left, the sections with the most of them
//! are found instead (`index::SearchIndex::find`). The browser's client (`search.js`) follows
//! the same rules, so that both find the same sections.

use super::analyze::{Analyzer, STOP_WORDS, split_words};
use super::pairs_of;

/// Characters after which a query's last word is complete (a space is one too).
const CLOSERS: &str = "\"?!.,;:)";
/// Queries longer than this are cut: nobody types more, and it bounds the work.
pub const MAX_QUERY_CHARS: usize = 500;
/// At most this many terms stand in for a prefix (the most frequent first).
pub const MAX_EXPANSIONS: usize = 8;
/// A prefix shorter than this matches only the whole word.
pub const MIN_PREFIX: usize = 2;
/// A quoted phrase is looked for only in this many of the best sections with all the query's
/// words, so that the browser, which checks them one after another, fetches a bounded amount;
/// `procbook search` does the same, so that both find the same sections.
pub const PHRASE_CANDIDATES: usize = 50;

/// The words a question is put in, which say nothing of what is wanted: a query that has
/// other words is read without them (outside quotes; the word being typed is one of them when
/// it is one of these). As `Analyzer::prefix` gives them: lower case, apostrophes taken out.
/// The stop words are dropped already.
pub const QUESTION_WORDS: &[&str] = &[
    "what", "how", "who", "whom", "whose", "when", "where", "why", "which", "do", "does", "did",
    "should", "shall", "can", "could", "would", "must", "may", "might", "i", "im", "ive", "me",
    "my", "we", "us", "our", "you", "your",
];

/// Said above results that have only some of a query's words (the browser's client says the
/// same).
pub const PARTIAL_NOTE: &str = "No section has all of these words: these have the most of them.";
/// Said above results that have all of a query's words but not its quoted ones side by side
/// (`index::Found::note`; the browser's client says the same).
pub const APART_NOTE: &str = "None of the best sections with these words has the quoted ones side by side: these have all the words.";

/// Whether `word` (as typed) is one of `QUESTION_WORDS`.
pub fn is_question_word(word: &str) -> bool {
    QUESTION_WORDS.contains(&Analyzer::prefix(word).as_str())
}

/// One required part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word: its term, looked for in every word field.
    Word(String),
    /// The last word, still being typed: terms starting with `prefix`, and the word's own term.
    Prefix {
        prefix: String,
        term: Option<String>,
    },
    /// A phrase of two or more words: every adjacent pair of its terms must be in the section.
    /// It only filters: its words are also `Word` clauses, which score.
    Phrase(Vec<String>),
}

/// Reads a query. Stop words and empty phrases add nothing; question words add nothing where
/// there is anything else.
pub fn parse(query: &str, analyzer: &Analyzer) -> Vec<Clause> {
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    // The last word is still being typed unless something follows it: a space, a quote, or
    // the punctuation that ends a question or a sentence.
    let ends_open = !query.ends_with(|c: char| c.is_whitespace() || CLOSERS.contains(c));
    // Each clause, with whether it is a question word's.
    let mut clauses: Vec<(Clause, bool)> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    for (i, part) in query.split('"').enumerate() {
        if i % 2 == 1 {
            let terms: Vec<String> = analyzer.analyze(part).into_iter().map(|w| w.term).collect();
            match terms.len() {
                0 => {}
                1 => clauses.push((Clause::Word(terms[0].clone()), false)),
                _ => {
                    clauses.extend(terms.iter().map(|t| (Clause::Word(t.clone()), false)));
                    clauses.push((Clause::Phrase(pairs_of(&terms)), false));
                }
            }
        } else {
            words.extend(
                split_words(part)
                    .into_iter()
                    .map(|(s, e)| part[s..e].to_owned()),
            );
            if ends_open && i == query.split('"').count() - 1 {
                // The last word of the query is being typed: it becomes the prefix below.
                if let Some(last) = words.pop() {
                    push_words(&mut clauses, &words, analyzer);
                    words.clear();
                    let prefix = Analyzer::prefix(&last);
                    if !STOP_WORDS.contains(&prefix.as_str()) {
                        let clause = Clause::Prefix {
                            term: analyzer.term(&last),
                            prefix,
                        };
                        clauses.push((clause, is_question_word(&last)));
                    }
                    continue;
                }
            }
            push_words(&mut clauses, &words, analyzer);
            words.clear();
        }
    }
    let asked = clauses.iter().any(|(_, question)| !question);
    clauses
        .into_iter()
        .filter(|(_, question)| !asked || !question)
        .map(|(clause, _)| clause)
        .collect()
}

fn push_words(clauses: &mut Vec<(Clause, bool)>, words: &[String], analyzer: &Analyzer) {
    clauses.extend(words.iter().filter_map(|w| {
        let term = analyzer.term(w)?;
        Some((Clause::Word(term), is_question_word(w)))
    }));
}

/// The terms to mark in results: those of the words the query looks for, and of the word
/// being typed.
pub fn marked_terms(query: &str, analyzer: &Analyzer) -> Vec<String> {
    parse(query, analyzer)
        .into_iter()
        .filter_map(|clause| match clause {
            Clause::Word(term) => Some(term),
            Clause::Prefix { term, .. } => term,
            Clause::Phrase(_) => None,
        })
        .collect()
}

/// The terms a prefix stands for: those starting with it (when it is long enough) and the
/// word's own term, most frequent first, then alphabetically, at most `MAX_EXPANSIONS`.
/// `vocabulary` yields (term, document frequency) for terms starting with `prefix`.
pub fn expand(
    prefix: &str,
    term: Option<&str>,
    candidates: impl IntoIterator<Item = (String, u32)>,
) -> Vec<String> {
    let mut found: Vec<(String, u32)> = candidates
        .into_iter()
        .filter(|(t, _)| {
            (prefix.chars().count() >= MIN_PREFIX && t.starts_with(prefix))
                || Some(t.as_str()) == term
        })
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found.dedup_by(|a, b| a.0 == b.0);
    found.truncate(MAX_EXPANSIONS);
    found.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Vec<Clause> {
        parse(q, &Analyzer::default())
    }

    /// Word clauses of `terms`, in order.
    fn words(terms: &[&str]) -> Vec<Clause> {
        terms.iter().map(|t| Clause::Word((*t).into())).collect()
    }

    #[test]
    fn words_are_required_and_the_last_one_is_a_prefix_while_typing() {
        assert_eq!(
            p("strategy discus"),
            [
                Clause::Word("strategi".into()),
                Clause::Prefix {
                    prefix: "discus".into(),
                    term: Some("discus".into())
                }
            ]
        );
        for complete in [
            "strategy discussion ",
            "strategy discussion?",
            "strategy discussion.",
        ] {
            assert_eq!(p(complete), words(&["strategi", "discuss"]), "{complete}");
        }
    }

    #[test]
    fn phrases_become_pairs() {
        assert_eq!(
            p("\"return home interview\" "),
            [
                Clause::Word("return".into()),
                Clause::Word("home".into()),
                Clause::Word("interview".into()),
                Clause::Phrase(vec!["return home".into(), "home interview".into()])
            ]
        );
        assert_eq!(p("\"missing\""), [Clause::Word("miss".into())]);
        // An unclosed quote is a phrase to the end.
        assert_eq!(
            p("\"child protection"),
            [
                Clause::Word("child".into()),
                Clause::Word("protect".into()),
                Clause::Phrase(vec!["child protect".into()])
            ]
        );
    }

    #[test]
    fn stop_words_and_junk_add_nothing() {
        assert!(p("the of and ").is_empty());
        assert!(
            p("\"\" *** <script>")
                .iter()
                .all(|c| matches!(c, Clause::Prefix { .. } | Clause::Word(_)))
        );
        assert!(p("").is_empty());
        let long = "word ".repeat(10_000);
        assert!(p(&long).len() <= MAX_QUERY_CHARS / 5);
    }

    #[test]
    fn question_words_are_dropped_where_the_query_has_other_words() {
        assert_eq!(
            p("What are the timescales for a strategy discussion?"),
            words(&["timescal", "strategi", "discuss"])
        );
        // The last word, still being typed, is kept as it is.
        assert_eq!(
            p("how do I refer"),
            [Clause::Prefix {
                prefix: "refer".into(),
                term: Some("refer".into())
            }]
        );
        // Alone, they are the query; in quotes, they are the phrase's.
        assert_eq!(p("who can "), words(&["who", "can"]));
        assert_eq!(
            p("\"when a child goes\" missing "),
            [
                Clause::Word("when".into()),
                Clause::Word("child".into()),
                Clause::Word("goe".into()),
                Clause::Phrase(vec!["when child".into(), "child goe".into()]),
                Clause::Word("miss".into())
            ]
        );
        assert_eq!(
            marked_terms("When can I’m missing", &Analyzer::default()),
            ["miss"]
        );
        assert_eq!(
            marked_terms("who can", &Analyzer::default()),
            ["who", "can"]
        );
    }

    #[test]
    fn expansion_prefers_frequent_terms_and_keeps_the_word_itself() {
        let vocab = vec![
            ("placement".to_owned(), 50),
            ("place".to_owned(), 80),
            ("plan".to_owned(), 90),
        ];
        assert_eq!(
            expand("plac", Some("plac"), vocab.clone()),
            ["place", "placement"]
        );
        assert_eq!(
            expand("p", Some("plan"), vocab),
            ["plan"],
            "a one-letter prefix matches only the word"
        );
    }
}
