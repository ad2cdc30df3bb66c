// What a reader sees in the built demo manual, in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch } from "./launch.mjs";
import { serve } from "./server.mjs";

const SITE = process.env.SITE_DIR;
assert.ok(SITE, "SITE_DIR must name a built site");
let server, browser;

before(async () => {
  server = await serve(SITE);
  browser = await launch();
});
after(async () => { await browser?.close(); server?.close(); });

async function page(opts = {}) {
  const context = await browser.newContext(opts);
  const p = await context.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(e.message));
  p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  p.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  p.errors = errors;
  return p;
}

test("the contents page shows the numbered parts, sub-sections and chapters", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  assert.equal(await p.locator("h1").count(), 1);
  assert.equal(await p.title(), "Children's Services Procedures Manual | Exampleshire County Council");
  assert.match(await p.locator("#part-1").innerText(), /^1\.\s+All Children$/);
  const s47 = p.locator(".toc-chapter").filter({ has: p.locator(":scope > .num", { hasText: /^1\.3\.4$/ }) });
  assert.match(await s47.innerText(), /^1\.3\.4\s+Child Protection Enquiries \(Section 47\)/);
  assert.deepEqual(p.errors, []);
});

test("following a chapter link from the contents page opens the chapter a reader expects", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  await p.getByRole("link", { name: "Children Missing from Home or Care", exact: true }).click();
  await p.waitForURL(/chapters\/children-missing-from-care\.html$/);
  const h1 = await p.locator("h1").innerText();
  assert.match(h1, /^3\.5\.1\s+Children Missing from Home or Care$/);
  assert.ok(await p.getByRole("heading", { name: "Scope of this chapter" }).isVisible());
  const crumbs = await p.getByRole("navigation", { name: "Breadcrumb" }).innerText();
  assert.match(crumbs, /Contents.*Children in Particular Circumstances.*Children Missing and Exploitation/s);
  // The chapter's own contents list jumps to its numbered sections.
  const toc = p.getByRole("navigation", { name: "Contents" });
  const first = toc.getByRole("link").first();
  const target = (await first.getAttribute("href")).slice(1);
  await first.click();
  assert.equal(new URL(p.url()).hash, "#" + target);
  assert.match(await p.locator(`#${target}`).innerText(), /^1\.\s+\S/);
  assert.ok(await p.locator(`#${target}`).isVisible());
  assert.deepEqual(p.errors, []);
});

test("every chapter linked from the contents page loads with one heading and its scope", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  const hrefs = await p.locator(".toc-chapter a:not(.external)").evaluateAll((as) => as.map((a) => a.href));
  assert.ok(hrefs.length >= 40, `only ${hrefs.length} chapters`);
  for (const href of new Set(hrefs.map((h) => h.split("#")[0]))) {
    const res = await p.goto(href);
    assert.equal(res.status(), 200, href);
    assert.equal(await p.locator("h1").count(), 1, href);
    assert.equal(await p.locator("#scope").count(), 1, href);
  }
  assert.deepEqual(p.errors, []);
});

test("text size and high contrast can be changed and are remembered", async () => {
  const p = await page();
  await p.goto(server.url + "chapters/strategy-discussions.html");
  const before = await p.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  await p.getByRole("button", { name: /larger text/ }).click();
  const larger = await p.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(larger > before, `${larger} > ${before}`);
  await p.getByRole("button", { name: "High contrast" }).click();
  assert.equal(await p.getByRole("button", { name: "High contrast" }).getAttribute("aria-pressed"), "true");
  const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(0, 0, 0)");
  await p.reload();
  assert.equal(await p.evaluate(() => document.documentElement.getAttribute("data-text-size")), "large");
  assert.ok(await p.evaluate(() => document.documentElement.classList.contains("high-contrast")));
});

test("a printed chapter carries its number, title, print date and address", async () => {
  const p = await page();
  await p.goto(server.url + "chapters/strategy-discussions.html");
  await p.emulateMedia({ media: "print" });
  assert.ok(!(await p.locator(".site-header").isVisible()), "no site header on paper");
  const source = await p.locator(".print-source").innerText();
  assert.match(source, /^1\.3\.3 Strategy Discussions\. From Children's Services Procedures Manual: http:\/\/127\.0\.0\.1:\d+\/chapters\/strategy-discussions\.html$/);
  const today = new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  assert.match(await p.locator(".print-notice").innerText(), new RegExp(`^Printed on ${today}\\.`));
  const pdf = await p.pdf({ format: "A4" });
  assert.ok(pdf.length > 10000);
  // The print preview as a picture (kept for a person to look at): ink on white paper, with
  // the text there and no dark screen furniture.
  const png = await p.screenshot({ fullPage: true, path: process.env.PRINT_PNG || undefined });
  const viewer = await page();
  const ink = await viewer.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width; canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] + data[i + 1] + data[i + 2] < 384) dark += 1;
    }
    return { width: img.width, share: dark / (data.length / 4) };
  }, "data:image/png;base64," + png.toString("base64"));
  assert.ok(ink.share > 0.01, `the printed page has text (${ink.share})`);
  assert.ok(ink.share < 0.25, `the printed page is mostly paper, not ink (${ink.share})`);
});

test("on a phone the page does not scroll sideways, even with tables", async () => {
  const p = await page({ viewport: { width: 360, height: 740 } });
  for (const chapter of ["social-worker-visits", "case-records-and-retention", "local-contacts"]) {
    await p.goto(server.url + `chapters/${chapter}.html`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${chapter} overflows by ${overflow}px`);
  }
});

test("without JavaScript the chapter is readable and the controls stay hidden", async () => {
  const p = await page({ javaScriptEnabled: false });
  await p.goto(server.url + "chapters/private-fostering.html");
  assert.match(await p.locator("h1").innerText(), /Private Fostering/);
  assert.ok(!(await p.locator(".display-controls").isVisible()));
  assert.ok((await p.locator(".chapter-body").innerText()).split(/\s+/).length > 300);
});

test("the amendments page shows the latest release and a reader can follow it to the change", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  await p.getByRole("navigation", { name: "Manual" }).getByRole("link", { name: "Amendments" }).click();
  assert.match(await p.locator("h2#latest").innerText(), /^October 2026$/);
  assert.match(await p.locator("body").innerText(), /Next update: January 2027/);
  const updated = p.getByRole("table", { name: "Updated Chapters" });
  await updated.getByRole("link", { name: "1.3.1 Contacts and Referrals" }).click();
  await p.waitForURL(/chapters\/contacts-and-referrals\.html$/);
  assert.match(await p.locator("#amendment + p").innerText(), /^This chapter was updated in October 2026\. Section 4, Feedback has been updated\.$/);
  await p.getByRole("link", { name: "See what changed in each version" }).click();
  await p.waitForURL(/history\/contacts-and-referrals\.html$/);
  const del = p.locator(".redline del").first();
  assert.equal(await del.evaluate((e) => getComputedStyle(e).textDecorationLine), "line-through");
  assert.ok((await p.locator(".redline ins").count()) > 0);
  assert.deepEqual(p.errors, []);
});

test("the contents page marks recently new and updated chapters", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  const mark = async (number) => p.locator(".toc-chapter").filter({ has: p.locator(":scope > .num", { hasText: new RegExp(`^${number.replace(/\./g, "\\.")}$`) }) }).locator(".mark-badge").allInnerTexts();
  assert.deepEqual(await mark("2.5"), ["New"]);
  assert.deepEqual(await mark("1.3.1"), ["Updated"]);
  assert.deepEqual(await mark("1.1.1"), []);
});

async function typeQuery(p, text) {
  const input = p.getByLabel("Search the manual", { exact: true }).and(p.locator("#search-input"));
  await input.click();
  await input.fill("");
  await input.pressSequentially(text, { delay: 20 });
  await p.waitForFunction(() => document.querySelector("#search-status").textContent.length > 0);
  await p.waitForFunction((q) => document.querySelector("#search-status").textContent.includes(q), text);
}

test("typing a question finds the chapter a newcomer needs, with the words highlighted", async () => {
  const p = await page();
  await p.goto(server.url + "search.html");
  await typeQuery(p, "child goes missing from care");
  const first = p.locator("#search-list .result").first();
  assert.match(await first.locator(".result-chapter").innerText(), /^3\.5\.1\s+Children Missing from Home or Care$/);
  assert.ok((await first.locator("mark").count()) > 0, "matched words are marked");
  await first.getByRole("link").click();
  await p.waitForURL(/chapters\/children-missing-from-care\.html/);
  assert.deepEqual(p.errors, []);
});

test("a question asked as a practitioner would ask it finds its section, and results with only some of the words say so", async () => {
  const p = await page();
  await p.goto(server.url + "search.html");
  await typeQuery(p, "What are the timescales for a strategy discussion?");
  const first = p.locator("#search-list .result").first();
  assert.match(await first.locator(".result-chapter").innerText(), /^1\.3\.3\s+Strategy Discussions$/);
  assert.match(await first.locator(".result-section").innerText(), /Timescales/);
  const marked = await p.locator("#search-list mark").allInnerTexts();
  assert.ok(marked.length > 0);
  assert.deepEqual(marked.filter((m) => /^(what|are|the|for|a)$/i.test(m)), [], "question and stop words are not marked");
  assert.doesNotMatch(await p.locator("#search-status").innerText(), /No section has all/);
  // No section has "happens" with the rest: the sections with the most of the words, said so.
  await typeQuery(p, "what happens when a child goes missing from care");
  assert.match(await p.locator("#search-status").innerText(), /^No section has all of these words: these have the most of them\. \d+ results? for/);
  assert.match(await first.locator(".result-chapter").innerText(), /^3\.5\.1\s+Children Missing from Home or Care$/);
  assert.deepEqual(p.errors, []);
});

// `query` searched at once (not a key at a time: one search, so each load is one of its
// results'), from a server that answers range requests and from one that does not: each one's
// results (as HTML), status, and the Range headers of the requests for files `watch` picks. The
// ranged one must ask for ranges alone; the other must show the same results, with never more
// requests (the whole file a server sends is kept for its other parts).
async function withAndWithoutRanges(query, watch) {
  const shown = async (url) => {
    const p = await page();
    const asked = [];
    p.on("request", (r) => { if (watch(r.url())) asked.push(r.headers()["range"]); });
    await p.goto(url + "search.html");
    await p.waitForFunction(() => document.querySelector("#search-part").options.length > 1);
    await p.locator("#search-input").fill(query);
    await p.waitForFunction((q) => document.querySelector("#search-status").textContent.includes("\u201c" + q + "\u201d"), query);
    const results = await p.locator("#search-list .result").evaluateAll((els) => els.map((e) => e.innerHTML));
    const status = await p.locator("#search-status").innerText();
    assert.deepEqual(p.errors, []);
    await p.context().close();
    return { results, asked, status };
  };
  const ranged = await shown(server.url);
  assert.ok(ranged.asked.length > 0 && ranged.asked.every((r) => /^bytes=\d+-\d+$/.test(r || "")), ranged.asked.join(", "));
  const whole = await serve(SITE, { ranges: false });
  try {
    const plain = await shown(whole.url);
    assert.deepEqual(plain.results, ranged.results);
    assert.ok(plain.asked.length > 0 && plain.asked.length <= ranged.asked.length, plain.asked.join(", "));
  } finally {
    whole.close();
  }
  return ranged;
}

test("excerpts are fetched a chapter at a time with range requests, and a server without them shows the same results", async () => {
  const ranged = await withAndWithoutRanges("placement review", (url) => url.includes("/search/c/"));
  assert.ok(ranged.results.length >= 3, "the query has results");
  assert.ok(ranged.results.every((r) => /class="result-snippet">[^<]/.test(r)), "each result has its excerpt");
  assert.match(ranged.results[0], /<mark>/);
});

test("a quoted phrase fetches its candidates' terms by range, and a server without ranges shows the same results", async () => {
  // Each section's terms by range; where they are (t/lengths.bin), whole.
  const ranged = await withAndWithoutRanges('"placement plan"', (url) => url.includes("/search/t/") && !url.endsWith("/lengths.bin"));
  assert.match(ranged.results[0], /href="chapters\/placements-in-foster-care\.html#the-placement-plan"/);
  assert.doesNotMatch(ranged.status, /No section|None of/);
  // Words all there but never side by side near the top: said so.
  const p = await page();
  await p.goto(server.url + "search.html");
  await typeQuery(p, '"child plan"');
  assert.match(await p.locator("#search-status").innerText(), /^None of the best sections with these words has the quoted ones side by side: these have all the words\. \d+ results? for/);
  assert.deepEqual(p.errors, []);
});

test("an acronym finds its section and the result links straight to the section", async () => {
  const p = await page();
  await p.goto(server.url + "search.html");
  await typeQuery(p, "UASC age assessment");
  const link = p.locator("#search-list .result a").first();
  assert.equal(await link.getAttribute("href"), "chapters/unaccompanied-migrant-children.html#age-assessment");
  assert.match(await p.locator("#search-list .result").first().innerText(), /Age Assessment/);
  await link.click();
  await p.waitForURL(/#age-assessment$/);
  assert.ok(await p.locator("#age-assessment").isVisible());
});

test("search.html?q= works as a link, and filters narrow the results", async () => {
  const p = await page();
  await p.goto(server.url + "search.html?q=" + encodeURIComponent("consent"));
  await p.waitForFunction(() => /results? for/.test(document.querySelector("#search-status").textContent));
  assert.equal(await p.locator("#search-input").inputValue(), "consent");
  const all = await p.locator("#search-list .result-chapter .num").allInnerTexts();
  assert.ok(all.some((n) => !n.startsWith("4.")), "several parts answer");
  await p.locator("#search-part").selectOption({ label: "4. Looked After Children" });
  await p.waitForFunction(() => {
    const nums = Array.from(document.querySelectorAll("#search-list .result-chapter .num"));
    return nums.length > 0 && nums.every((n) => n.textContent.startsWith("4."));
  });
  assert.match(p.url(), /part=3/);
  // Local procedures only: every result is one the local resources page lists.
  const other = await page();
  await other.goto(server.url + "local-resources.html");
  const local = await other.locator(".toc-chapter > .num").allInnerTexts();
  assert.ok(local.length > 0);
  await p.locator("#search-part").selectOption("");
  await p.locator("#search-scope").selectOption("local");
  await p.waitForFunction((localNums) => {
    const nums = Array.from(document.querySelectorAll("#search-list .result-chapter .num")).map((n) => n.textContent);
    return nums.length > 0 && nums.every((n) => localNums.includes(n));
  }, local);
});

test("the search box on every page takes the reader to the results", async () => {
  const p = await page();
  await p.goto(server.url + "chapters/assessments.html");
  const box = p.getByRole("search").getByLabel("Search the manual");
  await box.fill("private fostering");
  await box.press("Enter");
  await p.waitForURL(/search\.html\?q=private\+fostering/);
  await p.waitForFunction(() => /results? for/.test(document.querySelector("#search-status").textContent));
  assert.match(await p.locator("#search-list .result-chapter").first().innerText(), /Private Fostering/);
});

test("results can be reached and opened with the keyboard alone", async () => {
  const p = await page();
  await p.goto(server.url + "search.html");
  await typeQuery(p, "staying put");
  await p.locator("#search-input").focus();
  for (let i = 0; i < 8; i++) {
    await p.keyboard.press("Tab");
    if (await p.evaluate(() => document.activeElement.closest("#search-list") !== null)) break;
  }
  assert.ok(await p.evaluate(() => document.activeElement.closest("#search-list") !== null), "a result link has focus");
  await p.keyboard.press("Enter");
  await p.waitForURL(/chapters\/staying-put\.html/);
});

test("a reader with only a keyboard can go from the contents to a chapter, its sections and the next chapter", async () => {
  const p = await page();
  await p.goto(server.url + "index.html");
  const focused = () => p.evaluate(() => {
    const e = document.activeElement;
    return { text: (e.innerText || e.value || "").trim(), href: e.getAttribute("href") || "" };
  });
  // Tab through the page until the chapter's link has focus, then follow it.
  let found = false;
  for (let i = 0; i < 300 && !found; i++) {
    await p.keyboard.press("Tab");
    found = (await focused()).href.endsWith("chapters/strategy-discussions.html");
  }
  assert.ok(found, "the chapter link is reachable by Tab");
  await p.keyboard.press("Enter");
  await p.waitForURL(/chapters\/strategy-discussions\.html$/);
  // The skip link comes first and lands in the chapter.
  await p.keyboard.press("Tab");
  assert.equal((await focused()).text, "Skip to main content");
  await p.keyboard.press("Enter");
  // On through the chapter's own contents to a section.
  found = false;
  for (let i = 0; i < 80 && !found; i++) {
    await p.keyboard.press("Tab");
    found = /^#/.test((await focused()).href) && (await focused()).text.includes("Timescales");
  }
  assert.ok(found, "the chapter's contents list is reachable by Tab");
  await p.keyboard.press("Enter");
  assert.match(new URL(p.url()).hash, /timescales/);
  // And to the next chapter.
  found = false;
  for (let i = 0; i < 200 && !found; i++) {
    await p.keyboard.press("Tab");
    found = (await focused()).href.endsWith("child-protection-enquiries.html")
      && await p.evaluate(() => document.activeElement.closest(".pager") !== null);
  }
  assert.ok(found, "the next-chapter link is reachable by Tab");
  await p.keyboard.press("Enter");
  await p.waitForURL(/chapters\/child-protection-enquiries\.html$/);
  assert.deepEqual(p.errors, []);
});

test("typing on gives up the excerpts still loading for earlier keystrokes, and shows the last query's results", async () => {
  // Excerpts on a slow network: each keystroke's results would otherwise queue their loads
  // ahead of the last one's.
  const slow = await serve(SITE, { delay: (p) => (p.includes("/search/c/") ? 300 : 0) });
  try {
    const p = await page();
    const given_up = [];
    p.on("requestfailed", (r) => { if (r.url().includes("/search/c/")) given_up.push(r.failure()?.errorText); });
    await p.goto(slow.url + "search.html");
    await p.waitForFunction(() => document.querySelector("#search-part").options.length > 1);
    await p.locator("#search-input").pressSequentially("care plan", { delay: 40 });
    await p.waitForFunction(() => document.querySelector("#search-status").textContent.includes("\u201ccare plan\u201d"));
    assert.ok(await p.locator("#search-list .result").count() > 0);
    assert.doesNotMatch(await p.locator("#search-status").innerText(), /failed/);
    assert.ok(given_up.length > 0, "earlier keystrokes' excerpt loads are given up");
    assert.ok(given_up.every((e) => /ABORTED/.test(e)), given_up.join(", "));
    assert.deepEqual(p.errors, []);
  } finally {
    slow.close();
  }
});

test("hostile and odd queries give results or a plain no-results, never an error", async () => {
  const p = await page();
  await p.goto(server.url + "search.html");
  for (const q of ['"unclosed quote', "the of and", "<img src=x onerror=alert(1)>", "(.*)[a-z]+", "x".repeat(10000)]) {
    await p.locator("#search-input").fill(q);
    await p.waitForFunction(() => document.querySelector("#search-status").textContent.length > 0 || document.querySelectorAll("#search-list li").length > 0);
  }
  assert.equal(await p.locator("#search-list img").count(), 0, "markup in a query is never rendered");
  await p.locator("#search-input").fill("the of and");
  await p.waitForFunction(() => document.querySelector("#search-status").textContent.startsWith("No results"));
  assert.deepEqual(p.errors, []);
});

test("the keyboard reaches the skip link first and it moves focus to the content", async () => {
  const p = await page();
  await p.goto(server.url + "chapters/assessments.html");
  await p.keyboard.press("Tab");
  assert.equal(await p.evaluate(() => document.activeElement.textContent), "Skip to main content");
  await p.keyboard.press("Enter");
  assert.equal(await p.evaluate(() => document.activeElement.id), "main");
});

// WCAG 2.2 AA, as axe-core measures it, on every kind of page, in both colour schemes.
const AXE = (await import("node:fs")).readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const PAGES = ["index.html", "chapters/children-missing-from-care.html", "chapters/local-contacts.html", "glossary.html", "local-resources.html", "404.html",
  "amendments/index.html", "amendments/2026-08.html", "history/children-missing-from-care.html", "history/homeless-16-and-17-year-olds.html",
  "search.html?q=looked+after+child"];

for (const contrast of [false, true]) {
  test(`no WCAG 2.2 AA violations${contrast ? " in high contrast" : ""}`, async () => {
    // axe is injected as an inline script, which the pages' policy rightly refuses.
    const p = await page({ bypassCSP: true });
    const found = [];
    for (const path of PAGES) {
      await p.goto(server.url + path);
      if (path.startsWith("search.html")) {
        await p.waitForFunction(() => document.querySelectorAll("#search-list li").length > 0);
      }
      if (contrast) {
        await p.getByRole("button", { name: "High contrast" }).click();
      }
      await p.addScriptTag({ content: AXE });
      const result = await p.evaluate(() => window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      }));
      for (const v of result.violations) {
        found.push(`${path}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
    assert.deepEqual(found, []);
  });
}
