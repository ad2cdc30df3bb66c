//! Times the search index's two stages on one thread, again and again, on a manual that is
//! already built in memory: the documents (every chapter's words analysed, with no cache) and
//! the export (the shards and excerpt files). For work on the index's speed, where a whole
//! build is too noisy to show a few milliseconds.
//!
//! ```sh
//! cargo run --release --example search_timing -- MANUAL_FOLDER [ROUNDS]
//! ```
//!
//! On one thread, unless `THREADS=N` says how many (a build uses every core).
//!
//! Prints the fastest and the median time of each stage, and the bytes the export made (which
//! a change that only makes it faster must leave as they were).

use std::time::Instant;

/// The binary's allocator, set as the binary sets it, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), String> {
    procbook::memory::keep_freed_memory();
    let mut args = std::env::args().skip(1);
    let root = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: search_timing MANUAL_FOLDER [ROUNDS]")?,
    );
    let rounds: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("not a number of rounds: {n}"))?,
        None => 20,
    };
    // One thread by default: what a stage costs, without the other work a build does beside
    // it.
    let threads = match std::env::var("THREADS") {
        Ok(n) => n
            .parse()
            .map_err(|_| format!("THREADS is not a number: {n}"))?,
        Err(_) => 1,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| e.to_string())?;
    let options = procbook::build::BuildOptions {
        root,
        drafts: false,
        today: procbook::build::today()?,
        search: true,
        site: None,
    };
    let prepared = procbook::build::prepare(&options)
        .map_err(|_| "the manual has errors: run `procbook check` on it".to_string())?;
    let (mut documents, mut export, mut bytes) = (Vec::new(), Vec::new(), 0);
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let corpus = procbook::search::documents(&prepared.manual, &prepared.rendered);
        documents.push(start.elapsed().as_secs_f64() * 1000.0);
        let start = Instant::now();
        let files = procbook::search::export::export(&prepared.manual, &corpus);
        export.push(start.elapsed().as_secs_f64() * 1000.0);
        bytes = files.iter().map(|f| f.bytes.len()).sum();
    }
    let summary = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        format!(
            "fastest {:.1} ms, median {:.1} ms",
            times[0],
            times[times.len() / 2]
        )
    };
    println!(
        "documents: {}; export: {}; {bytes} bytes exported",
        summary(&mut documents),
        summary(&mut export)
    );
    Ok(())
}
