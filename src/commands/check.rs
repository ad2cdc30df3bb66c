//! `procbook check`: every problem a build finds, and what only `check` looks for (Markdown
//! the structure leaves out, order prefixes that clash), then two reports: the chapters due
//! for review, and what a release would record now. Writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{options, report};
use crate::build::{BuildOptions, build, prepare};
use crate::check::{self, ChangeItem, ReviewItem};
use crate::cli::Format;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::history::Store;
use crate::history::release::plan;
use crate::load::{SourceFile, is_ignored, load_content, read_text};
use crate::model::Manual;

/// `procbook check`: 0 clean, 1 errors, 2 warnings under `--strict`.
pub fn check(
    root: PathBuf,
    drafts: bool,
    format: Format,
    strict: bool,
    external: Option<std::time::Duration>,
) -> anyhow::Result<ExitCode> {
    // Everything a build checks, templates included; the search index is not needed.
    let options = BuildOptions {
        search: false,
        ..options(root, drafts)?
    };
    let (built, mut diagnostics) = match build(&options) {
        Ok(site) => (Some(site.manual), site.warnings),
        Err(diagnostics) => (None, diagnostics),
    };
    let chapters = built.as_ref().map(|m| m.chapters.len());
    diagnostics.extend(structure(&options.root));

    // The review report needs only the chapters that could be read; when the build failed,
    // they are read again without it.
    let manual = built.or_else(|| prepare(&options).ok().map(|p| p.manual));
    let review = manual.as_ref().map(|m| check::review(m, options.today));
    let store = Store::load(&options.root).ok();
    let last_release = store.as_ref().and_then(Store::latest_date);
    let changes = match (&store, diagnostics.has_errors()) {
        (Some(store), false) => changes(&options, manual.as_ref(), store, &mut diagnostics),
        _ => None,
    };
    if let (Some(timeout), Some(manual)) = (external, manual.as_ref()) {
        diagnostics.extend(external_links(manual, &options.root, timeout, format)?);
    }

    let (errors, warnings) = (diagnostics.error_count(), diagnostics.warning_count());
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Report {
                errors: usize,
                warnings: usize,
                chapters: Option<usize>,
                diagnostics: Vec<Diagnostic>,
                review: Option<Vec<ReviewItem>>,
                last_release: Option<String>,
                changes: Option<Vec<ChangeItem>>,
            }
            let report = Report {
                errors,
                warnings,
                chapters,
                diagnostics: diagnostics.sorted(),
                review,
                last_release: last_release.map(|d| d.to_string()),
                changes,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text => {
            report(&diagnostics);
            if let Some(n) = chapters {
                println!("No errors in {n} chapters ({warnings} warnings).");
            }
            if let Some(items) = &review {
                println!();
                print!("{}", check::review_text(items, options.today));
            }
            println!();
            match &changes {
                Some(items) => print!("{}", check::changes_text(items, last_release)),
                None => println!(
                    "The changes since the last release are listed once the errors are fixed."
                ),
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

/// Dead web links, as warnings (`--external`).
#[cfg(feature = "check-external")]
fn external_links(
    manual: &Manual,
    root: &Path,
    timeout: std::time::Duration,
    format: Format,
) -> anyhow::Result<Vec<Diagnostic>> {
    let progress = (format == Format::Text).then(|| crate::progress::start("Checking links"));
    let report = crate::links::check(manual, root, &crate::links::Options { timeout });
    drop(progress);
    if format == Format::Text {
        eprintln!(
            "Checked {} web addresses ({} asked now, the rest remembered from the last check): {} not working.",
            report.addresses,
            report.asked,
            crate::diagnostic::plural(report.dead.len(), "link")
        );
    }
    Ok(report.dead)
}

#[cfg(not(feature = "check-external"))]
fn external_links(
    _manual: &Manual,
    _root: &Path,
    _timeout: std::time::Duration,
    _format: Format,
) -> anyhow::Result<Vec<Diagnostic>> {
    anyhow::bail!(
        "this procbook was built without the `check-external` feature, so it cannot check web links"
    )
}

/// Markdown files the structure leaves out, and order prefixes that clash.
fn structure(root: &Path) -> Vec<Diagnostic> {
    let mut out = match load_content(root, None) {
        Ok((tree, _)) => check::structure(&tree),
        Err(_) => Vec::new(),
    };
    let files: Vec<SourceFile> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            if is_ignored(&name) || !name.ends_with(".md") {
                return None;
            }
            let text = read_text(&e.path(), Path::new(&name)).ok()?;
            Some(SourceFile {
                path: PathBuf::from(name),
                text: text.into(),
            })
        })
        .collect();
    out.extend(check::stray_chapters(&files));
    out
}

/// What a release made now would record, from the manual without drafts (as a release
/// reads it). Its warnings (such as an id that seems to have changed) join the diagnostics.
fn changes(
    options: &BuildOptions,
    manual: Option<&Manual>,
    store: &Store,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<ChangeItem>> {
    let without_drafts;
    let manual = if options.drafts {
        let published = BuildOptions {
            drafts: false,
            ..options.clone()
        };
        without_drafts = prepare(&published).ok()?.manual;
        &without_drafts
    } else {
        manual?
    };
    // A release is dated after the last one; the date only words the notes ("in July 2024").
    let date = match store.latest_date() {
        Some(last) if last >= options.today => last.succ_opt().unwrap_or(last),
        _ => options.today,
    };
    match plan(manual, store, date, &manual.config.thresholds) {
        Ok(plan) => {
            diagnostics.extend(plan.warnings.iter().cloned());
            Some(check::changes(&plan))
        }
        Err(problems) => {
            diagnostics.extend(problems);
            None
        }
    }
}
