#!/usr/bin/env python3
"""Build-speed benchmark: procbook against Hugo and mdBook on the same generated manual.

Generates the 1,000-chapter manual with ../shared/bench/gen_manual.py in each tool's format,
builds each one --runs times on this machine, one after another in the same run, and prints
the median wall time, the peak memory (max RSS) and procbook's speed-up over each peer.

    python3 bench/build.py                 # 1,000 chapters, 5 runs each
    python3 bench/build.py --chapters 200 --runs 3

Needs a release build (cargo build --release), hugo (apt-get install hugo) and mdbook
(cargo install mdbook); a peer that is not installed is reported and skipped.
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


def measure(cmd, cwd, env=None):
    """Runs cmd once; returns (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{stderr[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def dir_size_mb(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    return total / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--procbook", default=os.path.join(REPO, "target", "release", "procbook"))
    args = ap.parse_args()
    if not os.path.exists(args.procbook):
        sys.exit("build procbook first: cargo build --release")

    work = tempfile.mkdtemp(prefix="procbook-bench-")
    try:
        for fmt in ("procbook", "hugo", "mdbook"):
            subprocess.run([sys.executable, GEN, "--chapters", str(args.chapters), "--format", fmt,
                            "--out", os.path.join(work, fmt)], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, PROCBOOK_TODAY="2023-01-15")
        tools = {
            "procbook": ([args.procbook, "build"], os.path.join(work, "procbook"), "public"),
            "procbook --no-search": ([args.procbook, "build", "--no-search"], os.path.join(work, "procbook"), "public"),
            "hugo": (["hugo", "--quiet"], os.path.join(work, "hugo"), "public"),
            "mdbook": (["mdbook", "build"], os.path.join(work, "mdbook"), "book"),
        }
        results = {}
        for name, (cmd, cwd, out) in tools.items():
            if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):  # a peer not installed
                print(f"{name}: not installed, skipped")
                continue
            flag = "version" if name == "hugo" else "--version"
            version = subprocess.run([cmd[0], flag], capture_output=True, text=True).stdout.strip()
            measure(cmd, cwd, env)  # warm the page cache
            cold = []
            for _ in range(args.runs):
                # As from a fresh clone: procbook's spare copy of the last site (its next
                # staging folder) and its search cache go too.
                for gone in [out, f".{out}.procbook-old", f".{out}.procbook-new"]:
                    shutil.rmtree(os.path.join(cwd, gone), ignore_errors=True)
                if name.startswith("procbook"):
                    cache = os.path.join(cwd, ".procbook", "search.cache")
                    if os.path.exists(cache):
                        os.remove(cache)
                subprocess.run(["sync"])
                cold.append(measure(cmd, cwd, env))
            rebuild = [measure(cmd, cwd, env) for _ in range(args.runs)]
            label = " ".join(version.splitlines()[0].split()[:2]) if version else name
            if name.startswith("procbook") and " " in name:
                label += " " + name.split(" ", 1)[1]
            results[name] = {
                "version": label,
                "cold": statistics.median(r[0] for r in cold),
                "rebuild": statistics.median(r[0] for r in rebuild),
                "peak_mb": max(r[1] for r in cold + rebuild),
                "output_mb": dir_size_mb(os.path.join(cwd, out)),
            }
        print(f"\n{args.chapters} chapters, median of {args.runs} runs each, {os.cpu_count()} cores")
        print("cold: output folder (and procbook's spare copy and search cache) removed first; rebuild: the previous output is there")
        print("procbook's build includes its search index; Hugo's makes none; mdBook's includes one\n")
        print("| tool | cold build | rebuild | peak memory | output | procbook is (cold, rebuild) |")
        print("|---|---|---|---|---|---|")
        base = results.get("procbook")
        for name, r in results.items():
            ratio = ""
            if not name.startswith("procbook") and base:
                ratio = f"{r['cold'] / base['cold']:.1f}x, {r['rebuild'] / base['rebuild']:.1f}x faster"
            print(f"| {r['version']} | {r['cold']:.2f} s | {r['rebuild']:.2f} s | {r['peak_mb']:.0f} MB | {r['output_mb']:.0f} MB | {ratio} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
