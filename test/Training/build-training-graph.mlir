// RUN: kapla-opt %s --kapla-import=batch=8 --kapla-build-training-graph | FileCheck %s
// RUN: kapla-opt %s --kapla-import=batch=8 --kapla-build-training-graph | grep -c "arith.constant 0.000000e+00 : f32" | FileCheck %s --check-prefix=ZERO
// RUN: kapla-opt %s --kapla-import=batch=8 --kapla-build-training-graph | grep -c "linalg.fill" | FileCheck %s --check-prefix=FILLS

// Each gradient rule makes its own zero init; when the step is built, equal
// ones are one (upstream CSE), shared with the forward ops: one 0.0, and one
// zero fill per shape: conv1's output (also conv2.bwd_data's, dI2), conv2's
// output, the two weight gradients.
// ZERO: {{^}}1{{$}}
// FILLS: {{^}}4{{$}}

// Two convolutions: the first (stride 2) reads the network input, so it gets
// a backward-weight op only; the second gets both. The ReLU between them is
// a fused epilogue: its gradient op carries no layer.

// The backward-data op of conv2 scatters into its input's layout; the
// backward-weight op of conv1 reads the input through the stride-2 window.
// CHECK-DAG: #[[$IN2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>
// CHECK-DAG: #[[$FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$IN1:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>

// The loss gradient is a new argument; the weight gradients are new results.
// CHECK-LABEL: func.func @two_convs(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x9x9xf32>, %[[DY:.*]]: tensor<1x3x4x4xf32> {kapla.loss_gradient})
// CHECK-SAME: -> (tensor<1x3x4x4xf32>, tensor<4x2x3x3xf32>, tensor<3x4x1x1xf32>)
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}}kapla.name = "conv1"
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}}kapla.name = "conv2"

// dI2[n, c, y + r, x + s] += dY[n, k, y, x] * W2[k, c, r, s]
// CHECK: %[[DI2:.*]] = linalg.generic {indexing_maps = [#[[$FILTER]], #[[$OUT]], #[[$IN1]]], iterator_types = ["parallel", "reduction", "reduction", "reduction", "parallel", "reduction", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %[[DY]] : tensor<3x4x1x1xf32>, tensor<1x3x4x4xf32>)
// CHECK-SAME: kapla.layer = #kapla.layer<conv, pass = backward_data, N = 8, C = 4, K = 3, Ho = 4, Wo = 4, R = 1, S = 1>, kapla.name = "conv2.bwd_data", kapla.weights = array<i64: 0>
// CHECK: arith.mulf
// CHECK: arith.addf

// dW2[k, c, r, s] += dY[n, k, y, x] * I2[n, c, y + r, x + s]
// CHECK: %[[DW2:.*]] = linalg.generic {indexing_maps = [#[[$IN1]], #[[$OUT]], #[[$FILTER]]], iterator_types = ["reduction", "parallel", "reduction", "reduction", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[RELU]], %[[DY]] :
// CHECK-SAME: kapla.layer = #kapla.layer<conv, pass = backward_weight, N = 8, C = 4, K = 3, Ho = 4, Wo = 4, R = 1, S = 1>, kapla.name = "conv2.bwd_weight"

// The ReLU's gradient: dY1 = (y1 >= 0 ? 1 : 0) * dI2; no layer of its own.
// CHECK: %[[DRELU:.*]] = linalg.generic
// CHECK-SAME: ins(%[[C1]], %[[DI2]] :
// CHECK-NOT: kapla.layer
// CHECK: arith.cmpf oge
// CHECK: arith.select

// dW1[k, c, r, s] += dY1[n, k, y, x] * X[n, c, 2y + r, 2x + s]
// CHECK: %[[DW1:.*]] = linalg.generic {indexing_maps = [#[[$IN2]], #[[$OUT]], #[[$FILTER]]]
// CHECK-SAME: ins(%[[X]], %[[DRELU]] :
// CHECK-SAME: kapla.layer = #kapla.layer<conv, pass = backward_weight, N = 8, C = 2, K = 4, Ho = 4, Wo = 4, R = 3, S = 3, sy = 2, sx = 2>, kapla.name = "conv1.bwd_weight"
// CHECK-NOT: conv1.bwd_data
// CHECK: return %[[Y]], %[[DW1]], %[[DW2]]
func.func @two_convs(%x: tensor<1x2x9x9xf32>) -> tensor<1x3x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<0.1> : tensor<4x2x3x3xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
        ins(%x, %w1 : tensor<1x2x9x9xf32>, tensor<4x2x3x3xf32>) outs(%f1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %r1 = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%c1 : tensor<1x4x4x4xf32>) outs(%e1 : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x4xf32>
  %w2 = arith.constant dense<0.05> : tensor<3x4x1x1xf32>
  %e2 = tensor.empty() : tensor<1x3x4x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%r1, %w2 : tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) outs(%f2 : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> loc("conv2")
  return %c2 : tensor<1x3x4x4xf32>
}
