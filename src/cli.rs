//! The command line, declared with clap's derive API. No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new manual with sample chapters in DIR
    #[command(after_help = "Example:\n  procbook init exampleshire-manual")]
    Init {
        /// A new or empty folder
        dir: PathBuf,
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
    },
    /// Check the manual for problems without writing anything
    #[command(after_help = "Example:\n  procbook check --root ../manual")]
    Check {
        #[command(flatten)]
        root: RootArg,
        /// Check `status: draft` chapters too
        #[arg(long)]
        drafts: bool,
    },
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The manual's folder: the one with manual.yaml (default: the current folder)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}
