#!/usr/bin/env python3
"""What one part of the search space brings: the zoo with and without it.

For each network, mode (inference, training) and architecture it runs
kapla-schedule on one thread twice, with OPTION=true and OPTION=false,
both with solver=kapla, and prints the total energy of both,
their ratio (with over without), how many layers use the part, and both
solve times. OPTION is a boolean option of kapla-schedule that adds to the
space:
  buffer-sharing     layers whose dataflow shares a tensor (shr in the IR);
  rectangle-regions  layers of spatial segments on regions that are neither
                     full-height nor full-width strips;
  channel-groups     layers that forward data in channel groups.
Architectures are presets or files of benchmarks/arch/ (by name).

Usage: benchmarks/ablation.py --option NAME [--kapla-opt PATH]
           [--networks a,b] [--modes inference,training] [--archs a,b]
           [--batch N] [--json OUT]
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


def uses(option, report, ir_lines):
    """How many layers use the part of the space `option` adds."""
    if option == "buffer-sharing":
        return sum(1 for line in ir_lines
                   if "kapla.dataflow" in line and re.search(r"shr = \d+", line))
    if option == "channel-groups":
        return sum(1 for line in ir_lines
                   if "kapla.constraint" in line
                   and re.search(r"channel_groups = \d+", line))
    rows, cols = report["arch"]["nodes"]
    return sum(1 for l in report["layers"]
               if l["region"][2] < rows and l["region"][3] < cols)


def run(kapla_opt, net, arch, batch, extra, option):
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
            used = uses(option, r, f.readlines())
    return {"energy_pj": r["totals"]["energy_pj"],
            "solve_seconds": r["search"]["seconds"],
            "layers": len(r["layers"]), "using": used}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--option", required=True,
                    choices=["buffer-sharing", "rectangle-regions",
                             "channel-groups"])
    ap.add_argument("--kapla-opt",
                    default=os.path.join(ROOT, "build", "bin", "kapla-opt"))
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--modes", default="inference,training")
    ap.add_argument("--archs",
                    default="2x2-nodes-8x8,multi-node-4x4,multi-node-16x16")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out = args.json or os.path.join(ROOT, "build",
                                    f"ablation-{args.option}.json")
    rows = []
    print(f"| network | mode | arch | with (pJ) | without (pJ) | "
          f"with / without | layers using it | s with | s without |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for arch in args.archs.split(","):
        for mode in args.modes.split(","):
            for net in args.networks.split(","):
                extra = "training=true" if mode == "training" else ""
                on = run(args.kapla_opt, net, arch, args.batch, extra,
                         args.option)
                off = run(args.kapla_opt, net, arch, args.batch,
                          extra + f" {args.option}=false", args.option)
                ratio = on["energy_pj"] / off["energy_pj"]
                rows.append({"network": net, "mode": mode, "arch": arch,
                             "batch": args.batch, "option": args.option,
                             "with": on, "without": off, "ratio": ratio})
                print(f"| {net} | {mode} | {arch} | {on['energy_pj']:.4g} | "
                      f"{off['energy_pj']:.4g} | {ratio:.4f} | "
                      f"{on['using']} of {on['layers']} | "
                      f"{on['solve_seconds']:.2f} | "
                      f"{off['solve_seconds']:.2f} |", flush=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
