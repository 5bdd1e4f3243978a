// RUN: kapla-opt %s -split-input-file -kapla-verify-dataflow -verify-diagnostics

// Channel groups (docs/CostModel.md, validity rule 9) on the FC of
// estimate-cost.mlir: 4 -> 4 at batch 4 on two nodes that split N; its
// output stays on chip, so it makes its output channels (K) a group at a
// time: with channel_groups = 2 a GBUF tile of K = 2 and, outermost, a loop
// over K by 2, twice.

// valid: the outermost loop steps over K by 2, twice
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], channel_groups = 2, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>], updates = [#kapla.update<step = [K = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// valid: with batch groups, the K groups right inside them
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], batch_groups = 2, channel_groups = 2, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 1], repl = 2>], updates = [#kapla.update<step = [K = 2]>, #kapla.update<step = [N = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// no loop over the channel groups
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: channel_groups 2: the gbuf loop outermost must step over K by 2, 2 times}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], channel_groups = 2, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>, #kapla.update<step = [K = 2]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// the K groups outside the batch groups
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: batch_groups 2: the outermost gbuf loop must step over N by 2, 2 times}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], batch_groups = 2, channel_groups = 2, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 1], repl = 2>], updates = [#kapla.update<step = [N = 2]>, #kapla.update<step = [K = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// 3 does not divide K
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: channel_groups 3 does not divide K = 4}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], channel_groups = 3, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>], updates = [#kapla.update<step = [K = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// input and output on chip: an FC needs every input channel for any output channel
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: channel_groups 2: the layer forwards no channels}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], channel_groups = 2, input_on_chip = true, output_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>], updates = [#kapla.update<step = [K = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// input on chip only: the groups step over the input channels C
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: channel_groups 2: the gbuf loop outermost must step over C by 2, 2 times}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2], channel_groups = 2, input_on_chip = true>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>], updates = [#kapla.update<step = [K = 2]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}
