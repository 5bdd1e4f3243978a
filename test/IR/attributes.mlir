// RUN: kapla-opt %s -split-input-file | FileCheck %s
// RUN: kapla-opt %s -split-input-file | kapla-opt -split-input-file | FileCheck %s
// RUN: kapla-opt %s -split-input-file -mlir-print-op-generic | kapla-opt -split-input-file | FileCheck %s

// Every kapla attribute, standalone (on test.* attributes, which no dialect
// verifies), round-trips in its custom form.

// CHECK-LABEL: module @layers
// CHECK-SAME: test.conv = #kapla.layer<conv, N = 1, C = 3, K = 48, Ho = 55, Wo = 55, R = 11, S = 11, sy = 4, sx = 4>
// CHECK-SAME: test.dil = #kapla.layer<conv, N = 2, C = 4, K = 4, Ho = 8, Wo = 6, R = 3, S = 3, dy = 2, dx = 2>
// CHECK-SAME: test.dw = #kapla.layer<dwconv, N = 1, C = 32, K = 32, Ho = 112, Wo = 112, R = 3, S = 3>
// CHECK-SAME: test.elt = #kapla.layer<eltwise, N = 1, C = 256, K = 256, Ho = 56, Wo = 56, R = 1, S = 1, inputs = 2>
// CHECK-SAME: test.fcbw = #kapla.layer<fc, pass = backward_weight, N = 64, C = 4096, K = 1000, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-SAME: test.heads = #kapla.layer<matmul, N = 6144, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 12, N = 512], batch_loops = [1]>
// CHECK-SAME: test.mm = #kapla.layer<matmul, pass = backward_data, N = 512, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK-SAME: test.pool = #kapla.layer<pool, N = 1, C = 64, K = 64, Ho = 56, Wo = 56, R = 3, S = 3, sy = 2, sx = 2>
module @layers attributes {
  // Keys of the struct may come in any order; defaults may be spelled out.
  test.conv = #kapla.layer<conv, K = 48, N = 1, C = 3, Ho = 55, Wo = 55, R = 11, S = 11, sy = 4, sx = 4, dy = 1>,
  test.dil = #kapla.layer<conv, pass = forward, N = 2, C = 4, K = 4, Ho = 8, Wo = 6, R = 3, S = 3, dy = 2, dx = 2>,
  test.dw = #kapla.layer<dwconv, N = 1, C = 32, K = 32, Ho = 112, Wo = 112, R = 3, S = 3>,
  test.elt = #kapla.layer<eltwise, N = 1, C = 256, K = 256, Ho = 56, Wo = 56, R = 1, S = 1, inputs = 2>,
  test.fcbw = #kapla.layer<fc, pass = backward_weight, N = 64, C = 4096, K = 1000, Ho = 1, Wo = 1, R = 1, S = 1>,
  test.heads = #kapla.layer<matmul, batch_loops = [1], loops = [N = 12, N = 512], N = 6144, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1>,
  test.mm = #kapla.layer<matmul, pass = backward_data, N = 512, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1>,
  test.pool = #kapla.layer<pool, N = 1, C = 64, K = 64, Ho = 56, Wo = 56, R = 3, S = 3, sy = 2, sx = 2>
} {}

// -----

// CHECK-LABEL: module @directives
// CHECK-SAME: test.level = #kapla.level<tensors = [#kapla.tensor<I, size = [N = 1, C = 4]>], updates = [#kapla.update<step = [C = 4]>]>
// CHECK-SAME: test.level_full = #kapla.level<tensors = [#kapla.tensor<O, size = [N = 2, K = 8]>], stacks = [#kapla.stack<shift = [K = 8], repl = 2>], updates = [#kapla.update<step = [N = 2]>]>
// CHECK-SAME: test.stack = #kapla.stack<shift = [Hi = 1, Ho = 1], repl = 8>
// CHECK-SAME: test.tensor = #kapla.tensor<I, size = [N = 4, C = 4, Hi = 19, Wi = 19], shr = 4>
// CHECK-SAME: test.tensor1 = #kapla.tensor<W, size = [K = 6, C = 4, R = 5, S = 5]>
// CHECK-SAME: test.update = #kapla.update<step = [Wi = 1, Wo = 1]>
module @directives attributes {
  test.tensor = #kapla.tensor<I, size = [N = 4, C = 4, Hi = 19, Wi = 19], shr = 4>,
  test.tensor1 = #kapla.tensor<W, size = [K = 6, C = 4, R = 5, S = 5], shr = 1>,
  test.stack = #kapla.stack<shift = [Hi = 1, Ho = 1], repl = 8>,
  test.update = #kapla.update<step = [Wi = 1, Wo = 1]>,
  test.level = #kapla.level<updates = [#kapla.update<step = [C = 4]>],
                            tensors = [#kapla.tensor<I, size = [N = 1, C = 4]>]>,
  test.level_full = #kapla.level<tensors = [#kapla.tensor<O, size = [N = 2, K = 8]>],
                                 stacks = [#kapla.stack<shift = [K = 8], repl = 2>],
                                 updates = [#kapla.update<step = [N = 2]>]>
} {}

// -----

// A dataflow with a level that has no stacks and no updates.
// CHECK-LABEL: module @dataflow
// CHECK-SAME: test.df = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 1, C = 1]>, #kapla.tensor<O, size = [N = 1, K = 1]>], stacks = [#kapla.stack<shift = [K = 1], repl = 2>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>
module @dataflow attributes {
  test.df = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>,
                       #kapla.tensor<W, size = [K = 1, C = 1]>,
                       #kapla.tensor<O, size = [N = 1, K = 1]>],
            stacks = [#kapla.stack<shift = [K = 1], repl = 2>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>,
                       #kapla.tensor<W, size = [K = 2, C = 2]>,
                       #kapla.tensor<O, size = [N = 2, K = 2]>]>>
} {}

// -----

// CHECK-LABEL: module @segments
// CHECK-SAME: test.constraint = #kapla.constraint<region = [0, 8, 16, 8], batch_groups = 4, channel_groups = 2, input_on_chip = true, output_on_chip = true>
// CHECK-SAME: test.cost = #kapla.cost<energy_pj = 1694.6, cycles = 123.5, mac_pj = 8.0, regf_pj = 2.5, bus_pj = 0.25, gbuf_pj = 0.0, dram_pj = 401.89, noc_pj = 9.76, static_pj = 1272.2, dram_words = 1, gbuf_words = 0, regf_accesses = 32, noc_hops = 1.0>
// CHECK-SAME: test.free = #kapla.constraint<region = [0, 0, 1, 1]>
// CHECK-SAME: test.pipeline = #kapla.pipeline<temporal>
module @segments attributes {
  test.constraint = #kapla.constraint<region = [0, 8, 16, 8], output_on_chip = true, batch_groups = 4, channel_groups = 2, input_on_chip = true>,
  test.free = #kapla.constraint<region = [0, 0, 1, 1], batch_groups = 0, input_on_chip = false>,
  test.cost = #kapla.cost<energy_pj = 1694.6, cycles = 123.5, mac_pj = 8, regf_pj = 2.5, bus_pj = 0.25,
                          gbuf_pj = 0, dram_pj = 401.89, noc_pj = 9.76, static_pj = 1272.2,
                          dram_words = 1, gbuf_words = 0, regf_accesses = 32, noc_hops = 1.0>,
  test.pipeline = #kapla.pipeline<temporal>
} {}
