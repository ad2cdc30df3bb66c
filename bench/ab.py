#!/usr/bin/env python3
"""Interleaved A/B timing of shell commands: each round runs every command once, in turn, so
that the machine's drift (on a virtual machine, what memory and the disk cost moves from minute
to minute) falls on all of them alike.

    python3 bench/ab.py ROUNDS "LABEL=SETUP;;COMMAND" ...

SETUP runs untimed before each COMMAND (it may be empty). Both run in a shell, in the current
folder. The first command is the baseline: the others' ratios are against it.

Example, in a manual's folder (the 1,000-chapter one from ../shared/bench/gen_manual.py), with
a release build on the PATH as `procbook`: the index made from nothing against a rebuild
without search, each after one of its own kind:

    python3 bench/ab.py 15 \\
      "without=procbook build --no-search --out /tmp/a;;procbook build --no-search --out /tmp/a" \\
      "no cache=rm -f .procbook/search.cache; procbook build --out /tmp/b; rm -f .procbook/search.cache;;procbook build --out /tmp/b"

Prints each command's median wall time, median CPU time (user and system, its children's) and
fastest run, then each one's ratio to the baseline: of the medians, and the median of the
rounds' own ratios.
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    specs = []
    for arg in sys.argv[2:]:
        label, sep, rest = arg.partition("=")
        setup, sep2, command = rest.partition(";;")
        if not sep or not sep2:
            sys.exit(f"not LABEL=SETUP;;COMMAND: {arg!r}")
        specs.append((label, setup, command))
    wall = {label: [] for label, _, _ in specs}
    cpu = {label: [] for label, _, _ in specs}
    for _ in range(rounds):
        for label, setup, command in specs:
            if setup.strip():
                subprocess.run(setup, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            before = os.times()
            start = time.perf_counter()
            subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall[label].append(time.perf_counter() - start)
            after = os.times()
            cpu[label].append(after.children_user + after.children_system - before.children_user - before.children_system)
    for label, _, _ in specs:
        print(f"{label:24s} wall {statistics.median(wall[label]) * 1000:7.1f} ms  "
              f"CPU {statistics.median(cpu[label]) * 1000:7.1f} ms  fastest {min(wall[label]) * 1000:.1f} ms")
    base = specs[0][0]
    for label, _, _ in specs[1:]:
        own = statistics.median(w / b for w, b in zip(wall[label], wall[base]))
        print(f"{label:24s} {statistics.median(wall[label]) / statistics.median(wall[base]):.2f}x of {base} "
              f"(each round's ratio, median: {own:.2f}x)")


if __name__ == "__main__":
    main()
