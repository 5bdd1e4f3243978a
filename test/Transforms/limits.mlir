// Large extents answer at once: the tile factors of a dim of 2^36 come from
// trial division up to its square root, not from a loop over every value.
// N = 2^36 rows, C = K = 2: 2^36 * 2 * 2 = 274877906944 MACs.
// RUN: kapla-opt %s -kapla-schedule="report=%t.json" -o /dev/null
// RUN: FileCheck %s < %t.json
// RUN: kapla-opt %s -split-input-file -kapla-import | FileCheck %s --check-prefix=QUANT

// CHECK: "N": 68719476736,
// CHECK: "macs": 274877906944,
func.func @big(%x: tensor<68719476736x2xf32>) -> tensor<68719476736x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<68719476736x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<68719476736x2xf32>, tensor<2x2xf32>) outs(%e : tensor<68719476736x2xf32>) -> tensor<68719476736x2xf32>
  return %y : tensor<68719476736x2xf32>
}

// -----

// A quantized matmul is a contraction with zero points: an FC whose weight
// is operand 1 (not a weightless eltwise layer).
// QUANT-LABEL: func.func @quantized
// QUANT: kapla.layer<fc, N = 2, C = 8, K = 4,{{.*}}kapla.weights = array<i64: 1>
func.func @quantized(%x: tensor<2x8xi8>) -> tensor<2x4xi32> {
  %w = arith.constant dense<1> : tensor<8x4xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x4xi32>
  %y = linalg.quantized_matmul ins(%x, %w, %z, %z : tensor<2x8xi8>, tensor<8x4xi8>, i32, i32) outs(%e : tensor<2x4xi32>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}
