#!/usr/bin/env python3
"""History benchmarks: the cost of the amendment log, and of one diff.

1. Records the 1,000-chapter manual from ../shared/bench/gen_manual.py through 12 monthly
   releases (`gen_manual.py --release K`, then `procbook release --date` its date), then times
   `procbook build` with the full history (amendments pages, every history page, redlines)
   against the same manual with its history/ folder moved away. The bar: at most 1.5 times.
   Redlines between released versions never change, so builds keep them in .procbook/; the
   "fresh clone" row is a build with neither that cache nor an output folder. Cold builds write
   to a new folder each time: this machine's ext4 makes a new file cost up to a millisecond
   when thousands were deleted in the last minutes, as re-creating public/ would do.
2. Times `procbook diff` on two versions of a 10,000-word chapter (five sections rewritten,
   one added, links changed), including the process start. The bar: at most 20 ms.

    python3 bench/history.py [--chapters 1000] [--releases 12] [--runs 5]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(REPO, "..", "shared", "bench", "gen_manual.py")
PROCBOOK = os.path.join(REPO, "target", "release", "procbook")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def timed(cmd, cwd, runs, env, cold_dir=None):
    times = []
    for _ in range(runs):
        if cold_dir:
            shutil.rmtree(cold_dir, ignore_errors=True)
            subprocess.run(["sync"])
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapters", type=int, default=1000)
    ap.add_argument("--releases", type=int, default=12)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not os.path.exists(PROCBOOK):
        sys.exit("build procbook first: cargo build --release")
    env = dict(os.environ, PROCBOOK_TODAY="2024-12-31")
    work = tempfile.mkdtemp(prefix="procbook-history-bench-")
    manual = os.path.join(work, "manual")
    try:
        release_times = []
        for k in range(args.releases + 1):
            run([sys.executable, GEN, "--chapters", str(args.chapters), "--release", str(k), "--out", manual])
            date = run([sys.executable, GEN, "--chapters", str(args.chapters), "--release", str(k), "--out", manual, "--print-date"]).stdout.strip()
            start = time.perf_counter()
            run([PROCBOOK, "release", "--date", date], cwd=manual, env=env)
            release_times.append(time.perf_counter() - start)
        store = os.path.join(manual, "history")
        versions = sum(len(files) for _, _, files in os.walk(os.path.join(store, "versions")))
        out = os.path.join(manual, "public")
        cache = os.path.join(manual, ".procbook")
        aside = os.path.join(work, "history-aside")

        fresh_outs = []

        def build(history, clear_out=False, clear_cache=False):
            if not history:
                shutil.move(store, aside)
            cmd = [PROCBOOK, "build"]
            if clear_out:
                # A cold build writes into a folder never used before. Deleting the last output
                # instead would measure ext4 skipping the thousands of inodes just freed.
                fresh_outs.append(os.path.join(work, f"out-{len(fresh_outs)}"))
                cmd += ["--out", fresh_outs[-1]]
            if clear_cache:
                shutil.rmtree(cache, ignore_errors=True)
            subprocess.run(["sync"])
            start = time.perf_counter()
            subprocess.run(cmd, cwd=manual, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            elapsed = time.perf_counter() - start
            if not history:
                shutil.move(aside, store)
            return elapsed

        # Interleaved, so that every variant meets the disk in the same state: file creation
        # here varies several-fold from minute to minute.
        build(True)
        rounds = {"without cold": [], "with cold": [], "with fresh": [], "without warm": [], "with warm": []}
        for _ in range(args.runs):
            rounds["without cold"].append(build(False, clear_out=True))
            rounds["with fresh"].append(build(True, clear_out=True, clear_cache=True))
            rounds["with cold"].append(build(True, clear_out=True))
            build(False)
            rounds["without warm"].append(build(False))
            build(True)
            rounds["with warm"].append(build(True))
        m = {k: statistics.median(v) for k, v in rounds.items()}
        without_cold, with_cold, with_fresh = m["without cold"], m["with cold"], m["with fresh"]
        without_warm, with_warm = m["without warm"], m["with warm"]
        pages = len(os.listdir(os.path.join(out, "history")))

        print(f"\n{args.chapters} chapters, {args.releases} monthly releases after the baseline, {versions} versions stored,"
              f" {pages} history pages; median of {args.runs} runs\n")
        print("| build | without history | with history | ratio |")
        print("|---|---|---|---|")
        print(f"| cold: empty output folder | {without_cold:.2f} s | {with_cold:.2f} s | {with_cold / without_cold:.2f}x |")
        print(f"| rebuild | {without_warm:.2f} s | {with_warm:.2f} s | {with_warm / without_warm:.2f}x |")
        print(f"| fresh clone: no output, no redline cache | {without_cold:.2f} s | {with_fresh:.2f} s | {with_fresh / without_cold:.2f}x |")
        print(f"\n`procbook release`: baseline {release_times[0]:.2f} s, monthly releases median {statistics.median(release_times[1:]):.2f} s")

        # A 10,000-word chapter: four generated chapters' bodies in one, then edited.
        chapters = []
        for dirpath, _, files in os.walk(os.path.join(manual, "content")):
            chapters += [os.path.join(dirpath, f) for f in files if f.endswith(".md") and f != "_index.md"]
        chapters.sort()
        body = ""
        for path in chapters:
            text = open(path, encoding="utf-8").read().split("---", 2)[2]
            body += text
            if len(body.split()) >= 10_000:
                break
        words = body.split()
        old = "---\ntitle: Long Chapter\n---\n" + body
        paragraphs = body.split("\n\n")
        for i in range(5, len(paragraphs), max(1, len(paragraphs) // 5)):
            paragraphs[i] = " ".join(reversed(paragraphs[i].split()))
        paragraphs.insert(len(paragraphs) // 2, "## A New Section\n\nA new section with new text about the duty to notify the Director.")
        new = "---\ntitle: Long Chapter\n---\n" + "\n\n".join(paragraphs).replace("https://www.gov.uk/guidance/example-1", "https://www.gov.uk/guidance/example-one")
        for name, text in (("old.md", old), ("new.md", new)):
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                f.write(text)
        diff_cmd = [PROCBOOK, "diff", "old.md", "new.md", "--format", "json"]
        timed(diff_cmd, work, 3, env)
        diff_time = timed(diff_cmd, work, 21, env)
        print(f"`procbook diff` of two {len(words):,}-word versions: median {diff_time * 1000:.1f} ms of 21 runs, process start included")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
