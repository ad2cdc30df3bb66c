#!/usr/bin/env python3
"""Live-preview benchmark: from saving a chapter to the browser's reload event.

Generates the 1,000-chapter manual with ../shared/bench/gen_manual.py, starts
`procbook serve` on it, listens to the live-reload event stream as a page does, then saves
--edits chapters one after another (each an editor-style atomic save: a temporary file
renamed over the chapter) and measures, for each, the time from the save to the `reload`
event. The server's own report gives the incremental rebuild time. Finally it edits a
template and compares that reload with a full `procbook build` of the same manual.

    python3 bench/serve.py                  # 1,000 chapters, 20 edits
    python3 bench/serve.py --chapters 200 --edits 10

Needs a release build (cargo build --release).
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(REPO, "..", "shared", "bench", "gen_manual.py")


class Events:
    """The server-sent event stream, read on a thread; records when each reload arrived."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"GET /__procbook/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        self.reloads = []
        self.cond = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            now = time.perf_counter()
            buf += data
            while b"event: reload" in buf:
                buf = buf.split(b"event: reload", 1)[1]
                with self.cond:
                    self.reloads.append(now)
                    self.cond.notify_all()

    def wait(self, count, timeout=30):
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.reloads) >= count, timeout)
        if not ok:
            sys.exit(f"no reload event {count} within {timeout} s")
        return self.reloads[count - 1]


def save(path, text):
    temp = path + ".tmp~"
    with open(temp, "w") as f:
        f.write(text)
    os.replace(temp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapters", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--procbook", default=os.path.join(REPO, "target", "release", "procbook"))
    args = ap.parse_args()
    if not os.path.exists(args.procbook):
        sys.exit("build procbook first: cargo build --release")

    work = tempfile.mkdtemp(prefix="procbook-serve-bench-")
    root = os.path.join(work, "manual")
    subprocess.run([sys.executable, GEN, "--chapters", str(args.chapters), "--format", "procbook",
                    "--out", root], check=True, stdout=subprocess.DEVNULL)
    chapters = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "content"))
        for f in fs if f.endswith(".md") and f != "_index.md")
    server = subprocess.Popen([args.procbook, "serve", "--port", "0", "--verbose"], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    port = None
    try:
        for line in server.stdout:
            lines.append(line)
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("serve did not start:\n" + "".join(lines))
        threading.Thread(target=lambda: [lines.append(l) for l in server.stdout], daemon=True).start()
        events = Events(port)
        time.sleep(1.0)

        latencies = []
        step = max(1, len(chapters) // args.edits)
        for i in range(args.edits):
            path = chapters[(i * step + 7) % len(chapters)]
            with open(path) as f:
                text = f.read()
            # A realistic edit: a sentence added to the body.
            start = time.perf_counter()
            save(path, text + f"\nThis sentence was added by edit {i}.\n")
            arrived = events.wait(i + 1)
            latencies.append((arrived - start) * 1000)
            time.sleep(0.3)
        rebuilds = [float(m.group(1)) for l in lines
                    for m in [re.match(r"Rebuilt in (\d+) ms", l)] if m]

        # A template edit: every page changes.
        theme = os.path.join(root, "themes", "default", "templates")
        os.makedirs(theme, exist_ok=True)
        with open(os.path.join(REPO, "themes", "default", "templates", "chapter.html")) as f:
            template = f.read()
        start = time.perf_counter()
        save(os.path.join(theme, "chapter.html"),
             template.replace("{% block content %}", "{% block content %}<!-- edited -->", 1))
        template_ms = (events.wait(args.edits + 1) - start) * 1000
    finally:
        server.terminate()
        server.wait()

    full = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([args.procbook, "build", "--no-search"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        full.append((time.perf_counter() - start) * 1000)
    shutil.rmtree(work, ignore_errors=True)

    print(f"{args.chapters} chapters, {args.edits} edits (atomic saves)")
    print(f"save -> reload event:   median {statistics.median(latencies):.0f} ms, "
          f"max {max(latencies):.0f} ms  (bar: median <= 150 ms)")
    if rebuilds:
        print(f"incremental rebuild:    median {statistics.median(rebuilds):.0f} ms, "
              f"max {max(rebuilds):.0f} ms  (bar: <= 50 ms; server's own timing)")
    print(f"template edit -> reload: {template_ms:.0f} ms; full build --no-search: "
          f"median {statistics.median(full):.0f} ms  (bar: template <= full build)")


if __name__ == "__main__":
    main()
