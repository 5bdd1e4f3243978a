// RUN: kapla-opt %s --split-input-file --kapla-verify-dataflow --verify-diagnostics

// kapla-verify-dataflow reads materialised nests back. Each case is the
// nest kapla-materialize makes of @fc in materialize.mlir (K by 6 twice, C
// by 8 twice, 2 nodes along K, C by 1 eight times, 4 PEs along N), with one
// thing changed.

// K moved by 4: three iterations where the GBUF update runs two.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @fc(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c0 = arith.constant 0 : index
    %c12 = arith.constant 12 : index
    %c6 = arith.constant 6 : index
    %c4 = arith.constant 4 : index
    // expected-error @+1 {{materialised nest: the gbuf update #1 runs 2 times, the loops here run 3 times}}
    %0 = scf.for %arg3 = %c0 to %c12 step %c4 iter_args(%arg4 = %arg2) -> (tensor<8x12xf32>) {
      %extracted_slice = tensor.extract_slice %arg1[0, %arg3] [16, 6] [1, 1] : tensor<16x12xf32> to tensor<16x6xf32>
      %extracted_slice_0 = tensor.extract_slice %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
      %1 = scf.for %arg5 = %c0 to %c16 step %c8 iter_args(%arg6 = %extracted_slice_0) -> (tensor<8x6xf32>) {
        %extracted_slice_1 = tensor.extract_slice %arg0[0, %arg5] [8, 8] [1, 1] : tensor<8x16xf32> to tensor<8x8xf32>
        %extracted_slice_2 = tensor.extract_slice %extracted_slice[%arg5, 0] [8, 6] [1, 1] : tensor<16x6xf32> to tensor<8x6xf32>
        %2 = scf.forall (%arg7) = (0) to (6) step (3) shared_outs(%arg8 = %arg6) -> (tensor<8x6xf32>) {
          %extracted_slice_3 = tensor.extract_slice %extracted_slice_2[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %extracted_slice_4 = tensor.extract_slice %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %3 = scf.for %arg9 = %c0 to %c8 step %c1 iter_args(%arg10 = %extracted_slice_4) -> (tensor<8x3xf32>) {
            %extracted_slice_5 = tensor.extract_slice %extracted_slice_1[0, %arg9] [8, 1] [1, 1] : tensor<8x8xf32> to tensor<8x1xf32>
            %extracted_slice_6 = tensor.extract_slice %extracted_slice_3[%arg9, 0] [1, 3] [1, 1] : tensor<8x3xf32> to tensor<1x3xf32>
            %4 = scf.forall (%arg11) = (0) to (8) step (2) shared_outs(%arg12 = %arg10) -> (tensor<8x3xf32>) {
              %extracted_slice_7 = tensor.extract_slice %extracted_slice_5[%arg11, 0] [2, 1] [1, 1] : tensor<8x1xf32> to tensor<2x1xf32>
              %extracted_slice_8 = tensor.extract_slice %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
              %5 = linalg.matmul ins(%extracted_slice_7, %extracted_slice_6 : tensor<2x1xf32>, tensor<1x3xf32>) outs(%extracted_slice_8 : tensor<2x3xf32>) -> tensor<2x3xf32>
              scf.forall.in_parallel {
                tensor.parallel_insert_slice %5 into %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<8x3xf32>
              }
            } {mapping = [#kapla.pe<0>]}
            scf.yield %4 : tensor<8x3xf32>
          }
          scf.forall.in_parallel {
            tensor.parallel_insert_slice %3 into %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x3xf32> into tensor<8x6xf32>
          }
        } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
        scf.yield %2 : tensor<8x6xf32>
      }
      %inserted_slice = tensor.insert_slice %1 into %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x6xf32> into tensor<8x12xf32>
      scf.yield %inserted_slice : tensor<8x12xf32>
    } {kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>, kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 4>], updates = [#kapla.update<step = [C = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 3], repl = 2>], updates = [#kapla.update<step = [C = 8]>, #kapla.update<step = [K = 6]>]>>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"}
    return %0 : tensor<8x12xf32>
  }
}

// -----

// The PE forall mapped to REGF stack #1, which the directives do not have.

module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @fc(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c0 = arith.constant 0 : index
    %c12 = arith.constant 12 : index
    %c6 = arith.constant 6 : index
    %0 = scf.for %arg3 = %c0 to %c12 step %c6 iter_args(%arg4 = %arg2) -> (tensor<8x12xf32>) {
      %extracted_slice = tensor.extract_slice %arg1[0, %arg3] [16, 6] [1, 1] : tensor<16x12xf32> to tensor<16x6xf32>
      %extracted_slice_0 = tensor.extract_slice %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
      %1 = scf.for %arg5 = %c0 to %c16 step %c8 iter_args(%arg6 = %extracted_slice_0) -> (tensor<8x6xf32>) {
        %extracted_slice_1 = tensor.extract_slice %arg0[0, %arg5] [8, 8] [1, 1] : tensor<8x16xf32> to tensor<8x8xf32>
        %extracted_slice_2 = tensor.extract_slice %extracted_slice[%arg5, 0] [8, 6] [1, 1] : tensor<16x6xf32> to tensor<8x6xf32>
        %2 = scf.forall (%arg7) = (0) to (6) step (3) shared_outs(%arg8 = %arg6) -> (tensor<8x6xf32>) {
          %extracted_slice_3 = tensor.extract_slice %extracted_slice_2[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %extracted_slice_4 = tensor.extract_slice %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %3 = scf.for %arg9 = %c0 to %c8 step %c1 iter_args(%arg10 = %extracted_slice_4) -> (tensor<8x3xf32>) {
            %extracted_slice_5 = tensor.extract_slice %extracted_slice_1[0, %arg9] [8, 1] [1, 1] : tensor<8x8xf32> to tensor<8x1xf32>
            %extracted_slice_6 = tensor.extract_slice %extracted_slice_3[%arg9, 0] [1, 3] [1, 1] : tensor<8x3xf32> to tensor<1x3xf32>
            // expected-error @+1 {{materialised nest: the regf stack #0 holds 4 positions, its loops run 0 times}}
            %4 = scf.forall (%arg11) = (0) to (8) step (2) shared_outs(%arg12 = %arg10) -> (tensor<8x3xf32>) {
              %extracted_slice_7 = tensor.extract_slice %extracted_slice_5[%arg11, 0] [2, 1] [1, 1] : tensor<8x1xf32> to tensor<2x1xf32>
              %extracted_slice_8 = tensor.extract_slice %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
              %5 = linalg.matmul ins(%extracted_slice_7, %extracted_slice_6 : tensor<2x1xf32>, tensor<1x3xf32>) outs(%extracted_slice_8 : tensor<2x3xf32>) -> tensor<2x3xf32>
              scf.forall.in_parallel {
                tensor.parallel_insert_slice %5 into %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<8x3xf32>
              }
            } {mapping = [#kapla.pe<1>]}
            scf.yield %4 : tensor<8x3xf32>
          }
          scf.forall.in_parallel {
            tensor.parallel_insert_slice %3 into %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x3xf32> into tensor<8x6xf32>
          }
        } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
        scf.yield %2 : tensor<8x6xf32>
      }
      %inserted_slice = tensor.insert_slice %1 into %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x6xf32> into tensor<8x12xf32>
      scf.yield %inserted_slice : tensor<8x12xf32>
    } {kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>, kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 4>], updates = [#kapla.update<step = [C = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 3], repl = 2>], updates = [#kapla.update<step = [C = 8]>, #kapla.update<step = [K = 6]>]>>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"}
    return %0 : tensor<8x12xf32>
  }
}

// -----

// C moved by 16: the GBUF update of C runs once, not twice.

module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @fc(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c0 = arith.constant 0 : index
    %c12 = arith.constant 12 : index
    %c6 = arith.constant 6 : index
    %0 = scf.for %arg3 = %c0 to %c12 step %c6 iter_args(%arg4 = %arg2) -> (tensor<8x12xf32>) {
      %extracted_slice = tensor.extract_slice %arg1[0, %arg3] [16, 6] [1, 1] : tensor<16x12xf32> to tensor<16x6xf32>
      %extracted_slice_0 = tensor.extract_slice %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
      %1 = scf.for %arg5 = %c0 to %c16 step %c16 iter_args(%arg6 = %extracted_slice_0) -> (tensor<8x6xf32>) {
        %extracted_slice_1 = tensor.extract_slice %arg0[0, %arg5] [8, 8] [1, 1] : tensor<8x16xf32> to tensor<8x8xf32>
        %extracted_slice_2 = tensor.extract_slice %extracted_slice[%arg5, 0] [8, 6] [1, 1] : tensor<16x6xf32> to tensor<8x6xf32>
        // expected-error @+1 {{materialised nest: the gbuf update #0 runs 2 times, the loops here run 1 time}}
        %2 = scf.forall (%arg7) = (0) to (6) step (3) shared_outs(%arg8 = %arg6) -> (tensor<8x6xf32>) {
          %extracted_slice_3 = tensor.extract_slice %extracted_slice_2[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %extracted_slice_4 = tensor.extract_slice %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %3 = scf.for %arg9 = %c0 to %c8 step %c1 iter_args(%arg10 = %extracted_slice_4) -> (tensor<8x3xf32>) {
            %extracted_slice_5 = tensor.extract_slice %extracted_slice_1[0, %arg9] [8, 1] [1, 1] : tensor<8x8xf32> to tensor<8x1xf32>
            %extracted_slice_6 = tensor.extract_slice %extracted_slice_3[%arg9, 0] [1, 3] [1, 1] : tensor<8x3xf32> to tensor<1x3xf32>
            %4 = scf.forall (%arg11) = (0) to (8) step (2) shared_outs(%arg12 = %arg10) -> (tensor<8x3xf32>) {
              %extracted_slice_7 = tensor.extract_slice %extracted_slice_5[%arg11, 0] [2, 1] [1, 1] : tensor<8x1xf32> to tensor<2x1xf32>
              %extracted_slice_8 = tensor.extract_slice %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
              %5 = linalg.matmul ins(%extracted_slice_7, %extracted_slice_6 : tensor<2x1xf32>, tensor<1x3xf32>) outs(%extracted_slice_8 : tensor<2x3xf32>) -> tensor<2x3xf32>
              scf.forall.in_parallel {
                tensor.parallel_insert_slice %5 into %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<8x3xf32>
              }
            } {mapping = [#kapla.pe<0>]}
            scf.yield %4 : tensor<8x3xf32>
          }
          scf.forall.in_parallel {
            tensor.parallel_insert_slice %3 into %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x3xf32> into tensor<8x6xf32>
          }
        } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
        scf.yield %2 : tensor<8x6xf32>
      }
      %inserted_slice = tensor.insert_slice %1 into %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x6xf32> into tensor<8x12xf32>
      scf.yield %inserted_slice : tensor<8x12xf32>
    } {kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>, kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 4>], updates = [#kapla.update<step = [C = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 3], repl = 2>], updates = [#kapla.update<step = [C = 8]>, #kapla.update<step = [K = 6]>]>>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"}
    return %0 : tensor<8x12xf32>
  }
}

// -----

// The REGF update over C (a reduction) as a forall: its iterations would
// all write the same 8x3 tile of the output (the race kapla-materialize
// made of a stack over the rows of a batched matmul's weight gradient).
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @fc(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c0 = arith.constant 0 : index
    %c12 = arith.constant 12 : index
    %c6 = arith.constant 6 : index
    %c4 = arith.constant 4 : index
    %0 = scf.for %arg3 = %c0 to %c12 step %c6 iter_args(%arg4 = %arg2) -> (tensor<8x12xf32>) {
      %extracted_slice = tensor.extract_slice %arg1[0, %arg3] [16, 6] [1, 1] : tensor<16x12xf32> to tensor<16x6xf32>
      %extracted_slice_0 = tensor.extract_slice %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
      %1 = scf.for %arg5 = %c0 to %c16 step %c8 iter_args(%arg6 = %extracted_slice_0) -> (tensor<8x6xf32>) {
        %extracted_slice_1 = tensor.extract_slice %arg0[0, %arg5] [8, 8] [1, 1] : tensor<8x16xf32> to tensor<8x8xf32>
        %extracted_slice_2 = tensor.extract_slice %extracted_slice[%arg5, 0] [8, 6] [1, 1] : tensor<16x6xf32> to tensor<8x6xf32>
        %2 = scf.forall (%arg7) = (0) to (6) step (3) shared_outs(%arg8 = %arg6) -> (tensor<8x6xf32>) {
          %extracted_slice_3 = tensor.extract_slice %extracted_slice_2[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          %extracted_slice_4 = tensor.extract_slice %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x6xf32> to tensor<8x3xf32>
          // expected-error @+1 {{materialised nest: the iterations of the scf.forall write the same part of its result along its loop #0 (a reduction run as parallel positions)}}
          %3 = scf.forall (%arg9) = (0) to (8) step (1) shared_outs(%arg10 = %extracted_slice_4) -> (tensor<8x3xf32>) {
            %extracted_slice_5 = tensor.extract_slice %extracted_slice_1[0, %arg9] [8, 1] [1, 1] : tensor<8x8xf32> to tensor<8x1xf32>
            %extracted_slice_6 = tensor.extract_slice %extracted_slice_3[%arg9, 0] [1, 3] [1, 1] : tensor<8x3xf32> to tensor<1x3xf32>
            %4 = scf.forall (%arg11) = (0) to (8) step (2) shared_outs(%arg12 = %arg10) -> (tensor<8x3xf32>) {
              %extracted_slice_7 = tensor.extract_slice %extracted_slice_5[%arg11, 0] [2, 1] [1, 1] : tensor<8x1xf32> to tensor<2x1xf32>
              %extracted_slice_8 = tensor.extract_slice %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
              %5 = linalg.matmul ins(%extracted_slice_7, %extracted_slice_6 : tensor<2x1xf32>, tensor<1x3xf32>) outs(%extracted_slice_8 : tensor<2x3xf32>) -> tensor<2x3xf32>
              scf.forall.in_parallel {
                tensor.parallel_insert_slice %5 into %arg12[%arg11, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<8x3xf32>
              }
            } {mapping = [#kapla.pe<0>]}
            scf.forall.in_parallel {
              tensor.parallel_insert_slice %4 into %arg10[0, 0] [8, 3] [1, 1] : tensor<8x3xf32> into tensor<8x3xf32>
            }
          }
          scf.forall.in_parallel {
            tensor.parallel_insert_slice %3 into %arg8[0, %arg7] [8, 3] [1, 1] : tensor<8x3xf32> into tensor<8x6xf32>
          }
        } {mapping = [#kapla.node<0, region = [0, 0, 2, 1]>]}
        scf.yield %2 : tensor<8x6xf32>
      }
      %inserted_slice = tensor.insert_slice %1 into %arg4[0, %arg3] [8, 6] [1, 1] : tensor<8x6xf32> into tensor<8x12xf32>
      scf.yield %inserted_slice : tensor<8x12xf32>
    } {kapla.constraint = #kapla.constraint<region = [0, 0, 2, 1]>, kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 1, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [N = 2], repl = 4>], updates = [#kapla.update<step = [C = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 8, C = 8, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 8, K = 3, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 8, K = 3, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 3], repl = 2>], updates = [#kapla.update<step = [C = 8]>, #kapla.update<step = [K = 6]>]>>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"}
    return %0 : tensor<8x12xf32>
  }
}

