// kapla-schedule: module passes around the per-function scheduling passes,
// nested on func.func so that functions are scheduled in parallel.
// RUN: not kapla-opt %s -kapla-schedule --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s
// A module without layers is an error of the pipeline: nothing to schedule.
// RUN: not kapla-opt %s -kapla-schedule 2>&1 | FileCheck %s --check-prefix=EMPTY
// kapla-import alone accepts it.
// RUN: kapla-opt %s -kapla-import | FileCheck %s --check-prefix=IMPORT

// CHECK:      builtin.module(
// CHECK-NEXT:   kapla-set-arch
// CHECK-NEXT:   kapla-import{{.*}} require-layers=true
// CHECK-NEXT:   func.func(
// CHECK-NEXT:     kapla-form-segments
// CHECK-NEXT:     kapla-solve-layers
// CHECK-NEXT:   ),
// CHECK-NEXT:   kapla-estimate-cost

// EMPTY: error: kapla-import: nothing to schedule: the module has no layers

// IMPORT: func.func @id

func.func @id(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
