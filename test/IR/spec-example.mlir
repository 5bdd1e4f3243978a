// RUN: kapla-opt %s | FileCheck %s
// RUN: kapla-opt %s | kapla-opt | FileCheck %s
// RUN: kapla-opt -mlir-print-op-generic %s | kapla-opt | FileCheck %s

// The example layer of the KAPLA paper (docs/Dialect.md), condensed, in
// kapla's dim names: the paper's Xi/Yi (input cols/rows) are Wi/Hi and its
// filter width R / height S are kapla's S / R. The layer is a 5x5
// convolution of a 64 x 8 x 19 x 19 input into 48 channels of 15 x 15.
//
// REGF, row-stationary: 8 PEs along output rows (stack Hi/Ho by 1) times 5
// PEs along filter rows (stack R/Hi by 1); each PE slides a 5-wide input row
// (update Wi/Wo by 1), then the array moves 8 rows down (update Hi/Ho by 8).
// GBUF: a 4 x 16 node region splits K over 4 nodes and N over 16; the input
// tile is shared by buffer sharing over 4 nodes (shr = 4).

module attributes {kapla.arch = #kapla.arch<"multi-node-16x16">} {
  // CHECK-LABEL: func.func @spec_example
  func.func @spec_example(%in: tensor<64x8x19x19xf32>, %w: tensor<48x8x5x5xf32>,
                          %init: tensor<64x48x15x15xf32>) -> tensor<64x48x15x15xf32> {
    // CHECK: linalg.conv_2d_nchw_fchw
    // CHECK-SAME: kapla.constraint = #kapla.constraint<region = [0, 0, 4, 16]>
    // CHECK-SAME: kapla.dataflow = #kapla.dataflow<
    // CHECK-SAME: regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 5]>, #kapla.tensor<W, size = [K = 3, C = 2, R = 1, S = 5]>, #kapla.tensor<O, size = [N = 1, K = 3, Ho = 1, Wo = 1]>]
    // CHECK-SAME: stacks = [#kapla.stack<shift = [Hi = 1, Ho = 1], repl = 8>, #kapla.stack<shift = [R = 1, Hi = 1], repl = 5>]
    // CHECK-SAME: updates = [#kapla.update<step = [Wi = 1, Wo = 1]>, #kapla.update<step = [Hi = 8, Ho = 8]>, #kapla.update<step = [N = 1]>, #kapla.update<step = [C = 2]>, #kapla.update<step = [K = 3]>]>
    // CHECK-SAME: gbuf = <tensors = [#kapla.tensor<I, size = [N = 4, C = 4, Hi = 19, Wi = 19], shr = 4>, #kapla.tensor<W, size = [K = 6, C = 4, R = 5, S = 5]>, #kapla.tensor<O, size = [N = 4, K = 6, Ho = 15, Wo = 15]>]
    // CHECK-SAME: stacks = [#kapla.stack<shift = [K = 6], repl = 4>, #kapla.stack<shift = [N = 4], repl = 16>]
    // CHECK-SAME: updates = [#kapla.update<step = [C = 4]>, #kapla.update<step = [K = 24]>, #kapla.update<step = [N = 64]>]>>
    // CHECK-SAME: kapla.layer = #kapla.layer<conv, N = 64, C = 8, K = 48, Ho = 15, Wo = 15, R = 5, S = 5>
    %0 = linalg.conv_2d_nchw_fchw {
      kapla.layer = #kapla.layer<conv, N = 64, C = 8, K = 48, Ho = 15, Wo = 15, R = 5, S = 5>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 4, 16]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 5]>,
                           #kapla.tensor<W, size = [K = 3, C = 2, R = 1, S = 5]>,
                           #kapla.tensor<O, size = [N = 1, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [Hi = 1, Ho = 1], repl = 8>,
                          #kapla.stack<shift = [R = 1, Hi = 1], repl = 5>],
                updates = [#kapla.update<step = [Wi = 1, Wo = 1]>,
                           #kapla.update<step = [Hi = 8, Ho = 8]>,
                           #kapla.update<step = [N = 1]>,
                           #kapla.update<step = [C = 2]>,
                           #kapla.update<step = [K = 3]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 4, C = 4, Hi = 19, Wi = 19], shr = 4>,
                           #kapla.tensor<W, size = [K = 6, C = 4, R = 5, S = 5]>,
                           #kapla.tensor<O, size = [N = 4, K = 6, Ho = 15, Wo = 15]>],
                stacks = [#kapla.stack<shift = [K = 6], repl = 4>,
                          #kapla.stack<shift = [N = 4], repl = 16>],
                updates = [#kapla.update<step = [C = 4]>,
                           #kapla.update<step = [K = 24]>,
                           #kapla.update<step = [N = 64]>]>>}
      ins(%in, %w : tensor<64x8x19x19xf32>, tensor<48x8x5x5xf32>)
      outs(%init : tensor<64x48x15x15xf32>) -> tensor<64x48x15x15xf32>
    return %0 : tensor<64x48x15x15xf32>
  }
}
