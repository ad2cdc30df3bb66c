//! Optional timings of the build's phases, printed to stderr with `--verbose` or when
//! `PROCBOOK_TIMINGS` is set: for finding where time goes on a large manual without a profiler.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Prints timings from now on (`--verbose`).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed) || std::env::var_os("PROCBOOK_TIMINGS").is_some()
}

/// Runs `f`, and prints how long it took under `label` when timings are asked for.
pub fn phase<T>(label: &str, f: impl FnOnce() -> T) -> T {
    crate::progress::stage(label);
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let value = f();
    eprintln!(
        "{:>8.1} ms  {label}",
        start.elapsed().as_secs_f64() * 1000.0
    );
    value
}
