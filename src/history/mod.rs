//! Chapter history: the version store (`store`), comparing versions (`diff`), planning a
//! release (`release`), and the amendment log derived from the store at every build (`log`).

pub mod cache;
pub mod diff;
pub mod log;
pub mod release;
pub mod report;
pub mod store;

pub use diff::{ChapterDiff, Kind, Thresholds, Version};
pub use store::{Change, Record, Release, Store};
