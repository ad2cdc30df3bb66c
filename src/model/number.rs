//! Numbers (`1`, `1.3`, `1.3.4`), chapter ids, and the `NN-` order prefixes of file names.

use std::fmt;
use std::str::FromStr;

/// A part's, sub-section's or chapter's number: `1`, `1.3` or `1.3.4`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(Vec<u32>);

impl Number {
    pub fn top(n: u32) -> Number {
        Number(vec![n])
    }

    /// The number of this item's `n`-th child: `1.3` → `1.3.n`.
    pub fn child(&self, n: u32) -> Number {
        let mut v = self.0.clone();
        v.push(n);
        Number(v)
    }

    /// `1.3.4` → `1.3`; a part's number has no parent.
    pub fn parent(&self) -> Option<Number> {
        (self.0.len() > 1).then(|| Number(self.0[..self.0.len() - 1].to_vec()))
    }

    pub fn last(&self) -> u32 {
        *self.0.last().expect("a number has at least one component")
    }

    pub fn depth(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

impl FromStr for Number {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Result<Vec<u32>, _> = s.trim().split('.').map(str::parse::<u32>).collect();
        match parts {
            Ok(v) if !v.is_empty() && v.iter().all(|&n| n > 0) => Ok(Number(v)),
            _ => Err(format!(
                "`{s}` is not a number like 4, 4.2 or 4.2.7 (whole numbers from 1, separated by dots)"
            )),
        }
    }
}

/// A chapter's stable id: history and `chapter:` links follow it when files move.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ChapterId(String);

impl ChapterId {
    /// Accepts lower-case letters, digits, `-` and `_`, starting with a letter or digit.
    pub fn new(s: &str) -> Result<ChapterId, String> {
        let ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(ChapterId(s.to_owned()))
        } else {
            Err(format!(
                "`{s}` is not a usable chapter id: use lower-case letters, digits and hyphens, like `contacts-and-referrals`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChapterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits a file or folder name into its order prefix and the rest:
/// `03-foster-care.md` → `(Some(3), "foster-care.md")`.
pub fn order_prefix(name: &str) -> (Option<u64>, &str) {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && name.as_bytes().get(digits) == Some(&b'-')
        && let Ok(n) = name[..digits].parse()
    {
        return (Some(n), &name[digits + 1..]);
    }
    (None, name)
}

/// The key siblings are sorted by: their prefix (unprefixed names last), then their name.
pub fn sort_key(name: &str) -> (u64, String) {
    let (prefix, rest) = order_prefix(name);
    (prefix.unwrap_or(u64::MAX), rest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_and_print() {
        let n: Number = "7.3.4".parse().unwrap();
        assert_eq!(n.to_string(), "7.3.4");
        assert_eq!(n.parent().unwrap().to_string(), "7.3");
        assert_eq!(n.last(), 4);
        assert_eq!(Number::top(2).child(10).to_string(), "2.10");
        for bad in ["", "1.", "1..2", "0.1", "a", "1.-2"] {
            assert!(bad.parse::<Number>().is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_sort_numerically() {
        let a: Number = "4.2.9".parse().unwrap();
        let b: Number = "4.2.10".parse().unwrap();
        assert!(a < b);
    }

    #[test]
    fn prefixes_are_split_off() {
        assert_eq!(
            order_prefix("03-foster-care.md"),
            (Some(3), "foster-care.md")
        );
        assert_eq!(order_prefix("001-x"), (Some(1), "x"));
        assert_eq!(order_prefix("2024-protocol"), (Some(2024), "protocol"));
        assert_eq!(order_prefix("foster-care.md"), (None, "foster-care.md"));
        assert_eq!(order_prefix("12abc"), (None, "12abc"));
    }

    #[test]
    fn ids_are_checked() {
        assert!(ChapterId::new("contacts-and-referrals").is_ok());
        assert!(ChapterId::new("s47_enquiries").is_ok());
        assert!(ChapterId::new("Contacts").is_err());
        assert!(ChapterId::new("-x").is_err());
        assert!(ChapterId::new("a b").is_err());
    }
}
