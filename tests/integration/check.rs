//! What `procbook check` adds to a build's diagnostics: Markdown the structure leaves out,
//! order prefixes that clash, the review report, and the changes since the last release, in
//! text and in JSON, with the exit codes tools rely on.

use serde_json::Value;

use crate::harness::ManualTest;

const CONTACTS: &str = "content/01-all-children/01-contacts-and-referrals.md";

fn json(t: &ManualTest, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let run = t.run(&all);
    assert_eq!(run.stderr, "", "JSON mode prints only the JSON");
    let value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", run.stdout));
    (run.status, value)
}

fn messages(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["path"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn markdown_the_structure_leaves_out_is_reported_with_what_to_do() {
    let t = ManualTest::fixture("minimal");
    t.write("content/_index.md", "---\ntitle: Everything\n---\n")
        .write(
            "content/01-all-children/02_early-help.md",
            "---\ntitle: Early Help\n---\nText.\n",
        )
        .write(
            "kinship-care.md",
            "---\ntitle: Kinship Care\n---\nSaved in the wrong folder.\n",
        )
        .write("NOTES.md", "# Notes to self\n");
    let run = t.run(&["check"]);
    assert_eq!(run.status, 0, "warnings alone pass:\n{}", run.stderr);
    for expected in [
        "warning: this _index.md is not used: the manual's title is in manual.yaml, and each part has its own _index.md\n  --> content/_index.md\n  = help: delete it, or move it into the part folder it was meant for\n",
        "warning: `02_early-help.md` starts with a number, but not an order prefix like `01-`, so it is not put in order by it: names without a prefix come last\n  --> content/01-all-children/02_early-help.md\n  = help: if the number is meant to order it, rename it to `02-early-help.md`\n",
        "warning: this looks like a chapter, but it is not in the content folder, so it is not published\n  --> kinship-care.md:2:1\n   |\n 2 | title: Kinship Care\n   | ^\n  = help: move it into a part or sub-section folder in content/ (`procbook new chapter` makes a file in the right place), or delete it\n",
    ] {
        run.assert_stderr_has(&[expected]);
    }
    assert!(
        !run.stderr.contains("NOTES.md"),
        "Markdown without a title is not a chapter"
    );
    assert!(
        run.stderr.ends_with("0 errors, 3 warnings.\n"),
        "{}",
        run.stderr
    );
    assert_eq!(t.run(&["check", "--strict"]).status, 2);

    let (status, report) = json(&t, &[]);
    assert_eq!(status, 0);
    assert_eq!(report["warnings"], 3);
    assert_eq!(
        messages(&report)[2],
        "kinship-care.md: this looks like a chapter, but it is not in the content folder, so it is not published"
    );
}

#[test]
fn siblings_with_the_same_prefix_are_told_a_rename_that_keeps_the_order() {
    let t = ManualTest::fixture("minimal");
    t.write(
        "content/01-all-children/01-early-help.md",
        "---\ntitle: Early Help\n---\nText.\n",
    )
    .write(
        "content/01-all-children/02-thresholds.md",
        "---\ntitle: Thresholds\n---\nText.\n",
    );
    let run = t.run(&["check", "--strict"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    run.assert_stderr_has(&["warning: `01-early-help.md` has the same order prefix as `01-contacts-and-referrals.md`, so which comes first depends on their names\n  --> content/01-all-children/01-early-help.md\n  = help: give each its own prefix: renaming this one to `01.5-early-help.md` keeps the order and renames nothing else (a chapter keeps its id)\n"]);
    // Following the advice makes the manual clean, and the order and ids stay as they were.
    t.rename(
        "content/01-all-children/01-early-help.md",
        "content/01-all-children/01.5-early-help.md",
    );
    assert_eq!(t.run(&["check", "--strict"]).status, 0);
    t.build();
    assert!(
        t.read("chapters/early-help.html")
            .contains("<span class=\"num\">1.2</span> Early Help")
    );
}

#[test]
fn the_review_report_lists_overdue_chapters_and_those_under_review() {
    let t = ManualTest::fixture("minimal");
    t.edit(CONTACTS, "review_due: 2027-03", "review_due: 2025-03")
        .write(
            "content/01-all-children/02-early-help.md",
            "---\ntitle: Early Help\nstatus: under-review\n---\nText.\n",
        )
        .write(
            "content/01-all-children/03-thresholds.md",
            "---\ntitle: Thresholds\nowner: Head of Service, Early Help\nreview_due: 2027-01\n---\nText.\n",
        );
    let run = t.run(&["check"]);
    assert_eq!(run.status, 0);
    assert!(
        run.stdout.contains(
            "\nDue for review, as of 23 November 2026: 2 chapters

  1.1  Contacts and Referrals
       owner: Head of Service, Front Door; review was due March 2025 (overdue)
  1.2  Early Help
       owner: not set; no review date set; under review
"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Thresholds"), "not due yet");

    let (_, report) = json(&t, &[]);
    let review = report["review"].as_array().unwrap();
    assert_eq!(review.len(), 2);
    assert_eq!(
        review[0],
        serde_json::json!({
            "id": "contacts-and-referrals",
            "number": "1.1",
            "title": "Contacts and Referrals",
            "owner": "Head of Service, Front Door",
            "review_due": "2025-03",
            "overdue": true,
            "status": "current",
            "path": CONTACTS,
        })
    );
    assert_eq!(review[1]["status"], "under-review");
    assert_eq!(review[1]["owner"], Value::Null);
    assert_eq!(review[1]["overdue"], false);
}

#[test]
fn with_nothing_due_the_report_says_so() {
    let t = ManualTest::fixture("minimal");
    let run = t.ok(&["check"]);
    assert!(
        run.stdout.contains("Due for review, as of 23 November 2026: none. No chapter is past its review date or under review.\n"),
        "{}",
        run.stdout
    );
    let (_, report) = json(&t, &[]);
    assert_eq!(report["review"], serde_json::json!([]));
}

/// The history fixture released in May 2024, then edited: each kind of change once.
fn edited_since_release() -> ManualTest {
    let t = ManualTest::fixture("history");
    t.ok(&["release", "--date", "2024-05-15"]);
    t.edit("content/01-first/01-sub/01-alpha.md", "within one working day of its receipt", "within one working day of its receipt, or the same day where a child may be at immediate risk of significant harm")
        .edit("content/01-first/01-sub/02-bee.md", "title: Bee\n", "title: Bee\nchange_note: Reviewed; no change.\n")
        .rename("content/02-second/01-cee.md", "content/01-first/01-sub/03-cee.md")
        .remove("content/02-second/02-dee.md")
        .write("content/02-second/03-eff.md", "---\ntitle: Eff\n---\n\n## Overview\n\nEff describes the out of hours arrangements.\n")
        .write("content/02-second/04-draft.md", "---\ntitle: Not Yet\nstatus: draft\n---\n\nText.\n");
    t
}

#[test]
fn changes_since_the_last_release_are_listed_as_the_release_would_record_them() {
    let t = edited_since_release();
    let history_before = std::fs::read_dir(t.root.join("history/releases"))
        .unwrap()
        .count();
    let run = t.ok(&["check"]);
    assert!(
        run.stdout.ends_with(
            "\nChanged since the release of 15 May 2024: 5 chapters, as `procbook release` would record them

  1.1.1  Alpha: updated
         This chapter was updated in November 2026. Section 2, Timescales has been updated.
  1.1.2  Bee: refreshed
         Reviewed; no change. This chapter was refreshed in November 2026.
  1.1.3  Cee: moved
         This chapter was moved to 1.1 Sub-section (previously numbered 2.1, now 1.1.3) in November 2026.
  2.1    Eff: added
         This chapter was added in November 2026.
         Dee: removed (it was 2.2)
         This chapter was removed from the manual in November 2026.
"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_dir(t.root.join("history/releases"))
            .unwrap()
            .count(),
        history_before,
        "check records nothing"
    );

    let (status, report) = json(&t, &[]);
    assert_eq!(status, 0);
    assert_eq!(report["last_release"], "2024-05-15");
    let kinds: Vec<(&str, &str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                c["number"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("alpha", "1.1.1", "updated"),
            ("bee", "1.1.2", "refreshed"),
            ("cee", "1.1.3", "moved"),
            ("eff", "2.1", "added"),
            ("dee", "2.2", "removed"),
        ]
    );
    assert_eq!(report["changes"][3]["title"], "Eff");
    assert_eq!(
        report["changes"][3]["note"],
        "This chapter was added in November 2026."
    );

    // Drafts are checked with --drafts, but a release leaves them out, and so do the changes.
    let (_, with_drafts) = json(&t, &["--drafts"]);
    assert_eq!(with_drafts["chapters"], 5);
    assert_eq!(with_drafts["changes"], report["changes"]);

    // What `release` then records is what check said.
    t.ok(&["release", "--date", "2024-06-15"]);
    let run = t.ok(&["check"]);
    assert!(
        run.stdout
            .ends_with("\nNothing has changed since the release of 15 June 2024.\n"),
        "{}",
        run.stdout
    );
    let (_, report) = json(&t, &[]);
    assert_eq!(report["changes"], serde_json::json!([]));
}

#[test]
fn before_the_first_release_check_says_what_it_will_record() {
    let t = ManualTest::fixture("history");
    let run = t.ok(&["check"]);
    assert!(
        run.stdout.ends_with("\nNo release has been recorded yet: the first (`procbook release`) will record 4 chapters as published.\n"),
        "{}",
        run.stdout
    );
    let (_, report) = json(&t, &[]);
    assert_eq!(report["last_release"], Value::Null);
    assert_eq!(report["changes"].as_array().unwrap().len(), 4);
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "added")
    );
}

#[test]
fn with_errors_check_fails_and_leaves_out_the_changes_but_not_the_review() {
    let t = edited_since_release();
    t.edit(
        "content/01-first/01-sub/01-alpha.md",
        "title: Alpha\n",
        "title: Alpha\nreview_due: 2024-01\n",
    )
    .edit(
        "content/01-first/01-sub/02-bee.md",
        "title: Bee\n",
        "title: Bee\ntitel: typo\n",
    );
    let run = t.run(&["check"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["error: unknown key `titel`"]);
    // The chapters that could be read are still in the review report.
    assert!(
        run.stdout
            .contains("Due for review, as of 23 November 2026: 1 chapter\n\n  1.1.1  Alpha\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "\nThe changes since the last release are listed once the errors are fixed.\n"
        ),
        "{}",
        run.stdout
    );
    let (status, report) = json(&t, &[]);
    assert_eq!(status, 1);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["chapters"], Value::Null);
    assert_eq!(report["changes"], Value::Null);
    assert_eq!(report["last_release"], "2024-05-15");
    assert_eq!(report["review"][0]["id"], "alpha");
}
