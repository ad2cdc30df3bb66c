// The browser's search engine (search.js) against procbook's own: the same stems as
// rust-stemmers (tantivy's Snowball English stemmer) on the word list, and the same results as
// `procbook search` on every query of tests/search/queries.tsv. Run by tests/integration/browser.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { loadEngine, search } from "./engine.mjs";

const SITE = process.env.SITE_DIR;

test("porter2.js stems the word list exactly as rust-stemmers does", () => {
  loadEngine(SITE);
  const pairs = JSON.parse(fs.readFileSync(process.env.EXPECTED_STEMS, "utf8"));
  assert.ok(pairs.length >= 5000, `only ${pairs.length} words`);
  const differ = pairs.filter(([word, stem]) => globalThis.procbookStem(word) !== stem);
  assert.deepEqual(differ.slice(0, 20).map(([w, s]) => `${w}: rust ${s}, js ${globalThis.procbookStem(w)}`), []);
});

test("the browser ranks every query of the query set as procbook search does", async () => {
  const engine = loadEngine(SITE);
  const expected = JSON.parse(fs.readFileSync(process.env.EXPECTED_SEARCH, "utf8"));
  assert.ok(expected.length >= 60);
  const differ = [];
  let first = 0;
  for (const { query, expected: chapter, results } of expected) {
    const got = await search(engine, query, 10);
    const a = got.map((h) => `${h.id}#${h.section}`);
    const b = results.map((h) => `${h.id}#${h.section}`);
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(`${JSON.stringify(query)}\n  browser: ${a.join(" ")}\n  cli:     ${b.join(" ")}`);
    got.forEach((h, i) => {
      if (results[i] && Math.abs(h.score - results[i].score) > 0.002) differ.push(`${JSON.stringify(query)}: score ${h.score} vs ${results[i].score}`);
    });
    if (got[0] && got[0].id === chapter) first++;
  }
  assert.deepEqual(differ, []);
  assert.ok(first * 10 >= expected.length * 9, `first for ${first} of ${expected.length}`);
});
