// RUN: kapla-opt %s -kapla-schedule="arch-file=%S/Inputs/one-node-2k.json" | FileCheck %s
// RUN: kapla-opt %s -kapla-schedule="arch-file=%S/Inputs/one-node-2k.json" | kapla-opt -kapla-verify-dataflow -o /dev/null
// RUN: kapla-opt %s -kapla-schedule="arch-file=%S/Inputs/one-node-2k.json channel-groups=false" | FileCheck %s --check-prefix=NOCG

// An MLP at batch 1 on one node with a 2 KiB GBUF (16-bit words: 1013
// usable, 506 for forwarded data). The hidden activation is 4096 words per
// sample: no batch grouping keeps it on chip. In channel groups it fits:
// 4096 / 2, / 4, / 8 = 512 words are too many, 4096 / 16 = 256 fit. The
// two layers then run as a temporal segment, the first making its 4096
// outputs 256 at a time, the second taking them as its input channels.

// CHECK: kapla.segment 0 pipeline temporal
// CHECK: linalg.matmul
// CHECK-SAME: kapla.constraint = #kapla.constraint<region = [0, 0, 1, 1], batch_groups = 1, channel_groups = 16, output_on_chip = true>
// CHECK-SAME: #kapla.update<step = [K = 256]>]>>
// CHECK: linalg.matmul
// CHECK-SAME: kapla.constraint = #kapla.constraint<region = [0, 0, 1, 1], batch_groups = 1, channel_groups = 16, input_on_chip = true>
// CHECK-SAME: #kapla.update<step = [C = 256]>]>>
// CHECK-NOT: kapla.segment 1

// Without channel groups each layer stands alone.
// NOCG: kapla.segment 0 pipeline none
// NOCG: kapla.segment 1 pipeline none

func.func @mlp(%x: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %w1 = arith.constant dense<0.5> : tensor<64x4096xf32>
  %w2 = arith.constant dense<0.5> : tensor<4096x64xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x4096xf32>
  %f1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<1x64xf32>, tensor<64x4096xf32>) outs(%f1 : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %e2 = tensor.empty() : tensor<1x64xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<1x4096xf32>, tensor<4096x64xf32>) outs(%f2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
