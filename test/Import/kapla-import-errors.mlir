// RUN: kapla-opt %s -split-input-file -kapla-import -verify-diagnostics

func.func private @opaque(tensor<4x8xf32>) -> tensor<4x8xf32>

func.func @unknown_op(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{kapla-import does not understand 'func.call'}}
  %0 = func.call @opaque(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @dynamic(%x: tensor<?x3x9x9xf32>, %w: tensor<8x3x3x3xf32>, %o: tensor<?x8x7x7xf32>) -> tensor<?x8x7x7xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.conv_2d_nchw_fchw': dynamic shapes cannot be scheduled}}
  %0 = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<?x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<?x8x7x7xf32>) -> tensor<?x8x7x7xf32>
  return %0 : tensor<?x8x7x7xf32>
}

// -----

func.func @zero_size(%a: tensor<0x64xf32>, %b: tensor<64x32xf32>, %c: tensor<0x32xf32>) -> tensor<0x32xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.matmul': a tensor dim of size 0 leaves nothing to compute}}
  %0 = linalg.matmul ins(%a, %b : tensor<0x64xf32>, tensor<64x32xf32>) outs(%c : tensor<0x32xf32>) -> tensor<0x32xf32>
  return %0 : tensor<0x32xf32>
}

// -----

func.func @zero_size_eltwise(%a: tensor<0x4xf32>, %b: tensor<0x4xf32>, %c: tensor<0x4xf32>) -> tensor<0x4xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.add': a tensor dim of size 0 leaves nothing to compute}}
  %0 = linalg.add ins(%a, %b : tensor<0x4xf32>, tensor<0x4xf32>) outs(%c : tensor<0x4xf32>) -> tensor<0x4xf32>
  return %0 : tensor<0x4xf32>
}

// -----

func.func @grouped(%x: tensor<1x2x4x9x9xf32>, %w: tensor<8x2x4x3x3xf32>, %o: tensor<1x2x8x7x7xf32>) -> tensor<1x2x8x7x7xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.conv_2d_ngchw_fgchw': grouped convolutions are not supported}}
  %0 = linalg.conv_2d_ngchw_fgchw ins(%x, %w : tensor<1x2x4x9x9xf32>, tensor<8x2x4x3x3xf32>) outs(%o : tensor<1x2x8x7x7xf32>) -> tensor<1x2x8x7x7xf32>
  return %0 : tensor<1x2x8x7x7xf32>
}

// -----

func.func @conv3d(%x: tensor<1x2x5x5x5xf32>, %w: tensor<4x2x3x3x3xf32>, %o: tensor<1x4x3x3x3xf32>) -> tensor<1x4x3x3x3xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.conv_3d_ncdhw_fcdhw': only 1-D and 2-D convolutions are supported}}
  %0 = linalg.conv_3d_ncdhw_fcdhw ins(%x, %w : tensor<1x2x5x5x5xf32>, tensor<4x2x3x3x3xf32>) outs(%o : tensor<1x4x3x3x3xf32>) -> tensor<1x4x3x3x3xf32>
  return %0 : tensor<1x4x3x3x3xf32>
}

// -----

func.func @multiplier(%x: tensor<1x9x9x4xf32>, %w: tensor<3x3x4x2xf32>, %o: tensor<1x7x7x4x2xf32>) -> tensor<1x7x7x4x2xf32> {
  // expected-error @+1 {{kapla cannot schedule 'linalg.depthwise_conv_2d_nhwc_hwcm': depthwise convolutions with a channel multiplier above 1 are not supported}}
  %0 = linalg.depthwise_conv_2d_nhwc_hwcm ins(%x, %w : tensor<1x9x9x4xf32>, tensor<3x3x4x2xf32>) outs(%o : tensor<1x7x7x4x2xf32>) -> tensor<1x7x7x4x2xf32>
  return %0 : tensor<1x7x7x4x2xf32>
}

// -----

func.func @tosa_left(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{kapla cannot schedule 'tosa.abs': TOSA must be lowered to linalg first: run kapla-import-pipeline{input=tosa}}}
  %0 = tosa.abs %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @loop(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{kapla-import does not understand 'scf.for'}}
  %0 = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> (tensor<4x8xf32>) {
    scf.yield %a : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}
