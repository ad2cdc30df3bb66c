//! `serve`: the in-memory session it rebuilds after each edit (byte for byte what `build`
//! writes, whatever the edit), and the server itself driven over HTTP.

use std::path::{Path, PathBuf};

use procbook::build::{BuildOptions, build};
use procbook::session::{Outcome, Session};

use crate::harness::{ManualTest, TODAY};

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_owned(),
        drafts: false,
        today: chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
        search: true,
        site: None,
    }
}

/// Rebuilds after `changed` and asserts the session's site is exactly a fresh build's.
/// Returns the files the rebuild said changed.
fn rebuild_matches_build(session: &mut Session, root: &Path, changed: &[&str]) -> Vec<String> {
    let paths: Vec<PathBuf> = changed.iter().map(|p| root.join(p)).collect();
    let (snapshot, changed) = match session.rebuild(&paths) {
        Outcome::Built {
            snapshot, changed, ..
        } => (snapshot, changed),
        Outcome::Failed { diagnostics } => panic!("rebuild failed:\n{diagnostics}"),
    };
    let mut full = build(&options(root)).expect("full build").files;
    full.sort_by(|a, b| a.path.cmp(&b.path));
    let incremental = snapshot.all_files();
    let paths = |files: &[procbook::render::OutputFile]| -> Vec<String> {
        files.iter().map(|f| f.path.clone()).collect()
    };
    assert_eq!(paths(&incremental), paths(&full), "the same files");
    for (a, b) in incremental.iter().zip(&full) {
        assert!(
            a.bytes == b.bytes,
            "{} differs from a full build after editing {changed:?}",
            a.path
        );
    }
    changed
}

const MOBILE: &str = "content/02-case-management-and-recording/05-mobile-devices.md";
const RECORDS: &str = "content/02-case-management-and-recording/02-case-records-and-retention.md";

#[test]
fn every_kind_of_edit_rebuilds_to_exactly_what_build_writes() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    rebuild_matches_build(&mut session, &root, &[]);

    // A body edit changes that chapter's page and nothing else a reader can open.
    t.edit(MOBILE, "lost or stolen", "lost, stolen or left unattended");
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert_eq!(changed, ["chapters/mobile-devices.html"]);

    // Nothing changed: nothing to reload.
    assert!(rebuild_matches_build(&mut session, &root, &[]).is_empty());

    // A new title reaches the contents page, the neighbours' links and the pages that list it.
    t.edit(
        MOBILE,
        "title: Storage of Data on Mobile Devices",
        "title: Mobile Devices and Data",
    );
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert!(changed.contains(&"index.html".to_owned()), "{changed:?}");
    assert!(changed.contains(&"chapters/supervision-policy.html".to_owned()));
    assert!(!changed.contains(&"chapters/assessments.html".to_owned()));

    // A new chapter, a chapter moved with its id, and one deleted.
    t.write(
        "content/02-case-management-and-recording/06-new-guidance.md",
        "---\ntitle: New Guidance\nsummary: Something new.\n---\n\n## First\n\nText about [records](chapter:case-records-and-retention).\n",
    );
    rebuild_matches_build(
        &mut session,
        &root,
        &["content/02-case-management-and-recording/06-new-guidance.md"],
    );
    t.rename(
        "content/02-case-management-and-recording/06-new-guidance.md",
        "content/01-all-children/07-new-guidance.md",
    );
    rebuild_matches_build(
        &mut session,
        &root,
        &[
            "content/02-case-management-and-recording/06-new-guidance.md",
            "content/01-all-children/07-new-guidance.md",
        ],
    );
    t.remove("content/01-all-children/07-new-guidance.md");
    rebuild_matches_build(
        &mut session,
        &root,
        &["content/01-all-children/07-new-guidance.md"],
    );

    // Front matter only, the glossary, the settings and a template.
    t.edit(RECORDS, "keywords: [", "keywords: [archive, ");
    rebuild_matches_build(&mut session, &root, &[RECORDS]);
    let glossary = std::fs::read_to_string(root.join("glossary.yaml")).unwrap();
    t.write(
        "glossary.yaml",
        &format!("{glossary}\n- term: Zeta Plan\n  definition: A made-up plan for this test.\n"),
    );
    rebuild_matches_build(&mut session, &root, &["glossary.yaml"]);
    t.edit("manual.yaml", "title:", "title: Revised");
    rebuild_matches_build(&mut session, &root, &["manual.yaml"]);
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/chapter.html"),
    )
    .unwrap();
    t.write(
        "themes/default/templates/chapter.html",
        &template.replacen(
            "{% block content %}",
            "{% block content %}<!-- edited -->",
            1,
        ),
    );
    let changed = rebuild_matches_build(
        &mut session,
        &root,
        &["themes/default/templates/chapter.html"],
    );
    assert!(changed.contains(&"chapters/mobile-devices.html".to_owned()));
}

#[test]
fn a_broken_chapter_keeps_the_last_good_site_until_it_is_fixed() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    rebuild_matches_build(&mut session, &root, &[]);
    let good = std::fs::read_to_string(root.join(MOBILE)).unwrap();

    t.write(MOBILE, "---\ntitle: Half written\n");
    match session.rebuild(&[root.join(MOBILE)]) {
        Outcome::Failed { diagnostics } => {
            let text = diagnostics.to_string();
            assert!(text.contains("05-mobile-devices.md"), "{text}");
        }
        Outcome::Built { .. } => panic!("a half-written file must not build"),
    }
    let kept = session.current().expect("the last good site");
    let page = kept.get("chapters/mobile-devices.html").unwrap();
    assert!(String::from_utf8_lossy(&page).contains("Storage of Data on Mobile Devices"));

    t.write(MOBILE, &good.replace("lost or stolen", "mislaid"));
    let changed = rebuild_matches_build(&mut session, &root, &[MOBILE]);
    assert_eq!(changed, ["chapters/mobile-devices.html"]);
}

#[test]
fn the_preview_banner_counts_chapters_changed_since_the_last_release() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    let banner = |session: &mut Session| match session.rebuild(&[]) {
        Outcome::Built { snapshot, .. } => snapshot.banner.clone(),
        Outcome::Failed { diagnostics } => panic!("{diagnostics}"),
    };
    let before = banner(&mut session);
    assert!(before.starts_with("Preview: "), "{before}");
    assert!(before.contains("October 2026 release"), "{before}");
    // A change to the summary alone is not recorded by a release; these are.
    t.edit(MOBILE, "lost or stolen", "lost, stolen or left unattended");
    assert_eq!(banner(&mut session), before);
    t.edit(
        MOBILE,
        "Only council-issued, managed devices",
        "Only council-issued devices",
    );
    t.edit(
        RECORDS,
        "\n## ",
        "\n## A new first section\n\nWords.\n\n## ",
    );
    let after = banner(&mut session);
    let count = |s: &str| -> usize {
        s.split_whitespace()
            .nth(1)
            .and_then(|w| w.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(count(&after), count(&before) + 2, "{before} → {after}");
}

/// A running `procbook serve` on a free port, stopped when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
    /// What it printed, read on a thread of its own.
    output: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        Server::start_with(root, &[])
    }

    /// Starts `procbook serve --port 0` with `args` too.
    fn start_with(root: &Path, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_procbook"))
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(root)
            .env("PROCBOOK_TODAY", TODAY)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start procbook serve");
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        for (reader, is_stdout) in [
            (
                Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
                true,
            ),
            (Box::new(child.stderr.take().unwrap()), false),
        ] {
            let output = output.clone();
            let port_tx = port_tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(reader)
                    .lines()
                    .map_while(Result::ok)
                {
                    output.lock().unwrap().push_str(&format!("{line}\n"));
                    if is_stdout && let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                        let port: u16 = rest.trim_end_matches('/').parse().unwrap();
                        let _ = port_tx.send(port);
                    }
                }
            });
        }
        let port = port_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("serve did not start:\n{}", output.lock().unwrap()));
        Server {
            child,
            port,
            output,
        }
    }

    /// Sends `GET path` exactly as written; returns the status and body.
    fn get(&self, path: &str) -> (u16, String) {
        self.get_with(path, "")
    }

    /// `get` with more header lines (each ending in CRLF).
    fn get_with(&self, path: &str, headers: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        (status, body.to_owned())
    }

    /// Opens the live-reload event stream.
    fn events(&self) -> Events {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(100)))
            .unwrap();
        write!(
            stream,
            "GET /__procbook/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            stream,
            seen: String::new(),
        };
        assert!(
            events.wait_for("event: hello", 1, std::time::Duration::from_secs(10)),
            "no hello event"
        );
        events
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events {
    stream: std::net::TcpStream,
    seen: String,
}

impl Events {
    /// Reads until `needle` has been seen `count` times in all, or `within` has passed.
    fn wait_for(&mut self, needle: &str, count: usize, within: std::time::Duration) -> bool {
        use std::io::Read;
        let deadline = std::time::Instant::now() + within;
        let mut buf = [0u8; 4096];
        while self.seen.matches(needle).count() < count {
            if std::time::Instant::now() > deadline {
                return false;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(_) => {} // timed out: look again
            }
        }
        true
    }

    fn reloads(&self) -> usize {
        self.seen.matches("event: reload").count()
    }
}

/// Saves `text` to `rel` as many editors do: a temporary file renamed over the old one.
fn save_atomically(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    let temp = path.with_extension("md.tmp~");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, &path).unwrap();
}

/// Saves the mobile devices chapter (atomically, as editors do) with "Only council-issued,
/// managed devices" shortened to "Only managed devices", and checks that exactly one reload
/// follows; `when` names the case in the failure message. The events go on being read.
fn shorten_and_expect_one_reload(t: &ManualTest, server: &Server, when: &str) -> Events {
    let mut events = server.events();
    let good = std::fs::read_to_string(t.root.join(MOBILE)).unwrap();
    save_atomically(
        &t.root,
        MOBILE,
        &good.replace(
            "Only council-issued, managed devices",
            "Only managed devices",
        ),
    );
    assert!(
        events.wait_for("event: reload", 1, std::time::Duration::from_secs(20)),
        "no reload {when}:\n{}",
        server.output.lock().unwrap()
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    events.wait_for("never", 1, std::time::Duration::from_millis(200));
    assert_eq!(events.reloads(), 1, "exactly one reload per save");
    events
}

#[test]
fn serve_reloads_once_per_save_shows_errors_and_refuses_traversal() {
    let t = ManualTest::demo();
    let server = Server::start(&t.root);

    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(home.contains("/__procbook/live.js"), "{home}");
    assert!(home.contains("procbook-preview"), "the preview banner");

    // One save, one reload, and the new text.
    let good = std::fs::read_to_string(t.root.join(MOBILE)).unwrap();
    let mut events = shorten_and_expect_one_reload(&t, &server, "after a save");
    let (_, page) = server.get("/chapters/mobile-devices.html");
    assert!(page.contains("Only managed devices"));

    // Broken front matter: the last good page, with the error over it.
    save_atomically(&t.root, MOBILE, "---\ntitle: [unclosed\n---\n\nText.\n");
    assert!(events.wait_for("event: reload", 2, std::time::Duration::from_secs(20)));
    let (status, page) = server.get("/chapters/mobile-devices.html");
    assert_eq!(status, 200);
    assert!(page.contains("procbook-errors"), "the error overlay");
    assert!(
        page.contains("content/02-case-management-and-recording/05-mobile-devices.md:2:"),
        "path:line in the overlay"
    );
    assert!(page.contains("Only managed devices"), "the last good page");

    // Fixed: the overlay goes.
    save_atomically(&t.root, MOBILE, &good);
    assert!(events.wait_for("event: reload", 3, std::time::Duration::from_secs(20)));
    let (_, page) = server.get("/chapters/mobile-devices.html");
    assert!(!page.contains("procbook-errors"));
    assert!(page.contains("Only council-issued, managed devices"));

    // Nothing outside the built site, however the path is written.
    let manual_yaml = std::fs::read_to_string(t.root.join("manual.yaml")).unwrap();
    let long = format!("/{}", "a/".repeat(6000));
    for path in [
        "/../manual.yaml",
        "/%2e%2e/manual.yaml",
        "/%2E%2E%2Fmanual.yaml",
        "/chapters/..%2f..%2fmanual.yaml",
        "/..%5cmanual.yaml",
        "//etc/passwd",
        "/manual.yaml",
        "/content/",
        "/.procbook/redlines.cache",
        long.as_str(),
    ] {
        let (status, body) = server.get(path);
        assert!(
            status == 400 || status == 404 || status == 414 || status == 431,
            "{path}: {status}"
        );
        assert!(
            !body.contains(manual_yaml.trim()),
            "{path} leaked manual.yaml"
        );
        assert!(!body.contains("root:x:0:0"), "{path} leaked /etc/passwd");
    }

    // Search answered by the server, as `procbook search --format json` does.
    let (status, json) = server.get("/api/search?q=missing%20from%20care&limit=3");
    assert_eq!(status, 200);
    let hits: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(hits[0]["id"], "children-missing-from-care", "{json}");
    let (status, json) = server.get("/api/search?q=%22unclosed");
    assert_eq!(status, 200, "{json}");

    // A chapter's excerpts, as the browser's client fetches them: one range of a file of
    // several chapters', the range meta.json gives.
    let (_, meta) = server.get("/search/meta.json");
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let lengths = meta["fragment_bytes"].as_array().unwrap();
    let (first, second) = (lengths[0].as_u64().unwrap(), lengths[1].as_u64().unwrap());
    let (status, whole) = server.get("/search/c/0.jsonl");
    assert_eq!(status, 200);
    let range = format!("Range: bytes={first}-{}\r\n", first + second - 1);
    let (status, line) = server.get_with("/search/c/0.jsonl", &range);
    assert_eq!(status, 206);
    assert_eq!(line, whole[first as usize..(first + second) as usize]);
    let chapter: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(chapter["number"], "1.1.2", "{line}");
    let (status, _) = server.get_with("/search/c/0.jsonl", "Range: bytes=99999999-\r\n");
    assert_eq!(status, 416);
}

#[test]
fn serve_survives_half_written_files_deleted_parts_and_mass_changes() {
    let t = ManualTest::demo();
    let server = Server::start(&t.root);
    let mut events = server.events();
    let mut expected = 0;
    let mut step = |what: &str, change: &dyn Fn()| {
        change();
        expected += 1;
        assert!(
            events.wait_for(
                "event: reload",
                expected,
                std::time::Duration::from_secs(20)
            ),
            "no reload after {what}:\n{}",
            server.output.lock().unwrap()
        );
        // Still serving.
        assert_eq!(server.get("/").0, 200, "after {what}");
    };
    let good = std::fs::read_to_string(t.root.join(MOBILE)).unwrap();
    step("an empty file", &|| save_atomically(&t.root, MOBILE, ""));
    step("invalid UTF-8", &|| {
        std::fs::write(t.root.join(MOBILE), b"---\ntitle: Bad \xff\n---\n").unwrap()
    });
    step("unterminated front matter", &|| {
        std::fs::write(t.root.join(MOBILE), "---\ntitle: Half\nsummary: [").unwrap()
    });
    step("the fix", &|| save_atomically(&t.root, MOBILE, &good));
    assert!(!server.get("/").1.contains("procbook-errors"));

    // Deleting a whole part (chapters elsewhere link into it: errors), then restoring it.
    let part = t.root.join("content/02-case-management-and-recording");
    let aside = t.root.join("part-aside");
    step("deleting a part", &|| {
        std::fs::rename(&part, &aside).unwrap()
    });
    step("restoring it", &|| std::fs::rename(&aside, &part).unwrap());
    assert!(!server.get("/").1.contains("procbook-errors"));

    // 200 files changed at once, as a `git checkout` does.
    let files: Vec<PathBuf> = walkdir::WalkDir::new(t.root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let mut touched = 0;
    for round in 0.. {
        for f in &files {
            if touched == 200 {
                break;
            }
            let text = std::fs::read_to_string(f).unwrap();
            std::fs::write(f, format!("{text}\nChecked in round {round}.\n")).unwrap();
            touched += 1;
        }
        if touched == 200 {
            break;
        }
    }
    assert!(
        events.wait_for(
            "event: reload",
            expected + 1,
            std::time::Duration::from_secs(30)
        ),
        "no reload after 200 changes"
    );
    // Every change arrives, however many rebuilds the burst took, and the errors of any build
    // that read a file half-written clear. (A page can have the changes, from one build, while
    // a later build that caught a file half-written shows its errors over it, until the build
    // after it: so both are waited for together.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, page) = server.get("/chapters/mobile-devices.html");
        assert_eq!(status, 200);
        let (_, index) = server.get("/chapters/recording-policy.html");
        let arrived = page.contains("Checked in round 0.") && index.contains("Checked in round 0.");
        if arrived && !page.contains("procbook-errors") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the burst of changes never fully arrived (changes there: {arrived}; errors shown: {}):\n{}",
            page.contains("procbook-errors"),
            server.output.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn polling_sees_a_save_and_reloads_once() {
    let t = ManualTest::demo();
    let server = Server::start_with(&t.root, &["--poll"]);
    let said = || server.output.lock().unwrap().clone();
    for _ in 0..50 {
        if said().contains("Watching") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(said().contains("for changes (polling)"), "{}", said());
    shorten_and_expect_one_reload(&t, &server, "when polling");
    assert!(
        server
            .get("/chapters/mobile-devices.html")
            .1
            .contains("Only managed devices")
    );
}

#[test]
fn serve_explains_a_port_in_use_and_a_folder_that_is_not_a_manual() {
    let t = ManualTest::demo();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = t.run(&["serve", "--port", &port]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    run.assert_stderr_has(&[&format!("port {port} is already in use"), "--port"]);

    let empty = tempfile::tempdir().unwrap();
    let run = t.run(&[
        "serve",
        "--port",
        "0",
        "--root",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    run.assert_stderr_has(&["has no manual.yaml", "procbook init"]);
}

#[test]
fn a_release_recorded_while_previewing_reaches_the_pages_and_the_banner() {
    let t = ManualTest::demo();
    let root = t.root.clone();
    let mut session = Session::new(options(&root));
    rebuild_matches_build(&mut session, &root, &[]);
    t.edit(
        MOBILE,
        "Only council-issued, managed devices",
        "Only managed devices",
    );
    rebuild_matches_build(&mut session, &root, &[MOBILE]);
    t.ok(&["release", "--date", "2026-11-20"]);
    let changed = rebuild_matches_build(&mut session, &root, &["history/releases/2026-11-20.yaml"]);
    assert!(
        changed.contains(&"amendments/index.html".to_owned()),
        "{changed:?}"
    );
    let banner = session.current().unwrap().banner.clone();
    assert_eq!(
        banner,
        "Preview: no chapter has changed since the November 2026 release."
    );
}
