#!/usr/bin/env python3
"""Writes a key log of N sessions (a day of SSLKEYLOGFILE on a busy
gateway: a CLIENT_RANDOM line each, 176 bytes; 2 000 000 make 352 MB), then the
lines of a sample's own key log, so that the sample's connection is opened:
the case of the key log's memory bound.

    benches/keylog-day.py 2000000 samples/keylog-curl-tls13-ok.keylog /tmp/day.keylog
    scripts/rss-anon.py target/release/pcap-tls-audit -q --keylog /tmp/day.keylog --format jsonl -o /dev/null samples/keylog-curl-tls13-ok.pcap
"""
import random
import sys

n, own, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(1)
with open(out, "w") as f:
    for _ in range(n):
        f.write(f"CLIENT_RANDOM {rng.randbytes(32).hex()} {rng.randbytes(48).hex()}\n")
    f.write(open(own).read())
