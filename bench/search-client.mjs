// Used by bench/search.py: runs the site's search client over a built site, in Node (bytes
// fetched per query) and in headless Chromium (time from the last keystroke to the results).
// Usage: node bench/search-client.mjs SITE_DIR QUERY...
import http from "node:http";
import { loadEngine, search } from "../tests/browser/engine.mjs";
import { serve } from "../tests/browser/server.mjs";
import { createRequire } from "node:module";

const [site, ...queries] = process.argv.slice(2);
const out = { bytes: [], browser: [] };
for (const q of queries) {
  const engine = loadEngine(site);
  const hits = await search(engine, q, 10);
  out.bytes.push({ query: q, index: engine.fetched, excerpts: engine.fetchedExcerpts, hits: hits.length });
}

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const server = await serve(site);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
for (const q of queries) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url + "search.html");
  await page.waitForFunction(() => document.querySelector("#search-part").options.length > 1);
  const input = page.locator("#search-input");
  await input.click();
  await input.pressSequentially(q.slice(0, -1), { delay: 30 });
  const before = await page.evaluate(() => document.documentElement.getAttribute("data-search-done"));
  const t0 = await page.evaluate(() => performance.now());
  await input.press(q.slice(-1));
  await page.waitForFunction((b) => document.documentElement.getAttribute("data-search-done") !== b
    && document.querySelector("#search-status").textContent.length > 0, before);
  const t1 = await page.evaluate(() => performance.now());
  out.browser.push({ query: q, ms: t1 - t0 });
  await page.context().close();
}
await browser.close();
server.close();
console.log(JSON.stringify(out));
