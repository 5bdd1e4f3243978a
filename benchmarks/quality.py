#!/usr/bin/env python3
"""How far kapla's schedules are from the optimum, layer by layer.

For each zoo network, mode (inference, training) and architecture it
schedules the network twice with kapla-schedule on one thread: with
solver=kapla, and with solver=exact under the same segments (the segments
come from the kapla solves in both runs; solver=exact then proves each
layer's optimum by branch and bound, or stops at layer-time-budget with a
certified gap). Per network it prints:

  proven     layers whose optimum the exact solver proved, of all layers
  E proven   the share of the network's (optimal) energy in those layers
  k/opt      kapla's energy over the optimum, summed over the proven layers
  worst      the largest kapla/optimum of one proven layer
  k/bound    kapla's energy over a certified lower bound of the optimum,
             over all layers (the optimum where proven, the exact solver's
             bound elsewhere): kapla is at most this far from the optimum
  k s, x s   solve seconds of the two runs

With --markdown it also prints the rows as the table of
benchmarks/RESULTS.md (the worst layer with its name). --batch takes a
list (16,64); --jobs N runs N rows at a time (each kapla-opt still on one
thread; the training rows and the larger batch are started first), and the
rows are printed in the order of the options however they finish. The
JSON file is rewritten after every row, so a stopped run keeps what it
finished.

Usage: benchmarks/quality.py [--kapla-opt PATH] [--networks a,b]
           [--modes inference,training] [--archs name,...] [--batch N,...]
           [--layer-time-budget S] [--jobs N] [--json OUT] [--markdown]

Architectures are presets or files of benchmarks/arch/ (by name).
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = ["alex_net", "vgg_net", "googlenet", "resnet50", "mobilenet",
            "mlp_l", "lstm_gnmt"]
ARCHS = ["edge-systolic", "one-node-8x8", "2x2-nodes-8x8", "multi-node-4x4"]


def arch_option(name):
    path = os.path.join(ROOT, "benchmarks", "arch", name + ".json")
    return f"arch-file={path}" if os.path.exists(path) else f"arch={name}"


def schedule(kapla_opt, net, arch, batch, extra):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        opts = f"{arch_option(arch)} batch={batch} report={report} {extra}"
        start = time.monotonic()
        source = net if net.endswith(".mlir") else os.path.join(
            ROOT, "zoo", net + ".mlir")
        subprocess.run([kapla_opt, "--mlir-disable-threading", source,
                        f"--kapla-schedule={opts.strip()}", "-o", os.devnull],
                       check=True, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - start
        with open(report, encoding="utf-8") as f:
            r = json.load(f)
    return {"energy_pj": r["totals"]["energy_pj"],
            "solve_seconds": r["search"]["seconds"], "wall_seconds": wall,
            "layers": [{"name": l["name"], "energy_pj": l["energy_pj"],
                        "optimal": l["optimal"], "gap": l["gap"]}
                       for l in r["layers"]]}


def compare(k, x):
    kl = {l["name"]: l["energy_pj"] for l in k["layers"]}
    proven = [l for l in x["layers"] if l["optimal"]]
    k_proven = sum(kl[l["name"]] for l in proven)
    opt_proven = sum(l["energy_pj"] for l in proven)
    total = sum(l["energy_pj"] for l in x["layers"])
    bound = 0.0
    for l in x["layers"]:
        if l["optimal"]:
            bound += l["energy_pj"]
        elif l["gap"] is not None:
            bound += l["energy_pj"] / (1 + l["gap"])
    return {
        "layers": len(x["layers"]), "proven": len(proven),
        "share_proven": opt_proven / total if total else 0,
        "kapla_over_optimum": k_proven / opt_proven if opt_proven else None,
        "worst_layer": max((kl[l["name"]] / l["energy_pj"] for l in proven),
                           default=None),
        "worst_layer_name": max(proven, default={"name": None},
                                key=lambda l: kl[l["name"]] / l["energy_pj"]
                                )["name"],
        "kapla_over_bound": sum(kl.values()) / bound if bound else None,
    }


def measure(opts, net, mode, arch, batch):
    train = " training=true" if mode == "training" else ""
    k = schedule(opts.kapla_opt, net, arch, batch, "solver=kapla" + train)
    x = schedule(opts.kapla_opt, net, arch, batch,
                 f"solver=exact layer-time-budget={opts.layer_time_budget}"
                 + train)
    return {"network": net, "mode": mode, "arch": arch, "batch": batch,
            "kapla": k, "exact": x, **compare(k, x)}


def fmt(v):
    return f"{v:.4f}" if v is not None else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt",
                    default=os.path.join(ROOT, "build", "bin", "kapla-opt"))
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--modes", default="inference,training")
    ap.add_argument("--archs", default=",".join(ARCHS))
    ap.add_argument("--batch", default="16",
                    help="one batch size or a comma-separated list")
    ap.add_argument("--layer-time-budget", type=float, default=60)
    ap.add_argument("--jobs", type=int, default=1,
                    help="rows measured at a time (each on one thread)")
    ap.add_argument("--json", default=os.path.join(ROOT, "build",
                                                   "quality-bench.json"))
    ap.add_argument("--markdown", action="store_true",
                    help="also print the rows as the Markdown table of "
                         "benchmarks/RESULTS.md")
    opts = ap.parse_args()
    try:
        batches = [int(b) for b in opts.batch.split(",")]
    except ValueError:
        ap.error(f"--batch: not a list of integers: {opts.batch}")
    if any(b < 1 for b in batches):
        ap.error("--batch: batch sizes must be positive")
    if opts.jobs < 1:
        ap.error("--jobs: must be at least 1")
    if opts.layer_time_budget <= 0:
        ap.error("--layer-time-budget: must be positive")
    keys = [(mode, batch, arch, net)
            for mode in opts.modes.split(",")
            for batch in batches
            for arch in opts.archs.split(",")
            for net in opts.networks.split(",")]
    # The training rows and the larger batches take longest: start them
    # first so that the last rows to finish are short ones.
    started = sorted(range(len(keys)),
                     key=lambda i: (keys[i][0] != "training", -keys[i][1], i))
    print(f"batch {opts.batch}, exact solver stopped after "
          f"{opts.layer_time_budget:g} s per layer")
    print(f"{'network':<10} {'mode':<9} {'batch':>5} {'arch':<14} "
          f"{'proven':>9} {'E proven':>8} {'k/opt':>7} {'worst':>7} "
          f"{'k/bound':>8} {'k s':>6} {'x s':>7}")
    done = {}

    def write_json():
        with open(opts.json, "w", encoding="utf-8") as f:
            json.dump([done[i] for i in sorted(done)], f, indent=2)

    with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
        futures = {pool.submit(measure, opts, keys[i][3], keys[i][0],
                               keys[i][2], keys[i][1]): i for i in started}
        for future in concurrent.futures.as_completed(futures):
            i = futures[future]
            r = future.result()
            done[i] = r
            print(f"{r['network']:<10} {r['mode']:<9} {r['batch']:>5} "
                  f"{r['arch']:<14} {r['proven']:>4}/{r['layers']:<4} "
                  f"{r['share_proven']:>8.1%} "
                  f"{fmt(r['kapla_over_optimum']):>7} "
                  f"{fmt(r['worst_layer']):>7} "
                  f"{fmt(r['kapla_over_bound']):>8} "
                  f"{r['kapla']['solve_seconds']:>6.2f} "
                  f"{r['exact']['solve_seconds']:>7.1f}", flush=True)
            write_json()
    rows = [done[i] for i in sorted(done)]
    if opts.markdown:
        print("| network | mode | batch | arch | proven | energy proven | "
              "kapla/optimum | worst layer | kapla/bound | kapla s | "
              "exact s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
              "| --- |")
        for r in rows:
            worst = fmt(r["worst_layer"])
            if r["worst_layer_name"]:
                worst += f" ({r['worst_layer_name']})"
            print(f"| {r['network']} | {r['mode']} | {r['batch']} | "
                  f"{r['arch']} | {r['proven']} of {r['layers']} | "
                  f"{r['share_proven']:.1%} | "
                  f"{fmt(r['kapla_over_optimum'])} | {worst} | "
                  f"{fmt(r['kapla_over_bound'])} | "
                  f"{r['kapla']['solve_seconds']:.2f} | "
                  f"{r['exact']['solve_seconds']:.1f} |")
    print(f"numbers written to {opts.json}")


if __name__ == "__main__":
    main()
