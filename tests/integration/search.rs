//! Search quality on the demo manual: the query set in tests/search/queries.tsv, answered by
//! `procbook search` (tantivy). The browser's engine is held to the same answers by the
//! browser tests (tests/browser/parity.test.mjs).

use serde_json::Value;

use crate::harness::ManualTest;

/// (query, expected chapter id) from tests/search/queries.tsv.
pub fn query_set() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search/queries.tsv"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (q, id) = l.split_once('\t').expect("query<TAB>chapter id");
            (q.to_owned(), id.to_owned())
        })
        .collect()
}

/// The chapter ids of the CLI's results for `query`, best first.
fn ranked(t: &ManualTest, query: &str) -> Vec<String> {
    let out = t
        .ok(&["search", query, "--limit", "10", "--format", "json"])
        .stdout;
    let hits: Value = serde_json::from_str(&out).unwrap();
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_expected_chapter_comes_first_for_nine_queries_in_ten_and_in_the_top_three_for_all() {
    let t = ManualTest::demo();
    let set = query_set();
    assert!(set.len() >= 30, "the query set has {} queries", set.len());
    for typed in [false, true] {
        let mut first = 0;
        let mut misses = Vec::new();
        for (query, expected) in &set {
            // As typed, the last word is still a prefix; otherwise the query is complete.
            let q = if typed {
                query.clone()
            } else {
                format!("{query} ")
            };
            let ids = ranked(&t, &q);
            match ids.iter().position(|id| id == expected) {
                Some(0) => first += 1,
                Some(p) if p < 3 => {}
                other => misses.push(format!("{q:?}: {expected} at {other:?} in {ids:?}")),
            }
        }
        assert!(
            misses.is_empty(),
            "not in the top 3 (typed: {typed}):\n{}",
            misses.join("\n")
        );
        assert!(
            first * 10 >= set.len() * 9,
            "first for only {first} of {} (typed: {typed})",
            set.len()
        );
    }
}

#[test]
fn search_json_has_the_contract_fields_and_links_to_the_section() {
    let t = ManualTest::demo();
    let out = t
        .ok(&[
            "search",
            "UASC age assessment",
            "--limit",
            "3",
            "--format",
            "json",
        ])
        .stdout;
    let hits: Value = serde_json::from_str(&out).unwrap();
    let top = &hits[0];
    assert_eq!(top["id"], "unaccompanied-migrant-children");
    assert_eq!(top["section"], "age-assessment");
    assert_eq!(top["section_title"], "3. Age Assessment");
    assert_eq!(
        top["url"],
        "chapters/unaccompanied-migrant-children.html#age-assessment"
    );
    assert_eq!(top["number"], "3.2.1");
    assert!(
        top["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>age</mark> <mark>assessment</mark>"),
        "{}",
        top["snippet"]
    );
    assert!(top["score"].as_f64().unwrap() > 0.0);
    for key in [
        "id",
        "title",
        "number",
        "section",
        "section_title",
        "url",
        "snippet",
        "score",
    ] {
        assert!(top.get(key).is_some(), "{key} missing");
    }
}

#[test]
fn any_query_gets_a_list_or_a_plain_no_results() {
    let t = ManualTest::demo();
    let long = "assessment ".repeat(2_000);
    for q in [
        "\"unclosed quote",
        "the and of",
        "",
        "<script>alert(1)</script>",
        "(.*)[a-z]+\\d{3}",
        long.as_str(),
        "\"\"",
        "***",
    ] {
        let json = t.run(&["search", q, "--format", "json"]);
        assert_eq!(json.status, 0, "{q:?}: {}", json.stderr);
        let hits: Value =
            serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        assert!(hits.is_array());
    }
    let none = t.ok(&["search", "the and of"]);
    assert!(none.stdout.starts_with("No results for"), "{}", none.stdout);
    let escaped = t
        .ok(&["search", "<b>missing</b>", "--format", "json"])
        .stdout;
    assert!(!escaped.contains("<b>"), "snippets are escaped: {escaped}");
}

#[test]
fn the_index_is_rebuilt_when_a_chapter_changes() {
    let t = ManualTest::demo();
    assert!(ranked(&t, "zebrafinch ").is_empty());
    let path = "content/04-looked-after-children/04-leaving-care/02-staying-put.md";
    let text = std::fs::read_to_string(t.root.join(path)).unwrap();
    t.write(
        path,
        &format!("{text}\n\nA zebrafinch is not a placement.\n"),
    );
    assert_eq!(ranked(&t, "zebrafinch "), ["staying-put"]);
}

#[test]
fn an_index_folder_that_cannot_be_made_is_named_with_what_to_do_and_the_manual_is_left_alone() {
    let t = ManualTest::fixture("minimal");
    // A file where the index's folder goes: it cannot be made (as when .procbook/ is not
    // writable, which a test run as root cannot show).
    t.write(".procbook/search", "not a folder\n");
    let run = t.run(&["search", "placement"]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    run.assert_stderr_has(&[
        ".procbook/search could not be opened or built",
        "check that the folder can be written, or delete it",
    ]);
    assert_eq!(
        std::fs::read_to_string(t.root.join(".procbook/search")).unwrap(),
        "not a folder\n"
    );
}

#[test]
fn build_no_search_leaves_the_index_out_but_keeps_the_search_page() {
    let t = ManualTest::fixture("minimal");
    let run = t.run(&["build", "--no-search"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(!t.exists("search/meta.json"));
    assert!(
        t.exists("search.html"),
        "the page stays, and says search is unavailable when its index cannot load"
    );
    t.build();
    assert!(t.exists("search/meta.json"));
}

#[test]
fn search_refuses_a_manual_with_errors_and_says_why() {
    let t = ManualTest::fixture("invalid/links");
    let run = t.run(&["search", "anything"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&[
        "error: the link goes to the chapter `missing-chapter`, which does not exist",
    ]);
    assert!(
        run.stderr
            .ends_with("Search needs a manual without errors: fix the problems above.\n"),
        "{}",
        run.stderr
    );
}

/// Every file of the built site's `search/` folder, by its path there.
fn search_folder(t: &ManualTest) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = t.root.join("public/search");
    walkdir::WalkDir::new(&dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Builds with stage timings on, returning them (stderr).
fn timed_build(t: &ManualTest) -> String {
    timed_build_with(t, &[])
}

/// `timed_build`, with more arguments for `build`.
fn timed_build_with(t: &ManualTest, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
        .arg("build")
        .args(args)
        .current_dir(&t.root)
        .env("PROCBOOK_TODAY", crate::harness::TODAY)
        .env("PROCBOOK_TIMINGS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_search_cache_gives_the_index_a_build_from_nothing_gives() {
    let t = ManualTest::demo();
    let cache = t.root.join(".procbook/search.cache");
    let first = timed_build(&t);
    assert!(first.contains("search documents"), "{first}");
    assert!(cache.exists());
    let before = search_folder(&t);
    // The cache lists the export's shards and term files (a build that reuses them reads them
    // from the site) but holds none of their bytes, and not the chapters' fragments at all (a build that
    // reuses the export makes them again).
    let kept = std::fs::read(&cache).unwrap();
    assert!(kept.windows(9).any(|w| w == b"search/s/"));
    assert!(kept.windows(9).any(|w| w == b"search/t/"));
    assert!(!kept.windows(9).any(|w| w == b"search/c/"));
    assert!(!kept.windows(4).any(|w| w == b"PBS2"));

    // Nothing it is made from changed: the index is reused, not made again.
    let again = timed_build(&t);
    assert!(!again.contains("search documents"), "{again}");
    assert_eq!(search_folder(&t), before);
    // A build without search between two with it: the second reuses the index from the
    // spare copy of the site kept beside the output.
    timed_build_with(&t, &["--no-search"]);
    assert!(!t.root.join("public/search").exists());
    let again = timed_build(&t);
    assert!(!again.contains("search documents"), "{again}");
    assert_eq!(search_folder(&t), before);
    // A shard in the site changed by hand, or gone, from the site and its spare copy: not
    // reused, but made again.
    let shard = t.root.join("public/search/s/0.bin");
    let spare = t.root.join(".public.procbook-old/search/s/0.bin");
    let mut bytes = std::fs::read(&shard).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    for file in [&shard, &spare] {
        // (The spare copy is the site built without search: it has no shards.)
        if file.parent().unwrap().exists() {
            let _ = std::fs::remove_file(file);
            std::fs::write(file, &bytes).unwrap();
        }
    }
    let mended = timed_build(&t);
    assert!(mended.contains("search documents"), "{mended}");
    assert_eq!(search_folder(&t), before);
    for file in [&shard, &spare] {
        let _ = std::fs::remove_file(file);
    }
    let mended = timed_build(&t);
    assert!(mended.contains("search documents"), "{mended}");
    assert_eq!(search_folder(&t), before);
    // Into a new folder: the files are taken from the folder the last build wrote (named in
    // .procbook/search.site), and that is each new folder in turn, so a deploy that builds
    // into a new folder and deletes the one before still reuses them.
    let into = |folder: &str| {
        let run = timed_build_with(&t, &["--out", folder]);
        let folder = t.root.join(folder).join("search");
        let same = before
            .iter()
            .all(|(path, bytes)| std::fs::read(folder.join(path)).unwrap() == *bytes);
        assert!(same, "{}", folder.display());
        run
    };
    let run = into("elsewhere");
    assert!(!run.contains("search documents"), "{run}");
    let _ = std::fs::remove_dir_all(t.root.join("public"));
    let _ = std::fs::remove_dir_all(t.root.join(".public.procbook-old"));
    let run = into("third");
    assert!(!run.contains("search documents"), "{run}");
    let _ = std::fs::remove_dir_all(t.root.join("elsewhere"));
    let run = into("fourth");
    assert!(!run.contains("search documents"), "{run}");
    // With every folder that held them gone, they are made again.
    for gone in ["third", "fourth"] {
        let _ = std::fs::remove_dir_all(t.root.join(gone));
    }
    let run = into("fifth");
    assert!(run.contains("search documents"), "{run}");
    t.build();
    assert_eq!(search_folder(&t), before);

    let chapter = "content/04-looked-after-children/04-leaving-care/02-staying-put.md";
    let changes: [(&str, &str, &str); 3] = [
        (
            chapter,
            "remain with their former foster",
            "remain with their zebrafinch foster",
        ),
        (
            chapter,
            "title: Staying Put",
            "title: Staying Put Arrangements",
        ),
        (
            "glossary.yaml",
            "aliases: [child in need]",
            "aliases: [child in need, kiwi]",
        ),
    ];
    let mut last = before.clone();
    for (file, from, to) in changes {
        t.edit(file, from, to);
        timed_build(&t);
        let cached = search_folder(&t);
        assert_ne!(cached, last, "{file}: {to}");
        std::fs::remove_file(&cache).unwrap();
        t.build();
        assert_eq!(search_folder(&t), cached, "{file}: {to}");
        last = cached;
    }
    // Each change undone, one build after another, each starting from the cache the one
    // before saved (whose terms include words no chapter uses any more): the first index
    // again.
    for (file, from, to) in changes.iter().rev() {
        t.edit(file, to, from);
        let run = timed_build(&t);
        assert!(run.contains("search documents"), "{run}");
    }
    assert_eq!(search_folder(&t), before);
    for (file, from, to) in changes {
        t.edit(file, from, to);
    }
    t.build();
    assert_eq!(search_folder(&t), last);

    // A damaged cache is ignored, and replaced by a good one.
    let good = std::fs::read(&cache).unwrap();
    for damaged in [
        good[..good.len() / 2].to_vec(),
        b"procbook search cache 8\n\xff\xff\xff\xff".to_vec(),
        vec![0u8; 1000],
    ] {
        std::fs::write(&cache, &damaged).unwrap();
        let run = timed_build(&t);
        assert!(run.contains("search documents"), "{run}");
        assert_eq!(search_folder(&t), last);
        assert_eq!(std::fs::read(&cache).unwrap(), good);
    }
}

#[test]
fn the_index_is_the_same_bytes_whatever_the_number_of_threads() {
    // The export counts and places postings in runs of documents, a few per thread: with one
    // thread the demo's documents make 4 runs, with three they make 7.
    let t = ManualTest::demo();
    let build_with = |threads: &str| {
        let _ = std::fs::remove_dir_all(t.root.join(".procbook"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
            .arg("build")
            .current_dir(&t.root)
            .env("PROCBOOK_TODAY", crate::harness::TODAY)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        search_folder(&t)
    };
    let one = build_with("1");
    assert!(one.keys().any(|k| k.starts_with("s/")), "{:?}", one.keys());
    assert_eq!(build_with("3"), one);
}

#[test]
fn caches_that_cannot_be_saved_are_a_note_and_the_site_is_still_built() {
    let t = ManualTest::demo();
    // A file where the cache folder goes: nothing can be saved there.
    t.write(".procbook", "not a folder");
    let run = t.build();
    for cache in ["search", "redline"] {
        assert!(
            run.stderr
                .contains(&format!("note: the {cache} cache could not be saved")),
            "{}",
            run.stderr
        );
    }
    assert!(t.exists("search/meta.json"));
    assert_eq!(
        std::fs::read_to_string(t.root.join(".procbook")).unwrap(),
        "not a folder"
    );
}
