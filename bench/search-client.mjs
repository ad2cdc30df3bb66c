// Used by bench/search.py: runs the site's search client over a built site, in Node (bytes
// fetched per query) and in headless Chromium (time from the last keystroke to the results).
// Usage: node bench/search-client.mjs SITE_DIR QUERY...
import http from "node:http";
import { loadEngine, search } from "../tests/browser/engine.mjs";
import { serve } from "../tests/browser/server.mjs";
import { createRequire } from "node:module";

const [site, ...queries] = process.argv.slice(2);
const out = { bytes: [], phrases: [], browser: [] };
for (const q of queries) {
  const engine = loadEngine(site);
  const hits = await search(engine, q, 10);
  out.bytes.push({ query: q, index: engine.fetched, excerpts: engine.fetchedExcerpts, hits: hits.length });
  // The same words as a quoted phrase: the index fetched includes the terms of the sections
  // checked for it.
  const quoted = loadEngine(site);
  const found = await search(quoted, `"${q}"`, 10);
  out.phrases.push({ query: q, index: quoted.fetched, checked: quoted.docTerms.size, hits: found.length });
}

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const server = await serve(site);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
// Each query is timed in several fresh pages (nothing cached), and the median kept: one run on
// a shared 2-core machine can be held up by anything else running.
const trials = Number(process.env.TRIALS || 3);
const timeQuery = async (q) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url + "search.html");
  await page.waitForFunction(() => document.querySelector("#search-part").options.length > 1);
  const input = page.locator("#search-input");
  await input.click();
  await input.pressSequentially(q.slice(0, -1), { delay: 30 });
  // Both times are taken in the page, so the driver's own round trips are not counted: the
  // last key's keydown, and the first frame painted after the client shows its results.
  await page.evaluate((query) => {
    window.__timing = {};
    document.getElementById("search-input").addEventListener("keydown", () => {
      window.__timing.key = performance.now();
    });
    // The results of the whole query, not of a search still running for an earlier keystroke.
    const status = document.getElementById("search-status");
    new MutationObserver(() => {
      if (window.__timing.key !== undefined && !window.__timing.shown
        && status.textContent.includes("\u201c" + query + "\u201d")) {
        window.__timing.shown = true;
        requestAnimationFrame(() => { window.__timing.painted = performance.now(); });
      }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-search-done"] });
  }, q);
  await input.press(q.slice(-1));
  await page.waitForFunction(() => window.__timing.painted !== undefined
    && document.querySelector("#search-status").textContent.length > 0);
  const t = await page.evaluate(() => window.__timing);
  await page.context().close();
  return t.painted - t.key;
};
for (const q of queries) {
  const all = [];
  for (let i = 0; i < trials; i++) all.push(await timeQuery(q));
  const sorted = [...all].sort((a, b) => a - b);
  out.browser.push({ query: q, ms: sorted[Math.floor(sorted.length / 2)], all });
}
await browser.close();
server.close();
console.log(JSON.stringify(out));
