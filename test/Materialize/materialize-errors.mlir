// RUN: kapla-opt %s --split-input-file --kapla-materialize --verify-diagnostics

// An update whose step is shorter than the tile it moves would compute the
// overlap twice: C tiles of 8 moved by 4.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @overlap(%x: tensor<8x16xf32>, %w: tensor<16x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
    // expected-error @+1 {{kapla-materialize: the dataflow is no loop nest: gbuf update #0 steps C by 4 but the tiles it moves span 8 (the tiles overlap)}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 1, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 1, K = 1, Ho = 1, Wo = 1]>],
                updates = [#kapla.update<step = [N = 1]>, #kapla.update<step = [C = 1]>,
                           #kapla.update<step = [K = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 8, K = 12, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 12, Ho = 1, Wo = 1]>],
                updates = [#kapla.update<step = [C = 4]>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x12xf32>) outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
    return %0 : tensor<8x12xf32>
  }
}

// -----

// One update moving N and K together is a diagonal loop.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @diagonal(%x: tensor<8x16xf32>, %w: tensor<16x8xf32>, %init: tensor<8x8xf32>) -> tensor<8x8xf32> {
    // expected-error @+1 {{kapla-materialize: the dataflow is no loop nest: gbuf update #0 moves N and K together (a diagonal loop), which no loop nest expresses}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 4, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 4, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 4, K = 4, Ho = 1, Wo = 1]>],
                updates = [#kapla.update<step = [C = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 4, C = 16, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 16, K = 4, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 4, K = 4, Ho = 1, Wo = 1]>],
                updates = [#kapla.update<step = [N = 4, K = 4]>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x8xf32>) outs(%init : tensor<8x8xf32>) -> tensor<8x8xf32>
    return %0 : tensor<8x8xf32>
  }
}

// -----

// The schedule is for batch 16; the op computes 8 rows.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @batch(%x: tensor<8x16xf32>, %w: tensor<16x8xf32>, %init: tensor<8x8xf32>) -> tensor<8x8xf32> {
    // expected-error @+1 {{kapla-materialize: the op runs over N = 8 but its kapla.layer has N = 16 (the schedule is for another batch than the IR computes: materialise a network scheduled at its exported batch)}}
    %0 = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 16, C = 16, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.weights = array<i64: 1>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 16, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 8, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 16, K = 8, Ho = 1, Wo = 1]>],
                updates = [#kapla.update<step = [C = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 16, C = 16, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 16, K = 8, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 16, K = 8, Ho = 1, Wo = 1]>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x8xf32>) outs(%init : tensor<8x8xf32>) -> tensor<8x8xf32>
    return %0 : tensor<8x8xf32>
  }
}

// -----

// A backward layer is read as its forward layer: without one of that name
// over the same loops, which loop is which forward dim is unknown.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @orphan(%g: tensor<8x8xf32>, %w: tensor<8x16xf32>, %init: tensor<8x16xf32>) -> tensor<8x16xf32> {
    // expected-error @+1 {{kapla-materialize: cannot tell which dim of its kapla.layer each loop of the op runs over: a backward layer is read as its forward layer, found by name ('<forward>.bwd_data' or '<forward>.bwd_weight') over the same loops and indexing maps, and there is none}}
    %0 = linalg.matmul {kapla.name = "fc.bwd_data",
      kapla.layer = #kapla.layer<fc, pass = backward_data, N = 8, C = 16, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 16, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 16, K = 8, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 8, Ho = 1, Wo = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 16, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 16, K = 8, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 8, Ho = 1, Wo = 1]>]>>}
      ins(%g, %w : tensor<8x8xf32>, tensor<8x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
    return %0 : tensor<8x16xf32>
  }
}

// -----

// Attention scores of 3 heads x 12 rows (N = 36) in GBUF steps of 5 rows,
// the last one partial: no rectangle of the op's loops. Written without
// the layer's `loops`, the dataflow passes the verifier and
// kapla-materialize refuses it.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @partial(%q: tensor<3x12x8xf32>, %k: tensor<3x8x8xf32>, %init: tensor<3x12x8xf32>) -> tensor<3x12x8xf32> {
    // expected-error @+1 {{kapla-materialize: cannot tile the gbuf update #0 over N: its step does not divide the tile of the loops of N it cuts}}
    %0 = linalg.batch_matmul {kapla.layer = #kapla.layer<matmul, N = 36, C = 8, K = 8, Ho = 1, Wo = 1, R = 1, S = 1>,
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
}
