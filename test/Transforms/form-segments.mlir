// kapla-form-segments wraps the layers in kapla.segment ops; every value a
// segment computes and something outside it uses is yielded, and those uses
// read the segment's result.
// RUN: kapla-opt %s -kapla-form-segments="max-segment-layers=1" | FileCheck %s
// RUN: kapla-opt %s -kapla-form-segments="max-segment-layers=1" | kapla-opt -kapla-verify-dataflow -o /dev/null
// RUN: kapla-opt %s -kapla-form-segments="max-segment-layers=3 top-k=0" | FileCheck %s --check-prefix=ONE

// Three FC layers, one segment each (max-segment-layers=1), numbered in
// order; the second layer's value is also returned.
// CHECK-LABEL: func.func @mlp
// CHECK:      %[[S0:.*]] = kapla.segment 0 pipeline none -> tensor<4x8xf32> {
// CHECK-NEXT:   %[[A:.*]] = linalg.matmul {{{.*}}kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>, kapla.dataflow = {{.*}} ins(%arg0, %arg1 :
// CHECK-NEXT:   kapla.yield %[[A]] : tensor<4x8xf32>
// CHECK-NEXT: }
// CHECK:      %[[S1:.*]] = kapla.segment 1 pipeline none -> tensor<4x8xf32> {
// CHECK-NEXT:   %[[B:.*]] = linalg.matmul {{.*}} ins(%[[S0]], %arg2 :
// CHECK-NEXT:   kapla.yield %[[B]] : tensor<4x8xf32>
// CHECK-NEXT: }
// CHECK:      %[[S2:.*]] = kapla.segment 2 pipeline none -> tensor<4x4xf32> {
// CHECK-NEXT:   %[[C:.*]] = linalg.matmul {{.*}} ins(%[[S1]], %arg3 :
// CHECK-NEXT:   kapla.yield %[[C]] : tensor<4x4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[S2]], %[[S1]] : tensor<4x4xf32>, tensor<4x8xf32>

// All three in one temporal segment (a DRAM word costs 100 pJ, a GBUF word
// 3, and every tensor fits the GBUFs): the first layer's value stays
// inside; the second's, returned, and the third's are yielded.
// ONE:      %[[S:.*]]:2 = kapla.segment 0 pipeline temporal -> tensor<4x8xf32>, tensor<4x4xf32> {
// ONE-NEXT:   %[[A:.*]] = linalg.matmul {{.*}} ins(%arg0, %arg1 :
// ONE-NEXT:   %[[B:.*]] = linalg.matmul {{.*}} ins(%[[A]], %arg2 :
// ONE-NEXT:   %[[C:.*]] = linalg.matmul {{.*}} ins(%[[B]], %arg3 :
// ONE-NEXT:   kapla.yield %[[B]], %[[C]] : tensor<4x8xf32>, tensor<4x4xf32>
// ONE-NEXT: }
// ONE-NEXT: return %[[S]]#1, %[[S]]#0 : tensor<4x4xf32>, tensor<4x8xf32>

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @mlp(%x: tensor<4x4xf32>, %w1: tensor<4x8xf32>, %w2: tensor<8x8xf32>,
                 %w3: tensor<8x4xf32>, %o8: tensor<4x8xf32>, %o4: tensor<4x4xf32>)
      -> (tensor<4x4xf32>, tensor<4x8xf32>) {
    %a = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%x, %w1 : tensor<4x4xf32>, tensor<4x8xf32>) outs(%o8 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %b = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 8, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%a, %w2 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%o8 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %c = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 8, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%b, %w3 : tensor<4x8xf32>, tensor<8x4xf32>) outs(%o4 : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %c, %b : tensor<4x4xf32>, tensor<4x8xf32>
  }
}
