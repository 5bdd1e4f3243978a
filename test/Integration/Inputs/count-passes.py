#!/usr/bin/env python3
"""Prints how many layers of each kind and pass a kapla report has, sorted,
then the report's training option."""
import collections
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)
counts = collections.Counter((l["kind"], l["pass"]) for l in report["layers"])
for (kind, p), n in sorted(counts.items()):
    print(kind, p, n)
print("training", "true" if report["options"]["training"] else "false")
