#!/usr/bin/env python3
"""Schedules the evaluation zoo and prints quality and speed per network.

For each network of zoo/, inference and training (kapla-schedule
training=true), and each configuration (batch 64 on multi-node-16x16 and
multi-node-4x4, batch 1 on edge-systolic) it runs
kapla-schedule with solver=kapla and with the random baseline (same cost
model, same segments), and prints energy, the ratio of the two, solve
seconds, and the gaps to the lower bound. Where the exhaustive search is
feasible (the FC networks on edge-systolic: one node, three dims) it also
runs solver=exhaustive under the same segments. The numbers are also written
as JSON.

Usage: benchmarks/zoo.py [--kapla-opt PATH] [--random-budget N] [--json OUT]
                         [--networks a,b,...] [--modes inference,training]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = ["alex_net", "vgg_net", "googlenet", "resnet50", "mobilenet",
            "mlp_l", "lstm_gnmt"]
CONFIGS = [("multi-node-16x16", 64), ("multi-node-4x4", 64),
           ("edge-systolic", 1)]
# (network, arch, batch) where every point of the exhaustive space can be
# evaluated in seconds.
EXHAUSTIVE = [("mlp_l", "edge-systolic", 1), ("lstm_gnmt", "edge-systolic", 1)]
# Where the whole network is out of reach: the exhaustive search per layer
# with an evaluation budget; layers where it visits its whole space (it
# proves the optimum) are compared.
PER_LAYER = [(net, "edge-systolic", 1) for net in
             ("alex_net", "vgg_net", "googlenet", "resnet50", "mobilenet")]


def schedule(kapla_opt, net, arch, batch, extra):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        opts = f"arch={arch} batch={batch} report={report} {extra}".strip()
        start = time.monotonic()
        subprocess.run([kapla_opt, "--mlir-disable-threading",
                        os.path.join(ROOT, "zoo", net + ".mlir"),
                        f"--kapla-schedule={opts}", "-o", os.devnull],
                       check=True)
        wall = time.monotonic() - start
        with open(report, encoding="utf-8") as f:
            r = json.load(f)
    t = r["totals"]
    return {"energy_pj": t["energy_pj"], "cycles": t["cycles"],
            "lower_bound_energy_pj": t["lower_bound_energy_pj"],
            "lower_bound_cycles": t["lower_bound_cycles"],
            "solve_seconds": r["search"]["seconds"], "wall_seconds": wall,
            "layers": [{"name": l["name"], "energy_pj": l["energy_pj"],
                        "optimal": l.get("optimal", False)}
                       for l in r["layers"]]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt",
                    default=os.path.join(ROOT, "build", "bin", "kapla-opt"))
    ap.add_argument("--random-budget", type=int, default=20000)
    ap.add_argument("--json", default=os.path.join(ROOT, "build",
                                                   "zoo-bench.json"))
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--layer-budget", type=int, default=3000000,
                    help="exhaustive evaluations per layer in the per-layer "
                         "comparison (0: skip it)")
    ap.add_argument("--modes", default="inference,training",
                    help="inference, training or both (comma-separated)")
    opts = ap.parse_args()
    modes = opts.modes.split(",")
    rows = []
    print(f"{'network':<10} {'mode':<9} {'arch':<17} {'batch':>5} {'kapla uJ':>12} "
          f"{'random uJ':>12} {'k/r':>6} {'k s':>6} {'r s':>7} "
          f"{'k/LB E':>7} {'k/LB t':>7}")
    for mode, (arch, batch) in [(m, c) for m in modes for c in CONFIGS]:
        train = " training=true" if mode == "training" else ""
        for net in opts.networks.split(","):
            k = schedule(opts.kapla_opt, net, arch, batch, "solver=kapla" + train)
            r = schedule(opts.kapla_opt, net, arch, batch,
                         f"solver=random budget={opts.random_budget}" + train)
            row = {"network": net, "mode": mode, "arch": arch, "batch": batch,
                   "kapla": k, "random": r}
            rows.append(row)
            print(f"{net:<10} {mode:<9} {arch:<17} {batch:>5} "
                  f"{k['energy_pj'] / 1e6:>12,.1f} {r['energy_pj'] / 1e6:>12,.1f} "
                  f"{k['energy_pj'] / r['energy_pj']:>6.3f} "
                  f"{k['solve_seconds']:>6.2f} {r['solve_seconds']:>7.2f} "
                  f"{k['energy_pj'] / k['lower_bound_energy_pj']:>7.2f} "
                  f"{k['cycles'] / k['lower_bound_cycles']:>7.2f}", flush=True)
    print()
    print(f"{'network':<10} {'mode':<9} {'arch':<17} {'batch':>5} {'kapla uJ':>12} "
          f"{'exhaustive uJ':>14} {'k/e':>8} {'k s':>6} {'e s':>7}")
    for mode, (net, arch, batch) in [(m, e) for m in modes for e in EXHAUSTIVE]:
        if net not in opts.networks.split(","):
            continue
        train = " training=true" if mode == "training" else ""
        row = next(r for r in rows if r["network"] == net and
                   r["mode"] == mode and r["arch"] == arch and
                   r["batch"] == batch)
        e = schedule(opts.kapla_opt, net, arch, batch, "solver=exhaustive" + train)
        row["exhaustive"] = e
        k = row["kapla"]
        print(f"{net:<10} {mode:<9} {arch:<17} {batch:>5} {k['energy_pj'] / 1e6:>12,.1f} "
              f"{e['energy_pj'] / 1e6:>14,.1f} "
              f"{k['energy_pj'] / e['energy_pj']:>8.5f} "
              f"{k['solve_seconds']:>6.2f} {e['solve_seconds']:>7.2f}",
              flush=True)
    if opts.layer_budget:
        print()
        print("per layer, where the exhaustive search completes within "
              f"{opts.layer_budget:,} evaluations:")
        print(f"{'network':<10} {'mode':<9} {'arch':<17} {'layers':>10} "
              f"{'E share':>9} {'kapla uJ':>10} {'optimum uJ':>10} "
              f"{'k/e':>8} {'worst':>7} {'e s':>8}")
    for mode, (net, arch, batch) in [(m, e) for m in modes for e in PER_LAYER]:
        if not opts.layer_budget or net not in opts.networks.split(","):
            continue
        train = " training=true" if mode == "training" else ""
        row = next(r for r in rows if r["network"] == net and
                   r["mode"] == mode and r["arch"] == arch and
                   r["batch"] == batch)
        e = schedule(opts.kapla_opt, net, arch, batch,
                     f"solver=exhaustive budget={opts.layer_budget}" + train)
        row["exhaustive_per_layer"] = e
        kl = {l["name"]: l["energy_pj"] for l in row["kapla"]["layers"]}
        done = [l for l in e["layers"] if l["optimal"]]
        ks = sum(kl[l["name"]] for l in done)
        es = sum(l["energy_pj"] for l in done)
        worst = max((kl[l["name"]] / l["energy_pj"] for l in done), default=0)
        share = es / e["energy_pj"] if e["energy_pj"] else 0
        print(f"{net:<10} {mode:<9} {arch:<17} "
              f"{len(done):>4} of {len(e['layers']):<3} {share:>9.1%} "
              f"{ks / 1e6:>10,.1f} {es / 1e6:>10,.1f} "
              f"{(ks / es if es else 0):>8.5f} {worst:>7.4f} "
              f"{e['solve_seconds']:>8.1f}", flush=True)
    for mode in modes:
        total = sum(row["kapla"]["solve_seconds"] for row in rows
                    if row["arch"] == "multi-node-16x16" and row["mode"] == mode)
        print(f"kapla solve time, {mode}, whole zoo on multi-node-16x16 at "
              f"batch 64 (one thread): {total:.2f} s")
    with open(opts.json, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
    print(f"numbers written to {opts.json}")


if __name__ == "__main__":
    main()
