// batch=B scales exactly the loops that run over the network's batch,
// whatever form the input has. Every network here is exported at batch 2
// (one at batch 1); at batch=64 each layer's expected dims are worked out by
// hand from the shapes.
// RUN: kapla-opt %s -split-input-file -kapla-import=batch=64 2>/dev/null | FileCheck %s
// RUN: kapla-opt %s -split-input-file -kapla-import=batch=64 -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN

// An input of dynamic batch, cast to the exported shape: the FC's rows are
// the batch, 2 -> 64.
// CHECK-LABEL: func.func @dynamic
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
func.func @dynamic(%arg: tensor<?x8xf32>) -> tensor<2x4xf32> {
  %x = tensor.cast %arg : tensor<?x8xf32> to tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An unranked input: its first ranked form has the batch in dim 0.
// CHECK-LABEL: func.func @unranked
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
func.func @unranked(%arg: tensor<*xf32>) -> tensor<2x4xf32> {
  %x = tensor.cast %arg : tensor<*xf32> to tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A scalar input splat to the input tensor.
// CHECK-LABEL: func.func @splat
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
func.func @splat(%s: f32) -> tensor<2x4xf32> {
  %x = tensor.splat %s : tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A buffer input.
// CHECK-LABEL: func.func @memref
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
func.func @memref(%m: memref<2x8xf32>) -> tensor<2x4xf32> {
  %x = bufferization.to_tensor %m : memref<2x8xf32> to tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An unused argument of another leading dim before the input does not set
// the exported batch (it would make N 128).
// CHECK-LABEL: func.func @unused_first
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
func.func @unused_first(%u: tensor<1x16xf32>, %x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A Gram matrix of the batch, h h^T: its rows and its columns are both the
// batch, 2 x 2 -> 64 x 64 (64 * 64 * 4 MACs).
// CHECK-LABEL: func.func @gram
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
// CHECK: kapla.layer<matmul, N = 64, C = 4, K = 64,
func.func @gram(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %h = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %et = tensor.empty() : tensor<4x2xf32>
  %ht = linalg.transpose ins(%h : tensor<2x4xf32>) outs(%et : tensor<4x2xf32>) permutation = [1, 0]
  %eg = tensor.empty() : tensor<2x2xf32>
  %g = linalg.matmul ins(%h, %ht : tensor<2x4xf32>, tensor<4x2xf32>) outs(%eg : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %g : tensor<2x2xf32>
}

// -----

// Self-attention scores of a sequence of 4 exported at batch 1, with the
// batch merged into the rows: the rows (batch x sequence, 4 -> 256) scale,
// the columns (the sequence, 4) do not, as samples attend to themselves.
// CHECK-LABEL: func.func @attention
// CHECK: kapla.layer<fc, N = 256, C = 8, K = 8,
// CHECK: kapla.layer<fc, N = 256, C = 8, K = 8,
// CHECK: kapla.layer<matmul, N = 256, C = 8, K = 4,
func.func @attention(%x: tensor<1x4x8xf32>) -> tensor<4x4xf32> {
  %flat = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
  %wq = arith.constant dense<0.5> : tensor<8x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %q = linalg.matmul ins(%flat, %wq : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %k = linalg.matmul ins(%flat, %wq : tensor<4x8xf32>, tensor<8x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  %es = tensor.empty() : tensor<4x4xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<4x8xf32>, tensor<8x4xf32>) outs(%es : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// -----

// A weight passed as an argument marked kapla.weight: an FC (the weight is
// operand 1); its dims do not scale.
// CHECK-LABEL: func.func @weight_arg
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
// CHECK-SAME: kapla.weights = array<i64: 1>
func.func @weight_arg(%x: tensor<2x8xf32>, %w: tensor<8x4xf32> {kapla.weight}) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A driver with its network inlined (`--inline`): no input argument, and
// the constant the first layer reads stands for the network input, with a
// warning.
// CHECK-LABEL: func.func @inlined_driver
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
// WARN: warning: @inlined_driver takes no input argument: this constant, which its first layer reads as its input, is taken as the network input (batch 2)
// WARN-NEXT: %x = arith.constant dense<1.0> : tensor<2x8xf32>
func.func @inlined_driver() -> tensor<2x4xf32> {
  %x = arith.constant dense<1.0> : tensor<2x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
