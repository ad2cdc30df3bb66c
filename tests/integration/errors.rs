//! Content mistakes: each gives a plain-English message at `path:line:column`, every problem is
//! reported in one run, and the previous site is left untouched.

use crate::harness::{ManualTest, copy_dir, fixture_dir};

/// Runs `check` and `build` on `tests/fixtures/invalid/<case>`; both must fail the same way.
fn errors_of(case: &str) -> String {
    let t = ManualTest::fixture(&format!("invalid/{case}"));
    let check = t.run(&["check"]);
    assert_eq!(check.status, 1, "check should fail:\n{}", check.stderr);
    let build = t.run(&["build"]);
    assert_eq!(build.status, 1, "build should fail:\n{}", build.stderr);
    assert!(
        !t.exists("index.html"),
        "nothing is written when there are errors"
    );
    assert!(
        build.stderr.starts_with(&check.stderr),
        "build and check report the same problems"
    );
    check.stderr
}

#[test]
fn unknown_key_names_the_line_and_suggests_the_right_key() {
    let err = errors_of("front-matter");
    assert!(
        err.contains(
            "error: unknown key `reviw_due`
  --> content/01-part/01-unknown-key.md:4:1
   |
 4 | reviw_due: 2025-03
   | ^
  = help: did you mean `review_due`? Keys are case-sensitive
"
        ),
        "{err}"
    );
}

#[test]
fn every_front_matter_problem_is_reported_together() {
    let err = errors_of("front-matter");
    for expected in [
        "--> content/01-part/02-bad-yaml.md:4:6",
        "error: the front matter is never closed\n  --> content/01-part/03-unterminated.md:1:1",
        "error: this chapter has no title\n  --> content/01-part/04-no-title.md:1:1",
        "error: `March 2025` is not a date: write it as YYYY-MM (2025-03) or YYYY-MM-DD (2025-03-14)\n  --> content/01-part/05-bad-date.md:3:13",
        "error: this chapter file is empty\n  --> content/01-part/06-empty.md:1:1",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(err.ends_with("6 errors, 0 warnings.\n"), "{err}");
}

#[test]
fn a_yaml_syntax_error_is_explained() {
    let err = errors_of("front-matter");
    assert!(
        err.contains("error: the front matter is not valid YAML"),
        "{err}"
    );
    assert!(
        err.contains("a list in [brackets] must end with ]"),
        "{err}"
    );
}

#[test]
fn duplicate_ids_name_both_files() {
    let err = errors_of("duplicate-ids");
    assert_eq!(
        err,
        "error: the chapter id `same-id` is also used by content/01-part/01-first.md
  --> content/01-part/02-second.md:3:1
   |
 3 | id: same-id
   | ^
  = help: ids must be unique: give one of them another `id:` in its front matter

1 error, 0 warnings.
"
    );
}

#[test]
fn duplicate_misplaced_and_malformed_numbers_are_errors() {
    let err = errors_of("numbers");
    assert!(
        err.contains("error: the number 1.2 is used twice\n  --> content/01-part/02-b.md:3:1"),
        "{err}"
    );
    assert!(err.contains("error: number 4.1 does not fit here: items in this folder are numbered 1.N\n  --> content/01-part/03-c.md:3:9"), "{err}");
    assert!(
        err.contains("error: `1.x` is not a number like 4, 4.2 or 4.2.7"),
        "{err}"
    );
}

#[test]
fn broken_links_anchors_and_see_also_are_reported_where_written() {
    let err = errors_of("links");
    assert!(err.contains("error: see also names the chapter `no-such-chapter`, which does not exist\n  --> content/01-part/01-a.md:4:14"), "{err}");
    assert!(err.contains("error: the link goes to the chapter `missing-chapter`, which does not exist\n  --> content/01-part/01-a.md:6:24"), "{err}");
    assert!(err.contains("error: the link goes to `#no-such-section`, which is not a section of \"B\"\n  --> content/01-part/01-a.md:8:6"), "{err}");
    assert!(
        err.contains("= help: the sections of b are: timescales"),
        "{err}"
    );
    assert!(err.contains("error: the link goes to `../02-gone/01-x.md`, which does not exist\n  --> content/01-part/01-a.md:8:49"), "{err}");
    assert!(
        !err.contains("01-a.md:6:5"),
        "the good link is not reported"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_the_bad_byte() {
    let err = errors_of("encoding");
    assert!(
        err.starts_with(
            "error: this file is not UTF-8 text\n  --> content/01-part/01-latin1.md:4:4\n"
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_key_in_manual_yaml_is_an_error() {
    let err = errors_of("manual-yaml");
    assert!(
        err.starts_with("error: unknown key `colour`\n  --> manual.yaml:3:1\n"),
        "{err}"
    );
    assert!(err.contains("= help: the keys allowed here are: title, organisation, base_url, next_update, theme, language, badge_months"), "{err}");
}

#[test]
fn a_broken_chapter_leaves_the_previous_site_untouched() {
    let t = ManualTest::fixture("minimal");
    t.build();
    let before = t.read("chapters/contacts-and-referrals.html");
    t.write(
        "content/01-all-children/01-contacts-and-referrals.md",
        "---\ntitle: Broken\nsummary: [unclosed\n---\nNew text.\n",
    );
    let run = t.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("content/01-all-children/01-contacts-and-referrals.md:3:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the previous one (if any) was left as it was")
    );
    assert_eq!(t.read("chapters/contacts-and-referrals.html"), before);
}

#[test]
fn build_refuses_to_overwrite_a_folder_it_did_not_make() {
    let t = ManualTest::fixture("minimal");
    t.write("docs/precious.txt", "mine");
    let run = t.run(&["build", "--out", "docs"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("was not made by procbook, so it was left as it is"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(t.root.join("docs/precious.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_missing_index_and_a_chapter_outside_a_part_are_explained() {
    let t = ManualTest::fixture("minimal");
    t.write("content/02-no-index/01-x.md", "---\ntitle: X\n---\n");
    t.write("content/loose.md", "---\ntitle: Loose\n---\n");
    let run = t.run(&["check"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&[
        "error: this folder has no _index.md giving its title\n  --> content/02-no-index\n",
    ]);
    assert!(
        run.stderr
            .contains("error: this chapter is not inside a part\n  --> content/loose.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_past_review_date_is_a_warning_that_does_not_fail_the_build() {
    let t = ManualTest::fixture("minimal");
    let path = "content/01-all-children/01-contacts-and-referrals.md";
    let text = std::fs::read_to_string(fixture_dir("minimal").join(path)).unwrap();
    t.write(
        path,
        &text.replace("review_due: 2027-03", "review_due: 2025-03"),
    );
    let run = t.build();
    run.assert_stderr_has(&["warning: this chapter was due for review in March 2025\n  --> content/01-all-children/01-contacts-and-referrals.md:5:1"]);
    assert!(
        t.read("chapters/contacts-and-referrals.html")
            .contains("review overdue")
    );
}

#[test]
fn fixture_copies_are_independent() {
    // The harness must never build inside tests/fixtures.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir("minimal"), dir.path());
    assert!(!fixture_dir("minimal").join("public").exists());
}

#[test]
fn a_chapter_that_cannot_be_read_is_one_error_not_one_per_link_to_it() {
    // The demo links to this chapter from its body and see-also lists elsewhere.
    let t = ManualTest::demo();
    t.write(
        "content/02-case-management-and-recording/05-mobile-devices.md",
        "---\ntitle: [unclosed\n---\n\nText.\n",
    );
    let run = t.run(&["check"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("--> content/02-case-management-and-recording/05-mobile-devices.md:2:"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr
            .contains("`mobile-devices`, which does not exist"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}
