// RUN: kapla-opt %s --kapla-materialize --canonicalize --cse | FileCheck %s
// RUN: kapla-opt %s --kapla-materialize --kapla-verify-dataflow -o /dev/null
//
// Hand-worked nests. @fc on 2 nodes: GBUF tiles of 8x8 inputs and 8x3
// outputs, two nodes side by side along K (3 each: 6 per step), C moved by
// 8 (2 steps), K by 6 (2 steps); in a node the REGF tile of 2x1 inputs and
// 2x3 outputs sits on 4 PEs along N (8 rows), C moved by 1 (8 steps).
// Outermost first: for K (12 by 6), for C (16 by 8), forall over the 2
// nodes (K 6 by 3), for C (8 by 1), forall over the 4 PEs (N 8 by 2), a
// 2x1 by 1x3 matmul.
//
// CHECK-LABEL: func.func @fc
// CHECK-DAG:     %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C12]] step %[[C6]]
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[C16]] step %[[C8]]
// CHECK:             scf.forall (%{{.*}}) in (2)
// CHECK:               scf.for %{{.*}} = %{{.*}} to %[[C8]] step %[[C1]]
// CHECK:                 scf.forall (%{{.*}}) in (4)
// CHECK:                   linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x1xf32>, tensor<1x3xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK-NOT:               kapla.
// CHECK:                 } {mapping = [#kapla.pe<0>]}
// CHECK:             } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
// CHECK:         } {kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>, kapla.dataflow = #kapla.dataflow<{{.*}}>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"}
//
// @fc_relu is @fc with a ReLU after it: the ReLU is fused into the K loop,
// after the loop over C (where a tile of the output is a finished sum), not
// deeper; the nest yields both.
//
// CHECK-LABEL: func.func @fc_relu
// CHECK:         %[[NEST:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %c12 step %c6 iter_args
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %c16 step %c8
// CHECK:             linalg.matmul
// CHECK:           linalg.generic {{.*}} ins(%[[SUM]] : tensor<8x6xf32>)
// CHECK:             arith.maximumf
// CHECK:         } {kapla.constraint
// CHECK:         return %[[NEST]]#1
//
// @fc_relu_nodes splits K over 4 nodes (3 each) and keeps all of C in each
// GBUF, so it has no GBUF loop: its nest starts with the node forall, and
// the ReLU goes into it, after the REGF loop over C, on each node's 8x3
// tile.
//
// CHECK-LABEL: func.func @fc_relu_nodes
// CHECK:         %[[NEST:.*]] = scf.forall (%{{.*}}) in (4) shared_outs
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %c16 step %c1
// CHECK:             linalg.matmul
// CHECK:           linalg.generic {{.*}} ins(%[[SUM]] : tensor<8x3xf32>)
// CHECK:             arith.maximumf
// CHECK:           scf.forall.in_parallel
// CHECK:         } {kapla.constraint
// CHECK:         return %[[NEST]] :
//
// @fc_relu_pes: K over 2 nodes (3 each) moved by 6, and in a node N over 4
// PEs (1 each) moved by 4, every PE holding all 4 input channels: no loop of
// the nest runs over C, so each PE's 1x3 tile is final where it is computed,
// and the ReLU goes all the way in, one tiling at a time: into the K loop,
// the node forall, the N loop and the PE forall, after the matmul.
//
// CHECK-LABEL: func.func @fc_relu_pes
// CHECK:         %[[NEST:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %c12 step %c6 iter_args
// CHECK:           scf.forall (%{{.*}}) in (2) shared_outs
// CHECK:             scf.for %{{.*}} = %{{.*}} to %c8 step %c4 iter_args
// CHECK:               scf.forall (%{{.*}}) in (4) shared_outs
// CHECK:                 %[[TILE:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x4xf32>, tensor<4x3xf32>)
// CHECK:                 linalg.generic {{.*}} ins(%[[TILE]] : tensor<1x3xf32>)
// CHECK:                   arith.maximumf
// CHECK:                 scf.forall.in_parallel
// CHECK:               } {mapping = [#kapla.pe<0>]}
// CHECK:           } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
// CHECK:         } {kapla.constraint
// CHECK:         return %[[NEST]]#1
//
// @conv on a row-stationary PE array: 4 PEs along output rows times 3
// along filter rows, each with one filter row (1x3) and one 3-wide input
// row; Wo moved by 1 (4 steps), then C (2), then K (2). The filter rows
// are a reduction: their forall computes 3 partial sums, a linalg.reduce
// adds them.
//
// CHECK-LABEL: func.func @conv
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[K2:.*]] step %[[K1:.*]] iter_args
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[K2]] step %[[K1]] iter_args
// CHECK:             scf.for %{{.*}} = %{{.*}} to %[[K4:.*]] step %[[K1]] iter_args
// CHECK:               scf.forall (%{{.*}}) in (4)
// CHECK:                 linalg.fill {{.*}} -> tensor<1x1x1x1x3xf32>
// CHECK:                 scf.forall (%{{.*}}) in (3)
// CHECK:                   linalg.conv_2d_nchw_fchw ins(%{{.*}}, %{{.*}} : tensor<1x1x1x3xf32>, tensor<1x1x1x3xf32>) outs(%{{.*}} : tensor<1x1x1x1xf32>)
// CHECK:                 } {mapping = [#kapla.pe<1>]}
// CHECK:                 linalg.reduce ins(%{{.*}} : tensor<1x1x1x1x3xf32>) outs(%{{.*}} : tensor<1x1x1x1xf32>) dimensions = [4]
// CHECK:               } {mapping = [#kapla.pe<0>]}
// CHECK:         } {kapla.dataflow = {{.*}}, kapla.name = "conv"}

module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @fc(%x: tensor<8x16xf32>, %w: tensor<16x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %0 = linalg.matmul {kapla.name = "fc",
      kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.weights = array<i64: 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [N = 2], repl = 4>],
                updates = [#kapla.update<step = [C = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [K = 3], repl = 2>],
                updates = [#kapla.update<step = [C = 8]>,
                           #kapla.update<step = [K = 6]>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x12xf32>) outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
    return %0 : tensor<8x12xf32>
  }
  func.func @fc_relu(%x: tensor<8x16xf32>, %w: tensor<16x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %0 = linalg.matmul {kapla.name = "fc_relu",
      kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.weights = array<i64: 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [N = 2], repl = 4>],
                updates = [#kapla.update<step = [C = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [K = 3], repl = 2>],
                updates = [#kapla.update<step = [C = 8]>,
                           #kapla.update<step = [K = 6]>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x12xf32>) outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
    %e = tensor.empty() : tensor<8x12xf32>
    %zero = arith.constant 0.0 : f32
    %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
           ins(%0 : tensor<8x12xf32>) outs(%e : tensor<8x12xf32>) {
    ^bb0(%u: f32, %o: f32):
      %m = arith.maximumf %u, %zero : f32
      linalg.yield %m : f32
    } -> tensor<8x12xf32>
    return %1 : tensor<8x12xf32>
  }
  func.func @fc_relu_nodes(%x: tensor<8x16xf32>, %w: tensor<16x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %0 = linalg.matmul {kapla.name = "fc_relu_nodes",
      kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.weights = array<i64: 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [N = 2], repl = 4>],
                updates = [#kapla.update<step = [C = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 16, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 16, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [K = 3], repl = 4>]>>}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x12xf32>) outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
    %e = tensor.empty() : tensor<8x12xf32>
    %zero = arith.constant 0.0 : f32
    %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
           ins(%0 : tensor<8x12xf32>) outs(%e : tensor<8x12xf32>) {
    ^bb0(%u: f32, %o: f32):
      %m = arith.maximumf %u, %zero : f32
      linalg.yield %m : f32
    } -> tensor<8x12xf32>
    return %1 : tensor<8x12xf32>
  }
  func.func @fc_relu_pes(%x: tensor<8x4xf32>, %w: tensor<4x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %0 = linalg.matmul {kapla.name = "fc_relu_pes",
      kapla.layer = #kapla.layer<fc, N = 8, C = 4, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.weights = array<i64: 1>,
      kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 4, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 4, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 1, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [N = 1], repl = 4>],
                updates = [#kapla.update<step = [N = 4]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 4, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [C = 4, K = 3, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [K = 3], repl = 2>],
                updates = [#kapla.update<step = [K = 6]>]>>}
      ins(%x, %w : tensor<8x4xf32>, tensor<4x12xf32>) outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
    %e = tensor.empty() : tensor<8x12xf32>
    %zero = arith.constant 0.0 : f32
    %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
           ins(%0 : tensor<8x12xf32>) outs(%e : tensor<8x12xf32>) {
    ^bb0(%u: f32, %o: f32):
      %m = arith.maximumf %u, %zero : f32
      linalg.yield %m : f32
    } -> tensor<8x12xf32>
    return %1 : tensor<8x12xf32>
  }
  func.func @conv(%x: tensor<1x2x6x6xf32>, %w: tensor<2x2x3x3xf32>, %init: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %0 = linalg.conv_2d_nchw_fchw {kapla.name = "conv",
      kapla.layer = #kapla.layer<conv, N = 1, C = 2, K = 2, Ho = 4, Wo = 4, R = 3, S = 3>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1, Hi = 1, Wi = 3]>,
                           #kapla.tensor<W, size = [K = 1, C = 1, R = 1, S = 3]>,
                           #kapla.tensor<O, size = [N = 1, K = 1, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [Ho = 1, Hi = 1], repl = 4>,
                          #kapla.stack<shift = [R = 1, Hi = 1], repl = 3>],
                updates = [#kapla.update<step = [Wo = 1, Wi = 1]>,
                           #kapla.update<step = [C = 1]>,
                           #kapla.update<step = [K = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 6, Wi = 6]>,
                           #kapla.tensor<W, size = [K = 2, C = 2, R = 3, S = 3]>,
                           #kapla.tensor<O, size = [N = 1, K = 2, Ho = 4, Wo = 4]>]>>}
      ins(%x, %w : tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    return %0 : tensor<1x2x4x4xf32>
  }
}
