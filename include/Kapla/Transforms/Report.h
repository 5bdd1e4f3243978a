//===- Report.h - The JSON report -------------------------------*- C++ -*-===//

#ifndef KAPLA_TRANSFORMS_REPORT_H
#define KAPLA_TRANSFORMS_REPORT_H

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace mlir::kapla {

/// The `options` part of the report.
struct ReportOptions {
  int64_t batch = 0;
  bool training = false;
};

/// One scheduled network function: its layer graph and, once scheduled, its
/// costs.
struct ReportNetwork {
  std::string name;
  const LayerGraphAnalysis *graph = nullptr;
  const CostModelAnalysis *costs = nullptr;
};

/// Records, for the report's `options.requested` and `options.applied`, an
/// option a pass was given and what it did with it (null: not listed, as
/// for facts that were not requested).
void recordOption(MLIRContext *ctx, StringRef key,
                  const llvm::json::Value &requested,
                  const llvm::json::Value &applied);

/// What a pass applied for option `key` (recordOption), if one recorded it.
std::optional<llvm::json::Value> appliedOption(MLIRContext *ctx,
                                               StringRef key);

/// Writes the report of `networks` (functions of `module`) to `path`, or to
/// stdout for "-". With costs, the report also has the architecture, each
/// layer's segment, region, cost and directives, the segments and the
/// totals with the lower bound; totals add up over the networks. Emits an
/// error on `module` when the file cannot be written.
LogicalResult writeReport(ModuleOp module, StringRef path,
                          ArrayRef<ReportNetwork> networks,
                          const ReportOptions &options);

} // namespace mlir::kapla

#endif // KAPLA_TRANSFORMS_REPORT_H
