// A residual block with a projection on its shortcut, written as a temporal
// segment on multi-node-4x4 that hands the batch of 8 over in 2 groups:
// fc_m0 and fc_m1 on the main path, then fc_s on the shortcut, then their
// sum, which reads the shortcut first. Fusing the sum's producers into its
// batch-group loop puts each in front of the slice the sum takes of it, so
// fc_s came out first; the GBUF words each layer leaves to its dataflow
// depend on the forwarded data held while it runs, so kapla-materialize puts
// the layers back in the segment's order. segment.test and run.test solve
// the layers (kapla-solve-layers).
#id = affine_map<(i, j) -> (i, j)>
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<8x16xf32>) -> tensor<8x12xf32> {
    %zero = arith.constant 0.0 : f32
    %w0 = arith.constant dense<0.125> : tensor<16x20xf32>
    %w1 = arith.constant dense<-0.25> : tensor<20x12xf32>
    %ws = arith.constant dense<0.5> : tensor<16x12xf32>
    %e0 = tensor.empty() : tensor<8x20xf32>
    %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x20xf32>) -> tensor<8x20xf32>
    %e1 = tensor.empty() : tensor<8x12xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x12xf32>) -> tensor<8x12xf32>
    %es = tensor.empty() : tensor<8x12xf32>
    %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<8x12xf32>) -> tensor<8x12xf32>
    %ea = tensor.empty() : tensor<8x12xf32>
    %s = kapla.segment 0 pipeline temporal -> tensor<8x12xf32> {
      %m0 = linalg.matmul {kapla.name = "fc_m0", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 20, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 2, output_on_chip = true>}
             ins(%x, %w0 : tensor<8x16xf32>, tensor<16x20xf32>) outs(%f0 : tensor<8x20xf32>) -> tensor<8x20xf32>
      %m1 = linalg.matmul {kapla.name = "fc_m1", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 20, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 2, input_on_chip = true, output_on_chip = true>}
             ins(%m0, %w1 : tensor<8x20xf32>, tensor<20x12xf32>) outs(%f1 : tensor<8x12xf32>) -> tensor<8x12xf32>
      %sc = linalg.matmul {kapla.name = "fc_s", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 2, output_on_chip = true>}
             ins(%x, %ws : tensor<8x16xf32>, tensor<16x12xf32>) outs(%fs : tensor<8x12xf32>) -> tensor<8x12xf32>
      %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
             ins(%sc, %m1 : tensor<8x12xf32>, tensor<8x12xf32>) outs(%ea : tensor<8x12xf32>)
             attrs = {kapla.name = "add", kapla.weights = array<i64>, kapla.layer = #kapla.layer<eltwise, N = 8, C = 12, K = 12, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2>,
                      kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 2, input_on_chip = true>} {
      ^bb0(%u: f32, %v: f32, %o: f32):
        %y = arith.addf %u, %v : f32
        linalg.yield %y : f32
      } -> tensor<8x12xf32>
      kapla.yield %a : tensor<8x12xf32>
    }
    return %s : tensor<8x12xf32>
  }
}
