#!/usr/bin/env python3
"""Two kapla-opt binaries on the zoo: what a change to the solver does.

For each batch, mode (inference, training), architecture and network it
runs kapla-schedule on one thread with the binary before and then the one
after (solver=kapla, the defaults otherwise), and prints the total energy
after over before and both solve times; last, per batch and mode, the
runs whose energy went down and up, the extremes of the ratio and the
ratio of the summed solve times. The two binaries run one after the other
on the same core, so the times compare within one run of this script.
Architectures are presets or files of benchmarks/arch/ (by name).

Usage: benchmarks/versus.py --before PATH --after PATH [--networks a,b]
           [--modes inference,training] [--archs a,b] [--batches 16,64]
           [--json OUT]
"""
import argparse
import json

from quality import NETWORKS, schedule

ARCHS = ["edge-systolic", "one-node-8x8", "2x2-nodes-8x8", "multi-node-4x4"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--modes", default="inference,training")
    ap.add_argument("--archs", default=",".join(ARCHS))
    ap.add_argument("--batches", default="16,64")
    ap.add_argument("--json", default=None)
    opts = ap.parse_args()

    rows = []
    print(f"{'batch':>5} {'mode':<9} {'arch':<16} {'network':<10} "
          f"{'after/before':>12} {'s before':>9} {'s after':>8}")
    for batch in [int(b) for b in opts.batches.split(",")]:
        for mode in opts.modes.split(","):
            extra = "training=true" if mode == "training" else ""
            for arch in opts.archs.split(","):
                for net in opts.networks.split(","):
                    b = schedule(opts.before, net, arch, batch, extra)
                    a = schedule(opts.after, net, arch, batch, extra)
                    row = {"batch": batch, "mode": mode, "arch": arch,
                           "network": net, "before_pj": b["energy_pj"],
                           "after_pj": a["energy_pj"],
                           "ratio": a["energy_pj"] / b["energy_pj"],
                           "before_s": b["solve_seconds"],
                           "after_s": a["solve_seconds"]}
                    rows.append(row)
                    print(f"{batch:>5} {mode:<9} {arch:<16} {net:<10} "
                          f"{row['ratio']:>12.5f} {row['before_s']:>9.2f} "
                          f"{row['after_s']:>8.2f}", flush=True)
    print()
    for batch in sorted({r["batch"] for r in rows}):
        for mode in opts.modes.split(","):
            part = [r for r in rows if r["batch"] == batch and r["mode"] == mode]
            if not part:
                continue
            ratios = [r["ratio"] for r in part]
            down = sum(1 for x in ratios if x < 1 - 1e-9)
            up = sum(1 for x in ratios if x > 1 + 1e-9)
            times = (sum(r["after_s"] for r in part) /
                     sum(r["before_s"] for r in part))
            print(f"batch {batch} {mode}: {len(part)} runs, lower in {down}, "
                  f"higher in {up}, ratio {min(ratios):.5f} to "
                  f"{max(ratios):.5f}, solve time x{times:.3f}")
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
