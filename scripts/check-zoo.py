#!/usr/bin/env python3
"""Compares a kapla-import report with a network's table in zoo.md.

Every layer of the table must appear in the report under its name, with the
table's kind, dims, strides, eltwise input count and producers (the inputs
that are layers), and N equal to the batch; the report must have no other
layer. An FC layer that reads a C x R x S map is imported flattened: C*R*S
input channels and a 1x1 window (the same tensors and MACs).

Usage: check-zoo.py ZOO_MD NETWORK REPORT_JSON BATCH
"""
import json
import re
import sys

KINDS = {"Conv": "CONV", "DepthwiseConvolution": "DWCONV", "Pooling": "POOL",
         "FC": "FC", "Eltwise": "ELTWISE"}


def table(path, network):
    rows, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^### (\S+) ", line)
            if m:
                cur = m.group(1)
                continue
            if cur != network or not line.startswith("| ") or \
                    line.startswith("| layer") or line.startswith("| ---"):
                continue
            name, kind, c, k, howo, rs, stride, inputs = \
                [x.strip() for x in line.strip().strip("|").split("|")]
            m = re.match(r"(\d+) x(\d+) inputs", c)
            ho, wo = howo.split("x")
            r, s = rs.split("x")
            sy, sx = stride.split("x")
            rows.append(dict(name=name, kind=kind, C=int(m.group(1) if m else c),
                             inputs_count=int(m.group(2)) if m else None,
                             K=int(k), Ho=int(ho), Wo=int(wo), R=int(r),
                             S=int(s), sy=int(sy), sx=int(sx),
                             inputs=[i.strip() for i in inputs.split(",")]))
    return rows


def main(zoo_md, network, report_path, batch):
    rows = table(zoo_md, network)
    if not rows:
        sys.exit(f"no table for {network} in {zoo_md}")
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    layers = {l["name"]: l for l in report["layers"]}
    names = {r["name"] for r in rows}
    errors = []
    for r in rows:
        l = layers.get(r["name"])
        if l is None:
            errors.append(f"{r['name']}: missing from the report")
            continue
        want = {"N": batch, "C": r["C"], "K": r["K"], "Ho": r["Ho"],
                "Wo": r["Wo"], "R": r["R"], "S": r["S"], "sy": r["sy"],
                "sx": r["sx"]}
        if r["kind"] == "FC" and r["R"] * r["S"] > 1:
            want.update(C=r["C"] * r["R"] * r["S"], R=1, S=1, sy=1, sx=1)
        if r["kind"] == "Eltwise":
            want["C"] = r["K"]
        if l["kind"] != KINDS[r["kind"]]:
            errors.append(f"{r['name']}: kind {l['kind']}, table "
                          f"{KINDS[r['kind']]}")
        for key, value in want.items():
            if l["dims"][key] != value:
                errors.append(f"{r['name']}: {key} = {l['dims'][key]}, "
                              f"table {value}")
        if r["inputs_count"] and l.get("inputs") != r["inputs_count"]:
            errors.append(f"{r['name']}: {l.get('inputs')} inputs, table "
                          f"{r['inputs_count']}")
        producers = sorted(i for i in r["inputs"] if i in names)
        if sorted(l["producers"]) != producers:
            errors.append(f"{r['name']}: producers {l['producers']}, table "
                          f"{producers}")
    for extra in sorted(set(layers) - names):
        errors.append(f"{extra}: in the report but not in the table")
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    print(f"{network}: {len(rows)} layers match zoo.md")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
