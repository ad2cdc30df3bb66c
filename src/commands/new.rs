//! `procbook new chapter|section`: reads the manual, asks `scaffold` where the new item goes
//! and what it starts with, writes it without touching any other file, and says what it made
//! and the number it has.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::{clean_root, fail, report};
use crate::build::today;
use crate::cli::{NewArgs, NewCommand};
use crate::config::Config;
use crate::glossary::Glossary;
use crate::history::Store;
use crate::load::load_content;
use crate::model::{ModelOptions, assemble};
use crate::scaffold::{self, Entry, Kind, NewItem, Preview};

/// `procbook new`: 0 when the item was created, 1 with nothing written.
pub fn new(command: NewCommand) -> anyhow::Result<ExitCode> {
    let (kind, args) = match command {
        NewCommand::Chapter(args) => (Kind::Chapter, args),
        NewCommand::Section(args) => (Kind::Section, args),
    };
    match create(kind, args)? {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(code) => {
            eprintln!("Nothing was written.");
            Ok(code)
        }
    }
}

fn create(kind: Kind, args: NewArgs) -> anyhow::Result<Result<(), ExitCode>> {
    let root = clean_root(args.root.root);
    let today = today().map_err(anyhow::Error::msg)?;
    let title = match scaffold::check_title(&args.title) {
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
    let place = match scaffold::locate(&manual, &tree, kind, &args.within, args.after.as_ref()) {
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
    let folder = (item.kind == Kind::Section).then(|| root.join(&item.path));
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
            Kind::Section => "From the next build",
        };
        out.push_str(&format!(
            "  {when}, the items after it are renumbered: {}.\n",
            changes.join("; ")
        ));
    }
    out.push_str("  No other file was renamed or changed.\n");
    out
}
