// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8" | FileCheck %s
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 max-segment-layers=1" | FileCheck %s --check-prefix=SINGLE
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 max-segment-layers=1" | kapla-opt -kapla-verify-dataflow -o /dev/null
// Every produced schedule passes the dataflow verifier.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8" | kapla-opt -kapla-verify-dataflow -o /dev/null
// Two runs, and runs with 1 and 2 threads, give identical IR and reports.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 report=%t.a.json" -o %t.a.mlir
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 report=%t.b.json" -o %t.b.mlir
// RUN: kapla-opt %s --mlir-disable-threading -kapla-schedule="arch=multi-node-4x4 batch=8 report=%t.c.json" -o %t.c.mlir
// RUN: diff %t.a.mlir %t.b.mlir
// RUN: diff %t.a.mlir %t.c.mlir
// The reports differ in the search time only.
// RUN: grep -v '"seconds"' %t.a.json > %t.a.nosec.json
// RUN: grep -v '"seconds"' %t.b.json | diff %t.a.nosec.json -
// RUN: grep -v '"seconds"' %t.c.json | diff %t.a.nosec.json -
// RUN: FileCheck %s --check-prefix=SEARCH < %t.a.json
// RUN: FileCheck %s --check-prefix=OPTIONS < %t.a.json
// OPTIONS: "options": {
// OPTIONS-NEXT: "batch": 8,
// OPTIONS-NEXT: "training": false,
// OPTIONS-NEXT: "objective": "energy",
// OPTIONS-NEXT: "solver": "kapla"
// RUN: %python %kapla_src/scripts/check-report-schema.py %t.a.json | FileCheck %s --check-prefix=SCHEMA
// The other solvers run under the same model.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 solver=random budget=300 seed=3" | kapla-opt -kapla-verify-dataflow -o /dev/null
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 objective=delay" | kapla-opt -kapla-verify-dataflow -o /dev/null
// The exhaustive search, bounded in time, keeps the best it found.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 solver=exhaustive time-budget=0.2" | kapla-opt -kapla-verify-dataflow -o /dev/null
// RUN: not kapla-opt %s -kapla-schedule="solver=exhaustive time-budget=-1" 2>&1 | FileCheck %s --check-prefix=BADTIME
// BADTIME: error: kapla-schedule: time-budget must be a finite, non-negative number of seconds, got -1
// RUN: not kapla-opt %s -kapla-schedule="solver=exact layer-time-budget=inf" 2>&1 | FileCheck %s --check-prefix=BADLAYERTIME
// BADLAYERTIME: error: kapla-schedule: layer-time-budget must be a finite, non-negative number of seconds, got inf
// RUN: not kapla-opt %s -kapla-schedule="objective=area" 2>&1 | FileCheck %s --check-prefix=BADOBJ
// RUN: not kapla-opt %s -kapla-schedule="solver=annealing" 2>&1 | FileCheck %s --check-prefix=BADSOLVER
// RUN: not kapla-opt %s -kapla-schedule="max-segment-layers=0" 2>&1 | FileCheck %s --check-prefix=BADMAX
// BADMAX: error: kapla-schedule: max-segment-layers must be between 1 and 10000, got 0
// RUN: not kapla-opt %s -kapla-schedule="max-segment-layers=4294967297" 2>&1 | FileCheck %s --check-prefix=HUGEMAX
// HUGEMAX: error: kapla-schedule: max-segment-layers must be between 1 and 10000, got 4294967297
// RUN: not kapla-opt %s -kapla-schedule="batch=-1" 2>&1 | FileCheck %s --check-prefix=NEGBATCH
// NEGBATCH: error: kapla-schedule: batch must be positive (0: as exported), got -1{{$}}
// RUN: not kapla-opt %s -kapla-schedule="top-k=2147483648" 2>&1 | FileCheck %s --check-prefix=HUGETOPK
// HUGETOPK: error: kapla-schedule: top-k must be between 0 (every segment solved) and 1000000, got 2147483648
// RUN: not kapla-opt %s -kapla-schedule="segment-solver=annealing" 2>&1 | FileCheck %s --check-prefix=BADSEGSOLVER
// The pipeline checks its options before any pass runs; the passes check
// their own when they run alone.
// RUN: not kapla-opt %s -kapla-import -kapla-solve-layers="solver=exhaustive time-budget=-1" 2>&1 | FileCheck %s --check-prefix=PASSTIME
// PASSTIME: error: kapla-solve-layers: time-budget must be a finite, non-negative number of seconds, got -1
// RUN: not kapla-opt %s -kapla-import -kapla-form-segments="solver=exact layer-time-budget=inf" 2>&1 | FileCheck %s --check-prefix=PASSLAYERTIME
// PASSLAYERTIME: error: kapla-form-segments: layer-time-budget must be a finite, non-negative number of seconds, got INF
// RUN: not kapla-opt %s -kapla-import -kapla-form-segments="top-k=2147483648" 2>&1 | FileCheck %s --check-prefix=PASSTOPK
// PASSTOPK: error: kapla-form-segments: top-k must be between 0 (every segment solved) and 1000000, got 2147483648
// BADSEGSOLVER: for the --segment-solver option: must be one of kapla, exact, got 'annealing'
// Segments chosen on exactly solved layers: every layer proven on this small net.
// RUN: kapla-opt %s -kapla-schedule="arch=edge-systolic batch=8 max-segment-layers=2 segment-solver=exact solver=exact report=%t.x.json" | kapla-opt -kapla-verify-dataflow -o /dev/null
// RUN: FileCheck %s --check-prefix=SEGEXACT < %t.x.json
// SEGEXACT: "solver": "exact"
// SEGEXACT-NOT: "optimal": false
// top-k=0 solves every candidate segment: never worse than the pruned DP.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 top-k=0" | kapla-opt -kapla-verify-dataflow -o /dev/null

// A training step of the same network goes through the whole solver.
// RUN: kapla-opt %s -kapla-schedule="arch=multi-node-4x4 batch=8 training=true report=%t.train.json" -o %t.train.mlir
// RUN: kapla-opt %t.train.mlir -kapla-verify-dataflow -o /dev/null
// RUN: kapla-opt %s --mlir-disable-threading -kapla-schedule="arch=multi-node-4x4 batch=8 training=true" | diff %t.train.mlir -
// RUN: %python %kapla_src/scripts/check-report-schema.py %t.train.json | FileCheck %s --check-prefix=SCHEMA
// RUN: FileCheck %s --check-prefix=TRAIN < %t.train.json
// The residual add passes its gradient to both inputs unchanged (no op);
// the pool output feeds conv_1 and the add, so its two gradients are merged;
// conv_0 reads the network input, so it has no backward-data layer.
// TRAIN: "training": true,
// TRAIN: "name": "conv_0",
// TRAIN: "name": "fc_0",
// TRAIN: "name": "fc_0.bwd_data",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "FC",
// TRAIN-NEXT: "pass": "backward-data",
// TRAIN: "name": "fc_0.bwd_weight",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "FC",
// TRAIN-NEXT: "pass": "backward-weight",
// TRAIN: "name": "conv_1.bwd_data",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "CONV",
// TRAIN-NEXT: "pass": "backward-data",
// TRAIN: "name": "conv_1.bwd_weight",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "CONV",
// TRAIN-NEXT: "pass": "backward-weight",
// TRAIN: "name": "pool_0.grad_merge",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "ELTWISE",
// TRAIN-NEXT: "pass": "forward",
// TRAIN: "inputs": 2,
// TRAIN: "name": "pool_0.bwd_data",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "POOL",
// TRAIN-NEXT: "pass": "backward-data",
// TRAIN: "name": "conv_0.bwd_weight",
// TRAIN-NEXT: "function": "{{.*}}",
// TRAIN-NEXT: "kind": "CONV",
// TRAIN-NEXT: "pass": "backward-weight",
// TRAIN-NOT: "name": "conv_0.bwd_data"
// TRAIN: "segments": [

// A small network in linalg: conv + bias/ReLU, pool, conv, a residual add of
// the pool and the second conv, flatten, FC. Its intermediates are small
// enough to stay in the GBUFs of the 4x4 chip: the whole network becomes one
// temporally pipelined segment, every layer but the first reading its input
// on chip and every layer but the last keeping its output there.

// CHECK-LABEL: func.func @net
// CHECK: kapla.segment 0 pipeline temporal -> tensor<1x10xf32> attributes {cost = #kapla.cost<
// CHECK: linalg.conv_2d_nchw_fchw {kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 1, output_on_chip = true>, kapla.cost = #kapla.cost<{{.*}}>, kapla.dataflow = #kapla.dataflow<{{.*}}>, kapla.layer = #kapla.layer<conv, N = 8, C = 3, K = 8, Ho = 8, Wo = 8, R = 3, S = 3>, kapla.name = "conv_0"
// CHECK: linalg.pooling_nchw_max {{{.*}}kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 1, input_on_chip = true, output_on_chip = true>{{.*}}kapla.layer = #kapla.layer<pool, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 2, S = 2, sy = 2, sx = 2>
// CHECK: kapla.layer = #kapla.layer<conv, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 3, S = 3>
// CHECK: kapla.layer = #kapla.layer<eltwise, N = 8, C = 8, K = 8, Ho = 4, Wo = 4, R = 1, S = 1, inputs = 2>
// CHECK: linalg.matmul {kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4], batch_groups = 1, input_on_chip = true>{{.*}}kapla.layer = #kapla.layer<fc, N = 8, C = 128, K = 10, Ho = 1, Wo = 1, R = 1, S = 1>
// CHECK: kapla.yield
// CHECK-NOT: kapla.segment
// CHECK: return

// With single layers only, each layer is a segment on the whole chip.
// SINGLE: kapla.segment 0 pipeline none -> tensor<1x8x8x8xf32> attributes {cost = #kapla.cost<
// SINGLE: linalg.conv_2d_nchw_fchw {kapla.constraint = #kapla.constraint<region = [0, 0, 4, 4]>, kapla.cost = #kapla.cost<{{.*}}>, kapla.dataflow = #kapla.dataflow<{{.*}}>, kapla.layer = #kapla.layer<conv, N = 8, C = 3, K = 8, Ho = 8, Wo = 8, R = 3, S = 3>, kapla.name = "conv_0"
// SINGLE: kapla.segment 1 pipeline none
// SINGLE: kapla.segment 2 pipeline none
// SINGLE: kapla.segment 3 pipeline none
// SINGLE: kapla.segment 4 pipeline none
// SINGLE-NOT: kapla.segment

// SCHEMA: report ok
// Five layers: 5 single-layer candidates and 10 runs of 2 to 5 layers, each
// spatial and temporal: 25 segments enumerated (rectangle-regions=true
// would add the 6 runs of 3 to 5 layers on rectangles).
// SEARCH: "search": {
// SEARCH-NEXT: "seconds":
// SEARCH-NEXT: "segments_enumerated": 25,
// BADOBJ: for the --objective option: must be one of energy, delay, edp, got 'area'
// BADSOLVER: for the --solver option: must be one of kapla, exact, exhaustive, random, got 'annealing'

#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
#ch = affine_map<(n, c, h, w) -> (c)>
func.func @net(%x: tensor<1x3x10x10xf32>) -> tensor<1x10xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<0.1> : tensor<8x3x3x3xf32>
  %b1 = arith.constant dense<0.0> : tensor<8xf32>
  %w2 = arith.constant dense<0.1> : tensor<8x8x3x3xf32>
  %wf = arith.constant dense<0.1> : tensor<128x10xf32>
  %e1 = tensor.empty() : tensor<1x8x8x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %c1 = linalg.conv_2d_nchw_fchw ins(%x, %w1 : tensor<1x3x10x10xf32>, tensor<8x3x3x3xf32>) outs(%f1 : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
          ins(%c1, %b1 : tensor<1x8x8x8xf32>, tensor<8xf32>) outs(%e1 : tensor<1x8x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e2 = tensor.empty() : tensor<1x8x4x4xf32>
  %p = linalg.pooling_nchw_max {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%r1, %win : tensor<1x8x8x8xf32>, tensor<2x2xf32>) outs(%e2 : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %pad = tensor.pad %p low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x4x4xf32> to tensor<1x8x6x6xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c2 = linalg.conv_2d_nchw_fchw ins(%pad, %w2 : tensor<1x8x6x6xf32>, tensor<8x8x3x3xf32>) outs(%f2 : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %sum = arith.addf %c2, %p : tensor<1x8x4x4xf32>
  %flat = tensor.collapse_shape %sum [[0], [1, 2, 3]] : tensor<1x8x4x4xf32> into tensor<1x128xf32>
  %e3 = tensor.empty() : tensor<1x10xf32>
  %y = linalg.matmul ins(%flat, %wf : tensor<1x128xf32>, tensor<128x10xf32>) outs(%e3 : tensor<1x10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
