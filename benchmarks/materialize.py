#!/usr/bin/env python3
"""How long kapla-materialize takes on the zoo, against the schedule.

For each zoo network (at the batch its file is written for; `--zoo DIR`
takes the networks from DIR, as `zoo/generate.py --out DIR --batch N`
writes them) and mode
(inference, training step), the network is scheduled once on the default
preset (or `--arch`; kapla-schedule, one thread; its solve time from the
report), then
kapla-materialize runs on the scheduled IR `--repeat` times on one thread;
the table gives the median wall time of the pass (from -mlir-timing), the
nests it made, and its time over the schedule's solve time.

Usage: benchmarks/materialize.py [--kapla-opt PATH] [--networks a,b]
           [--modes inference,training] [--repeat N] [--zoo DIR]
           [--arch NAME]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = ["alex_net", "vgg_net", "googlenet", "resnet50", "mobilenet",
            "mlp_l", "lstm_gnmt", "bert_base"]


def pass_seconds(kapla_opt, path, name):
    p = subprocess.run([kapla_opt, "--mlir-disable-threading", path,
                        "--kapla-materialize", "-o", os.devnull,
                        "--mlir-timing", "--mlir-timing-display=list"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None
    m = re.search(r"^\s*([0-9.]+) \([ 0-9.]+%\)\s+" + name + r"\s*$",
                  p.stderr, re.M)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt", default=os.path.join(ROOT, "build", "bin",
                                                        "kapla-opt"))
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--modes", default="inference,training")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--zoo", default=os.path.join(ROOT, "zoo"))
    ap.add_argument("--arch", default="")
    args = ap.parse_args()
    print("| network | mode | layers | materialise s | schedule s | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            for net in args.networks.split(","):
                sched = os.path.join(tmp, f"{net}.{mode}.mlir")
                report = os.path.join(tmp, "report.json")
                opts = f"report={report}" + (" training=true"
                                             if mode == "training" else "")
                if args.arch:
                    opts += f" arch={args.arch}"
                subprocess.run([args.kapla_opt, "--mlir-disable-threading",
                                os.path.join(args.zoo, net + ".mlir"),
                                f"--kapla-schedule={opts}", "-o", sched],
                               check=True, capture_output=True)
                with open(report, encoding="utf-8") as f:
                    solve = json.load(f)["search"]["seconds"]
                with open(sched, encoding="utf-8") as f:
                    layers = len(re.findall(r"kapla\.dataflow = ", f.read()))
                times = [pass_seconds(args.kapla_opt, sched,
                                      "KaplaMaterializePass")
                         for _ in range(args.repeat)]
                if any(t is None for t in times):
                    print(f"| {net} | {mode} | {layers} | error | "
                          f"{solve:.2f} | |")
                    continue
                t = statistics.median(times)
                print(f"| {net} | {mode} | {layers} | {t:.3f} | {solve:.2f} | "
                      f"{t / solve:.3f} |")


if __name__ == "__main__":
    main()
