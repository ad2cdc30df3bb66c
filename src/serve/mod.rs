//! `procbook serve`: the author's live preview. Builds the manual into memory, serves it over
//! HTTP, watches the manual's files, rebuilds what an edit touched (see `session`), and tells
//! open pages to reload, once per save, over server-sent events.
//!
//! A build with errors never stops the server: the last good pages stay available, with the
//! errors shown over them and in the terminal, until the files are fixed. Only this module
//! (behind the `serve` feature) uses async code; the build stays synchronous.

mod http;
mod watch;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::broadcast;

use crate::build::BuildOptions;
use crate::diagnostic::Diagnostics;
use crate::session::{Outcome, Session, Snapshot};

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub host: IpAddr,
    pub port: u16,
    /// Open the manual in the default browser once it is served.
    pub open: bool,
    /// Poll for changes instead of relying on the system's file events.
    pub poll: bool,
    pub verbosity: Verbosity,
}

pub use crate::commands::Verbosity;

/// What the server shows now: the last good site, and the errors of the latest build if it
/// failed. `generation` counts the changes readers have been told about.
pub(crate) struct Live {
    pub snapshot: Option<Arc<Snapshot>>,
    pub errors: Option<Diagnostics>,
    pub generation: u64,
}

pub(crate) struct Shared {
    pub live: RwLock<Live>,
    /// Sends the new generation to every open page when it should reload.
    pub reload: broadcast::Sender<u64>,
    pub title: String,
}

impl Shared {
    pub fn live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs the server until it is stopped (Ctrl+C).
pub fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let addr = SocketAddr::new(options.host, options.port);
    let listener = runtime.block_on(tokio::net::TcpListener::bind(addr)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "port {} is already in use (is another `procbook serve` running?); stop it, or choose another port with --port {}",
                options.port,
                options.port.saturating_add(1)
            )
        } else {
            anyhow::anyhow!("cannot listen on {addr}: {e}")
        }
    })?;
    let addr = listener.local_addr()?;

    let mut session = Session::new(options.build.clone());
    let (sender, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        live: RwLock::new(Live {
            snapshot: None,
            errors: None,
            generation: 0,
        }),
        reload: sender,
        title: crate::config::Config::from_root(session.root())
            .map(|c| c.title)
            .unwrap_or_else(|_| "the manual".to_owned()),
    });
    apply(&shared, session.rebuild(&[]), options.verbosity, true);

    let mut watcher = watch::Watcher::start(session.root(), options.poll)?;
    let url = format!("http://{addr}/");
    if options.verbosity >= Verbosity::Normal {
        println!(
            "Serving {} at {url}\nWatching {} for changes{}. Press Ctrl+C to stop.",
            shared.title,
            watcher.describe(),
            if options.poll { " (polling)" } else { "" }
        );
        let _ = std::io::stdout().flush();
    }
    if options.open {
        open_browser(&url);
    }

    let rebuilder = {
        let shared = shared.clone();
        let verbosity = options.verbosity;
        std::thread::Builder::new()
            .name("procbook-rebuild".into())
            .spawn(move || {
                while let Some(batch) = watcher.next_batch() {
                    let outcome = session.rebuild(&batch);
                    apply(&shared, outcome, verbosity, false);
                }
            })?
    };

    let app = http::router(shared);
    runtime.block_on(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })?;
    drop(rebuilder);
    Ok(())
}

/// Publishes a rebuild's outcome: swaps in the new site or shows the errors, reports in the
/// terminal, and tells open pages to reload when what they show changed.
fn apply(shared: &Shared, outcome: Outcome, verbosity: Verbosity, first: bool) {
    let mut live = shared.live.write().unwrap_or_else(|e| e.into_inner());
    let notify = match outcome {
        Outcome::Built {
            snapshot,
            changed,
            took,
        } => {
            let was_broken = live.errors.take().is_some();
            if verbosity >= Verbosity::Normal {
                report_built(&snapshot, &changed, took, first, was_broken, verbosity);
            }
            live.snapshot = Some(snapshot);
            was_broken || !changed.is_empty()
        }
        Outcome::Failed { diagnostics } => {
            eprint!(
                "{}",
                diagnostics.render(crate::diagnostic::colour_on_stderr())
            );
            eprintln!(
                "{} The last good pages are still served; save the file again once it is fixed.",
                diagnostics.summary()
            );
            let changed =
                live.errors.as_ref().map(ToString::to_string) != Some(diagnostics.to_string());
            live.errors = Some(diagnostics);
            changed
        }
    };
    if notify && !first {
        live.generation += 1;
        // No receivers (no open page) is not an error.
        let _ = shared.reload.send(live.generation);
    }
}

fn report_built(
    snapshot: &Snapshot,
    changed: &[String],
    took: Duration,
    first: bool,
    was_broken: bool,
    verbosity: Verbosity,
) {
    let ms = took.as_secs_f64() * 1000.0;
    if first {
        println!(
            "Built {} chapters in {ms:.0} ms. {}",
            snapshot.manual.chapters.len(),
            snapshot.banner
        );
        if !snapshot.warnings.is_empty() {
            println!(
                "{} (`procbook check` lists them).",
                snapshot.warnings.summary()
            );
        }
        return;
    }
    if was_broken {
        println!("Fixed: the manual builds again.");
    }
    match changed.len() {
        0 => println!("Rebuilt in {ms:.0} ms: no page changed."),
        1 => println!("Rebuilt in {ms:.0} ms: {} changed.", changed[0]),
        n => println!("Rebuilt in {ms:.0} ms: {n} files changed."),
    }
    if verbosity >= Verbosity::Verbose {
        for path in changed.iter().take(50) {
            println!("  {path}");
        }
    }
    let _ = std::io::stdout().flush();
}

/// Opens `url` in the default browser; a failure is only a note.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("note: could not open a browser; open {url} yourself");
    }
}

/// The folders and files a manual's preview depends on.
pub(crate) const WATCHED: &[&str] = &[
    crate::load::CONTENT_DIR,
    crate::render::THEMES_DIR,
    crate::history::store::HISTORY_DIR,
    crate::build::STATIC_DIR,
];

/// The root's own files that matter.
pub(crate) const WATCHED_FILES: &[&str] = &[crate::config::FILE_NAME, crate::glossary::FILE_NAME];
