// The network is found through calls: a driver's callee, private helpers
// inlined into their caller, `entry=` when two computing functions call
// each other.
// RUN: not kapla-opt %s -split-input-file -kapla-import=batch=64 2>/dev/null | FileCheck %s
// RUN: not kapla-opt %s -split-input-file -kapla-import=batch=64 2>&1 >/dev/null | FileCheck %s --check-prefix=AMBIG
// RUN: not kapla-opt %s -split-input-file -kapla-import="batch=64 entry=a" 2>/dev/null | FileCheck %s --check-prefix=ENTRY
// RUN: not kapla-opt %s -split-input-file -kapla-import="entry=nope" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOPE
// RUN: kapla-opt %S/Inputs/driver.mlir -kapla-schedule="batch=64 report=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// A driver: @main makes the input, calls @predict and prints the result
// with an external function. @predict is the network, at batch 64 (2 ->
// 64); @main has no layer.
// CHECK-LABEL: func.func @predict
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 4,
// CHECK-LABEL: func.func @main
// CHECK-NOT: kapla.layer
// CHECK: call @predict
// CHECK: call @printMemrefF32
// NOPE: error: kapla-import: entry 'nope' is not a function with a body in the module; the functions that compute are @predict
// REPORT: "network": "predict",
// REPORT: "applied": {
// REPORT: "batch": 64,
// REPORT: "exported_batch": 2,
// REPORT: "functions": [
// REPORT-NEXT: "predict"
// REPORT-NEXT: ],
// REPORT: "name": "fc_0",
// REPORT-NEXT: "function": "predict",
// REPORT: "N": 64,
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

// -----

// A private helper called twice on network data: inlined, so its layer is
// scheduled once per call, under the name it has in the helper.
// CHECK-LABEL: func.func private @block
// CHECK-NOT: kapla.layer
// CHECK-LABEL: func.func @forward
// CHECK-NOT: call
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 8,{{.*}}kapla.name = "fc"
// CHECK: kapla.layer<fc, N = 64, C = 8, K = 8,{{.*}}kapla.name = "fc_0"
// NOPE: error: kapla-import: entry 'nope' is not a function with a body in the module; the functions that compute are @block
module {
  func.func private @block(%h: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %w = arith.constant dense<0.5> : tensor<8x8xf32>
    %e = tensor.empty() : tensor<2x8xf32>
    %y = linalg.matmul ins(%h, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32> loc("fc")
    return %y : tensor<2x8xf32>
  }
  func.func @forward(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %a = call @block(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    %b = call @block(%a) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    return %b : tensor<2x8xf32>
  }
}

// -----

// Two public functions that compute, one calling the other: which is the
// network is ambiguous without entry=; entry=a inlines the call.
// AMBIG: error: kapla-import: @a computes and calls @b, which computes too; choose the network with entry= (entry=a inlines the calls; candidates: @b, @a)
// ENTRY-LABEL: func.func @a
// ENTRY: kapla.layer<fc, N = 64, C = 8, K = 8,
// ENTRY: kapla.layer<fc, N = 64, C = 8, K = 8,
// ENTRY-NOT: call @b
// ENTRY: return
// NOPE: error: kapla-import: entry 'nope' is not a function with a body in the module; the functions that compute are @b, @a
module {
  func.func @b(%h: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %w = arith.constant dense<0.5> : tensor<8x8xf32>
    %e = tensor.empty() : tensor<2x8xf32>
    %y = linalg.matmul ins(%h, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
    return %y : tensor<2x8xf32>
  }
  func.func @a(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %w = arith.constant dense<0.5> : tensor<8x8xf32>
    %e = tensor.empty() : tensor<2x8xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
    %z = call @b(%y) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    return %z : tensor<2x8xf32>
  }
}

// -----

// A helper that calls itself is refused, not inlined without end.
// AMBIG: error: kapla-import: @r calls itself (directly or through other functions); a recursive network cannot be scheduled
module {
  func.func private @r(%h: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %w = arith.constant dense<0.5> : tensor<8x8xf32>
    %e = tensor.empty() : tensor<2x8xf32>
    %y = linalg.matmul ins(%h, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
    %z = call @r(%y) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    return %z : tensor<2x8xf32>
  }
  func.func @f(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
    %a = call @r(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    return %a : tensor<2x8xf32>
  }
}
