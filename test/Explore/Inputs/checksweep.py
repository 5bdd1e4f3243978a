#!/usr/bin/env python3
"""Checks kapla-explore's files against the sweep and against kapla-schedule.

Usage: checksweep.py SWEEP.json PREFIX KAPLA_OPT

For every scheduled point it writes the point's architecture to a file and
schedules each network of the sweep (an ONNX model imported first with the
kapla-translate next to KAPLA_OPT) with `kapla-opt --kapla-schedule`
(arch-file, batch, training): energy and cycles must equal the row's. It
checks that each varied key has its value in the point's architecture, the
area proxy (GBUF and REGF bytes of all nodes, PEs) from the architecture,
the Pareto front by its definition (no other scheduled point at least as
good in energy, cycles, buffer bytes and PEs and better in one), that the
CSV says what the JSON says, and that the HTML page has one dot per
scheduled point (the front's marked). Prints a summary and the errors.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile


def main():
    sweep_path, prefix, kapla_opt = sys.argv[1:4]
    sweep_dir = os.path.dirname(os.path.abspath(sweep_path))
    sweep = json.load(open(sweep_path))
    out = json.load(open(prefix + ".json"))
    rows = out["rows"]
    errors = []

    def err(msg):
        errors.append(msg)

    ok = [r for r in rows if r["status"] == "ok"]
    if [r["point"] for r in rows] != list(range(len(rows))):
        err("rows are not the points in order")
    matched = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in ok:
            arch = r["arch"]
            for key, value in r["values"].items():
                if key.startswith("energy_pj."):
                    have = arch["energy_pj"][key[len("energy_pj."):]]
                else:
                    have = arch[key]
                if have != value:
                    err(f"point {r['point']}: {key} is {have}, not {value}")
            nodes = arch["nodes"][0] * arch["nodes"][1]
            pes = nodes * arch["pe_array"][0] * arch["pe_array"][1]
            area = nodes * arch["gbuf_bytes"] + pes * arch["regf_bytes"]
            if (r["buffer_bytes"], r["pes"]) != (area, pes):
                err(f"point {r['point']}: area {r['buffer_bytes']} B, "
                    f"{r['pes']} PEs; the architecture has {area} B, {pes}")
            arch_file = os.path.join(tmp, "arch.json")
            with open(arch_file, "w") as f:
                json.dump(arch, f)
            energy = cycles = 0
            for net, got in zip(sweep["networks"], r["networks"]):
                report = os.path.join(tmp, "report.json")
                path = os.path.join(sweep_dir, net["file"])
                if path.endswith(".onnx"):
                    # kapla-translate, next to kapla-opt, imports it.
                    translate = os.path.join(os.path.dirname(kapla_opt),
                                             "kapla-translate")
                    mlir = os.path.join(tmp, "net.mlir")
                    subprocess.run([translate, "--import-onnx", path, "-o",
                                    mlir], check=True, capture_output=True)
                    path = mlir
                opts = (f"arch-file={arch_file} batch={net.get('batch', 0)} "
                        f"training={'true' if net.get('training') else 'false'}"
                        f" report={report}")
                # The sweep's schedule options, as kapla-schedule spells them.
                for key, value in sweep.get("schedule", {}).items():
                    opts += f" {key.replace('_', '-')}={value}"
                subprocess.run([kapla_opt, path,
                                f"--kapla-schedule={opts}", "-o", os.devnull],
                               check=True)
                t = json.load(open(report))["totals"]
                for what in ("energy_pj", "cycles"):
                    if abs(t[what] - got[what]) > 1e-9 * abs(t[what]):
                        err(f"point {r['point']} {got['name']}: {what} "
                            f"{got[what]}, kapla-schedule says {t[what]}")
                energy += t["energy_pj"]
                cycles += t["cycles"]
                matched += 1
            if abs(energy - r["energy_pj"]) > 1e-9 * energy or \
                    abs(cycles - r["cycles"]) > 1e-9 * cycles:
                err(f"point {r['point']}: the totals are not the sums")

    def key(r):
        return (r["energy_pj"], r["cycles"], r["buffer_bytes"], r["pes"])

    for r in rows:
        front = r["status"] == "ok" and not any(
            key(o) != key(r) and all(a <= b for a, b in zip(key(o), key(r)))
            for o in ok)
        if r["pareto"] != front:
            err(f"point {r['point']}: pareto {r['pareto']}, should be {front}")
    if sorted(out["pareto"]) != [r["point"] for r in rows if r["pareto"]]:
        err("the list of the front is not the rows on it")

    with open(prefix + ".csv", newline="") as f:
        table = list(csv.DictReader(f))
    if len(table) != len(rows):
        err(f"CSV has {len(table)} rows, JSON {len(rows)}")
    for line, r in zip(table, rows):
        if (int(line["point"]), line["status"], line["pareto"]) != \
                (r["point"], r["status"], "1" if r["pareto"] else "0"):
            err(f"CSV row {line['point']} differs from the JSON")
        if r["status"] == "ok" and float(line["energy_pj"]) != \
                float(f"{r['energy_pj']:.12g}"):
            err(f"CSV row {line['point']}: energy {line['energy_pj']}")

    html = open(prefix + ".html").read()
    dots = html.count('<circle class="point"') + html.count(
        '<circle class="front"')
    front_dots = html.count('<circle class="front"')
    if dots != len(ok):
        err(f"HTML has {dots} dots for {len(ok)} scheduled points")
    if front_dots != sum(r["pareto"] for r in rows):
        err(f"HTML marks {front_dots} dots as the front")
    if "http://" in html.replace('xmlns="http://www.w3.org/2000/svg"', "") \
            or "https://" in html or "<script" in html:
        err("HTML refers to the network or runs scripts")

    statuses = {s: sum(r["status"] == s for r in rows)
                for s in ("ok", "invalid", "unschedulable")}
    print(f"{len(rows)} points: {statuses['ok']} ok, {statuses['invalid']} "
          f"invalid, {statuses['unschedulable']} unschedulable; "
          f"{sum(r['pareto'] for r in rows)} on the front; {matched} "
          f"schedules as kapla-schedule's; {len(errors)} errors")
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
