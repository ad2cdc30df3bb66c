//! The `procbook` binary: parses the command line, runs the library, prints diagnostics and
//! sets the exit code (0 success, 1 problems in the content or files, 2 a mistake in the
//! command line).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

use procbook::build::{BuildOptions, build, today};
use procbook::cli::{Cli, Command};
use procbook::diagnostic::Diagnostics;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  Caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir } => {
            let files = procbook::init::init(&dir)?;
            println!(
                "Created a new manual in {} ({} files).",
                dir.display(),
                files.len()
            );
            println!("Build it with: procbook build --root {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Build { root, out, drafts } => {
            let started = Instant::now();
            let options = options(root.root, drafts)?;
            let site = match build(&options) {
                Ok(site) => site,
                Err(diagnostics) => {
                    report(&diagnostics);
                    eprintln!(
                        "The site was not built, and the previous one (if any) was left as it was."
                    );
                    return Ok(ExitCode::from(1));
                }
            };
            report(&site.warnings);
            let out = out.unwrap_or_else(|| options.root.join("public"));
            procbook::write::write_site(&options.root, &out, &site.files)
                .with_context(|| format!("the site could not be written to {}", out.display()))?;
            println!(
                "Built {} chapters ({} files) in {:.2} s into {}",
                site.manual.chapters.len(),
                site.files.len(),
                started.elapsed().as_secs_f64(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { root, drafts } => {
            let options = options(root.root, drafts)?;
            match build(&options) {
                Ok(site) => {
                    report(&site.warnings);
                    println!(
                        "No errors in {} chapters ({} warnings).",
                        site.manual.chapters.len(),
                        site.warnings.warning_count()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(diagnostics) => {
                    report(&diagnostics);
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn options(root: PathBuf, drafts: bool) -> anyhow::Result<BuildOptions> {
    Ok(BuildOptions {
        root: clean_root(root),
        drafts,
        today: today().map_err(anyhow::Error::msg)?,
    })
}

/// `--root .` is shown as the current folder, so paths in messages read `content/...`.
fn clean_root(root: PathBuf) -> PathBuf {
    if root == Path::new("") {
        PathBuf::from(".")
    } else {
        root
    }
}

/// Prints diagnostics to stderr, errors first, with a count at the end.
fn report(diagnostics: &Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    let errors = diagnostics.error_count();
    let warnings = diagnostics.warning_count();
    let mut stderr = std::io::stderr().lock();
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diagnostics.clone().sorted() {
        let text = d.to_string();
        if colour {
            let (label, code) = if d.is_error() {
                ("error", "1;31")
            } else {
                ("warning", "1;33")
            };
            let text = text.replacen(label, &format!("\x1b[{code}m{label}\x1b[0m"), 1);
            let _ = writeln!(stderr, "{text}");
        } else {
            let _ = writeln!(stderr, "{text}");
        }
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        stderr,
        "{}, {}.",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
}
