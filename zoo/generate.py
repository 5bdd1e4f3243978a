#!/usr/bin/env python3
"""Generates the evaluation zoo as linalg-on-tensors MLIR.

The seven networks of the KAPLA evaluation come from the tables of zoo.md
(next to this script, the layer shapes of the reference evaluation); two more
networks are written here: a BERT-base encoder and the GNMT LSTM stack with
every matmul as a linalg.generic. Each layer op carries a name location
(loc("conv1")) so that kapla-import names the layer as the table does.

Conventions (those of zoo.md): NCHW at batch 1 (kapla-import's batch option
sets the batch a schedule is for; --batch writes the table networks' IR at
another batch, which kapla-materialize needs to materialise batch groups); a layer's input is (Ho-1)*stride + R rows, so the output of
its producer is padded or cropped to that size; several inputs are
concatenated along channels; FC layers read their input flattened; weights are
splat constants, so the files stay small.

Usage: generate.py [--out DIR] [--batch N]   (default: this script's folder,
batch 1; the zoo's files are at batch 1)
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def ttype(shape):
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def amap(ndims, exprs):
    dims = ", ".join(f"d{i}" for i in range(ndims))
    return f"affine_map<({dims}) -> ({', '.join(exprs)})>"


class Builder:
    """Emits the ops of one function, tracking SSA names and shapes."""

    def __init__(self):
        self.lines = ["    %zero = arith.constant 0.000000e+00 : f32"]
        self.count = 0
        self.shapes = {}
        self.consts = {}

    def fresh(self, shape):
        name = f"%v{self.count}"
        self.count += 1
        self.shapes[name] = list(shape)
        return name

    def emit(self, text):
        self.lines.append("    " + text)

    def const(self, shape, value="1.000000e-02", shared=True):
        """A splat constant; `shared` ones are emitted once per shape and
        value (biases, scales), the others once per call (weights: every
        layer trains its own)."""
        key = (tuple(shape), value)
        if not shared or key not in self.consts:
            v = self.fresh(shape)
            self.emit(f"{v} = arith.constant dense<{value}> : {ttype(shape)}")
            self.consts[key] = v
        return self.consts[key]

    def zero(self):
        return "%zero"

    def empty(self, shape):
        v = self.fresh(shape)
        self.emit(f"{v} = tensor.empty() : {ttype(shape)}")
        return v

    def zeros(self, shape):
        e = self.empty(shape)
        v = self.fresh(shape)
        self.emit(f"{v} = linalg.fill ins({self.zero()} : f32) outs({e} : "
                  f"{ttype(shape)}) -> {ttype(shape)}")
        return v

    # --- layout ops -------------------------------------------------------
    def fit_spatial(self, x, h, w):
        """Pads (at the end) or crops the last two dims of x to h x w."""
        shape = self.shapes[x]
        ch, cw = shape[-2], shape[-1]
        if ch < h or cw < w:
            ph, pw = max(h - ch, 0), max(w - cw, 0)
            out = shape[:-2] + [ch + ph, cw + pw]
            v = self.fresh(out)
            zeros = ", ".join(["0"] * len(shape))
            high = ", ".join(["0"] * (len(shape) - 2) + [str(ph), str(pw)])
            idx = ", ".join(f"%i{i}: index" for i in range(len(shape)))
            self.emit(f"{v} = tensor.pad {x} low[{zeros}] high[{high}] {{")
            self.emit(f"^bb0({idx}):")
            self.emit(f"  tensor.yield {self.zero()} : f32")
            self.emit(f"}} : {ttype(shape)} to {ttype(out)}")
            x, shape = v, out
        if shape[-2] > h or shape[-1] > w:
            out = shape[:-2] + [h, w]
            v = self.fresh(out)
            offs = ", ".join(["0"] * len(shape))
            ones = ", ".join(["1"] * len(shape))
            sizes = ", ".join(str(d) for d in out)
            self.emit(f"{v} = tensor.extract_slice {x}[{offs}] [{sizes}] "
                      f"[{ones}] : {ttype(shape)} to {ttype(out)}")
            x = v
        return x

    def concat(self, values, dim=1):
        if len(values) == 1:
            return values[0]
        shape = list(self.shapes[values[0]])
        shape[dim] = sum(self.shapes[v][dim] for v in values)
        acc = self.empty(shape)
        off = 0
        for v in values:
            s = self.shapes[v]
            offs = [0] * len(shape)
            offs[dim] = off
            n = self.fresh(shape)
            self.emit(f"{n} = tensor.insert_slice {v} into {acc}"
                      f"[{', '.join(map(str, offs))}] [{', '.join(map(str, s))}] "
                      f"[{', '.join(['1'] * len(s))}] : {ttype(s)} into "
                      f"{ttype(shape)}")
            acc = n
            off += s[dim]
        return acc

    def collapse(self, x, groups):
        shape = self.shapes[x]
        out = []
        for g in groups:
            p = 1
            for d in g:
                p *= shape[d]
            out.append(p)
        v = self.fresh(out)
        self.emit(f"{v} = tensor.collapse_shape {x} {groups} : {ttype(shape)} "
                  f"into {ttype(out)}")
        return v

    def expand(self, x, groups, out):
        v = self.fresh(out)
        self.emit(f"{v} = tensor.expand_shape {x} {groups} output_shape "
                  f"[{', '.join(map(str, out))}] : {ttype(self.shapes[x])} "
                  f"into {ttype(out)}")
        return v

    def transpose(self, x, perm):
        shape = self.shapes[x]
        out = [shape[p] for p in perm]
        e = self.empty(out)
        v = self.fresh(out)
        self.emit(f"{v} = linalg.transpose ins({x} : {ttype(shape)}) outs({e} : "
                  f"{ttype(out)}) permutation = [{', '.join(map(str, perm))}]")
        return v

    # --- compute ops ------------------------------------------------------
    def named_conv(self, op, x, w, out, stride, loc):
        e = self.zeros(out)
        v = self.fresh(out)
        self.emit(f"{v} = linalg.{op} {{dilations = dense<1> : tensor<2xi64>, "
                  f"strides = dense<{stride}> : tensor<2xi64>}} ins({x}, {w} : "
                  f"{ttype(self.shapes[x])}, {ttype(self.shapes[w])}) outs({e} : "
                  f"{ttype(out)}) -> {ttype(out)} loc(\"{loc}\")")
        return v

    def matmul(self, a, b, loc):
        m, k = self.shapes[a]
        _, n = self.shapes[b]
        e = self.zeros([m, n])
        v = self.fresh([m, n])
        self.emit(f"{v} = linalg.matmul ins({a}, {b} : {ttype([m, k])}, "
                  f"{ttype([k, n])}) outs({e} : {ttype([m, n])}) -> "
                  f"{ttype([m, n])} loc(\"{loc}\")")
        return v

    def generic_matmul(self, a, b, loc):
        """A matmul written as a linalg.generic."""
        m, k = self.shapes[a]
        _, n = self.shapes[b]
        e = self.zeros([m, n])
        v = self.fresh([m, n])
        maps = [amap(3, ["d0", "d2"]), amap(3, ["d2", "d1"]),
                amap(3, ["d0", "d1"])]
        self.emit(f"{v} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [\"parallel\", \"parallel\", \"reduction\"]}} "
                  f"ins({a}, {b} : {ttype([m, k])}, {ttype([k, n])}) outs({e} : "
                  f"{ttype([m, n])}) {{")
        self.emit("^bb0(%a: f32, %b: f32, %acc: f32):")
        self.emit("  %p = arith.mulf %a, %b : f32")
        self.emit("  %s = arith.addf %acc, %p : f32")
        self.emit("  linalg.yield %s : f32")
        self.emit(f"}} -> {ttype([m, n])} loc(\"{loc}\")")
        return v

    def batch_matmul(self, a, b, loc):
        bt, m, k = self.shapes[a]
        _, _, n = self.shapes[b]
        e = self.zeros([bt, m, n])
        v = self.fresh([bt, m, n])
        self.emit(f"{v} = linalg.batch_matmul ins({a}, {b} : "
                  f"{ttype([bt, m, k])}, {ttype([bt, k, n])}) outs({e} : "
                  f"{ttype([bt, m, n])}) -> {ttype([bt, m, n])} loc(\"{loc}\")")
        return v

    def elementwise(self, inputs, body, loc=None, result=None):
        """An all-parallel linalg.generic. inputs: list of (value, exprs) where
        exprs index the value by the output dims (None: identity); body: the
        lines computing %r from %in0, %in1, ..."""
        out = list(result or self.shapes[inputs[0][0]])
        n = len(out)
        ident = [f"d{i}" for i in range(n)]
        maps, vals, types, args = [], [], [], []
        for i, (val, exprs) in enumerate(inputs):
            maps.append(amap(n, exprs or ident))
            vals.append(val)
            types.append(ttype(self.shapes[val]))
            args.append(f"%in{i}: f32")
        maps.append(amap(n, ident))
        e = self.empty(out)
        v = self.fresh(out)
        its = ", ".join(['"parallel"'] * n)
        self.emit(f"{v} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{its}]}} ins({', '.join(vals)} : "
                  f"{', '.join(types)}) outs({e} : {ttype(out)}) {{")
        self.emit(f"^bb0({', '.join(args)}, %out: f32):")
        for line in body:
            self.emit("  " + line)
        self.emit("  linalg.yield %r : f32")
        suffix = f" loc(\"{loc}\")" if loc else ""
        self.emit(f"}} -> {ttype(out)}{suffix}")
        return v

    def reduce_last(self, x, body, loc=None):
        """Reduces the last dim of x (sum with `body` combining %in0, %acc)."""
        shape = self.shapes[x]
        out = shape[:-1]
        n = len(shape)
        ident = [f"d{i}" for i in range(n)]
        e = self.zeros(out)
        v = self.fresh(out)
        its = ", ".join(['"parallel"'] * (n - 1) + ['"reduction"'])
        self.emit(f"{v} = linalg.generic {{indexing_maps = [{amap(n, ident)}, "
                  f"{amap(n, ident[:-1])}], iterator_types = [{its}]}} "
                  f"ins({x} : {ttype(shape)}) outs({e} : {ttype(out)}) {{")
        self.emit("^bb0(%in0: f32, %acc: f32):")
        for line in body:
            self.emit("  " + line)
        self.emit("  linalg.yield %r : f32")
        suffix = f" loc(\"{loc}\")" if loc else ""
        self.emit(f"}} -> {ttype(out)}{suffix}")
        return v

    def relu(self, x):
        return self.elementwise([(x, None)],
                                [f"%r = arith.maximumf %in0, {self.zero()} : f32"])


# --- the seven networks of zoo.md --------------------------------------------
def parse_zoo(path):
    """Returns {name: (title, input (C, H, W), [layer dicts])}."""
    nets = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^### (\S+) \((.*)\)", line)
            if m:
                cur = m.group(1)
                nets[cur] = [m.group(2), None, []]
                continue
            m = re.match(r"^input: C=(\d+), H=(\d+), W=(\d+)", line)
            if m and cur:
                nets[cur][1] = tuple(int(x) for x in m.groups())
                continue
            if cur and line.startswith("| ") and not line.startswith("| layer") \
                    and not line.startswith("| ---"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                name, kind, c, k, howo, rs, stride, inputs = cells
                ho, wo = (int(x) for x in howo.split("x"))
                r, s = (int(x) for x in rs.split("x"))
                sy, sx = (int(x) for x in stride.split("x"))
                m2 = re.match(r"(\d+) x(\d+) inputs", c)
                nets[cur][2].append({
                    "name": name, "kind": kind,
                    "C": int(m2.group(1)) if m2 else int(c),
                    "inputs_count": int(m2.group(2)) if m2 else 1,
                    "K": int(k), "Ho": ho, "Wo": wo, "R": r, "S": s,
                    "sy": sy, "sx": sx,
                    "inputs": [x.strip() for x in inputs.split(",")]})
    return nets


def build_table_net(name, title, inp, layers, generic_fc=False, batch=1):
    b = Builder()
    c0, h0, w0 = inp
    flat = h0 == 1 and w0 == 1
    args = []
    values = {}

    def arg(argname, shape):
        v = f"%{argname}"
        b.shapes[v] = shape
        args.append(f"{v}: {ttype(shape)}")
        values[argname] = v

    arg("input", [batch, c0] if flat else [batch, c0, h0, w0])
    for l in layers:
        for i in l["inputs"]:
            if i.endswith("_hinit") or i.endswith("_cinit"):
                if i not in values:
                    arg(i, [batch, l["K"]] if i.endswith("_cinit")
                        else [batch, l["C"] // 2])
    consumers = {l["name"]: 0 for l in layers}
    for l in layers:
        for i in l["inputs"]:
            if i in consumers:
                consumers[i] += 1

    outputs = []
    for l in layers:
        ins = [values[i] for i in l["inputs"]]
        kind = l["kind"]
        if kind in ("Conv", "DepthwiseConvolution", "Pooling"):
            hi = (l["Ho"] - 1) * l["sy"] + l["R"]
            wi = (l["Wo"] - 1) * l["sx"] + l["S"]
            x = b.fit_spatial(b.concat(ins), hi, wi)
            out = [batch, l["K"], l["Ho"], l["Wo"]]
            assert l["sy"] == l["sx"], "square strides only"
            if kind == "Conv":
                w = b.const([l["K"], l["C"], l["R"], l["S"]], shared=False)
                v = b.relu(b.named_conv("conv_2d_nchw_fchw", x, w, out,
                                        l["sy"], l["name"]))
            elif kind == "DepthwiseConvolution":
                w = b.const([l["C"], l["R"], l["S"]], shared=False)
                v = b.relu(b.named_conv("depthwise_conv_2d_nchw_chw", x, w, out,
                                        l["sy"], l["name"]))
            else:
                win = b.empty([l["R"], l["S"]])
                v = b.named_conv("pooling_nchw_max", x, win, out, l["sy"],
                                 l["name"])
        elif kind == "FC":
            x = b.concat(ins)
            if len(b.shapes[x]) == 4:
                x = b.fit_spatial(x, l["R"], l["S"])
                x = b.collapse(x, [[0], [1, 2, 3]])
            cin = b.shapes[x][1]
            assert cin == l["C"] * l["R"] * l["S"], (l["name"], cin)
            w = b.const([cin, l["K"]], shared=False)
            mm = b.generic_matmul if generic_fc else b.matmul
            y = mm(x, w, l["name"])
            if generic_fc:  # LSTM gates: sigmoid / tanh epilogues
                v = b.elementwise([(y, None)], ["%r = math.tanh %in0 : f32"])
            else:
                v = b.relu(y)
        elif kind == "Eltwise":
            if len(ins) == 1:  # a scaling of one input
                scale = b.const([l["K"]], "5.000000e-01")
                exprs = [f"d{len(b.shapes[ins[0]]) - 1}"] if flat else ["d1"]
                v = b.elementwise([(ins[0], None), (scale, exprs)],
                                  ["%r = arith.mulf %in0, %in1 : f32"],
                                  loc=l["name"])
                outputs.append(ins[0])  # the unscaled state is an output too
            else:
                op = "arith.mulf" if flat else "arith.addf"
                body = [f"%t0 = {op} %in0, %in1 : f32"]
                for i in range(2, len(ins)):
                    body.append(f"%t{i - 1} = {op} %t{i - 2}, %in{i} : f32")
                body.append(f"%r = arith.addf %t{len(ins) - 2}, {b.zero()} : f32")
                v = b.elementwise([(i, None) for i in ins], body, loc=l["name"])
        else:
            sys.exit(f"unknown layer kind {kind}")
        values[l["name"]] = v
        if consumers[l["name"]] == 0:
            outputs.append(v)

    return emit_func(name, title, args, b, outputs)


def emit_func(name, title, args, b, outputs):
    rtypes = ", ".join(ttype(b.shapes[o]) for o in outputs)
    text = [f"// {title}: generated by zoo/generate.py; do not edit.",
            f"func.func @{name}({', '.join(args)}) -> ({rtypes}) {{"]
    text += b.lines
    text.append(f"    return {', '.join(outputs)} : {rtypes}")
    text.append("}")
    return "\n".join(text) + "\n"


# --- BERT-base encoder ----------------------------------------------------------
def build_bert(layers=12, seq=512, hidden=768, heads=12, ffn=3072):
    b = Builder()
    dh = hidden // heads
    b.shapes["%input"] = [1, seq, hidden]
    args = [f"%input: {ttype([1, seq, hidden])}"]
    x = b.collapse("%input", [[0, 1], [2]])
    chan = ["d1"]
    row = ["d0"]
    for i in range(layers):
        p = f"l{i}_"

        def linear(v, n_out, name, epilogue=None):
            w = b.const([b.shapes[v][1], n_out], shared=False)
            bias = b.const([n_out], "0.000000e+00")
            y = b.matmul(v, w, p + name)
            body = ["%r = arith.addf %in0, %in1 : f32"] if not epilogue else \
                ["%t = arith.addf %in0, %in1 : f32"] + epilogue
            return b.elementwise([(y, None), (bias, chan)], body)

        def heads_first(v):  # [seq, hidden] -> [heads, seq, dh]
            e = b.expand(v, [[0], [1, 2]], [seq, heads, dh])
            return b.transpose(e, [1, 0, 2])

        q = heads_first(linear(x, hidden, "query"))
        k = b.transpose(heads_first(linear(x, hidden, "key")), [0, 2, 1])
        v = heads_first(linear(x, hidden, "value"))
        scores = b.batch_matmul(q, k, p + "scores")
        # softmax over keys: max, exp(s - max), sum, divide
        mx = b.reduce_last(scores, ["%r = arith.maximumf %in0, %acc : f32"],
                           loc=p + "softmax_max")
        bc = ["d0", "d1"]
        ex = b.elementwise([(scores, None), (mx, bc)],
                           ["%t = arith.subf %in0, %in1 : f32",
                            "%r = math.exp %t : f32"], loc=p + "softmax_exp")
        sm = b.reduce_last(ex, ["%r = arith.addf %in0, %acc : f32"],
                           loc=p + "softmax_sum")
        prob = b.elementwise([(ex, None), (sm, bc)],
                             ["%r = arith.divf %in0, %in1 : f32"],
                             loc=p + "softmax_div")
        ctx = b.batch_matmul(prob, v, p + "context")
        ctx = b.collapse(b.transpose(ctx, [1, 0, 2]), [[0], [1, 2]])
        att = linear(ctx, hidden, "attention_output")

        def add_norm(a, res, name):
            s = b.elementwise([(a, None), (res, None)],
                              ["%r = arith.addf %in0, %in1 : f32"],
                              loc=p + name + "_residual")
            inv = f"{1.0 / hidden:.6e}"
            mean = b.reduce_last(s, [f"%t = arith.addf %in0, %acc : f32",
                                     "%r = arith.addf %t, %zero : f32"],
                                 loc=p + name + "_mean")
            d = b.elementwise([(s, None), (mean, row)],
                              [f"%c = arith.constant {inv} : f32",
                               "%m = arith.mulf %in1, %c : f32",
                               "%r = arith.subf %in0, %m : f32"],
                              loc=p + name + "_center")
            var = b.reduce_last(d, ["%t = arith.mulf %in0, %in0 : f32",
                                    "%r = arith.addf %t, %acc : f32"],
                                loc=p + name + "_variance")
            return b.elementwise([(d, None), (var, row)],
                                 [f"%c = arith.constant {inv} : f32",
                                  "%e = arith.constant 9.999999e-13 : f32",
                                  "%m = arith.mulf %in1, %c : f32",
                                  "%t = arith.addf %m, %e : f32",
                                  "%s = math.rsqrt %t : f32",
                                  "%r = arith.mulf %in0, %s : f32"],
                                 loc=p + name + "_scale")

        x1 = add_norm(att, x, "attention")
        gelu = ["%h = arith.constant 5.000000e-01 : f32",
                "%th = math.tanh %t : f32",
                "%one = arith.constant 1.000000e+00 : f32",
                "%u = arith.addf %th, %one : f32",
                "%w = arith.mulf %t, %u : f32",
                "%r = arith.mulf %w, %h : f32"]
        h = linear(x1, ffn, "intermediate", epilogue=gelu)
        o = linear(h, hidden, "output")
        x = add_norm(o, x1, "output")
    out = b.expand(x, [[0, 1], [2]], [1, seq, hidden])
    return emit_func("bert_base", "BERT-base encoder, sequence 512", args, b,
                     [out])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--batch", type=int, default=1,
                    help="the batch of the networks of zoo.md's tables "
                         "(BERT-base stays one sequence)")
    opts = ap.parse_args()
    nets = parse_zoo(os.path.join(HERE, "zoo.md"))
    files = {}
    for name, (title, inp, layers) in nets.items():
        files[name] = build_table_net(name, title, inp, layers,
                                      generic_fc=name == "lstm_gnmt",
                                      batch=opts.batch)
    files["bert_base"] = build_bert()
    os.makedirs(opts.out, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(opts.out, name + ".mlir"), "w",
                  encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
