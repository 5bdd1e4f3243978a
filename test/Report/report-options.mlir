// The report echoes every option of kapla-schedule: what was requested and
// what was applied.
// RUN: kapla-opt %s -kapla-schedule="arch=edge-systolic batch=8 training=true objective=edp solver=exhaustive budget=50 seed=7 segment-solver=kapla max-segment-layers=2 top-k=3 time-budget=30 layer-time-budget=5 effort=quick buffer-sharing=false rectangle-regions=true channel-groups=false unknown-ops=warn entry=net report=%t.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: FileCheck %s < %t.json
// RUN: kapla-opt %s -kapla-schedule="arch-file=%S/../../arch/multi-node-4x4.json report=%t.file.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=FILE < %t.file.json

// 50 evaluations end the exhaustive search of both layers (the FC and its
// backward-weight layer) early: a warning says so, and the report counts
// them.
// WARN: warning: kapla-solve-layers: the budget ended the exhaustive search of 2 of 2 distinct layer solves before it was complete (budget=50, time-budget=30 s, layer-time-budget=5 s); they are not proven optimal

// CHECK:      "options": {
// CHECK-NEXT:   "batch": 8,
// CHECK-NEXT:   "training": true,
// CHECK-NEXT:   "objective": "edp",
// CHECK-NEXT:   "solver": "exhaustive",
// CHECK-NEXT:   "requested": {
// CHECK-NEXT:     "arch": "edge-systolic",
// CHECK-NEXT:     "arch_file": "",
// CHECK-NEXT:     "batch": 8,
// CHECK-NEXT:     "budget": 50,
// CHECK-NEXT:     "buffer_sharing": false,
// CHECK-NEXT:     "channel_groups": false,
// CHECK-NEXT:     "effort": "quick",
// CHECK-NEXT:     "entry": "net",
// CHECK-NEXT:     "layer_time_budget": 5,
// CHECK-NEXT:     "max_segment_layers": 2,
// CHECK-NEXT:     "objective": "edp",
// CHECK-NEXT:     "rectangle_regions": true,
// CHECK-NEXT:     "resolve": true,
// CHECK-NEXT:     "seed": 7,
// CHECK-NEXT:     "segment_solver": "kapla",
// CHECK-NEXT:     "solver": "exhaustive",
// CHECK-NEXT:     "time_budget": 30,
// CHECK-NEXT:     "top_k": 3,
// CHECK-NEXT:     "training": true,
// CHECK-NEXT:     "unknown_ops": "warn"
// CHECK-NEXT:   },
// CHECK-NEXT:   "applied": {
// CHECK-NEXT:     "arch": "edge-systolic",
// CHECK-NEXT:     "arch_file": "",
// CHECK-NEXT:     "batch": 8,
// CHECK-NEXT:     "budget": 50,
// CHECK-NEXT:     "buffer_sharing": false,
// CHECK-NEXT:     "channel_groups": false,
// CHECK-NEXT:     "effort": "quick",
// CHECK-NEXT:     "entry": "net",
// CHECK-NEXT:     "exported_batch": 2,
// CHECK-NEXT:     "functions": [
// CHECK-NEXT:       "net"
// CHECK-NEXT:     ],
// CHECK-NEXT:     "layer_time_budget": 5,
// CHECK-NEXT:     "layers_stopped_by_budget": 2,
// CHECK-NEXT:     "max_segment_layers": 2,
// CHECK-NEXT:     "objective": "edp",
// CHECK-NEXT:     "rectangle_regions": true,
// CHECK-NEXT:     "resolve": true,
// CHECK-NEXT:     "seed": 7,
// CHECK-NEXT:     "segment_solver": "kapla",
// CHECK-NEXT:     "solver": "exhaustive",
// CHECK-NEXT:     "time_budget": 30,
// CHECK-NEXT:     "top_k": 3,
// CHECK-NEXT:     "training": true,
// CHECK-NEXT:     "unknown_ops": "warn"
// CHECK-NEXT:   }
// CHECK-NEXT: },
// CHECK:      "name": "fc_0",
// CHECK:        "N": 8,

// FILE:      "requested": {
// FILE-NEXT:   "arch": "",
// FILE-NEXT:   "arch_file": "{{.*}}multi-node-4x4.json",
// FILE-NEXT:   "batch": 0,
// FILE:      "applied": {
// FILE-NEXT:   "arch": "multi-node-4x4",
// FILE-NEXT:   "arch_file": "{{.*}}multi-node-4x4.json",
// FILE-NEXT:   "batch": 2,

func.func @net(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
