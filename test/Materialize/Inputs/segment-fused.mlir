// Two spatial segments on multi-node-4x4 that hand the batch over in 2
// groups and yield only their last layer's output, so that upstream
// transform ops can build their batch-group loops (emit-transform.test):
// @chain is FC, ReLU, FC, FC; @residual is FC, ReLU, FC and the sum of the
// second FC and the ReLU's output, which two layers read (and whose output
// tensor the ReLU shares with the sum).
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @chain(%x: tensor<8x16xf32>, %w0: tensor<16x16xf32>, %w1: tensor<16x20xf32>, %w2: tensor<20x12xf32>) -> tensor<8x12xf32> {
    %zero = arith.constant 0.0 : f32
    %e0 = tensor.empty() : tensor<8x16xf32>
    %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %e1 = tensor.empty() : tensor<8x20xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x20xf32>) -> tensor<8x20xf32>
    %e2 = tensor.empty() : tensor<8x12xf32>
    %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x12xf32>) -> tensor<8x12xf32>
    %s = kapla.segment 0 pipeline spatial -> tensor<8x12xf32> {
      %a = linalg.matmul {kapla.name = "fc0", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %w0 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%f0 : tensor<8x16xf32>) -> tensor<8x16xf32>
      %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
             ins(%a : tensor<8x16xf32>) outs(%e0 : tensor<8x16xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<8x16xf32>
      %b = linalg.matmul {kapla.name = "fc1", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 20, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true, output_on_chip = true>}
             ins(%r, %w1 : tensor<8x16xf32>, tensor<16x20xf32>) outs(%f1 : tensor<8x20xf32>) -> tensor<8x20xf32>
      %c = linalg.matmul {kapla.name = "fc2", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 20, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 2, input_on_chip = true>}
             ins(%b, %w2 : tensor<8x20xf32>, tensor<20x12xf32>) outs(%f2 : tensor<8x12xf32>) -> tensor<8x12xf32>
      kapla.yield %c : tensor<8x12xf32>
    }
    return %s : tensor<8x12xf32>
  }

  func.func @residual(%x: tensor<8x16xf32>, %w0: tensor<16x16xf32>, %w1: tensor<16x16xf32>) -> tensor<8x16xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<8x16xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
    %s = kapla.segment 0 pipeline spatial -> tensor<8x16xf32> {
      %a = linalg.matmul {kapla.name = "res_fc0", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %w0 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
      %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
             ins(%a : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<8x16xf32>
      %b = linalg.matmul {kapla.name = "res_fc1", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true, output_on_chip = true>}
             ins(%r, %w1 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
      %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
             ins(%b, %r : tensor<8x16xf32>, tensor<8x16xf32>) outs(%e : tensor<8x16xf32>)
             attrs = {kapla.name = "res_add", kapla.weights = array<i64>, kapla.layer = #kapla.layer<eltwise, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2>,
                      kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 2, input_on_chip = true>} {
      ^bb0(%u: f32, %v: f32, %o: f32):
        %y = arith.addf %u, %v : f32
        linalg.yield %y : f32
      } -> tensor<8x16xf32>
      kapla.yield %c : tensor<8x16xf32>
    }
    return %s : tensor<8x16xf32>
  }
}
