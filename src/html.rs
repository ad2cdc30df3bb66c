//! Escaping text for HTML written outside templates (where tera's autoescaping does it).

use std::sync::Arc;

/// HTML made once and shared by every page that shows it. Two values compare equal at once
/// when they are the same allocation, which is what lets `serve` skip pages whose body was
/// reused from the previous build.
#[derive(Debug, Clone, Default)]
pub struct SharedHtml(pub Arc<str>);

impl PartialEq for SharedHtml {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl std::ops::Deref for SharedHtml {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for SharedHtml {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl From<String> for SharedHtml {
    fn from(s: String) -> Self {
        SharedHtml(s.into())
    }
}

/// Whether a link address would run code when followed: `javascript:`, `vbscript:` or a
/// `data:` page, however it is spelt (browsers ignore case, and tabs and newlines inside it).
pub fn runs_script(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take(12)
        .flat_map(char::to_lowercase)
        .collect();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| scheme.starts_with(s))
}

/// Cleans HTML an author wrote into a chapter: keeps the markup a page can use (text,
/// structure, tables, links, images, ids, classes and ARIA labels) and drops scripts, styles,
/// event handlers, frames, forms and links that would run code.
pub fn sanitize(html: &str) -> String {
    static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut b = ammonia::Builder::default();
            b.add_generic_attributes(["id", "class", "role", "aria-label", "tabindex"])
                .link_rel(None)
                .url_relative(ammonia::UrlRelative::PassThrough)
                .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect());
            b
        });
    CLEANER.clean(html).to_string()
}

/// Escapes `&`, `<`, `>`, `"` and `'`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_addresses_are_recognised_however_spelt() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " java\tscript:alert(1)",
            "java\nscript:x",
            "vbscript:msgbox",
            "data:text/html,<script>alert(1)</script>",
        ] {
            assert!(super::runs_script(bad), "{bad:?}");
        }
        for good in [
            "https://gov.uk",
            "chapter:x",
            "../static/a.pdf",
            "#top",
            "mailto:a@b.c",
        ] {
            assert!(!super::runs_script(good), "{good:?}");
        }
    }

    #[test]
    fn sanitizing_keeps_structure_and_drops_scripts() {
        let out = super::sanitize(
            "<p id=\"a\" class=\"note\" onclick=\"x()\">Hi <a href=\"javascript:alert(1)\">x</a> <a href=\"../static/f.pdf\">f</a></p><script>alert(1)</script><iframe src=\"//e\"></iframe><img src=x onerror=alert(1)>",
        );
        assert!(out.contains("<p id=\"a\" class=\"note\">Hi "), "{out}");
        assert!(out.contains("<a href=\"../static/f.pdf\">f</a>"), "{out}");
        assert!(
            !out.contains("script") && !out.contains("onclick") && !out.contains("onerror"),
            "{out}"
        );
        assert!(!out.contains("iframe"), "{out}");
    }

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(
            super::escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }
}
