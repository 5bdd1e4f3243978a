// Two branches in one spatial segment on multi-node-4x4 that hands the batch
// of 8 over in 2 groups: fc_a with its ReLU, and fc_b0 then fc_b1, both
// reading the segment's input; the segment yields the ReLU and fc_b1.
// segment.test, run.test and emit-transform.test solve its layers
// (kapla-solve-layers): one batch-group loop holds both branches.
#id = affine_map<(i, j) -> (i, j)>
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<8x16xf32>) -> (tensor<8x12xf32>, tensor<8x12xf32>) {
    %zero = arith.constant 0.0 : f32
    %wa = arith.constant dense<0.25> : tensor<16x12xf32>
    %wb0 = arith.constant dense<-0.125> : tensor<16x20xf32>
    %wb1 = arith.constant dense<0.5> : tensor<20x12xf32>
    %ea = tensor.empty() : tensor<8x12xf32>
    %fa = linalg.fill ins(%zero : f32) outs(%ea : tensor<8x12xf32>) -> tensor<8x12xf32>
    %er = tensor.empty() : tensor<8x12xf32>
    %eb0 = tensor.empty() : tensor<8x20xf32>
    %fb0 = linalg.fill ins(%zero : f32) outs(%eb0 : tensor<8x20xf32>) -> tensor<8x20xf32>
    %eb1 = tensor.empty() : tensor<8x12xf32>
    %fb1 = linalg.fill ins(%zero : f32) outs(%eb1 : tensor<8x12xf32>) -> tensor<8x12xf32>
    %s:2 = kapla.segment 0 pipeline spatial -> tensor<8x12xf32>, tensor<8x12xf32> {
      %a = linalg.matmul {kapla.name = "fc_a", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2>}
             ins(%x, %wa : tensor<8x16xf32>, tensor<16x12xf32>) outs(%fa : tensor<8x12xf32>) -> tensor<8x12xf32>
      %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
             ins(%a : tensor<8x12xf32>) outs(%er : tensor<8x12xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<8x12xf32>
      %b0 = linalg.matmul {kapla.name = "fc_b0", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 20, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %wb0 : tensor<8x16xf32>, tensor<16x20xf32>) outs(%fb0 : tensor<8x20xf32>) -> tensor<8x20xf32>
      %b1 = linalg.matmul {kapla.name = "fc_b1", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 20, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 2, input_on_chip = true>}
             ins(%b0, %wb1 : tensor<8x20xf32>, tensor<20x12xf32>) outs(%fb1 : tensor<8x12xf32>) -> tensor<8x12xf32>
      kapla.yield %r, %b1 : tensor<8x12xf32>, tensor<8x12xf32>
    }
    return %s#0, %s#1 : tensor<8x12xf32>, tensor<8x12xf32>
  }
}
