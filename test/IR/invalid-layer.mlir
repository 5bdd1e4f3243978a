// RUN: kapla-opt %s -split-input-file -verify-diagnostics

// A parameter that does not parse gets its own message, then the generic
// note naming the parameter.
// expected-error @+2 {{expected one of [conv, dwconv, fc, matmul, pool, eltwise] for layer kind, got: deconv}}
// expected-error @+1 {{failed to parse Kapla_LayerAttr parameter 'kind'}}
module attributes {test.l = #kapla.layer<deconv, N = 1, C = 1, K = 1, Ho = 1, Wo = 1, R = 1, S = 1>} {}

// -----

// expected-error @+2 {{expected one of [forward, backward_data, backward_weight] for layer pass, got: backward}}
// expected-error @+1 {{failed to parse Kapla_LayerAttr parameter 'pass'}}
module attributes {test.l = #kapla.layer<conv, pass = backward, N = 1, C = 1, K = 1, Ho = 1, Wo = 1, R = 1, S = 1>} {}

// -----

// expected-error @+1 {{struct is missing required parameter: K}}
module attributes {test.l = #kapla.layer<conv, N = 1, C = 1, Ho = 1, Wo = 1, R = 1, S = 1>} {}

// -----

// expected-error @+1 {{invalid layer: C must be positive, got 0}}
module attributes {test.l = #kapla.layer<conv, N = 1, C = 0, K = 1, Ho = 1, Wo = 1, R = 1, S = 1>} {}

// -----

// expected-error @+1 {{invalid layer: stride rows must be positive, got 0}}
module attributes {test.l = #kapla.layer<conv, N = 1, C = 1, K = 1, Ho = 1, Wo = 1, R = 1, S = 1, sy = 0>} {}

// -----

// expected-error @+1 {{invalid layer: dwconv layer requires K == C (got C = 32, K = 64)}}
module attributes {test.l = #kapla.layer<dwconv, N = 1, C = 32, K = 64, Ho = 8, Wo = 8, R = 3, S = 3>} {}

// -----

// expected-error @+1 {{invalid layer: pool layer requires K == C (got C = 32, K = 16)}}
module attributes {test.l = #kapla.layer<pool, N = 1, C = 32, K = 16, Ho = 8, Wo = 8, R = 2, S = 2>} {}

// -----

// expected-error @+1 {{invalid layer: fc layer requires Ho = Wo = 1}}
module attributes {test.l = #kapla.layer<fc, N = 1, C = 32, K = 16, Ho = 2, Wo = 1, R = 1, S = 1>} {}

// -----

// expected-error @+1 {{invalid layer: matmul layer requires R = S = 1 and unit strides and dilations}}
module attributes {test.l = #kapla.layer<matmul, N = 1, C = 32, K = 16, Ho = 1, Wo = 1, R = 3, S = 1>} {}

// -----

// expected-error @+1 {{invalid layer: eltwise layer requires a 1x1 window with unit strides and dilations}}
module attributes {test.l = #kapla.layer<eltwise, N = 1, C = 8, K = 8, Ho = 4, Wo = 4, R = 1, S = 1, sx = 2, inputs = 2>} {}

// -----

// expected-error @+1 {{invalid layer: conv layer requires inputs = 1 (only eltwise layers combine several inputs)}}
module attributes {test.l = #kapla.layer<conv, N = 1, C = 1, K = 1, Ho = 1, Wo = 1, R = 1, S = 1, inputs = 2>} {}

// -----

// expected-error @+1 {{invalid layer: a backward-weight pass needs a layer with weights; eltwise has none}}
module attributes {test.l = #kapla.layer<eltwise, pass = backward_weight, N = 1, C = 8, K = 8, Ho = 4, Wo = 4, R = 1, S = 1, inputs = 2>} {}

// -----

// expected-error @+1 {{invalid layer: layer is too large: the product of its extents exceeds 2^56}}
module attributes {test.l = #kapla.layer<conv, N = 1048576, C = 1048576, K = 1048576, Ho = 1, Wo = 1, R = 1, S = 1>} {}

// -----

// A dim of several loops: the extents of its loops multiply to it.
// expected-error @+1 {{invalid layer: loops: the loops of N multiply to 6000 but N = 6144}}
module attributes {test.l = #kapla.layer<matmul, N = 6144, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 12, N = 500]>} {}

// -----

// expected-error @+1 {{invalid layer: loops: the loops of N must be listed together}}
module attributes {test.l = #kapla.layer<conv, N = 6, C = 6, K = 1, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 2, C = 2, C = 3, N = 3]>} {}

// -----

// expected-error @+1 {{invalid layer: loops: C lists one loop; only a dim of several loops is listed}}
module attributes {test.l = #kapla.layer<conv, N = 1, C = 6, K = 1, Ho = 1, Wo = 1, R = 1, S = 1, loops = [C = 6]>} {}

// -----

// expected-error @+1 {{invalid layer: batch_loops: N has 2 loops listed in loops; the batch loops must be among them}}
module attributes {test.l = #kapla.layer<matmul, N = 6144, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 12, N = 512], batch_loops = [2]>} {}
