#!/usr/bin/env python3
"""Prints a kapla report (the JSON of docs/UserGuide.md) as a readable table.

Usage: summarize-report.py REPORT_JSON
"""
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    layers = r["layers"]
    arch = r.get("arch", {}).get("name")
    step = "training step, " if r["options"].get("training") else ""
    print(f"network {r['network']}: {len(layers)} layers, {step}batch "
          f"{r['options']['batch']}, {r['totals']['macs']:,} MACs"
          + (f", on {arch}" if arch else ""))
    if "segments" in r:
        print_schedule(r)
        return
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


def print_schedule(r):
    t = r["totals"]
    names = {l["name"]: l for l in r["layers"]}
    print()
    print(f"  {'seg':>3} {'pipeline':<9} {'layer':<22} {'kind':<8} "
          f"{'region':<13} {'energy (uJ)':>12} {'cycles':>12}")
    for s in r["segments"]:
        for i, name in enumerate(s["layers"]):
            l = names[name]
            reg = "[" + ",".join(str(x) for x in l["region"]) + "]"
            print(f"  {s['index'] if i == 0 else '':>3} "
                  f"{s['pipeline'] if i == 0 else '':<9} {name:<22} "
                  f"{l['kind']:<8} {reg:<13} {l['energy_pj'] / 1e6:>12.2f} "
                  f"{l['cycles']:>12,.0f}")
    print()
    e = t["energy_pj"]
    print(f"  energy {e / 1e6:,.1f} uJ:", ", ".join(
        f"{k} {v / e * 100:.1f}%" for k, v in t["breakdown_pj"].items()))
    print(f"  cycles {t['cycles']:,.0f}")
    print(f"  lower bound: energy {t['lower_bound_energy_pj'] / 1e6:,.1f} uJ "
          f"(schedule {e / t['lower_bound_energy_pj']:.2f}x), cycles "
          f"{t['lower_bound_cycles']:,.0f} (schedule "
          f"{t['cycles'] / t['lower_bound_cycles']:.2f}x)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
