// RUN: kapla-opt %s -kapla-estimate-cost | FileCheck %s

// Two copies of the FC of estimate-cost.mlir in a temporal pipeline on the
// whole tiny chip: the first keeps its output in the GBUFs, the second reads
// it from there. Worked out by hand:
//   each layer: 64 MACs (64 pJ), 256 REGF (128 pJ), bus 96 (192 pJ);
//   GBUF toward the PEs 64 words, plus the 16 forwarded words: 80 (240 pJ);
//   DRAM: W 32 and one of I or O, 16: 48 words (4800 pJ), 48*2/8 = 12
//   cycles (compute 8, bus 8); NoC: the DRAM I or O word travels 0.5 hops
//   (8 word-hops, 80 pJ), forwarding stays on the same nodes (0 hops);
//   static 12 * 0.25 = 3: 64 + 128 + 192 + 240 + 4800 + 80 + 3 = 5507.
//   The segment: 12 + 12 = 24 cycles, static 6, energy 2 * 5507 = 11014.

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
#fc = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>

module attributes {kapla.arch = #tiny} {
  // CHECK-LABEL: func.func @pipeline
  // CHECK: kapla.segment 0 pipeline temporal -> tensor<4x4xf32> attributes {cost = #kapla.cost<energy_pj = 11014.0, cycles = 24.0, mac_pj = 128.0, regf_pj = 256.0, bus_pj = 384.0, gbuf_pj = 480.0, dram_pj = 9600.0, noc_pj = 160.0, static_pj = 6.0, dram_words = 96, gbuf_words = 160, regf_accesses = 512, noc_hops = 16.0>}
  // CHECK: kapla.cost = #kapla.cost<energy_pj = 5507.0, cycles = 12.0, mac_pj = 64.0, regf_pj = 128.0, bus_pj = 192.0, gbuf_pj = 240.0, dram_pj = 4800.0, noc_pj = 80.0, static_pj = 3.0, dram_words = 48, gbuf_words = 80, regf_accesses = 256, noc_hops = 8.0>
  // CHECK: kapla.cost = #kapla.cost<energy_pj = 5507.0, cycles = 12.0,
  func.func @pipeline(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %r = kapla.segment 0 pipeline temporal -> tensor<4x4xf32> {
      %a = linalg.matmul {kapla.layer = #fc,
        kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], output_on_chip = true>,
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
      %b = linalg.matmul {kapla.layer = #fc,
        kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], input_on_chip = true>,
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
        ins(%a, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
      kapla.yield %b : tensor<4x4xf32>
    }
    return %r : tensor<4x4xf32>
  }
}
