//! `procbook new chapter|section|part`: reads the manual, asks `scaffold` where the new item goes
//! and what it starts with, writes it without touching any other file, and says what it made
//! and the number it has.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{clean_root, fail, report};
use crate::build::today;
use crate::cli::NewCommand;
use crate::config::Config;
use crate::glossary::Glossary;
use crate::history::Store;
use crate::load::load_content;
use crate::model::{ModelOptions, Number, assemble};
use crate::scaffold::{self, After, Entry, Kind, NewItem, Preview};

/// Where the new item goes: in a part or sub-section, or (a part) in the manual itself.
enum Where {
    In {
        within: Number,
        after: Option<After>,
    },
    Manual {
        after: Option<Number>,
    },
}

/// `procbook new`: 0 when the item was created, 1 with nothing written.
pub fn new(command: NewCommand) -> anyhow::Result<ExitCode> {
    let in_folder = |kind, args: crate::cli::NewArgs| {
        let place = Where::In {
            within: args.within,
            after: args.after,
        };
        (kind, args.title, args.root.root, place)
    };
    let (kind, title, root, place) = match command {
        NewCommand::Chapter(args) => in_folder(Kind::Chapter, args),
        NewCommand::Section(args) => in_folder(Kind::Section, args),
        NewCommand::Part(args) => (
            Kind::Part,
            args.title,
            args.root.root,
            Where::Manual { after: args.after },
        ),
    };
    match create(kind, &title, root, place)? {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(code) => {
            eprintln!("Nothing was written.");
            Ok(code)
        }
    }
}

fn create(
    kind: Kind,
    title: &str,
    root: PathBuf,
    place: Where,
) -> anyhow::Result<Result<(), ExitCode>> {
    let root = clean_root(root);
    let today = today().map_err(anyhow::Error::msg)?;
    let title = match scaffold::check_title(title) {
        Ok(t) => t,
        Err(d) => return Ok(Err(fail(&d.into()))),
    };
    let config = match Config::from_root(&root) {
        Ok(c) => c,
        Err(d) => return Ok(Err(fail(&d.into()))),
    };
    let tree = match load_content(&root, None) {
        Ok((tree, _)) => tree,
        Err(d) => return Ok(Err(fail(&d.into()))),
    };
    let options = ModelOptions {
        drafts: false,
        today,
    };
    let (manual, diagnostics) = assemble(config.clone(), Glossary::default(), &tree, options, None);
    let with_drafts = || {
        let options = ModelOptions {
            drafts: true,
            today,
        };
        assemble(config.clone(), Glossary::default(), &tree, options, None).0
    };
    let place = match &place {
        Where::In { within, after } => {
            scaffold::locate(&manual, with_drafts, kind, within, after.as_ref())
        }
        Where::Manual { after } => scaffold::locate_part(&manual, after.as_ref()),
    };
    let place = match place {
        Ok(p) => p,
        Err(d) => return Ok(Err(fail(&d.into()))),
    };
    let entries = match list(&root.join(&place.folder)) {
        Ok(e) => e,
        Err(e) => anyhow::bail!("cannot read the folder {}: {e}", place.folder.display()),
    };
    let mut ids = scaffold::ids_in_use(&tree);
    if let Ok(store) = Store::load(&root) {
        ids.extend(store.chapters().into_keys());
    }
    let item = match scaffold::plan(kind, &title, &place, &entries, &ids, today) {
        Ok(item) => item,
        Err(d) => return Ok(Err(fail(&d.into()))),
    };
    let preview = match scaffold::preview(&config, &tree, (&manual, &diagnostics), &item, today) {
        Ok(p) => p,
        Err(problems) => {
            report(&problems);
            eprintln!(
                "The new {} would cause the problems above there: choose another place with --after.",
                kind.noun()
            );
            return Ok(Err(ExitCode::from(1)));
        }
    };
    if let Err(e) = write(&root, &item) {
        let what = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "it is already there, and procbook never writes over a file".to_owned()
        } else {
            e.to_string()
        };
        eprintln!("error: cannot create {}: {what}", item.file.display());
        return Ok(Err(ExitCode::from(1)));
    }
    let report = created(&item, &place.described, &preview);
    say!("{}", report.trim_end_matches('\n'));
    Ok(Ok(()))
}

/// The names in the target folder, files and folders alike.
fn list(folder: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        out.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir: entry.file_type()?.is_dir(),
        });
    }
    Ok(out)
}

/// Writes the new file (and the sub-section's folder), never over anything; on failure it
/// removes what it made.
fn write(root: &Path, item: &NewItem) -> std::io::Result<()> {
    let folder = matches!(item.kind, Kind::Section | Kind::Part).then(|| root.join(&item.path));
    if let Some(dir) = &folder {
        fs::create_dir(dir)?;
    }
    let path = root.join(&item.file);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| {
            let result = file
                .write_all(item.text.as_bytes())
                .and_then(|()| file.sync_all());
            if result.is_err() {
                let _ = fs::remove_file(&path);
            }
            result
        });
    if written.is_err()
        && let Some(dir) = &folder
    {
        let _ = fs::remove_dir(dir);
    }
    written
}

/// What was made, its number, and what it does to the numbers around it.
fn created(item: &NewItem, within: &str, preview: &Preview) -> String {
    let mut out = format!("Created {}\n", item.file.display());
    let number = &preview.number;
    match item.kind {
        Kind::Chapter => {
            let id = item.id.as_ref().map(|i| i.as_str()).unwrap_or_default();
            out.push_str(&format!(
                "  Chapter {number}, {}, in {within} (id: {id}).\n",
                item.title
            ));
            let drafts = match preview.drafts_before.as_slice() {
                [] => None,
                [one] => Some(format!("the draft before it here, {one}, puts")),
                many => Some(format!(
                    "the {} drafts before it here ({}) each put",
                    many.len(),
                    many.join(", ")
                )),
            };
            if let Some(drafts) = drafts {
                out.push_str(&format!(
                    "  Its number counts published chapters only: {drafts} it one later if published first.\n"
                ));
            }
            out.push_str("  It is a draft, left out of the site until you change `status: draft` to `status: current`.\n");
            out.push_str("  Fill in its summary, owner and review date, and write it; `procbook build --drafts` previews it.\n");
        }
        Kind::Section => {
            out.push_str(&format!(
                "  Sub-section {number}, {}, in {within}.\n",
                item.title
            ));
            out.push_str(&format!(
                "  Add chapters to it with: procbook new chapter \"Title\" --in {number}\n"
            ));
        }
        Kind::Part => {
            out.push_str(&format!("  Part {number}, {}.\n", item.title));
            out.push_str(&format!(
                "  Add sub-sections or chapters to it with: procbook new section \"Title\" --in {number}, or procbook new chapter \"Title\" --in {number}\n"
            ));
        }
    }
    if !item.unprefixed_after.is_empty() {
        out.push_str(&format!(
            "  It comes before {}, which {} no NN- prefix (names without one always come last).\n",
            item.unprefixed_after.join(", "),
            if item.unprefixed_after.len() == 1 {
                "has"
            } else {
                "have"
            }
        ));
    }
    if !preview.renumbered.is_empty() {
        let changes: Vec<String> = preview
            .renumbered
            .iter()
            .map(|r| format!("{} {} becomes {}", r.from, r.title, r.to))
            .collect();
        let when = match item.kind {
            Kind::Chapter => "When it is published",
            Kind::Section | Kind::Part => "From the next build",
        };
        out.push_str(&format!(
            "  {when}, the items after it are renumbered: {}.\n",
            changes.join("; ")
        ));
    }
    out.push_str("  No other file was renamed or changed.\n");
    out
}
