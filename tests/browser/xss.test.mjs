// The hostile manual (every field full of XSS payloads, see tests/xss/payloads.txt) in
// Chromium: no payload runs, whether a page is read, searched or opened from disk, and the
// pages' content security policy refuses nothing the theme itself does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launch } from "./launch.mjs";
import { serve } from "./server.mjs";

const SITE = process.env.HOSTILE_DIR;
assert.ok(SITE, "HOSTILE_DIR must name the built hostile manual");
let server, browser;

before(async () => {
  server = await serve(SITE);
  browser = await launch();
});
after(async () => { await browser?.close(); server?.close(); });

/** A page that records every dialog (alert, confirm, prompt) and policy refusal. */
async function watched() {
  const context = await browser.newContext();
  // Nothing leaves the machine: requests to other hosts fail at once.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  const p = await context.newPage();
  p.fired = [];
  p.refused = [];
  p.on("dialog", async (d) => { p.fired.push(`${d.type()}: ${d.message()}`); await d.dismiss(); });
  p.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) p.refused.push(m.text()); });
  return p;
}

const CHAPTERS = readdirSync(join(SITE, "chapters")).filter((f) => f.endsWith(".html"));

test("no payload runs on any page of the hostile manual", async () => {
  const p = await watched();
  const pages = ["index.html", "glossary.html", "local-resources.html", "amendments/index.html", "404.html",
    ...CHAPTERS.map((c) => "chapters/" + c)];
  for (const path of pages) {
    await p.goto(server.url + path);
    await p.waitForTimeout(20);
  }
  assert.ok(pages.length > 40);
  assert.deepEqual(p.fired, []);
  // The theme itself never needs the policy relaxed (payloads the sanitizer removed never
  // reach the page, so any refusal here would be the theme's).
  assert.deepEqual(p.refused, []);
});

test("search results with hostile titles and text are shown as text", async () => {
  const p = await watched();
  for (const q of ["hostile", "script alert", "onerror", "iframe javascript", "svg onload"]) {
    await p.goto(server.url + "search.html?q=" + encodeURIComponent(q));
    await p.waitForFunction(() => /result|No results/.test(document.querySelector("#search-status").textContent));
  }
  await p.goto(server.url + "search.html?q=hostile");
  await p.waitForFunction(() => document.querySelectorAll("#search-list li").length > 0);
  const live = await p.evaluate(() => [...document.querySelectorAll("#search-list *")]
    .filter((e) => ["SCRIPT", "IMG", "IFRAME", "SVG", "OBJECT", "EMBED", "STYLE"].includes(e.tagName.toUpperCase())
      || [...e.attributes].some((a) => a.name.startsWith("on")))
    .map((e) => e.outerHTML));
  assert.deepEqual(live, []);
  assert.match(await p.locator("#search-list").innerText(), /<script>alert\(1\)<\/script>|<img src=x onerror/);
  assert.deepEqual(p.fired, []);
});

test("opened from disk, the theme's scripts still run under the policy", async () => {
  const p = await watched();
  await p.goto(pathToFileURL(join(SITE, "chapters", CHAPTERS[0])).href);
  // procbook.js shows the text-size controls only when it runs.
  await p.getByRole("button", { name: "High contrast" }).waitFor({ timeout: 5000 });
  assert.deepEqual(p.fired, []);
});
