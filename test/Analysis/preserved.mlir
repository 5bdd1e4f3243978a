// kapla-estimate-cost writes costs, which are no input of the layer graph
// or the cost model: both analyses stay cached for the next pass, which
// computes neither again (the timing report lists the analyses each pass
// computed under it).
// RUN: kapla-opt %S/../CostModel/estimate-cost.mlir -kapla-estimate-cost -kapla-verify-dataflow -mlir-timing -o /dev/null 2>&1 | FileCheck %s

// CHECK:      KaplaEstimateCostPass
// CHECK-NEXT:   (A) kapla::CostModelAnalysis
// CHECK-NEXT:     (A) kapla::LayerGraphAnalysis
// CHECK-NEXT: 'func.func' Pipeline
// CHECK-NEXT:   KaplaVerifyDataflowPass
// CHECK-NOT:  (A)
// CHECK:      Output
