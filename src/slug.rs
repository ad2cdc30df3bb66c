//! Anchors and ids made from titles: lower-case ASCII letters and digits joined by single
//! hyphens, so "Placements of Children under 13 Years" becomes
//! `placements-of-children-under-13-years`. Authors write these by hand in `chapter:ID#anchor`
//! links, so the rule is deliberately simple enough to do in one's head.

/// The anchor for a title. Letters with accents keep their base letter where simple
/// ("Café" → `cafe`); other characters separate words.
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_dash = false;
    for c in title.chars() {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // "Children's" → "childrens": an apostrophe does not split a word.
        } else {
            pending_dash = true;
        }
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn titles_become_simple_anchors() {
        assert_eq!(
            slugify("Placements of Children under 13 Years"),
            "placements-of-children-under-13-years"
        );
        assert_eq!(slugify("Children's Consultation"), "childrens-consultation");
        assert_eq!(
            slugify("  Timescales & Recording!  "),
            "timescales-recording"
        );
        assert_eq!(slugify("Café Rôle"), "cafe-role");
        assert_eq!(slugify("—"), "");
    }
}
