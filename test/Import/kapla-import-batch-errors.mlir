// A batch kapla-import cannot apply is an error, never a silent change.
// RUN: kapla-opt %s -split-input-file -kapla-import=batch=64 -verify-diagnostics -o /dev/null
// RUN: not kapla-opt %s -split-input-file -kapla-import=batch=4611686018427387904 -o /dev/null 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: kapla-import derived an invalid layer: layer is too large: the product of its extents exceeds 2^56

// No layers at all: nothing carries the batch.
// expected-error @+1 {{kapla-import: cannot schedule at batch 64: the module has no layers}}
module {
  func.func @identity(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
    return %x : tensor<2x8xf32>
  }
}

// -----

// The batch of 3 reshaped into rows of 4: they are no whole number of
// samples.
func.func @not_multiple(%x: tensor<3x4xf32>) -> tensor<4x2xf32> {
  %f = tensor.collapse_shape %x [[0, 1]] : tensor<3x4xf32> into tensor<12xf32>
  %r = tensor.expand_shape %f [[0, 1]] output_shape [4, 3] : tensor<12xf32> into tensor<4x3xf32>
  %w = arith.constant dense<0.5> : tensor<3x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  // expected-error @+1 {{cannot schedule at batch 64: loop 0 runs over the network's batch with 4 iterations, which is not a multiple of the exported batch 3}}
  %y = linalg.matmul ins(%r, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A reshape by a shape tensor: where the batch goes is not known.
func.func @reshape(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %shape = arith.constant dense<[2, 8]> : tensor<2xi64>
  // expected-error @+1 {{cannot schedule at batch 64: kapla cannot tell which dim of the result of 'tensor.reshape' carries the batch}}
  %r = tensor.reshape %x(%shape) : (tensor<2x8xf32>, tensor<2xi64>) -> tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%r, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Fine at batch 64; at batch 2^62 its extents overflow (HUGE).
func.func @overflow(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
