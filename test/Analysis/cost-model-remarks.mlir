// What the cost model analysis computes for each layer and segment, through
// the test pass that prints it as remarks.
// RUN: kapla-opt %s -test-kapla-cost-model -verify-diagnostics -o /dev/null

// The hand-worked FC of docs/CostModel.md ("A worked example"): a 4 -> 4 FC
// at batch 4 on a 1 x 2 chip of 2 x 2 PEs, 7140 pJ in 16 cycles; its lower
// bound (MACs, REGF, each word across DRAM, a GBUF and the NoC once) is
// 5155 pJ. In a segment of its own the segment costs what the layer does.
// Without a dataflow the analysis still bounds the layer.

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>

module attributes {kapla.arch = #tiny} {
  func.func @fc(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-remark @+1 {{segment of 1 layers: 7140 pJ, 16 cycles}}
    %s = kapla.segment 0 pipeline none -> tensor<4x4xf32> {
      // expected-remark @+1 {{layer fc: 7140 pJ, 16 cycles; lower bound 5155 pJ}}
      %0 = linalg.matmul {
        kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
        kapla.name = "fc",
        kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
        kapla.dataflow = #kapla.dataflow<
          regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>,
                             #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>,
                             #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>],
                  stacks = [#kapla.stack<shift = [K = 2], repl = 2>,
                            #kapla.stack<shift = [C = 2], repl = 2>],
                  updates = [#kapla.update<step = [N = 1]>]>,
          gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>,
                             #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>,
                             #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>],
                  stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
        ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
      kapla.yield %0 : tensor<4x4xf32>
    }
    // expected-remark @+1 {{layer again: no dataflow; lower bound 5155 pJ}}
    %1 = linalg.matmul {
      kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "again"}
      ins(%s, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %1 : tensor<4x4xf32>
  }
}
