//! Snapshots of rendered pages: any change to what readers see shows up in review as a diff of
//! these files (`cargo insta review`, or rerun with INSTA_UPDATE=always and read the diff).

use crate::harness::ManualTest;

#[test]
fn minimal_chapter_page() {
    let t = ManualTest::fixture("minimal");
    t.build();
    insta::assert_snapshot!(t.read("chapters/contacts-and-referrals.html"));
}

#[test]
fn minimal_contents_page() {
    let t = ManualTest::fixture("minimal");
    t.build();
    insta::assert_snapshot!(t.read("index.html"));
}

#[test]
fn links_chapter_page() {
    let t = ManualTest::fixture("links");
    t.build();
    insta::assert_snapshot!(t.read("chapters/source.html"));
}

#[test]
fn links_glossary_page() {
    let t = ManualTest::fixture("links");
    t.build();
    insta::assert_snapshot!(t.read("glossary.html"));
}
