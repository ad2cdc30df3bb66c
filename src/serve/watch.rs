//! Watching the manual's files for `serve`. Watches folders, not files (an editor that saves
//! by writing a temporary file and renaming it over the old one replaces the file, which would
//! end a watch on it), debounces so that one save is one batch, and can poll instead, for
//! network drives and WSL where file events go missing.
//!
//! Only `content/`, `themes/`, `history/`, `static/`, `manual.yaml` and `glossary.yaml` are
//! watched: never the output, `.git` or `.procbook`, which would cause rebuild loops and use
//! up the system's watch limit.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer, new_debouncer_opt,
};

use super::{WATCHED, WATCHED_FILES};

/// How long the files must be quiet before a batch of changes is rebuilt. Editors write a
/// save as several events within a millisecond or two; this joins them, and keeps the time
/// from save to reload short.
const DEBOUNCE: Duration = Duration::from_millis(40);

/// How often `--poll` looks at the files.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl Inner {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Inner::Native(d) => d.watch(path, mode),
            Inner::Poll(d) => d.watch(path, mode),
        }
    }

    fn unwatch(&mut self, path: &Path) {
        let _ = match self {
            Inner::Native(d) => d.unwatch(path),
            Inner::Poll(d) => d.unwatch(path),
        };
    }
}

/// A running watch of a manual's files.
pub struct Watcher {
    root: PathBuf,
    inner: Inner,
    batches: mpsc::Receiver<Vec<PathBuf>>,
    /// The folders of `WATCHED` being watched now.
    watched: Vec<PathBuf>,
}

impl Watcher {
    pub fn start(root: &Path, poll: bool) -> anyhow::Result<Watcher> {
        let root = std::path::absolute(root)?;
        let (sender, batches) = mpsc::channel();
        let handler = {
            let root = root.clone();
            move |result: DebounceEventResult| match result {
                Ok(events) => {
                    let paths: Vec<PathBuf> = events
                        .into_iter()
                        .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                        .flat_map(|e| e.event.paths)
                        .filter(|p| relevant(&root, p))
                        .collect();
                    if !paths.is_empty() {
                        let _ = sender.send(paths);
                    }
                }
                Err(errors) => {
                    for e in errors {
                        eprintln!("note: watching for changes: {e}");
                    }
                }
            }
        };
        let mut inner = if poll {
            Inner::Poll(new_debouncer_opt(
                DEBOUNCE,
                None,
                handler,
                NoCache,
                // notify's poller keeps times to the second: without comparing contents it
                // would miss a second save within the same second as the one before.
                notify::Config::default()
                    .with_poll_interval(POLL_INTERVAL)
                    .with_compare_contents(true),
            )?)
        } else {
            Inner::Native(new_debouncer(DEBOUNCE, None, handler)?)
        };
        // The root itself, not recursively: its own files, and folders appearing or going.
        inner.watch(&root, RecursiveMode::NonRecursive)?;
        let mut watcher = Watcher {
            root,
            inner,
            batches,
            watched: Vec::new(),
        };
        watcher.refresh(&[]);
        Ok(watcher)
    }

    /// "content/, themes/ and manual.yaml", for the terminal.
    pub fn describe(&self) -> String {
        let mut names: Vec<String> = self
            .watched
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| format!("{}/", n.to_string_lossy()))
            .collect();
        names.extend(WATCHED_FILES.iter().map(|s| (*s).to_owned()));
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }

    /// Waits for the next batch of changed paths (absolute), joining batches that arrive
    /// together; `None` once the watch has ended.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let mut batch = self.batches.recv().ok()?;
        while let Ok(more) = self.batches.try_recv() {
            batch.extend(more);
        }
        batch.sort();
        batch.dedup();
        self.refresh(&batch);
        Some(batch)
    }

    /// Watches the folders of `WATCHED` that exist, again for any that were just replaced
    /// (deleted and made anew, as `git checkout` can do).
    fn refresh(&mut self, batch: &[PathBuf]) {
        for name in WATCHED {
            let dir = self.root.join(name);
            let known = self.watched.contains(&dir);
            let replaced = batch.contains(&dir);
            if known && (replaced || !dir.is_dir()) {
                self.inner.unwatch(&dir);
                self.watched.retain(|d| *d != dir);
            }
            if dir.is_dir() && !self.watched.contains(&dir) {
                match self.inner.watch(&dir, RecursiveMode::Recursive) {
                    Ok(()) => self.watched.push(dir),
                    Err(e) => eprintln!("note: cannot watch {}: {e}", dir.display()),
                }
            }
        }
    }
}

/// Whether a change at `path` can change the site.
fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str();
    let top_file = parts.next().is_none();
    WATCHED.iter().any(|w| first == *w) || (top_file && WATCHED_FILES.iter().any(|f| first == *f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_manuals_sources_are_relevant() {
        let root = Path::new("/m");
        for yes in [
            "/m/content/01-a/02-b.md",
            "/m/content",
            "/m/manual.yaml",
            "/m/glossary.yaml",
            "/m/themes/default/templates/chapter.html",
            "/m/history/releases/2026-01-01.yaml",
            "/m/static/form.pdf",
        ] {
            assert!(relevant(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/m/public/index.html",
            "/m/.procbook/redlines.cache",
            "/m/.git/index",
            "/m/target/debug/x",
            "/m/notes.md",
            "/m/content2/x.md",
            "/elsewhere/content/x.md",
        ] {
            assert!(!relevant(root, Path::new(no)), "{no}");
        }
    }
}
