#!/usr/bin/env python3
"""Generates the evaluation zoo as linalg-on-tensors MLIR.

The seven networks of the KAPLA evaluation come from the tables of zoo.md
(next to this script, the layer shapes of the reference evaluation), the GNMT
LSTM stack with every matmul as a linalg.generic; more networks are written
here: a BERT-base encoder, and the transformers and LLMs of zoo.md's last
section (GPT-2 small, a LLaMA-2-7B prefill and decode step, a GQA + MoE
block, ViT-B/16). Each layer op carries a name location
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

    def contract(self, a, a_exprs, b, b_exprs, out, out_exprs, kinds, loc):
        """A linalg.generic contraction out += a * b over the loops `kinds`
        ("parallel" or "reduction"), each operand indexed by its exprs."""
        n = len(kinds)
        e = self.zeros(out)
        v = self.fresh(out)
        maps = [amap(n, a_exprs), amap(n, b_exprs), amap(n, out_exprs)]
        its = ", ".join(f'"{k}"' for k in kinds)
        self.emit(f"{v} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{its}]}} ins({a}, {b} : "
                  f"{ttype(self.shapes[a])}, {ttype(self.shapes[b])}) outs({e} : "
                  f"{ttype(out)}) {{")
        self.emit("^bb0(%a: f32, %b: f32, %acc: f32):")
        self.emit("  %p = arith.mulf %a, %b : f32")
        self.emit("  %s = arith.addf %acc, %p : f32")
        self.emit("  linalg.yield %s : f32")
        self.emit(f"}} -> {ttype(out)} loc(\"{loc}\")")
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


# GELU (tanh form) of %t as the epilogue of a projection: 0.5 t (1 + tanh t).
GELU_TANH = ["%h = arith.constant 5.000000e-01 : f32",
             "%th = math.tanh %t : f32",
             "%one = arith.constant 1.000000e+00 : f32",
             "%u = arith.addf %th, %one : f32",
             "%w = arith.mulf %t, %u : f32",
             "%r = arith.mulf %w, %h : f32"]


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
        h = linear(x1, ffn, "intermediate", epilogue=GELU_TANH)
        o = linear(h, hidden, "output")
        x = add_norm(o, x1, "output")
    out = b.expand(x, [[0, 1], [2]], [1, seq, hidden])
    return emit_func("bert_base", "BERT-base encoder, sequence 512", args, b,
                     [out])


# --- transformers and LLMs ----------------------------------------------------
def build_transformer(name, title, blocks, tokens, hidden, heads, ffn,
                      kv_heads=None, norm="layer", act="gelu", rotary=False,
                      fused_qkv=False, vocab=None, cache=None, experts=None,
                      top_k=2, patches=None, classes=None):
    """A pre-norm transformer over `tokens` rows of width `hidden`.

    Per block: norm; the query, key and value projections (one fused FC
    with `fused_qkv`); with `rotary` the rotary embedding of queries and
    keys, one element-wise op each over (row, head, pair, 2) whose second
    input is the same tensor with each pair swapped (the map 1 - d3) and
    whose cos and signed-sin tables are constants; the scores and context
    batch matmuls per KV head (`kv_heads` < `heads`: grouped-query
    attention, the g = heads / kv_heads queries of a group as g x tokens
    rows of one batch matmul) and the softmax between them (max, exp, sum,
    divide); the output projection and the residual add; norm; the FFN
    (`gelu`: up FC with a GELU epilogue and down FC; `swiglu`: gate and up
    FCs, silu(gate) * up, down FC; with `experts` a router FC and softmax
    and `experts` SwiGLU experts, each on a fixed quarter of the rows) and
    the residual add. `norm`: "layer" (mean, center, variance, scale) or
    "rms" (sum of squares, scale). With `cache` the step decodes `tokens`
    new rows against a KV cache of `cache` positions per KV head (network
    inputs; the new keys and values are written into its last rows). With
    `vocab` a final norm and the LM head FC; with `patches` (C, P, image)
    the input is an image cut into P x P patches by a convolution with
    stride P and a class row prepended; `classes` is the classification
    head's FC on that row.
    """
    b = Builder()
    kv_heads = kv_heads or heads
    dh = hidden // heads
    group = heads // kv_heads
    args = []
    row = ["d0"]

    def arg(argname, shape):
        v = f"%{argname}"
        b.shapes[v] = list(shape)
        args.append(f"{v}: {ttype(shape)}")
        return v

    if patches:
        c, p, size = patches
        img = arg("image", [1, c, size, size])
        w = b.const([hidden, c, p, p], shared=False)
        n = size // p
        emb = b.named_conv("conv_2d_nchw_fchw", img, w, [1, hidden, n, n], p,
                           "patch_embed")
        flat = b.collapse(emb, [[0], [1], [2, 3]])            # [1, H, n*n]
        seq = b.transpose(flat, [0, 2, 1])                     # [1, n*n, H]
        cls = b.const([1, 1, hidden], "2.000000e-02")
        x3 = b.concat([cls, seq], dim=1)                       # [1, T, H]
        pos = b.const([tokens, hidden], "1.000000e-02")
        x = b.collapse(x3, [[0, 1], [2]])
        x = b.elementwise([(x, None), (pos, None)],
                          ["%r = arith.addf %in0, %in1 : f32"],
                          loc="position_embed")
    else:
        x = b.collapse(arg("input", [1, tokens, hidden]), [[0, 1], [2]])
    caches = []
    if cache:
        for i in range(blocks):
            caches.append((arg(f"k_cache{i}", [1, cache, kv_heads, dh]),
                           arg(f"v_cache{i}", [1, cache, kv_heads, dh])))

    def fc(v, n_out, loc, epilogue=None, bias=True):
        w = b.const([b.shapes[v][1], n_out], shared=False)
        y = b.matmul(v, w, loc)
        if not bias and not epilogue:
            return y
        ins = [(y, None)]
        body = []
        if bias:
            ins.append((b.const([n_out], "0.000000e+00"), ["d1"]))
            body.append("%t = arith.addf %in0, %in1 : f32")
        else:
            body.append("%t = arith.addf %in0, %zero : f32")
        body += epilogue or ["%r = arith.addf %t, %zero : f32"]
        return b.elementwise(ins, body)

    def normalise(v, loc):
        inv = f"{1.0 / hidden:.6e}"
        if norm == "rms":
            ss = b.reduce_last(v, ["%t = arith.mulf %in0, %in0 : f32",
                                   "%r = arith.addf %t, %acc : f32"],
                               loc=loc + "_sumsq")
            g = b.const([hidden], "1.000000e+00")
            return b.elementwise([(v, None), (ss, row), (g, ["d1"])],
                                 [f"%c = arith.constant {inv} : f32",
                                  "%e = arith.constant 9.999999e-06 : f32",
                                  "%m = arith.mulf %in1, %c : f32",
                                  "%t = arith.addf %m, %e : f32",
                                  "%s = math.rsqrt %t : f32",
                                  "%u = arith.mulf %in0, %s : f32",
                                  "%r = arith.mulf %u, %in2 : f32"],
                                 loc=loc + "_scale")
        mean = b.reduce_last(v, ["%r = arith.addf %in0, %acc : f32"],
                             loc=loc + "_mean")
        d = b.elementwise([(v, None), (mean, row)],
                          [f"%c = arith.constant {inv} : f32",
                           "%m = arith.mulf %in1, %c : f32",
                           "%r = arith.subf %in0, %m : f32"],
                          loc=loc + "_center")
        var = b.reduce_last(d, ["%t = arith.mulf %in0, %in0 : f32",
                                "%r = arith.addf %t, %acc : f32"],
                            loc=loc + "_variance")
        return b.elementwise([(d, None), (var, row)],
                             [f"%c = arith.constant {inv} : f32",
                              "%e = arith.constant 9.999999e-06 : f32",
                              "%m = arith.mulf %in1, %c : f32",
                              "%t = arith.addf %m, %e : f32",
                              "%s = math.rsqrt %t : f32",
                              "%r = arith.mulf %in0, %s : f32"],
                             loc=loc + "_scale")

    def residual(a, r, loc):
        return b.elementwise([(a, None), (r, None)],
                             ["%r = arith.addf %in0, %in1 : f32"], loc=loc)

    def rope(v, nh, loc):
        """Rotary embedding of v [tokens, nh * dh]."""
        e = b.expand(v, [[0], [1, 2, 3]], [tokens, nh, dh // 2, 2])
        cos = b.const([tokens, dh // 2, 2], "9.000000e-01")
        sin = b.const([tokens, dh // 2, 2], "1.000000e-01")
        tab = ["d0", "d2", "d3"]
        r = b.elementwise([(e, None), (e, ["d0", "d1", "d2", "1 - d3"]),
                           (cos, tab), (sin, tab)],
                          ["%a = arith.mulf %in0, %in2 : f32",
                           "%s = arith.mulf %in1, %in3 : f32",
                           "%r = arith.addf %a, %s : f32"], loc=loc)
        return b.collapse(r, [[0], [1, 2, 3]])

    def softmax(s, loc):
        bc = [f"d{i}" for i in range(len(b.shapes[s]) - 1)]
        mx = b.reduce_last(s, ["%r = arith.maximumf %in0, %acc : f32"],
                           loc=loc + "_max")
        ex = b.elementwise([(s, None), (mx, bc)],
                           ["%t = arith.subf %in0, %in1 : f32",
                            "%r = math.exp %t : f32"], loc=loc + "_exp")
        sm = b.reduce_last(ex, ["%r = arith.addf %in0, %acc : f32"],
                           loc=loc + "_sum")
        return b.elementwise([(ex, None), (sm, bc)],
                             ["%r = arith.divf %in0, %in1 : f32"],
                             loc=loc + "_div")

    silu_mul = ["%n = arith.negf %in0 : f32", "%x = math.exp %n : f32",
                "%one = arith.constant 1.000000e+00 : f32",
                "%d = arith.addf %x, %one : f32",
                "%g = arith.divf %in0, %d : f32",
                "%r = arith.mulf %g, %in1 : f32"]
    bias = norm == "layer"  # GPT-2 and ViT have biases, LLaMA has none

    def swiglu(v, width, p):
        gate = fc(v, width, p + "gate", bias=False)
        up = fc(v, width, p + "up", bias=False)
        h = b.elementwise([(gate, None), (up, None)], silu_mul,
                          loc=p + "silu_mul")
        return fc(h, hidden, p + "down", bias=False)

    for i in range(blocks):
        p = f"b{i}_"
        h = normalise(x, p + "attn_norm")
        if fused_qkv:
            qkv = fc(h, hidden + 2 * kv_heads * dh, p + "qkv", bias=bias)
            def part(off, width):
                v = b.fresh([tokens, width])
                b.emit(f"{v} = tensor.extract_slice {qkv}[0, {off}] "
                       f"[{tokens}, {width}] [1, 1] : "
                       f"{ttype(b.shapes[qkv])} to {ttype([tokens, width])}")
                return v
            q = part(0, hidden)
            k = part(hidden, kv_heads * dh)
            v = part(hidden + kv_heads * dh, kv_heads * dh)
        else:
            q = fc(h, hidden, p + "query", bias=bias)
            k = fc(h, kv_heads * dh, p + "key", bias=bias)
            v = fc(h, kv_heads * dh, p + "value", bias=bias)
        if rotary:
            q = rope(q, heads, p + "rope_query")
            k = rope(k, kv_heads, p + "rope_key")
        # Per sequence [1, rows, heads, head width], as exporters keep it: a
        # batch of B sequences is [B, rows, ...], each attending to its own
        # keys. Queries of one KV group: [1, rows, kv heads, g, width].
        qh = b.expand(q, [[0, 1], [2, 3, 4]], [1, tokens, kv_heads, group, dh])
        kh = b.expand(k, [[0, 1], [2, 3]], [1, tokens, kv_heads, dh])
        vh = b.expand(v, [[0, 1], [2, 3]], [1, tokens, kv_heads, dh])
        keys = tokens
        if cache:
            def write(into, new):
                shape = b.shapes[into]
                n = b.fresh(shape)
                b.emit(f"{n} = tensor.insert_slice {new} into {into}"
                       f"[0, {cache - tokens}, 0, 0] [1, {tokens}, {kv_heads}, "
                       f"{dh}] [1, 1, 1, 1] : {ttype(b.shapes[new])} into "
                       f"{ttype(shape)}")
                return n
            kh, vh = write(caches[i][0], kh), write(caches[i][1], vh)
            keys = cache
        # Loops (sequence, kv head, group, query row, key, width).
        scores = b.contract(
            qh, ["d0", "d3", "d1", "d2", "d5"], kh, ["d0", "d4", "d1", "d5"],
            [1, kv_heads, group, tokens, keys], ["d0", "d1", "d2", "d3", "d4"],
            ["parallel"] * 5 + ["reduction"], p + "scores")
        prob = softmax(scores, p + "softmax")
        # Loops (sequence, query row, kv head, group, width, key).
        ctx = b.contract(
            prob, ["d0", "d2", "d3", "d1", "d5"], vh, ["d0", "d5", "d2", "d4"],
            [1, tokens, kv_heads, group, dh], ["d0", "d1", "d2", "d3", "d4"],
            ["parallel"] * 5 + ["reduction"], p + "context")
        ctx = b.collapse(ctx, [[0, 1], [2, 3, 4]])
        att = fc(ctx, hidden, p + "attn_out", bias=bias)
        x = residual(att, x, p + "attn_residual")
        h = normalise(x, p + "ffn_norm")
        if experts:
            logits = fc(h, experts, p + "router", bias=False)
            probs = softmax(logits, p + "router_softmax")
            # The router's choice, fixed: expert e serves the rows of quarter
            # e mod 4 (each row goes to top_k = 2 experts, the load even),
            # weighted by its probability.
            rows = tokens * top_k // experts
            outs = []
            for e in range(experts):
                start = (e % (experts // top_k)) * rows
                sl = b.fresh([rows, hidden])
                b.emit(f"{sl} = tensor.extract_slice {h}[{start}, 0] "
                       f"[{rows}, {hidden}] [1, 1] : {ttype([tokens, hidden])}"
                       f" to {ttype([rows, hidden])}")
                y = swiglu(sl, ffn, p + f"expert{e}_")
                wt = b.fresh([rows, 1])
                b.emit(f"{wt} = tensor.extract_slice {probs}[{start}, {e}] "
                       f"[{rows}, 1] [1, 1] : {ttype([tokens, experts])} to "
                       f"{ttype([rows, 1])}")
                outs.append(b.elementwise(
                    [(y, None), (wt, ["d0", "0"])],
                    ["%r = arith.mulf %in0, %in1 : f32"],
                    loc=p + f"expert{e}_weight"))
            halves = []
            for q4 in range(experts // top_k):
                halves.append(residual(outs[q4], outs[q4 + experts // top_k],
                                       p + f"combine{q4}"))
            f = b.concat(halves, dim=0)
        elif act == "swiglu":
            f = swiglu(h, ffn, p)
        else:
            up = fc(h, ffn, p + "ffn_up", epilogue=GELU_TANH)
            f = fc(up, hidden, p + "ffn_down")
        x = residual(f, x, p + "ffn_residual")
    outs = []
    if vocab:
        outs.append(fc(normalise(x, "final_norm"), vocab, "lm_head",
                       bias=False))
    elif classes:
        h = normalise(x, "final_norm")
        first = b.fresh([1, hidden])
        b.emit(f"{first} = tensor.extract_slice {h}[0, 0] [1, {hidden}] "
               f"[1, 1] : {ttype([tokens, hidden])} to {ttype([1, hidden])}")
        outs.append(fc(first, classes, "head"))
    else:
        outs.append(x)
    return emit_func(name, title, args, b, outs)


TRANSFORMERS = {
    # GPT-2 small: 12 blocks, hidden 768, 12 heads, FFN 3072, vocabulary
    # 50257, the fused QKV projection; one sequence of 1024 tokens.
    "gpt2_small": lambda: build_transformer(
        "gpt2_small", "GPT-2 small (124M), sequence 1024", 12, 1024, 768, 12,
        3072, fused_qkv=True, vocab=50257),
    # LLaMA-2-7B: 32 blocks, hidden 4096, 32 heads, SwiGLU FFN 11008,
    # RMSNorm, rotary embeddings, vocabulary 32000.
    "llama2_7b_prefill": lambda: build_transformer(
        "llama2_7b_prefill", "LLaMA-2-7B prefill, sequence 2048", 32, 2048,
        4096, 32, 11008, norm="rms", act="swiglu", rotary=True, vocab=32000),
    "llama2_7b_decode": lambda: build_transformer(
        "llama2_7b_decode", "LLaMA-2-7B decode step, KV cache 2048", 32, 1,
        4096, 32, 11008, norm="rms", act="swiglu", rotary=True, vocab=32000,
        cache=2048),
    # One decoder block of Mixtral-8x7B's shape: grouped-query attention (32
    # heads, 8 KV heads) and a mixture of 8 SwiGLU experts of 14336, top-2.
    "gqa_moe_block": lambda: build_transformer(
        "gqa_moe_block", "a GQA + MoE decoder block (Mixtral-8x7B shape), "
        "sequence 2048", 1, 2048, 4096, 32, 14336, kv_heads=8, norm="rms",
        act="swiglu", rotary=True, experts=8),
    # ViT-B/16 at 224 x 224: 196 patches and the class token, 12 blocks,
    # hidden 768, 12 heads, MLP 3072, 1000 classes.
    "vit_b16": lambda: build_transformer(
        "vit_b16", "ViT-B/16, 224 x 224", 12, 197, 768, 12, 3072,
        patches=(3, 16, 224), classes=1000),
}


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
    for name, build in TRANSFORMERS.items():
        files[name] = build()
    os.makedirs(opts.out, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(opts.out, name + ".mlir"), "w",
                  encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
