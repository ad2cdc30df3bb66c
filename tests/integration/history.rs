//! Releases and the amendment log, over three releases of a small manual that add, update,
//! retitle, move, remove, revise and refresh chapters.

use serde_json::Value;

use crate::harness::ManualTest;

const A: &str = "content/01-first/01-sub/01-alpha.md";
const B: &str = "content/01-first/01-sub/02-bee.md";

/// The fixture after three releases (May, June and July 2024).
fn three_releases() -> ManualTest {
    let t = ManualTest::fixture("history");
    let run = t.ok(&["release", "--date", "2024-05-15"]);
    assert!(
        run.stdout
            .starts_with("Recording the baseline release of 2024-05-15: 4 added."),
        "{}",
        run.stdout
    );

    // June: Alpha's timescales change and its link moves; Bee is retitled; Cee moves into the
    // sub-section; Eff is new.
    t.edit(A, "within one working day of its receipt", "within one working day of its receipt, or the same day where a child may be at immediate risk of significant harm")
        .edit(A, "https://example.org/cmg", "https://example.org/cmg-2024")
        .edit(B, "title: Bee", "title: Bee Procedures")
        .rename("content/02-second/01-cee.md", "content/01-first/01-sub/03-cee.md")
        .write("content/02-second/03-eff.md", "---\ntitle: Eff\nchange_note: Added at the request of the safeguarding partnership.\n---\n\n## Overview\n\nEff describes the new out of hours arrangements for emergency placements.\n");
    t.ok(&["release", "--date", "2024-06-15"]);

    // July: Dee is removed; Alpha is rewritten; Bee is reviewed with no change to its text.
    t.remove("content/02-second/02-dee.md")
        .write(A, "---\ntitle: Alpha\n---\n\n## Purpose\n\nThis chapter was rewritten after the inspection: it now sets out a single front door, shared with health and the police, where every contact is triaged by a qualified practitioner.\n\n## Triage\n\nA RAG rating is given to each contact within four hours.\n")
        .edit(B, "title: Bee Procedures\n", "title: Bee Procedures\nchange_note: Reviewed in July 2024; no change to the procedure.\n");
    t.ok(&["release", "--date", "2024-07-15"]);
    t
}

#[test]
fn amendments_json_records_every_kind_of_change() {
    let t = three_releases();
    let json: Value =
        serde_json::from_str(&t.ok(&["amendments", "--format", "json"]).stdout).unwrap();
    let releases = json.as_array().unwrap();
    assert_eq!(releases.len(), 3);
    assert_eq!(releases[0]["date"], "2024-07-15");
    assert_eq!(releases[0]["month"], "July 2024");
    let changes = |i: usize| -> Vec<(String, String)> {
        releases[i]["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["change"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        changes(0),
        pairs(&[
            ("alpha", "revised"),
            ("bee", "refreshed"),
            ("dee", "removed")
        ])
    );
    assert_eq!(
        changes(1),
        pairs(&[
            ("alpha", "updated"),
            ("bee", "updated"),
            ("cee", "moved"),
            ("eff", "added")
        ])
    );
    assert_eq!(changes(2).len(), 4);

    let june = &releases[1]["chapters"];
    assert_eq!(
        june[0]["summary"],
        "This chapter was updated in June 2024. Section 2, Timescales has been updated. The link to Case Management Guidance has been updated."
    );
    assert_eq!(june[1]["retitled_from"], "Bee");
    assert_eq!(
        june[1]["summary"],
        "This chapter was updated in June 2024. This chapter has been re-titled (previously called Bee)."
    );
    assert_eq!(june[2]["moved_from"], "2.1");
    assert_eq!(june[2]["number"], "1.1.3");
    assert_eq!(
        june[2]["summary"],
        "This chapter was moved to 1.1 Sub-section (previously numbered 2.1, now 1.1.3) in June 2024."
    );
    assert_eq!(
        june[3]["summary"],
        "Added at the request of the safeguarding partnership. This chapter was added in June 2024."
    );
    let july = &releases[0]["chapters"];
    assert_eq!(
        july[0]["summary"],
        "This chapter was extensively revised in July 2024 and should be re-read. A new Section 1, Purpose was added. A new Section 2, Triage was added. The introduction has been updated. Section 1, Screening, Section 2, Timescales and Section 3, Recording have been removed. The link to Case Management Guidance has been removed."
    );
    assert_eq!(
        july[1]["summary"],
        "Reviewed in July 2024; no change to the procedure. This chapter was refreshed in July 2024."
    );
    assert_eq!(
        july[2]["summary"],
        "This chapter was removed from the manual in July 2024."
    );
    for key in [
        "id",
        "title",
        "number",
        "change",
        "moved_from",
        "retitled_from",
        "summary",
    ] {
        assert!(july[0].get(key).is_some(), "{key} missing");
    }
}

#[test]
fn the_amendments_pages_show_the_latest_month_and_an_archive() {
    let t = three_releases();
    t.build();
    let index = t.read("amendments/index.html");
    assert!(
        index.contains("<h2 id=\"latest\">July 2024</h2>"),
        "{index}"
    );
    assert!(index.contains("<caption>Updated Chapters</caption>"));
    assert!(index.contains(r#"<a href="../chapters/alpha.html">1.1.1 Alpha</a></td><td>This chapter was extensively revised in July 2024 and should be re-read. A new Section 1, Purpose was added."#), "{index}");
    assert!(
        index.contains("<li>2.2 Dee</li>"),
        "removed chapters are listed"
    );
    assert!(index.contains("Next update: August 2024"));
    assert!(index.contains(r#"<a href="../amendments/2024-06.html">June 2024</a>"#));
    let june = t.read("amendments/2024-06.html");
    assert!(june.contains("<caption>New Chapters and Features</caption>"));
    assert!(june.contains("2.2 Eff"), "{june}");
    let may = t.read("amendments/2024-05.html");
    assert!(may.contains("The manual was first published with 4 chapters."));
    let feed = t.read("amendments.xml");
    assert!(feed.contains(
        "<id>https://manual.example.org/amendments/2024-07.html#release-2024-07-15</id>"
    ));
    assert_eq!(feed.matches("<entry>").count(), 3);
}

#[test]
fn chapter_pages_carry_the_amendment_box_last_updated_and_history() {
    let t = three_releases();
    t.build();
    let alpha = t.read("chapters/alpha.html");
    assert!(alpha.contains("<h2 id=\"amendment\">Amendment</h2>\n  <p>This chapter was extensively revised in July 2024 and should be re-read. "), "{alpha}");
    assert!(alpha.contains("Last updated: <time datetime=\"2024-07-15\">15 July 2024</time>"));
    assert!(
        alpha.contains(r#"<a href="../history/alpha.html">See what changed in each version</a>"#)
    );
    assert!(alpha.contains("(First published): This chapter was published in May 2024."));
    // Cee only moved: its text last changed when it was first published, and that is no amendment.
    let cee = t.read("chapters/cee.html");
    assert!(
        cee.contains("Last updated: <time datetime=\"2024-05-15\">15 May 2024</time>"),
        "{cee}"
    );
    assert!(
        cee.contains("<h2 id=\"amendment\">Amendment</h2>\n  <p>This chapter was moved"),
        "{cee}"
    );

    let history = t.read("history/alpha.html");
    assert!(history.contains("<h1 id=\"top\">History of 1.1.1 Alpha</h1>"));
    assert!(history.contains("<ins><span class=\"visually-hidden\">[inserted: </span>or the same day where a child may be at immediate risk of significant harm,<span class=\"visually-hidden\">]</span></ins>"), "{history}");
    assert!(history.contains("<del><span class=\"visually-hidden\">[deleted: </span>"));
    assert!(
        !t.exists("history/dee.html"),
        "a chapter with one version has no history page"
    );
}

#[test]
fn contents_page_marks_new_and_updated_but_not_refreshed_or_moved() {
    let t = three_releases();
    t.build();
    let index = t.read("index.html");
    let badge = |title: &str| {
        let at = index
            .find(&format!(">{title}</a>"))
            .unwrap_or_else(|| panic!("{title} not on the contents page"));
        let rest = &index[at..];
        let line = &rest[..rest.find("</li>").unwrap()];
        ["New", "Updated"]
            .into_iter()
            .find(|b| line.contains(&format!("mark-badge\">{b}<")))
    };
    assert_eq!(badge("Alpha"), Some("Updated"));
    assert_eq!(
        badge("Bee Procedures"),
        Some("Updated"),
        "retitled in June, refreshed in July"
    );
    assert_eq!(badge("Eff"), Some("New"));
    assert_eq!(badge("Cee"), None, "a move is not an update");
}

#[test]
fn nothing_changed_records_nothing() {
    let t = three_releases();
    let run = t.ok(&["release", "--date", "2024-08-15"]);
    assert_eq!(
        run.stdout,
        "No chapter has changed since the release of 2024-07-15, so nothing was recorded.\n"
    );
    assert!(!t.root.join("history/releases/2024-08-15.yaml").exists());
}

#[test]
fn a_dry_run_records_nothing() {
    let t = ManualTest::fixture("history");
    let run = t.ok(&["release", "--date", "2024-05-15", "--dry-run"]);
    assert!(
        run.stdout
            .contains("Would record the baseline release of 2024-05-15: 4 added.")
    );
    assert!(!t.root.join("history").exists());
}

#[test]
fn a_release_dated_before_the_last_one_is_refused() {
    let t = three_releases();
    t.edit(
        B,
        "before it is made",
        "before it is made and records the decision",
    );
    let run = t.run(&["release", "--date", "2024-07-01"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["error: the last release was on 2024-07-15, so a new release must be dated after it, not 2024-07-01"]);
    assert!(!t.root.join("history/releases/2024-07-01.yaml").exists());
}

#[test]
fn verify_catches_a_tampered_and_a_missing_version() {
    let t = three_releases();
    assert!(
        t.ok(&["history", "verify"])
            .stdout
            .starts_with("The history is intact: 3 releases, ")
    );
    std::fs::write(
        t.root.join("history/versions/bee/2024-05-15.md"),
        "---\ntitle: Bee\n---\nRewritten by hand.\n",
    )
    .unwrap();
    std::fs::remove_file(t.root.join("history/versions/eff/2024-06-15.md")).unwrap();
    let run = t.run(&["history", "verify"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["error: this version of `bee` has been changed since it was released on 2024-05-15\n  --> history/versions/bee/2024-05-15.md", "error: this version of `eff`, recorded in the release of 2024-06-15, is missing\n  --> history/versions/eff/2024-06-15.md"]);
    // A build of a damaged store fails, and says where.
    let build = t.run(&["build"]);
    assert_eq!(build.status, 1, "{}", build.stderr);
    build.assert_stderr_has(&["history/versions/eff/2024-06-15.md"]);
}

#[test]
fn a_hand_edited_release_file_is_reported_with_its_line() {
    let t = three_releases();
    t.edit(
        "history/releases/2024-06-15.yaml",
        "change: moved",
        "change: shifted",
    );
    let run = t.run(&["history", "verify"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["--> history/releases/2024-06-15.yaml:", "shifted"]);
}

#[test]
fn renaming_a_file_keeps_its_history_by_id() {
    let t = three_releases();
    t.rename(B, "content/01-first/01-sub/02-bee-procedures.md")
        .edit(
            "content/01-first/01-sub/02-bee-procedures.md",
            "title: Bee Procedures\n",
            "title: Bee Procedures\nid: bee\n",
        );
    let run = t.ok(&["release", "--date", "2024-08-15"]);
    assert!(
        run.stdout.starts_with("No chapter has changed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_changed_id_is_warned_about_before_history_is_cut() {
    let t = ManualTest::fixture("history");
    t.ok(&["release", "--date", "2024-05-15"]);
    t.rename(B, "content/01-first/01-sub/02-bee-approvals.md");
    let run = t.ok(&["release", "--date", "2024-06-15", "--dry-run"]);
    run.assert_stderr_has(&["warning: this chapter has the id `bee-approvals`, but the last release had a chapter of the same title with the id `bee`"]);
    assert!(
        run.stderr
            .contains("--> content/01-first/01-sub/02-bee-approvals.md"),
        "{}",
        run.stderr
    );
    run.assert_stderr_has(&["add `id: bee` to its front matter"]);
}

#[test]
fn diff_prints_the_json_contract() {
    let t = ManualTest::fixture("history");
    t.write("old.md", "# Placements\n\n## Introduction\n\nThis chapter covers placements in residential care and who approves them.\n\n## Placements of Children under 13 Years\n\nA child under 13 is placed only with the Director's approval.\n\nSee [Case Management Guidance](https://example.org/cmg).\n");
    t.write("new.md", "---\ntitle: Placements\nowner: Someone\n---\n\n## Introduction\n\nThis chapter covers placements in residential care and who approves them.\n\n## Placements of Children under 13 Years\n\nA child under 13 is placed only with the Director's approval, recorded on the child's file within one working day.\n\nSee [Case Management Guidance](https://example.org/cmg-2024).\n");
    let json: Value = serde_json::from_str(
        &t.ok(&["diff", "old.md", "new.md", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["kind"], "updated");
    assert_eq!(json["title"], "Placements");
    assert_eq!(json["retitled_from"], Value::Null);
    assert_eq!(
        json["sections"],
        serde_json::json!([{"change": "updated", "number": "2", "title": "Placements of Children under 13 Years"}])
    );
    assert_eq!(
        json["links"],
        serde_json::json!({"added": [], "removed": [], "changed": [{"text": "Case Management Guidance", "from": "https://example.org/cmg", "to": "https://example.org/cmg-2024"}]})
    );
    assert_eq!(
        json["summary"],
        "This chapter was updated. Section 2, Placements of Children under 13 Years has been updated. The link to Case Management Guidance has been updated."
    );
    let ratio = json["changed_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 0.4, "{ratio}");
    let text = t.ok(&["diff", "old.md", "new.md"]).stdout;
    assert!(
        text.starts_with("This chapter was updated. Section 2,"),
        "{text}"
    );
    let missing = t.run(&["diff", "old.md", "nope.md"]);
    assert_eq!(missing.status, 1);
    missing.assert_stderr_has(&["nope.md"]);
}

#[test]
fn the_redline_cache_is_warmed_by_release_and_a_damaged_one_changes_nothing() {
    let t = three_releases();
    let cache = t.root.join(".procbook/redlines.cache");
    assert!(cache.exists(), "release leaves the new redlines cached");
    t.build();
    let with_cache = t.read("history/alpha.html");
    std::fs::write(&cache, b"procbook redlines 1\nnot a real entry\n").unwrap();
    t.build();
    assert_eq!(
        t.read("history/alpha.html"),
        with_cache,
        "a damaged cache is ignored"
    );
    std::fs::remove_dir_all(t.root.join(".procbook")).unwrap();
    t.build();
    assert_eq!(
        t.read("history/alpha.html"),
        with_cache,
        "no cache, same pages"
    );
    assert!(cache.exists(), "the build saves what it computed");
}

#[test]
fn the_monthly_summary_comes_as_text_markdown_and_an_email_ready_page() {
    let t = three_releases();
    let text = t.ok(&["amendments", "--month", "2024-06"]).stdout;
    assert!(
        text.starts_with("History Manual: amendments\n\nJune 2024 (released 15 June 2024)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nNew Chapters and Features\n  2.2 Eff\n"),
        "{text}"
    );
    assert!(!text.contains("July 2024"), "only the month asked for");
    assert!(text.ends_with("Next update: August 2024\n"));

    let md = t
        .ok(&["amendments", "--month", "2024-07", "--format", "md"])
        .stdout;
    assert!(
        md.contains("**Please read again in full:** 1.1.1 Alpha."),
        "{md}"
    );
    assert!(md.contains("### Removed Chapters\n\n- 2.2 Dee\n"), "{md}");
    assert!(md.contains("### Updated Chapters\n\n| Chapter Name | Details |\n|---|---|\n| 1.1.1 Alpha | This chapter was extensively revised"), "{md}");
    assert!(md.contains("\n| 1.1.2 Bee Procedures | Reviewed in July 2024; no change to the procedure. This chapter was refreshed in July 2024. |\n"), "{md}");

    let html = t
        .ok(&["amendments", "--month", "2024-07", "--format", "html"])
        .stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<link") && !html.contains("<style"),
        "self-contained: inline styles only"
    );
    assert!(html.contains(r#"<a href="https://manual.example.org/chapters/alpha.html" style="color:#0b4f8a">1.1.1 Alpha</a>"#), "{html}");

    let none = t.run(&["amendments", "--month", "2023-01"]);
    assert_eq!(none.status, 1);
    none.assert_stderr_has(&[
        "there was no release in 2023-01",
        "releases were made in: 2024-07 (July 2024), 2024-06 (June 2024), 2024-05 (May 2024)",
    ]);
}
