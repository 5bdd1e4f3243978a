#!/usr/bin/env python3
"""Checks the backward ops of kapla-build-training-graph numerically.

For each small network below: writes it as linalg on tensors with
pseudo-random weights, builds its training graph with kapla-opt, lowers it
with the upstream MLIR pipeline, runs it with mlir-runner on a fixed input
and loss gradient, and compares
  - the forward output with a plain-Python model of the network, and
  - every weight gradient with central finite differences of
    L = sum(seed * output) computed on that Python model.

Usage: gradcheck.py --kapla-opt PATH --llvm-bin DIR [--keep DIR] NET...
"""
import argparse
import os
import re
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
from mlirrun import execute, run  # noqa: E402


def f32(v):
    return struct.unpack("f", struct.pack("f", v))[0]


class Rng:
    """A fixed linear congruential generator: the same data everywhere."""

    def __init__(self, seed):
        self.state = seed

    def uniform(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return f32(((self.state >> 11) / float(1 << 53)) * 2.0 - 1.0)


def tensor(shape, rng):
    n = 1
    for s in shape:
        n *= s
    return {"shape": list(shape), "data": [rng.uniform() for _ in range(n)]}


def idx(shape, *i):
    off = 0
    for s, v in zip(shape, i):
        off = off * s + v
    return off


def dense(t):
    def nest(data, shape):
        if len(shape) == 1:
            return "[" + ", ".join("%.9e" % v for v in data) + "]"
        step = len(data) // shape[0]
        return "[" + ", ".join(nest(data[i * step:(i + 1) * step], shape[1:])
                               for i in range(shape[0])) + "]"
    return "dense<" + nest(t["data"], t["shape"]) + ">"


def ttype(shape):
    return "tensor<" + "x".join(str(s) for s in shape) + "xf32>"


# --- the plain-Python model ---------------------------------------------------

def conv(x, w, stride, depthwise=False):
    n, c, h, wd = x["shape"]
    k = w["shape"][0]
    r, s = w["shape"][-2:]
    ho, wo = (h - r) // stride + 1, (wd - s) // stride + 1
    out = [0.0] * (n * k * ho * wo)
    for b in range(n):
        for o in range(k):
            for y in range(ho):
                for xx in range(wo):
                    acc = 0.0
                    chans = [o] if depthwise else range(c)
                    for ci in chans:
                        for i in range(r):
                            for j in range(s):
                                wv = (w["data"][idx(w["shape"], o, i, j)] if depthwise
                                      else w["data"][idx(w["shape"], o, ci, i, j)])
                                acc += wv * x["data"][idx(x["shape"], b, ci, y * stride + i, xx * stride + j)]
                    out[idx([n, k, ho, wo], b, o, y, xx)] = acc
    return {"shape": [n, k, ho, wo], "data": out}


def pad(x, p):
    n, c, h, w = x["shape"]
    out = {"shape": [n, c, h + 2 * p, w + 2 * p], "data": []}
    out["data"] = [0.0] * (n * c * (h + 2 * p) * (w + 2 * p))
    for b in range(n):
        for ci in range(c):
            for y in range(h):
                for xx in range(w):
                    out["data"][idx(out["shape"], b, ci, y + p, xx + p)] = x["data"][idx(x["shape"], b, ci, y, xx)]
    return out


def pool(x, size, stride, op):
    n, c, h, w = x["shape"]
    ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
    out = []
    for b in range(n):
        for ci in range(c):
            for y in range(ho):
                for xx in range(wo):
                    vals = [x["data"][idx(x["shape"], b, ci, y * stride + i, xx * stride + j)]
                            for i in range(size) for j in range(size)]
                    out.append(op(vals))
    return {"shape": [n, c, ho, wo], "data": out}


def pointwise(x, f):
    return {"shape": x["shape"], "data": [f(v) for v in x["data"]]}


def add(a, b):
    return {"shape": a["shape"], "data": [u + v for u, v in zip(a["data"], b["data"])]}


def matmul(a, w):
    n, c = a["shape"]
    k = w["shape"][1]
    return {"shape": [n, k], "data": [sum(a["data"][i * c + j] * w["data"][j * k + o] for j in range(c))
                                      for i in range(n) for o in range(k)]}


def flatten(x):
    n = x["shape"][0]
    return {"shape": [n, len(x["data"]) // n], "data": list(x["data"])}


# --- the networks -------------------------------------------------------------

PAD = """tensor.pad {src} low[0, 0, {p}, {p}] high[0, 0, {p}, {p}] {{
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  }} : {st} to {dt}"""

EW = """linalg.generic {{indexing_maps = [{maps}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins({ins} : {intypes}) outs({out} : {t}) {{
  ^bb0({args}, %o: f32):
{body}
  }} -> {t}"""

ID4 = "affine_map<(a, b, c, d) -> (a, b, c, d)>"
RELU = "    %m = arith.maximumf %in, %zero : f32\n    linalg.yield %m : f32"
RELU6 = ("    %m = arith.maximumf %in, %zero : f32\n    %n = arith.minimumf %m, %six : f32\n"
         "    linalg.yield %n : f32")
ADD = "    %m = arith.addf %a, %b : f32\n    linalg.yield %m : f32"
DIV9 = "    %m = arith.divf %in, %nine : f32\n    linalg.yield %m : f32"


class Residual:
    """A strided convolution with ReLU, a padded convolution, a residual
    add, a 2x2 max pool and a fully-connected layer."""
    name = "residual"
    weights = ["w1", "w2", "w3"]

    def __init__(self, rng):
        self.x = tensor([1, 2, 9, 9], rng)
        self.w = {"w1": tensor([4, 2, 3, 3], rng), "w2": tensor([4, 4, 3, 3], rng),
                  "w3": tensor([16, 3], rng)}
        self.seed = tensor([1, 3], rng)

    def forward(self, w):
        a = pointwise(conv(self.x, w["w1"], 2), lambda v: max(v, 0.0))
        b = conv(pad(a, 1), w["w2"], 1)
        p = pool(add(a, b), 2, 2, max)
        return matmul(flatten(p), w["w3"])

    def mlir(self):
        w = self.w
        t4 = ttype([1, 4, 4, 4])
        relu = EW.format(maps=", ".join([ID4] * 2), ins="%c1", intypes=t4, out="%e1", t=t4,
                         args="%in: f32", body=RELU)
        padded = PAD.format(src="%r1", p=1, st=t4, dt=ttype([1, 4, 6, 6]))
        residual = EW.format(maps=", ".join([ID4] * 3), ins="%r1, %c2", intypes=t4 + ", " + t4,
                             out="%e1", t=t4, args="%a: f32, %b: f32", body=ADD)
        return f"""
func.func @residual(%x: {ttype([1, 2, 9, 9])}) -> {ttype([1, 3])} {{
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant {dense(w['w1'])} : {ttype([4, 2, 3, 3])}
  %e1 = tensor.empty() : {t4}
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : {t4}) -> {t4}
  %c1 = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
        ins(%x, %w1 : {ttype([1, 2, 9, 9])}, {ttype([4, 2, 3, 3])}) outs(%f1 : {t4}) -> {t4} loc("conv1")
  %r1 = {relu}
  %p = {padded}
  %w2 = arith.constant {dense(w['w2'])} : {ttype([4, 4, 3, 3])}
  %c2 = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
        ins(%p, %w2 : {ttype([1, 4, 6, 6])}, {ttype([4, 4, 3, 3])}) outs(%f1 : {t4}) -> {t4} loc("conv2")
  %s = {residual} loc("add")
  %ninf = arith.constant -3.0e38 : f32
  %e2 = tensor.empty() : {ttype([1, 4, 2, 2])}
  %f2 = linalg.fill ins(%ninf : f32) outs(%e2 : {ttype([1, 4, 2, 2])}) -> {ttype([1, 4, 2, 2])}
  %win = tensor.empty() : tensor<2x2xf32>
  %pool = linalg.pooling_nchw_max {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
        ins(%s, %win : {t4}, tensor<2x2xf32>) outs(%f2 : {ttype([1, 4, 2, 2])}) -> {ttype([1, 4, 2, 2])} loc("pool")
  %flat = tensor.collapse_shape %pool [[0], [1, 2, 3]] : {ttype([1, 4, 2, 2])} into {ttype([1, 16])}
  %w3 = arith.constant {dense(w['w3'])} : {ttype([16, 3])}
  %e3 = tensor.empty() : {ttype([1, 3])}
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : {ttype([1, 3])}) -> {ttype([1, 3])}
  %fc = linalg.matmul ins(%flat, %w3 : {ttype([1, 16])}, {ttype([16, 3])}) outs(%f3 : {ttype([1, 3])}) -> {ttype([1, 3])} loc("fc")
  return %fc : {ttype([1, 3])}
}}
"""


class Depthwise:
    """A 1x1 convolution, a strided depthwise convolution with ReLU6 (a
    clamp), a 2x2 average pool (sum, then a divide) and a fully-connected
    layer."""
    name = "depthwise"
    weights = ["w1", "w2", "w3"]

    def __init__(self, rng):
        self.x = tensor([2, 3, 7, 7], rng)
        self.w = {"w1": tensor([4, 3, 1, 1], rng), "w2": tensor([4, 3, 3], rng),
                  "w3": tensor([4, 5], rng)}
        self.seed = tensor([2, 5], rng)

    def forward(self, w):
        a = conv(self.x, w["w1"], 1)
        d = pointwise(conv(a, w["w2"], 2, depthwise=True), lambda v: min(max(v, 0.0), 6.0 / 8))
        p = pointwise(pool(d, 3, 3, sum), lambda v: v / 9.0)
        return matmul(flatten(p), w["w3"])

    def mlir(self):
        w = self.w
        ta = ttype([2, 4, 7, 7])
        td = ttype([2, 4, 3, 3])
        tp = ttype([2, 4, 1, 1])
        relu6 = EW.format(maps=", ".join([ID4] * 2), ins="%d", intypes=td, out="%e2", t=td,
                          args="%in: f32", body=RELU6)
        average = EW.format(maps=", ".join([ID4] * 2), ins="%sum", intypes=tp, out="%e3", t=tp,
                            args="%in: f32", body=DIV9)
        return f"""
func.func @depthwise(%x: {ttype([2, 3, 7, 7])}) -> {ttype([2, 5])} {{
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 0.75 : f32
  %nine = arith.constant 9.0 : f32
  %w1 = arith.constant {dense(w['w1'])} : {ttype([4, 3, 1, 1])}
  %e1 = tensor.empty() : {ta}
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : {ta}) -> {ta}
  %a = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
        ins(%x, %w1 : {ttype([2, 3, 7, 7])}, {ttype([4, 3, 1, 1])}) outs(%f1 : {ta}) -> {ta} loc("pw")
  %w2 = arith.constant {dense(w['w2'])} : {ttype([4, 3, 3])}
  %e2 = tensor.empty() : {td}
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : {td}) -> {td}
  %d = linalg.depthwise_conv_2d_nchw_chw {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
        ins(%a, %w2 : {ta}, {ttype([4, 3, 3])}) outs(%f2 : {td}) -> {td} loc("dw")
  %r = {relu6}
  %e3 = tensor.empty() : {tp}
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : {tp}) -> {tp}
  %win = tensor.empty() : tensor<3x3xf32>
  %sum = linalg.pooling_nchw_sum {{dilations = dense<1> : tensor<2xi64>, strides = dense<3> : tensor<2xi64>}}
        ins(%r, %win : {td}, tensor<3x3xf32>) outs(%f3 : {tp}) -> {tp} loc("pool")
  %avg = {average}
  %flat = tensor.collapse_shape %avg [[0], [1, 2, 3]] : {tp} into {ttype([2, 4])}
  %w3 = arith.constant {dense(w['w3'])} : {ttype([4, 5])}
  %e4 = tensor.empty() : {ttype([2, 5])}
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : {ttype([2, 5])}) -> {ttype([2, 5])}
  %fc = linalg.matmul ins(%flat, %w3 : {ttype([2, 4])}, {ttype([4, 5])}) outs(%f4 : {ttype([2, 5])}) -> {ttype([2, 5])} loc("fc")
  return %fc : {ttype([2, 5])}
}}
"""


class Gated:
    """A gated unit: an FC, its output split in two halves (slices), tanh of
    one times the sigmoid (exp, divide) of the other, concatenated with the
    first half (insert_slice), transposed, and an FC whose weights are the
    left operand."""
    name = "gated"
    weights = ["w1", "w2"]

    def __init__(self, rng):
        self.x = tensor([2, 4], rng)
        self.w = {"w1": tensor([4, 6], rng), "w2": tensor([3, 6], rng)}
        self.seed = tensor([3, 2], rng)

    def forward(self, w):
        import math
        h = matmul(self.x, w["w1"])["data"]
        rows = [h[i * 6:(i + 1) * 6] for i in range(2)]
        c = []
        for r in rows:
            a, b = r[:3], r[3:]
            g = [math.tanh(u) / (1.0 + math.exp(-v)) for u, v in zip(a, b)]
            c.append(g + a)
        w2 = w["w2"]["data"]
        return {"shape": [3, 2], "data": [sum(w2[i * 6 + k] * c[j][k] for k in range(6))
                                          for i in range(3) for j in range(2)]}

    def mlir(self):
        w = self.w
        return f"""
func.func @gated(%x: tensor<2x4xf32>) -> tensor<3x2xf32> {{
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %w1 = arith.constant {dense(w['w1'])} : tensor<4x6xf32>
  %e1 = tensor.empty() : tensor<2x6xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x6xf32>) -> tensor<2x6xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<2x4xf32>, tensor<4x6xf32>) outs(%f1 : tensor<2x6xf32>) -> tensor<2x6xf32> loc("fc1")
  %a = tensor.extract_slice %h[0, 0] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
  %b = tensor.extract_slice %h[0, 3] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %g = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
       iterator_types = ["parallel", "parallel"]}} ins(%a, %b : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>) {{
  ^bb0(%u: f32, %v: f32, %o: f32):
    %t = math.tanh %u : f32
    %nv = arith.negf %v : f32
    %ex = math.exp %nv : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %m = arith.mulf %t, %sig : f32
    linalg.yield %m : f32
  }} -> tensor<2x3xf32>
  %c0 = tensor.empty() : tensor<2x6xf32>
  %c1 = tensor.insert_slice %g into %c0[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x6xf32>
  %c2 = tensor.insert_slice %a into %c1[0, 3] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x6xf32>
  %te = tensor.empty() : tensor<6x2xf32>
  %t = linalg.transpose ins(%c2 : tensor<2x6xf32>) outs(%te : tensor<6x2xf32>) permutation = [1, 0]
  %w2 = arith.constant {dense(w['w2'])} : tensor<3x6xf32>
  %e3 = tensor.empty() : tensor<3x2xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%w2, %t : tensor<3x6xf32>, tensor<6x2xf32>) outs(%f3 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  return %y : tensor<3x2xf32>
}}
"""


NETS = {c.name: c for c in (Residual, Depthwise, Gated)}

def loss(net, out):
    return sum(s * o for s, o in zip(net.seed["data"], out["data"]))


def check(net, args, work):
    src = os.path.join(work, net.name + ".mlir")
    with open(src, "w") as f:
        f.write(net.mlir())
    train = run([args.kapla_opt, src, "--kapla-import", "--kapla-build-training-graph"])
    sig = re.search(r"func\.func @%s\(([^)]*)\) -> \(([^)]*)\)" % net.name, train)
    if not sig:
        sys.exit("no training function in the output of kapla-opt")
    arg_types = re.findall(r"tensor<[^>]*>", sig.group(1))
    res_types = re.findall(r"tensor<[^>]*>", sig.group(2))
    if len(arg_types) != 2 or len(res_types) != 1 + len(net.weights):
        sys.exit("unexpected training signature: " + sig.group(0))
    names = ["%r#" + str(i) for i in range(len(res_types))]
    main = ["func.func private @printMemrefF32(tensor<*xf32>)",
            "func.func @main() {",
            f"  %x = arith.constant {dense(net.x)} : {arg_types[0]}",
            f"  %g = arith.constant {dense(net.seed)} : {arg_types[1]}",
            f"  %r:{len(res_types)} = call @{net.name}(%x, %g) : ({arg_types[0]}, {arg_types[1]}) -> ({', '.join(res_types)})"]
    for i, (n, t) in enumerate(zip(names, res_types)):
        main.append(f"  %u{i} = tensor.cast {n} : {t} to tensor<*xf32>")
        main.append(f"  call @printMemrefF32(%u{i}) : (tensor<*xf32>) -> ()")
    main += ["  return", "}"]
    full = train.rstrip()
    # The module may print as `module { ... }` or bare ops.
    if re.search(r"^module", full, re.M):
        full = full[: full.rstrip().rfind("}")] + "\n".join(main) + "\n}\n"
    else:
        full += "\n" + "\n".join(main) + "\n"
    with open(os.path.join(work, net.name + ".train.mlir"), "w") as f:
        f.write(full)
    values = execute(args.llvm_bin, full)
    if len(values) != len(res_types):
        sys.exit("expected %d printed tensors, got %d" % (len(res_types), len(values)))

    ok = True
    ref = net.forward(net.w)
    err = max(abs(a - b) for a, b in zip(values[0], ref["data"]))
    print(f"{net.name}: forward output max error {err:.2e}")
    ok &= err < 1e-4
    h = 1e-3
    for wname, got in zip(net.weights, values[1:]):
        base = net.w[wname]
        worst = 0.0
        for i in range(len(base["data"])):
            saved = base["data"][i]
            base["data"][i] = saved + h
            up = loss(net, net.forward(net.w))
            base["data"][i] = saved - h
            down = loss(net, net.forward(net.w))
            base["data"][i] = saved
            fd = (up - down) / (2 * h)
            worst = max(worst, abs(fd - got[i]) / max(1.0, abs(fd)))
        print(f"{net.name}: d{wname} ({len(got)} values) max error {worst:.2e}")
        ok &= worst < 1e-3 and len(got) == len(base["data"])
    print(f"{net.name}: {'OK' if ok else 'FAILED'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt", required=True)
    ap.add_argument("--llvm-bin", required=True)
    ap.add_argument("--keep", help="write the generated files here")
    ap.add_argument("nets", nargs="+", choices=sorted(NETS))
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or tmp
        os.makedirs(work, exist_ok=True)
        for name in args.nets:
            ok &= check(NETS[name](Rng(12345)), args, work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
