#!/usr/bin/env python3
"""The zoo's solve time on one core, as the descent's time target counts it.

Schedules the seven zoo networks (solver=kapla, the defaults otherwise) on
one thread, pinned to one core, ROUNDS times; with several binaries they
alternate within each round, so that each sees the same load. Per binary
it prints each network's fastest run (the report's `search.seconds`), the
sum of those (the figure the target is about), the sum of each round (how
much the machine's speed varied) and the ratio of the sums to the first
binary's. Before and after, `kapla-bench-costmodel` (next to the first
binary, when built) measures the cost model's evaluations per second on
the same core: a reading of the machine's speed at the time.

Usage: benchmarks/zootime.py [--kapla-opt PATH]... [--rounds 3]
           [--arch multi-node-16x16] [--batch 64] [--training] [--cpu 0]
           [--networks a,b] [--json OUT]
"""
import argparse
import json
import os
import re
import subprocess
import sys

from quality import NETWORKS, ROOT, schedule


def costmodel_rate(kapla_opt):
    """Valid evaluations per second of kapla-bench-costmodel (2 s), or None."""
    bench = os.path.join(os.path.dirname(kapla_opt), "kapla-bench-costmodel")
    if not os.path.exists(bench):
        return None
    out = subprocess.run([bench, "2"], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"valid dataflows:.* ([0-9]+) evaluations per second", out)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt", action="append", default=None,
                    help="a binary to time (repeat for several)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--arch", default="multi-node-16x16")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--training", action="store_true")
    ap.add_argument("--cpu", type=int, default=0,
                    help="the core to pin to (-1: none)")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--json", default=None)
    opts = ap.parse_args()
    if opts.rounds < 1:
        sys.exit("error: --rounds must be at least 1")
    binaries = opts.kapla_opt or [os.path.join(ROOT, "build", "bin",
                                               "kapla-opt")]
    for b in binaries:
        if not os.access(b, os.X_OK):
            sys.exit(f"error: {b} is not an executable")
    networks = opts.networks.split(",")
    if opts.cpu >= 0:
        # Inherited by every process started below.
        os.sched_setaffinity(0, {opts.cpu})
    extra = "training=true" if opts.training else ""

    rate_before = costmodel_rate(binaries[0])
    # seconds[binary][network] = one entry per round
    seconds = {b: {n: [] for n in networks} for b in binaries}
    energy = {b: {} for b in binaries}
    for r in range(opts.rounds):
        for b in binaries:
            for n in networks:
                res = schedule(b, n, opts.arch, opts.batch, extra)
                seconds[b][n].append(res["solve_seconds"])
                energy[b][n] = res["energy_pj"]
            total = sum(seconds[b][n][r] for n in networks)
            print(f"round {r + 1} {b}: {total:.2f} s", flush=True)
    rate_after = costmodel_rate(binaries[0])

    mode = "training" if opts.training else "inference"
    print(f"\n{opts.arch}, batch {opts.batch}, {mode}, "
          f"fastest of {opts.rounds} runs per network"
          + (f", pinned to core {opts.cpu}" if opts.cpu >= 0 else ""))
    print(f"{'network':<10} " + " ".join(f"{os.path.basename(b):>14}"
                                         for b in binaries))
    for n in networks:
        print(f"{n:<10} " + " ".join(f"{min(seconds[b][n]):>14.2f}"
                                     for b in binaries))
    sums = {b: sum(min(seconds[b][n]) for n in networks) for b in binaries}
    print(f"{'sum':<10} " + " ".join(f"{sums[b]:>14.2f}" for b in binaries))
    for b in binaries:
        rounds = [sum(seconds[b][n][r] for n in networks)
                  for r in range(opts.rounds)]
        line = (f"{os.path.basename(b)}: rounds {min(rounds):.2f} to "
                f"{max(rounds):.2f} s")
        if b != binaries[0]:
            line += f"; sum / first binary's {sums[b] / sums[binaries[0]]:.3f}"
        print(line)
    if rate_before and rate_after:
        print(f"kapla-bench-costmodel: {rate_before:,} valid evaluations per "
              f"second before, {rate_after:,} after")
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as f:
            json.dump({"arch": opts.arch, "batch": opts.batch, "mode": mode,
                       "rounds": opts.rounds, "cpu": opts.cpu,
                       "costmodel_rate": [rate_before, rate_after],
                       "binaries": {b: {"seconds": seconds[b],
                                        "fastest_sum": sums[b],
                                        "energy_pj": energy[b]}
                                    for b in binaries}}, f, indent=1)


if __name__ == "__main__":
    main()
