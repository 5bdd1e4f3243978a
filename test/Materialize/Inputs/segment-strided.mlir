// A 1x1 convolution, its ReLU, and a 1x1 convolution of stride 2 that reads
// rows and cols 0 to 6 of the ReLU's 8, in a spatial segment on
// multi-node-4x4 that hands the batch of 4 over in 2 groups; the segment
// yields the ReLU's output too. The loop computes conv0 and the ReLU for
// whole groups (all 8 rows: conv0's nest is for them, and the yielded value
// needs them) and cuts the 7 rows conv1 reads from each group: one loop
// holds both layers. segment.test and run.test solve its layers
// (kapla-solve-layers).
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<4x3x8x8xf32>) -> (tensor<4x6x8x8xf32>, tensor<4x4x4x4xf32>) {
    %zero = arith.constant 0.0 : f32
    %w0 = arith.constant dense<0.125> : tensor<6x3x1x1xf32>
    %w1 = arith.constant dense<-0.25> : tensor<4x6x1x1xf32>
    %ea = tensor.empty() : tensor<4x6x8x8xf32>
    %fa = linalg.fill ins(%zero : f32) outs(%ea : tensor<4x6x8x8xf32>) -> tensor<4x6x8x8xf32>
    %eb = tensor.empty() : tensor<4x4x4x4xf32>
    %fb = linalg.fill ins(%zero : f32) outs(%eb : tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32>
    %s:2 = kapla.segment 0 pipeline spatial -> tensor<4x6x8x8xf32>, tensor<4x4x4x4xf32> {
      %a = linalg.conv_2d_nchw_fchw {kapla.name = "conv0", kapla.weights = array<i64: 1>,
             kapla.layer = #kapla.layer<conv, N = 4, C = 3, K = 6, Ho = 8, Wo = 8, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %w0 : tensor<4x3x8x8xf32>, tensor<6x3x1x1xf32>) outs(%fa : tensor<4x6x8x8xf32>) -> tensor<4x6x8x8xf32>
      %ra = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
             ins(%a : tensor<4x6x8x8xf32>) outs(%ea : tensor<4x6x8x8xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<4x6x8x8xf32>
      %b = linalg.conv_2d_nchw_fchw {kapla.name = "conv1", kapla.weights = array<i64: 1>, strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>,
             kapla.layer = #kapla.layer<conv, N = 4, C = 6, K = 4, Ho = 4, Wo = 4, R = 1, S = 1, sy = 2, sx = 2>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true>}
             ins(%ra, %w1 : tensor<4x6x8x8xf32>, tensor<4x6x1x1xf32>) outs(%fb : tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32>
      kapla.yield %ra, %b : tensor<4x6x8x8xf32>, tensor<4x4x4x4xf32>
    }
    return %s#0, %s#1 : tensor<4x6x8x8xf32>, tensor<4x4x4x4xf32>
  }
}
