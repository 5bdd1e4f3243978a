// Options of kapla-import: batch, unknown-ops, report.

// The network's batch (2, the leading dim of its first input) becomes 64:
// N of the conv scales from 2 to 64, and the FC after the flatten, whose
// rows are the batch, from 2 to 64 too.
// RUN: kapla-opt %s -kapla-import="batch=64 unknown-ops=warn" 2>/dev/null | FileCheck %s --check-prefix=BATCH
// BATCH: #kapla.layer<conv, N = 64, C = 3, K = 4, Ho = 2, Wo = 2, R = 3, S = 3>
// BATCH: #kapla.layer<conv, N = 64, C = 3, K = 4, Ho = 2, Wo = 2, R = 3, S = 3>
// BATCH: #kapla.layer<fc, N = 64, C = 32, K = 10, Ho = 1, Wo = 1, R = 1, S = 1>

// With unknown-ops=warn an op kapla does not understand passes dependences
// on: the FC after it still depends on both convs.
// RUN: kapla-opt %s -kapla-import="unknown-ops=warn report=-" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// WARN: warning: kapla-import does not understand 'func.call'; its results pass dependences on
// WARN: "name": "head"
// WARN: "producers": [
// WARN-NEXT: "left",
// WARN-NEXT: "right"
// WARN-NEXT: ]

// RUN: not kapla-opt %s -kapla-import=unknown-ops=ignore 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: for the --unknown-ops option: must be one of error, warn, got 'ignore'

// RUN: not kapla-opt %s -kapla-import="unknown-ops=warn report=%t/no/such/dir/r.json" 2>&1 | FileCheck %s --check-prefix=BADPATH
// BADPATH: error: cannot write the report to '{{.*}}r.json'

// The report: the two convs read the same network input; their outputs are
// concatenated along channels (insert_slice), so the FC has two producers.
// 2*4*2*2*3*3*3 = 864 MACs per conv, 2*10*32 = 640 for the FC.
// RUN: kapla-opt %s -kapla-import="report=- unknown-ops=warn" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=REPORT
// REPORT: "kapla_report_version": 1,
// REPORT-NEXT: "network": "concat",
// REPORT-NEXT: "networks": [
// REPORT-NEXT:   "concat"
// REPORT-NEXT: ],
// REPORT-NEXT: "options": {
// REPORT-NEXT:   "batch": 2,
// REPORT-NEXT:   "training": false,
// REPORT-NEXT:   "requested": {
// REPORT-NEXT:     "batch": 0,
// REPORT-NEXT:     "entry": "",
// REPORT-NEXT:     "unknown_ops": "warn"
// REPORT-NEXT:   },
// REPORT-NEXT:   "applied": {
// REPORT-NEXT:     "batch": 2,
// REPORT-NEXT:     "entry": "",
// REPORT-NEXT:     "exported_batch": 2,
// REPORT-NEXT:     "functions": [
// REPORT-NEXT:       "concat"
// REPORT-NEXT:     ],
// REPORT-NEXT:     "unknown_ops": "warn"
// REPORT-NEXT:   }
// REPORT-NEXT: },
// REPORT-NEXT: "layers": [
// REPORT-NEXT:   {
// REPORT-NEXT:     "name": "left",
// REPORT-NEXT:     "function": "{{.*}}",
// REPORT-NEXT:     "kind": "CONV",
// REPORT-NEXT:     "pass": "forward",
// REPORT-NEXT:     "dims": {
// REPORT-NEXT:       "N": 2,
// REPORT-NEXT:       "C": 3,
// REPORT-NEXT:       "K": 4,
// REPORT-NEXT:       "Ho": 2,
// REPORT-NEXT:       "Wo": 2,
// REPORT-NEXT:       "R": 3,
// REPORT-NEXT:       "S": 3,
// REPORT-NEXT:       "sy": 1,
// REPORT-NEXT:       "sx": 1,
// REPORT-NEXT:       "dy": 1,
// REPORT-NEXT:       "dx": 1
// REPORT-NEXT:     },
// REPORT-NEXT:     "macs": 864,
// REPORT-NEXT:     "producers": [],
// REPORT-NEXT:     "reads_network_input": true,
// REPORT-NEXT:     "network_output": false,
// REPORT-NEXT:     "op": "linalg.conv_2d_nchw_fchw",
// REPORT-NEXT:     "weight_operands": [
// REPORT-NEXT:       1
// REPORT-NEXT:     ]
// REPORT-NEXT:   },
// REPORT:     "name": "right",
// REPORT:     "name": "head",
// REPORT-NEXT:     "function": "{{.*}}",
// REPORT-NEXT:     "kind": "FC",
// REPORT:     "macs": 640,
// REPORT-NEXT:     "producers": [
// REPORT-NEXT:       "left",
// REPORT-NEXT:       "right"
// REPORT-NEXT:     ],
// REPORT-NEXT:     "reads_network_input": false,
// REPORT-NEXT:     "network_output": true,
// REPORT:   "totals": {
// REPORT-NEXT:     "macs": 2368
// REPORT-NEXT:   }

func.func private @opaque(tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32>

func.func @concat(%x: tensor<2x3x4x4xf32>) -> tensor<2x10xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3x3x3xf32>
  %fc = arith.constant dense<0.5> : tensor<32x10xf32>
  %e = tensor.empty() : tensor<2x4x2x2xf32>
  %a = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<2x3x4x4xf32>, tensor<4x3x3x3xf32>) outs(%e : tensor<2x4x2x2xf32>) -> tensor<2x4x2x2xf32> loc("left")
  %b = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<2x3x4x4xf32>, tensor<4x3x3x3xf32>) outs(%e : tensor<2x4x2x2xf32>) -> tensor<2x4x2x2xf32> loc("right")
  %cat0 = tensor.empty() : tensor<2x8x2x2xf32>
  %cat1 = tensor.insert_slice %a into %cat0[0, 0, 0, 0] [2, 4, 2, 2] [1, 1, 1, 1] : tensor<2x4x2x2xf32> into tensor<2x8x2x2xf32>
  %cat2 = tensor.insert_slice %b into %cat1[0, 4, 0, 0] [2, 4, 2, 2] [1, 1, 1, 1] : tensor<2x4x2x2xf32> into tensor<2x8x2x2xf32>
  %opaque = func.call @opaque(%cat2) : (tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32>
  %flat = tensor.collapse_shape %opaque [[0], [1, 2, 3]] : tensor<2x8x2x2xf32> into tensor<2x32xf32>
  %o = tensor.empty() : tensor<2x10xf32>
  %y = linalg.matmul ins(%flat, %fc : tensor<2x32xf32>, tensor<32x10xf32>) outs(%o : tensor<2x10xf32>) -> tensor<2x10xf32> loc("head")
  return %y : tensor<2x10xf32>
}
