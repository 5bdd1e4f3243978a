// RUN: not kapla-opt %s --split-input-file --kapla-build-training-graph 2>&1 | FileCheck %s --check-prefix=NOIMPORT
// RUN: kapla-opt %s --split-input-file --kapla-import --kapla-build-training-graph -verify-diagnostics

// NOIMPORT: error: kapla-build-training-graph: no layers; run kapla-import first

// An epilogue without a gradient rule.
func.func @sine(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x3xf32>) outs(%f : tensor<1x3xf32>) -> tensor<1x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(a, b) -> (a, b)>, affine_map<(a, b) -> (a, b)>],
       iterator_types = ["parallel", "parallel"]} ins(%y : tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    // expected-error @+1 {{kapla-build-training-graph has no gradient rule for 'math.sin'}}
    %v = math.sin %in : f32
    linalg.yield %v : f32
  } -> tensor<1x3xf32>
  return %s : tensor<1x3xf32>
}

// -----

// A reduction that multiplies.
func.func @product(%x: tensor<2x4xf32>) -> tensor<2xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2xf32>
  %f2 = linalg.fill ins(%one : f32) outs(%e2 : tensor<2xf32>) -> tensor<2xf32>
  // expected-error @+1 {{no gradient rule for a reduction whose body is not a sum, max or min}}
  %p = linalg.generic {indexing_maps = [affine_map<(a, b) -> (a, b)>, affine_map<(a, b) -> (a)>],
       iterator_types = ["parallel", "reduction"]} ins(%y : tensor<2x4xf32>) outs(%f2 : tensor<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.mulf %in, %out : f32
    linalg.yield %v : f32
  } -> tensor<2xf32>
  return %p : tensor<2xf32>
}

// -----

// A layout op without a gradient rule.
func.func @reshape(%x: tensor<1x4xf32>) -> tensor<3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.1> : tensor<4x3xf32>
  %shape = arith.constant dense<3> : tensor<1xindex>
  %e = tensor.empty() : tensor<1x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x3xf32>) outs(%f : tensor<1x3xf32>) -> tensor<1x3xf32>
  // expected-error @+1 {{kapla-build-training-graph: no gradient rule for 'tensor.reshape'}}
  %r = tensor.reshape %y(%shape) : (tensor<1x3xf32>, tensor<1xindex>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

