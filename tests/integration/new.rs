//! `procbook new chapter|section|part`: the file goes in the right folder with a prefix that sorts
//! it between its neighbours, no other file is renamed or changed, the number printed is the
//! number the build gives it, and every mistake leaves the manual as it was.

use std::collections::BTreeMap;

use crate::harness::{ManualTest, Run};

/// Every file of the manual's `content/`, by path, with its text.
fn files(t: &ManualTest) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(t.root.join("content"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&t.root).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Runs `procbook new ...`, which must succeed, and checks that it only added `created`.
fn new_ok(t: &ManualTest, args: &[&str], created: &str) -> Run {
    let before = files(t);
    let mut all = vec!["new"];
    all.extend(args);
    let run = t.ok(&all);
    let mut after = files(t);
    assert!(
        after.remove(created).is_some(),
        "{created} was not created:\n{}",
        run.stdout
    );
    assert_eq!(before, after, "no other file is added, renamed or changed");
    assert!(
        run.stdout.starts_with(&format!("Created {created}\n")),
        "{}",
        run.stdout
    );
    run
}

/// Runs `procbook new ...`, which must fail with exit code 1 and write nothing.
fn new_fails(t: &ManualTest, args: &[&str]) -> String {
    let before = files(t);
    let mut all = vec!["new"];
    all.extend(args);
    let run = t.run(&all);
    assert_eq!(
        run.status, 1,
        "{args:?} should fail:\n{}{}",
        run.stdout, run.stderr
    );
    assert_eq!(files(t), before, "{args:?} changed the manual");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.ends_with("Nothing was written.\n"),
        "{}",
        run.stderr
    );
    run.stderr
}

/// The number and title as the chapter's page shows them.
fn heading(number: &str, title: &str) -> String {
    format!("<span class=\"num\">{number}</span> {title}")
}

/// Builds the manual with its drafts, and checks that each chapter's page (by its id) shows
/// its number and title.
fn builds_numbered(t: &ManualTest, chapters: &[(&str, &str, &str)]) {
    t.ok(&["build", "--drafts"]);
    for (page, number, title) in chapters {
        let html = t.read(&format!("chapters/{page}.html"));
        assert!(
            html.contains(&heading(number, title)),
            "{page} is not {number}"
        );
    }
}

#[test]
fn a_new_chapter_goes_at_the_end_of_a_part_as_a_draft_and_builds_with_its_number() {
    let t = ManualTest::fixture("new");
    let run = new_ok(
        &t,
        &["chapter", "Leaving Care", "--in", "2"],
        "content/02-looked-after/03-leaving-care.md",
    );
    run.assert_stdout_has(&[
        "  Chapter 2.3, Leaving Care, in part 2, Looked After Children (id: leaving-care).\n",
    ]);
    run.assert_stdout_has(&["It is a draft"]);
    assert!(
        run.stdout
            .ends_with("  No other file was renamed or changed.\n")
    );
    let text =
        std::fs::read_to_string(t.root.join("content/02-looked-after/03-leaving-care.md")).unwrap();
    assert!(
        text.starts_with("---\ntitle: Leaving Care\nid: leaving-care "),
        "{text}"
    );
    for key in [
        "\nstatus: draft ",
        "\nsummary: ",
        "\nowner: ",
        "\nreview_due: ",
    ] {
        assert!(text.contains(key), "{key:?} missing from:\n{text}");
    }

    // A draft is left out until published, so no number changes yet...
    t.build();
    assert!(!t.exists("chapters/leaving-care.html"));
    // ...and it builds with the number it was given.
    t.ok(&["build", "--drafts"]);
    assert!(
        t.read("chapters/leaving-care.html")
            .contains(&heading("2.3", "Leaving Care"))
    );
    let check = t.ok(&["check", "--strict"]);
    assert_eq!(check.stderr, "", "a new chapter checks clean");
}

#[test]
fn with_a_gap_after_the_chapter_it_takes_the_next_whole_prefix() {
    let t = ManualTest::fixture("new");
    // 02-strategy-discussions.md is followed by 05-conferences.md: 03- is free.
    let run = new_ok(
        &t,
        &[
            "chapter",
            "Section 47 Enquiries",
            "--in",
            "1.1",
            "--after",
            "1.1.2",
        ],
        "content/01-all-children/01-assessment/03-section-47-enquiries.md",
    );
    run.assert_stdout_has(&["  Chapter 1.1.3, Section 47 Enquiries, in sub-section 1.1, Assessment (id: section-47-enquiries).\n"]);
    run.assert_stdout_has(&["  When it is published, the items after it are renumbered: 1.1.3 Child Protection Conferences becomes 1.1.4.\n"]);
    t.edit(
        "content/01-all-children/01-assessment/03-section-47-enquiries.md",
        "status: draft",
        "status: current",
    );
    t.build();
    assert!(
        t.read("chapters/section-47-enquiries.html")
            .contains(&heading("1.1.3", "Section 47 Enquiries"))
    );
    assert!(
        t.read("chapters/conferences.html")
            .contains(&heading("1.1.4", "Child Protection Conferences"))
    );
}

#[test]
fn with_no_gap_it_takes_a_decimal_prefix_and_renames_nothing() {
    let t = ManualTest::fixture("new");
    // 01-contacts.md is followed by 02-strategy-discussions.md: no whole number is free.
    let run = new_ok(
        &t,
        &["chapter", "Early Help", "--in", "1.1", "--after", "1.1.1"],
        "content/01-all-children/01-assessment/01.5-early-help.md",
    );
    run.assert_stdout_has(&["  Chapter 1.1.2, Early Help,"]);
    // Again after the same chapter: it goes between the two.
    let run = new_ok(
        &t,
        &["chapter", "Thresholds", "--in", "1.1", "--after", "1.1.1"],
        "content/01-all-children/01-assessment/01.2-thresholds.md",
    );
    run.assert_stdout_has(&["  Chapter 1.1.2, Thresholds,"]);

    builds_numbered(
        &t,
        &[
            ("contacts", "1.1.1", "Contacts"),
            ("thresholds", "1.1.2", "Thresholds"),
            ("early-help", "1.1.3", "Early Help"),
            ("strategy-discussions", "1.1.4", "Strategy Discussions"),
            ("conferences", "1.1.5", "Child Protection Conferences"),
        ],
    );
}

#[test]
fn a_draft_has_no_number_yet_so_it_is_followed_by_its_id() {
    let t = ManualTest::fixture("new");
    new_ok(
        &t,
        &["chapter", "Early Help", "--in", "1.1", "--after", "1.1.1"],
        "content/01-all-children/01-assessment/01.5-early-help.md",
    );
    // The draft is not 1.1.2 until it is published: its number names nothing yet, and the
    // message says to name the draft by its id.
    let err = new_fails(
        &t,
        &["chapter", "Thresholds", "--in", "1.1", "--after", "1.1.4"],
    );
    assert!(
        err.contains("error: there is no 1.1.4 in 1.1\n  --> --after\n  = help: the items in 1.1 are numbered 1.1.1 to 1.1.3; a draft has no number until it is published: name it by its id instead, e.g. --after early-help (the drafts here: early-help)\n"),
        "{err}"
    );
    // By its id, the new chapter goes right after the draft. Its number counts published
    // chapters only, and the report says which draft before it would put it one later.
    let thresholds = new_ok(
        &t,
        &[
            "chapter",
            "Thresholds",
            "--in",
            "1.1",
            "--after",
            "early-help",
        ],
        "content/01-all-children/01-assessment/01.7-thresholds.md",
    );
    thresholds.assert_stdout_has(&["  Chapter 1.1.2, Thresholds, in sub-section 1.1, Assessment (id: thresholds).\n  Its number counts published chapters only: the draft before it here, early-help, puts it one later if published first.\n"]);
    // With two drafts before it, both are named.
    let last = new_ok(
        &t,
        &["chapter", "Review", "--in", "1.1"],
        "content/01-all-children/01-assessment/06-review.md",
    );
    last.assert_stdout_has(&["  Its number counts published chapters only: the 2 drafts before it here (early-help, thresholds) each put it one later if published first.\n"]);
    // A chapter that is published can be named by its id too; with no draft before the new
    // one, its number is what it will be.
    let referrals = new_ok(
        &t,
        &["chapter", "Referrals", "--in", "1.1", "--after", "contacts"],
        "content/01-all-children/01-assessment/01.2-referrals.md",
    );
    assert!(
        !referrals.stdout.contains("counts published chapters only"),
        "{}",
        referrals.stdout
    );

    builds_numbered(
        &t,
        &[
            ("contacts", "1.1.1", "Contacts"),
            ("referrals", "1.1.2", "Referrals"),
            ("early-help", "1.1.3", "Early Help"),
            ("thresholds", "1.1.4", "Thresholds"),
            ("strategy-discussions", "1.1.5", "Strategy Discussions"),
            ("review", "1.1.7", "Review"),
        ],
    );
}

#[test]
fn a_number_override_after_the_place_is_respected_or_the_clash_refused() {
    let t = ManualTest::fixture("new");
    let conferences = "content/01-all-children/01-assessment/05-conferences.md";
    // The next chapter keeps its own number, so a new one in the gap renumbers nothing.
    t.edit(
        conferences,
        "title: Child Protection Conferences\n",
        "title: Child Protection Conferences\nnumber: 1.1.5\n",
    );
    let run = new_ok(
        &t,
        &[
            "chapter",
            "Strategy Meetings",
            "--in",
            "1.1",
            "--after",
            "1.1.2",
        ],
        "content/01-all-children/01-assessment/03-strategy-meetings.md",
    );
    run.assert_stdout_has(&["  Chapter 1.1.3, Strategy Meetings,"]);
    assert!(!run.stdout.contains("renumbered"), "{}", run.stdout);

    // Where the override leaves no number free, nothing is written.
    let t = ManualTest::fixture("new");
    t.edit(
        conferences,
        "title: Child Protection Conferences\n",
        "title: Child Protection Conferences\nnumber: 1.1.3\n",
    );
    let err = new_fails(
        &t,
        &[
            "chapter",
            "Strategy Meetings",
            "--in",
            "1.1",
            "--after",
            "1.1.2",
        ],
    );
    assert!(
        err.contains("error: the number 1.1.3 is used twice"),
        "{err}"
    );
    assert!(err.contains("choose another place with --after"), "{err}");
}

#[test]
fn a_new_section_goes_in_a_part_and_takes_chapters() {
    let t = ManualTest::fixture("new");
    let run = new_ok(
        &t,
        &["section", "Kinship Care", "--in", "1"],
        "content/01-all-children/03-kinship-care/_index.md",
    );
    assert!(
        run.stdout
            .contains("  Sub-section 1.3, Kinship Care, in part 1, All Children.\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("procbook new chapter \"Title\" --in 1.3")
    );
    new_ok(
        &t,
        &["chapter", "Family and Friends Carers", "--in", "1.3"],
        "content/01-all-children/03-kinship-care/01-family-and-friends-carers.md",
    );
    // Between the sub-section 1.1 and the chapter 1.2, with no whole number free.
    let run = new_ok(
        &t,
        &["section", "Early Help", "--in", "1", "--after", "1.1"],
        "content/01-all-children/01.5-early-help/_index.md",
    );
    assert!(
        run.stdout
            .contains("  Sub-section 1.2, Early Help, in part 1, All Children.\n")
    );
    run.assert_stdout_has(&["From the next build, the items after it are renumbered: 1.2 Recording becomes 1.3; 1.3 Kinship Care becomes 1.4.\n"]);
    t.ok(&["build", "--drafts"]);
    assert!(
        t.read("chapters/family-and-friends-carers.html")
            .contains(&heading("1.4.1", "Family and Friends Carers"))
    );
    assert!(
        t.read("chapters/recording.html")
            .contains(&heading("1.3", "Recording"))
    );
    assert_eq!(t.run(&["check", "--strict"]).status, 0);
}

#[test]
fn a_new_part_goes_at_the_end_or_after_a_part_and_takes_chapters() {
    let t = ManualTest::fixture("new");
    let run = new_ok(&t, &["part", "Fostering"], "content/03-fostering/_index.md");
    run.assert_stdout_has(&["  Part 3, Fostering.\n  Add sub-sections or chapters to it with: procbook new section \"Title\" --in 3, or procbook new chapter \"Title\" --in 3\n"]);
    assert!(
        std::fs::read_to_string(t.root.join("content/03-fostering/_index.md"))
            .unwrap()
            .starts_with("---\ntitle: Fostering\n")
    );
    // Between two parts, with no whole number free: a decimal, and the parts after it move on.
    let run = new_ok(
        &t,
        &["part", "Early Help", "--after", "1"],
        "content/01.5-early-help/_index.md",
    );
    run.assert_stdout_has(&["  Part 2, Early Help.\n"]);
    run.assert_stdout_has(&["  From the next build, the items after it are renumbered: 2 Looked After Children becomes 3; 3 Fostering becomes 4.\n"]);
    // The new part takes chapters like any other.
    new_ok(
        &t,
        &["chapter", "Kinship Care", "--in", "4"],
        "content/03-fostering/01-kinship-care.md",
    );
    builds_numbered(
        &t,
        &[
            ("recording", "1.2", "Recording"),
            ("visits", "3.1", "Social Worker Visits"),
            ("kinship-care", "4.1", "Kinship Care"),
        ],
    );
    let contents = t.read("index.html");
    assert!(
        contents.contains("<span class=\"num\">2.</span> Early Help"),
        "{contents}"
    );
}

#[test]
fn new_works_from_another_folder_with_root() {
    let t = ManualTest::fixture("new");
    let elsewhere = t.root.parent().unwrap();
    let run: Run = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
        .args(["new", "chapter", "Visits", "--in", "2", "--root", "manual"])
        .current_dir(elsewhere)
        .env("PROCBOOK_TODAY", crate::harness::TODAY)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.status, 0, "{}", run.stderr);
    // The id `visits` is the file name of 01-visits.md, so the new chapter gets another.
    assert!(
        run.stdout
            .starts_with("Created content/02-looked-after/03-visits-2.md\n"),
        "{}",
        run.stdout
    );
    run.assert_stdout_has(&["(id: visits-2)"]);
}

#[test]
fn a_new_chapter_never_takes_the_id_of_a_removed_one() {
    let t = ManualTest::fixture("history");
    t.ok(&["release", "--date", "2024-05-15"]);
    t.remove("content/02-second/02-dee.md");
    let run = new_ok(
        &t,
        &["chapter", "Dee", "--in", "2"],
        "content/02-second/02-dee-2.md",
    );
    run.assert_stdout_has(&["(id: dee-2)"]);
}

#[test]
fn every_mistake_is_explained_and_leaves_the_manual_untouched() {
    let t = ManualTest::fixture("new");
    let cases: &[(&[&str], &str)] = &[
        (
            &["chapter", "X", "--in", "9"],
            "error: there is no part or sub-section numbered 9\n  --> --in\n  = help: the parts are 1 All Children and 2 Looked After Children",
        ),
        (
            &["chapter", "X", "--in", "1.4"],
            "error: there is no part or sub-section numbered 1.4\n  --> --in\n  = help: the sub-sections of part 1 are 1.1",
        ),
        (
            &["chapter", "X", "--in", "1.1.2"],
            "error: 1.1.2 is a chapter (Strategy Discussions), not a part or sub-section\n  --> --in\n  = help: --in takes the number of a part or sub-section: to put the new chapter beside it, use --in 1.1 --after 1.1.2",
        ),
        (
            &["chapter", "X", "--in", "1.1", "--after", "2.1"],
            "error: 2.1 is not in 1.1: --after must name an item of 1.1\n  --> --after\n  = help: the items in 1.1 are numbered 1.1.1 to 1.1.3",
        ),
        (
            &["chapter", "X", "--in", "1.1", "--after", "1.1.7"],
            "error: there is no 1.1.7 in 1.1\n  --> --after\n  = help: the items in 1.1 are numbered 1.1.1 to 1.1.3\n",
        ),
        (
            &["chapter", "X", "--in", "1.1", "--after", "nobody"],
            "error: no chapter has the id `nobody`\n  --> --after\n  = help: a chapter's id is the `id:` in its front matter, or else its file name without the NN- prefix and .md",
        ),
        (
            &["chapter", "X", "--in", "2", "--after", "contacts"],
            "error: the chapter `contacts` (content/01-all-children/01-assessment/01-contacts.md) is not in 2: --after must name an item of 2\n  --> --after\n",
        ),
        (
            &["part", "X", "--after", "9"],
            "error: there is no part numbered 9\n  --> --after\n  = help: the parts are numbered 1 to 2\n",
        ),
        (
            &["section", "X", "--in", "1.1"],
            "error: 1.1 is a sub-section, and a sub-section cannot hold sub-sections\n  --> --in\n  = help: a manual has parts, sub-sections and chapters: use --in 1 to add a sub-section to part 1",
        ),
        (
            &["chapter", "   ", "--in", "1"],
            "error: the title is empty\n  --> title\n  = help: write the title in quotes, e.g. procbook new chapter \"Kinship Care\" --in 3",
        ),
        (
            &["chapter", "***", "--in", "1"],
            "error: the title `***` has no letters or digits to make a file name from",
        ),
    ];
    for (args, expected) in cases {
        let err = new_fails(&t, args);
        assert!(err.contains(expected), "{args:?}:\n{err}");
    }
}

#[test]
fn a_file_already_there_is_never_written_over() {
    let t = ManualTest::fixture("new");
    // Not Markdown, so not part of the order, but it has the name the new folder would take.
    t.write("content/01-all-children/03-kinship-care", "notes");
    let err = new_fails(&t, &["section", "Kinship Care", "--in", "1"]);
    assert!(
        err.contains("error: a file called 03-kinship-care is already there, and procbook never writes over a file\n  --> content/01-all-children/03-kinship-care\n"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(t.root.join("content/01-all-children/03-kinship-care")).unwrap(),
        "notes"
    );
}

#[test]
fn outside_a_manual_new_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run: Run = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
        .args(["new", "chapter", "X", "--in", "1"])
        .current_dir(dir.path())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&["cannot read manual.yaml"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_number_that_is_not_one_is_a_command_line_mistake() {
    let t = ManualTest::fixture("new");
    let run = t.run(&["new", "chapter", "X", "--in", "one"]);
    assert_eq!(run.status, 2);
    run.assert_stderr_has(&["`one` is not a number like 4, 4.2 or 4.2.7"]);
    // --after takes a number or a chapter's id; this is neither.
    let run = t.run(&[
        "new",
        "chapter",
        "X",
        "--in",
        "1",
        "--after",
        "Strategy Discussions",
    ]);
    assert_eq!(run.status, 2);
    run.assert_stderr_has(&[
        "`Strategy Discussions` is neither a number like 4.2 or 4.2.7 nor a chapter's id like private-fostering",
    ]);
}

#[test]
fn new_has_help_with_examples() {
    let t = ManualTest::fixture("new");
    for args in [
        &["new", "--help"][..],
        &["new", "chapter", "--help"],
        &["new", "section", "--help"],
        &["new", "part", "--help"],
    ] {
        let run = t.ok(args);
        assert!(
            run.stdout.contains("Examples:\n  procbook new "),
            "{args:?}: {}",
            run.stdout
        );
    }
    assert!(
        t.ok(&["new", "chapter", "--help"])
            .stdout
            .contains("--after <ITEM>")
    );
}
