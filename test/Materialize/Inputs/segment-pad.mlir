// Two 3x3 convolutions that keep their rows and cols ("same" padding: a
// tensor.pad of one row and col on each side in front of each, as exporters
// write them) with a ReLU between, in a spatial segment on multi-node-4x4
// that hands the batch of 4 over in 2 groups: segment.test and
// emit-transform.test solve its layers (kapla-solve-layers) and build one
// batch-group loop that holds both layers and both pads.
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<4x3x8x8xf32>) -> tensor<4x4x8x8xf32> {
    %zero = arith.constant 0.0 : f32
    %w0 = arith.constant dense<0.125> : tensor<6x3x3x3xf32>
    %w1 = arith.constant dense<-0.25> : tensor<4x6x3x3xf32>
    %ea = tensor.empty() : tensor<4x6x8x8xf32>
    %fa = linalg.fill ins(%zero : f32) outs(%ea : tensor<4x6x8x8xf32>) -> tensor<4x6x8x8xf32>
    %eb = tensor.empty() : tensor<4x4x8x8xf32>
    %fb = linalg.fill ins(%zero : f32) outs(%eb : tensor<4x4x8x8xf32>) -> tensor<4x4x8x8xf32>
    %s = kapla.segment 0 pipeline spatial -> tensor<4x4x8x8xf32> {
      %px = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
      ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
        tensor.yield %zero : f32
      } : tensor<4x3x8x8xf32> to tensor<4x3x10x10xf32>
      %a = linalg.conv_2d_nchw_fchw {kapla.name = "conv0", kapla.weights = array<i64: 1>,
             kapla.layer = #kapla.layer<conv, N = 4, C = 3, K = 6, Ho = 8, Wo = 8, R = 3, S = 3>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%px, %w0 : tensor<4x3x10x10xf32>, tensor<6x3x3x3xf32>) outs(%fa : tensor<4x6x8x8xf32>) -> tensor<4x6x8x8xf32>
      %ra = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
             ins(%a : tensor<4x6x8x8xf32>) outs(%ea : tensor<4x6x8x8xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<4x6x8x8xf32>
      %pa = tensor.pad %ra low[0, 0, 1, 1] high[0, 0, 1, 1] {
      ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
        tensor.yield %zero : f32
      } : tensor<4x6x8x8xf32> to tensor<4x6x10x10xf32>
      %b = linalg.conv_2d_nchw_fchw {kapla.name = "conv1", kapla.weights = array<i64: 1>,
             kapla.layer = #kapla.layer<conv, N = 4, C = 6, K = 4, Ho = 8, Wo = 8, R = 3, S = 3>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true>}
             ins(%pa, %w1 : tensor<4x6x10x10xf32>, tensor<4x6x3x3xf32>) outs(%fb : tensor<4x4x8x8xf32>) -> tensor<4x4x8x8xf32>
      kapla.yield %b : tensor<4x4x8x8xf32>
    }
    return %s : tensor<4x4x8x8xf32>
  }
}
