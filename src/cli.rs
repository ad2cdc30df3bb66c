//! The command line, declared with clap's derive API. No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Number;

#[derive(Debug, Parser)]
#[command(
    name = "procbook",
    version,
    about = "Publishes a procedures manual, written as Markdown chapters, as a static website",
    after_help = "Examples:\n  procbook init my-manual\n  procbook build --root my-manual\n  procbook check"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print only errors
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: timings of each stage, and every page a rebuild changed
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new manual with sample chapters in DIR
    #[command(after_help = "Example:\n  procbook init exampleshire-manual")]
    Init {
        /// A new or empty folder
        dir: PathBuf,
    },
    /// Add a chapter, a sub-section or a part: the file in the right folder, with its front matter to fill in
    #[command(
        after_help = "Examples:\n  procbook new chapter \"Kinship Care\" --in 3.4\n  procbook new chapter \"Private Fostering\" --in 3.4 --after 3.4.2\n  procbook new section \"Kinship Care\" --in 3\n  procbook new part \"Private Fostering\" --after 5"
    )]
    New {
        #[command(subcommand)]
        command: NewCommand,
    },
    /// Build the manual into a static website
    #[command(
        after_help = "Examples:\n  procbook build\n  procbook build --root ../manual --out /var/www/manual"
    )]
    Build {
        #[command(flatten)]
        root: RootArg,
        /// Where to write the site (default: public/ in the manual's folder)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Publish chapters whose status is `draft` too
        #[arg(long)]
        drafts: bool,
        /// Leave out the search index (a quicker build for previews; the search page then says search is unavailable)
        #[arg(long)]
        no_search: bool,
    },
    /// Preview the manual in a browser, rebuilt and reloaded as you save
    #[command(
        after_help = "Examples:\n  procbook serve\n  procbook serve --root ../manual --port 8080 --open\n  procbook serve --poll        (for network drives and WSL)\n\nThe preview is served only to this computer unless --host says otherwise."
    )]
    Serve {
        #[command(flatten)]
        root: RootArg,
        /// The port to serve on
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// The address to serve on; 0.0.0.0 lets other computers see the preview
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Open the manual in the default browser
        #[arg(long)]
        open: bool,
        /// Look for changes every half second instead of relying on file events (network drives, WSL)
        #[arg(long)]
        poll: bool,
        /// Show chapters whose status is `draft` too
        #[arg(long)]
        drafts: bool,
    },
    /// Record a release: every chapter changed since the last one, with its amendment note
    #[command(
        after_help = "Examples:\n  procbook release --dry-run\n  procbook release --date 2024-07-15"
    )]
    Release {
        #[command(flatten)]
        root: RootArg,
        /// The release's date, YYYY-MM-DD (default: today)
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Show what would be recorded, and record nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Look after the release history in history/
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
    /// Compare two versions of a chapter and write the amendment note
    #[command(
        after_help = "Example:\n  procbook diff old/private-fostering.md content/03-x/02-private-fostering.md --format json"
    )]
    Diff {
        /// The earlier version (a chapter file, with or without front matter)
        old: PathBuf,
        /// The later version
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the amendments summary for managers
    #[command(
        after_help = "Examples:\n  procbook amendments\n  procbook amendments --month 2024-07 --format html > july.html"
    )]
    Amendments {
        #[command(flatten)]
        root: RootArg,
        /// Only the releases of this month, YYYY-MM (default: all)
        #[arg(long, value_name = "MONTH")]
        month: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: AmendmentsFormat,
    },
    /// Search the manual as readers do, from the command line
    #[command(
        after_help = "Examples:\n  procbook search \"strategy discussion timescales\"\n  procbook search UASC --limit 5 --format json"
    )]
    Search {
        /// Words to find; \"quoted words\" as a phrase
        query: String,
        #[command(flatten)]
        root: RootArg,
        /// How many results at most
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check the manual for problems, and list the chapters due for review and the changes since the last release; writes nothing
    #[command(
        after_help = "Examples:\n  procbook check --root ../manual\n  procbook check --strict --format json"
    )]
    Check {
        #[command(flatten)]
        root: RootArg,
        /// Check `status: draft` chapters too
        #[arg(long)]
        drafts: bool,
        /// `json` prints the problems and both lists as one JSON document, for other tools
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Warnings fail too: exit code 2 when there are warnings but no errors
        #[arg(long)]
        strict: bool,
        /// Also ask every web page the manual links to whether it is still there (needs the network)
        #[arg(long)]
        external: bool,
        /// With --external: the longest wait for one page, in seconds
        #[arg(
            long,
            default_value_t = 10,
            value_name = "SECONDS",
            requires = "external"
        )]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// A new chapter, as a draft, at the end of a part or sub-section or right after an item in it
    #[command(
        after_help = "Examples:\n  procbook new chapter \"Kinship Care\" --in 3.4\n  procbook new chapter \"Private Fostering\" --in 3.4 --after 3.4.2\n  procbook new chapter \"Private Fostering Assessments\" --in 3.4 --after private-fostering\n\nThe chapter starts as a draft (`status: draft`), left out of the site until you change that to\n`current`, with its title, a new id, and a summary, owner and review date to fill in.\nNo other file is renamed or changed: between 02-a.md and 03-b.md it is named 02.5-its-title.md."
    )]
    Chapter(NewArgs),
    /// A new sub-section (a folder with its _index.md) at the end of a part or right after an item in it
    #[command(
        after_help = "Examples:\n  procbook new section \"Kinship Care\" --in 3\n  procbook new section \"Kinship Care\" --in 3 --after 3.2\n\nThen add chapters to it with: procbook new chapter \"Title\" --in 3.3"
    )]
    Section(NewArgs),
    /// A new part (a folder in content/ with its _index.md) at the end of the manual or right after a part
    #[command(
        after_help = "Examples:\n  procbook new part \"Private Fostering\"\n  procbook new part \"Private Fostering\" --after 5\n\nThen add sub-sections or chapters to it with: procbook new section \"Title\" --in 6"
    )]
    Part(NewPartArgs),
}

#[derive(Debug, Args)]
pub struct NewPartArgs {
    /// The title, in quotes
    pub title: String,
    /// The number of the part to put it right after (default: at the end)
    #[arg(long, value_name = "NUMBER")]
    pub after: Option<Number>,
    #[command(flatten)]
    pub root: RootArg,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The title, in quotes
    pub title: String,
    /// The number of the part or sub-section to put it in (a part, for a sub-section)
    #[arg(long = "in", value_name = "NUMBER")]
    pub within: Number,
    /// The item to put it right after: its number, or a chapter's id (which a draft has, though
    /// it has no number until it is published) (default: at the end)
    #[arg(long, value_name = "ITEM")]
    pub after: Option<crate::scaffold::After>,
    #[command(flatten)]
    pub root: RootArg,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Check that every released version is present and unchanged
    #[command(after_help = "Example:\n  procbook history verify")]
    Verify {
        #[command(flatten)]
        root: RootArg,
    },
}

/// Output for people (`text`) or for tools (`json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AmendmentsFormat {
    Text,
    Md,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The manual's folder: the one with manual.yaml (default: the current folder)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}
