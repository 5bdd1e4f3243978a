// A layer that two branches of a spatial segment read, as an inception
// module's input: fc_s, then fc_a and fc_b, each reading fc_s's output, on
// multi-node-4x4 with the batch of 8 handed over in 2 groups. Each
// branch's loop takes the same slice of it per group: once the branches'
// loops are one, that slice is fused once, so fc_s runs in the loop as
// well, before both. segment.test, run.test and
// emit-transform.test solve the layers (kapla-solve-layers).
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<8x16xf32>) -> (tensor<8x12xf32>, tensor<8x12xf32>) {
    %zero = arith.constant 0.0 : f32
    %ws = arith.constant dense<0.125> : tensor<16x10xf32>
    %wa = arith.constant dense<-0.25> : tensor<10x12xf32>
    %wb = arith.constant dense<0.5> : tensor<10x12xf32>
    %es = tensor.empty() : tensor<8x10xf32>
    %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<8x10xf32>) -> tensor<8x10xf32>
    %ea = tensor.empty() : tensor<8x12xf32>
    %fa = linalg.fill ins(%zero : f32) outs(%ea : tensor<8x12xf32>) -> tensor<8x12xf32>
    %eb = tensor.empty() : tensor<8x12xf32>
    %fb = linalg.fill ins(%zero : f32) outs(%eb : tensor<8x12xf32>) -> tensor<8x12xf32>
    %r:2 = kapla.segment 0 pipeline spatial -> tensor<8x12xf32>, tensor<8x12xf32> {
      %s = linalg.matmul {kapla.name = "fc_s", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 10, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %ws : tensor<8x16xf32>, tensor<16x10xf32>) outs(%fs : tensor<8x10xf32>) -> tensor<8x10xf32>
      %a = linalg.matmul {kapla.name = "fc_a", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 10, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true>}
             ins(%s, %wa : tensor<8x10xf32>, tensor<10x12xf32>) outs(%fa : tensor<8x12xf32>) -> tensor<8x12xf32>
      %b = linalg.matmul {kapla.name = "fc_b", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 10, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 2, input_on_chip = true>}
             ins(%s, %wb : tensor<8x10xf32>, tensor<10x12xf32>) outs(%fb : tensor<8x12xf32>) -> tensor<8x12xf32>
      kapla.yield %a, %b : tensor<8x12xf32>, tensor<8x12xf32>
    }
    return %r#0, %r#1 : tensor<8x12xf32>, tensor<8x12xf32>
  }
}
