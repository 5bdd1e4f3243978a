//===- Scheduler.h - Scheduling a network, as a library ---------*- C++ -*-===//
//
// The network-level scheduling the passes adapt: layer solves memoised by
// (layer, context) and run in parallel, the segment search over them, and
// what the search did. Plain C++ over the layer graph and the architecture:
// nothing here knows about MLIR operations, and nothing outlives the
// objects a caller holds.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_SOLVER_SCHEDULER_H
#define KAPLA_SOLVER_SCHEDULER_H

#include "Kapla/Solver/InterLayer.h"
#include "Kapla/Solver/IntraLayer.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace mlir::kapla {

/// The solver of one layer in its context.
enum class SolverKind : uint8_t { Kapla, Exact, Exhaustive, Random };
const char *stringifySolverKind(SolverKind s); ///< "kapla", "exact", ...
std::optional<SolverKind> symbolizeSolverKind(const std::string &s);

/// What a scheduler did.
struct SchedulerStats {
  /// Candidate segments the segment search built, and those its capacity
  /// check and estimate dropped before a detailed solve.
  int64_t segmentsEnumerated = 0, segmentsPruned = 0;
  /// Distinct (layer, context) solves and the cost model evaluations they
  /// took.
  int64_t layerSolves = 0, evaluations = 0;

  SchedulerStats &operator+=(const SchedulerStats &o) {
    segmentsEnumerated += o.segmentsEnumerated;
    segmentsPruned += o.segmentsPruned;
    layerSolves += o.layerSolves;
    evaluations += o.evaluations;
    return *this;
  }
};

/// Runs body(0) .. body(count - 1), possibly in parallel (the passes give
/// MLIR's thread pool); sequential when empty.
using ParallelFor = SolveOptions::ForEach;

struct LayerSolverOptions {
  SolverKind solver = SolverKind::Kapla;
  /// The objective, buffer sharing, the evaluation budget and seed of the
  /// baselines, and a deadline for all the solves (kapla's descent has no
  /// budget: it ignores `budget` and `deadline`).
  SolveOptions solve;
  /// Seconds each exact, exhaustive or random solve may take (0: no limit).
  double layerTimeBudget = 0;
  ParallelFor parallel;
  /// Called after each solve of solveAll with the solves done and asked
  /// for, from the thread that did it (progress for long searches).
  std::function<void(size_t done, size_t total)> onSolved;
};

/// A layer's solves, memoised by (layer, context): each distinct pair is
/// solved once, by the solver of the options. A solve depends only on its
/// pair (the solvers are deterministic), so neither the order of requests
/// nor the threads change an answer; a deadline is the one exception, and
/// only for the solvers it stops.
class LayerSolveCache {
public:
  LayerSolveCache(const ArchDesc &arch, LayerSolverOptions opts);
  ~LayerSolveCache();

  /// The solution of `layer` in `ctx`, solved now if it is new.
  const LayerSolution &solve(const LayerDesc &layer, const LayerContext &ctx);

  /// Solves the new pairs of `wanted` (each once) in parallel.
  void solveAll(const std::vector<std::pair<LayerDesc, LayerContext>> &wanted);

  /// A valid schedule of `layer` in `ctx` (its dataflow and cost) that an
  /// exact solve of the pair starts from, instead of running the kapla
  /// descent for its first incumbent: kapla-solve-layers gives the
  /// schedules of the segment search, which are the descent's, so the
  /// answer is the same and a time budget is not spent on descents again.
  /// Only the exact solver reads it; set it before the pair is solved.
  void startFrom(const LayerDesc &layer, const LayerContext &ctx,
                 LayerSolution start);

  /// Layer solves and evaluations so far.
  const SchedulerStats &stats() const { return counts; }
  const ArchDesc &arch() const { return target; }
  const LayerSolverOptions &options() const { return opts; }

private:
  LayerSolution solveOne(const LayerDesc &layer, const LayerContext &ctx) const;

  struct Key;
  ArchDesc target;
  LayerSolverOptions opts;
  std::map<Key, LayerSolution> memo, starts;
  SchedulerStats counts;
};

/// The segments of `graph` (the segment search of InterLayer.h) on the
/// cache's architecture, every layer solved through `cache` (the detailed
/// solves of each round in parallel).
NetworkSchedule scheduleNetwork(const LayerGraph &graph,
                                const SegmentSearchOptions &opts,
                                LayerSolveCache &cache);

/// The cost of `sched` as the cost model adds it up over the IR (per
/// segment, CostModel.h segmentCost, then summed): each layer's solution in
/// its context comes from `cache`. The schedule must be found.
CostRecord scheduleCost(const LayerGraph &graph, const NetworkSchedule &sched,
                        LayerSolveCache &cache);

} // namespace mlir::kapla

#endif // KAPLA_SOLVER_SCHEDULER_H
