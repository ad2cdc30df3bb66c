//! procbook: builds a local authority's procedures manual, kept as Markdown chapters with YAML
//! front matter, into a static website in the style of a tri.x manual.
//!
//! The build is a pipeline of stages, each a function from one value to the next, with I/O
//! only at the two ends: `load` reads `content/`, `model` numbers and validates it, `markdown`
//! renders chapter bodies, `render` produces the site's files in memory, and `write` swaps them
//! into the output folder.

pub mod build;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod front_matter;
pub mod glossary;
pub mod history;
pub mod html;
pub mod init;
#[cfg(feature = "check-external")]
pub mod links;
pub mod load;
pub mod markdown;
pub mod memory;
pub mod model;
pub mod outline;
pub mod progress;
pub mod render;
pub mod scaffold;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod session;
pub mod slug;
pub mod timing;
pub mod write;
