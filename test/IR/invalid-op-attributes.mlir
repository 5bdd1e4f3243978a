// RUN: kapla-opt %s -split-input-file -verify-diagnostics

// Discardable kapla.* attributes on upstream ops are verified by the dialect.

// expected-error @+1 {{unknown attribute 'kapla.schedule'; the kapla dialect defines kapla.arch, kapla.layer, kapla.name, kapla.weights, kapla.fix, kapla.dataflow, kapla.constraint, kapla.optimal, kapla.gap, kapla.stack and kapla.cost}}
%0 = "tensor.empty"() {kapla.schedule = 1} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.layer' must be a #kapla.layer attribute}}
%0 = "tensor.empty"() {kapla.layer = #kapla.tensor<I, size = [N = 1]>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.cost' must be a #kapla.cost attribute}}
%0 = "tensor.empty"() {kapla.cost = 3.0} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' needs a 'kapla.layer' on the same op}}
%0 = "tensor.empty"() {kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.constraint' needs a 'kapla.layer' on the same op}}
%0 = "tensor.empty"() {kapla.constraint = #kapla.constraint<region = [0, 0, 1, 1]>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' must be a #kapla.dataflow attribute}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
                       kapla.dataflow = #kapla.level<tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>]>} : () -> tensor<4xf32>

// -----

// A matmul has no input rows.
// expected-error @+1 {{'kapla.dataflow' does not match the layer: gbuf level: tensor I of matmul layers has no dim Hi}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 1, C = 1]>, #kapla.tensor<O, size = [N = 1, K = 1]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, Hi = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' does not match the layer: regf level: tensor O of the matmul layer is missing}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 1, C = 1]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' does not match the layer: gbuf level: pool layers have no tensor W}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<pool, N = 1, C = 2, K = 2, Ho = 2, Wo = 2, R = 2, S = 2, sy = 2, sx = 2>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1, Hi = 4, Wi = 4]>, #kapla.tensor<O, size = [N = 1, C = 1, Ho = 2, Wo = 2]>]>,
    gbuf = <tensors = [#kapla.tensor<W, size = [C = 2, R = 2, S = 2]>, #kapla.tensor<I, size = [N = 1, C = 2, Hi = 4, Wi = 4]>, #kapla.tensor<O, size = [N = 1, C = 2, Ho = 2, Wo = 2]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' does not match the layer: gbuf level: tensor W must give a size for dim C}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 1, C = 1]>, #kapla.tensor<O, size = [N = 1, K = 1]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>, #kapla.tensor<W, size = [K = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' does not match the layer: regf level: tensors disagree on the tile of C (1 vs 2)}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 1, C = 2]>, #kapla.tensor<O, size = [N = 1, K = 1]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// The REGF tile cannot be larger than the GBUF tile it sits in.
// expected-error @+1 {{'kapla.dataflow' does not match the layer: regf level: tensor W tile of K is 4, larger than the 2 it tiles}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1]>, #kapla.tensor<W, size = [K = 4, C = 1]>, #kapla.tensor<O, size = [N = 1, K = 4]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 2, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// One update is one loop: N+=1 over N = 2 runs twice, K+=2 over K = 2 once.
// expected-error @+1 {{'kapla.dataflow' does not match the layer: gbuf level: update #0 gives different iteration counts for its dims (N: 2, K: 1)}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 1, K = 2]>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2]>, #kapla.tensor<W, size = [K = 2, C = 2]>, #kapla.tensor<O, size = [N = 1, K = 2]>],
            updates = [#kapla.update<step = [N = 1, K = 2]>]>>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.dataflow' does not match the layer: regf level: stack over dim K, which eltwise layers do not have}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<eltwise, N = 1, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2>,
  kapla.dataflow = #kapla.dataflow<
    regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<O, size = [N = 1, C = 1, Ho = 1, Wo = 1]>],
            stacks = [#kapla.stack<shift = [K = 1], repl = 2>]>,
    gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<O, size = [N = 1, C = 2, Ho = 1, Wo = 1]>]>>} : () -> tensor<4xf32>

// -----

module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  // expected-error @+1 {{'kapla.constraint' region [2, 0, 4, 4] exceeds the 4 x 4 node array of 'multi-node-4x4'}}
  %0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>,
                         kapla.constraint = #kapla.constraint<region = [2, 0, 4, 4]>} : () -> tensor<4xf32>
}

// -----

// expected-error @+1 {{invalid constraint: region must be [row0, col0, rows, cols], got 3 values}}
module attributes {test.c = #kapla.constraint<region = [0, 0, 4]>} {}

// -----

// expected-error @+1 {{invalid constraint: region origin must be non-negative, got [-1, 0]}}
module attributes {test.c = #kapla.constraint<region = [-1, 0, 4, 4]>} {}

// -----

// expected-error @+1 {{invalid constraint: region must have at least one row and one column, got 4 x 0}}
module attributes {test.c = #kapla.constraint<region = [0, 0, 4, 0]>} {}

// -----

// expected-error @+1 {{invalid constraint: batch_groups must be non-negative, got -2}}
module attributes {test.c = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = -2>} {}

// -----

// expected-error @+2 {{expected 'true' or 'false', got 'yes'}}
// expected-error @+1 {{failed to parse Kapla_ConstraintAttr parameter 'input_on_chip'}}
module attributes {test.c = #kapla.constraint<region = [0, 0, 4, 4], input_on_chip = yes>} {}

// -----

// expected-error @+1 {{invalid cost: energy_pj (100.0) is not the sum of its components (10.0)}}
module attributes {test.c = #kapla.cost<energy_pj = 100.0, cycles = 1.0, mac_pj = 10.0, regf_pj = 0.0, bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0, static_pj = 0.0, dram_words = 0, gbuf_words = 0, regf_accesses = 0, noc_hops = 0.0>} {}

// -----

// expected-error @+1 {{invalid cost: cycles must be a finite, non-negative number}}
module attributes {test.c = #kapla.cost<energy_pj = 0.0, cycles = -1.0, mac_pj = 0.0, regf_pj = 0.0, bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0, static_pj = 0.0, dram_words = 0, gbuf_words = 0, regf_accesses = 0, noc_hops = 0.0>} {}

// -----

// expected-error @+1 {{invalid cost: noc_hops must be a finite, non-negative number}}
module attributes {test.c = #kapla.cost<energy_pj = 0.0, cycles = 1.0, mac_pj = 0.0, regf_pj = 0.0, bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0, static_pj = 0.0, dram_words = 0, gbuf_words = 0, regf_accesses = 0, noc_hops = -5.0>} {}

// -----

// expected-error @+1 {{'kapla.name' must be a non-empty string}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = ""} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.name' needs a 'kapla.layer' on the same op}}
%0 = "tensor.empty"() {kapla.name = "fc1"} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.weights' names operand 2 of an op with 0 operands}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.weights = array<i64: 2>} : () -> tensor<4xf32>

// -----

// expected-error @+1 {{'kapla.weights' must be an array<i64> of operand numbers}}
%0 = "tensor.empty"() {kapla.layer = #kapla.layer<matmul, N = 2, C = 2, K = 2, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.weights = [1]} : () -> tensor<4xf32>


// -----

func.func @optimal_not_unit(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'kapla.optimal' must be a unit attribute}}
  %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.optimal = 1 : i64}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @gap_negative(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'kapla.gap' must be a finite, non-negative f64}}
  %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.gap = -0.5 : f64}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @gap_not_float(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'kapla.gap' must be a finite, non-negative f64}}
  %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.gap = 1 : i64}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// expected-error @+1 {{unknown argument attribute 'kapla.weights'; the kapla dialect defines kapla.weight and kapla.loss_gradient}}
func.func @arg_typo(%w: tensor<4xf32> {kapla.weights}) {
  return
}

// -----

// expected-error @+1 {{'kapla.weight' on argument 0 must be a unit attribute}}
func.func @arg_not_unit(%w: tensor<4xf32> {kapla.weight = 1 : i64}) {
  return
}

// -----

// With the layer's loops (3 heads x 12 rows) the verifier refuses a GBUF
// step of 5 rows, whose last tile is partial: no rectangle of the loops.
func.func @partial(%q: tensor<3x12x8xf32>, %k: tensor<3x8x8xf32>, %init: tensor<3x12x8xf32>) -> tensor<3x12x8xf32> {
  // expected-error @+1 {{'kapla.dataflow' does not match the layer: gbuf update #0 moves N by 5, which does not divide the 36 it tiles: a dim of several loops (3 x 12) is cut into whole tiles}}
  %0 = linalg.batch_matmul {kapla.layer = #kapla.layer<matmul, N = 36, C = 8, K = 8, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 3, N = 12], batch_loops = [1]>,
    kapla.dataflow = #kapla.dataflow<
      regf = <tensors = [#kapla.tensor<I, size = [N = 5, C = 8]>,
                         #kapla.tensor<W, size = [C = 8, K = 8]>,
                         #kapla.tensor<O, size = [N = 5, K = 8]>]>,
      gbuf = <tensors = [#kapla.tensor<I, size = [N = 5, C = 8]>,
                         #kapla.tensor<W, size = [C = 8, K = 8]>,
                         #kapla.tensor<O, size = [N = 5, K = 8]>],
              updates = [#kapla.update<step = [N = 5]>]>>}
    ins(%q, %k : tensor<3x12x8xf32>, tensor<3x8x8xf32>) outs(%init : tensor<3x12x8xf32>) -> tensor<3x12x8xf32>
  return %0 : tensor<3x12x8xf32>
}
