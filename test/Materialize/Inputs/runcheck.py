#!/usr/bin/env python3
"""Runs networks before and after kapla-materialize and compares outputs.

For each case: the network is scheduled with kapla-schedule on an
architecture, its layers are materialised into the loop nests of their
dataflows (kapla-materialize), the schedule's annotations are dropped
(kapla-strip-schedule), and both the original network and the materialised
one are lowered with the upstream pipeline and run by mlir-runner on the
same input (a fixed pseudo-random tensor). The outputs must agree within
1e-5 of the largest output magnitude: the loop nests reorder the sums of
the reductions, nothing else.

Usage: runcheck.py --kapla-opt PATH --llvm-bin DIR CASE...
"""
import argparse
import json
import os
import random
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
from mlirrun import execute, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = os.path.join(HERE, "..", "..", "Inputs", "nets")


def dense(shape, rng):
    n = 1
    for d in shape:
        n *= d
    return "dense<" + nest(shape, [float("%.4f" % rng.uniform(-1.0, 1.0))
                               for _ in range(n)]) + ">"


def nest(shape, flat):
    if len(shape) == 1:
        return "[" + ", ".join(repr(v) for v in flat) + "]"
    step = len(flat) // shape[0]
    return "[" + ", ".join(nest(shape[1:], flat[i * step:(i + 1) * step])
                           for i in range(shape[0])) + "]"


def ty(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def conv_case(name, n, c, k, hw, r, stride=1, dil=1, depthwise=False):
    """One convolution with a ReLU epilogue, random weights."""
    rng = random.Random(name)
    ho = (hw - (r - 1) * dil - 1) // stride + 1
    x = [n, c, hw, hw]
    if depthwise:
        w, o, op = [c, r, r], [n, c, ho, ho], "linalg.depthwise_conv_2d_nchw_chw"
    else:
        w, o, op = [k, c, r, r], [n, k, ho, ho], "linalg.conv_2d_nchw_fchw"
    text = f"""
func.func @net(%x: {ty(x)}) -> {ty(o)} {{
  %zero = arith.constant 0.0 : f32
  %w = arith.constant {dense(w, rng)} : {ty(w)}
  %e = tensor.empty() : {ty(o)}
  %f = linalg.fill ins(%zero : f32) outs(%e : {ty(o)}) -> {ty(o)}
  %y = {op} {{dilations = dense<{dil}> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
       ins(%x, %w : {ty(x)}, {ty(w)}) outs(%f : {ty(o)}) -> {ty(o)}
  %e2 = tensor.empty() : {ty(o)}
  %r = linalg.generic {{indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
       ins(%y : {ty(o)}) outs(%e2 : {ty(o)}) {{
  ^bb0(%u: f32, %out: f32):
    %m = arith.maximumf %u, %zero : f32
    linalg.yield %m : f32
  }} -> {ty(o)}
  return %r : {ty(o)}
}}
"""
    return text, x, o


def conv_pool_case(name):
    """A convolution, then a 2x2 max pool of stride 2 (a pooling layer)."""
    rng = random.Random(name)
    x, w, o, p = [2, 4, 12, 12], [8, 4, 3, 3], [2, 8, 10, 10], [2, 8, 5, 5]
    text = f"""
func.func @net(%x: {ty(x)}) -> {ty(p)} {{
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant -3.4e38 : f32
  %w = arith.constant {dense(w, rng)} : {ty(w)}
  %e = tensor.empty() : {ty(o)}
  %f = linalg.fill ins(%zero : f32) outs(%e : {ty(o)}) -> {ty(o)}
  %y = linalg.conv_2d_nchw_fchw ins(%x, %w : {ty(x)}, {ty(w)}) outs(%f : {ty(o)}) -> {ty(o)}
  %win = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty() : {ty(p)}
  %pf = linalg.fill ins(%ninf : f32) outs(%pe : {ty(p)}) -> {ty(p)}
  %z = linalg.pooling_nchw_max {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
       ins(%y, %win : {ty(o)}, tensor<2x2xf32>) outs(%pf : {ty(p)}) -> {ty(p)}
  return %z : {ty(p)}
}}
"""
    return text, x, p


def residual_case(name):
    """Two convolutions of one input added: an element-wise layer."""
    rng = random.Random(name)
    x, w, o = [2, 8, 10, 10], [8, 8, 3, 3], [2, 8, 8, 8]
    w1 = [8, 8, 3, 3]
    text = f"""
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @net(%x: {ty(x)}) -> {ty(o)} {{
  %zero = arith.constant 0.0 : f32
  %w0 = arith.constant {dense(w, rng)} : {ty(w)}
  %w1 = arith.constant {dense(w1, rng)} : {ty(w1)}
  %e = tensor.empty() : {ty(o)}
  %f = linalg.fill ins(%zero : f32) outs(%e : {ty(o)}) -> {ty(o)}
  %a = linalg.conv_2d_nchw_fchw ins(%x, %w0 : {ty(x)}, {ty(w)}) outs(%f : {ty(o)}) -> {ty(o)}
  %b = linalg.conv_2d_nchw_fchw ins(%x, %w1 : {ty(x)}, {ty(w1)}) outs(%f : {ty(o)}) -> {ty(o)}
  %s = linalg.generic {{indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
       ins(%a, %b : {ty(o)}, {ty(o)}) outs(%e : {ty(o)}) {{
  ^bb0(%u: f32, %v: f32, %out: f32):
    %t = arith.addf %u, %v : f32
    linalg.yield %t : f32
  }} -> {ty(o)}
  return %s : {ty(o)}
}}
"""
    return text, x, o


def chain_case(name):
    """Three fully-connected layers in a row (a segment of three layers)."""
    rng = random.Random(name)
    x = [16, 32]
    ws = [[32, 48], [48, 40], [40, 24]]
    lines = [f"func.func @net(%x: {ty(x)}) -> {ty([16, 24])} {{",
             "  %zero = arith.constant 0.0 : f32"]
    cur, cur_t = "%x", x
    for i, w in enumerate(ws):
        o = [16, w[1]]
        lines += [f"  %w{i} = arith.constant {dense(w, rng)} : {ty(w)}",
                  f"  %e{i} = tensor.empty() : {ty(o)}",
                  f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {ty(o)}) -> {ty(o)}",
                  f"  %y{i} = linalg.matmul ins({cur}, %w{i} : {ty(cur_t)}, {ty(w)}) outs(%f{i} : {ty(o)}) -> {ty(o)}"]
        cur, cur_t = f"%y{i}", o
    lines += [f"  return {cur} : {ty(cur_t)}", "}"]
    return "\n".join(lines) + "\n", x, [16, 24]


def attention_case(name):
    """Scores of 4 heads (a batch_matmul: the layer's N spans heads and
    rows), a residual add over the 3-D scores, and a row sum whose body adds
    a constant too (no single combining operation)."""
    rng = random.Random(name)
    q, kt, sc, rs = [4, 16, 8], [4, 8, 12], [4, 16, 12], [4, 16]
    text = f"""
#id = affine_map<(h, i, j) -> (h, i, j)>
#row = affine_map<(h, i, j) -> (h, i)>
func.func @net(%x: {ty(q)}) -> {ty(rs)} {{
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %k = arith.constant {dense(kt, rng)} : {ty(kt)}
  %e = tensor.empty() : {ty(sc)}
  %f = linalg.fill ins(%zero : f32) outs(%e : {ty(sc)}) -> {ty(sc)}
  %s = linalg.batch_matmul ins(%x, %k : {ty(q)}, {ty(kt)}) outs(%f : {ty(sc)}) -> {ty(sc)}
  %t = linalg.batch_matmul ins(%x, %k : {ty(q)}, {ty(kt)}) outs(%f : {ty(sc)}) -> {ty(sc)}
  %a = linalg.generic {{indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}}
       ins(%s, %t : {ty(sc)}, {ty(sc)}) outs(%e : {ty(sc)}) {{
  ^bb0(%u: f32, %v: f32, %out: f32):
    %m = arith.mulf %v, %half : f32
    %w = arith.addf %u, %m : f32
    linalg.yield %w : f32
  }} -> {ty(sc)}
  %re = tensor.empty() : {ty(rs)}
  %rf = linalg.fill ins(%zero : f32) outs(%re : {ty(rs)}) -> {ty(rs)}
  %r = linalg.generic {{indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}}
       ins(%a : {ty(sc)}) outs(%rf : {ty(rs)}) {{
  ^bb0(%u: f32, %out: f32):
    %w = arith.addf %u, %out : f32
    %z = arith.addf %w, %zero : f32
    linalg.yield %z : f32
  }} -> {ty(rs)}
  return %r : {ty(rs)}
}}
"""
    return text, q, rs


def conv_chain_case(name):
    """Two convolutions in a row, the second strided: in a training step the
    second one's backward-data layer scatters into overlapping windows."""
    rng = random.Random(name)
    x, w0, a, w1, o = [2, 4, 13, 13], [6, 4, 3, 3], [2, 6, 11, 11], [8, 6, 3, 3], [2, 8, 5, 5]
    text = f"""
func.func @net(%x: {ty(x)}) -> {ty(o)} {{
  %zero = arith.constant 0.0 : f32
  %w0 = arith.constant {dense(w0, rng)} : {ty(w0)}
  %w1 = arith.constant {dense(w1, rng)} : {ty(w1)}
  %ea = tensor.empty() : {ty(a)}
  %fa = linalg.fill ins(%zero : f32) outs(%ea : {ty(a)}) -> {ty(a)}
  %y = linalg.conv_2d_nchw_fchw ins(%x, %w0 : {ty(x)}, {ty(w0)}) outs(%fa : {ty(a)}) -> {ty(a)}
  %eo = tensor.empty() : {ty(o)}
  %fo = linalg.fill ins(%zero : f32) outs(%eo : {ty(o)}) -> {ty(o)}
  %z = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}}
       ins(%y, %w1 : {ty(a)}, {ty(w1)}) outs(%fo : {ty(o)}) -> {ty(o)}
  return %z : {ty(o)}
}}
"""
    return text, x, o


def segment_conv_case(name, pad=False):
    """Three convolutions with ReLUs in a spatial segment written by hand on
    multi-node-4x4 that hands the batch of 4 over in 2 groups: one
    batch-group loop holds the three layers, each group's input rows are
    the sliding windows of the next layer's. With `pad`, each convolution
    keeps its rows and cols ("same" padding: a tensor.pad of one row and
    col on each side in front of it, in the segment, as exporters write
    3x3 convolutions): the pads go into the loop with the layers."""
    rng = random.Random(name)
    x, w0, a = [4, 3, 10, 10], [6, 3, 3, 3], [4, 6, 8, 8]
    w1, b, w2, o = [8, 6, 3, 3], [4, 8, 6, 6], [4, 8, 3, 3], [4, 4, 4, 4]
    if pad:
        x, a, b, o = [4, 3, 8, 8], [4, 6, 8, 8], [4, 8, 8, 8], [4, 4, 8, 8]

    def layer(lname, c, k, hw, region, flags):
        return (f'{{kapla.name = "{lname}", kapla.weights = array<i64: 1>, '
                f'kapla.layer = #kapla.layer<conv, N = 4, C = {c}, K = {k}, '
                f'Ho = {hw}, Wo = {hw}, R = 3, S = 3>, kapla.constraint = '
                f'#kapla.constraint<region = {region}, batch_groups = 2'
                f'{flags}>}}')

    def relu(v, shape):
        return f"""linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
           ins({v} : {ty(shape)}) outs(%e{v[1:]} : {ty(shape)}) {{
      ^bb0(%u: f32, %out: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      }} -> {ty(shape)}"""
    def padded(v, shape):
        """The line that pads `v` by one row and col on each side (none
        without `pad`), the value the next layer reads and its shape."""
        if not pad:
            return "", v, shape
        out = shape[:2] + [shape[2] + 2, shape[3] + 2]
        return (f"""%p{v[1:]} = tensor.pad {v} low[0, 0, 1, 1] high[0, 0, 1, 1] {{
      ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
        tensor.yield %zero : f32
      }} : {ty(shape)} to {ty(out)}""", f"%p{v[1:]}", out)
    lx, px, sx = padded("%x", x)
    la, pa, sa = padded("%ra", a)
    lb, pb, sb = padded("%rb", b)
    hw = [o[2] + 4, o[2] + 2, o[2]] if not pad else [8, 8, 8]
    text = f"""
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
module attributes {{kapla.arch = #kapla.arch<"multi-node-4x4">}} {{
  func.func @net(%x: {ty(x)}) -> {ty(o)} {{
    %zero = arith.constant 0.0 : f32
    %w0 = arith.constant {dense(w0, rng)} : {ty(w0)}
    %w1 = arith.constant {dense(w1, rng)} : {ty(w1)}
    %w2 = arith.constant {dense(w2, rng)} : {ty(w2)}
    %ea = tensor.empty() : {ty(a)}
    %fa = linalg.fill ins(%zero : f32) outs(%ea : {ty(a)}) -> {ty(a)}
    %eb = tensor.empty() : {ty(b)}
    %fb = linalg.fill ins(%zero : f32) outs(%eb : {ty(b)}) -> {ty(b)}
    %ec = tensor.empty() : {ty(o)}
    %fc = linalg.fill ins(%zero : f32) outs(%ec : {ty(o)}) -> {ty(o)}
    %s:3 = kapla.segment 0 pipeline spatial -> {ty(a)}, {ty(b)}, {ty(o)} {{
      {lx}
      %a = linalg.conv_2d_nchw_fchw {layer("conv0", 3, 6, hw[0], "[0, 0, 4, 1]", ", output_on_chip = true")}
           ins({px}, %w0 : {ty(sx)}, {ty(w0)}) outs(%fa : {ty(a)}) -> {ty(a)}
      %ra = {relu("%a", a)}
      {la}
      %b = linalg.conv_2d_nchw_fchw {layer("conv1", 6, 8, hw[1], "[0, 1, 4, 1]", ", input_on_chip = true, output_on_chip = true")}
           ins({pa}, %w1 : {ty(sa)}, {ty(w1)}) outs(%fb : {ty(b)}) -> {ty(b)}
      %rb = {relu("%b", b)}
      {lb}
      %c = linalg.conv_2d_nchw_fchw {layer("conv2", 8, 4, hw[2], "[0, 2, 4, 2]", ", input_on_chip = true")}
           ins({pb}, %w2 : {ty(sb)}, {ty(w2)}) outs(%fc : {ty(o)}) -> {ty(o)}
      kapla.yield %a, %b, %c : {ty(a)}, {ty(b)}, {ty(o)}
    }}
    return %s#2 : {ty(o)}
  }}
}}
"""
    return text, x, o


def file_case(path, func, x, o, where=NETS):
    with open(os.path.join(where, path), encoding="utf-8") as f:
        text = f.read()
    return text, x, o, func


# name: (builder, architecture, extra kapla-schedule options)
CASES = {
    "conv-strided": (lambda n: conv_case(n, 2, 3, 16, 17, 3, stride=2), "multi-node-4x4", ""),
    "conv-dilated": (lambda n: conv_case(n, 2, 8, 12, 14, 3, dil=2), "multi-node-4x4", ""),
    "conv-edge": (lambda n: conv_case(n, 2, 16, 24, 12, 3), "edge-systolic", ""),
    "depthwise": (lambda n: conv_case(n, 2, 16, 16, 12, 3, depthwise=True), "multi-node-4x4", ""),
    "pool": (conv_pool_case, "multi-node-4x4", ""),
    "residual": (residual_case, "multi-node-4x4", ""),
    "fc-chain": (chain_case, "multi-node-4x4", ""),
    "attention": (attention_case, "multi-node-4x4", ""),
    # Training steps: the backward-data and backward-weight layers.
    "train-pool": (conv_pool_case, "multi-node-4x4", "training=true"),
    "train-strided": (lambda n: conv_case(n, 2, 3, 8, 11, 3, stride=2),
                      "multi-node-4x4", "training=true"),
    "train-fc-chain": (chain_case, "edge-systolic", "training=true"),
    "train-conv-chain": (conv_chain_case, "multi-node-4x4", "training=true"),
    "train-attention": (attention_case, "multi-node-4x4", "training=true"),
    # On 4x4 nodes with GBUFs of 512 B each training step is one temporal
    # segment that hands the batch of 2 over in 2 groups: the backward
    # layers (their loops over the batch are batch-group loops too, a
    # reduction for the weight gradients) and the backward-data layer that
    # scatters into windows (its own loop merged) share the one loop.
    "train-pool-groups": (conv_pool_case, "small-gbuf-4x4.json",
                          "training=true"),
    "train-conv-chain-groups": (conv_chain_case, "small-gbuf-4x4.json",
                                "training=true"),
    # A segment written by hand (its regions and batch groups), solved by
    # kapla-solve-layers.
    "segment": (lambda n: file_case("segment.mlir", "net", [8, 16], [8, 12],
                                    where=HERE), "multi-node-4x4", "presegmented"),
    # Its batch groups cut both loops of a dim over heads x rows: the
    # batch-group loop is a nest of two loops.
    "segment-heads": (lambda n: file_case("segment-heads.mlir", "net", [4, 6, 8],
                                          [4, 6, 3], where=HERE),
                      "multi-node-4x4", "presegmented"),
    # A residual block: a value two layers of the segment read is fused
    # into the batch-group loop once.
    "segment-residual": (lambda n: file_case("segment-residual.mlir", "net",
                                             [8, 16], [8, 16], where=HERE),
                         "multi-node-4x4", "presegmented"),
    # A strided layer that reads 7 of 8 rows of a ReLU the segment yields:
    # the ReLU and its layer computed for whole groups in the loop.
    "segment-strided": (lambda n: file_case("segment-strided.mlir", "net",
                                            [4, 3, 8, 8], [4, 4, 4, 4],
                                            where=HERE),
                        "multi-node-4x4", "presegmented"),
    # Three convolutions in one batch-group loop.
    "segment-branches": (lambda n: file_case("segment-branches.mlir", "net",
                                             [8, 16], [8, 12], where=HERE),
                         "multi-node-4x4", "presegmented"),
    # A residual block whose sum reads the shortcut first, in one loop.
    "segment-order": (lambda n: file_case("segment-order.mlir", "net",
                                          [8, 16], [8, 12], where=HERE),
                      "multi-node-4x4", "presegmented"),
    # A layer two branches read, and a concatenation two branches read,
    # each fused once into the branches' one loop.
    "segment-shared": (lambda n: file_case("segment-shared.mlir", "net",
                                           [8, 16], [8, 12], where=HERE),
                       "multi-node-4x4", "presegmented"),
    "segment-concat": (lambda n: file_case("segment-concat.mlir", "net",
                                           [8, 16], [8, 12], where=HERE),
                       "multi-node-4x4", "presegmented"),
    "segment-conv": (segment_conv_case, "multi-node-4x4", "presegmented"),
    "segment-pad": (lambda n: segment_conv_case(n, pad=True), "multi-node-4x4",
                    "presegmented"),
    "mlp": (lambda n: file_case("tpp-mlir__mlp-3layers.mlir", "mlp_3layers",
                                [256, 1024], [256, 1024]), "multi-node-4x4", ""),
    "resnet18": (lambda n: file_case("nelli__resnet18.mlir", "forward",
                                     [1, 3, 32, 32], [1, 1000]), "multi-node-4x4", ""),
    "mobilenet_v2": (lambda n: file_case("tpp-mlir__mobilenet-v2-nhwc.mlir", "mobilenet",
                                         [1, 224, 224, 3], [1, 1001]), "edge-systolic", ""),
}

def signature(module, func):
    """The shapes of the arguments and results of `func` in `module`."""
    m = re.search(r"func\.func @%s\((.*?)\)\s*->\s*(\(.*?\)|tensor<[^>]*>)" % func,
                  module)
    if not m:
        sys.exit(f"no function @{func}")
    shape = lambda t: [int(d) for d in t.split("x")]
    return ([shape(t) for t in re.findall(r"tensor<([0-9x]+)xf32>", m.group(1))],
            [shape(t) for t in re.findall(r"tensor<([0-9x]+)xf32>", m.group(2))])


def fill(name, shape, salt):
    """A linalg.generic that fills `shape` from its indices:
    ((sum of i_k * prime_k + salt) mod 23) / 11.5 - 1."""
    rank = len(shape)
    dims = ", ".join(f"d{i}" for i in range(rank))
    primes = [7, 13, 17, 19]
    lines = [f"    %i{i} = linalg.index {i} : index" for i in range(rank)]
    lines.append(f"    %acc0 = arith.constant {salt} : index")
    for i in range(rank):
        lines += [f"    %p{i} = arith.constant {primes[i]} : index",
                  f"    %a{i} = arith.muli %i{i}, %p{i} : index",
                  f"    %acc{i + 1} = arith.addi %acc{i}, %a{i} : index"]
    lines += [f"    %m = arith.constant 23 : index",
              f"    %r = arith.remui %acc{rank}, %m : index",
              "    %ri = arith.index_cast %r : index to i32",
              "    %rf = arith.sitofp %ri : i32 to f32",
              "    %sc = arith.constant 11.5 : f32",
              "    %q = arith.divf %rf, %sc : f32",
              "    %one = arith.constant 1.0 : f32",
              "    %v = arith.subf %q, %one : f32",
              "    linalg.yield %v : f32"]
    body = "\n".join(lines)
    return f"""  %e_{name} = tensor.empty() : {ty(shape)}
  %{name} = linalg.generic {{indexing_maps = [affine_map<({dims}) -> ({dims})>],
       iterator_types = [{", ".join(['"parallel"'] * rank)}]}} outs(%e_{name} : {ty(shape)}) {{
  ^bb0(%out: f32):
{body}
  }} -> {ty(shape)}
"""


def with_main(module, func):
    """`module` with a main that fills the arguments of `func` from their
    indices, calls it and prints each result."""
    ins, outs = signature(module, func)
    main = ["func.func private @printMemrefF32(tensor<*xf32>)",
            "func.func @main() {"]
    for k, shape in enumerate(ins):
        main.append(fill(f"x{k}", shape, 5 * k))
    args = ", ".join(f"%x{k}" for k in range(len(ins)))
    in_types = ", ".join(ty(t) for t in ins)
    out_types = ", ".join(ty(t) for t in outs)
    main.append(f"  %y:{len(outs)} = call @{func}({args}) : ({in_types}) -> ({out_types})")
    for k, shape in enumerate(outs):
        main.append(f"  %u{k} = tensor.cast %y#{k} : {ty(shape)} to tensor<*xf32>")
        main.append(f"  call @printMemrefF32(%u{k}) : (tensor<*xf32>) -> ()")
    main += ["  return", "}"]
    text = module.rstrip()
    main = "\n".join(main) + "\n"
    # A module with a body: put main inside it; bare ops: append.
    if re.search(r"^module", text, re.M):
        return text[: text.rfind("}")] + main + "}\n", outs
    return text + "\n" + main, outs


def run_results(args, module, func):
    """The values of each result of `func`, run with mlir-runner."""
    full, outs = with_main(module, func)
    values = execute(args.llvm_bin, full)
    if len(values) != len(outs):
        sys.exit(f"expected {len(outs)} printed results, got {len(values)}")
    return values


def group_loops(text):
    """For each segment of materialised IR whose layers hand the batch over
    in groups: its layers, its groups and the loops at the top of its body
    that hold them."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)%\S+ = kapla\.segment (\d+) ", line)
        if not m:
            continue
        indent = len(m.group(1)) + 2
        groups, loops, holding = 1, 0, {}
        for inner in lines[i + 1:]:
            depth = len(inner) - len(inner.lstrip())
            if inner.strip() and depth < indent:
                break
            if depth == indent and re.match(r"\s*%\S+ = scf\.for ", inner):
                loops += 1
            g = re.search(r"batch_groups = (\d+)", inner)
            groups = max(groups, int(g.group(1))) if g else groups
            n = re.search(r'kapla\.name = "([^"]+)"', inner)
            if n and "kapla.layer" in inner:
                holding.setdefault(n.group(1), loops if depth > indent else 0)
        if groups > 1:
            held = sorted(set(holding.values()))
            where = ("some outside a loop" if 0 in held else
                     f"in {len(held)} batch-group loop"
                     f"{'s' if len(held) > 1 else ''}")
            out.append(f"segment {m.group(2)}: {len(holding)} layers in "
                       f"{groups} batch groups, {where}")
    return out


def check(args, name, work):
    build, arch, extra = CASES[name]
    built = build(name)
    text = built[0]
    func = built[3] if len(built) > 3 else "net"
    src = os.path.join(work, name + ".mlir")
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    # An architecture file (of this directory) or a preset.
    where = (f"arch-file={os.path.join(HERE, arch)}" if arch.endswith(".json")
             else f"arch={arch}")
    opts = f"{where} {extra}".strip()
    if extra == "presegmented":
        scheduled = run([args.kapla_opt, src, "--kapla-solve-layers"])
    else:
        scheduled = run([args.kapla_opt, src, f"--kapla-schedule={opts}"])
    sched_path = os.path.join(work, name + ".scheduled.mlir")
    with open(sched_path, "w", encoding="utf-8") as f:
        f.write(scheduled)
    named = run([args.kapla_opt, sched_path, "--kapla-materialize"])
    materialized = run([args.kapla_opt, "--kapla-strip-schedule"],
                       input=named)
    layers = len(re.findall(r"kapla\.dataflow = ", scheduled))
    fors = len(re.findall(r"\bscf\.for\b", materialized))
    foralls = len(re.findall(r"\bscf\.forall \(", materialized))
    print(f"{name}: {layers} layers scheduled on {arch}: "
          f"{fors} scf.for, {foralls} scf.forall")
    for line in group_loops(named):
        print(f"{name}: {line}")
    # kapla-verify-dataflow reads the nests back against the directives.
    run([args.kapla_opt, sched_path, "--kapla-materialize",
         "--kapla-verify-dataflow", "-o", os.devnull])
    print(f"{name}: the nests are those of the directives")
    # The cost model reads a materialised nest as the layer it was: the
    # same energy and cycles before and after.
    costs = []
    for extra_pass in ([], ["--kapla-materialize"]):
        report = os.path.join(work, name + ".report.json")
        run([args.kapla_opt, sched_path] + extra_pass +
            [f"--kapla-estimate-cost=report={report}", "-o", os.devnull])
        with open(report, encoding="utf-8") as f:
            totals = json.load(f)["totals"]
        costs.append((totals["energy_pj"], totals["cycles"]))
    print(f"{name}: cost of the materialised nests "
          f"{'unchanged' if costs[0] == costs[1] else 'CHANGED'}")
    # A training step's function is the one kapla-schedule{training=true}
    # builds: the reference is that program with the schedule dropped.
    reference = text
    if "training=true" in opts or extra == "presegmented":
        reference = run([args.kapla_opt, sched_path, "--kapla-strip-schedule"])
    refs = run_results(args, reference, func)
    gots = run_results(args, materialized, func)
    ok = costs[0] == costs[1]
    total, worst, smallest = 0, 0.0, float("inf")
    for ref, got in zip(refs, gots):
        if len(ref) != len(got) or not ref:
            print(f"{name}: {len(ref)} against {len(got)} values")
            return False
        scale = max(abs(v) for v in ref)
        smallest = min(smallest, scale)
        worst = max(worst, max(abs(p - q) for p, q in zip(got, ref)) /
                    max(scale, 1e-30))
        total += len(ref)
    ok = ok and worst <= 1e-5 and smallest > 1e-6
    results = f"{len(refs)} results, " if len(refs) > 1 else ""
    print(f"{name}: {results}{total} outputs, max error "
          f"{'below 1e-5' if ok else f'{worst:.2e}'} of the largest: "
          f"{'OK' if ok else 'MISMATCH'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-opt", required=True)
    ap.add_argument("--llvm-bin", required=True)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as work:
        for name in args.cases:
            ok &= check(args, name, work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
