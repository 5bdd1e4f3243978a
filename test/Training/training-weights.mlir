// A training step needs weights: a constant, or a function argument marked
// kapla.weight. Without any, training=true is an error, not an inference
// schedule.
// RUN: kapla-opt %s -split-input-file -kapla-import -kapla-build-training-graph -verify-diagnostics | FileCheck %s
// RUN: kapla-opt %s -split-input-file -kapla-schedule="training=true batch=16 report=%t.json" -o /dev/null 2>/dev/null; FileCheck %s --check-prefix=REPORT < %t.json

// The marked argument is the FC's weight: its gradient is the new result
// (backward-weight, 2 x 8 x 4 MACs like the forward layer); the input is a
// network input, so there is no backward-data layer.
// CHECK-LABEL: func.func @weight_arg
// CHECK-SAME: -> (tensor<2x4xf32>, tensor<8x4xf32>)
// CHECK: kapla.layer<fc, N = 2, C = 8, K = 4,
// CHECK: kapla.layer<fc, pass = backward_weight, N = 2, C = 8, K = 4,
// CHECK-NOT: backward_data
// CHECK: return
// REPORT: "training": true,
// REPORT: "requested": {
// REPORT: "training": true
// REPORT: "name": "fc_0.bwd_weight",
// REPORT: "N": 16,
func.func @weight_arg(%x: tensor<2x8xf32>, %w: tensor<8x4xf32> {kapla.weight}) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An unmarked argument is an activation: the matmul of two inputs has no
// weight.
// expected-error @+1 {{kapla-build-training-graph: nothing to train in @unmarked: no layer reads a weight (a constant, or a function argument marked kapla.weight)}}
func.func @unmarked(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An add of two network inputs is an eltwise layer, with nothing to train.
// expected-error @+1 {{kapla-build-training-graph: nothing to train in @add}}
func.func @add(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %e = tensor.empty() : tensor<2x8xf32>
  %y = linalg.add ins(%a, %b : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A network of pools only.
// expected-error @+1 {{kapla-build-training-graph: nothing to train in @pool}}
func.func @pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %init = arith.constant dense<0.0> : tensor<1x2x2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %y = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%x, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
