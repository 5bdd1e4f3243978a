#!/usr/bin/env python3
"""Reads a trace written by kapla-estimate-cost{trace=...} beside the
report of the same run and checks it: one slice per segment on the
segments track, whose length is the segment's cycles at the clock of the
report's architecture, one after another; one slice per layer on the track
of its node region, inside its segment's slice, lasting its cycles (in a
temporal segment) or spanning its groups; groups of a layer one after
another, each lasting the layer's cycles over the group count, group g
starting after group g of the layer's producers in the segment ends; no two
layers overlapping on one track; each layer's DRAM phases on its
region's DRAM track, inside the layer, as long as its DRAM words over the
bandwidth, its bus phases inside it too. Prints a summary.

Usage: checktrace.py TRACE REPORT
"""
import collections
import json
import sys

EPS = 1e-6


def main():
    trace = json.load(open(sys.argv[1], encoding="utf-8"))
    report = json.load(open(sys.argv[2], encoding="utf-8"))
    us = 1.0 / report["arch"]["freq_mhz"]
    events = trace["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    slices = [e for e in events if e["ph"] == "X"]
    segs = [e for e in slices if e["cat"] == "segment"]
    layers = {e["name"]: e for e in slices if e["cat"] == "layer"}
    groups = [e for e in slices if e["cat"] == "group"]
    errors = []

    def check(cond, what):
        if not cond:
            errors.append(what)

    check(len(segs) == len(report["segments"]), "one slice per segment")
    start = 0.0
    for seg, rs in zip(segs, report["segments"]):
        check(abs(seg["ts"] - start) < EPS, f"{seg['name']} starts at {start}")
        check(abs(seg["dur"] - rs["cycles"] * us) < EPS,
              f"{seg['name']} lasts its cycles")
        check(names[(seg["pid"], seg["tid"])] == "segments",
              "segments on their track")
        start += seg["dur"]
    by_name = {l["name"]: l for l in report["layers"]}
    check(set(layers) == set(by_name), "one slice per layer")
    for rl in report["layers"]:
        e = layers.get(rl["name"])
        if e is None:
            continue
        seg = segs[rl["segment"]]
        r = rl["region"]
        check(names[(e["pid"], e["tid"])] ==
              f"nodes [{r[0]}, {r[1]}] {r[2]}x{r[3]}",
              f"{rl['name']} on its region's track")
        check(e["ts"] >= seg["ts"] - EPS and
              e["ts"] + e["dur"] <= seg["ts"] + seg["dur"] + EPS,
              f"{rl['name']} inside its segment")
        n = e["args"]["groups"]
        mine = sorted((g for g in groups if g["tid"] == e["tid"] and
                       e["ts"] - EPS <= g["ts"] <= e["ts"] + e["dur"] + EPS),
                      key=lambda g: g["ts"])
        if n == 1:
            check(abs(e["dur"] - rl["cycles"] * us) < EPS,
                  f"{rl['name']} lasts its cycles")
            continue
        check(len(mine) == n, f"{rl['name']} has {n} groups")
        for k, g in enumerate(mine):
            check(abs(g["dur"] - rl["cycles"] * us / n) < EPS,
                  f"{rl['name']} group {k} lasts its share")
            if k:
                check(g["ts"] >= mine[k - 1]["ts"] + mine[k - 1]["dur"] - EPS,
                      f"{rl['name']} groups in order")
            for p in rl["producers"]:
                pe = layers.get(p)
                if pe is None or by_name[p]["segment"] != rl["segment"]:
                    continue
                pg = sorted((x for x in groups if x["tid"] == pe["tid"] and
                             pe["ts"] - EPS <= x["ts"] <= pe["ts"] + pe["dur"] + EPS),
                            key=lambda x: x["ts"])
                if len(pg) > k:
                    check(g["ts"] >= pg[k]["ts"] + pg[k]["dur"] - EPS,
                          f"{rl['name']} group {k} after {p}'s")
    # DRAM and bus phases: on their region's DRAM and bus tracks, inside
    # the layer's slice (one per group in a spatial segment); the DRAM
    # phases last the layer's DRAM words over the bandwidth, the bus phases
    # at most the layer's cycles.
    phases = [e for e in slices if e["cat"] in ("dram", "bus")]
    word_bytes = report["arch"]["word_bits"] / 8
    bandwidth = report["arch"]["dram_bw_bytes_per_cycle"]
    for rl in report["layers"]:
        e = layers.get(rl["name"])
        if e is None:
            continue
        r = rl["region"]
        for cat, label in (("dram", "DRAM"), ("bus", "bus")):
            mine = [p for p in phases if p["cat"] == cat and
                    p["name"] == f"{rl['name']} {label}"]
            total = sum(p["dur"] for p in mine)
            for p in mine:
                check(names[(p["pid"], p["tid"])] ==
                      f"nodes [{r[0]}, {r[1]}] {r[2]}x{r[3]} {label}",
                      f"{p['name']} on its region's {label} track")
                check(p["ts"] >= e["ts"] - EPS and
                      p["ts"] + p["dur"] <= e["ts"] + e["dur"] + EPS,
                      f"{p['name']} inside its layer")
            if cat == "dram":
                want = rl["accesses"]["dram"] * word_bytes / bandwidth * us
                check(abs(total - want) <= EPS * max(1.0, want),
                      f"{rl['name']}'s DRAM phases last {total}, its words "
                      f"{want}")
            else:
                check(total <= rl["cycles"] * us + EPS,
                      f"{rl['name']}'s bus phases outlast it")
    per_track = collections.defaultdict(list)
    for e in layers.values():
        per_track[(e["pid"], e["tid"])].append(e)
    for track, es in per_track.items():
        es.sort(key=lambda e: e["ts"])
        for a, b in zip(es, es[1:]):
            check(b["ts"] >= a["ts"] + a["dur"] - EPS,
                  f"{a['name']} and {b['name']} overlap on {names[track]}")
    for e in errors:
        print("error:", e)
    dram = sum(p["cat"] == "dram" for p in phases)
    print(f"{len(segs)} segments, {len(layers)} layers on "
          f"{len(per_track)} region tracks, {len(groups)} group slices, "
          f"{dram} DRAM and {len(phases) - dram} bus phases, "
          f"{len(errors)} errors")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
