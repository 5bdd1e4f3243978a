// A region outside the node array is refused by the cost model, also when
// the module names no architecture (the default, multi-node-16x16, is used
// and the verifier has nothing to check the region against).
// RUN: kapla-opt %s -kapla-estimate-cost -verify-diagnostics -o /dev/null

module {
  func.func @net(%arg0: tensor<2x8xf32>) -> tensor<2x4xf32> {
    %cst = arith.constant dense<5.000000e-01> : tensor<8x4xf32>
    %0 = tensor.empty() : tensor<2x4xf32>
    %1 = kapla.segment 0 pipeline none -> tensor<2x4xf32> {
      // expected-error @+1 {{invalid dataflow: region [10, 10, 16, 16] exceeds the 16 x 16 node array}}
      %2 = linalg.matmul {kapla.constraint = #kapla.constraint<region = [10, 10, 16, 16]>, kapla.dataflow = #kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 1, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 1, K = 1, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 1, K = 1, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [K = 1], repl = 4>, #kapla.stack<shift = [N = 1], repl = 2>], updates = [#kapla.update<step = [C = 1]>]>, gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 2, Hi = 1, Wi = 1]>, #kapla.tensor<W, size = [C = 2, K = 4, R = 1, S = 1]>, #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>], stacks = [#kapla.stack<shift = [C = 2], repl = 4>]>>, kapla.layer = #kapla.layer<fc, N = 2, C = 8, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc_0", kapla.weights = array<i64: 1>} ins(%arg0, %cst : tensor<2x8xf32>, tensor<8x4xf32>) outs(%0 : tensor<2x4xf32>) -> tensor<2x4xf32>
      kapla.yield %2 : tensor<2x4xf32>
    }
    return %1 : tensor<2x4xf32>
  }
}

