#!/usr/bin/env python3
"""Prints a kapla report (spec 7.2 JSON) as a readable table.

Usage: summarize-report.py REPORT_JSON
"""
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    layers = r["layers"]
    print(f"network {r['network']}: {len(layers)} layers, batch "
          f"{r['options']['batch']}, {r['totals']['macs']:,} MACs")
    kinds = {}
    for l in layers:
        kinds[l["kind"]] = kinds.get(l["kind"], 0) + 1
    print("  " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    print()
    print(f"  {'layer':<24} {'kind':<8} {'N':>5} {'C':>6} {'K':>6} "
          f"{'HoxWo':>9} {'RxS':>5} {'s':>2} {'MACs':>15}  producers")
    for l in layers:
        d = l["dims"]
        hw = f"{d['Ho']}x{d['Wo']}"
        rs = f"{d['R']}x{d['S']}"
        prods = ", ".join(l["producers"]) or "(network input)"
        print(f"  {l['name']:<24} {l['kind']:<8} {d['N']:>5} {d['C']:>6} "
              f"{d['K']:>6} {hw:>9} {rs:>5} {d['sy']:>2} {l['macs']:>15,}  "
              f"{prods}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
