// A kapla.fix that cannot hold is a located error naming what it fixes.
// RUN: kapla-opt %s -split-input-file -verify-diagnostics -kapla-schedule="arch=multi-node-4x4 batch=4"

func.func @too_many_pes(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{kapla-form-segments: 'kapla.fix' of layer 'conv_0' cannot hold on 'multi-node-4x4': pe_split uses 128 PEs; a node has 64}}
  %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<pe_split = [K = 16, Ho = 2, Wo = 4]>}
    ins(%x, %w : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %a : tensor<1x16x6x6xf32>
}

// -----

func.func @order_splits_a_class(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{'kapla.fix' of layer 'conv_0' cannot hold on 'multi-node-4x4': gbuf_order: Ho must be next to the other loops of its class}}
  %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<gbuf_order = [N, K, Ho, C, R, S, Wo]>}
    ins(%x, %w : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %a : tensor<1x16x6x6xf32>
}

// -----

func.func @region_outside(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{cannot hold on 'multi-node-4x4': region [2, 2, 4, 4] exceeds the 4 x 4 node array}}
  %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<region = [2, 2, 4, 4]>}
    ins(%x, %w : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %a : tensor<1x16x6x6xf32>
}

// -----

func.func @no_loop(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{cannot hold on 'multi-node-4x4': regf_tile names Hi, which is no loop of a conv layer (its loops: N C K Ho Wo R S)}}
  %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<regf_tile = [Hi = 3]>}
    ins(%x, %w : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %a : tensor<1x16x6x6xf32>
}

// -----

// Each value fits on its own, but no schedule has them all: a REGF tile of
// 8 x 8 x 3 x 3 weights (576 words) in a 64 B REGF.
func.func @nothing_fits(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{no valid schedule for layer 'conv_0' on 'multi-node-4x4' has what its kapla.fix fixes, even with the layer alone on the chip}}
  %a = linalg.conv_2d_nchw_fchw {kapla.fix = #kapla.fix<regf_tile = [C = 8, K = 8, R = 3, S = 3]>}
    ins(%x, %w : tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %a : tensor<1x16x6x6xf32>
}

// -----

// Not a layer: the ReLU is an element-wise epilogue the import fuses.
func.func @not_a_layer(%x: tensor<4x8xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  %a = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{kapla-form-segments: 'kapla.fix' is on an op that is not a layer}}
  %r = linalg.generic {kapla.fix = #kapla.fix<pe_split = [K = 2]>,
      indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// expected-error @+1 {{invalid fix: pe_split K must be at least 1, got 0}}
func.func private @bad_amount() attributes {test.fix = #kapla.fix<pe_split = [K = 0]>}
