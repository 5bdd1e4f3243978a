"""Checks that the scheduled op carrying a kapla.fix has what it fixes.

Reads kapla-opt's output on stdin and the expected values from the command
line, and recomputes each from the op's #kapla.dataflow text (not from the
solver): the PE split of a dim is the product of the repl of the REGF
stacks that shift it, the node split likewise at the GBUF, the region is the
kapla.constraint's, and the REGF loop order is the classes of the REGF
updates, innermost first.

usage: checkfix.py --region R0,C0,ROWS,COLS --pe K=8,Ho=4 --nodes N=2
                   --regf-order 1,2,0
"""
import argparse
import re
import sys

CLASS = {"N": 0, "Ho": 0, "Wo": 0, "C": 1, "R": 1, "S": 1, "K": 2}


def level(text, name):
    start = text.index(name + " = <tensors")
    depth, i = 0, text.index("<", start)
    for j in range(i, len(text)):
        depth += {"<": 1, ">": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j + 1]
    raise SystemExit("unterminated level")


def splits(lvl):
    out = {}
    for shift, repl in re.findall(r"#kapla\.stack<shift = \[([^\]]*)\], repl = (\d+)>", lvl):
        dim = shift.split("=")[0].strip()
        out[dim] = out.get(dim, 1) * int(repl)
    return out


def pairs(arg):
    return {k: int(v) for k, v in (p.split("=") for p in arg.split(","))} if arg else {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--region")
    ap.add_argument("--pe", default="")
    ap.add_argument("--nodes", default="")
    ap.add_argument("--regf-order", default="")
    a = ap.parse_args()
    ops = [l for l in sys.stdin.read().splitlines() if "kapla.fix = " in l and "kapla.dataflow" in l]
    if len(ops) != 1:
        raise SystemExit(f"expected one scheduled op with a kapla.fix, got {len(ops)}")
    op = ops[0]
    region = re.search(r"kapla\.constraint = #kapla\.constraint<region = \[([^\]]*)\]", op).group(1)
    got = [int(x) for x in region.split(",")]
    want = [int(x) for x in a.region.split(",")]
    assert got == want, f"region {got}, fixed {want}"
    regf, gbuf = level(op, "regf"), level(op, "gbuf")
    pe, nodes = splits(regf), splits(gbuf)
    for d, v in pairs(a.pe).items():
        assert pe.get(d, 1) == v, f"PE split of {d} is {pe.get(d, 1)}, fixed {v}"
    for d, v in pairs(a.nodes).items():
        assert nodes.get(d, 1) == v, f"node split of {d} is {nodes.get(d, 1)}, fixed {v}"
    if a.regf_order:
        order = [int(c) for c in a.regf_order.split(",")]
        classes = []
        for step in re.findall(r"#kapla\.update<step = \[([^\]]*)\]>", regf):
            c = CLASS[step.split("=")[0].strip()]
            if not classes or classes[-1] != c:
                classes.append(c)
        positions = [order.index(c) for c in classes]
        assert positions == sorted(set(positions)), \
            f"REGF loops by class {classes}, fixed order {order}"
    print("fix honoured")


main()
