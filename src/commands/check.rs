//! `procbook check`: everything a build checks, and what only `check` reports.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{options, report};
use crate::build::{BuildOptions, build};
use crate::cli::Format;
use crate::diagnostic::Diagnostic;

/// `procbook check`: 0 clean, 1 errors, 2 warnings under `--strict`.
pub fn check(
    root: PathBuf,
    drafts: bool,
    format: Format,
    strict: bool,
) -> anyhow::Result<ExitCode> {
    // Everything a build checks, templates included; the search index is not needed.
    let options = BuildOptions {
        search: false,
        ..options(root, drafts)?
    };
    let (chapters, diagnostics) = match build(&options) {
        Ok(site) => (Some(site.manual.chapters.len()), site.warnings),
        Err(diagnostics) => (None, diagnostics),
    };
    let (errors, warnings) = (diagnostics.error_count(), diagnostics.warning_count());
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Report {
                errors: usize,
                warnings: usize,
                chapters: Option<usize>,
                diagnostics: Vec<Diagnostic>,
            }
            let report = Report {
                errors,
                warnings,
                chapters,
                diagnostics: diagnostics.sorted(),
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text => {
            report(&diagnostics);
            if let Some(n) = chapters {
                println!("No errors in {n} chapters ({warnings} warnings).");
            }
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else if strict && warnings > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
