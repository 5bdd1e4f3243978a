// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exact" -kapla-estimate-cost="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exact budget=1" -kapla-estimate-cost="report=%t.capped.json" | FileCheck %s --check-prefix=CAPPED
// RUN: FileCheck %s --check-prefix=CAPPED-REPORT < %t.capped.json
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exact" | kapla-opt -kapla-verify-dataflow -o /dev/null

// A small convolution on the tiny chip: the exact search proves the optimum
// of its space and marks the layer optimal (gap 0 in the report). Stopped
// after one evaluation it proves nothing: the layer keeps the best schedule
// it has (the kapla solution or better) and the certified gap, the ratio of
// that schedule's energy to the search's lower bound, minus one.

// CHECK: linalg.conv_2d_nchw_fchw {{{.*}}kapla.optimal
// CHECK-NOT: kapla.gap
// REPORT: "optimal": true,
// REPORT-NEXT: "gap": 0,
// CAPPED-NOT: kapla.optimal
// CAPPED: kapla.gap = {{[0-9]+\.[0-9]+(e-?[0-9]+)?}} : f64
// CAPPED-REPORT: "optimal": false,
// CAPPED-REPORT-NEXT: "gap": {{[0-9]+\.[0-9]+(e-?[0-9]+)?}},

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @conv(%x: tensor<2x8x10x10xf32>, %w: tensor<8x8x3x3xf32>, %o: tensor<2x8x8x8xf32>) -> tensor<2x8x8x8xf32> {
    %0 = linalg.conv_2d_nchw_fchw {kapla.layer = #kapla.layer<conv, N = 2, C = 8, K = 8, Ho = 8, Wo = 8, R = 3, S = 3>}
      ins(%x, %w : tensor<2x8x10x10xf32>, tensor<8x8x3x3xf32>) outs(%o : tensor<2x8x8x8xf32>) -> tensor<2x8x8x8xf32>
    return %0 : tensor<2x8x8x8xf32>
  }
}
