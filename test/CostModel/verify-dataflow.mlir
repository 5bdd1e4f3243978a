// RUN: kapla-opt %s -split-input-file -kapla-verify-dataflow -verify-diagnostics

// Every rule of the cost model's validity check, on the FC of
// estimate-cost.mlir (tiny chip: 2 nodes of 2 x 2 PEs, 31 usable REGF words).
// The first case is valid: no diagnostic.

// valid
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// pes
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: regf stacks use 8 PEs; a node has 4}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 1], repl = 4>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// nodes
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: gbuf stacks use 2 nodes; the region has 1}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 1]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// regf capacity
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: regf level needs 32 words per buffer; 31 are usable}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// gbuf coverage
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: dim N not covered: gbuf loops cover 2 of 4}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// regf coverage
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: dim N not covered: regf loops cover 1 of the gbuf tile's 2}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// interleaved
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: gbuf stacks over dim N leave holes between buffers (interleaved stacks are not modelled)}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 3], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// gbuf capacity: 64 B holds 31 words; the GBUF tiles need 8 + 16 + 8 = 32.
#tiny = #kapla.arch<name = "tiny-gbuf", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 64, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
module attributes {kapla.arch = #tiny} {
  func.func @f(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{invalid dataflow: gbuf level needs 32 words per buffer; 31 are usable}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 2], repl = 2>, #kapla.stack<shift = [C = 2], repl = 2>], updates = [#kapla.update<step = [N = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// -----

// forwarded data fits
// The temporal pipeline of segment-cost.mlir: the first layer's 16-word
// output stays in the GBUFs (8 words per node) while both layers run, next
// to their own 32 words. 82 bytes give 40 usable words: it fits.
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 82, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
#fc = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>
module attributes {kapla.arch = #tiny} {
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

// -----

// forwarded data does not fit
// 80 bytes give 39 usable words: 31 are left for 32 words of tiles.
#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 80, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>
#fc = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>
module attributes {kapla.arch = #tiny} {
  func.func @pipeline(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %r = kapla.segment 0 pipeline temporal -> tensor<4x4xf32> {
      // expected-error @+1 {{invalid dataflow: gbuf level needs 32 words per buffer; 31 are usable (8 hold data forwarded in the segment)}}
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
      // expected-error @+1 {{invalid dataflow: gbuf level needs 32 words per buffer; 31 are usable (8 hold data forwarded in the segment)}}
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
