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
