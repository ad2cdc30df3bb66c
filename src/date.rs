//! The dates authors write (`YYYY-MM` or `YYYY-MM-DD`) and how the site shows them
//! ("March 2025", "15 July 2024"). Formatting is done here, in Rust, rather than with a
//! template filter, so that every page and every later stage words a date the same way.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month, or a day, as written in front matter or `manual.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: u32,
    pub day: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a date: write it as YYYY-MM (2025-03) or YYYY-MM-DD (2025-03-14)",
            self.0
        )
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateError(s.to_owned());
        let trimmed = s.trim();
        let mut fields = trimmed.split('-');
        let year = fields.next().ok_or_else(err)?;
        let month = fields.next().ok_or_else(err)?;
        let day = fields.next();
        if fields.next().is_some()
            || year.len() != 4
            || month.len() != 2
            || day.is_some_and(|d| d.len() != 2)
        {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let month: u32 = month.parse().map_err(|_| err())?;
        let day: Option<u32> = day.map(str::parse).transpose().map_err(|_| err())?;
        NaiveDate::from_ymd_opt(year, month, day.unwrap_or(1)).ok_or_else(err)?;
        Ok(PartialDate { year, month, day })
    }
}

impl PartialDate {
    pub fn from_naive(date: NaiveDate) -> Self {
        PartialDate {
            year: date.year(),
            month: date.month(),
            day: Some(date.day()),
        }
    }

    /// "March 2025".
    pub fn month_year(&self) -> String {
        format!("{} {}", MONTHS[self.month as usize - 1], self.year)
    }

    /// "15 July 2024", or "July 2024" when no day was given.
    pub fn long(&self) -> String {
        match self.day {
            Some(day) => format!("{day} {}", self.month_year()),
            None => self.month_year(),
        }
    }

    /// The last day this date covers: a month runs to its end.
    pub fn last_day(&self) -> NaiveDate {
        match self.day {
            Some(day) => NaiveDate::from_ymd_opt(self.year, self.month, day),
            None => {
                let (y, m) = if self.month == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, self.month + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt())
            }
        }
        .expect("validated when parsed")
    }

    /// True when the whole of this date lies before `today`.
    pub fn is_past(&self, today: NaiveDate) -> bool {
        self.last_day() < today
    }
}

impl fmt::Display for PartialDate {
    /// The ISO form it was written in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)?;
        if let Some(day) = self.day {
            write!(f, "-{day:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_month_and_day_forms() {
        let m: PartialDate = "2025-03".parse().unwrap();
        assert_eq!(m.month_year(), "March 2025");
        assert_eq!(m.to_string(), "2025-03");
        let d: PartialDate = "2024-07-15".parse().unwrap();
        assert_eq!(d.long(), "15 July 2024");
    }

    #[test]
    fn rejects_impossible_or_odd_dates() {
        for bad in [
            "2025-13",
            "2025-02-30",
            "2025",
            "25-03",
            "2025-3",
            "March 2025",
            "",
        ] {
            assert!(
                bad.parse::<PartialDate>().is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn a_month_is_past_only_after_its_last_day() {
        let m: PartialDate = "2024-02".parse().unwrap();
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(!m.is_past(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
        assert!(m.is_past(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()));
    }
}
