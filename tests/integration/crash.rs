//! Crash safety of the version store. `procbook release` is killed (SIGKILL) at random points
//! of a release with real work, many times over; two releases are started at once; the history
//! folder is made unwritable (`chattr +i`); its disk is made full (a small tmpfs, mounted in a
//! private mount namespace). After each, every file recorded before must be byte for byte as it
//! was, `procbook history verify` must pass, and the release must be recorded whole or not at
//! all.
//!
//! `PROCBOOK_CRASH_KILLS` sets how many kills (default 50), `PROCBOOK_CRASH_ROUNDS` how many
//! rounds of two releases at once (default 12) and `PROCBOOK_CRASH_SEED` the seed of the random
//! delays; `python3 bench/crash.py` runs the long campaign on a release build.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::harness::{ManualTest, Run, TODAY, copy_dir};

const DATE: &str = "2026-11-15";
const LATER: &str = "2026-11-20";
/// The default seed of the delays.
const SEED: u64 = 0x5EED_0FC0_FFEE;
const ADDED: &str = "content/02-case-management-and-recording/09-out-of-hours-recording.md";
const REMOVED: &str = "content/06-contacts-and-appendices/01-local-contacts.md";

/// A tiny deterministic random number generator (xorshift64*), so that a failing campaign can be
/// run again with the same delays from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        }
        Err(_) => default,
    }
}

/// The demo manual (six releases recorded) with a month's work waiting to be released: twelve
/// chapters given a new section, one chapter added and one removed.
fn demo_with_edits() -> ManualTest {
    let t = ManualTest::demo();
    let mut chapters: Vec<PathBuf> = walkdir::WalkDir::new(t.root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .collect();
    chapters.sort();
    for path in chapters.iter().take(12) {
        let mut text = fs::read_to_string(path).unwrap();
        text.push_str(
            "\n## Changes in November\n\nManagers must now confirm in the case record that the \
             child's views were sought and recorded before any decision is signed off, and say \
             why where they could not be.\n",
        );
        fs::write(path, text).unwrap();
    }
    t.write(
        ADDED,
        "---\ntitle: Out of Hours Recording\n---\n\n## Purpose\n\nHow the emergency duty team \
         records contacts made out of hours, and passes them to the day teams.\n\n## Recording\n\n\
         Every contact is recorded on the child's file before the end of the shift.\n",
    );
    t.remove(REMOVED);
    t
}

/// A manual in a temporary folder of its own.
struct Scratch {
    _dir: TempDir,
    root: PathBuf,
}

fn copy_of(root: &Path) -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("manual");
    copy_dir(root, &copy);
    Scratch {
        _dir: dir,
        root: copy,
    }
}

fn procbook(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_procbook"));
    command
        .args(args)
        .current_dir(root)
        .env("PROCBOOK_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(root: &Path, args: &[&str]) -> Run {
    procbook(root, args).output().expect("run procbook").into()
}

/// Every file under `history/`, by its path relative to `history/`.
type Files = BTreeMap<String, Vec<u8>>;

fn history_files(history: &Path) -> Files {
    walkdir::WalkDir::new(history)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(history).unwrap();
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The files an uninterrupted release of `date` adds to the history, and how long it takes: the
/// quickest of three runs after a first (which also fills the redline cache in `.procbook/`, as
/// the runs under test find it).
fn reference(pristine: &Path, before: &Files, date: &str) -> (Files, Duration) {
    let copy = copy_of(pristine);
    let mut added: Option<Files> = None;
    let mut times = Vec::new();
    for i in 0..4 {
        if i > 0 {
            reset(&copy.root, pristine);
        }
        let started = Instant::now();
        let run = run(&copy.root, &["release", "--date", date]);
        times.push(started.elapsed());
        assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
        let new: Files = history_files(&copy.root.join("history"))
            .into_iter()
            .filter(|(k, _)| !before.contains_key(k))
            .collect();
        assert!(new.contains_key(&format!("releases/{date}.yaml")));
        assert_eq!(
            new.keys().filter(|k| k.starts_with("versions/")).count(),
            13,
            "twelve changed chapters and one added: {:?}",
            new.keys()
        );
        if let Some(first) = &added {
            assert_eq!(first, &new, "a release must be repeatable");
        }
        added = Some(new);
    }
    // The quickest: other work on the machine only ever adds to it.
    let warm = times[1..].iter().min().copied().unwrap();
    (added.unwrap(), warm)
}

/// A lock left by a killed release, or a temporary file a killed write left.
fn is_leftover(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path == ".release.lock" || (name.starts_with('.') && name.contains(".tmp-"))
}

/// What is wrong with the history of the manual at `root`, if anything. It must verify, hold
/// every file of `before` byte for byte and no other file but files of `release`, whole. A
/// `settled` history (no release cut short since the last one that finished) has no leftovers
/// either: no lock, no temporary file, no version that no release names.
fn damage(root: &Path, before: &Files, release: &Files, settled: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let verify = run(root, &["history", "verify"]);
    if verify.status != 0 {
        problems.push(format!("verify failed: {}", verify.stderr));
    } else if settled && !verify.stderr.is_empty() {
        problems.push(format!("verify warned: {}", verify.stderr));
    }
    let now = history_files(&root.join("history"));
    for (path, bytes) in before {
        match now.get(path) {
            None => problems.push(format!("{path} is gone")),
            Some(b) if b != bytes => problems.push(format!("{path} was changed")),
            Some(_) => {}
        }
    }
    for (path, bytes) in &now {
        if before.contains_key(path) {
            continue;
        }
        match release.get(path) {
            Some(expected) if expected == bytes => {}
            Some(_) => problems.push(format!("{path} is not what the release writes")),
            None if is_leftover(path) && !settled => {}
            None => problems.push(format!("{path} should not be there")),
        }
    }
    if settled {
        let recorded = release.keys().all(|k| now.contains_key(k));
        let none = release.keys().all(|k| !now.contains_key(k));
        if !recorded && !none {
            problems.push("the release is recorded in part".to_owned());
        }
    }
    problems
}

fn reset(work: &Path, pristine: &Path) {
    fs::remove_dir_all(work.join("history")).unwrap();
    copy_dir(&pristine.join("history"), &work.join("history"));
}

/// Where a kill landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landed {
    /// Before the release wrote anything to `history/`.
    BeforeWriting,
    /// While it wrote its versions: something in `history/` changed, the release file is not
    /// there yet.
    WhileWriting,
    /// After the release file was written (the commit point), before the process ended.
    AfterCommit,
    /// The release had finished by itself.
    Finished,
}

#[test]
fn a_release_killed_at_random_points_loses_nothing_and_is_redone_exactly_once() {
    let kills = env_number("PROCBOOK_CRASH_KILLS", 50);
    let seed = env_number("PROCBOOK_CRASH_SEED", SEED);
    let pristine = demo_with_edits();
    let before = history_files(&pristine.root.join("history"));
    let (release, took) = reference(&pristine.root, &before, DATE);
    let release_file = format!("releases/{DATE}.yaml");

    let work = copy_of(&pristine.root);
    let mut rng = Rng::new(seed);
    let mut landed = BTreeMap::new();
    let mut failures = Vec::new();
    let started = Instant::now();
    for i in 0..kills {
        let delay = took.mul_f64(1.2 * rng.unit());
        let prior = history_files(&work.root.join("history"));
        let mut child = procbook(&work.root, &["release", "--date", DATE])
            .spawn()
            .expect("start procbook");
        std::thread::sleep(delay);
        let _ = child.kill();
        let out: Output = child.wait_with_output().expect("wait for procbook");
        let now = history_files(&work.root.join("history"));
        let recorded = now.contains_key(&release_file);
        let where_ = match (out.status.signal(), out.status.code()) {
            (Some(9), _) if recorded => Landed::AfterCommit,
            (Some(9), _) if now != prior => Landed::WhileWriting,
            (Some(9), _) => Landed::BeforeWriting,
            (_, Some(0)) => Landed::Finished,
            _ => {
                failures.push(format!(
                    "kill {i} after {delay:?}: procbook ended with {} and said: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
                reset(&work.root, &pristine.root);
                continue;
            }
        };
        *landed.entry(format!("{where_:?}")).or_insert(0) += 1;
        let problems = damage(&work.root, &before, &release, where_ == Landed::Finished);
        if !problems.is_empty() {
            failures.push(format!(
                "kill {i} after {delay:?} ({where_:?}): {}",
                problems.join("; ")
            ));
        }
        if recorded || !problems.is_empty() {
            reset(&work.root, &pristine.root);
        }
    }
    let count = |k: Landed| landed.get(&format!("{k:?}")).copied().unwrap_or(0);
    eprintln!(
        "crash campaign: {kills} kills (seed {seed:#x}) over 0 to 1.2 times an uninterrupted \
         release of {:.0} ms, in {:.1} s: {} before writing, {} while writing the versions, {} \
         after the commit point, {} after the release had finished; {} failures",
        took.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64(),
        count(Landed::BeforeWriting),
        count(Landed::WhileWriting),
        count(Landed::AfterCommit),
        count(Landed::Finished),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Whatever the kills left, the release runs to the end and records everything once.
    let done = run(&work.root, &["release", "--date", DATE]);
    assert_eq!(done.status, 0, "{}{}", done.stdout, done.stderr);
    assert!(
        done.stdout
            .contains(&format!("Recorded in history/releases/{DATE}.yaml.")),
        "{}",
        done.stdout
    );
    assert_eq!(
        damage(&work.root, &before, &release, true),
        Vec::<String>::new()
    );
    let after = history_files(&work.root.join("history"));
    assert_eq!(after.len(), before.len() + release.len());

    // And cannot be recorded twice.
    let again = run(&work.root, &["release", "--date", DATE]);
    assert_eq!(again.status, 1, "{}{}", again.stdout, again.stderr);
    again.assert_stderr_has(&[&format!(
        "the last release was on {DATE}, so a new release must be dated after it"
    )]);
    assert_eq!(history_files(&work.root.join("history")), after);
}

/// What the release that did not record said.
const REFUSALS: &[&str] = &[
    "another release is being recorded",
    "already exists",
    "so a new release must be dated after it",
    "was recorded while this one was being prepared",
    "No chapter has changed",
];

#[test]
fn two_releases_at_once_record_one_and_corrupt_nothing() {
    let pristine = demo_with_edits();
    let before = history_files(&pristine.root.join("history"));
    let (same, took) = reference(&pristine.root, &before, DATE);
    let (later, _) = reference(&pristine.root, &before, LATER);
    let mut rng = Rng::new(env_number("PROCBOOK_CRASH_SEED", SEED));
    let rounds = env_number("PROCBOOK_CRASH_ROUNDS", 12);
    let mut refusals: BTreeMap<&str, usize> = BTreeMap::new();
    for round in 0..rounds {
        let work = copy_of(&pristine.root);
        // Every third round starts from a lock left by a killed release: both must find it
        // free, and only one may take it.
        if round % 3 == 2 {
            fs::write(work.root.join("history/.release.lock"), "4294967294\n").unwrap();
        }
        let dates = if round % 2 == 0 {
            [DATE, DATE]
        } else {
            [DATE, LATER]
        };
        // The first rounds start both together; the rest start the second at a random point
        // of the first, so that it plans while the first records.
        let offset = if round < 2 {
            Duration::ZERO
        } else {
            took.mul_f64(rng.unit())
        };
        let first = procbook(&work.root, &["release", "--date", dates[0]])
            .spawn()
            .unwrap();
        std::thread::sleep(offset);
        let second = procbook(&work.root, &["release", "--date", dates[1]])
            .spawn()
            .unwrap();
        let runs: Vec<Run> = [first, second]
            .into_iter()
            .map(|c| c.wait_with_output().unwrap().into())
            .collect();
        let context = || {
            format!(
                "round {round} ({dates:?}, second started after {offset:?}):\n{}",
                runs.iter()
                    .map(|r| format!("exit {}\n{}{}", r.status, r.stdout, r.stderr))
                    .collect::<Vec<_>>()
                    .join("\n---\n")
            )
        };
        let recorded: Vec<usize> = (0..2)
            .filter(|&i| runs[i].stdout.contains("Recorded in history/releases/"))
            .collect();
        assert_eq!(recorded.len(), 1, "exactly one must record: {}", context());
        let winner = recorded[0];
        let loser = &runs[1 - winner];
        let said = format!("{}{}", loser.stdout, loser.stderr);
        let Some(refusal) = REFUSALS.iter().find(|r| said.contains(*r)) else {
            panic!("the other must say why it did not record: {}", context());
        };
        assert!(
            loser.status == 1 || refusal.starts_with("No chapter"),
            "{}",
            context()
        );
        *refusals.entry(refusal).or_insert(0) += 1;
        let expected = if dates[winner] == DATE { &same } else { &later };
        let problems = damage(&work.root, &before, expected, true);
        assert!(problems.is_empty(), "{problems:?}: {}", context());
        assert_eq!(
            history_files(&work.root.join("history")).len(),
            before.len() + expected.len(),
            "{}",
            context()
        );
    }
    eprintln!("two releases at once, {rounds} rounds: the other said {refusals:?}");
}

/// `chattr +i` on a path (and everything in it) for as long as it lives: removed again however
/// the test ends. None when the file system or the user cannot set it.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let guard = Immutable(path.to_path_buf());
        let set = Command::new("chattr")
            .arg("-R")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        // It must really stop writes (as it does for root, who ignores permissions).
        if !set || fs::write(path.join(".probe"), "x").is_ok() {
            let _ = fs::remove_file(path.join(".probe"));
            eprintln!(
                "note: skipped: `chattr +i` is not available here or does not stop writes to {}",
                path.display()
            );
            return None;
        }
        Some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr")
            .arg("-R")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

/// A release into a folder that cannot be written fails naming the file, records nothing and
/// leaves nothing behind, whether it fails at the first version or at the release file.
#[test]
fn a_release_into_an_unwritable_history_says_so_and_leaves_it_as_it_was() {
    for (folder, shown) in [
        (
            "versions",
            "history/versions/childrens-services-policies/2026-11-15.md",
        ),
        ("releases", "history/releases/2026-11-15.yaml"),
    ] {
        let t = demo_with_edits();
        let before = history_files(&t.root.join("history"));
        let Some(guard) = Immutable::set(&t.root.join("history").join(folder)) else {
            return;
        };
        let run = t.run(&["release", "--date", DATE]);
        drop(guard);
        assert_eq!(run.status, 1, "{folder}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "error: cannot write this file: Operation not permitted (os error 1)\n  --> {shown}\n"
            )),
            "{folder}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("= help: nothing was recorded: the history folder cannot be written"),
            "{folder}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("Recorded in"), "{}", run.stdout);
        assert_eq!(history_files(&t.root.join("history")), before, "{folder}");
        assert!(
            !t.root
                .join("history/versions/out-of-hours-recording")
                .exists(),
            "{folder}: the added chapter's folder is left behind"
        );
        let verify = t.ok(&["history", "verify"]);
        assert!(verify.stderr.is_empty(), "{}", verify.stderr);
        // Once the folder can be written again, the release goes through.
        t.ok(&["release", "--date", DATE]);
    }
}

/// A full disk: the manual on a small tmpfs (in a private mount namespace, so nothing outside
/// the test sees it) filled up but for `free` KiB, so the release runs out of space at its first
/// version or after writing some. It must say the disk is full, record nothing and leave
/// nothing behind.
#[test]
fn a_release_on_a_full_disk_says_so_and_leaves_the_history_as_it_was() {
    let pristine = demo_with_edits();
    let before = history_files(&pristine.root.join("history"));
    let probe = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && touch \"$d/x\"")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !probe {
        eprintln!(
            "note: skipped: cannot mount a small file system in a private mount namespace here \
             (needs `unshare --mount` and the right to mount tmpfs)"
        );
        return;
    }
    const SCRIPT: &str = r#"
        set -u
        disk="$1"; manual="$2"; out="$3"; bin="$4"; free_kib="$5"
        mount -t tmpfs -o size=4m tmpfs "$disk" || exit 99
        cp -a "$manual" "$disk/manual" || exit 98
        head -c $((free_kib * 1024)) /dev/zero > "$disk/spare"
        cat /dev/zero > "$disk/fill" 2>/dev/null
        rm "$disk/spare"
        cd "$disk/manual"
        "$bin" release --date 2026-11-15 > "$out/release.out" 2> "$out/release.err"
        echo $? > "$out/release.code"
        "$bin" history verify > "$out/verify.out" 2> "$out/verify.err"
        echo $? > "$out/verify.code"
        cp -a history "$out/history"
    "#;
    for free in [0, 24] {
        let dir = tempfile::tempdir().unwrap();
        let disk = dir.path().join("disk");
        let out = dir.path().join("out");
        fs::create_dir_all(&disk).unwrap();
        fs::create_dir_all(&out).unwrap();
        let status = Command::new("unshare")
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                SCRIPT,
                "sh",
            ])
            .arg(&disk)
            .arg(&pristine.root)
            .arg(&out)
            .arg(env!("CARGO_BIN_EXE_procbook"))
            .arg(free.to_string())
            .env("PROCBOOK_TODAY", TODAY)
            .env("NO_COLOR", "1")
            .status()
            .unwrap();
        assert!(status.success(), "the full-disk script failed: {status}");
        let read = |name: &str| fs::read_to_string(out.join(name)).unwrap();
        let said = read("release.err");
        assert_eq!(
            read("release.code").trim(),
            "1",
            "{free} KiB free: {}{said}",
            read("release.out")
        );
        assert!(
            said.contains("error: cannot write this file: No space left on device (os error 28)\n  --> history/"),
            "{free} KiB free: {said}"
        );
        assert!(
            said.contains("= help: nothing was recorded: the disk is full"),
            "{free} KiB free: {said}"
        );
        assert_eq!(read("verify.code").trim(), "0", "{}", read("verify.err"));
        assert!(read("verify.err").is_empty(), "{}", read("verify.err"));
        assert_eq!(
            history_files(&out.join("history")),
            before,
            "{free} KiB free"
        );
    }
}
