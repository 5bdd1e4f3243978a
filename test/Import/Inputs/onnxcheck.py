#!/usr/bin/env python3
"""Builds ONNX models with ONNX's own helpers, imports them with
kapla-translate --import-onnx, runs the imported linalg with mlir-runner and
compares its outputs with a numpy evaluation of the same graph.

The imported function takes the graph inputs, then the initializers in the
order nodes first read them (weight arguments); both are filled from their
indices as run.test fills arguments (runcheck.fill), and the numpy side
fills the same values. Outputs must agree within 1e-4 of the largest.

Usage: onnxcheck.py --kapla-translate PATH --llvm-bin DIR --out DIR MODEL...
Models: cnn, transformer. `--write-only` writes the .onnx files and stops.
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Materialize", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Inputs"))
from mlirrun import execute, run  # noqa: E402
from runcheck import with_main  # noqa: E402


def filled(shape, salt):
    """runcheck.fill in numpy: ((sum i_k * prime_k + salt) mod 23) / 11.5 - 1."""
    primes = [7, 13, 17, 19]
    idx = np.indices(shape)
    acc = salt + sum(idx[k] * primes[k] for k in range(len(shape)))
    return (np.float32(acc % 23) / np.float32(11.5) - np.float32(1)).astype(
        np.float32)


def const(name, values, dtype=TensorProto.FLOAT, dims=None):
    values = list(np.array(values).flatten())
    t = helper.make_tensor(name + "_value", dtype,
                           dims if dims is not None else [len(values)], values)
    return helper.make_node("Constant", [], [name], value=t, name=name)


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def weight(name, shape):
    """An initializer with its shape and no data a test relies on (the
    importer makes it an argument)."""
    return helper.make_tensor(name, TensorProto.FLOAT, shape,
                              [0.0] * int(np.prod(shape)))


# ---------------------------------------------------------------------------
# numpy evaluation of the operators the models use

def conv(x, w, b=None, pads=(0, 0, 0, 0), strides=(1, 1), dil=(1, 1), group=1):
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    k, cg, kh, kw = w.shape
    ho = (h - dil[0] * (kh - 1) - 1) // strides[0] + 1
    wo = (wd - dil[1] * (kw - 1) - 1) // strides[1] + 1
    y = np.zeros((n, k, ho, wo), np.float64)
    kg = k // group
    for o in range(k):
        g = o // kg
        for i in range(ho):
            for j in range(wo):
                patch = x[:, g * cg:(g + 1) * cg,
                          i * strides[0]:i * strides[0] + dil[0] * (kh - 1) + 1:dil[0],
                          j * strides[1]:j * strides[1] + dil[1] * (kw - 1) + 1:dil[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def conv_transpose(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0),
                   out_pad=(0, 0), dil=(1, 1)):
    """Every input pixel scatters its weights into the output (the ONNX
    definition), then the pads are cropped."""
    n, _, h, wd = x.shape
    _, k, kh, kw = w.shape
    fh = (h - 1) * strides[0] + dil[0] * (kh - 1) + 1 + out_pad[0]
    fw = (wd - 1) * strides[1] + dil[1] * (kw - 1) + 1 + out_pad[1]
    y = np.zeros((n, k, fh, fw))
    for i in range(h):
        for j in range(wd):
            for r in range(kh):
                for t in range(kw):
                    y[:, :, i * strides[0] + r * dil[0],
                      j * strides[1] + t * dil[1]] += x[:, :, i, j] @ w[:, :, r, t]
    y = y[:, :, pads[0]:fh - pads[2], pads[1]:fw - pads[3]]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def pool(x, k, s, pads=(0, 0, 0, 0), ceil=False, op="max"):
    fillv = -np.inf if op == "max" else 0.0
    n, c, h, w = x.shape
    outs = []
    for d, size in enumerate((h, w)):
        span = size + pads[d] + pads[2 + d] - k[d]
        o = span // s[d] + 1
        if ceil and span % s[d]:
            o += 1
        outs.append(o)
    extra_h = max(0, (outs[0] - 1) * s[0] + k[0] - (h + pads[0] + pads[2]))
    extra_w = max(0, (outs[1] - 1) * s[1] + k[1] - (w + pads[1] + pads[3]))
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2] + extra_h),
                   (pads[1], pads[3] + extra_w)), constant_values=fillv)
    y = np.zeros((n, c, outs[0], outs[1]))
    for i in range(outs[0]):
        for j in range(outs[1]):
            win = x[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
            y[:, :, i, j] = win.max(axis=(2, 3)) if op == "max" else \
                win.sum(axis=(2, 3)) / (k[0] * k[1])
    return y


def lrn(x, size, alpha=1e-4, beta=0.75, bias=1.0):
    c = x.shape[1]
    sq = x * x
    y = np.zeros_like(x)
    for ch in range(c):
        lo, hi = max(0, ch - (size - 1) // 2), min(c - 1, ch + size // 2)
        s = sq[:, lo:hi + 1].sum(axis=1)
        y[:, ch] = x[:, ch] / (bias + alpha / size * s) ** beta
    return y


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def erf(x):
    return np.vectorize(math.erf)(x)


# ---------------------------------------------------------------------------
# Models: (graph, numpy evaluation from the filled arguments)

def cnn():
    """Convolutions (strided with padding and bias, in 2 groups,
    depthwise), ReLU, max pool with ceil_mode, batch norm, clip, LRN,
    average and global average pools, flatten, Gemm (transB, alpha, bias),
    softmax."""
    bn = [np.linspace(0.5, 1.5, 6), np.linspace(-0.2, 0.3, 6),
          np.linspace(-0.1, 0.1, 6), np.linspace(0.5, 2.0, 6)]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1",
                         pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                         kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2",
                         pads=[1, 1, 1, 1], group=2),
        const("bn_s", bn[0]), const("bn_b", bn[1]), const("bn_m", bn[2]),
        const("bn_v", bn[3]),
        helper.make_node("BatchNormalization",
                         ["c2", "bn_s", "bn_b", "bn_m", "bn_v"], ["n2"],
                         name="bn2", epsilon=1e-5),
        const("lo", [0.0], dims=[]), const("hi", [0.5], dims=[]),
        helper.make_node("Clip", ["n2", "lo", "hi"], ["k2"], name="clip2"),
        helper.make_node("Conv", ["k2", "w3"], ["c3"], name="dwconv3",
                         pads=[1, 1, 1, 1], group=6),
        helper.make_node("LRN", ["c3"], ["l3"], name="lrn3", size=3,
                         alpha=0.5, beta=0.75, bias=1.0),
        helper.make_node("AveragePool", ["l3"], ["a3"], name="avg3",
                         kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node("GlobalAveragePool", ["a3"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w4", "b4"], ["fc"], name="fc",
                         transB=1, alpha=0.5),
        helper.make_node("Softmax", ["fc"], ["y"], name="softmax"),
    ]
    shapes = {"w1": [4, 3, 3, 3], "b1": [4], "w2": [6, 2, 3, 3],
              "w3": [6, 1, 3, 3], "w4": [5, 6], "b4": [5]}
    graph = helper.make_graph(
        nodes, "cnn", [float_input("x", [1, 3, 9, 9])],
        [float_input("y", [1, 5])],
        [weight(n, s) for n, s in shapes.items()])

    def evaluate(a):
        x, w1, b1, w2, w3, w4, b4 = a
        r1 = np.maximum(conv(x, w1, b1, (1, 1, 1, 1), (2, 2)), 0)
        p1 = pool(r1, (2, 2), (2, 2), ceil=True)
        c2 = conv(p1, w2, pads=(1, 1, 1, 1), group=2)
        s, b, m, v = (p.reshape(1, -1, 1, 1) for p in bn)
        n2 = (c2 - m) / np.sqrt(v + 1e-5) * s + b
        k2 = np.clip(n2, 0.0, 0.5)
        c3 = conv(k2, w3, pads=(1, 1, 1, 1), group=6)
        l3 = lrn(c3, 3, 0.5, 0.75, 1.0)
        a3 = pool(l3, (2, 2), (1, 1), op="avg")
        f = a3.mean(axis=(2, 3))
        fc = 0.5 * f @ w4.T + b4
        return [softmax(fc)]
    return graph, evaluate


def transformer():
    """Layer normalization, matmuls (by a weight, batched between
    activations), reshape, transposes, softmax, split, slice, concat,
    element-wise operators with broadcasting (Mul, Sub, Div, Pow, Add),
    Sigmoid, Tanh, Erf, HardSwish, Sqrt, Abs, reduce mean, unsqueeze and
    squeeze. (Gelu is an operator of opset 20, which Debian's onnx 1.12
    does not know.)"""
    i64 = TensorProto.INT64
    nodes = [
        helper.make_node("LayerNormalization", ["x", "ln_s", "ln_b"], ["ln"],
                         name="ln", axis=-1, epsilon=1e-5),
        helper.make_node("MatMul", ["ln", "wq"], ["q"], name="proj"),
        const("heads", [2, 4, 2, 4], i64),
        helper.make_node("Reshape", ["q", "heads"], ["qh"], name="split_heads"),
        helper.make_node("Transpose", ["qh"], ["qt"], name="heads_first",
                         perm=[0, 2, 1, 3]),
        helper.make_node("Transpose", ["qt"], ["kt"], name="keys",
                         perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["qt", "kt"], ["s"], name="scores"),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
        const("parts", [1, 3], i64),
        helper.make_node("Split", ["p", "parts"], ["p0", "p1"], name="split",
                         axis=3),
        const("starts", [1], i64), const("ends", [3], i64),
        const("axes", [3], i64),
        helper.make_node("Slice", ["p1", "starts", "ends", "axes"], ["p2"],
                         name="slice"),
        helper.make_node("Concat", ["p0", "p2"], ["c"], name="concat", axis=3),
        helper.make_node("Sigmoid", ["c"], ["sg"], name="sigmoid"),
        helper.make_node("Tanh", ["c"], ["th"], name="tanh"),
        helper.make_node("Add", ["sg", "th"], ["u"], name="add"),
        helper.make_node("HardSwish", ["u"], ["hs"], name="hardswish"),
        helper.make_node("Erf", ["hs"], ["er"], name="erf"),
        helper.make_node("ReduceMean", ["er"], ["rm"], name="mean", axes=[3],
                         keepdims=0),
        const("one", [1], i64),
        helper.make_node("Unsqueeze", ["rm", "one"], ["us"], name="unsqueeze"),
        helper.make_node("Squeeze", ["us", "one"], ["sq"], name="squeeze"),
        helper.make_node("Mul", ["sq", "wm"], ["m"], name="scale"),
        const("half", [0.5], dims=[]),
        helper.make_node("Sub", ["m", "half"], ["d"], name="shift"),
        helper.make_node("Abs", ["d"], ["ab"], name="abs"),
        helper.make_node("Sqrt", ["ab"], ["sr"], name="sqrt"),
        const("two", [2.0], dims=[]),
        helper.make_node("Pow", ["sr", "two"], ["pw"], name="pow"),
        const("three", [3.0], dims=[]),
        helper.make_node("Div", ["pw", "three"], ["y"], name="div"),
    ]
    shapes = {"ln_s": [8], "ln_b": [8], "wq": [8, 8], "wm": [4]}
    graph = helper.make_graph(
        nodes, "transformer", [float_input("x", [2, 4, 8])],
        [float_input("y", [2, 2, 4])],
        [weight(n, s) for n, s in shapes.items()])

    def evaluate(a):
        x, ln_s, ln_b, wq, wm = a
        mu = x.mean(axis=-1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
        ln = (x - mu) / np.sqrt(var + 1e-5) * ln_s + ln_b
        qt = (ln @ wq).reshape(2, 4, 2, 4).transpose(0, 2, 1, 3)
        p = softmax(qt @ qt.transpose(0, 1, 3, 2))
        c = np.concatenate([p[..., 0:1], p[..., 1:4][..., 1:3]], axis=3)
        u = sigmoid(c) + np.tanh(c)
        hs = u * np.clip(u / 6 + 0.5, 0, 1)
        rm = erf(hs).mean(axis=3)
        d = rm * wm - 0.5
        return [np.sqrt(np.abs(d)) ** 2 / 3]
    return graph, evaluate


def embedding():
    """Gather: an embedding lookup of a weight table by integer ids
    (negative ones count from the end), a MatMul of the embeddings, a
    gather of two rows along axis 1 and one of a scalar index along axis 0,
    broadcast-added."""
    i64 = TensorProto.INT64
    nodes = [
        const("ids", [0, 3, 11, -1, 5, 2, 2, 7, -12, 4], i64, [2, 5]),
        helper.make_node("Gather", ["table", "ids"], ["emb"], name="embed"),
        helper.make_node("MatMul", ["emb", "w"], ["h"], name="proj"),
        const("rows", [4, -5], i64, [2]),
        helper.make_node("Gather", ["h", "rows"], ["y"], name="pick",
                         axis=1),
        const("one", [1], i64, []),
        helper.make_node("Gather", ["x", "one"], ["z"], name="row"),
        helper.make_node("Add", ["y", "z"], ["out"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "embedding", [float_input("x", [3, 6])],
        [float_input("out", [2, 2, 6])],
        [weight("table", [12, 8]), weight("w", [8, 6])])

    def evaluate(a):
        x, table, w = a
        emb = np.take(table, np.array([[0, 3, 11, -1, 5], [2, 2, 7, -12, 4]]),
                      axis=0)
        y = np.take(emb @ w, [4, -5], axis=1)
        return [y + np.take(x, 1, axis=0)]
    return graph, evaluate


def upsample():
    """Resize with the nearest sample by whole factors: by scales (2 x 2,
    half_pixel with round_prefer_floor, the defaults) before a convolution,
    by sizes (3 x 1 rows, asymmetric with floor) after it."""
    i64 = TensorProto.INT64
    nodes = [
        const("scales", [1.0, 1.0, 2.0, 2.0]),
        helper.make_node("Resize", ["x", "", "scales"], ["u"], name="up2",
                         mode="nearest"),
        helper.make_node("Conv", ["u", "w"], ["c"], name="conv",
                         pads=[1, 1, 1, 1]),
        const("sizes", [1, 3, 18, 8], i64, [4]),
        helper.make_node("Resize", ["c", "", "", "sizes"], ["v"], name="up3",
                         mode="nearest",
                         coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor"),
    ]
    graph = helper.make_graph(
        nodes, "upsample", [float_input("x", [1, 2, 3, 4])],
        [float_input("v", [1, 3, 18, 8])], [weight("w", [3, 2, 3, 3])])

    def evaluate(a):
        x, w = a
        u = x.repeat(2, axis=2).repeat(2, axis=3)
        return [conv(u, w, pads=(1, 1, 1, 1)).repeat(3, axis=2)]
    return graph, evaluate


def linear_resize(x, out_shape, coords):
    """ONNX's linear Resize, one dim at a time (it is separable): output y
    samples the input at x_original, between floor(x_original) and the next,
    both clamped to the input, weighted 1 - frac and frac."""
    for d, o in enumerate(out_shape):
        n = x.shape[d]
        if o == n:
            continue
        m = np.zeros((o, n))
        for y in range(o):
            if coords == "asymmetric":
                src = y * n / o
            elif coords == "align_corners":
                src = y * (n - 1) / (o - 1) if o > 1 else 0.0
            else:  # half_pixel
                src = (y + 0.5) * n / o - 0.5
            i0 = int(np.floor(src))
            frac = src - i0
            m[y, min(max(i0, 0), n - 1)] += 1 - frac
            m[y, min(max(i0 + 1, 0), n - 1)] += frac
        x = np.moveaxis(np.tensordot(m, np.moveaxis(x, d, 0), axes=1), 0, d)
    return x


def resize_linear():
    """Resize with linear interpolation by whole factors: half_pixel by
    scales, asymmetric by sizes (3 and 2), align_corners."""
    nodes = [
        const("scales", [1.0, 1.0, 2.0, 2.0]),
        helper.make_node("Resize", ["x", "", "scales"], ["y1"], name="up",
                         mode="linear"),
        const("sizes", [1, 2, 18, 12], TensorProto.INT64),
        helper.make_node("Resize", ["y1", "", "", "sizes"], ["y2"],
                         name="up3", mode="linear",
                         coordinate_transformation_mode="asymmetric"),
        helper.make_node("Resize", ["y2", "", "scales"], ["y3"], name="ac",
                         mode="linear",
                         coordinate_transformation_mode="align_corners"),
    ]
    graph = helper.make_graph(
        nodes, "resize_linear", [float_input("x", [1, 2, 3, 3])],
        [float_input("y3", [1, 2, 36, 24])])

    def evaluate(a):
        (x,) = a
        y1 = linear_resize(x, (1, 2, 6, 6), "half_pixel")
        y2 = linear_resize(y1, (1, 2, 18, 12), "asymmetric")
        return [linear_resize(y2, (1, 2, 36, 24), "align_corners")]
    return graph, evaluate


def resize_cubic():
    """A resize kapla does not import: cubic interpolation."""
    graph = helper.make_graph(
        [const("scales", [1.0, 1.0, 2.0, 2.0]),
         helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up",
                          mode="cubic")],
        "resize_cubic", [float_input("x", [1, 2, 3, 3])],
        [float_input("y", [1, 2, 6, 6])])
    return graph, None


def deconv():
    """ConvTranspose: strided with pads, output_padding and a bias; dilated;
    with pads beyond the window (the input is cropped)."""
    nodes = [
        helper.make_node("ConvTranspose", ["x", "w1", "b1"], ["y1"],
                         name="up", strides=[2, 2], pads=[1, 1, 1, 1],
                         output_padding=[1, 1]),
        helper.make_node("ConvTranspose", ["y1", "w2"], ["y2"], name="dil",
                         dilations=[2, 2]),
        helper.make_node("ConvTranspose", ["y2", "w3"], ["y3"], name="crop",
                         pads=[3, 0, 0, 2]),
    ]
    graph = helper.make_graph(
        nodes, "deconv", [float_input("x", [1, 3, 4, 5])],
        [float_input("y3", [1, 1, 9, 12])],
        [weight("w1", [3, 2, 3, 3]), weight("b1", [2]),
         weight("w2", [2, 4, 2, 2]), weight("w3", [4, 1, 3, 3])])

    def evaluate(a):
        x, w1, b1, w2, w3 = a
        y1 = conv_transpose(x, w1, b1, strides=(2, 2), pads=(1, 1, 1, 1),
                            out_pad=(1, 1))
        y2 = conv_transpose(y1, w2, dil=(2, 2))
        return [conv_transpose(y2, w3, pads=(3, 0, 0, 2))]
    return graph, evaluate


def grouped_conv_transpose(x, w, groups, b=None, **kw):
    """conv_transpose per group of input channels, concatenated."""
    cg = x.shape[1] // groups
    ys = [conv_transpose(x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg], **kw)
          for g in range(groups)]
    y = np.concatenate(ys, axis=1)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def deconv_groups():
    """ConvTranspose in 2 groups with an output_shape (6 of the 7 rows and
    cols the stride gives: pads 1 at the start, 0 at the end); depthwise
    (a group per channel) with auto_pad SAME_UPPER (12 = 6 x 2 of 13: pad 1
    at the end) and a bias."""
    nodes = [
        helper.make_node("ConvTranspose", ["x", "w1"], ["y1"], name="grp",
                         group=2, strides=[2, 2], output_shape=[6, 6]),
        helper.make_node("ConvTranspose", ["y1", "w2", "b2"], ["y2"],
                         name="dw", group=6, strides=[2, 2],
                         auto_pad="SAME_UPPER"),
    ]
    graph = helper.make_graph(
        nodes, "deconv_groups", [float_input("x", [1, 4, 3, 3])],
        [float_input("y2", [1, 6, 12, 12])],
        [weight("w1", [4, 3, 3, 3]), weight("w2", [6, 1, 3, 3]),
         weight("b2", [6])])

    def evaluate(a):
        x, w1, w2, b2 = a
        y1 = grouped_conv_transpose(x, w1, 2, strides=(2, 2),
                                    pads=(1, 1, 0, 0))
        return [grouped_conv_transpose(y1, w2, 6, b2, strides=(2, 2),
                                       pads=(0, 0, 1, 1))]
    return graph, evaluate


def deconv_too_big():
    """A ConvTranspose whose output_shape exceeds what it gives."""
    graph = helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="big",
                          strides=[2, 2], output_shape=[9, 9])],
        "deconv_too_big", [float_input("x", [1, 2, 3, 3])],
        [float_input("y", [1, 2, 9, 9])], [weight("w", [2, 2, 3, 3])])
    return graph, None


def conv_rank():
    """A Conv without kernel_shape whose weights have a higher rank than its
    input (ONNX's own shape inference read past the input's dims on it)."""
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c6", group=2)],
        "conv_rank", [float_input("x", [1, 4, 8, 8])],
        [float_input("y", [1, 4, 6, 6])], [weight("w", [4, 2, 3, 3, 2, 2])])
    return graph, None


def conv_computed_weights():
    """A Conv without kernel_shape whose weights a node computes."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["w"], ["wr"], name="pos"),
         helper.make_node("Conv", ["x", "wr"], ["y"], name="c")],
        "conv_computed_weights",
        [float_input("x", [1, 3, 8, 8]), float_input("w", [4, 3, 3, 3])],
        [float_input("y", [1, 4, 6, 6])])
    return graph, None


def pool_zero_stride():
    """A MaxPool with a zero stride: ONNX's shape inference divides by it."""
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[3, 3],
                          strides=[2, 0])],
        "pool_zero_stride", [float_input("x", [1, 2, 8, 8])],
        [float_input("y", [1, 2, 3, 3])])
    return graph, None


def lookup():
    """Token ids as the model's input (int64), their embeddings from a
    weight table, projected by a MatMul."""
    nodes = [helper.make_node("Gather", ["table", "ids"], ["emb"],
                              name="embed"),
             helper.make_node("MatMul", ["emb", "w"], ["out"], name="proj")]
    graph = helper.make_graph(
        nodes, "lookup",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 5])],
        [float_input("out", [1, 5, 6])],
        [weight("table", [12, 8]), weight("w", [8, 6])])
    return graph, None


def unsupported():
    """An operator kapla does not import."""
    graph = helper.make_graph(
        [helper.make_node("Hardmax", ["x"], ["y"], name="pick")],
        "unsupported", [float_input("x", [2, 4])], [float_input("y", [2, 4])])
    return graph, None


def avgpool_excluding_pads():
    """An average pool that leaves its padding out of the count."""
    graph = helper.make_graph(
        [helper.make_node("AveragePool", ["x"], ["y"], name="avg",
                          kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
        "avg", [float_input("x", [1, 2, 5, 5])], [float_input("y", [1, 2, 5, 5])])
    return graph, None


def symbolic():
    """An input whose rows are a symbolic dim."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")], "sym",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "rows"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "rows"])])
    return graph, None


MODELS = {"cnn": cnn, "transformer": transformer, "embedding": embedding,
          "lookup": lookup, "unsupported": unsupported,
          "upsample": upsample, "resize_linear": resize_linear,
          "resize_cubic": resize_cubic,
          "deconv": deconv, "deconv_groups": deconv_groups,
          "deconv_too_big": deconv_too_big, "conv_rank": conv_rank,
          "conv_computed_weights": conv_computed_weights,
          "pool_zero_stride": pool_zero_stride,
          "avgpool_excluding_pads": avgpool_excluding_pads,
          "symbolic": symbolic}


def check(args, name):
    graph, evaluate = MODELS[name]()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(args.out, name + ".onnx")
    onnx.save(model, path)
    if args.write_only:
        return True
    imported = run([args.kapla_translate, "--import-onnx", path])
    func = graph.name
    # Arguments: graph inputs, then initializers in the order nodes read them.
    inits = {t.name: t for t in graph.initializer}
    order = []
    for node in graph.node:
        for i in node.input:
            if i in inits and i not in order:
                order.append(i)
    shapes = [list(i.type.tensor_type.shape.dim) for i in graph.input]
    shapes = [[d.dim_value for d in s] for s in shapes]
    shapes += [list(inits[n].dims) for n in order]
    values = [filled(s, 5 * k).astype(np.float64) for k, s in enumerate(shapes)]
    refs = evaluate(values)
    full, outs = with_main(imported, func)
    gots = execute(args.llvm_bin, full)
    ok = len(gots) == len(refs)
    worst, total = 0.0, 0
    for ref, got in zip(refs, gots):
        ref = np.asarray(ref, np.float64).flatten()
        got = np.asarray(got, np.float64)
        if ref.size != got.size:
            print(f"{name}: {got.size} values against {ref.size}")
            return False
        scale = max(np.abs(ref).max(), 1e-30)
        worst = max(worst, float(np.abs(got - ref).max() / scale))
        total += ref.size
    ok = ok and worst <= 1e-4
    print(f"{name}: {len(graph.node)} nodes, {total} outputs, max error "
          f"{'below 1e-4' if ok else f'{worst:.2e}'} of the largest: "
          f"{'OK' if ok else 'MISMATCH'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kapla-translate")
    ap.add_argument("--llvm-bin")
    ap.add_argument("--out", required=True)
    ap.add_argument("--write-only", action="store_true")
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ok = True
    for name in args.models:
        ok &= check(args, name)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
