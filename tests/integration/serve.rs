//! `serve`: the in-memory session it rebuilds after each edit (byte for byte what `build`
//! writes, whatever the edit), and the server itself driven over HTTP.

use std::path::{Path, PathBuf};

use procbook::build::{BuildOptions, build};
use procbook::session::{Outcome, Session};

use crate::harness::{ManualTest, TODAY};

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_owned(),
        drafts: false,
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
        search: true,
    }
}

/// Rebuilds after `changed` and asserts the session's site is exactly a fresh build's.
/// Returns the files the rebuild said changed.
fn rebuild_matches_build(session: &mut Session, root: &Path, changed: &[&str]) -> Vec<String> {
    let paths: Vec<PathBuf> = changed.iter().map(|p| root.join(p)).collect();
    let (snapshot, changed) = match session.rebuild(&paths) {
        Outcome::Built {
            snapshot, changed, ..
        } => (snapshot, changed),
        Outcome::Failed { diagnostics } => panic!("rebuild failed:\n{diagnostics}"),
    };
    let mut full = build(&options(root)).expect("full build").files;
    full.sort_by(|a, b| a.path.cmp(&b.path));
    let incremental = snapshot.all_files();
    let paths = |files: &[procbook::render::OutputFile]| -> Vec<String> {
        files.iter().map(|f| f.path.clone()).collect()
    };
    assert_eq!(paths(&incremental), paths(&full), "the same files");
    for (a, b) in incremental.iter().zip(&full) {
        assert!(
            a.bytes == b.bytes,
            "{} differs from a full build after editing {changed:?}",
            a.path
        );
    }
    changed
}

const MOBILE: &str = "content/02-case-management-and-recording/05-mobile-devices.md";
const RECORDS: &str = "content/02-case-management-and-recording/02-case-records-and-retention.md";

#[test]
fn every_kind_of_edit_rebuilds_to_exactly_what_build_writes() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    rebuild_matches_build(&mut session, &root, &[]);

    // A body edit changes that chapter's page and nothing else a reader can open.
    t.edit(MOBILE, "lost or stolen", "lost, stolen or left unattended");
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert_eq!(changed, ["chapters/mobile-devices.html"]);

    // Nothing changed: nothing to reload.
    assert!(rebuild_matches_build(&mut session, &root, &[]).is_empty());

    // A new title reaches the contents page, the neighbours' links and the pages that list it.
    t.edit(
        MOBILE,
        "title: Storage of Data on Mobile Devices",
        "title: Mobile Devices and Data",
    );
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert!(changed.contains(&"index.html".to_owned()), "{changed:?}");
    assert!(changed.contains(&"chapters/supervision-policy.html".to_owned()));
    assert!(!changed.contains(&"chapters/assessments.html".to_owned()));

    // A new chapter, a chapter moved with its id, and one deleted.
    t.write(
        "content/02-case-management-and-recording/06-new-guidance.md",
        "---\ntitle: New Guidance\nsummary: Something new.\n---\n\n## First\n\nText about [records](chapter:case-records-and-retention).\n",
    );
    rebuild_matches_build(
        &mut session,
        &root,
        &["content/02-case-management-and-recording/06-new-guidance.md"],
    );
    t.rename(
        "content/02-case-management-and-recording/06-new-guidance.md",
        "content/01-all-children/07-new-guidance.md",
    );
    rebuild_matches_build(
        &mut session,
        &root,
        &[
            "content/02-case-management-and-recording/06-new-guidance.md",
            "content/01-all-children/07-new-guidance.md",
        ],
    );
    t.remove("content/01-all-children/07-new-guidance.md");
    rebuild_matches_build(
        &mut session,
        &root,
        &["content/01-all-children/07-new-guidance.md"],
    );

    // Front matter only, the glossary, the settings and a template.
    t.edit(RECORDS, "keywords: [", "keywords: [archive, ");
    rebuild_matches_build(&mut session, &root, &[RECORDS]);
    let glossary = std::fs::read_to_string(root.join("glossary.yaml")).unwrap();
    t.write(
        "glossary.yaml",
        &format!("{glossary}\n- term: Zeta Plan\n  definition: A made-up plan for this test.\n"),
    );
    rebuild_matches_build(&mut session, &root, &["glossary.yaml"]);
    t.edit("manual.yaml", "title:", "title: Revised");
    rebuild_matches_build(&mut session, &root, &["manual.yaml"]);
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/chapter.html"),
    )
    .unwrap();
    t.write(
        "themes/default/templates/chapter.html",
        &template.replacen(
            "{% block content %}",
            "{% block content %}<!-- edited -->",
            1,
        ),
    );
    let changed = rebuild_matches_build(
        &mut session,
        &root,
        &["themes/default/templates/chapter.html"],
    );
    assert!(changed.contains(&"chapters/mobile-devices.html".to_owned()));
}

#[test]
fn a_broken_chapter_keeps_the_last_good_site_until_it_is_fixed() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    rebuild_matches_build(&mut session, &root, &[]);
    let good = std::fs::read_to_string(root.join(MOBILE)).unwrap();

    t.write(MOBILE, "---\ntitle: Half written\n");
    match session.rebuild(&[root.join(MOBILE)]) {
        Outcome::Failed { diagnostics } => {
            let text = diagnostics.to_string();
            assert!(text.contains("05-mobile-devices.md"), "{text}");
        }
        Outcome::Built { .. } => panic!("a half-written file must not build"),
    }
    let kept = session.current().expect("the last good site");
    let page = kept.get("chapters/mobile-devices.html").unwrap();
    assert!(String::from_utf8_lossy(&page).contains("Storage of Data on Mobile Devices"));

    t.write(MOBILE, &good.replace("lost or stolen", "mislaid"));
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert_eq!(changed, ["chapters/mobile-devices.html"]);
}

#[test]
fn the_preview_banner_counts_chapters_changed_since_the_last_release() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    let banner = |session: &mut Session| match session.rebuild(&[]) {
        Outcome::Built { snapshot, .. } => snapshot.banner.clone(),
        Outcome::Failed { diagnostics } => panic!("{diagnostics}"),
    };
    let before = banner(&mut session);
    assert!(before.starts_with("Preview: "), "{before}");
    assert!(before.contains("October 2026 release"), "{before}");
    // A change to the summary alone is not recorded by a release; these are.
    t.edit(MOBILE, "lost or stolen", "lost, stolen or left unattended");
    assert_eq!(banner(&mut session), before);
    t.edit(
        MOBILE,
        "Only council-issued, managed devices",
        "Only council-issued devices",
    );
    t.edit(
        RECORDS,
        "\n## ",
        "\n## A new first section\n\nWords.\n\n## ",
    );
    let after = banner(&mut session);
    let count = |s: &str| -> usize {
        s.split_whitespace()
            .nth(1)
            .and_then(|w| w.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(count(&after), count(&before) + 2, "{before} → {after}");
}
