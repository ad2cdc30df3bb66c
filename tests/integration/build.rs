//! Building fixture manuals and checking what the site says.

use crate::harness::{ManualTest, text_after};

#[test]
fn minimal_manual_builds_contents_chapter_glossary_and_local_pages() {
    let t = ManualTest::fixture("minimal");
    let run = t.build();
    assert!(run.stdout.contains("Built 1 chapters"), "{}", run.stdout);
    for page in [
        "index.html",
        "chapters/contacts-and-referrals.html",
        "glossary.html",
        "local-resources.html",
        "404.html",
        "assets/style.css",
        "assets/procbook.js",
    ] {
        assert!(t.exists(page), "{page} missing");
    }
    let index = t.read("index.html");
    assert!(index.contains(
        r##"<a href="chapters/contacts-and-referrals.html">Contacts and Referrals</a>"##
    ));
    assert!(index.contains("Updated <time datetime=\"2026-07-15\">15 July 2026</time>"));
    assert!(index.contains("<p class=\"caption\">The first part</p>"));
}

#[test]
fn chapter_page_has_scope_owner_review_date_contents_and_numbered_sections() {
    let t = ManualTest::fixture("minimal");
    t.build();
    let page = t.read("chapters/contacts-and-referrals.html");
    assert!(
        page.contains(r#"<h1 id="top"><span class="num">1.1</span> Contacts and Referrals</h1>"#),
        "{page}"
    );
    assert_eq!(
        text_after(&page, "<h2 id=\"scope\">"),
        "Scope of this chapter"
    );
    assert!(page.contains("<dt>Responsible manager</dt><dd>Head of Service, Front Door</dd>"));
    assert!(page.contains("<dt>Review date</dt><dd>March 2027"));
    assert!(page.contains(
        r##"<a href="#receiving-a-contact"><span class="num">1.</span> Receiving a Contact</a>"##
    ));
    assert!(page.contains(r##"<a href="#consent"><span class="num">1.1</span> Consent</a>"##));
    assert!(page.contains(r#"<h2 id="timescales"><span class="secnum">2.</span> Timescales"#));
    assert!(page.contains(
        r#"<div class="table-wrap" role="region" aria-label="Table" tabindex="0"><table>"#
    ));
    assert!(page.contains("Last updated: <time datetime=\"2026-07-15\">15 July 2026</time>"));
    assert_eq!(page.matches("<h1").count(), 1, "exactly one h1");
    assert!(page.contains("<html lang=\"en-GB\">"));
    assert!(page.contains(r##"<a class="skip-link" href="#main">"##));
}

#[test]
fn numbering_follows_prefixes_overrides_and_continues_after_a_gap() {
    let t = ManualTest::fixture("numbering");
    t.build();
    let index = t.read("index.html");
    let order: Vec<&str> = index
        .match_indices("<span class=\"num\">")
        .map(|(i, m)| {
            let rest = &index[i + m.len()..];
            &rest[..rest.find('<').unwrap()]
        })
        .collect();
    // Quick links (1., 7.), then part 1: 1.1 sub-section with 1.1.1, 1.1.4 (override),
    // 1.1.5 (continues), 1.2 direct chapter, 1.3 (the draft takes no number); part 7
    // (override): 7.1 with 7.1.1 (prefixed) then 7.1.2 (unprefixed names sort last).
    assert_eq!(
        order,
        [
            "1.", "7.", "1.", "1.1", "1.1.1", "1.1.4", "1.1.5", "1.2", "1.3", "7.", "7.1", "7.1.1",
            "7.1.2"
        ]
    );
    assert!(!index.contains("Draft Chapter"), "drafts are left out");
    assert!(index.contains("<strong>Please note:</strong> This sub-section is being refreshed."));
    let last = index.split("Last in Part").nth(1).unwrap();
    let marks = &last[..last.find("</li>").unwrap()];
    assert!(marks.contains("local procedure"));
    assert!(marks.contains("under review"));
    assert!(marks.contains("(Intranet Access is Required)"));
    assert!(t.read("local-resources.html").contains("Last in Part"));
}

#[test]
fn drafts_are_published_with_the_drafts_flag() {
    let t = ManualTest::fixture("numbering");
    let run = t.run(&["build", "--drafts"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let page = t.read("chapters/draft.html");
    assert!(page.contains("Draft: not yet published"));
    assert!(page.contains("<span class=\"num\">1.3</span> Draft Chapter"));
}

#[test]
fn author_numbered_headings_keep_their_numbers() {
    let t = ManualTest::fixture("numbering");
    t.build();
    let page = t.read("chapters/delta.html");
    assert!(page.contains(r#"<h2 id="placements-of-children-under-13-years"><span class="secnum">6.</span> Placements of Children under 13 Years"#), "{page}");
    assert!(page.contains(r#"<h2 id="next-section"><span class="secnum">2.</span> Next Section"#));
    assert!(page.contains(r#"<h3 id="consent"><span class="secnum">3.5</span> Consent"#));
    assert!(page.contains(r#"<h3 id="plain"><span class="secnum">2.2</span> Plain"#));
    assert!(page.contains(r#"<h2 id="forms"><span class="secnum">Appendix 1:</span> Forms"#));
}

#[test]
fn links_resolve_by_id_anchor_relative_path_and_link_out() {
    let t = ManualTest::fixture("links");
    t.build();
    let page = t.read("chapters/source.html");
    assert!(page.contains(r#"<a href="target.html">Target</a>"#));
    assert!(page.contains(r##"<a href="target.html#timescales">Its timescales</a>"##));
    assert!(page.contains(r##"<a href="target.html#timescales">Target again</a>"##));
    assert!(
        page.contains(r#"<a href="https://procedures.example.org/">Partnership procedures</a>"#)
    );
    assert!(page.contains(r#"<a href="../static/forms/form-a.pdf">Form A</a>"#));
    assert!(page.contains(r#"<a href="https://www.gov.uk/">GOV.UK</a>"#));
    assert!(t.exists("static/forms/form-a.pdf"));
    // The link-out chapter has no page of its own.
    assert!(!t.exists("chapters/outside.html"));
    let index = t.read("index.html");
    assert!(index.contains(r#"<a href="https://procedures.example.org/" class="external">Partnership Procedures<span class="visually-hidden"> (opens another website)</span></a>"#));
    assert!(index.contains(
        "See also: <a href=\"https://www.gov.uk/guidance\" class=\"external\">National Guidance"
    ));
}

#[test]
fn see_also_lines_show_under_the_chapter_and_on_its_page() {
    let t = ManualTest::fixture("links");
    t.build();
    let index = t.read("index.html");
    assert!(index.contains(r#"See also: <a href="chapters/target.html">2.1 Target Chapter</a> <span class="see-also-description">- where the links go</span>"#), "{index}");
    assert!(index.contains(r#"and <a href="https://procedures.example.org/" class="external">2.2 Partnership Procedures"#));
    let page = t.read("chapters/source.html");
    assert!(page.contains(r#"<li><a href="../chapters/target.html">2.1 Target Chapter</a>: where the links go</li>"#), "{page}");
}

#[test]
fn first_use_of_a_glossary_term_is_marked_once() {
    let t = ManualTest::fixture("links");
    t.build();
    let page = t.read("chapters/source.html");
    assert_eq!(
        page.matches(r#"<a class="term" href="../glossary.html#term-iro"><abbr title="Independent Reviewing Officer">IRO</abbr></a>"#).count(),
        1
    );
    assert!(page.contains(r#"<a class="term" href="../glossary.html#term-looked-after-child"><abbr title="Looked after child">LAC</abbr></a>"#));
    let glossary = t.read("glossary.html");
    assert!(glossary.contains(r#"<div class="glossary-entry" id="term-iro">"#));
    assert!(glossary.contains("(Independent Reviewing Officer)"));
}

#[test]
fn previous_and_next_skip_link_out_chapters() {
    let t = ManualTest::fixture("links");
    t.build();
    let source = t.read("chapters/source.html");
    assert!(source.contains(r#"<a class="pager-next" href="../chapters/target.html" rel="next">"#));
    assert!(!source.contains("pager-prev"));
    let target = t.read("chapters/target.html");
    assert!(target.contains(r#"<a class="pager-prev" href="../chapters/source.html" rel="prev">"#));
    assert!(
        !target.contains("pager-next"),
        "the next chapter links out, so there is none"
    );
}

#[test]
fn a_manual_theme_overrides_one_template_and_adds_assets() {
    let t = ManualTest::fixture("theme-override");
    t.build();
    assert!(
        t.read("chapters/c.html")
            .contains("<h1 id=\"top\">OVERRIDDEN 1.1 Chapter</h1>")
    );
    // Everything else still comes from the built-in theme.
    assert!(t.read("index.html").contains("Quick links"));
    assert!(t.exists("assets/extra.css"));
    assert!(t.exists("assets/style.css"));
}

#[test]
fn a_broken_override_template_is_reported_by_file() {
    let t = ManualTest::fixture("theme-override");
    t.write(
        "themes/default/templates/chapter.html",
        "{% extends \"base.html\" %}{% block content %}{{ chapter.title {% endblock content %}",
    );
    let run = t.run(&["build"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("--> themes/default/templates/chapter.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_template_is_reported_with_the_content_s_errors_in_one_run() {
    let t = ManualTest::fixture("theme-override");
    t.write(
        "themes/default/templates/chapter.html",
        "{% extends \"base.html\" %}{% block content %}{{ chapter.title {% endblock content %}",
    );
    t.write(
        "content/01-p/02-untitled.md",
        "---\nsummary: No title here.\n---\nText.\n",
    );
    let run = t.run(&["build"]);
    assert_eq!(run.status, 1);
    run.assert_stderr_has(&[
        "--> themes/default/templates/chapter.html",
        "error: this chapter has no title\n  --> content/01-p/02-untitled.md",
    ]);
    assert!(!t.exists("index.html"), "nothing is written");
}

#[test]
fn the_demo_manual_builds_without_errors() {
    let t = ManualTest::demo();
    let run = t.build();
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    let index = t.read("index.html");
    assert!(index.matches("class=\"toc-chapter").count() >= 40);
    assert!(
        t.read("chapters/children-missing-from-care.html")
            .contains("Return Home Interview")
    );
}

#[test]
fn output_is_the_same_bytes_on_every_build() {
    let t = ManualTest::demo();
    t.build();
    let first = t.read("chapters/strategy-discussions.html") + &t.read("index.html");
    t.build();
    let second = t.read("chapters/strategy-discussions.html") + &t.read("index.html");
    assert_eq!(first, second);
}
