#!/usr/bin/env python3
"""Search benchmark on the 1,000-chapter manual from ../shared/bench/gen_manual.py.

- build time with the search index against `build --no-search` (interleaved; cold builds write
  to a new folder each time, see bench/history.py for why), by wall time and by CPU time, as
  the ratio of the medians and as the median of each round's own ratio;
- the size of search/ against the rest of the site (the HTML and its assets);
- bytes the browser's client fetches for each two-word query (index: meta.json and shards;
  excerpts: the chapter fragments of the ten results shown), with a fresh client each time,
  and for the same words quoted, as a phrase (index: with the terms of the sections checked);
- in headless Chromium, the time from the last keystroke to the results on the page (each
  query in three fresh pages, TRIALS=N to change, and the median kept).

    python3 bench/search.py [--chapters 1000] [--runs 5]

Needs a release build, Node.js, `npm ci` in tests/browser and Debian's chromium. With
--pagefind PATH (npm install pagefind), Pagefind indexes a copy of the same built HTML and
answers the same queries in Chromium, and the two are compared side by side.

On a virtual machine the builds into a new folder (the first two rows) measure the machine as
much as the build: memory the guest has not used for a few seconds costs several times more
to take again, and every byte written to a new file takes such memory; and where the disk is
ext4 without a journal (as here), a file created within a minute or so of many being deleted
costs more too. This script deletes its own tens of thousands of files when it ends, so give a
second run a minute before it starts. `TMPDIR=/dev/shm python3 bench/search.py` runs it all in
memory (tmpfs), which takes the disk out of those rows.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from ab import own_ratio, timed

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(REPO, "..", "shared", "bench", "gen_manual.py")
PROCBOOK = os.path.join(REPO, "target", "release", "procbook")
QUERIES = ["placement review", "consent health", "strategy discussion", "foster carer", "court order",
           "care plan", "chronology record", "interpreter family", "allegation manager", "missing child"]


def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pagefind", help="the pagefind binary (npm install pagefind), to compare on the same HTML")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="procbook-search-bench-")
    manual = os.path.join(work, "manual")
    env = dict(os.environ, PROCBOOK_TODAY="2023-01-15")
    try:
        subprocess.run([sys.executable, GEN, "--chapters", str(args.chapters), "--out", manual], check=True, stdout=subprocess.DEVNULL)
        outs = []

        def build(search, cold):
            cmd = [PROCBOOK, "build"] + ([] if search else ["--no-search"])
            if cold:
                outs.append(os.path.join(work, f"out-{len(outs)}"))
                cmd += ["--out", outs[-1]]
            subprocess.run(["sync"])
            return timed(cmd, cwd=manual, env=env)

        # One chapter whose last paragraph gains or loses a word, for the "one chapter
        # edited" builds: a real change each time, as an author's edit-and-build is.
        chapters = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(manual, "content")) for f in fs if f.endswith(".md"))
        # The middle one, or the next after it that is a chapter (not a part's _index.md, which
        # has no paragraph to edit: in a small manual the middle file can be one).
        edited = next(c for c in chapters[len(chapters) // 2:] if os.path.basename(c) != "_index.md")

        def edit():
            with open(edited, encoding="utf-8") as f:
                text = f.read()
            # A word added to, or taken from, the end of its last paragraph.
            text = text[: -len(" Zebrafinch.\n")] + "\n" if text.endswith(" Zebrafinch.\n") else text.rstrip("\n") + " Zebrafinch.\n"
            with open(edited, "w", encoding="utf-8") as f:
                f.write(text)

        def edited_build(search):
            edit()
            return build(search, False)

        rounds = {k: [] for k in ("without cold", "with cold", "with fresh", "without warm", "with warm", "without edit", "with edit", "with, no cache")}
        cpus = {k: [] for k in rounds}

        def record(key, measured):
            rounds[key].append(measured[0])
            cpus[key].append(measured[1])

        cache = os.path.join(manual, ".procbook", "search.cache")

        def drop_cache():
            if os.path.exists(cache):
                os.remove(cache)

        def fresh_build():
            # As a fresh clone's first build: no search cache, and a new output folder (a
            # build without search is the same from a fresh clone: it uses no cache).
            drop_cache()
            return build(True, True)

        # The builds into a new folder first, all of them: they delete nothing, as a fresh
        # clone's first build follows nothing that did. The rebuilds below do delete (each
        # file a build changes is replaced by a new one, src/write.rs), and on ext4 without a
        # journal, as on this project's machines, a new file then costs more for a minute or
        # more: the kernel passes over every inode freed in that time before it takes one
        # (`recently_deleted`, called from `ext4_create`): fresh-clone builds profiled within a
        # minute of many deletions spent some 60 ms of CPU time each on it.
        for _ in range(args.runs):
            # Each timed build follows an untimed one of its own kind, as every rebuild below
            # does: the build before leaves the machine in a state of its own (the data it
            # wrote still being synced, memory and caches as it left them).
            build(False, True)
            record("without cold", build(False, True))
            build(True, True)
            record("with cold", build(True, True))
            fresh_build()
            record("with fresh", fresh_build())
        for _ in range(args.runs):
            # Two builds of a kind first: a build reuses the site before last as its staging
            # folder (see src/write.rs), so both must be of the kind being measured.
            build(False, False)
            build(False, False)
            record("without warm", build(False, False))
            record("without edit", edited_build(False))
            build(True, False)
            build(True, False)
            record("with warm", build(True, False))
            record("with edit", edited_build(True))
            # And with no cache: every chapter analysed and the index made from nothing, into
            # a site that already holds what it writes, as the rebuild without search it is
            # compared with does (so two builds first: after the edit, the site before last,
            # which a build reuses, would differ in every shard, and the write would link
            # them all anew).
            build(True, False)
            build(True, False)
            drop_cache()
            record("with, no cache", build(True, False))
        m = {k: statistics.median(v) for k, v in rounds.items()}
        c = {k: statistics.median(v) for k, v in cpus.items()}
        site = os.path.join(manual, "public")
        search_bytes = size(os.path.join(site, "search"))
        site_bytes = size(site) - search_bytes
        shards = len(os.listdir(os.path.join(site, "search", "s")))
        client = json.loads(subprocess.run(["node", os.path.join(HERE, "search-client.mjs"), site] + QUERIES,
                                           check=True, capture_output=True, text=True).stdout)

        print(f"\n{args.chapters} chapters; builds: median of {args.runs} interleaved runs\n")
        # Besides the ratio of the medians, the median of each round's own ratio: the two builds
        # of a round run within a second of each other, on a machine in the same state (on a
        # virtual machine, what memory and the disk cost drifts from minute to minute), so it
        # is the steadier of the two.
        print("| build | without search | with search | ratio | each round's ratio, median | CPU time without, with, ratio |")
        print("|---|---|---|---|---|---|")
        for label, without, with_ in [
            ("new output folder, search cache kept", "without cold", "with cold"),
            ("fresh clone (no search cache, new output folder)", "without cold", "with fresh"),
            ("rebuild", "without warm", "with warm"),
            ("one chapter edited", "without edit", "with edit"),
            ("rebuild, search cache deleted", "without warm", "with, no cache"),
        ]:
            print(f"| {label} | {m[without] * 1000:.0f} ms | {m[with_] * 1000:.0f} ms | {m[with_] / m[without]:.2f}x "
                  f"| {own_ratio(rounds[with_], rounds[without]):.2f}x | {c[without] * 1000:.0f} ms, {c[with_] * 1000:.0f} ms, {c[with_] / c[without]:.2f}x |")
        print(f"\nsearch/: {search_bytes / 1e6:.1f} MB in {shards} shards plus excerpts; the rest of the site: {site_bytes / 1e6:.1f} MB\n")
        trials = len(client["browser"][0]["all"])
        print(f"| two-word query | index fetched | excerpts fetched | results in Chromium (median of {trials}) | each run |")
        print("|---|---|---|---|---|")
        for b, t in zip(client["bytes"], client["browser"]):
            each = ", ".join(f"{x:.0f}" for x in t["all"])
            print(f"| {b['query']} | {b['index'] / 1024:.0f} KB | {b['excerpts'] / 1024:.0f} KB | {t['ms']:.0f} ms | {each} |")
        idx = [b["index"] for b in client["bytes"]]
        ms = [t["ms"] for t in client["browser"]]
        every = [x for t in client["browser"] for x in t["all"]]
        print(f"\nindex fetched per query: median {statistics.median(idx) / 1024:.0f} KB, max {max(idx) / 1024:.0f} KB; "
              f"results after the last keystroke (each query's median): median {statistics.median(ms):.0f} ms, "
              f"max {max(ms):.0f} ms; slowest single run {max(every):.0f} ms")
        quoted = [b["index"] for b in client["phrases"]]
        checked = [b["checked"] for b in client["phrases"]]
        print(f"\nthe same queries quoted, as phrases: index fetched median {statistics.median(quoted) / 1024:.0f} KB, "
              f"max {max(quoted) / 1024:.0f} KB (with the terms of the {min(checked)}-{max(checked)} sections checked for the phrase)")
        if args.pagefind:
            copy = os.path.join(work, "pagefind-site")
            shutil.copytree(site, copy, ignore=shutil.ignore_patterns("search"))
            pf = json.loads(subprocess.run(["node", os.path.join(HERE, "pagefind.mjs"), args.pagefind, copy] + QUERIES,
                                           check=True, capture_output=True, text=True).stdout)
            exc = [b["excerpts"] for b in client["bytes"]]
            pidx = [q["index"] for q in pf["queries"]]
            pexc = [q["excerpts"] for q in pf["queries"]]
            print("\nSide by side on the same HTML, the same ten queries (medians; ten results' excerpts each):\n")
            print("| | procbook | Pagefind |")
            print("|---|---|---|")
            print(f"| index on disk | {search_bytes / 1e6:.1f} MB (uncompressed) | {pf['totalBytes'] / 1e6:.1f} MB (gzip inside its files) |")
            print(f"| index fetched per query | {statistics.median(idx) / 1024:.0f} KB | {statistics.median(pidx) / 1024:.0f} KB (with its WebAssembly) |")
            print(f"| excerpts fetched per query | {statistics.median(exc) / 1024:.0f} KB | {statistics.median(pexc) / 1024:.0f} KB |")
            print(f"| first query answered | {statistics.median(ms):.0f} ms after the last keystroke | {statistics.median(q['searchMs'] for q in pf['queries']):.0f} ms in pagefind.search() |")
            print(f"| indexing time | part of the build (see above) | {pf['indexSeconds']:.1f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
