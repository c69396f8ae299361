#!/usr/bin/env python3
"""How busy each thread of a command is, interval by interval: samples its
threads' CPU time with `perf record -e cpu-clock` and prints, per interval,
the percentage of it each thread was running. A thread well under 100%
while another is at 100% waits for it (docs/performance.md).

    benches/threads.py [-i MS] COMMAND [ARGS...]

Needs perf. Output of the command is thrown away. Not part of the test suite.
"""
import collections
import os
import subprocess
import sys
import tempfile

HZ = 2000


def main():
    args = sys.argv[1:]
    ms = 50
    if len(args) >= 2 and args[0] == "-i":
        ms, args = int(args[1]), args[2:]
    if not args:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "perf.data")
        subprocess.run(
            ["perf", "record", "-q", "-F", str(HZ), "-e", "cpu-clock", "-o", data, "--", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        out = subprocess.run(
            ["perf", "script", "-i", data, "-F", "tid,time"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    rows = [(tid, float(t.rstrip(":"))) for tid, t in rows]
    if not rows:
        sys.exit("no samples (is perf allowed to run?)")
    t0 = rows[0][1]
    buckets = collections.defaultdict(collections.Counter)
    for tid, t in rows:
        buckets[int((t - t0) * 1000 / ms)][tid] += 1
    total = collections.Counter(tid for tid, _ in rows)
    tids = sorted(total, key=lambda t: -total[t])
    full = HZ * ms / 1000
    print("interval | " + " | ".join(f"thread {t}" for t in tids))
    for k in sorted(buckets):
        cells = " | ".join(f"{100 * buckets[k][t] / full:3.0f}%" for t in tids)
        print(f"{k * ms:6d} ms | {cells}")
    print("CPU s    | " + " | ".join(f"{total[t] / HZ:.2f}" for t in tids))


main()
