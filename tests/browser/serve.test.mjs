// What an author sees in `procbook serve`, in headless Chromium: the page reloads once when
// a chapter is saved, a broken chapter shows its error over the last good page, and fixing
// it clears the error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { launch } from "./launch.mjs";

const ROOT = process.env.SERVE_ROOT;
const BIN = process.env.PROCBOOK_BIN;
assert.ok(ROOT && BIN, "SERVE_ROOT and PROCBOOK_BIN must be set");
const CHAPTER = join(ROOT, "content/02-case-management-and-recording/05-mobile-devices.md");
const AXE = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
let server, browser, url, output = "";

before(async () => {
  server = spawn(BIN, ["serve", "--port", "0"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve did not start:\n" + output)), 60000);
    const read = (chunk) => {
      output += chunk;
      const m = output.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    };
    server.stdout.on("data", read);
    server.stderr.on("data", (c) => { output += c; });
  });
  browser = await launch();
});
after(async () => { await browser?.close(); server?.kill(); });

function save(text) {
  // As editors save: a temporary file renamed over the chapter.
  writeFileSync(CHAPTER + ".tmp~", text);
  renameSync(CHAPTER + ".tmp~", CHAPTER);
}

test("saving reloads the page once, errors show over it, and fixing clears them", async () => {
  // axe (below) is injected as an inline script, which the pages' policy rightly refuses.
  const p = await (await browser.newContext({ bypassCSP: true })).newPage();
  let loads = 0;
  p.on("load", () => { loads += 1; });
  await p.goto(url + "chapters/mobile-devices.html");
  assert.match(await p.locator(".procbook-preview").innerText(), /^Preview: .* since the October 2026 release\.$/);
  const good = readFileSync(CHAPTER, "utf8");
  assert.equal(loads, 1);

  save(good.replace("Only council-issued, managed devices", "Only managed devices"));
  await p.getByText("Only managed devices may be used").waitFor({ timeout: 20000 });
  await p.waitForTimeout(1500);
  assert.equal(loads, 2, "exactly one reload for one save");

  save("---\ntitle: [unclosed\n---\n\nText.\n");
  const overlay = p.getByRole("alert");
  await overlay.waitFor({ timeout: 20000 });
  assert.match(await overlay.innerText(), /The manual has 1 error/);
  assert.match(await overlay.innerText(), /content\/02-case-management-and-recording\/05-mobile-devices\.md:2:\d+/);
  // The last good page is still there beneath it.
  assert.ok(await p.getByText("Only managed devices may be used").isVisible());
  await p.addScriptTag({ content: AXE });
  const result = await p.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
  }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);

  save(good);
  await p.getByText("Only council-issued, managed devices").waitFor({ timeout: 20000 });
  assert.equal(await p.getByRole("alert").count(), 0);
});
