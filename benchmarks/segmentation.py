#!/usr/bin/env python3
"""The pruned segment search against every chain of segments.

For each network, architecture and max-segment-layers it schedules the
network with kapla-schedule twice on one thread: with the default top-k 4
(the optimistic estimate and its DP prune the candidate segments before the
detailed solves) and with top-k 0 (every candidate segment is solved in
detail, so the final DP searches every chain of segments; each layer is
solved by kapla in both). It prints the total energy of both and their
ratio: how much the pruning loses. With --exact-budget S it also searches
every chain with each layer solved by the exact solver (stopped after S
seconds per layer; segment-solver=exact solver=exact), and prints the
pruned search with kapla over that.

Architectures are presets or files of benchmarks/arch/ (by name).
Networks are zoo networks, or `resnet_bottlenecks`: the three bottleneck
blocks of ResNet-50's second stage (conv2_0_a to conv2_2_res of the zoo
table, 13 layers, input 64 x 56 x 56), generated into build/ by the zoo
generator.

Usage: benchmarks/segmentation.py [--kapla-opt PATH] [--networks a,b]
           [--archs a,b] [--max-layers 2,3] [--batch N]
           [--exact-budget S] [--json OUT]
"""
import argparse
import json
import os
import sys

from quality import schedule

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def resnet_bottlenecks():
    """Writes the three bottleneck blocks of ResNet-50's second stage as
    MLIR (the zoo table's rows, fed by the network input instead of pool1)
    and returns the file's path."""
    sys.path.insert(0, os.path.join(ROOT, "zoo"))
    import generate
    nets = generate.parse_zoo(os.path.join(ROOT, "zoo", "zoo.md"))
    _, _, layers = nets["resnet50"]
    names = [l["name"] for l in layers]
    chain = layers[names.index("conv2_0_a"):names.index("conv2_2_res") + 1]
    for l in chain:
        l["inputs"] = ["input" if i == "pool1" else i for i in l["inputs"]]
    text = generate.build_table_net("resnet_bottlenecks",
                                    "ResNet-50 stage 2", (64, 56, 56), chain)
    path = os.path.join(ROOT, "build", "resnet_bottlenecks.mlir")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt",
                    default=os.path.join(ROOT, "build", "bin", "kapla-opt"))
    ap.add_argument("--networks", default="mlp_l,lstm_gnmt,alex_net")
    ap.add_argument("--archs", default="multi-node-4x4,multi-node-16x16")
    ap.add_argument("--max-layers", default="2,3")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--exact-budget", type=float, default=0)
    ap.add_argument("--json", default=os.path.join(ROOT, "build",
                                                   "segmentation-bench.json"))
    opts = ap.parse_args()
    nets = {n: (resnet_bottlenecks() if n == "resnet_bottlenecks" else n)
            for n in opts.networks.split(",")}
    rows = []
    print(f"{'network':<10} {'arch':<17} {'max':>3} {'top-4 uJ':>12} "
          f"{'all uJ':>12} {'top-4/all':>9} {'top-4 s':>8} {'all s':>7}"
          f"{'exact uJ':>12} {'top-4/exact':>11} {'exact s':>8}")
    for arch in opts.archs.split(","):
        for net, source in nets.items():
            for m in opts.max_layers.split(","):
                pruned = schedule(opts.kapla_opt, source, arch, opts.batch,
                                  f"max-segment-layers={m}")
                every = schedule(opts.kapla_opt, source, arch, opts.batch,
                                 f"max-segment-layers={m} top-k=0")
                row = {"network": net, "arch": arch, "max_layers": int(m),
                       "batch": opts.batch, "top4": pruned, "all": every}
                extra = ""
                if opts.exact_budget > 0:
                    exact = schedule(
                        opts.kapla_opt, source, arch, opts.batch,
                        f"max-segment-layers={m} top-k=0 segment-solver=exact "
                        f"solver=exact layer-time-budget={opts.exact_budget}")
                    row["all_exact"] = exact
                    extra = (f"{exact['energy_pj'] / 1e6:>12,.1f} "
                             f"{pruned['energy_pj'] / exact['energy_pj']:>11.4f} "
                             f"{exact['solve_seconds']:>8.1f}")
                rows.append(row)
                print(f"{net:<10} {arch:<17} {m:>3} "
                      f"{pruned['energy_pj'] / 1e6:>12,.1f} "
                      f"{every['energy_pj'] / 1e6:>12,.1f} "
                      f"{pruned['energy_pj'] / every['energy_pj']:>9.4f} "
                      f"{pruned['solve_seconds']:>8.2f} {every['solve_seconds']:>7.2f}"
                      + extra, flush=True)
    with open(opts.json, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
    print(f"numbers written to {opts.json}")


if __name__ == "__main__":
    main()
