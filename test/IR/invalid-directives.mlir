// RUN: kapla-opt %s -split-input-file -verify-diagnostics

// expected-error @+2 {{unknown dim 'X'; expected one of N, C, K, Ho, Wo, R, S, Hi, Wi}}
// expected-error @+1 {{failed to parse Kapla_TensorAttr parameter 'size'}}
module attributes {test.t = #kapla.tensor<I, size = [N = 1, X = 2]>} {}

// -----

// expected-error @+2 {{expected one of [I, W, O] for tensor, got: A}}
// expected-error @+1 {{failed to parse Kapla_TensorAttr parameter 'tensor'}}
module attributes {test.t = #kapla.tensor<A, size = [N = 1]>} {}

// -----

// expected-error @+1 {{invalid directive: tensor I size of C must be positive, got 0}}
module attributes {test.t = #kapla.tensor<I, size = [N = 1, C = 0]>} {}

// -----

// expected-error @+1 {{invalid directive: tensor O lists dim K twice}}
module attributes {test.t = #kapla.tensor<O, size = [K = 1, K = 2]>} {}

// -----

// expected-error @+1 {{invalid directive: tensor W cannot be indexed by dim Ho}}
module attributes {test.t = #kapla.tensor<W, size = [K = 1, Ho = 2]>} {}

// -----

// expected-error @+1 {{invalid directive: tensor I must name at least one dim}}
module attributes {test.t = #kapla.tensor<I, size = []>} {}

// -----

// expected-error @+1 {{invalid directive: tensor I sharing factor shr must be at least 1, got 0}}
module attributes {test.t = #kapla.tensor<I, size = [N = 1], shr = 0>} {}

// -----

// expected-error @+1 {{invalid directive: stack replication must be at least 1, got 0}}
module attributes {test.s = #kapla.stack<shift = [K = 6], repl = 0>} {}

// -----

// expected-error @+1 {{invalid directive: stack shift of K must be positive, got -6}}
module attributes {test.s = #kapla.stack<shift = [K = -6], repl = 4>} {}

// -----

// expected-error @+1 {{invalid directive: stack must name at least one dim}}
module attributes {test.s = #kapla.stack<shift = [], repl = 4>} {}

// -----

// expected-error @+1 {{invalid directive: update step of Wo must be positive, got 0}}
module attributes {test.u = #kapla.update<step = [Wi = 1, Wo = 0]>} {}

// -----

// expected-error @+1 {{invalid directive: update lists dim N twice}}
module attributes {test.u = #kapla.update<step = [N = 1, N = 2]>} {}

// -----

// expected-error @+1 {{invalid directive: tensor I is listed twice}}
module attributes {test.l = #kapla.level<tensors = [#kapla.tensor<I, size = [N = 1]>, #kapla.tensor<I, size = [N = 2]>]>} {}

// -----

// expected-error @+2 {{invalid directive: stack replication must be at least 1, got 0}}
// expected-error @+1 {{failed to parse Kapla_LevelAttr parameter 'stacks'}}
module attributes {test.l = #kapla.level<tensors = [#kapla.tensor<I, size = [N = 1]>], stacks = [#kapla.stack<shift = [N = 1], repl = 0>]>} {}

// -----

// expected-error @+1 {{struct is missing required parameter: tensors}}
module attributes {test.l = #kapla.level<updates = [#kapla.update<step = [N = 1]>]>} {}
