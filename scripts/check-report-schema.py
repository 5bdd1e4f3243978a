#!/usr/bin/env python3
"""Checks a kapla report against the schema in docs/UserGuide.md.

Every key the schema lists must be present with the right JSON type; new keys
are allowed. Prints what is wrong and exits 1, or prints "report ok".

Usage: check-report-schema.py REPORT_JSON
"""
import json
import sys

NUM = (int, float)
ARCH = {"name": str, "nodes": list, "pe_array": list, "regf_bytes": int,
        "gbuf_bytes": int, "word_bits": int, "freq_mhz": NUM,
        "dram_bw_bytes_per_cycle": NUM, "bus_bits": int, "pe_template": str,
        "energy_pj": dict}
ENERGY = ["mac", "regf", "bus", "gbuf", "dram", "noc_hop", "static_per_cycle"]
BREAKDOWN = ["mac", "regf", "bus", "gbuf", "dram", "noc", "static"]
LAYER = {"name": str, "kind": str, "pass": str, "dims": dict, "macs": int,
         "segment": int, "region": list, "energy_pj": NUM, "cycles": NUM,
         "breakdown_pj": dict, "accesses": dict, "directives": str}
DIMS = ["N", "C", "K", "Ho", "Wo", "R", "S", "sy", "sx"]
SEGMENT = {"index": int, "layers": list, "pipeline": str, "energy_pj": NUM,
           "cycles": NUM}
TOTALS = {"energy_pj": NUM, "cycles": NUM, "macs": int, "breakdown_pj": dict,
          "lower_bound_energy_pj": NUM, "lower_bound_cycles": NUM}
SEARCH = {"seconds": NUM, "segments_enumerated": int, "segments_pruned": int,
          "layer_solves": int}
KINDS = {"CONV", "DWCONV", "FC", "MATMUL", "POOL", "ELTWISE"}
PASSES = {"forward", "backward-data", "backward-weight"}
PIPELINES = {"none", "spatial", "temporal"}


def main(path):
    errors = []

    def need(obj, spec, where):
        for key, typ in spec.items():
            if key not in obj:
                errors.append(f"{where}: missing '{key}'")
            elif not isinstance(obj[key], typ) or isinstance(obj[key], bool) \
                    and typ is not bool:
                errors.append(f"{where}.{key}: wrong type "
                              f"{type(obj[key]).__name__}")

    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    need(r, {"kapla_report_version": int, "network": str, "arch": dict,
             "options": dict, "layers": list, "segments": list,
             "totals": dict, "search": dict}, "report")
    if r.get("kapla_report_version") != 1:
        errors.append("kapla_report_version must be 1")
    need(r.get("arch", {}), ARCH, "arch")
    need(r.get("arch", {}).get("energy_pj", {}), {k: NUM for k in ENERGY},
         "arch.energy_pj")
    need(r.get("options", {}), {"batch": int, "training": bool,
                                "objective": str, "solver": str}, "options")
    for i, l in enumerate(r.get("layers", [])):
        where = f"layers[{i}]"
        need(l, LAYER, where)
        need(l.get("dims", {}), {k: int for k in DIMS}, where + ".dims")
        need(l.get("breakdown_pj", {}), {k: NUM for k in BREAKDOWN},
             where + ".breakdown_pj")
        need(l.get("accesses", {}), {"dram": NUM, "gbuf": NUM, "regf": NUM,
                                     "noc_hops": NUM}, where + ".accesses")
        if l.get("kind") not in KINDS:
            errors.append(f"{where}.kind: {l.get('kind')}")
        if l.get("pass") not in PASSES:
            errors.append(f"{where}.pass: {l.get('pass')}")
        if len(l.get("region", [])) != 4:
            errors.append(f"{where}.region: not [row0, col0, rows, cols]")
    for i, s in enumerate(r.get("segments", [])):
        need(s, SEGMENT, f"segments[{i}]")
        if s.get("pipeline") not in PIPELINES:
            errors.append(f"segments[{i}].pipeline: {s.get('pipeline')}")
    need(r.get("totals", {}), TOTALS, "totals")
    need(r.get("totals", {}).get("breakdown_pj", {}),
         {k: NUM for k in BREAKDOWN}, "totals.breakdown_pj")
    need(r.get("search", {}), SEARCH, "search")
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    print("report ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
