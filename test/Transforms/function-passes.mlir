// kapla-form-segments, kapla-solve-layers and kapla-verify-dataflow run on
// each func.func: every function is a network of its own, functions run in
// parallel, and the result is the one of a single thread.
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive" | FileCheck %s
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive" --mlir-disable-threading > %t.one.mlir
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive" > %t.many.mlir
// RUN: diff %t.one.mlir %t.many.mlir
// RUN: kapla-opt %t.many.mlir -kapla-verify-dataflow -o /dev/null
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=NESTED
// A module pass in front (the pipelines start with kapla-set-arch) gives the
// run its record: the report echoes the function passes' options and counts
// their search.
// RUN: kapla-opt %s -kapla-set-arch -kapla-form-segments -kapla-solve-layers="solver=exhaustive" -kapla-estimate-cost="report=-" -o /dev/null | FileCheck %s --check-prefix=REPORT

// Each function's layer in its own segment 0, on the whole 1x2 node array.
// CHECK-LABEL: func.func @a
// CHECK: kapla.segment 0 pipeline none
// CHECK: linalg.matmul {{{.*}}kapla.optimal
// CHECK-LABEL: func.func @b
// CHECK: kapla.segment 0 pipeline none
// CHECK: linalg.matmul {{{.*}}kapla.optimal

// NESTED: builtin.module(
// NESTED-NEXT: func.func(
// NESTED-NEXT: kapla-form-segments
// NESTED: func.func(
// NESTED-NEXT: kapla-solve-layers

// REPORT: "solver": "exhaustive",
// REPORT: "segment_solver": "kapla",
// Two candidate segments, one single layer per function; each layer solved
// once by kapla for the segment search and once by the exhaustive search.
// REPORT: "search": {
// REPORT: "segments_enumerated": 2,
// REPORT-NEXT: "segments_pruned": 0,
// REPORT-NEXT: "layer_solves": 4,

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @a(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
  func.func @b(%x: tensor<4x4xf32>, %w: tensor<4x8xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
    return %0 : tensor<4x8xf32>
  }
}
