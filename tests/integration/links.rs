//! `check --external` against a web server on the loopback address (no test reaches further):
//! dead links reported at their line, slow sites cut off, answers remembered, and the build
//! never asking anything.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::ManualTest;

/// A tiny web server: `/ok` 200, `/gone` 404, `/nohead` refuses HEAD but answers GET,
/// `/moved` redirects to `/ok`, `/slow` answers after 5 s. Records every request.
fn server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_owned();
                let path = parts.next().unwrap_or("").to_owned();
                seen.lock().unwrap().push(format!("{method} {path}"));
                let (status, extra) = match (method.as_str(), path.as_str()) {
                    (_, "/ok") => ("200 OK", ""),
                    (_, "/gone") => ("404 Not Found", ""),
                    ("HEAD", "/nohead") => ("405 Method Not Allowed", ""),
                    (_, "/nohead") => ("200 OK", ""),
                    (_, "/moved") => ("301 Moved Permanently", "Location: /ok\r\n"),
                    (_, "/slow") => {
                        std::thread::sleep(Duration::from_secs(5));
                        ("200 OK", "")
                    }
                    _ => ("500 Internal Server Error", ""),
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            });
        }
    });
    (port, log)
}

const CHAPTER: &str = "content/01-all-children/01-contacts-and-referrals.md";

fn manual_linking_to(port: u16) -> ManualTest {
    let t = ManualTest::fixture("minimal");
    let base = format!("http://127.0.0.1:{port}");
    t.edit(
        CHAPTER,
        "Every contact is screened",
        &format!(
            "See [the guidance]({base}/ok), [the old form]({base}/gone), [the portal]({base}/nohead),\n\
             [the moved page]({base}/moved) and [the slow site]({base}/slow).\n\nEvery contact is screened"
        ),
    );
    t.edit(
        CHAPTER,
        "review_due:",
        &format!("see_also:\n  - title: Old leaflet\n    url: {base}/gone\nreview_due:"),
    );
    t
}

#[test]
fn dead_links_are_reported_at_their_line_and_answers_remembered() {
    let (port, log) = server();
    let t = manual_linking_to(port);

    // A build asks nothing.
    t.build();
    assert!(
        log.lock().unwrap().is_empty(),
        "the build touched the network"
    );

    let run = t.run(&["check", "--external", "--timeout", "1"]);
    assert_eq!(run.status, 0, "dead links are warnings:\n{}", run.stderr);
    let gone = format!("the link to http://127.0.0.1:{port}/gone is dead");
    run.assert_stderr_has(&[&format!("warning: {gone}")]);
    assert!(
        run.stderr
            .contains("--> content/01-all-children/01-contacts-and-referrals.md:12:48"),
        "the line of the link:\n{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches(&gone).count(), 2, "body and see_also");
    assert!(run.stderr.contains(&format!(
        "http://127.0.0.1:{port}/slow could not be reached (no answer within 1 s)"
    )));
    for fine in ["/ok ", "/nohead ", "/moved "] {
        assert!(
            !run.stderr
                .contains(&format!("the link to http://127.0.0.1:{port}{fine}")),
            "{fine} works:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("Checked 5 web addresses (5 asked now"),
        "{}",
        run.stderr
    );
    assert_eq!(
        t.run(&["check", "--external", "--timeout", "1", "--strict"])
            .status,
        2
    );

    // Working links are remembered; the failing ones are asked again.
    log.lock().unwrap().clear();
    let again = t.run(&["check", "--external", "--timeout", "1"]);
    assert!(
        again
            .stderr
            .contains("Checked 5 web addresses (2 asked now"),
        "{}",
        again.stderr
    );
    let asked = log.lock().unwrap().clone();
    assert!(!asked.iter().any(|r| r.ends_with(" /ok")), "{asked:?}");
    assert!(asked.iter().any(|r| r.ends_with(" /gone")), "{asked:?}");
}

#[test]
fn without_external_check_asks_nothing() {
    let (port, log) = server();
    let t = manual_linking_to(port);
    let run = t.run(&["check"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(log.lock().unwrap().is_empty());
}
