#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak RssAnon (anonymous
memory: what the process allocated, not the page cache of a mapped capture),
sampled from /proc every 5 ms.

    scripts/rss-anon.py COMMAND [ARGS...]
"""
import subprocess
import sys
import time


def rss_anon_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    start = time.monotonic()
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        peak = max(peak, rss_anon_kib(p.pid))
        time.sleep(0.005)
    wall = time.monotonic() - start
    print(f"{wall:.2f} s wall, peak RssAnon {peak / 1024:.0f} MiB, exit {p.returncode}")


if __name__ == "__main__":
    main()
