#!/usr/bin/env python3
"""What buffer sharing brings: the zoo scheduled with and without it.

For each network, mode (inference, training) and architecture it runs
kapla-schedule on one thread twice, with buffer-sharing=true (the default)
and buffer-sharing=false, both with solver=kapla, and prints the total
energy of both, their ratio (with over without), how many layer dataflows
share a tensor, and both solve times. Architectures are presets or files of
benchmarks/arch/ (by name).

Usage: benchmarks/sharing.py [--kapla-opt PATH] [--networks a,b]
           [--modes inference,training] [--archs a,b] [--batch N]
           [--json OUT]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

from quality import arch_option

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = ["alex_net", "vgg_net", "googlenet", "resnet50", "mobilenet",
            "mlp_l", "lstm_gnmt"]


def run(kapla_opt, net, arch, batch, extra):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        out = os.path.join(tmp, "out.mlir")
        opts = f"{arch_option(arch)} batch={batch} report={report} {extra}"
        subprocess.run([kapla_opt, "--mlir-disable-threading",
                        os.path.join(ROOT, "zoo", net + ".mlir"),
                        f"--kapla-schedule={opts.strip()}", "-o", out],
                       check=True, stderr=subprocess.DEVNULL)
        with open(report, encoding="utf-8") as f:
            r = json.load(f)
        with open(out, encoding="utf-8") as f:
            shared = sum(1 for line in f
                         if "kapla.dataflow" in line
                         and re.search(r"shr = \d+", line))
    return {"energy_pj": r["totals"]["energy_pj"],
            "solve_seconds": r["search"]["seconds"],
            "layers": len(r["layers"]), "sharing_layers": shared}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt",
                    default=os.path.join(ROOT, "build", "bin", "kapla-opt"))
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--modes", default="inference,training")
    ap.add_argument("--archs",
                    default="2x2-nodes-8x8,multi-node-4x4,multi-node-16x16")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--json", default=os.path.join(ROOT, "build",
                                                   "sharing-bench.json"))
    args = ap.parse_args()
    rows = []
    print("| network | mode | arch | with sharing (pJ) | without (pJ) | "
          "with / without | layers sharing | s with | s without |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for arch in args.archs.split(","):
        for mode in args.modes.split(","):
            for net in args.networks.split(","):
                extra = "training=true" if mode == "training" else ""
                on = run(args.kapla_opt, net, arch, args.batch, extra)
                off = run(args.kapla_opt, net, arch, args.batch,
                          extra + " buffer-sharing=false")
                ratio = on["energy_pj"] / off["energy_pj"]
                rows.append({"network": net, "mode": mode, "arch": arch,
                             "batch": args.batch, "with": on, "without": off,
                             "ratio": ratio})
                print(f"| {net} | {mode} | {arch} | {on['energy_pj']:.4g} | "
                      f"{off['energy_pj']:.4g} | {ratio:.4f} | "
                      f"{on['sharing_layers']} of {on['layers']} | "
                      f"{on['solve_seconds']:.2f} | "
                      f"{off['solve_seconds']:.2f} |", flush=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
