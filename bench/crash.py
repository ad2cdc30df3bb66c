#!/usr/bin/env python3
"""The long crash campaign for the version store, on a release build.

Runs the crash tests of tests/integration/crash.rs with more work than CI gives them:
`procbook release` killed with SIGKILL at --kills seeded random points spread over 0 to 1.2
times an uninterrupted release (the demo manual with twelve chapters changed, one added and
one removed), checking after every kill that `procbook history verify` passes, that every file
recorded before is byte for byte as it was and that the release is recorded whole or not at
all; then the release run to the end, recorded exactly once. Then --rounds rounds of two
releases started at once. Prints the figures; exits 1 if any check failed.

    python3 bench/crash.py [--kills 500] [--rounds 100] [--seed 0x5eed0fc0ffee]

It builds with `cargo test --release` (set CARGO_TARGET_DIR to share a target folder).
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
KILLS = "crash::a_release_killed_at_random_points_loses_nothing_and_is_redone_exactly_once"
ROUNDS = "crash::two_releases_at_once_record_one_and_corrupt_nothing"


def run_test(name, env):
    cmd = ["cargo", "test", "--release", "--test", "integration", name, "--", "--exact", "--nocapture"]
    started = time.perf_counter()
    p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    return p, time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", default="0x5eed0fc0ffee")
    args = ap.parse_args()
    env = dict(os.environ, PROCBOOK_CRASH_KILLS=str(args.kills),
               PROCBOOK_CRASH_ROUNDS=str(args.rounds), PROCBOOK_CRASH_SEED=args.seed)
    build = subprocess.run(["cargo", "test", "--release", "--test", "integration", "--no-run"], cwd=REPO, env=env)
    if build.returncode != 0:
        sys.exit("the release build of the tests failed")
    failed = False
    for name, pattern in [(KILLS, r"crash campaign: .*"), (ROUNDS, r"two releases at once, .*")]:
        p, took = run_test(name, env)
        found = re.search(pattern, p.stderr)
        print(found.group(0) if found else f"{name}: no figures printed")
        print(f"  ({took:.0f} s, {'passed' if p.returncode == 0 else 'FAILED'})")
        if p.returncode != 0:
            failed = True
            print(p.stdout[-4000:], p.stderr[-4000:], sep="\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
