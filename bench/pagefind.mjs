// Used by bench/search.py: Pagefind on the same built HTML, for comparison. Indexes SITE_DIR
// with the pagefind binary given, then in headless Chromium runs each query through
// Pagefind's own client and sums the bytes of the files it fetched (its index: entry, wasm,
// meta, index chunks; and the fragments of the ten results shown).
// Usage: node bench/pagefind.mjs PAGEFIND_BIN SITE_DIR QUERY...
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { serve } from "../tests/browser/server.mjs";

const [bin, site, ...queries] = process.argv.slice(2);
const started = Date.now();
execFileSync(bin, ["--site", site, "--output-subdir", "pagefind"], { stdio: "ignore" });
const indexSeconds = (Date.now() - started) / 1000;
const dir = path.join(site, "pagefind");
let total = 0;
for (const f of fs.readdirSync(dir, { recursive: true })) {
  const p = path.join(dir, f);
  if (fs.statSync(p).isFile()) total += fs.statSync(p).size;
}
fs.writeFileSync(path.join(site, "pagefind-bench.html"), "<!DOCTYPE html><title>bench</title>");

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const server = await serve(site);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const out = { indexSeconds, totalBytes: total, queries: [] };
for (const q of queries) {
  const context = await browser.newContext();
  // Counted on the context, so that requests from Pagefind's web worker are seen too.
  const fetched = [];
  context.on("requestfinished", async (req) => {
    if (!req.url().includes("/pagefind/")) return;
    const sizes = await req.sizes();
    fetched.push({ url: req.url(), bytes: sizes.responseBodySize });
  });
  const page = await context.newPage();
  await page.goto(server.url + "pagefind-bench.html");
  const r = await page.evaluate(async (query) => {
    const pagefind = await import("/pagefind/pagefind.js");
    await pagefind.init();
    const t0 = performance.now();
    const search = await pagefind.search(query);
    const t1 = performance.now();
    await Promise.all(search.results.slice(0, 10).map((x) => x.data()));
    return { results: search.results.length, searchMs: t1 - t0 };
  }, q);
  await page.waitForTimeout(200);
  const sum = (f) => fetched.filter(f).reduce((a, e) => a + e.bytes, 0);
  out.queries.push({
    query: q,
    ...r,
    index: sum((e) => !e.url.includes(".pf_fragment")),
    excerpts: sum((e) => e.url.includes(".pf_fragment")),
    files: fetched.length,
  });
  await context.close();
}
await browser.close();
server.close();
console.log(JSON.stringify(out));
