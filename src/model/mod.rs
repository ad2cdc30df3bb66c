//! The manual as a structure: parts, sub-sections and chapters with their numbers, ids and
//! settings, validated. Built from the loaded `content/` tree by `assemble`; later stages
//! (Markdown, rendering, history, search) read it and never reach back to the files.

mod assemble;
mod number;

use std::collections::HashMap;
use std::path::PathBuf;

pub use assemble::{ModelOptions, ParseMemo, assemble, normalise as normalise_path};
pub use number::{ChapterId, Number, OrderPrefix, SortKey, order_prefix, sort_key};

use crate::config::Config;
use crate::date::PartialDate;
use crate::front_matter::Status;
use crate::glossary::Glossary;

/// The whole manual.
#[derive(Debug)]
pub struct Manual {
    pub config: Config,
    pub glossary: Glossary,
    pub parts: Vec<Part>,
    /// Every published chapter, in reading order (the order of the contents page).
    pub chapters: Vec<Chapter>,
    /// Chapter ids to their index in `chapters`.
    pub by_id: HashMap<ChapterId, usize>,
    /// Source paths (relative to the root) to the index in `chapters`, for relative `.md` links.
    pub by_path: HashMap<PathBuf, usize>,
    /// The ids (as their file names give them) of chapter files that could not be read: links
    /// to them are not reported as broken, since the file's own error says what to fix.
    pub unreadable: std::collections::HashSet<String>,
}

impl Manual {
    pub fn chapter(&self, id: &ChapterId) -> Option<&Chapter> {
        self.by_id.get(id).map(|&i| &self.chapters[i])
    }

    pub fn chapter_by_str(&self, id: &str) -> Option<&Chapter> {
        ChapterId::new(id).ok().and_then(|id| self.chapter(&id))
    }
}

/// A top-level folder of `content/`: "1. All Children".
#[derive(Debug, Clone)]
pub struct Part {
    pub number: Number,
    pub title: String,
    pub caption: Option<String>,
    pub note: Option<String>,
    pub see_also: Vec<SeeAlso>,
    pub path: PathBuf,
    pub items: Vec<PartItem>,
}

/// What a part holds, in order: sub-sections and chapters share one numbering sequence.
#[derive(Debug, Clone)]
pub enum PartItem {
    SubSection(SubSection),
    /// An index into `Manual::chapters`.
    Chapter(usize),
}

/// A folder inside a part: "1.3 Assessment and Planning".
#[derive(Debug, Clone)]
pub struct SubSection {
    pub number: Number,
    pub title: String,
    pub note: Option<String>,
    pub see_also: Vec<SeeAlso>,
    pub path: PathBuf,
    /// Indices into `Manual::chapters`.
    pub chapters: Vec<usize>,
}

/// A "See also" line under a chapter, part or sub-section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeeAlso {
    /// Another chapter; checked to exist once every chapter is known.
    Chapter {
        id: String,
        description: Option<String>,
        /// Where it is written, for the error if the chapter does not exist.
        line: usize,
        column: usize,
    },
    External {
        title: String,
        url: String,
        description: Option<String>,
    },
}

/// One chapter: its settings from front matter and its Markdown body.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub id: ChapterId,
    pub number: Number,
    pub title: String,
    /// The source file, relative to the manual's root.
    pub path: PathBuf,
    /// The whole source file, kept so that diagnostics can show lines of it.
    pub source: std::sync::Arc<str>,
    /// Byte offset of the Markdown body in `source`.
    pub body_offset: usize,
    pub summary: Option<String>,
    pub owner: Option<String>,
    pub review_due: Option<PartialDate>,
    pub updated: Option<PartialDate>,
    pub status: Status,
    pub local: bool,
    pub intranet_only: bool,
    pub external_url: Option<String>,
    pub keywords: Vec<String>,
    pub see_also: Vec<SeeAlso>,
    pub change_note: Option<String>,
    /// Index of its part in `Manual::parts`.
    pub part: usize,
    /// Its sub-section within the part's items, when it has one.
    pub sub_section: Option<usize>,
}

impl Chapter {
    pub fn body(&self) -> &str {
        &self.source[self.body_offset..]
    }

    /// The chapter's page, relative to the site's root; link-out chapters have none.
    pub fn page_path(&self) -> Option<String> {
        self.external_url
            .is_none()
            .then(|| format!("chapters/{}.html", self.id))
    }
}
