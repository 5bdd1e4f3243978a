//===- Report.h - The JSON report -------------------------------*- C++ -*-===//

#ifndef KAPLA_REPORT_REPORT_H
#define KAPLA_REPORT_REPORT_H

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/Solver/Scheduler.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/AnalysisManager.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <mutex>
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

/// What the passes of one pass-manager run did, for the report: the options
/// each pass was given and what it applied, the solver and objective the
/// layers were last solved with, and the search's statistics. It lives in
/// the run's analysis manager on the module and is never invalidated (it
/// describes the run, not the IR): the module passes of one run record into
/// it, and the function passes (kapla-form-segments, kapla-solve-layers)
/// merge their own into it when a module pass of the run created it (the
/// pipelines' kapla-set-arch always does); the next run starts anew.
class RunRecord {
public:
  RunRecord() = default;
  explicit RunRecord(Operation *) {}
  bool isInvalidated(const AnalysisManager::PreservedAnalyses &) {
    return false;
  }

  /// Records, for the report's `options.requested` and `options.applied`,
  /// an option a pass was given and what it did with it (null: not listed,
  /// as for facts that were not requested).
  void recordOption(StringRef key, const llvm::json::Value &requested,
                    const llvm::json::Value &applied);
  /// What a pass applied for option `key`, if one recorded it.
  std::optional<llvm::json::Value> appliedOption(StringRef key) const;

  /// Adds what `other` recorded (later options replace earlier ones; counts
  /// and times add up). Safe to call from function passes that run in
  /// parallel.
  void merge(const RunRecord &other);

  /// Each option (JSON text of requested and applied), by report key.
  std::map<std::string, std::pair<std::string, std::string>> options;
  std::string solver = "none", objective = "energy";
  SchedulerStats search;
  double seconds = 0;
  /// Scheduled layers whose search a budget stopped before it was complete,
  /// by kapla-form-segments and by kapla-solve-layers when it solved any
  /// (the report's applied `layers_stopped_by_budget`: the latter when set).
  std::optional<int64_t> stoppedInSegments, stoppedInSolves;
  /// The solver kapla-solve-layers was asked for (the report's requested
  /// `solver`; applied is `solver`, the one the layers were solved with).
  std::optional<std::string> requestedSolver;

private:
  std::mutex mutex;
};

/// Writes the report of `networks` (functions of `module`) to `path`, or to
/// stdout for "-". With costs, the report also has the architecture, each
/// layer's segment, region, cost and directives, the segments and the
/// totals with the lower bound; totals add up over the networks. Emits an
/// error on `module` when the file cannot be written.
LogicalResult writeReport(ModuleOp module, StringRef path,
                          ArrayRef<ReportNetwork> networks,
                          const ReportOptions &options,
                          const RunRecord &record);

/// Writes the schedule of `networks` (with costs) to `path` as a Chrome /
/// Perfetto trace (JSON trace events, microseconds at the architecture's
/// clock): one process per network, a track of its segments and one track
/// per node region, on which each layer is a slice; in a spatial segment
/// each layer's batch (and channel) groups are slices inside it, run as a
/// pipeline; a DRAM and a bus track per region with each layer's DRAM
/// transfers and bus deliveries (docs/UserGuide.md). Emits an error on `module`
/// when the file cannot be written.
LogicalResult writeTrace(ModuleOp module, StringRef path,
                         ArrayRef<ReportNetwork> networks);

/// Writes the schedule of `networks` (with costs) to `path` as one
/// self-contained HTML page of SVG drawings (no scripts, nothing fetched):
/// per network its totals against the lower bound, the node array of each
/// segment with each layer's region, the timeline of the layers on their
/// regions, each layer's energy by component with its lower bound, and the
/// GBUF occupancy while each layer runs (docs/UserGuide.md). Emits an error
/// on `module` when the file cannot be written.
LogicalResult writeScheduleHtml(ModuleOp module, StringRef path,
                                ArrayRef<ReportNetwork> networks);

} // namespace mlir::kapla

#endif // KAPLA_REPORT_REPORT_H
