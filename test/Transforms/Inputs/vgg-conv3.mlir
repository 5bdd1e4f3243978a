// One 3x3 convolution of VGG-16's third stage (256 to 256 channels, 56x56)
// at batch 16: the exact solver does not prove it within seconds on 2x2
// nodes (benchmarks/RESULTS.md).
func.func @net(%x: tensor<16x256x58x58xf32>) -> tensor<16x256x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0e-02> : tensor<256x256x3x3xf32>
  %e = tensor.empty() : tensor<16x256x56x56xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x256x56x56xf32>) -> tensor<16x256x56x56xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<16x256x58x58xf32>, tensor<256x256x3x3xf32>) outs(%f : tensor<16x256x56x56xf32>) -> tensor<16x256x56x56xf32>
  return %y : tensor<16x256x56x56xf32>
}
