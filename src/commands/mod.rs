//! The commands behind the `procbook` binary: each runs the library for one subcommand,
//! prints what it did or the diagnostics found, and returns the exit code (0 success, 1
//! problems in the content or files, 2 warnings under `check --strict`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::build::{BuildOptions, build, prepare, today};
use crate::cli::{AmendmentsFormat, Format};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::history::release::plan;
use crate::history::{Store, Thresholds, Version, report};

/// `println!` for what a command that changes files (`init`, `new`, `build`, `release`)
/// reports: when nothing reads the output any more (`procbook build | head -0`), the report is
/// dropped and the command finishes its work, rather than stopping part-way with a panic.
/// (The commands that only print, `search` and the like, end at once instead: see `main`.)
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod check;
mod new;

pub use check::check;
pub use new::new;

/// How much a command prints: `--quiet` only errors, `--verbose` timings and details too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl Verbosity {
    pub fn from_flags(quiet: bool, verbose: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::Verbose,
            _ => Verbosity::Normal,
        }
    }
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets how much every command prints from now on.
pub fn set_verbosity(verbosity: Verbosity) {
    QUIET.store(
        verbosity == Verbosity::Quiet,
        std::sync::atomic::Ordering::Relaxed,
    );
    if verbosity == Verbosity::Verbose {
        crate::timing::enable();
    }
}

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// A spinner for long work, unless `--quiet`.
fn busy(what: &str) -> Option<crate::progress::Guard> {
    (!quiet()).then(|| crate::progress::start(what))
}

/// `procbook serve`: the live preview, until Ctrl+C.
#[cfg(feature = "serve")]
pub fn serve(
    root: PathBuf,
    port: u16,
    host: std::net::IpAddr,
    open: bool,
    poll: bool,
    drafts: bool,
    verbosity: Verbosity,
) -> anyhow::Result<ExitCode> {
    let build = options(root, drafts)?;
    if !build.root.join(crate::config::FILE_NAME).is_file() {
        anyhow::bail!(
            "{} has no manual.yaml, so it is not a manual's folder; give the manual's folder with --root, or make a new manual with `procbook init`",
            build.root.display()
        );
    }
    crate::serve::serve(crate::serve::ServeOptions {
        build,
        host,
        port,
        open,
        poll,
        verbosity,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Without the `serve` feature there is no server.
#[cfg(not(feature = "serve"))]
pub fn serve(
    _root: PathBuf,
    _port: u16,
    _host: std::net::IpAddr,
    _open: bool,
    _poll: bool,
    _drafts: bool,
    _verbosity: Verbosity,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this procbook was built without the `serve` feature; build it with `cargo build --features serve`"
    )
}

/// `procbook init`: a new manual with sample chapters.
pub fn init(dir: PathBuf) -> anyhow::Result<ExitCode> {
    let files = crate::init::init(&dir)?;
    say!(
        "Created a new manual in {} ({} files).",
        dir.display(),
        files.len()
    );
    say!("Build it with: procbook build --root {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `procbook build`: writes the site, or leaves the previous one as it was.
pub fn build_site(
    root: PathBuf,
    out: Option<PathBuf>,
    drafts: bool,
    no_search: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let options = options(root, drafts)?;
    let out = out.unwrap_or_else(|| options.root.join("public"));
    let options = BuildOptions {
        search: !no_search,
        site: Some(out.clone()),
        ..options
    };
    let progress = busy("Building");
    let site = match build(&options) {
        Ok(site) => site,
        Err(diagnostics) => {
            report(&diagnostics);
            eprintln!("The site was not built, and the previous one (if any) was left as it was.");
            return Ok(ExitCode::from(1));
        }
    };
    // The search cache is saved while the site is written: it holds what was computed, so it
    // is right whether or not the site can be written.
    let (written, search_cache) = rayon::join(
        || {
            crate::timing::phase("write", || {
                crate::write::write_site(&options.root, &out, &site.files)
            })
        },
        || {
            site.search_cache.as_ref().map(|update| {
                crate::timing::phase("search cache saved", || update.save(&options.root))
            })
        },
    );
    drop(progress);
    report(&site.warnings);
    written.with_context(|| format!("the site could not be written to {}", out.display()))?;
    if !no_search {
        // Where the search files now are, for a later build into another folder. (Like the
        // caches, nothing is lost if it cannot be saved.)
        let _ = crate::search::cache::save_site(&options.root, &crate::write::absolute(&out));
    }
    if let Some(bytes) = &site.cache_update
        && let Err(e) = crate::history::cache::save(&options.root, bytes)
    {
        eprintln!(
            "note: the redline cache could not be saved ({e}); the next build will redo the redlines"
        );
    }
    if let Some(Err(e)) = search_cache {
        eprintln!(
            "note: the search cache could not be saved ({e}); the next build will index every chapter again"
        );
    }
    if !quiet() {
        say!(
            "Built {} chapters ({} files) in {:.2} s into {}",
            site.manual.chapters.len(),
            site.files.len(),
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    // The process ends here, and the system takes back all its memory at once: freeing the
    // site's hundreds of thousands of pieces one by one first would be work for nothing
    // (several milliseconds for a large manual). Nothing in it does more than free memory when
    // dropped.
    std::mem::forget(site);
    Ok(ExitCode::SUCCESS)
}

pub fn release(root: PathBuf, date: Option<String>, dry_run: bool) -> anyhow::Result<ExitCode> {
    let options = options(root, false)?;
    let _progress = busy("Releasing");
    let prepared = match valid_manual(
        &options,
        "Nothing was recorded: fix the problems above, then release again.",
    ) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let date = match date {
        None => options.today,
        Some(text) => match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return Ok(fail(
                    &Diagnostic::error("--date", format!("`{text}` is not a date like 2024-07-15"))
                        .into(),
                ));
            }
        },
    };
    let store = &prepared.history.store;
    // Never build a release on a damaged history.
    let mut damage = Diagnostics::new();
    damage.extend(store.verify().into_iter().filter(Diagnostic::is_error));
    if damage.has_errors() {
        report(&damage);
        eprintln!(
            "Nothing was recorded: the history must be repaired first (see `procbook history verify`)."
        );
        return Ok(ExitCode::from(1));
    }
    let plan = match plan(
        &prepared.manual,
        store,
        date,
        &prepared.manual.config.thresholds,
    ) {
        Ok(p) => p,
        Err(problems) => return Ok(fail(&problems.into())),
    };
    crate::progress::clear();
    if !plan.warnings.is_empty() {
        let mut w = Diagnostics::new();
        w.extend(plan.warnings.iter().cloned());
        report(&w);
    }
    if plan.is_empty() {
        let since = store
            .latest_date()
            .map(|d| format!(" since the release of {d}"))
            .unwrap_or_default();
        say!("No chapter has changed{since}, so nothing was recorded.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut counts = std::collections::BTreeMap::new();
    for r in &plan.release.chapters {
        *counts
            .entry(format!("{:?}", r.change).to_lowercase())
            .or_insert(0) += 1;
    }
    let what = if plan.release.baseline {
        "baseline release"
    } else {
        "release"
    };
    let verb = if dry_run { "Would record" } else { "Recording" };
    say!(
        "{verb} the {what} of {date}: {}.",
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !plan.release.baseline {
        for r in &plan.release.chapters {
            say!("  {} {}: {}", r.number, r.title, r.summary);
        }
    }
    if dry_run {
        say!("This was a dry run: nothing was recorded.");
        return Ok(ExitCode::SUCCESS);
    }
    let progress = busy("Recording");
    crate::progress::stage("writing the versions");
    if let Err(d) = store.commit(&plan.release, &plan.versions) {
        drop(progress);
        return Ok(fail(&d.into()));
    }
    crate::progress::stage("updating the redline cache");
    // The new versions' redlines go into the build's cache now, while they are at hand.
    if let Ok(store) = Store::load(&options.root) {
        let mut ignored = Vec::new();
        if let (_, Some(bytes)) = crate::history::cache::redlines(
            &options.root,
            &store,
            &crate::history::log::Log::new(&store),
            &mut ignored,
        ) {
            let _ = crate::history::cache::save(&options.root, &bytes);
        }
    }
    drop(progress);
    say!("Recorded in history/releases/{date}.yaml. Commit the history folder with the content.");
    Ok(ExitCode::SUCCESS)
}

pub fn verify(root: PathBuf) -> anyhow::Result<ExitCode> {
    let store = match Store::load(&root) {
        Ok(s) => s,
        Err(problems) => return Ok(fail(&problems.into())),
    };
    let mut problems = Diagnostics::new();
    problems.extend(store.verify());
    report(&problems);
    let versions: usize = store
        .releases
        .iter()
        .map(|r| r.chapters.iter().filter(|c| c.version.is_some()).count())
        .sum();
    if problems.has_errors() {
        eprintln!("The history is damaged: see above.");
        return Ok(ExitCode::from(1));
    }
    println!(
        "The history is intact: {} releases, {versions} versions checked.",
        store.releases.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn diff(old: &Path, new: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let read = |path: &Path| {
        crate::load::read_text(path, path).and_then(|text| Version::parse(path, &text))
    };
    let (old_v, new_v) = match (read(old), read(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut d = Diagnostics::new();
            d.extend(a.err());
            d.extend(b.err());
            return Ok(fail(&d));
        }
    };
    let result = crate::history::diff::diff(&old_v, &new_v, &Thresholds::default());
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => {
            println!("{}", result.summary);
            println!();
            println!(
                "Kind: {:?} ({:.1}% of the words changed)",
                result.kind,
                result.changed_ratio * 100.0
            );
            for s in &result.sections {
                let previous = s
                    .previous_title
                    .as_deref()
                    .map(|p| format!(" (was {p})"))
                    .unwrap_or_default();
                println!(
                    "  {:<9} {:<6} {}{previous}",
                    format!("{:?}", s.change).to_lowercase(),
                    s.number,
                    s.title
                );
            }
            for l in &result.links.added {
                println!("  link added    {} <{}>", l.text, l.url);
            }
            for l in &result.links.removed {
                println!("  link removed  {} <{}>", l.text, l.url);
            }
            for l in &result.links.changed {
                println!("  link changed  {} <{}> -> <{}>", l.text, l.from, l.to);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn amendments(
    root: PathBuf,
    month: Option<String>,
    format: AmendmentsFormat,
) -> anyhow::Result<ExitCode> {
    let config = match Config::from_root(&root) {
        Ok(c) => c,
        Err(d) => return Ok(fail(&d.into())),
    };
    let store = match Store::load(&root) {
        Ok(s) => s,
        Err(problems) => return Ok(fail(&problems.into())),
    };
    if let Some(m) = &month
        && (m.len() != 7
            || chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_err())
    {
        return Ok(fail(
            &Diagnostic::error("--month", format!("`{m}` is not a month like 2024-07")).into(),
        ));
    }
    let list = report::summaries(&store, month.as_deref());
    if list.is_empty() && month.is_some() {
        let known = report::known_months(&store);
        let help = if known.is_empty() {
            "no release has been recorded yet".to_owned()
        } else {
            format!("releases were made in: {}", known.join(", "))
        };
        return Ok(fail(
            &Diagnostic::error(
                "--month",
                format!("there was no release in {}", month.unwrap_or_default()),
            )
            .with_help(help)
            .into(),
        ));
    }
    let next = config.next_update.map(|d| d.month_year());
    let out = match format {
        AmendmentsFormat::Json => serde_json::to_string_pretty(&list)? + "\n",
        AmendmentsFormat::Text => report::text(&list, &config.title, next.as_deref()),
        AmendmentsFormat::Md => report::markdown(&list, &config.title, next.as_deref()),
        AmendmentsFormat::Html => {
            report::html(&list, &config.title, &config.base_url, next.as_deref())
        }
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

pub fn search(
    root: PathBuf,
    query: &str,
    limit: usize,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let options = options(root, false)?;
    let prepared = match valid_manual(
        &options,
        "Search needs a manual without errors: fix the problems above.",
    ) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let docs = crate::search::documents(&prepared.manual, &prepared.rendered);
    let index = crate::search::index::SearchIndex::open_or_build(&options.root, &docs)
        .with_context(|| {
            format!(
                "the search index in {} could not be opened or built. It holds only what \
                 `procbook search` makes: check that the folder can be written, or delete it \
                 and search again",
                crate::search::index::folder(&options.root).display()
            )
        })?;
    let found = index.find(query, limit)?;
    let hits = crate::search::index::hits(&prepared.manual, &docs.docs, &found.docs, query);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&hits)?),
        Format::Text => {
            if hits.is_empty() {
                println!("No results for {query:?}. Try fewer or other words.");
            } else if let Some(note) = found.note() {
                println!("{note}\n");
            }
            for h in &hits {
                let section = if h.section_title.is_empty() {
                    String::new()
                } else {
                    format!(" › {}", h.section_title)
                };
                println!(
                    "{} {}{section}  ({:.2})\n    {}\n    {}\n",
                    h.number,
                    h.title,
                    h.score,
                    h.url,
                    strip_marks(&h.snippet)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A snippet for the terminal: `<mark>` shown as «», entities decoded.
fn strip_marks(html: &str) -> String {
    html.replace("<mark>", "«")
        .replace("</mark>", "»")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Reads and checks the manual for a command that needs it free of errors. On errors it
/// reports them, then `then` (what the command did not do), and gives the exit code.
fn valid_manual(options: &BuildOptions, then: &str) -> Result<crate::build::Prepared, ExitCode> {
    let prepared = prepare(options).map_err(|d| fail(&d))?;
    if prepared.diagnostics.has_errors() {
        report(&prepared.diagnostics);
        eprintln!("{then}");
        return Err(ExitCode::from(1));
    }
    Ok(prepared)
}

fn fail(diagnostics: &Diagnostics) -> ExitCode {
    report(diagnostics);
    ExitCode::from(1)
}

pub fn options(root: PathBuf, drafts: bool) -> anyhow::Result<BuildOptions> {
    Ok(BuildOptions {
        root: clean_root(root),
        drafts,
        today: today().map_err(anyhow::Error::msg)?,
        search: true,
        site: None,
    })
}

/// `--root .` is shown as the current folder, so paths in messages read `content/...`.
pub fn clean_root(root: PathBuf) -> PathBuf {
    if root == Path::new("") {
        PathBuf::from(".")
    } else {
        root
    }
}

/// Prints diagnostics to stderr, errors first, with a count at the end.
pub fn report(diagnostics: &Diagnostics) {
    crate::progress::clear();
    let errors_only;
    let diagnostics = if quiet() {
        errors_only = diagnostics
            .clone()
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect::<Vec<_>>()
            .into();
        &errors_only
    } else {
        diagnostics
    };
    if diagnostics.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let colour = crate::diagnostic::colour_on_stderr();
    let _ = write!(stderr, "{}", diagnostics.render(colour));
    let _ = writeln!(stderr, "{}", diagnostics.summary());
}
