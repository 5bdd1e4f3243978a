// Two convolutions; the user fixed part of the first one's schedule
// (fix.test).
module {
  func.func @net(%x: tensor<1x8x8x8xf32>, %w1: tensor<16x8x3x3xf32>, %w2: tensor<16x16x1x1xf32>) -> tensor<1x16x6x6xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x16x6x6xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
    %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<pe_split = [K = 8, Ho = 2], node_split = [N = 2], regf_order = [C, R, S, K, N, Ho, Wo], region = [0, 0, 2, 2]>, dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w1 : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%f : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
    %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%a, %w2 : tensor<1x16x6x6xf32>, tensor<16x16x1x1xf32>) outs(%f : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
    return %b : tensor<1x16x6x6xf32>
  }
}
