#!/usr/bin/env python3
"""Compares commands on a noisy machine: runs them in turn, N rounds (A B C
A B C ...), so that a slow minute slows all of them alike, and prints the
least, the median and the most wall time of each.

    benches/ab.py N "COMMAND A" "COMMAND B" ...

Each command is split on spaces (no quoting); use `env VAR=1 command` for
environment variables. Output is thrown away. Not part of the test suite.
"""
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 3:
    sys.exit(__doc__)
n = int(sys.argv[1])
cmds = [c.split() for c in sys.argv[2:]]
res = [[] for _ in cmds]
for _ in range(n):
    for j, c in enumerate(cmds):
        t = time.monotonic()
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res[j].append(time.monotonic() - t)
for c, r in zip(sys.argv[2:], res):
    r.sort()
    print(f"least {r[0]:.3f} s, median {statistics.median(r):.3f} s, most {r[-1]:.3f} s: {c}")
