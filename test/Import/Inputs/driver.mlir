// A driver: @main makes the input, calls the network @predict and prints
// its result with an external function.
module {
  func.func private @printMemrefF32(memref<*xf32>)
  func.func @predict(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
    %w = arith.constant dense<0.5> : tensor<8x4xf32>
    %e = tensor.empty() : tensor<2x4xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
  func.func @main() {
    %in = arith.constant dense<1.0> : tensor<2x8xf32>
    %r = call @predict(%in) : (tensor<2x8xf32>) -> tensor<2x4xf32>
    %m = bufferization.to_buffer %r : tensor<2x4xf32> to memref<2x4xf32>
    %u = memref.cast %m : memref<2x4xf32> to memref<*xf32>
    call @printMemrefF32(%u) : (memref<*xf32>) -> ()
    return
  }
}
