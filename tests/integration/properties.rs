//! Property tests (proptest): arbitrary bytes and arbitrary but well-formed chapters through
//! every stage that reads what authors write or readers type. None may panic or hang; bad
//! input gives a diagnostic. Plus the properties the amendment log rests on.
//!
//! `PROPTEST_CASES` sets the cases per property (CI runs the default below); the README
//! records the long run. Inputs that once found a bug are kept in `REGRESSIONS` and run
//! first, every time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use procbook::config::Config;
use procbook::glossary::Glossary;
use procbook::history::diff::diff;
use procbook::history::{Kind, Thresholds, Version};
use procbook::load::{SourceFile, SourceFolder, SourceTree};
use procbook::markdown::render_chapter;
use procbook::model::{ModelOptions, assemble};
use procbook::search::analyze::Analyzer;
use procbook::search::index::SearchIndex;

/// Inputs that found bugs once: run before the generated ones, every time.
const REGRESSIONS: &[&str] = &[
    // (none found by the generators so far; add each one here with what it broke)
    "---\n---\n",
    "---\ntitle: [\n---\n",
    "---\r\ntitle: x\r\n---\r\n## \u{0}\n",
    "## 1.\n### \n## Appendix\n",
    "[x](chapter:)\n[y](chapter:#)\n[z](../.md#)\n",
];

/// Every input is processed well within this (a debug build, a busy 2-core machine).
const BOUND: Duration = Duration::from_secs(10);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(192)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks like a chapter: front-matter fences, keys, headings, lists, tables, links
/// (chapter:, relative, anchors), raw HTML, emphasis, Unicode and control characters.
fn chapterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_owned()),
        Just("title: ".to_owned()),
        Just("id: ".to_owned()),
        Just("number: ".to_owned()),
        Just("status: draft\n".to_owned()),
        Just("see_also:\n  - chapter: ".to_owned()),
        Just("review_due: 2025-13\n".to_owned()),
        Just("## ".to_owned()),
        Just("### ".to_owned()),
        Just("# ".to_owned()),
        Just("1. ".to_owned()),
        Just("- ".to_owned()),
        Just("| a | b |\n|:--|--:|\n| c | d |\n".to_owned()),
        Just("[link](chapter:a#b)".to_owned()),
        Just("[rel](../x.md#y)".to_owned()),
        Just("[anchor](#z)".to_owned()),
        Just("![img](static/a.png)".to_owned()),
        Just("<div onclick=x>".to_owned()),
        Just("</div>".to_owned()),
        Just("{#custom-id}".to_owned()),
        Just("Appendix 1".to_owned()),
        Just("**bold** _em_ `code`".to_owned()),
        Just("```\n".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        "[a-zA-Z0-9 .,:;'\"()-]{0,20}",
        "\\PC{0,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// A manual of one part holding `chapters` as files, assembled and rendered.
fn through_the_pipeline(chapters: &[(String, String)]) -> usize {
    let started = Instant::now();
    let files = chapters
        .iter()
        .map(|(name, text)| SourceFile {
            path: PathBuf::from(format!("content/01-part/{name}")),
            text: Arc::from(text.as_str()),
        })
        .collect();
    let part = SourceFolder {
        path: PathBuf::from("content/01-part"),
        index: Some(SourceFile {
            path: PathBuf::from("content/01-part/_index.md"),
            text: Arc::from("---\ntitle: Part\n---\n"),
        }),
        folders: Vec::new(),
        files,
    };
    let tree = SourceTree {
        root: SourceFolder {
            path: PathBuf::from("content"),
            index: None,
            folders: vec![part],
            files: Vec::new(),
        },
    };
    let config = Config::parse(Path::new("manual.yaml"), "title: T\n").unwrap();
    let glossary = Glossary::parse(
        Path::new("glossary.yaml"),
        "- term: LAC\n  expansion: looked after child\n  definition: A child in care.\n",
    )
    .unwrap();
    let options = ModelOptions {
        drafts: true,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    };
    let (manual, _diagnostics) = assemble(config, glossary, &tree, options, None);
    let rendered: Vec<_> = (0..manual.chapters.len())
        .map(|i| Arc::new(render_chapter(&manual, i)))
        .collect();
    let _ = procbook::markdown::check_anchor_links(&manual, &rendered);
    let corpus = procbook::search::documents(&manual, &rendered);
    let files = procbook::search::export::export(&manual, &corpus);
    for f in files.iter().filter(|f| f.path.starts_with("search/s/")) {
        assert!(f.bytes.starts_with(b"PBS2"), "{} is not a shard", f.path);
    }
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    manual.chapters.len()
}

#[test]
fn regressions_still_pass() {
    for text in REGRESSIONS {
        let _ = procbook::front_matter::split(Path::new("x.md"), text);
        through_the_pipeline(&[("01-a.md".into(), (*text).to_owned())]);
        let v = Version::parse(Path::new("x.md"), text);
        if let Ok(v) = v {
            assert_eq!(diff(&v, &v, &Thresholds::default()).kind, Kind::Unchanged);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes as a chapter file: split, parsed, or a diagnostic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(split) = procbook::front_matter::split(Path::new("x.md"), &text)
            && let Some(yaml) = split.yaml
        {
            let _ = procbook::front_matter::parse_yaml::<procbook::front_matter::ChapterMeta>(
                Path::new("x.md"), yaml, split.yaml_line, &text);
        }
        through_the_pipeline(&[("01-a.md".into(), text)]);
    }

    /// Chapter-like text, several chapters with clashing names and prefixes, through load →
    /// model → Markdown → search export.
    #[test]
    fn chapterish_manuals_never_panic(
        texts in prop::collection::vec(chapterish(), 1..5),
        names in prop::collection::vec("(0[0-9]|1[0-2]|[0-9]\\.[0-9]|x)-[a-c]{1,2}\\.md", 1..5),
    ) {
        let chapters: Vec<(String, String)> = names.into_iter().zip(texts).collect();
        through_the_pipeline(&chapters);
    }

    /// A well-formed chapter always builds into the model, whatever its body.
    #[test]
    fn well_formed_chapters_are_always_published(body in chapterish()) {
        let text = format!("---\ntitle: A Chapter\n---\n\n{}", body.replace("---", "- - -"));
        prop_assert_eq!(through_the_pipeline(&[("01-a.md".into(), text)]), 1);
    }

    /// diff(a, a) is unchanged, whatever a is.
    #[test]
    fn a_version_compared_with_itself_is_unchanged(title in "\\PC{0,20}", body in chapterish()) {
        let v = Version { title, body };
        let d = diff(&v, &v, &Thresholds::default());
        prop_assert_eq!(d.kind, Kind::Unchanged);
        prop_assert!(d.sections.is_empty());
    }

    /// Any two versions compare without panicking, and a refresh never names a section.
    #[test]
    fn any_two_versions_compare(a in chapterish(), b in chapterish()) {
        let old = Version { title: "T".into(), body: a };
        let new = Version { title: "T".into(), body: b };
        let started = Instant::now();
        let d = diff(&old, &new, &Thresholds::default());
        prop_assert!(started.elapsed() < BOUND);
        if d.kind == Kind::Refreshed || d.kind == Kind::Unchanged {
            prop_assert!(d.sections.is_empty(), "{:?}", d.sections);
        }
    }

    /// Changing one word of a long section is a refresh at most, and names no section.
    #[test]
    fn a_one_word_edit_is_a_refresh_that_names_no_section(
        words in prop::collection::vec("[a-z]{3,9}", 150..300),
        at in any::<prop::sample::Index>(),
        replacement in "[a-z]{3,9}",
    ) {
        let text = words.join(" ");
        let mut edited = words.clone();
        let i = at.index(edited.len());
        edited[i] = replacement;
        let body = |t: &str| format!("Introduction.\n\n## Section One\n\n{t}\n\n## Section Two\n\nMore text here.\n");
        let old = Version { title: "T".into(), body: body(&text) };
        let new = Version { title: "T".into(), body: body(&edited.join(" ")) };
        let d = diff(&old, &new, &Thresholds::default());
        prop_assert!(matches!(d.kind, Kind::Unchanged | Kind::Refreshed), "{:?}", d.kind);
        prop_assert!(d.sections.is_empty(), "{:?}", d.sections);
    }

    /// Any query, of any length or content, gets a list (maybe empty), never an error.
    #[test]
    fn any_query_is_answered(query in "\\PC{0,200}") {
        let analyzer = Analyzer::default();
        let _ = procbook::search::query::parse(&query, &analyzer);
        let found = small_index().search(&query, 10);
        prop_assert!(found.is_ok(), "{:?}", found.err());
    }
}

/// A tantivy index over a few documents, made once.
fn small_index() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let t = crate::harness::ManualTest::fixture("links");
        let options = procbook::build::BuildOptions {
            root: t.root.clone(),
            drafts: false,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            search: true,
            site: None,
        };
        let prepared = procbook::build::prepare(&options).unwrap();
        let corpus = procbook::search::documents(&prepared.manual, &prepared.rendered);
        SearchIndex::in_memory(&corpus).unwrap()
    })
}

#[test]
fn builds_are_the_same_bytes_whatever_the_thread_count() {
    let t = crate::harness::ManualTest::demo();
    let mut sites = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = t.root.join(format!("public-{threads}"));
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
            .args(["build", "--out"])
            .arg(&out)
            .current_dir(&t.root)
            .env("PROCBOOK_TODAY", crate::harness::TODAY)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(run.status.success());
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(&out).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(&out).unwrap().to_owned();
                files.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
        sites.push(files);
    }
    assert!(sites[0].len() > 100);
    for other in &sites[1..] {
        assert_eq!(sites[0].len(), other.len());
        for (a, b) in sites[0].iter().zip(other) {
            assert_eq!(a.0, b.0);
            assert!(
                a.1 == b.1,
                "{} differs between thread counts",
                a.0.display()
            );
        }
    }
}

#[test]
fn renaming_a_chapter_file_with_its_id_kept_keeps_its_history() {
    let t = crate::harness::ManualTest::demo();
    let from = "content/02-case-management-and-recording/05-mobile-devices.md";
    let to = "content/01-all-children/09-mobile-devices-renamed.md";
    let text = std::fs::read_to_string(t.root.join(from)).unwrap();
    t.remove(from);
    t.write(to, &text.replacen("---\n", "---\nid: mobile-devices\n", 1));
    t.edit(
        to,
        "Only council-issued, managed devices",
        "Only managed devices",
    );
    t.ok(&["release", "--date", "2026-11-20"]);
    let release = std::fs::read_to_string(t.root.join("history/releases/2026-11-20.yaml")).unwrap();
    assert!(release.contains("id: mobile-devices"), "{release}");
    assert!(
        !release.contains("change: removed"),
        "nothing removed:\n{release}"
    );
    assert!(
        !release.contains("change: added"),
        "nothing added:\n{release}"
    );
    t.build();
    let history = t.read("history/mobile-devices.html");
    assert!(history.contains("2026-11-20") || history.contains("November 2026"));
}
