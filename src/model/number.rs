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

/// The order prefix of a file or folder name: `03-` is 3; `03.5-` is 3.5, which comes between
/// `03-` and `04-` so that an item can be put between two others without renaming either.
/// Ordered by value: `03-` < `03.25-` < `03.5-` < `04-`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderPrefix {
    pub whole: u64,
    /// The digits after the point with trailing zeros removed (`03.50-` is `5`), so that
    /// comparing them as text compares them as decimals.
    pub fraction: String,
}

impl OrderPrefix {
    pub fn whole(n: u64) -> OrderPrefix {
        OrderPrefix {
            whole: n,
            fraction: String::new(),
        }
    }

    /// A prefix that comes after `prev` and before `next` (`None`: the start, the end), the
    /// simplest there is: the next whole number if it is free, else the shortest decimal
    /// between them (`02` and `03` give `02.5`; `02.5` and `03` give `02.7`). `None` when
    /// the two are equal, so that nothing fits between them.
    pub fn between(prev: Option<&OrderPrefix>, next: Option<&OrderPrefix>) -> Option<OrderPrefix> {
        let zero = OrderPrefix::whole(0);
        let lo = prev.unwrap_or(&zero);
        let after = OrderPrefix::whole(lo.whole.checked_add(1)?);
        let Some(next) = next else {
            return Some(after);
        };
        if next <= lo {
            return None;
        }
        if after < *next {
            return Some(after);
        }
        // `next` is at most lo.whole + 1: a decimal of lo.whole fits.
        let upper = (next.whole == lo.whole).then_some(next.fraction.as_str());
        for digits in 1..=18u32 {
            let scale = 10u64.pow(digits);
            let low = truncated(&lo.fraction, digits);
            let high = match upper {
                None => scale,
                Some(u) => truncated(u, digits) + u64::from(u.len() > digits as usize),
            };
            if high >= low + 2 {
                let pick = (low + high) / 2;
                let fraction = format!("{pick:0width$}", width = digits as usize);
                return Some(OrderPrefix {
                    whole: lo.whole,
                    fraction: fraction.trim_end_matches('0').to_owned(),
                });
            }
        }
        None
    }

    /// The prefix as written in a name, `width` digits at least: `03-`, `03.5-`.
    pub fn to_name_prefix(&self, width: usize) -> String {
        let mut out = format!("{:0width$}", self.whole);
        if !self.fraction.is_empty() {
            out.push('.');
            out.push_str(&self.fraction);
        }
        out.push('-');
        out
    }
}

impl fmt::Display for OrderPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_name_prefix(2))
    }
}

/// The first `digits` digits of a fraction, as a whole number (`"5"`, 2 → 50).
fn truncated(fraction: &str, digits: u32) -> u64 {
    let mut n = 0;
    for i in 0..digits as usize {
        let d = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u64::from(b - b'0'));
        n = n * 10 + d;
    }
    n
}

/// Splits a file or folder name into its order prefix and the rest:
/// `03-foster-care.md` → `(Some(3), "foster-care.md")`, `03.5-kinship.md` → `(Some(3.5), "kinship.md")`.
pub fn order_prefix(name: &str) -> (Option<OrderPrefix>, &str) {
    let bytes = name.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return (None, name);
    }
    let mut end = digits;
    let mut fraction = "";
    if bytes.get(end) == Some(&b'.') {
        let more = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if more > 0 {
            fraction = &name[end + 1..end + 1 + more];
            end += 1 + more;
        }
    }
    if bytes.get(end) == Some(&b'-')
        && let Ok(whole) = name[..digits].parse()
    {
        let prefix = OrderPrefix {
            whole,
            fraction: fraction.trim_end_matches('0').to_owned(),
        };
        return (Some(prefix), &name[end + 1..]);
    }
    (None, name)
}

/// The order of siblings: by prefix, names without one last, then by the rest of the name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    unprefixed: bool,
    pub prefix: OrderPrefix,
    rest: String,
}

/// The key siblings are sorted by: their prefix (unprefixed names last), then their name.
pub fn sort_key(name: &str) -> SortKey {
    let (prefix, rest) = order_prefix(name);
    SortKey {
        unprefixed: prefix.is_none(),
        prefix: prefix.unwrap_or_default(),
        rest: rest.to_owned(),
    }
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

    fn p(whole: u64, fraction: &str) -> Option<OrderPrefix> {
        Some(OrderPrefix {
            whole,
            fraction: fraction.to_owned(),
        })
    }

    #[test]
    fn prefixes_are_split_off() {
        assert_eq!(
            order_prefix("03-foster-care.md"),
            (p(3, ""), "foster-care.md")
        );
        assert_eq!(order_prefix("001-x"), (p(1, ""), "x"));
        assert_eq!(order_prefix("2024-protocol"), (p(2024, ""), "protocol"));
        assert_eq!(order_prefix("foster-care.md"), (None, "foster-care.md"));
        assert_eq!(order_prefix("12abc"), (None, "12abc"));
    }

    #[test]
    fn a_decimal_prefix_comes_between_whole_ones() {
        assert_eq!(order_prefix("02.5-kinship.md"), (p(2, "5"), "kinship.md"));
        assert_eq!(order_prefix("02.50-kinship.md"), (p(2, "5"), "kinship.md"));
        for not_a_prefix in ["02.-x.md", "1.3.2-x.md", "02.x-y.md", "2.5.md"] {
            assert_eq!(order_prefix(not_a_prefix), (None, not_a_prefix));
        }
        let mut names = [
            "03-c.md",
            "02.5-b.md",
            "02-a.md",
            "z.md",
            "02.25-ab.md",
            "10-d.md",
            "02.05-aa.md",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            [
                "02-a.md",
                "02.05-aa.md",
                "02.25-ab.md",
                "02.5-b.md",
                "03-c.md",
                "10-d.md",
                "z.md"
            ]
        );
    }

    #[test]
    fn between_takes_the_next_whole_number_or_the_shortest_decimal() {
        let between = |a: Option<OrderPrefix>, b: Option<OrderPrefix>| {
            OrderPrefix::between(a.as_ref(), b.as_ref()).map(|x| x.to_name_prefix(2))
        };
        assert_eq!(between(p(2, ""), None).as_deref(), Some("03-"));
        assert_eq!(between(None, None).as_deref(), Some("01-"));
        assert_eq!(between(p(2, ""), p(5, "")).as_deref(), Some("03-"));
        assert_eq!(between(p(2, ""), p(3, "")).as_deref(), Some("02.5-"));
        assert_eq!(between(p(2, "5"), p(3, "")).as_deref(), Some("02.7-"));
        assert_eq!(between(p(2, "9"), p(3, "")).as_deref(), Some("02.95-"));
        assert_eq!(between(p(2, ""), p(2, "5")).as_deref(), Some("02.2-"));
        assert_eq!(between(p(2, ""), p(2, "1")).as_deref(), Some("02.05-"));
        assert_eq!(between(p(2, "1"), p(2, "11")).as_deref(), Some("02.105-"));
        assert_eq!(between(p(2, "5"), p(3, "5")).as_deref(), Some("03-"));
        assert_eq!(between(p(2, ""), p(2, "")), None);
        assert_eq!(between(p(3, ""), p(2, "")), None);
        // Always strictly between, however often one inserts after the same item.
        let (lo, mut hi) = (p(2, "").unwrap(), p(3, "").unwrap());
        for _ in 0..40 {
            let mid = OrderPrefix::between(Some(&lo), Some(&hi)).unwrap();
            assert!(lo < mid && mid < hi, "{lo} {mid} {hi}");
            assert!(!mid.fraction.ends_with('0'));
            hi = mid;
        }
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
