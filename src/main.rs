//! The `procbook` binary: parses the command line, runs the library, prints diagnostics and
//! sets the exit code (0 success, 1 problems in the content or files, 2 a mistake in the
//! command line).

use std::process::ExitCode;

use clap::Parser;

use procbook::cli::{Cli, Command, HistoryCommand};
use procbook::commands;

/// mimalloc keeps memory its threads freed for their next allocations; glibc's allocator
/// grows and shrinks each thread's arena a page run at a time, which cost a build of the
/// 1,000-chapter manual thousands of `mprotect` calls.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        procbook::memory::keep_freed_memory();
    }
    // Only commands that print what they read: one that records (`release`, `new`, `init`,
    // `build`) finishes its work even when its report cannot be written (`say!` in
    // `commands`), rather than being ended part-way by the signal.
    if matches!(
        cli.command,
        Command::Search { .. }
            | Command::Check { .. }
            | Command::Diff { .. }
            | Command::Amendments { .. }
            | Command::History { .. }
    ) {
        end_quietly_on_a_closed_pipe();
    }
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

/// `procbook search ... | head`: when the reader of the output goes, the command ends there,
/// quietly, as `grep` or `cat` would (the system's default for a write to a closed pipe),
/// instead of failing its next `println!` with a panic. Rust's runtime ignores the signal so
/// that a server can handle each closed connection as an error; `serve` keeps that.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the system default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let verbosity = commands::Verbosity::from_flags(cli.quiet, cli.verbose);
    commands::set_verbosity(verbosity);
    match cli.command {
        Command::Serve {
            root,
            port,
            host,
            open,
            poll,
            drafts,
        } => commands::serve(root.root, port, host, open, poll, drafts, verbosity),
        Command::Init { dir } => commands::init(dir),
        Command::New { command } => commands::new(command),
        Command::Build {
            root,
            out,
            drafts,
            no_search,
        } => commands::build_site(root.root, out, drafts, no_search),
        Command::Release {
            root,
            date,
            dry_run,
        } => commands::release(root.root, date, dry_run),
        Command::History {
            command: HistoryCommand::Verify { root },
        } => commands::verify(commands::clean_root(root.root)),
        Command::Diff { old, new, format } => commands::diff(&old, &new, format),
        Command::Amendments {
            root,
            month,
            format,
        } => commands::amendments(commands::clean_root(root.root), month, format),
        Command::Search {
            query,
            root,
            limit,
            format,
        } => commands::search(root.root, &query, limit, format),
        Command::Check {
            root,
            drafts,
            format,
            strict,
            external,
            timeout,
        } => commands::check(
            root.root,
            drafts,
            format,
            strict,
            external.then(|| std::time::Duration::from_secs(timeout)),
        ),
    }
}
