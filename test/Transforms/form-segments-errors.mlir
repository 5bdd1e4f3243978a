// RUN: kapla-opt %s -kapla-form-segments -verify-diagnostics

// Layers already in a segment are not formed again.
func.func @twice(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %s = kapla.segment 0 pipeline none -> tensor<4x8xf32> {
    // expected-error @+1 {{kapla-form-segments: the layer is in a segment already}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 8, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>}
           ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    kapla.yield %0 : tensor<4x8xf32>
  }
  return %s : tensor<4x8xf32>
}

