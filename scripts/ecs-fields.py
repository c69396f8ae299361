#!/usr/bin/env python3
"""Rewrites tests/data/ecs-fields.csv from ECS's generated/csv/fields.csv.

Usage: scripts/ecs-fields.py fields.csv COMMIT > tests/data/ecs-fields.csv
(fields.csv from https://raw.githubusercontent.com/elastic/ecs/COMMIT/generated/csv/fields.csv).
Keeps the rows of the field sets --format ecs writes and the first seven
columns.
"""
import csv
import sys

SETS = {"base", "destination", "ecs", "error", "event", "network", "related", "source", "tls"}


def main():
    path, commit = sys.argv[1], sys.argv[2]
    rows = [r for r in csv.reader(open(path, newline="")) if r]
    header, body = rows[0], [r for r in rows[1:] if r[2] in SETS]
    version = body[0][0]
    print(f"""# Elastic Common Schema field list: the rows of elastic/ecs
# generated/csv/fields.csv at commit {commit}
# (ECS {version}) for the field sets --format ecs writes (base, destination,
# ecs, error, event, network, related, source, tls), with the first seven
# columns (Example and Description left out). ECS is under the Apache
# License 2.0 (elastic/ecs LICENSE.txt). tests/ecs.rs checks every field
# --format ecs emits, and its JSON type, against this list;
# scripts/ecs-fields.py rewrites it from a downloaded fields.csv.""")
    print(",".join(header[:7]))
    for r in body:
        print(",".join(r[:7]))


if __name__ == "__main__":
    main()
