//! Hostile content: a corpus of XSS payloads (`tests/xss/payloads.txt`) put into every field a
//! manual has (settings, part and chapter front matter, glossary, and chapter text as raw
//! HTML, headings, link text, tables and code). The built site must carry none of them as
//! live markup: no script but the theme's, no event handler, no frame, form, base or refresh,
//! and no address that runs code. The browser test opens the same manual in Chromium.

use std::fmt::Write as _;
use std::path::Path;

use crate::harness::ManualTest;

pub fn payloads() -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xss/payloads.txt"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// A YAML scalar holding `s` exactly (a JSON string is a YAML double-quoted scalar).
fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A manual with every payload in every field. Returns it unbuilt.
pub fn hostile_manual() -> ManualTest {
    let t = ManualTest::fixture("minimal");
    let all = payloads();
    t.write(
        "manual.yaml",
        &format!(
            "title: {}\norganisation: {}\n",
            yaml(&format!("Hostile {}", all[0])),
            yaml(&all[1])
        ),
    );
    t.write(
        "content/01-all-children/_index.md",
        &format!(
            "---\ntitle: {}\ncaption: {}\nnote: {}\n---\n",
            yaml(&format!("Part {}", all[2])),
            yaml(&all[3]),
            yaml(&all[4])
        ),
    );
    let mut glossary = String::new();
    for (i, p) in all.iter().enumerate() {
        let _ = writeln!(
            glossary,
            "- term: Hostile term {i}\n  expansion: {}\n  definition: {}",
            yaml(p),
            yaml(&format!("Defined as {p}"))
        );
    }
    t.write("glossary.yaml", &glossary);
    for (i, p) in all.iter().enumerate() {
        let body = format!(
            "Intro {p}\n\n{p}\n\n## Section {i} {p}\n\nInline {p} text, a [link {p}](https://example.org/{i}), \
             `{p}` and Hostile term {i}.\n\n| Column {p} | B |\n|:---|---:|\n| {p} | cell |\n\n```\n{p}\n```\n"
        );
        t.write(
            &format!("content/01-all-children/{:02}-hostile-{i}.md", i + 10),
            &format!(
                "---\ntitle: {}\nsummary: {}\nowner: {}\nkeywords: [{}]\nchange_note: {}\nsee_also:\n  - title: {}\n    url: {}\n    description: {}\n---\n\n{body}",
                yaml(&format!("Hostile {i} {p}")),
                yaml(p),
                yaml(p),
                yaml(p),
                yaml(p),
                yaml(p),
                yaml(&format!("https://example.org/?q={i}")),
                yaml(p),
            ),
        );
    }
    t
}

/// Every live tag of `html` that could run code, as "file: what".
fn dangers(name: &str, html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        let start = i + at;
        i = start + 1;
        let Some(&first) = bytes.get(start + 1) else {
            break;
        };
        if !first.is_ascii_alphabetic() {
            continue;
        }
        // The tag up to its `>`, minding quotes.
        let mut end = start + 1;
        let mut quote = None;
        while end < bytes.len() {
            match (bytes[end], quote) {
                (b'"' | b'\'', None) => quote = Some(bytes[end]),
                (c, Some(q)) if c == q => quote = None,
                (b'>', None) => break,
                _ => {}
            }
            end += 1;
        }
        let tag = &html[start + 1..end.min(html.len())];
        let lower = tag.to_ascii_lowercase();
        let tag_name: String = lower
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect();
        let attrs = attributes(&lower[tag_name.len()..]);
        let attr = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        let theme_script = tag_name == "script"
            && attr("src").is_some_and(|s| {
                [
                    "assets/procbook.js",
                    "assets/search.js",
                    "assets/porter2.js",
                ]
                .iter()
                .any(|a| s.ends_with(a))
            });
        let csp = tag_name == "meta" && attr("http-equiv") == Some("content-security-policy");
        let theme_link =
            tag_name == "link" && attr("href").is_some_and(|h| !h.contains("evil.example"));
        let theme_form =
            tag_name == "form" && attr("action").is_some_and(|a| a.ends_with("search.html"));
        let bad_tag = match tag_name.as_str() {
            "script" => !theme_script,
            "form" => !theme_form,
            "meta" => attr("http-equiv").is_some() && !csp,
            "link" => !theme_link,
            "iframe" | "frame" | "object" | "embed" | "base" | "style" | "applet" => true,
            _ => false,
        };
        if bad_tag {
            found.push(format!("{name}: <{}", &tag[..tag.len().min(80)]));
        }
        for (k, v) in &attrs {
            let url_attr = matches!(
                k.as_str(),
                "href" | "src" | "action" | "formaction" | "xlink:href" | "data" | "srcdoc"
            );
            if k.starts_with("on")
                || k == "style"
                || k == "srcdoc"
                || (url_attr && procbook::html::runs_script(&decode(v)))
            {
                found.push(format!("{name}: {k}={v} in <{tag_name}>"));
            }
        }
    }
    found
}

/// Attribute names and values of a tag's inside (after its name), lower-cased.
fn attributes(rest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        if name.is_empty() {
            i += 1;
            continue;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let q = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != q {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && !chars[i].is_whitespace() {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        out.push((name, value));
    }
    out
}

/// An attribute value as the browser reads it (the entities that can hide a scheme).
fn decode(v: &str) -> String {
    v.replace("&#x09;", "\t")
        .replace("&#9;", "\t")
        .replace("&#x0a;", "\n")
        .replace("&colon;", ":")
        .replace("&#58;", ":")
        .replace("&amp;", "&")
}

#[test]
fn no_payload_becomes_live_markup_in_any_page() {
    let t = hostile_manual();
    let run = t.build();
    assert!(
        run.stderr.contains("so it was removed"),
        "authors are told what was cleaned:\n{}",
        run.stderr
    );
    let mut found = Vec::new();
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(t.root.join("public")) {
        let entry = entry.unwrap();
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "html" | "xml") {
            continue;
        }
        pages += 1;
        let text = std::fs::read_to_string(path).unwrap();
        found.extend(dangers(
            &path.strip_prefix(&t.root).unwrap().display().to_string(),
            &text,
        ));
    }
    assert!(pages > 40, "{pages} pages");
    assert!(
        found.is_empty(),
        "{} live payloads:\n{}",
        found.len(),
        found.join("\n")
    );
    // The text of the payloads is still there for a reader to see, escaped.
    let page = t.read("chapters/hostile-0.html");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped, not dropped"
    );
    // Tera does not run template syntax found in content.
    let page = t.read("chapters/hostile-35.html");
    assert!(page.contains("{{ 7*7 }}"), "template syntax is text");
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    // The check above would be worthless if it could not see these.
    for live in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<iframe src=\"https://e\"></iframe>",
        "<div style=\"x\">",
        "<meta http-equiv=\"refresh\" content=\"0\">",
        "<svg><a xlink:href=\"javascript:alert(1)\">",
    ] {
        assert!(!dangers("t", live).is_empty(), "{live}");
    }
    for safe in [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<a href=\"https://example.org\" title=\"a > b\">x</a>",
        "<script src=\"../assets/procbook.js\" defer></script>",
    ] {
        assert!(dangers("t", safe).is_empty(), "{safe}");
    }
}

#[test]
fn a_link_that_runs_a_script_is_refused_with_its_line() {
    let t = ManualTest::fixture("minimal");
    t.edit(
        "content/01-all-children/01-contacts-and-referrals.md",
        "Every contact is screened",
        "See [the form](javascript:alert(1)).\n\nEvery contact is screened",
    );
    let run = t.run(&["build"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    run.assert_stderr_has(&[
        "error: the link `javascript:alert(1)` would run a script",
        "--> content/01-all-children/01-contacts-and-referrals.md:9:",
    ]);
}

#[test]
fn allow_raw_html_publishes_raw_html_as_written() {
    let t = ManualTest::fixture("minimal");
    t.edit(
        "content/01-all-children/01-contacts-and-referrals.md",
        "Every contact is screened",
        "<iframe src=\"https://example.org/form\" title=\"Form\"></iframe>\n\nEvery contact is screened",
    );
    t.build();
    assert!(
        !t.read("chapters/contacts-and-referrals.html")
            .contains("<iframe")
    );
    t.edit(
        "manual.yaml",
        "organisation:",
        "allow_raw_html: true\norganisation:",
    );
    t.build();
    assert!(
        t.read("chapters/contacts-and-referrals.html")
            .contains("<iframe src=\"https://example.org/form\" title=\"Form\"></iframe>")
    );
}

#[test]
fn every_page_carries_a_content_security_policy() {
    let t = ManualTest::demo();
    t.build();
    for page in [
        "index.html",
        "chapters/mobile-devices.html",
        "search.html",
        "glossary.html",
    ] {
        let html = t.read(page);
        assert!(
            html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self'; style-src 'self';"),
            "{page}"
        );
        assert!(
            !html.contains(" style=\""),
            "{page} has a style attribute the policy refuses"
        );
    }
}
