//! Optional timings of the build's phases, printed to stderr when `PROCBOOK_TIMINGS` is set:
//! for finding where time goes on a large manual without a profiler.

use std::time::Instant;

/// Runs `f`, and prints how long it took under `label` when timings are asked for.
pub fn phase<T>(label: &str, f: impl FnOnce() -> T) -> T {
    if std::env::var_os("PROCBOOK_TIMINGS").is_none() {
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
