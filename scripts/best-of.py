#!/usr/bin/env python3
"""Runs a command N times and prints the best wall time and the best CPU
time (user + system, of the command and its children): on a shared machine
the best of a few runs is the figure that noise did not inflate.

    scripts/best-of.py N COMMAND [ARGS...]
"""
import os
import subprocess
import sys
import time

n = int(sys.argv[1])
walls, cpus = [], []
for _ in range(n):
    before = os.times()
    start = time.monotonic()
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append(time.monotonic() - start)
    after = os.times()
    cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
print(f"best of {n}: {min(walls):.2f} s wall, {min(cpus):.2f} s CPU")
