//! Integration tests: one binary (to keep link times down) with a module per area. Each test
//! copies a fixture manual from `tests/fixtures/` to a temporary folder and runs the real
//! `procbook` binary on it.

mod browser;
mod build;
mod check;
mod cli;
mod crash;
mod errors;
mod harness;
mod history;
mod hostile;
mod links;
mod new;
mod properties;
mod search;
mod serve;
mod snapshots;
