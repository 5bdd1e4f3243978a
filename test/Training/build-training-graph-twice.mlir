// RUN: kapla-opt %s --kapla-import --kapla-build-training-graph --kapla-build-training-graph -verify-diagnostics
// RUN: kapla-opt %s --kapla-import --kapla-build-training-graph 2>/dev/null | kapla-opt --kapla-import | FileCheck %s --check-prefix=REIMPORT
// RUN: kapla-opt %s --kapla-import --kapla-build-training-graph 2>/dev/null | not kapla-opt --kapla-schedule=training=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=AGAIN

// REIMPORT: kapla.layer<fc, N = 1, C = 4, K = 3
// REIMPORT: kapla.layer<fc, pass = backward_weight, N = 1, C = 4, K = 3
// REIMPORT-SAME: kapla.name = "fc_0.bwd_weight"
// REIMPORT-NOT: bwd_weight.bwd_weight
// AGAIN: error: kapla-build-training-graph: @fc already holds a training step

// A training graph is built once: a function that already has its loss
// gradient argument is refused, and so is one whose backward layers came
// back through kapla-import (which keeps them as they were built).
// expected-error @+1 {{kapla-build-training-graph: @fc already holds a training step (argument 1 is a loss gradient); it is not differentiated again}}
func.func @fc(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x3xf32>) outs(%f : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
