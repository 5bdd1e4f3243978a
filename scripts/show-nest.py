#!/usr/bin/env python3
"""Prints the loop nest of the first materialised layer of an MLIR file
(the output of kapla-materialize): its loops, mappings and tile op, one line
each, without the attributes.

Usage: scripts/show-nest.py FILE.mlir
"""
import re
import sys

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = next((i for i, l in enumerate(lines)
              if re.search(r"= scf\.(for|forall) ", l)), None)
if start is None:
    sys.exit("no materialised loop nest")
base = len(lines[start]) - len(lines[start].lstrip())
for line in lines[start:]:
    indent = len(line) - len(line.lstrip())
    text = line.strip()
    short = re.sub(r"\s*\{kapla\..*$", "", text)
    short = re.sub(r"iter_args\(.*$|shared_outs\(.*$", "", short)
    short = re.sub(r" \{[^{}]*\}", "", short).rstrip()
    mapping = re.search(r"mapping = \[.*\]", text)
    if re.search(r"scf\.(for|forall) |linalg\.(?!fill|yield)\w+ |linalg\.reduce", text):
        print(" " * (indent - base) + short[:110])
    elif text.startswith("}") and mapping:
        print(" " * (indent - base) + "} " + mapping.group(0))
    if indent == base and text.startswith("}"):
        name = re.search(r'kapla\.name = "([^"]*)"', text)
        if name:
            print(" " * (indent - base) + f"}} (layer {name.group(1)})")
        break
