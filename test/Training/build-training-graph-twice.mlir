// RUN: kapla-opt %s --kapla-import --kapla-build-training-graph --kapla-build-training-graph -verify-diagnostics

// A training graph is built once.
func.func @fc(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  // expected-error @+1 {{kapla-build-training-graph: the network already has backward layers}}
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x3xf32>) outs(%f : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
