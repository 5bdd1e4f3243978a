//===- Report.h - The JSON report of spec 7.2 -------------------*- C++ -*-===//

#ifndef KAPLA_TRANSFORMS_REPORT_H
#define KAPLA_TRANSFORMS_REPORT_H

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::kapla {

/// The `options` part of the report.
struct ReportOptions {
  int64_t batch = 0;
  bool training = false;
};

/// Writes the report of `graph` (the network `network` of `module`) to
/// `path`, or to stdout for "-". With `costs`, the report also has the
/// architecture, each layer's segment, region, cost and directives, the
/// segments and the totals with the lower bound. Emits an error on `module`
/// when the file cannot be written.
LogicalResult writeReport(ModuleOp module, StringRef path, StringRef network,
                          const LayerGraphAnalysis &graph,
                          const ReportOptions &options,
                          const CostModelAnalysis *costs = nullptr);

} // namespace mlir::kapla

#endif // KAPLA_TRANSFORMS_REPORT_H
