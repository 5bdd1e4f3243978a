// RUN: kapla-opt %s -split-input-file -kapla-estimate-cost -verify-diagnostics | FileCheck %s
// RUN: kapla-opt %s -split-input-file -kapla-verify-dataflow -verify-diagnostics -o /dev/null

// Buffer sharing (shr at the GBUF), worked out by hand (docs/CostModel.md,
// "Buffer sharing").

// The FC of estimate-cost.mlir (4 -> 4 at batch 4 on 1 x 2 nodes of 2 x 2
// PEs, the nodes split N) with its weights shared by the two nodes instead
// of replicated: each node holds and fetches half of W (8 words) and
// receives the other half from its neighbour.
//   GBUF words per node: I 8 + W 16 / 2 + O 8 = 24;
//   DRAM: I 16 + W 2 x 8 = 16 + O 16 = 48 (was 64);
//   NoC: I and O 16 words x 0.5 hops each, W 0 from the nearest channel,
//   rotation (2 - 1) x 8 words x 2 nodes x 1 hop = 16: 32 word-hops;
//   cycles max(compute 8, DRAM 48 x 2 / 8 = 12, bus 8) = 12;
//   energy 64 + 128 + 192 + 192 + 4800 + 320 + 12 x 0.25 = 5699 (was 7140).
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  // CHECK-LABEL: func.func @shared_weights
  func.func @shared_weights(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "shared_weights",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1], shr = 2>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
  // CHECK: kapla.cost = #kapla.cost<energy_pj = 5699.0, cycles = 12.0, mac_pj = 64.0, regf_pj = 128.0, bus_pj = 192.0, gbuf_pj = 192.0, dram_pj = 4800.0, noc_pj = 320.0, static_pj = 3.0, dram_words = 48, gbuf_words = 64, regf_accesses = 256, noc_hops = 32.0>
}

// -----

// On 1 x 4 nodes split over K and N (2 x 2), W shared by the two nodes of
// each N pair. DRAM: I 8 words per node (replicated over K), W 4 (half of
// the 8-word tile), O 4: 4 x 16 = 64 words. I and O travel 1.5 hops from
// the channels (mean to the four corners of a 1 x 4 array): 4 x 8 x 1.5 +
// 4 x 4 x 1.5 = 72 word-hops; W 0.5 hops on average from the nearest
// channel: 4 x 4 x 0.5 = 8.
// Rotation: (2 - 1) x 4 words x 4 nodes x the distance of the pair. With
// the N stack first the pair's nodes are neighbours (1 hop, 16 word-hops,
// 96 in all); listed after the K stack they are 2 apart (32, 112 in all).
#line = #kapla.arch<name = "line", nodes = [1, 4], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #line} {
  // CHECK-LABEL: func.func @pairs_adjacent
  func.func @pairs_adjacent(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "pairs_adjacent",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 4]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1], shr = 2>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>, #kapla.stack<shift = [K = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
  // CHECK: dram_words = 64, {{.*}} noc_hops = 96.0>
  // CHECK-LABEL: func.func @pairs_apart
  func.func @pairs_apart(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "pairs_apart",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 4]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1], shr = 2>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
  // CHECK: dram_words = 64, {{.*}} noc_hops = 112.0>
}

// -----

// Refused: regf.
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @regf(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: regf tensor W has shr 2: buffer sharing between PEs is not modelled}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "regf",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1], shr = 2>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// Refused: written.
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @written(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: gbuf tensor O has shr 2: the layer writes it, and nodes holding the same tile hold partial sums, which cannot be shared}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "written",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1], shr = 2>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// Refused: not replicated.
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @not_replicated(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: gbuf tensor I has shr 2, which does not divide the 1 nodes the gbuf stacks give the same tile}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "not_replicated",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1], shr = 2>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}
