// RUN: kapla-opt %s -kapla-import-pipeline="input=tosa batch=8" | FileCheck %s
// RUN: kapla-opt %s -kapla-import-pipeline="input=tosa report=-" -o /dev/null | FileCheck %s --check-prefix=REPORT
// RUN: not kapla-opt %s -kapla-import 2>&1 | FileCheck %s --check-prefix=RAW
// RUN: kapla-opt %s -kapla-import-pipeline="input=tosa arch=multi-node-4x4" | FileCheck %s --check-prefix=ARCH
// RUN: not kapla-opt %s -kapla-import-pipeline="input=onnx" 2>&1 | FileCheck %s --check-prefix=INPUT

// RUN: kapla-opt %s -kapla-schedule="input=tosa arch=multi-node-4x4 batch=8 max-segment-layers=1" | kapla-opt -kapla-verify-dataflow | FileCheck %s --check-prefix=SCHED
// RUN: kapla-opt %s -kapla-schedule="input=tosa arch=multi-node-4x4 batch=8" | kapla-opt -kapla-verify-dataflow | FileCheck %s --check-prefix=PIPE
// A training step from TOSA: every backward layer of the network is scheduled.
// RUN: kapla-opt %s -kapla-schedule="input=tosa arch=multi-node-4x4 batch=8 training=true report=-" -o /dev/null | FileCheck %s --check-prefix=TRAIN
// TRAIN: "name": "fc_0.bwd_data",
// TRAIN: "name": "fc_0.bwd_weight",
// TRAIN: "name": "pool_0.bwd_data",
// TRAIN: "name": "conv_2.bwd_data",
// TRAIN: "name": "conv_2.bwd_weight",
// TRAIN: "name": "conv_1.bwd_data",
// TRAIN: "name": "conv_1.bwd_weight",
// TRAIN: "name": "conv_0.grad_merge",
// TRAIN: "name": "conv_0.bwd_weight",
// TRAIN-NOT: "name": "conv_0.bwd_data"
// SCHED-COUNT-6: kapla.segment
// SCHED-NOT: kapla.segment
// PIPE: kapla.segment 0 pipeline {{spatial|temporal}}
// ARCH: module attributes {kapla.arch = #kapla.arch<name = "multi-node-4x4"
// INPUT: Cannot find option named 'onnx'!

// A small network in TOSA 1.0, shaped like a real export: an NCHW graph
// with transposes around NHWC convolutions, unfolded batch-norm arithmetic
// and ReLU6 after each conv, a residual add, average pooling, and a reshape
// before the classifier.
//
// conv_a: 3 -> 8 channels, 3x3, padding 1: 8x8 -> 8x8.
// conv_b: 8 -> 8 channels, 3x3, stride 2, padding 1: 8x8 -> 4x4.
// conv_c: 8 -> 8 channels, 2x2, stride 2 (the shortcut): 8x8 -> 4x4.
// add: conv_b + conv_c; avg pool 2x2 stride 2: 4x4 -> 2x2; fc: 32 -> 10.

// CHECK-LABEL: func.func @tosa_net
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}kapla.layer = #kapla.layer<conv, N = 8, C = 3, K = 8, Ho = 8, Wo = 8, R = 3, S = 3>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}kapla.layer = #kapla.layer<conv, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 3, S = 3, sy = 2, sx = 2>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}kapla.layer = #kapla.layer<conv, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 2, S = 2, sy = 2, sx = 2>
// CHECK: kapla.layer = #kapla.layer<eltwise, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 1, S = 1, inputs = 2>
// CHECK: kapla.layer = #kapla.layer<pool, N = 8, C = 8, K = 8, Ho = 2, Wo = 2, R = 2, S = 2, sy = 2, sx = 2>
// CHECK: kapla.layer = #kapla.layer<fc, N = 8, C = 32, K = 10, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-NOT: kapla.layer

// REPORT: "network": "tosa_net",
// REPORT: "batch": 1,
// REPORT: "kind": "CONV",
// REPORT: "kind": "CONV",
// REPORT: "kind": "CONV",
// REPORT: "kind": "ELTWISE",
// REPORT: "kind": "POOL",
// REPORT: "kind": "FC",
// REPORT: "totals": {
// 3*8*64*9 + 8*8*16*9 + 8*8*16*4 + 8*16 + 8*4*4 + 32*10
//   = 13824 + 9216 + 4096 + 128 + 128 + 320
// REPORT-NEXT: "macs": 27712

// RAW: error: kapla cannot schedule 'tosa.transpose': TOSA must be lowered to linalg first

func.func @tosa_net(%x: tensor<1x3x8x8xf32>) -> tensor<1x10xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wa = "tosa.const"() <{values = dense<0.1> : tensor<8x3x3x3xf32>}> : () -> tensor<8x3x3x3xf32>
  %wb = "tosa.const"() <{values = dense<0.1> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %wc = "tosa.const"() <{values = dense<0.1> : tensor<8x2x2x8xf32>}> : () -> tensor<8x2x2x8xf32>
  %bias = "tosa.const"() <{values = dense<0.0> : tensor<8xf32>}> : () -> tensor<8xf32>
  %mean = "tosa.const"() <{values = dense<0.5> : tensor<1x8x1x1xf32>}> : () -> tensor<1x8x1x1xf32>
  %scale = "tosa.const"() <{values = dense<2.0> : tensor<1x8x1x1xf32>}> : () -> tensor<1x8x1x1xf32>
  %wfc = "tosa.const"() <{values = dense<0.01> : tensor<1x32x10xf32>}> : () -> tensor<1x32x10xf32>

  // conv_a with batch-norm and ReLU6, in NCHW around an NHWC conv.
  %xt = tosa.transpose %x {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x8x8x3xf32>
  %a = tosa.conv2d %xt, %wa, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
       : (tensor<1x8x8x3xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32>
  %at = tosa.transpose %a {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %a1 = tosa.sub %at, %mean : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %a2 = tosa.mul %a1, %scale, %shift : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>, tensor<1xi8>) -> tensor<1x8x8x8xf32>
  %a3 = tosa.clamp %a2 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>

  // conv_b (main path) and conv_c (shortcut), both from conv_a.
  %a3t = tosa.transpose %a3 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %b = tosa.conv2d %a3t, %wb, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>}
       : (tensor<1x8x8x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32>
  %c = tosa.conv2d %a3t, %wc, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
       : (tensor<1x8x8x8xf32>, tensor<8x2x2x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x8xf32>
  %bt = tosa.transpose %b {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %ct = tosa.transpose %c {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %sum = tosa.add %bt, %ct : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %r = tosa.clamp %sum {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>

  // Average pool (NHWC in TOSA), then flatten and the classifier.
  %rt = tosa.transpose %r {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x8xf32>
  %p = tosa.avg_pool2d %rt, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
       : (tensor<1x4x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x8xf32>
  %pt = tosa.transpose %p {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x2x8xf32>) -> tensor<1x8x2x2xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 32]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %flat = tosa.reshape %pt, %s3 : (tensor<1x8x2x2xf32>, !tosa.shape<3>) -> tensor<1x1x32xf32>
  %y = tosa.matmul %flat, %wfc, %zp, %zp : (tensor<1x1x32xf32>, tensor<1x32x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x10xf32>
  %s2 = tosa.const_shape {values = dense<[1, 10]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %out = tosa.reshape %y, %s2 : (tensor<1x1x10xf32>, !tosa.shape<2>) -> tensor<1x10xf32>
  return %out : tensor<1x10xf32>
}
