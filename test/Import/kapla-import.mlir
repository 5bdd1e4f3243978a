// RUN: kapla-opt %s -split-input-file -kapla-import | FileCheck %s
// RUN: kapla-opt %s -split-input-file -kapla-import | kapla-opt -split-input-file -kapla-import | FileCheck %s

// Each layer kind (docs/Dialect.md) from the ops exporters emit. Dims are read
// off the operand shapes by hand: input rows Hi = (Ho-1)*sy + (R-1)*dy + 1.

// CHECK-LABEL: func.func @conv_nchw
// 3 -> 8 channels, 3x3 filter, stride 2, 9x9 input: Ho = (9-3)/2 + 1 = 4.
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: kapla.layer = #kapla.layer<conv, N = 2, C = 3, K = 8, Ho = 4, Wo = 4, R = 3, S = 3, sy = 2, sx = 2>
// CHECK-SAME: kapla.name = "conv_0"
// CHECK-SAME: kapla.weights = array<i64: 1>
func.func @conv_nchw(%x: tensor<2x3x9x9xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<2x8x4x4xf32> {
  %e = tensor.empty() : tensor<2x8x4x4xf32>
  %0 = linalg.conv_2d_nchw_fchw {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%e : tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32>
  return %0 : tensor<2x8x4x4xf32>
}

// -----

// NHWC/HWCF with dilation 2 in rows: Hi = (5-1)*1 + (3-1)*2 + 1 = 9.
// CHECK-LABEL: func.func @conv_nhwc_hwcf
// CHECK: kapla.layer = #kapla.layer<conv, N = 1, C = 4, K = 6, Ho = 5, Wo = 7, R = 3, S = 3, dy = 2>
func.func @conv_nhwc_hwcf(%x: tensor<1x9x9x4xf32>, %w: tensor<3x3x4x6xf32>) -> tensor<1x5x7x6xf32> {
  %e = tensor.empty() : tensor<1x5x7x6xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {strides = dense<1> : tensor<2xi64>, dilations = dense<[2, 1]> : tensor<2xi64>}
         ins(%x, %w : tensor<1x9x9x4xf32>, tensor<3x3x4x6xf32>) outs(%e : tensor<1x5x7x6xf32>) -> tensor<1x5x7x6xf32>
  return %0 : tensor<1x5x7x6xf32>
}

// -----

// CHECK-LABEL: func.func @conv_nhwc_fhwc
// CHECK: kapla.layer = #kapla.layer<conv, N = 1, C = 4, K = 6, Ho = 7, Wo = 7, R = 3, S = 3>
func.func @conv_nhwc_fhwc(%x: tensor<1x9x9x4xf32>, %w: tensor<6x3x3x4xf32>) -> tensor<1x7x7x6xf32> {
  %e = tensor.empty() : tensor<1x7x7x6xf32>
  %0 = linalg.conv_2d_nhwc_fhwc ins(%x, %w : tensor<1x9x9x4xf32>, tensor<6x3x3x4xf32>) outs(%e : tensor<1x7x7x6xf32>) -> tensor<1x7x7x6xf32>
  return %0 : tensor<1x7x7x6xf32>
}

// -----

// A convolution written as a linalg.generic (NCHW, stride 1).
#in = affine_map<(n, k, y, x, c, r, s) -> (n, c, y + r, x + s)>
#fl = affine_map<(n, k, y, x, c, r, s) -> (k, c, r, s)>
#out = affine_map<(n, k, y, x, c, r, s) -> (n, k, y, x)>
// CHECK-LABEL: func.func @conv_generic
// CHECK: linalg.generic
// CHECK-SAME: kapla.layer = #kapla.layer<conv, N = 1, C = 2, K = 5, Ho = 6, Wo = 6, R = 3, S = 3>
func.func @conv_generic(%x: tensor<1x2x8x8xf32>, %w: tensor<5x2x3x3xf32>, %o: tensor<1x5x6x6xf32>) -> tensor<1x5x6x6xf32> {
  %0 = linalg.generic {indexing_maps = [#in, #fl, #out],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         ins(%x, %w : tensor<1x2x8x8xf32>, tensor<5x2x3x3xf32>) outs(%o : tensor<1x5x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nchw_chw
// CHECK-SAME: kapla.layer = #kapla.layer<dwconv, N = 1, C = 16, K = 16, Ho = 4, Wo = 4, R = 3, S = 3, sy = 2, sx = 2>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-SAME: kapla.layer = #kapla.layer<dwconv, N = 1, C = 16, K = 16, Ho = 2, Wo = 2, R = 3, S = 3>
func.func @depthwise(%x: tensor<1x16x9x9xf32>, %w: tensor<16x3x3xf32>, %w2: tensor<3x3x16xf32>) -> tensor<1x2x2x16xf32> {
  %e = tensor.empty() : tensor<1x16x4x4xf32>
  %0 = linalg.depthwise_conv_2d_nchw_chw {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x16x9x9xf32>, tensor<16x3x3xf32>) outs(%e : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %t = tensor.empty() : tensor<1x4x4x16xf32>
  %1 = linalg.transpose ins(%0 : tensor<1x16x4x4xf32>) outs(%t : tensor<1x4x4x16xf32>) permutation = [0, 2, 3, 1]
  %e2 = tensor.empty() : tensor<1x2x2x16xf32>
  %2 = linalg.depthwise_conv_2d_nhwc_hwc ins(%1, %w2 : tensor<1x4x4x16xf32>, tensor<3x3x16xf32>) outs(%e2 : tensor<1x2x2x16xf32>) -> tensor<1x2x2x16xf32>
  return %2 : tensor<1x2x2x16xf32>
}

// -----

// A matmul with a constant operand is FC (the constant is the weight); with
// two activations it is MATMUL; batch dims fold into N.
// CHECK-LABEL: func.func @contractions
// CHECK: linalg.matmul
// CHECK-SAME: kapla.layer = #kapla.layer<fc, N = 4, C = 32, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-SAME: kapla.weights = array<i64: 1>
// CHECK: linalg.matmul
// CHECK-SAME: kapla.layer = #kapla.layer<matmul, N = 4, C = 16, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-SAME: kapla.weights = array<i64>
// CHECK: linalg.batch_matmul
// CHECK-SAME: kapla.layer = #kapla.layer<matmul, N = 24, C = 8, K = 12, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 2, N = 12]>
// CHECK: linalg.matmul
// CHECK-SAME: kapla.layer = #kapla.layer<fc, N = 4, C = 16, K = 10, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-SAME: kapla.weights = array<i64: 0>
func.func @contractions(%x: tensor<4x32xf32>, %q: tensor<2x12x8xf32>, %k: tensor<2x8x12xf32>)
    -> (tensor<4x4xf32>, tensor<2x12x12xf32>, tensor<10x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  // 0 times its own transpose: both operands are activations.
  %te = tensor.empty() : tensor<16x4xf32>
  %t = linalg.transpose ins(%0 : tensor<4x16xf32>) outs(%te : tensor<16x4xf32>) permutation = [1, 0]
  %e1 = tensor.empty() : tensor<4x4xf32>
  %1 = linalg.matmul ins(%0, %t : tensor<4x16xf32>, tensor<16x4xf32>) outs(%e1 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<2x12x12xf32>
  %2 = linalg.batch_matmul ins(%q, %k : tensor<2x12x8xf32>, tensor<2x8x12xf32>) outs(%e2 : tensor<2x12x12xf32>) -> tensor<2x12x12xf32>
  // W x with the weight on the left: 10 outputs for each of 4 columns.
  %wl = arith.constant dense<0.25> : tensor<10x16xf32>
  %e3 = tensor.empty() : tensor<10x4xf32>
  %3 = linalg.matmul ins(%wl, %t : tensor<10x16xf32>, tensor<16x4xf32>) outs(%e3 : tensor<10x4xf32>) -> tensor<10x4xf32>
  return %1, %2, %3 : tensor<4x4xf32>, tensor<2x12x12xf32>, tensor<10x4xf32>
}

// -----

// Pooling: named ops in either layout, and a global average written as a
// reduction over the two spatial dims.
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#red = affine_map<(n, c, h, w) -> (n, c)>
// CHECK-LABEL: func.func @pools
// CHECK: linalg.pooling_nchw_max
// CHECK-SAME: kapla.layer = #kapla.layer<pool, N = 1, C = 8, K = 8, Ho = 4, Wo = 4, R = 3, S = 3, sy = 2, sx = 2>
// CHECK-SAME: kapla.weights = array<i64>
// CHECK: linalg.pooling_nhwc_sum
// CHECK-SAME: kapla.layer = #kapla.layer<pool, N = 1, C = 8, K = 8, Ho = 2, Wo = 2, R = 2, S = 2, sy = 2, sx = 2>
// CHECK: linalg.generic
// CHECK-SAME: kapla.layer = #kapla.layer<pool, N = 1, C = 8, K = 8, Ho = 1, Wo = 1, R = 2, S = 2>
func.func @pools(%x: tensor<1x8x9x9xf32>) -> tensor<1x8xf32> {
  %win = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %0 = linalg.pooling_nchw_max {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%x, %win : tensor<1x8x9x9xf32>, tensor<3x3xf32>) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %te = tensor.empty() : tensor<1x4x4x8xf32>
  %t = linalg.transpose ins(%0 : tensor<1x8x4x4xf32>) outs(%te : tensor<1x4x4x8xf32>) permutation = [0, 2, 3, 1]
  %win2 = tensor.empty() : tensor<2x2xf32>
  %e1 = tensor.empty() : tensor<1x2x2x8xf32>
  %1 = linalg.pooling_nhwc_sum {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%t, %win2 : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%e1 : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %be = tensor.empty() : tensor<1x8x2x2xf32>
  %b = linalg.transpose ins(%1 : tensor<1x2x2x8xf32>) outs(%be : tensor<1x8x2x2xf32>) permutation = [0, 3, 1, 2]
  %e2 = tensor.empty() : tensor<1x8xf32>
  %2 = linalg.generic {indexing_maps = [#id4, #red], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
         ins(%b : tensor<1x8x2x2xf32>) outs(%e2 : tensor<1x8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  return %2 : tensor<1x8xf32>
}

// -----

// Epilogues (bias, batch-norm arithmetic, ReLU) fuse into the conv; a
// residual add of two layer outputs is an ELTWISE layer with the conv's
// output shape; a row-wise reduction (softmax's sum) is a vector layer.
#map = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>
#row = affine_map<(i, j) -> (i, j)>
#rowred = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @fusion_and_eltwise
// CHECK: linalg.conv_2d_nchw_fchw {{{.*}}kapla.name = "conv_0"
// CHECK-NOT: kapla.layer
// CHECK: linalg.conv_2d_nchw_fchw {{{.*}}kapla.name = "conv_1"
// CHECK-NOT: kapla.layer
// CHECK: arith.addf %{{.*}}, %{{.*}} {kapla.layer = #kapla.layer<eltwise, N = 1, C = 4, K = 4, Ho = 6, Wo = 6, R = 1, S = 1, inputs = 2>, kapla.name = "eltwise_0", kapla.weights = array<i64>}
// CHECK: linalg.generic
// CHECK-SAME: kapla.layer = #kapla.layer<eltwise, N = 4, C = 36, K = 36, Ho = 1, Wo = 1, R = 1, S = 1>
func.func @fusion_and_eltwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<4xf32> {
  %bias = arith.constant dense<0.1> : tensor<4xf32>
  %scale = arith.constant dense<2.0> : tensor<4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %c0 = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) outs(%f : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %b0 = linalg.generic {indexing_maps = [#map, #chan, #chan, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c0, %bias, %scale : tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<1x4x6x6xf32>) {
  ^bb0(%a: f32, %bb: f32, %s: f32, %o: f32):
    %1 = arith.addf %a, %bb : f32
    %2 = arith.mulf %1, %s : f32
    %3 = arith.maximumf %2, %zero : f32
    linalg.yield %3 : f32
  } -> tensor<1x4x6x6xf32>
  %pad = tensor.pad %b0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %c1 = linalg.conv_2d_nchw_fchw ins(%pad, %w : tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) outs(%f : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %relu = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c1 : tensor<1x4x6x6xf32>) outs(%e : tensor<1x4x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %3 = arith.maximumf %a, %zero : f32
    linalg.yield %3 : f32
  } -> tensor<1x4x6x6xf32>
  %sum = arith.addf %b0, %relu : tensor<1x4x6x6xf32>
  %flat = tensor.collapse_shape %sum [[0, 1], [2, 3]] : tensor<1x4x6x6xf32> into tensor<4x36xf32>
  %re = tensor.empty() : tensor<4xf32>
  %rows = linalg.generic {indexing_maps = [#row, #rowred], iterator_types = ["parallel", "reduction"]}
          ins(%flat : tensor<4x36xf32>) outs(%re : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %rows : tensor<4xf32>
}

// -----

// Layer names come from name locations; missing or repeated ones are made
// unique from the kind.
// CHECK-LABEL: func.func @names
// CHECK: kapla.name = "fc1"
// CHECK: kapla.name = "fc1_0"
// CHECK: kapla.name = "fc_0"
func.func @names(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32> loc("fc1")
  %1 = linalg.matmul ins(%0, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32> loc("fc1")
  %2 = linalg.matmul ins(%1, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Epilogues are fused only when nothing else needs the unfused value. Here
// the hardswish x * relu6(x + 3) / 6 uses the conv's output twice, but only
// inside its own chain: fused. The scaling of the FC's output is not fused,
// since the unscaled output is also returned: a one-input eltwise layer.
#m4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#m2 = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @single_use
// CHECK: linalg.conv_2d_nchw_fchw {{{.*}}kapla.name = "conv_0"
// CHECK-NOT: kapla.layer
// CHECK: linalg.matmul {{{.*}}kapla.name = "fc_0"
// CHECK: linalg.generic
// CHECK-SAME: kapla.layer = #kapla.layer<eltwise, N = 1, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "eltwise_0"
func.func @single_use(%x: tensor<1x2x3x3xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<4x2x3x3xf32>
  %fw = arith.constant dense<0.5> : tensor<4x4xf32>
  %three = arith.constant 3.0 : f32
  %six = arith.constant 6.0 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x1x1xf32>
  %c = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x2x3x3xf32>, tensor<4x2x3x3xf32>) outs(%e : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %r6 = linalg.generic {indexing_maps = [#m4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c : tensor<1x4x1x1xf32>) outs(%e : tensor<1x4x1x1xf32>) {
  ^bb0(%a: f32, %o: f32):
    %1 = arith.addf %a, %three : f32
    %2 = arith.maximumf %1, %zero : f32
    %3 = arith.minimumf %2, %six : f32
    linalg.yield %3 : f32
  } -> tensor<1x4x1x1xf32>
  %hs = linalg.generic {indexing_maps = [#m4, #m4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c, %r6 : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%e : tensor<1x4x1x1xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.divf %1, %six : f32
    linalg.yield %2 : f32
  } -> tensor<1x4x1x1xf32>
  %flat = tensor.collapse_shape %hs [[0], [1, 2, 3]] : tensor<1x4x1x1xf32> into tensor<1x4xf32>
  %fe = tensor.empty() : tensor<1x4xf32>
  %y = linalg.matmul ins(%flat, %fw : tensor<1x4xf32>, tensor<4x4xf32>) outs(%fe : tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = linalg.generic {indexing_maps = [#m2, #m2], iterator_types = ["parallel", "parallel"]}
          ins(%y : tensor<1x4xf32>) outs(%fe : tensor<1x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %1 = arith.mulf %a, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x4xf32>
  return %s, %y : tensor<1x4xf32>, tensor<1x4xf32>
}
