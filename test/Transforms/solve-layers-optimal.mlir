// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive" | FileCheck %s
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive budget=10" | FileCheck %s --check-prefix=CAPPED
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=kapla" | FileCheck %s --check-prefix=CAPPED
// RUN: kapla-opt %s -kapla-form-segments -kapla-solve-layers="solver=exhaustive" -kapla-estimate-cost="report=-" -o /dev/null | FileCheck %s --check-prefix=REPORT

// A 4 x 4 FC at batch 4 on the tiny chip: the exhaustive search visits its
// whole space and marks the layer optimal; stopped by a budget, or solved by
// kapla's descent, it makes no such claim.

// CHECK: linalg.matmul {{{.*}}kapla.optimal
// CAPPED-NOT: kapla.optimal
// REPORT: "optimal": true,

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @fc(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}
