// RUN: kapla-opt %s --kapla-import --kapla-build-training-graph | FileCheck %s
// RUN: kapla-opt %s --kapla-import | kapla-opt --kapla-build-training-graph | FileCheck %s

// The gradient of an activation used twice is a merge layer with the shape
// of the layer that produced it. Here every layer output is 3-D (4 heads x
// 16 rows x 12 cols: N = 64, C = 12), whose leading dim is not the batch:
// the merge of %a's gradients is N = 64, C = 12 (it used to take 4 x 16 for
// the batch scale and come out as N = 64, C = 192).

// CHECK-DAG: kapla.layer = #kapla.layer<eltwise, N = 64, C = 12, K = 12, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2, loops = [N = 4, N = 16], batch_loops = [0]>, kapla.name = "eltwise_0"
// CHECK-DAG: kapla.layer = #kapla.layer<eltwise, N = 64, C = 12, K = 12, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2, loops = [N = 4, N = 16], batch_loops = [0]>, kapla.name = "eltwise_0.grad_merge"

#id = affine_map<(h, i, j) -> (h, i, j)>
#row = affine_map<(h, i, j) -> (h, i)>
func.func @heads(%x: tensor<4x16x8xf32>) -> (tensor<4x16xf32>, tensor<4x16x12xf32>) {
  %zero = arith.constant 0.0 : f32
  %k = arith.constant dense<0.5> : tensor<4x8x12xf32>
  %e = tensor.empty() : tensor<4x16x12xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16x12xf32>) -> tensor<4x16x12xf32>
  %s = linalg.batch_matmul ins(%x, %k : tensor<4x16x8xf32>, tensor<4x8x12xf32>) outs(%f : tensor<4x16x12xf32>) -> tensor<4x16x12xf32>
  %t = linalg.batch_matmul ins(%x, %k : tensor<4x16x8xf32>, tensor<4x8x12xf32>) outs(%f : tensor<4x16x12xf32>) -> tensor<4x16x12xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%s, %t : tensor<4x16x12xf32>, tensor<4x16x12xf32>) outs(%e : tensor<4x16x12xf32>) {
  ^bb0(%u: f32, %v: f32, %out: f32):
    %w = arith.addf %u, %v : f32
    linalg.yield %w : f32
  } -> tensor<4x16x12xf32>
  %re = tensor.empty() : tensor<4x16xf32>
  %rf = linalg.fill ins(%zero : f32) outs(%re : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%a : tensor<4x16x12xf32>) outs(%rf : tensor<4x16xf32>) {
  ^bb0(%u: f32, %out: f32):
    %w = arith.addf %u, %out : f32
    linalg.yield %w : f32
  } -> tensor<4x16xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%a : tensor<4x16x12xf32>) outs(%e : tensor<4x16x12xf32>) {
  ^bb0(%u: f32, %out: f32):
    %w = arith.mulf %u, %u : f32
    linalg.yield %w : f32
  } -> tensor<4x16x12xf32>
  return %r, %q : tensor<4x16xf32>, tensor<4x16x12xf32>
}
