// RUN: kapla-opt %s | FileCheck %s
// RUN: kapla-opt %s | kapla-opt | FileCheck %s
// RUN: kapla-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: kapla-opt %s -mlir-print-op-generic | kapla-opt | FileCheck %s

// Two segments: a spatial pipeline of two matmul layers on the two halves of
// a 4x4 chip, then a single layer on the whole chip.

#mm = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>

module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  // CHECK-LABEL: func.func @two_segments
  func.func @two_segments(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>,
                          %init: tensor<8x16xf32>) -> tensor<8x16xf32> {
    // CHECK: %[[SEG0:.*]]:2 = kapla.segment 0 pipeline spatial -> tensor<8x16xf32>, tensor<8x16xf32> attributes {cost = #kapla.cost<energy_pj = 3.0, cycles = 2.0, mac_pj = 1.0, regf_pj = 2.0, bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0, static_pj = 0.0, dram_words = 0, gbuf_words = 0, regf_accesses = 0, noc_hops = 0.0>} {
    // CHECK:   %[[A:.*]] = linalg.matmul {kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2], output_on_chip = true>
    // CHECK:   %[[B:.*]] = linalg.matmul {kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], input_on_chip = true>
    // CHECK:   kapla.yield %[[A]], %[[B]] : tensor<8x16xf32>, tensor<8x16xf32>
    // CHECK: }
    %s0:2 = kapla.segment 0 pipeline spatial -> tensor<8x16xf32>, tensor<8x16xf32>
        attributes {cost = #kapla.cost<energy_pj = 3.0, cycles = 2.0, mac_pj = 1.0, regf_pj = 2.0, bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0, static_pj = 0.0, dram_words = 0, gbuf_words = 0, regf_accesses = 0, noc_hops = 0.0>} {
      %a = linalg.matmul {kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2], output_on_chip = true>}
             ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      %b = linalg.matmul {kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], input_on_chip = true>}
             ins(%a, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      kapla.yield %a, %b : tensor<8x16xf32>, tensor<8x16xf32>
    }
    // CHECK: %[[SEG1:.*]] = kapla.segment 1 pipeline none -> tensor<8x16xf32> {
    // CHECK:   linalg.matmul {{.*}}ins(%[[SEG0]]#1,
    %s1 = kapla.segment 1 pipeline none -> tensor<8x16xf32> {
      %c = linalg.matmul {kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4]>}
             ins(%s0#1, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      kapla.yield %c : tensor<8x16xf32>
    }
    // A segment with no results (its layer's output is unused) and a
    // temporal pipeline sharing one region.
    // CHECK: kapla.segment 3 pipeline temporal {
    // CHECK-NEXT: linalg.matmul
    // CHECK-NEXT: linalg.matmul
    // CHECK-NEXT: kapla.yield
    // CHECK-NEXT: }
    kapla.segment 3 pipeline temporal {
      %d = linalg.matmul {kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], output_on_chip = true>}
             ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      %e = linalg.matmul {kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], input_on_chip = true>}
             ins(%d, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      kapla.yield
    }
    return %s1 : tensor<8x16xf32>
  }

  // Two copies of one layer (one name), as a transformation leaves a layer
  // it computes in two places: one layer on one region, neither an overlap
  // in a spatial segment nor a second layer of a segment of pipeline none.
  // CHECK-LABEL: func.func @copies
  // CHECK: kapla.segment 0 pipeline spatial
  // CHECK: kapla.segment 1 pipeline none
  func.func @copies(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>,
                    %init: tensor<8x16xf32>) -> tensor<4x16xf32> {
    %xs = tensor.extract_slice %x[0, 0] [4, 16] [1, 1] : tensor<8x16xf32> to tensor<4x16xf32>
    %is = tensor.extract_slice %init[0, 0] [4, 16] [1, 1] : tensor<8x16xf32> to tensor<4x16xf32>
    %s0:2 = kapla.segment 0 pipeline spatial -> tensor<8x16xf32>, tensor<4x16xf32> {
      %a = linalg.matmul {kapla.name = "fc", kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2]>}
             ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
      %b = linalg.matmul {kapla.name = "fc", kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2]>}
             ins(%xs, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%is : tensor<4x16xf32>) -> tensor<4x16xf32>
      kapla.yield %a, %b : tensor<8x16xf32>, tensor<4x16xf32>
    }
    %s1 = kapla.segment 1 pipeline none -> tensor<4x16xf32> {
      %c = linalg.matmul {kapla.name = "fc2", kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4]>}
             ins(%xs, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%is : tensor<4x16xf32>) -> tensor<4x16xf32>
      %d = linalg.matmul {kapla.name = "fc2", kapla.layer = #mm, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4]>}
             ins(%c, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%is : tensor<4x16xf32>) -> tensor<4x16xf32>
      kapla.yield %d : tensor<4x16xf32>
    }
    return %s1 : tensor<4x16xf32>
  }
}

// GENERIC: "kapla.segment"() <{cost = #kapla.cost<{{.*}}>, index = 0 : i64, pipeline = #kapla.pipeline<spatial>}> ({
// GENERIC: "kapla.yield"
// GENERIC: "kapla.segment"() <{index = 1 : i64, pipeline = #kapla.pipeline<none>}> ({
