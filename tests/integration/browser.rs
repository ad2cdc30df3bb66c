//! End-to-end tests in a real browser: the demo manual is built, then `tests/browser/*.test.mjs`
//! drive headless Chromium through playwright-core (see tests/browser/README.md).
//!
//! They need Node.js, `npm ci` in tests/browser and Debian's chromium. Where those are missing
//! the test says so and passes, unless PROCBOOK_BROWSER_TESTS=require (as in CI), when it fails.

use std::path::Path;
use std::process::Command;

use crate::harness::ManualTest;

#[test]
fn demo_manual_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let required = std::env::var("PROCBOOK_BROWSER_TESTS").as_deref() == Ok("require");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("chromium"),
        (!browser_dir.join("node_modules/playwright-core").exists())
            .then_some("tests/browser/node_modules (npm ci)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        assert!(!required, "browser tests required but missing: {missing:?}");
        eprintln!("skipping browser tests: missing {missing:?}");
        return;
    }
    let t = ManualTest::demo();
    t.build();
    let expectations = t.root.join("expected-search.json");
    std::fs::write(&expectations, expected_search(&t)).unwrap();
    let stems = t.root.join("expected-stems.json");
    std::fs::write(&stems, expected_stems(&t)).unwrap();
    // `serve` edits its manual, so it gets a copy of its own.
    let live = ManualTest::demo();
    let hostile = crate::hostile::hostile_manual();
    hostile.build();
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .arg(browser_dir.join("e2e.test.mjs"))
        .arg(browser_dir.join("engine.test.mjs"))
        .arg(browser_dir.join("parity.test.mjs"))
        .arg(browser_dir.join("serve.test.mjs"))
        .arg(browser_dir.join("xss.test.mjs"))
        .env("SITE_DIR", t.root.join("public"))
        .env("HOSTILE_DIR", hostile.root.join("public"))
        .env(
            "PRINT_PNG",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("print-preview.png"),
        )
        .env("SERVE_ROOT", &live.root)
        .env("PROCBOOK_BIN", env!("CARGO_BIN_EXE_procbook"))
        .env("EXPECTED_SEARCH", &expectations)
        .env("EXPECTED_STEMS", &stems)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser tests failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}

/// What `procbook search` answers for every query of the query set, as typed (the last word a
/// prefix) and complete: the browser's engine must give the same.
fn expected_search(t: &ManualTest) -> String {
    use procbook::build::{BuildOptions, prepare};
    use procbook::search::index::{SearchIndex, hits};
    let options = BuildOptions {
        root: t.root.clone(),
        drafts: false,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        search: true,
        site: None,
    };
    let prepared = prepare(&options).expect("the demo manual reads");
    let docs = procbook::search::documents(&prepared.manual, &prepared.rendered);
    let index = SearchIndex::in_memory(&docs).unwrap();
    let mut out = Vec::new();
    for (query, expected) in crate::search::query_set() {
        for q in [query.clone(), format!("{query} ")] {
            let found = index.search(&q, 10).unwrap();
            let results: Vec<serde_json::Value> = hits(&prepared.manual, &docs.docs, &found, &q)
                .into_iter()
                .map(|h| serde_json::json!({"id": h.id, "section": h.section, "score": h.score}))
                .collect();
            out.push(serde_json::json!({"query": q, "expected": expected, "results": results}));
        }
    }
    serde_json::to_string(&out).unwrap()
}

/// Words for the stemmer parity test: every distinct word of the demo manual (its chapters,
/// their released versions and the glossary) and its regular inflections, with the stem
/// rust-stemmers (Snowball English, tantivy's stemmer) gives each.
fn expected_stems(t: &ManualTest) -> String {
    use procbook::search::analyze::split_words;
    let mut words = std::collections::BTreeSet::new();
    let files = walkdir::WalkDir::new(&t.root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "md" || x == "yaml")
        })
        .filter(|e| !e.path().starts_with(t.root.join("public")));
    for file in files {
        let text = std::fs::read_to_string(file.path()).unwrap();
        for (s, e) in split_words(&text) {
            let w: String = text[s..e]
                .chars()
                .filter(|c| *c != '\'' && *c != '\u{2019}')
                .flat_map(char::to_lowercase)
                .collect();
            if w.chars().all(|c| c.is_ascii_lowercase()) && w.len() > 2 {
                for suffix in [
                    "", "s", "es", "ed", "ing", "ly", "ness", "ment", "ation", "ise", "ize", "able",
                ] {
                    words.insert(format!("{w}{suffix}"));
                }
            } else {
                words.insert(w);
            }
        }
    }
    let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
    let pairs: Vec<(String, String)> = words
        .into_iter()
        .map(|w| {
            let stem = stemmer.stem(&w).into_owned();
            (w, stem)
        })
        .collect();
    serde_json::to_string(&pairs).unwrap()
}
