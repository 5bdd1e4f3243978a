// RUN: kapla-opt %s --kapla-import=unknown-ops=warn --kapla-build-training-graph -verify-diagnostics

// A network function that is called cannot change its signature.
// expected-error @+1 {{kapla-build-training-graph: @called is called; the training step adds arguments and results to it, so it must not be}}
func.func @called(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x3xf32>) outs(%f : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
func.func @caller(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  // A call to a function of the module passes dependences on: the callee
  // is a network of its own.
  %y = func.call @called(%x) : (tensor<1x4xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
