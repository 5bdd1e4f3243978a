// The concatenation that ends an inception module, read by two branches of
// the next: fc_p with its ReLU, concatenated after the segment's input
// (tensor.insert_slice ops, as importers write a concatenation), then fc_q
// and fc_r, each reading the concatenation, in a spatial segment on
// multi-node-4x4 with the batch of 8 handed over in 2 groups; the segment
// yields the ReLU too. The branches' loops take a group of the batch out of
// the concatenation: taken out of its parts instead, fc_p and its ReLU run
// in the loop as well. segment.test and run.test solve the layers
// (kapla-solve-layers).
#id = affine_map<(i, j) -> (i, j)>
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<8x16xf32>) -> (tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x12xf32>) {
    %zero = arith.constant 0.0 : f32
    %wp = arith.constant dense<-0.125> : tensor<16x12xf32>
    %wq = arith.constant dense<0.25> : tensor<28x12xf32>
    %wr = arith.constant dense<0.5> : tensor<28x12xf32>
    %ep = tensor.empty() : tensor<8x12xf32>
    %fp = linalg.fill ins(%zero : f32) outs(%ep : tensor<8x12xf32>) -> tensor<8x12xf32>
    %er = tensor.empty() : tensor<8x12xf32>
    %ec = tensor.empty() : tensor<8x28xf32>
    %eq = tensor.empty() : tensor<8x12xf32>
    %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<8x12xf32>) -> tensor<8x12xf32>
    %err = tensor.empty() : tensor<8x12xf32>
    %frr = linalg.fill ins(%zero : f32) outs(%err : tensor<8x12xf32>) -> tensor<8x12xf32>
    %y:3 = kapla.segment 0 pipeline spatial -> tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x12xf32> {
      %p = linalg.matmul {kapla.name = "fc_p", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 16, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 1], batch_groups = 2, output_on_chip = true>}
             ins(%x, %wp : tensor<8x16xf32>, tensor<16x12xf32>) outs(%fp : tensor<8x12xf32>) -> tensor<8x12xf32>
      %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
             ins(%p : tensor<8x12xf32>) outs(%er : tensor<8x12xf32>) {
      ^bb0(%u: f32, %o: f32):
        %m = arith.maximumf %u, %zero : f32
        linalg.yield %m : f32
      } -> tensor<8x12xf32>
      %c0 = tensor.insert_slice %x into %ec[0, 0] [8, 16] [1, 1] : tensor<8x16xf32> into tensor<8x28xf32>
      %c = tensor.insert_slice %r into %c0[0, 16] [8, 12] [1, 1] : tensor<8x12xf32> into tensor<8x28xf32>
      %q = linalg.matmul {kapla.name = "fc_q", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 28, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 1, 4, 1], batch_groups = 2, input_on_chip = true>}
             ins(%c, %wq : tensor<8x28xf32>, tensor<28x12xf32>) outs(%fq : tensor<8x12xf32>) -> tensor<8x12xf32>
      %rr = linalg.matmul {kapla.name = "fc_r", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 8, C = 28, K = 12, Ho = 1, Wo = 1, R = 1, S = 1>,
             kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 2, input_on_chip = true>}
             ins(%c, %wr : tensor<8x28xf32>, tensor<28x12xf32>) outs(%frr : tensor<8x12xf32>) -> tensor<8x12xf32>
      kapla.yield %r, %q, %rr : tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x12xf32>
    }
    return %y#0, %y#1, %y#2 : tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x12xf32>
  }
}
