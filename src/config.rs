//! `manual.yaml`: the manual's settings, read strictly (an unknown key is an error, so a typo is
//! never silently ignored) and resolved into a validated `Config`.

use std::path::Path;

use serde::Deserialize;

use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use crate::front_matter::{line_of_key, parse_yaml};
use crate::history::Thresholds;

/// `manual.yaml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    organisation: Option<String>,
    base_url: Option<String>,
    next_update: Option<String>,
    theme: Option<String>,
    language: Option<String>,
    badge_months: Option<u32>,
    amendments: Option<RawAmendments>,
    allow_raw_html: Option<bool>,
}

/// `amendments:` in manual.yaml: when a change counts as a refresh, an update or a revision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmendments {
    refresh_words: Option<usize>,
    refresh_percent: Option<f64>,
    revise_percent: Option<f64>,
    revise_sections_percent: Option<f64>,
}

/// The manual's validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub title: String,
    pub organisation: Option<String>,
    /// Always ends with `/`.
    pub base_url: String,
    pub next_update: Option<PartialDate>,
    pub theme: String,
    pub language: String,
    pub badge_months: u32,
    pub thresholds: Thresholds,
    /// Publish raw HTML in chapters as written. Off by default: raw HTML is cleaned of
    /// scripts, event handlers, frames and `javascript:` links.
    pub allow_raw_html: bool,
}

pub const FILE_NAME: &str = "manual.yaml";

impl Config {
    /// Reads `manual.yaml` from a manual's root folder.
    pub fn from_root(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(FILE_NAME);
        let bytes = std::fs::read(&path).map_err(|e| {
            let d = Diagnostic::error(FILE_NAME, format!("cannot read {FILE_NAME}: {e}"));
            if e.kind() == std::io::ErrorKind::NotFound {
                d.with_help(format!(
                    "run procbook in a manual's folder (the one with {FILE_NAME}), pass --root, or create a manual with `procbook init DIR`"
                ))
            } else {
                d
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Diagnostic::error(FILE_NAME, format!("{FILE_NAME} is not UTF-8 text"))
                .at_offset(
                    &String::from_utf8_lossy(e.as_bytes()),
                    e.utf8_error().valid_up_to(),
                )
                .with_help("save the file as UTF-8 in your editor")
        })?;
        Config::parse(Path::new(FILE_NAME), &text)
    }

    /// Parses and validates the text of `manual.yaml`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostic> {
        let raw: RawConfig = parse_yaml(path, text, 1, text)?;
        let title = raw.title.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            Diagnostic::error(path, "the manual has no title")
                .at(1, 1)
                .with_help("add a line such as `title: Children's Services Procedures Manual`")
        })?;
        let next_update = raw
            .next_update
            .map(|s| {
                s.parse::<PartialDate>().map_err(|e| {
                    let line = line_of_key(text, "next_update");
                    Diagnostic::error(path, format!("next_update: {e}"))
                        .at(line, 1)
                        .with_source_line(text)
                })
            })
            .transpose()?;
        let mut base_url = raw.base_url.unwrap_or_else(|| "/".to_owned());
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Ok(Config {
            title: title.trim().to_owned(),
            organisation: raw.organisation,
            base_url,
            next_update,
            theme: raw.theme.unwrap_or_else(|| "default".to_owned()),
            language: raw.language.unwrap_or_else(|| "en-GB".to_owned()),
            badge_months: raw.badge_months.unwrap_or(3),
            thresholds: thresholds(raw.amendments, path, text)?,
            allow_raw_html: raw.allow_raw_html.unwrap_or(false),
        })
    }
}

fn thresholds(
    raw: Option<RawAmendments>,
    path: &Path,
    text: &str,
) -> Result<Thresholds, Diagnostic> {
    let default = Thresholds::default();
    let Some(raw) = raw else {
        return Ok(default);
    };
    let percent = |value: Option<f64>, key: &str, fallback: f64| -> Result<f64, Diagnostic> {
        match value {
            None => Ok(fallback / 100.0),
            Some(v) if (0.0..=100.0).contains(&v) => Ok(v / 100.0),
            Some(v) => Err(Diagnostic::error(
                path,
                format!("{key} is {v}, but it is a percentage from 0 to 100"),
            )
            .at(line_of_key(text, key), 1)
            .with_source_line(text)),
        }
    };
    Ok(Thresholds {
        refresh_words: raw.refresh_words.unwrap_or(default.refresh_words),
        refresh_fraction: percent(
            raw.refresh_percent,
            "refresh_percent",
            default.refresh_fraction * 100.0,
        )?,
        revise_ratio: percent(
            raw.revise_percent,
            "revise_percent",
            default.revise_ratio * 100.0,
        )?,
        revise_sections: percent(
            raw.revise_sections_percent,
            "revise_sections_percent",
            default.revise_sections * 100.0,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostic> {
        Config::parse(Path::new("manual.yaml"), text)
    }

    #[test]
    fn defaults_fill_what_is_not_given() {
        let c = parse("title: Manual\n").unwrap();
        assert_eq!(c.base_url, "/");
        assert_eq!(c.theme, "default");
        assert_eq!(c.language, "en-GB");
        assert_eq!(c.badge_months, 3);
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let c = parse("title: M\nbase_url: https://example.org/manual\n").unwrap();
        assert_eq!(c.base_url, "https://example.org/manual/");
    }

    #[test]
    fn unknown_key_is_an_error_on_its_line() {
        let d = parse("title: M\nbadge_month: 2\n").unwrap_err();
        assert_eq!(d.line, 2);
        assert!(d.help.unwrap().contains("badge_months"));
    }

    #[test]
    fn bad_next_update_is_reported_on_its_line() {
        let d = parse("title: M\nnext_update: March 2025\n").unwrap_err();
        assert_eq!(d.line, 2);
        assert!(d.message.contains("YYYY-MM"), "{}", d.message);
    }

    #[test]
    fn amendment_thresholds_are_percentages() {
        let c = parse("title: M\namendments:\n  refresh_words: 5\n  revise_percent: 30\n").unwrap();
        assert_eq!(c.thresholds.refresh_words, 5);
        assert!((c.thresholds.revise_ratio - 0.3).abs() < 1e-9);
        assert!((c.thresholds.revise_sections - 0.5).abs() < 1e-9);
        let d = parse("title: M\namendments:\n  revise_percent: 140\n").unwrap_err();
        assert_eq!(d.line, 3);
    }

    #[test]
    fn missing_title_is_an_error() {
        let d = parse("organisation: X\n").unwrap_err();
        assert_eq!(d.message, "the manual has no title");
    }
}
