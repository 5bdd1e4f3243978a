// A hand-written kapla.layer that its op contradicts is an error, not a
// cost of some other layer: the kind, and every extent the batch cannot
// change (N may differ: batch=B rescales it).
// RUN: kapla-opt %s -split-input-file -kapla-verify-dataflow -verify-diagnostics -o /dev/null
// RUN: kapla-opt %s -split-input-file -kapla-solve-layers -verify-diagnostics -o /dev/null

// A 3x3 convolution of 3 to 4 channels on a 4x4 image (2x2 out) declared
// with K = 64 and a 5x5 window.
func.func @conv(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x2x2xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3x3x3xf32>
  %e = tensor.empty() : tensor<1x4x2x2xf32>
  // expected-error @+1 {{kapla.layer contradicts its op: K = 64 where the op has 4, R = 5 where the op has 3, S = 5 where the op has 3}}
  %y = linalg.conv_2d_nchw_fchw {kapla.layer = #kapla.layer<conv, N = 16, C = 3, K = 64, Ho = 2, Wo = 2, R = 5, S = 5>} ins(%x, %w : tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) outs(%e : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// A matmul declared as a convolution.
func.func @kind(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  // expected-error @+1 {{kapla.layer contradicts its op: the layer is conv but the op is a contraction (fc or matmul)}}
  %y = linalg.matmul {kapla.layer = #kapla.layer<conv, N = 2, C = 8, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An FC whose weight (operand 1, 8 x 4) fixes C = 8 and K = 4; N = 64 is a
// batch of 64 and agrees.
func.func @fc(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  // expected-error @+1 {{kapla.layer contradicts its op: C = 16 where the op has 8}}
  %y = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 64, C = 16, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.weights = array<i64: 1>} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
