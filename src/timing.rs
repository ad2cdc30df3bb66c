//! Optional timings of the build's phases, printed to stderr with `--verbose` or when
//! `PROCBOOK_TIMINGS` is set, each with the memory the process holds at its end: for finding
//! where time and memory go on a large manual without a profiler.

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
    let cpu = cpu_ms();
    let value = f();
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    let cpu = cpu.zip(cpu_ms()).map(|(before, after)| after - before);
    // What the system tells of the process, where it can be read: the memory it holds, and
    // the CPU time the phase used.
    let notes: Vec<String> = [
        resident_mb().map(|mb| format!("{mb} MB resident")),
        cpu.map(|ms| format!("{ms:.0} ms of CPU")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if notes.is_empty() {
        eprintln!("{elapsed:>8.1} ms  {label}");
    } else {
        eprintln!("{elapsed:>8.1} ms  {label}  ({})", notes.join(", "));
    }
    value
}

/// The memory the process holds now, in MB, where the system tells (Linux).
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // Pages are 4 KiB on the systems that have /proc/self/statm and this layout.
    Some(pages * 4096 / 1_000_000)
}

/// The CPU time the whole process has used so far (all its threads), in milliseconds, where
/// the system tells (Unix): with the wall time, how well a phase keeps the cores busy.
#[cfg(unix)]
fn cpu_ms() -> Option<f64> {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        (libc::getrusage(libc::RUSAGE_SELF, &mut usage) == 0).then_some(usage)
    }?;
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Some(ms(usage.ru_utime) + ms(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_ms() -> Option<f64> {
    None
}
