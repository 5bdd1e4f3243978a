// RUN: kapla-opt %s -split-input-file -verify-diagnostics

func.func @negative_index() {
  // expected-error @+1 {{'kapla.segment' op index must be non-negative, got -1}}
  kapla.segment -1 pipeline none {
    kapla.yield
  }
  return
}

// -----

func.func @out_of_order() {
  kapla.segment 2 pipeline none {
    kapla.yield
  }
  // expected-error @+1 {{'kapla.segment' op index 2 must be greater than the index 2 of the previous segment}}
  kapla.segment 2 pipeline none {
    kapla.yield
  }
  return
}

// -----

func.func @nested() {
  // expected-error @+1 {{'kapla.segment' op must not contain another 'kapla.segment'}}
  kapla.segment 0 pipeline none {
    kapla.segment 1 pipeline none {
      kapla.yield
    }
    kapla.yield
  }
  return
}

// -----

func.func @yield_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{'kapla.segment' op yields 1 value(s) whose types differ from its 0 result type(s)}}
  kapla.segment 0 pipeline none {
    kapla.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @bad_terminator(%x: tensor<4xf32>) {
  // expected-error @+1 {{'kapla.segment' op body must end with 'kapla.yield'}}
  "kapla.segment"() <{index = 0 : i64, pipeline = #kapla.pipeline<none>}> ({
    "func.return"() : () -> ()
  }) : () -> ()
  return
}

// -----

func.func @yield_outside() {
  // expected-error @+1 {{'kapla.yield' op expects parent op 'kapla.segment'}}
  kapla.yield
}

// -----

func.func @unknown_pipeline() {
  // expected-error @+1 {{expected one of [none, spatial, temporal] for pipeline kind, got: systolic}}
  kapla.segment 0 pipeline systolic {
    kapla.yield
  }
  return
}

// -----

func.func @two_layers_unpipelined(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) {
  // expected-error @+1 {{'kapla.segment' op with pipeline 'none' holds 2 layers; a segment of several layers must be 'spatial' or 'temporal'}}
  kapla.segment 0 pipeline none {
    %a = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>} ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    %b = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>} ins(%a, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    kapla.yield
  }
  return
}

// -----

func.func @spatial_overlap(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) {
  kapla.segment 0 pipeline spatial {
    %a = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2]>} ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    // expected-error @+1 {{node region overlaps that of an earlier layer of its spatially pipelined segment}}
    %b = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [3, 1, 1, 2]>} ins(%a, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    kapla.yield
  }
  return
}

// -----

func.func @temporal_regions(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) {
  kapla.segment 0 pipeline temporal {
    %a = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4]>} ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    // expected-error @+1 {{node region differs from that of an earlier layer of its temporally pipelined segment}}
    %b = linalg.matmul {kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2]>} ins(%a, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    kapla.yield
  }
  return
}

// -----

func.func @copies_on_two_regions(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) {
  kapla.segment 0 pipeline spatial {
    %a = linalg.matmul {kapla.name = "fc", kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [0, 0, 4, 2]>} ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    // expected-error @+1 {{node region differs from that of another copy of layer 'fc' in its segment}}
    %b = linalg.matmul {kapla.name = "fc", kapla.layer = #kapla.layer<matmul, N = 8, C = 16, K = 16, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.constraint = #kapla.constraint<region = [0, 2, 4, 2]>} ins(%a, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%x : tensor<8x16xf32>) -> tensor<8x16xf32>
    kapla.yield
  }
  return
}
