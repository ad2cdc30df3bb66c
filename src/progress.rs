//! A progress line on stderr for long builds and releases: a spinner naming the stage being
//! worked on, shown only when stderr is a terminal and `--quiet` was not given, and cleared
//! when the work is done. The stages are those `timing::phase` names.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Shows a spinner with `what` until the returned guard is dropped; nothing when stderr is
/// not a terminal (indicatif draws nothing there).
pub fn start(what: &str) -> Guard {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_prefix(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    if let Ok(mut current) = CURRENT.lock() {
        *current = Some(bar);
    }
    Guard
}

/// Names the stage now under way, when a spinner is showing.
pub fn stage(label: &str) {
    if let Ok(current) = CURRENT.lock()
        && let Some(bar) = current.as_ref()
    {
        bar.set_message(label.trim().to_owned());
    }
}

/// Takes the spinner away, so that what is printed next starts on a clean line.
pub fn clear() {
    if let Ok(mut current) = CURRENT.lock()
        && let Some(bar) = current.take()
    {
        bar.finish_and_clear();
    }
}

/// Clears the spinner when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        clear();
    }
}
