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


def timed(command, **run):
    """Runs `command` (as `subprocess.run` takes it, with `run`'s other arguments; its output
    dropped, and an error if it fails), and returns its wall time and the CPU time (user and
    system) it used, in seconds. The CPU time is steadier than the wall time on a shared machine,
    whose other work takes the cores from a command but not its CPU time."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, after.children_user + after.children_system - before.children_user - before.children_system


def own_ratio(times, base):
    """The median of each round's own ratio of `times` to `base` (both in round order)."""
    return statistics.median(t / b for t, b in zip(times, base))


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
            took, used = timed(command, shell=True)
            wall[label].append(took)
            cpu[label].append(used)
    for label, _, _ in specs:
        print(f"{label:24s} wall {statistics.median(wall[label]) * 1000:7.1f} ms  "
              f"CPU {statistics.median(cpu[label]) * 1000:7.1f} ms  fastest {min(wall[label]) * 1000:.1f} ms")
    base = specs[0][0]
    for label, _, _ in specs[1:]:
        print(f"{label:24s} {statistics.median(wall[label]) / statistics.median(wall[base]):.2f}x of {base} "
              f"(each round's ratio, median: {own_ratio(wall[label], wall[base]):.2f}x)")


if __name__ == "__main__":
    main()
