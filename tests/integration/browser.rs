//! End-to-end tests in a real browser: the demo manual is built, then `tests/browser/*.test.mjs`
//! drive headless Chromium through playwright-core (see tests/browser/README.md).
//!
//! They need Node.js, `npm ci` in tests/browser and Debian's chromium. Where those are missing
//! the test says so and passes, unless PROCBOOK_BROWSER_TESTS=require (as in CI), when it fails.

use std::path::Path;
use std::process::Command;

use crate::harness::ManualTest;

#[test]
fn demo_manual_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let required = std::env::var("PROCBOOK_BROWSER_TESTS").as_deref() == Ok("require");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("chromium"),
        (!browser_dir.join("node_modules/playwright-core").exists())
            .then_some("tests/browser/node_modules (npm ci)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        assert!(!required, "browser tests required but missing: {missing:?}");
        eprintln!("skipping browser tests: missing {missing:?}");
        return;
    }
    let t = ManualTest::demo();
    t.build();
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .arg(browser_dir.join("e2e.test.mjs"))
        .env("SITE_DIR", t.root.join("public"))
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser tests failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}
