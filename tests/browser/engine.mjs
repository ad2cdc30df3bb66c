// Loads the site's search client (porter2.js and search.js) into Node, with a file reader in
// place of fetch, so that tests can run the browser's search engine over a built site.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

export function loadEngine(siteDir) {
  for (const file of ["porter2.js", "search.js"]) {
    vm.runInThisContext(fs.readFileSync(path.join(siteDir, "assets", file), "utf8"), { filename: file });
  }
  const { Engine } = globalThis.ProcbookSearch;
  // A range is read as a server that honours range requests sends it.
  return new Engine("search/", async (p, kind, signal, range) => {
    const bytes = fs.readFileSync(path.join(siteDir, p));
    const [start, end] = range || [0, bytes.byteLength];
    return bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + Math.min(end, bytes.byteLength));
  });
}

// The browser's results for a query, as `procbook search --format json` gives them.
export async function search(engine, query, limit = 10) {
  const hits = await engine.search(query, { limit });
  const out = [];
  for (const h of hits) {
    const d = await engine.describe(h.doc);
    out.push({ id: d.id, section: d.section, score: h.score });
  }
  return out;
}
