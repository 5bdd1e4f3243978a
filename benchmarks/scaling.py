#!/usr/bin/env python3
"""How kapla's solve time and memory grow: with the number of layers, the
node array and the sequence length.

Usage: benchmarks/scaling.py [--kapla-opt PATH] [--json OUT] [--svg OUT]
                             [--parts layers,nodes,sequence,budget] [--quick]

Each point runs `kapla-opt --mlir-disable-threading --kapla-schedule` once
(one core) under /usr/bin/time and records the solve seconds of the report
(`search.seconds`), the wall seconds and the peak memory (maximum resident
set). The parts:
- layers: the LLaMA-2-7B prefill (sequence 2048) with 1 to 32 blocks, and
  a synthetic chain of 10 to 10,000 FC layers (widths cycling through 256,
  512, 1024) at batch 64, on multi-node-16x16;
- nodes: ResNet-50 at batch 64 on the default preset's node with 4x4 to
  64x64 nodes (the 16x16 preset's file with `nodes` changed and the static
  energy scaled with the node count);
- sequence: one LLaMA-2-7B block at sequence 128 to 8192 on
  multi-node-16x16;
- budget: `solver=exact time-budget=5` on ResNet-50 (batch 64) on 4x4 to
  64x64 nodes, the LLaMA-2-7B prefill and GPT-2 small: the wall time of
  kapla-solve-layers (from -mlir-timing), which the budget bounds, and
  the layers it stopped.
Networks are written by zoo/generate.py's builders into a temporary folder.
Prints a table per part; --json writes every point, --svg a plot of solve
time against each part's size (log-log).
"""
import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate", os.path.join(ROOT, "zoo", "generate.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def chain(n, batch_rows=1):
    """A chain of n FC layers (matmul + ReLU), widths 256, 512, 1024, ..."""
    widths = [256, 512, 1024]
    lines = [f"func.func @chain(%x: tensor<{batch_rows}x256xf32>) -> "
             f"tensor<{batch_rows}x{widths[n % 3]}xf32> {{",
             "  %zero = arith.constant 0.000000e+00 : f32"]
    v, c = "%x", 256
    for i in range(n):
        k = widths[(i + 1) % 3]
        t_out = f"tensor<{batch_rows}x{k}xf32>"
        lines += [
            f"  %w{i} = arith.constant dense<1.000000e-02> : tensor<{c}x{k}xf32>",
            f"  %e{i} = tensor.empty() : {t_out}",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {t_out}) "
            f"-> {t_out}",
            f"  %m{i} = linalg.matmul ins({v}, %w{i} : tensor<{batch_rows}x{c}"
            f"xf32>, tensor<{c}x{k}xf32>) outs(%f{i} : {t_out}) -> {t_out} "
            f"loc(\"fc{i}\")",
            f"  %r{i} = linalg.generic {{indexing_maps = [affine_map<(d0, d1) "
            f"-> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types "
            f"= [\"parallel\", \"parallel\"]}} ins(%m{i} : {t_out}) outs(%e{i} "
            f": {t_out}) {{",
            "  ^bb0(%in: f32, %out: f32):",
            "    %y = arith.maximumf %in, %zero : f32",
            "    linalg.yield %y : f32",
            f"  }} -> {t_out}"]
        v, c = f"%r{i}", k
    lines += [f"  return {v} : tensor<{batch_rows}x{c}xf32>", "}"]
    return "\n".join(lines) + "\n"


def arch_file(tmp, n):
    with open(os.path.join(ROOT, "arch", "multi-node-16x16.json")) as f:
        a = json.load(f)
    a["name"] = f"multi-node-{n}x{n}"
    a["nodes"] = [n, n]
    a["energy_pj"]["static_per_cycle"] *= n * n / 256
    path = os.path.join(tmp, f"nodes{n}.json")
    with open(path, "w") as f:
        json.dump(a, f)
    return path


def run(kapla_opt, mlir, opts):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        timing = os.path.join(tmp, "time")
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", timing,
                        kapla_opt, "--mlir-disable-threading", mlir,
                        f"--kapla-schedule={opts} report={report}", "-o",
                        os.devnull], check=True)
        wall, kb = open(timing).read().split()[-2:]
        r = json.load(open(report))
    return {"solve_seconds": r["search"]["seconds"], "wall_seconds": float(wall),
            "peak_mib": int(kb) / 1024, "layers": len(r["layers"]),
            "layer_solves": r["search"]["layer_solves"],
            "energy_pj": r["totals"]["energy_pj"]}


def run_budget(kapla_opt, mlir, opts, seconds):
    """kapla-solve-layers' wall time under solver=exact time-budget=S."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        p = subprocess.run(
            [kapla_opt, mlir, "-mlir-timing",
             f"--kapla-schedule={opts} solver=exact time-budget={seconds} "
             f"report={report}", "-o", os.devnull],
            check=True, capture_output=True, text=True)
        solve = None
        for line in p.stderr.splitlines():
            if line.strip().endswith("KaplaSolveLayersPass"):
                solve = float(line.split()[0])
        r = json.load(open(report))
    return {"budget_seconds": seconds, "solve_layers_seconds": solve,
            "stopped": r["options"]["applied"].get("layers_stopped_by_budget"),
            "layers": len(r["layers"])}


def svg(parts, path):
    """One log-log panel per part: solve seconds against its size."""
    w, h, pad = 300, 220, 45
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * len(parts)}"'
           f' height="{h}" font-family="sans-serif" font-size="10">',
           f'<rect width="{w * len(parts)}" height="{h}" fill="white"/>']
    for k, (title, xlabel, series) in enumerate(parts):
        x0 = k * w
        pts = [p for s in series.values() for p in s]
        if not pts:
            continue
        lx = [math.log10(p[0]) for p in pts]
        ly = [math.log10(max(p[1], 1e-3)) for p in pts]
        ax, bx = min(lx), max(lx) + 1e-9
        # Whole decades, at least 0.1 s to 10 s: flat curves look flat.
        ay, by = min(math.floor(min(ly)), -1), max(math.ceil(max(ly)), 1)

        def X(v):
            return x0 + pad + (math.log10(v) - ax) / (bx - ax) * (w - pad - 15)

        def Y(v):
            return h - pad + 10 - (math.log10(max(v, 1e-3)) - ay) / \
                (by - ay) * (h - pad - 20)
        out.append(f'<text x="{x0 + w / 2}" y="12" text-anchor="middle">'
                   f'{title}</text>')
        out.append(f'<line x1="{x0 + pad}" y1="{h - pad + 10}" x2="{x0 + w - 15}"'
                   f' y2="{h - pad + 10}" stroke="#333"/>')
        out.append(f'<line x1="{x0 + pad}" y1="20" x2="{x0 + pad}" '
                   f'y2="{h - pad + 10}" stroke="#333"/>')
        out.append(f'<text x="{x0 + w / 2}" y="{h - 8}" text-anchor="middle">'
                   f'{xlabel} (log)</text>')
        out.append(f'<text x="{x0 + 10}" y="{h / 2}" transform="rotate(-90 '
                   f'{x0 + 10} {h / 2})" text-anchor="middle">solve s (log)'
                   f'</text>')
        last = -1e9
        for v in sorted({p[0] for p in pts}):
            if X(v) - last < 22:
                continue  # too close to the previous label
            last = X(v)
            out.append(f'<text x="{X(v):.1f}" y="{h - pad + 22}" '
                       f'text-anchor="middle">{v:g}</text>')
        for e in range(math.floor(ay), math.ceil(by) + 1):
            if ay <= e <= by:
                out.append(f'<text x="{x0 + pad - 3}" y="{Y(10 ** e) + 3:.1f}"'
                           f' text-anchor="end">{10 ** e:g}</text>')
        colours = ["#4e79a7", "#e15759", "#59a14f"]
        for j, (name, s) in enumerate(series.items()):
            c = colours[j % len(colours)]
            line = " ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in s)
            out.append(f'<polyline points="{line}" fill="none" stroke="{c}"/>')
            for a, b in s:
                out.append(f'<circle cx="{X(a):.1f}" cy="{Y(b):.1f}" r="2.5" '
                           f'fill="{c}"/>')
            out.append(f'<text x="{x0 + pad + 5}" y="{30 + 12 * j}" fill="{c}">'
                       f'{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kapla-opt", default=os.path.join(ROOT, "build", "bin",
                                                        "kapla-opt"))
    ap.add_argument("--json")
    ap.add_argument("--svg")
    ap.add_argument("--parts", default="layers,nodes,sequence")
    ap.add_argument("--quick", action="store_true",
                    help="fewer points (a smoke run)")
    opts = ap.parse_args()
    gen = load_generator()
    parts = opts.parts.split(",")
    results = {"layers": [], "nodes": [], "sequence": [], "budget": []}
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, text):
            path = os.path.join(tmp, name + ".mlir")
            with open(path, "w") as f:
                f.write(text)
            return path

        def llama(blocks, seq):
            return gen.build_transformer(
                "llama", f"LLaMA-2-7B, {blocks} blocks, sequence {seq}",
                blocks, seq, 4096, 32, 11008, norm="rms", act="swiglu",
                rotary=True, vocab=32000)

        if "layers" in parts:
            for blocks in ([1, 2] if opts.quick else [1, 2, 4, 8, 16, 32]):
                r = run(opts.kapla_opt, write(f"llama{blocks}",
                                              llama(blocks, 2048)),
                        "arch=multi-node-16x16")
                r.update(series="LLaMA-2-7B blocks", size=blocks)
                results["layers"].append(r)
                print(f"layers: LLaMA {blocks} blocks: {r}", flush=True)
            for n in ([10, 100] if opts.quick else [10, 100, 1000, 10000]):
                r = run(opts.kapla_opt, write(f"chain{n}", chain(n)),
                        "arch=multi-node-16x16 batch=64")
                r.update(series="FC chain", size=n)
                results["layers"].append(r)
                print(f"layers: chain of {n}: {r}", flush=True)
        if "nodes" in parts:
            for n in ([4, 8] if opts.quick else [4, 8, 16, 32, 64]):
                r = run(opts.kapla_opt, os.path.join(ROOT, "zoo",
                                                     "resnet50.mlir"),
                        f"arch-file={arch_file(tmp, n)} batch=64")
                r.update(series="ResNet-50, batch 64", size=n)
                results["nodes"].append(r)
                print(f"nodes: {n}x{n}: {r}", flush=True)
        if "sequence" in parts:
            for seq in ([128, 256] if opts.quick else
                        [128, 256, 512, 1024, 2048, 4096, 8192]):
                r = run(opts.kapla_opt, write(f"seq{seq}", llama(1, seq)),
                        "arch=multi-node-16x16")
                r.update(series="LLaMA-2-7B block", size=seq)
                results["sequence"].append(r)
                print(f"sequence: {seq}: {r}", flush=True)
        if "budget" in parts:
            cases = [(f"ResNet-50 on {n}x{n}", os.path.join(ROOT, "zoo",
                                                           "resnet50.mlir"),
                      f"arch-file={arch_file(tmp, n)} batch=64")
                     for n in ([4] if opts.quick else [4, 16, 64])]
            if not opts.quick:
                cases += [("LLaMA-2-7B prefill on 16x16",
                           os.path.join(ROOT, "zoo", "llama2_7b_prefill.mlir"),
                           "arch=multi-node-16x16"),
                          ("GPT-2 small on edge-systolic",
                           os.path.join(ROOT, "zoo", "gpt2_small.mlir"),
                           "arch=edge-systolic")]
            for name, mlir, o in cases:
                r = run_budget(opts.kapla_opt, mlir, o, 5)
                r["series"] = name
                results["budget"].append(r)
                print(f"budget: {name}: {r}", flush=True)
    for part, rows in results.items():
        if not rows or part == "budget":
            continue
        print(f"\n{part}:\n| series | size | layers | layer solves | solve s | "
              f"wall s | peak MiB |\n| --- | --- | --- | --- | --- | --- | --- |")
        for r in rows:
            print(f"| {r['series']} | {r['size']} | {r['layers']} | "
                  f"{r['layer_solves']} | {r['solve_seconds']:.2f} | "
                  f"{r['wall_seconds']:.2f} | {r['peak_mib']:.0f} |")
    if results["budget"]:
        print("\nbudget:\n| network and chip | layers | time-budget s | "
              "kapla-solve-layers s | stopped layers |\n| --- | --- | --- | "
              "--- | --- |")
        for r in results["budget"]:
            print(f"| {r['series']} | {r['layers']} | {r['budget_seconds']} | "
                  f"{r['solve_layers_seconds']:.2f} | {r['stopped']} |")
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)
    if opts.svg:
        panels = []
        for part, xlabel in (("layers", "blocks / layers"),
                             ("nodes", "node array side"),
                             ("sequence", "sequence length")):
            series = {}
            for r in results[part]:
                series.setdefault(r["series"], []).append(
                    (r["size"], r["solve_seconds"]))
            if series:
                panels.append((part, xlabel, series))
        svg(panels, opts.svg)


if __name__ == "__main__":
    main()
