// Two batched FC layers over 4 heads x 6 rows (N = 24, the rows carrying
// the batch) in a spatial segment on multi-node-4x4 that hands the batch
// over in 4 groups (batch_groups = 4): a group is 6 of the 24, which cuts
// both loops of N (2 heads x 3 rows), so the batch-group loop is two
// loops. run.test solves the layers (kapla-solve-layers), materialises
// them and runs the result against the network.
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {
  func.func @net(%x: tensor<4x6x8xf32>) -> tensor<4x6x3xf32> {
    %zero = arith.constant 0.0 : f32
    %k0 = arith.constant dense<[[[0.0780, 0.0033, -0.2578, 0.2548, -0.6304], [-0.3671, 0.9002, -0.7059, -0.8411, -0.1438], [0.8975, -0.7122, 0.4956, -0.9405, -0.2346], [0.1713, -0.2484, -0.1036, -0.7354, 0.9944], [-0.5344, 0.1629, -0.1855, 0.7221, -0.1814], [-0.7495, 0.3673, 0.1389, -0.6465, -0.2738], [0.7797, 0.3991, 0.8814, -0.9120, -0.3264], [0.5642, -0.7609, -0.9894, 0.2986, 0.9949]], [[-0.9677, -0.3477, 0.3571, -0.2367, -0.2600], [0.1963, -0.1168, 0.6153, 0.1357, -0.8051], [0.1026, -0.3720, -0.4345, -0.7467, -0.1968], [0.9093, -0.9884, -0.9533, -0.1553, -0.7792], [-0.8604, 0.3309, -0.3630, 0.7896, -0.0912], [0.7457, -0.9793, -0.4518, -0.1127, 0.6552], [0.9961, -0.8878, -0.6447, 0.3165, 0.6792], [0.8127, -0.1047, -0.2829, -0.9321, -0.1571]], [[0.6683, -0.3089, 0.2540, -0.1349, 0.1115], [0.2089, 0.0324, 0.0467, -0.2367, -0.7798], [-0.7055, 0.3577, -0.6293, -0.8930, -0.1881], [-0.6003, 0.6747, 0.9425, 0.3062, -0.9797], [-0.4703, -0.9146, 0.7146, -0.0182, 0.8532], [0.8941, 0.7604, 0.0225, -0.5680, -0.1825], [-0.6657, 0.9820, 0.3570, -0.0834, 0.7792], [0.2825, 0.8260, 0.6057, -0.3484, 0.6371]], [[-0.3102, -0.1565, 0.0320, -0.9503, 0.2604], [-0.0950, -0.5603, -0.5737, -0.0517, 0.6273], [-0.2617, 0.3360, -0.0528, 0.5307, -0.5394], [0.5349, 0.5340, 0.7707, -0.4457, 0.0698], [-0.3348, 0.1747, -0.4554, -0.2807, 0.6415], [-0.8690, -0.0781, -0.7692, -0.1168, -0.5071], [-0.9624, 0.8128, -0.2412, 0.0392, 0.6187], [-0.9827, 0.9311, -0.5725, -0.7208, -0.8729]]]> : tensor<4x8x5xf32>
    %k1 = arith.constant dense<[[[-0.2560, -0.9192, 0.9872], [0.2970, -0.0093, -0.6070], [-0.3012, -0.5880, -0.2607], [0.4232, -0.9414, 0.3287], [-0.9348, 0.4577, -0.5016]], [[-0.7439, -0.2413, -0.6863], [0.4413, -0.5608, -0.4747], [-0.5907, 0.1189, -0.0551], [0.4902, 0.1080, -0.5783], [0.4207, -0.2301, -0.0852]], [[0.3818, 0.5138, 0.1974], [-0.5013, -0.6976, 0.7960], [-0.0138, -0.5718, -0.4138], [0.6726, -0.1242, -0.5821], [-0.6749, 0.6157, 0.2050]], [[-0.6213, 0.4231, 0.8788], [-0.2109, -0.4111, -0.7076], [-0.2296, -0.9153, 0.6259], [-0.1260, 0.6325, -0.4158], [-0.9075, 0.3138, -0.5643]]]> : tensor<4x5x3xf32>
    %e0 = tensor.empty() : tensor<4x6x5xf32>
    %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
    %e1 = tensor.empty() : tensor<4x6x3xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x6x3xf32>) -> tensor<4x6x3xf32>
    %s:2 = kapla.segment 0 pipeline spatial -> tensor<4x6x5xf32>, tensor<4x6x3xf32> {
      %a = linalg.batch_matmul {kapla.name = "h0", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 24, C = 8, K = 5, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 4, N = 6], batch_loops = [1]>,
             kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2], batch_groups = 4, output_on_chip = true>}
             ins(%x, %k0 : tensor<4x6x8xf32>, tensor<4x8x5xf32>) outs(%f0 : tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
      %b = linalg.batch_matmul {kapla.name = "h1", kapla.weights = array<i64: 1>, kapla.layer = #kapla.layer<fc, N = 24, C = 5, K = 3, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 4, N = 6], batch_loops = [1]>,
             kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2], batch_groups = 4, input_on_chip = true>}
             ins(%a, %k1 : tensor<4x6x5xf32>, tensor<4x5x3xf32>) outs(%f1 : tensor<4x6x3xf32>) -> tensor<4x6x3xf32>
      kapla.yield %a, %b : tensor<4x6x5xf32>, tensor<4x6x3xf32>
    }
    return %s#1 : tensor<4x6x3xf32>
  }
}
