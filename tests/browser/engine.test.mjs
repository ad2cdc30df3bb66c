// The browser's search engine (search.js) on its own, over the built demo manual: what it
// fetches, and how it gives up a search the reader has typed past. Run by
// tests/integration/browser.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadEngine } from "./engine.mjs";

const SITE = process.env.SITE_DIR;

test("a one-letter last word loads only its own word's shard, not every shard of the letter", async () => {
  const engine = loadEngine(SITE);
  const meta = await engine.ready();
  // Without the rule, "c" would load every shard whose terms start with c: more than one here.
  assert.ok(engine.shardsFor("c", "c\uffff").length > 1);
  await engine.search("c");
  assert.equal(engine.shards.size, 1, `${engine.shards.size} shards loaded`);
  // Two letters expand, as in procbook search.
  const two = loadEngine(SITE);
  await two.ready();
  const hits = await two.search("ch", { limit: 5 });
  assert.ok(hits.length > 0);
  assert.equal(meta.min_prefix, 2);
});

test("a search whose signal is aborted once its index is loaded ends with no results", async () => {
  const engine = loadEngine(SITE);
  await engine.ready();
  assert.ok((await engine.search("missing child")).length > 0);
  const controller = new AbortController();
  const pending = engine.search("missing child", { signal: controller.signal });
  controller.abort();
  assert.deepEqual(await pending, []);
});

test("the best few are the first of the best many, best first, ties by document", async () => {
  const engine = loadEngine(SITE);
  await engine.ready();
  for (const query of ["child", "care plan", "review", "s47", "placement"]) {
    const many = await engine.search(query, { limit: 1000 });
    const few = await engine.search(query, { limit: 7 });
    assert.ok(many.length > 7, query);
    assert.deepEqual(few, many.slice(0, 7), query);
    for (let i = 1; i < many.length; i++) {
      const [a, b] = [many[i - 1], many[i]];
      assert.ok(a.score > b.score || (a.score === b.score && a.doc < b.doc), `${query}: ${i}`);
    }
  }
});

test("local and national results split the whole list between them", async () => {
  const engine = loadEngine(SITE);
  await engine.ready();
  const all = await engine.search("child", { limit: 1000 });
  const local = await engine.search("child", { limit: 1000, scope: "local" });
  const national = await engine.search("child", { limit: 1000, scope: "national" });
  assert.ok(local.length > 0 && national.length > 0);
  const key = (hits) => hits.map((h) => h.doc).sort((a, b) => a - b);
  assert.deepEqual(key([...local, ...national]), key(all));
});

test("a quoted phrase keeps the sections with its words side by side, among the best with all the words", async () => {
  const engine = loadEngine(SITE);
  const meta = await engine.ready();
  const words = await engine.search("plan care ", { limit: 1000 });
  const phrase = await engine.search('"plan care"', { limit: 1000 });
  const reversed = await engine.search('"care plan"', { limit: 1000 });
  assert.ok(phrase.length > 0 && phrase.length < words.length, `${phrase.length} of ${words.length}`);
  assert.ok(reversed.length > 0 && reversed.length < words.length);
  assert.notDeepEqual(phrase.map((h) => h.doc), reversed.map((h) => h.doc));
  // A phrase only filters: the sections kept are in the words' order, with the words' scores.
  const order = new Map(words.map((h, i) => [h.doc, i]));
  for (const [i, h] of phrase.entries()) {
    assert.equal(h.score, words[order.get(h.doc)].score);
    if (i > 0) assert.ok(order.get(h.doc) > order.get(phrase[i - 1].doc));
  }
  // Kept where "plan" is followed by "care" in one of the section's fields, and only there.
  const plan = (await engine.entry("plan")).entry.number;
  const care = (await engine.entry("care")).entry.number;
  const kept = new Set(phrase.map((h) => h.doc));
  for (const h of words) {
    const fields = await engine.documentTerms(h.doc);
    const side = fields.some((f) => f.some((t, i) => t === plan && f[i + 1] === care));
    assert.equal(kept.has(h.doc), side, `document ${h.doc}`);
  }
  // With ten wanted, only the best `phrase_candidates` are looked at, and their terms alone
  // are fetched.
  const few = loadEngine(SITE);
  await few.ready();
  const top = await few.search('"plan care"', { limit: 10 });
  assert.ok(meta.phrase_candidates >= 10);
  assert.ok(top.length > 0);
  assert.deepEqual(top, phrase.filter((h) => order.get(h.doc) < meta.phrase_candidates).slice(0, 10));
  const candidates = new Set(words.slice(0, meta.phrase_candidates).map((h) => h.doc));
  assert.ok(few.docTerms.size > 0);
  assert.ok([...few.docTerms.keys()].every((d) => candidates.has(d)));
});

test("a phrase no section near the top has gives those sections, said to have all but the phrase", async () => {
  const engine = loadEngine(SITE);
  await engine.ready();
  // "child" then "plan" side by side: in none of the best sections with both words.
  const hits = await engine.search('"child plan"', { limit: 5 });
  const words = await engine.search("child plan ", { limit: 5 });
  assert.ok(words.length > 0 && !words.partial);
  assert.deepEqual(hits.map((h) => h.doc), words.map((h) => h.doc));
  assert.deepEqual(hits.partial, [2, 3]);
  assert.equal(hits.apart, true);
  assert.equal(words.apart, undefined);
});

test("a shard of another version (a browser's cached copy of an older build) fails the search instead of being misread", async () => {
  loadEngine(SITE);
  const { Engine } = globalThis.ProcbookSearch;
  const fs = await import("node:fs");
  const path = await import("node:path");
  // The site's own files, but every shard marked as the version before (PBS1).
  const engine = new Engine("search/", async (p) => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(SITE, p)));
    if (p.startsWith("search/s/")) bytes[3] = "1".charCodeAt(0);
    return bytes.buffer;
  });
  await engine.ready();
  await assert.rejects(engine.search("missing child"), /not a search shard of this version/);
});
