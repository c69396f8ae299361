#!/usr/bin/env python3
"""Checks a report against the truth file of a generated capture: every
connection (ordered by id, its rank by first frame) with the status the
generator meant.

    pcap-tls-audit --format jsonl CAPTURE | benches/check-truth.py CAPTURE.truth.tsv

Exits 1 and shows the first differences when they disagree.
"""
import json
import sys

want = [tuple(l.rstrip("\n").split("\t")[:2]) for l in open(sys.argv[1]) if l.strip()]
rows = [json.loads(line) for line in sys.stdin]
rows = [r for r in rows if r.get("type", "connection") == "connection"]
# jsonl comes in completion order: the id is the rank by first frame.
rows.sort(key=lambda c: c["id"])
got = [(c["client"], c["status"]) for c in rows]
wrong = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
print(f"{len(got)} connections reported, {len(want)} in the truth file, {len(wrong)} differ")
for i, g, w in wrong[:10]:
    print(f"  #{i + 1}: reported {g}, truth {w}")
sys.exit(0 if len(got) == len(want) and not wrong else 1)
