//===- Schedule.cpp - kapla-form-segments and kapla-solve-layers ----------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Import/LayerCheck.h"
#include "Kapla/Report/Report.h"
#include "Kapla/Solver/Scheduler.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Threading.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAFORMSEGMENTSPASS
#define GEN_PASS_DEF_KAPLASOLVELAYERSPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// `x` as a diagnostic shows it to a person: 30, 0.5, 1e-06.
std::string shortNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

/// Progress for long searches: from `start` on, a line on stderr every 5
/// seconds with the layer solves done (`pass` names who reports).
std::function<void(size_t, size_t)>
progressEvery5s(const char *pass, std::chrono::steady_clock::time_point start) {
  auto lastReport = std::make_shared<std::atomic<int64_t>>(0);
  return [pass, start, lastReport](size_t n, size_t total) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    int64_t tick = int64_t(secs / 5);
    int64_t prev = lastReport->load();
    if (tick > prev && lastReport->compare_exchange_strong(prev, tick))
      llvm::errs() << pass << ": " << n << " of " << total
                   << " layer solves done after " << int64_t(secs) << " s\n";
  };
}

/// The context of layer `i` alone on the chip, or on the region its user
/// fixed.
LayerContext aloneContext(const ArchDesc &arch, const LayerNode &node) {
  LayerContext c = LayerContext::wholeChip(arch);
  c.pins = node.pins;
  if (node.pins && node.pins->region)
    c.region = c.inputFrom = c.outputTo = *node.pins->region;
  return c;
}

/// Checks every `kapla.fix` of `func`: on a layer op, and possible for its
/// layer on `arch`; emits a located error and returns false otherwise.
bool checkFixes(Operation *func, const LayerGraphAnalysis &lg,
                const ArchDesc &arch, const char *pass) {
  bool ok = true;
  func->walk([&](Operation *op) {
    if (op->hasAttr(KaplaDialect::kFixAttrName) && !getLayer(op)) {
      op->emitError() << pass << ": '" << KaplaDialect::kFixAttrName
                      << "' is on an op that is not a layer (kapla-import "
                         "gives layers a kapla.layer; this op has none)";
      ok = false;
    }
  });
  const LayerGraph &g = lg.getGraph();
  for (size_t i = 0; i < g.layers.size(); ++i)
    if (g.layers[i].pins)
      if (llvm::Error err =
              checkPins(arch, g.layers[i].desc, *g.layers[i].pins)) {
        lg.getOp(int(i))->emitError()
            << pass << ": '" << KaplaDialect::kFixAttrName << "' of layer '"
            << g.layers[i].name << "' cannot hold on '" << arch.name
            << "': " << llvm::toString(std::move(err));
        ok = false;
      }
  return ok;
}

/// Moves the ops from `first` to `last` (one block, in order) into a new
/// segment in front of them; values used after them are yielded.
SegmentOp wrapInSegment(Operation *first, Operation *last, int64_t index,
                        PipelineKind pipeline) {
  llvm::SmallVector<Operation *> range;
  llvm::DenseSet<Operation *> inside;
  for (Operation *op = first;; op = op->getNextNode()) {
    range.push_back(op);
    inside.insert(op);
    if (op == last)
      break;
  }
  Block *block = first->getBlock();
  llvm::SmallVector<Value> escaping;
  for (Operation *op : range)
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation *user) {
            Operation *anc = block->findAncestorOpInBlock(*user);
            return !anc || !inside.contains(anc);
          }))
        escaping.push_back(r);
  OpBuilder b(first);
  MLIRContext *ctx = first->getContext();
  llvm::SmallVector<Type> types;
  for (Value v : escaping)
    types.push_back(v.getType());
  auto seg = SegmentOp::create(b, first->getLoc(), types,
                               b.getI64IntegerAttr(index),
                               PipelineAttr::get(ctx, pipeline), CostAttr());
  Block *body = &seg.getBody().emplaceBlock();
  for (Operation *op : range)
    op->moveBefore(body, body->end());
  b.setInsertionPointToEnd(body);
  auto yield = YieldOp::create(b, first->getLoc(), escaping);
  for (auto [v, segRes] : llvm::zip(escaping, seg.getResults()))
    v.replaceUsesWithIf(segRes, [&](OpOperand &use) {
      Operation *owner = use.getOwner();
      return owner != yield.getOperation() &&
             !seg->isProperAncestor(owner);
    });
  return seg;
}

struct KaplaFormSegmentsPass
    : public mlir::kapla::impl::KaplaFormSegmentsPassBase<
          KaplaFormSegmentsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return markAllAnalysesPreserved();
    MLIRContext *ctx = func.getContext();
    if (maxSegmentLayers < 1 || maxSegmentLayers > 10000) {
      func.emitError() << "kapla-form-segments: max-segment-layers must be "
                          "between 1 and 10000, got "
                       << static_cast<int64_t>(maxSegmentLayers);
      return signalPassFailure();
    }
    if (topK < 0 || topK > 1000000) {
      func.emitError() << "kapla-form-segments: top-k must be between 0 "
                          "(every segment solved) and 1000000, got "
                       << static_cast<int64_t>(topK);
      return signalPassFailure();
    }
    if (!(layerTimeBudget >= 0) || std::isinf(layerTimeBudget)) {
      func.emitError() << "kapla-form-segments: layer-time-budget must be a "
                          "finite, non-negative number of seconds, got "
                       << static_cast<double>(layerTimeBudget);
      return signalPassFailure();
    }
    RunRecord record;
    const char *objectiveName = stringifyObjective(objective);
    const char *solverName = stringifySolverKind(solver);
    record.recordOption("objective", objectiveName, objectiveName);
    record.recordOption("segment_solver", solverName, solverName);
    record.recordOption("max_segment_layers", int64_t(maxSegmentLayers),
                        int64_t(maxSegmentLayers));
    record.recordOption("top_k", int64_t(topK), int64_t(topK));
    record.recordOption("layer_time_budget", double(layerTimeBudget),
                        double(layerTimeBudget));
    record.recordOption("effort", stringifyEffort(effort),
                        stringifyEffort(effort));
    record.recordOption("buffer_sharing", bool(bufferSharing),
                        bool(bufferSharing));
    record.recordOption("rectangle_regions", bool(rectangleRegions),
                        bool(rectangleRegions));
    record.recordOption("channel_groups", bool(channelGroups),
                        bool(channelGroups));
    ArchDesc arch = getTargetArch(func);
    SegmentSearchOptions opts;
    opts.rectangles = rectangleRegions;
    opts.channelGroups = channelGroups;
    opts.maxSegmentLayers = int(maxSegmentLayers);
    opts.topK = int(topK);
    opts.solve.objective = objective;
    opts.solve.effort = effort;
    opts.solve.bufferSharing = bufferSharing;
    const bool exact = solver == SolverKind::Exact;
    LayerSolverOptions solverOpts;
    solverOpts.solver = exact ? SolverKind::Exact : SolverKind::Kapla;
    solverOpts.solve = opts.solve;
    solverOpts.layerTimeBudget = layerTimeBudget;
    solverOpts.parallel = [ctx](size_t n,
                                const std::function<void(size_t)> &body) {
      parallelFor(ctx, 0, n, body);
    };
    auto start = std::chrono::steady_clock::now();
    // Each round of detailed solves of the segment search reports.
    solverOpts.onSolved = progressEvery5s("kapla-form-segments", start);
    LayerSolveCache cache(arch, std::move(solverOpts));
    record.solver = solverName;
    record.objective = objectiveName;
    SchedulerStats searched;

    // The layers of this function, scheduled on their own (each function is
    // a network).
    int64_t stopped = 0;
    bool changed = false;
    auto schedule = [&]() -> bool {
      const LayerGraphAnalysis &lg = getAnalysis<LayerGraphAnalysis>();
      const LayerGraph &g = lg.getGraph();
      if (!checkFixes(func, lg, arch, "kapla-form-segments"))
        return false;
      if (g.layers.empty())
        return true;
      changed = true;
      for (size_t i = 0; i < g.layers.size(); ++i) {
        if (lg.getOp(int(i))->getParentOfType<SegmentOp>()) {
          lg.getOp(int(i))->emitError()
              << "kapla-form-segments: the layer is in a segment already";
          return false;
        }
        if (std::optional<std::string> why = layerContradictsOp(lg.getOp(int(i)))) {
          lg.getOp(int(i))->emitError()
              << "kapla.layer contradicts its op: " << *why;
          return false;
        }
      }
      // The detailed solves run in parallel on MLIR's thread pool; each is
      // deterministic, so the result does not depend on the threads.
      NetworkSchedule sched = scheduleNetwork(g, opts, cache);
      searched.segmentsEnumerated += sched.segmentsEnumerated;
      searched.segmentsPruned += sched.segmentsPruned;
      if (!sched.found) {
        // Name a layer that has no valid schedule even alone on the chip.
        for (size_t i = 0; i < g.layers.size(); ++i) {
          LayerContext whole = aloneContext(arch, g.layers[i]);
          if (cache.solve(g.layers[i].desc, whole).found)
            continue;
          if (g.layers[i].pins) {
            lg.getOp(int(i))->emitError()
                << "no valid schedule for layer '" << g.layers[i].name
                << "' on '" << arch.name
                << "' has what its kapla.fix fixes, even with the layer "
                   "alone on "
                << (g.layers[i].pins->region ? "its region" : "the chip");
            return false;
          }
          lg.getOp(int(i))->emitError()
              << "no valid schedule for layer '" << g.layers[i].name << "' on '"
              << arch.name << "', even alone on the chip: "
              << explainNoSchedule(arch, g.layers[i].desc, whole);
          return false;
        }
        func.emitError() << "kapla-form-segments: no valid schedule for '"
                         << func.getName() << "' on '" << arch.name << "'";
        return false;
      }
      // A segment owns a run of ops of one block.
      for (const SegmentPlan &plan : sched.segments) {
        Operation *first = lg.getOp(plan.first), *last = lg.getOp(plan.last);
        if (first->getBlock() != last->getBlock() ||
            (first != last && !first->isBeforeInBlock(last))) {
          last->emitError() << "kapla-form-segments: the layers of a segment "
                               "must be ops of one block, in order";
          return false;
        }
      }
      int64_t index = 0;
      for (const SegmentPlan &plan : sched.segments) {
        for (int i = plan.first; i <= plan.last; ++i) {
          Operation *op = lg.getOp(i);
          const LayerContext &c = plan.contexts[i - plan.first];
          SegmentConstraint sc;
          sc.region = c.region;
          sc.inputOnChip = c.inputOnChip;
          sc.outputOnChip = c.outputOnChip;
          if (plan.pipeline != PipelineKind::None) {
            sc.batchGroups = plan.batchGroups;
            if (plan.channelGroups > 1)
              sc.channelGroups = plan.channelGroups;
          }
          setConstraint(op, toAttr(ctx, sc));
          const LayerSolution &sol = cache.solve(g.layers[i].desc, c);
          setDataflow(op, toAttr(ctx, sol.dataflow));
          if (exact && !sol.complete)
            ++stopped;
          std::optional<double> gap;
          if (exact && !sol.complete && sol.bound > 0)
            gap = std::max(
                objectiveValue(objective, sol.cost.cost) / sol.bound - 1, 0.0);
          setOptimality(op, exact && sol.complete, gap);
        }
        wrapInSegment(lg.getOp(plan.first), lg.getOp(plan.last), index++,
                      plan.pipeline);
      }
      return true;
    };
    bool ok = schedule();
    searched.layerSolves = cache.stats().layerSolves;
    searched.evaluations = cache.stats().evaluations;
    record.search += searched;
    record.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    numSegmentsEnumerated += searched.segmentsEnumerated;
    numSegmentsPruned += searched.segmentsPruned;
    numLayerSolves += searched.layerSolves;
    numEvaluations += searched.evaluations;
    if (stopped > 0)
      func.emitWarning() << "kapla-form-segments: layer-time-budget="
                         << shortNumber(layerTimeBudget)
                         << " s ended the exact search of " << stopped
                         << " scheduled layers before it proved them "
                            "optimal; they carry their certified kapla.gap";
    record.stoppedInSegments = stopped;
    // What this pass did, into the run's record on the module (when a
    // module pass of the run created one).
    if (Operation *parent = func->getParentOp())
      if (auto run = getCachedParentAnalysis<RunRecord>(parent))
        run->get().merge(record);
    if (!ok)
      return signalPassFailure();
    // A function without layers is left as it was.
    if (!changed)
      markAllAnalysesPreserved();
  }
};

struct KaplaSolveLayersPass
    : public mlir::kapla::impl::KaplaSolveLayersPassBase<KaplaSolveLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return markAllAnalysesPreserved();
    const char *objectiveName = stringifyObjective(objective);
    const char *solverName = stringifySolverKind(solver);
    if (budget < 0) {
      func.emitError() << "kapla-solve-layers: budget must be non-negative";
      return signalPassFailure();
    }
    for (auto [name, value] : {std::make_pair("time-budget", double(timeBudget)),
                               std::make_pair("layer-time-budget",
                                              double(layerTimeBudget))})
      if (!(value >= 0) || std::isinf(value)) {
        func.emitError() << "kapla-solve-layers: " << name
                         << " must be a finite, non-negative number of "
                            "seconds, got "
                         << value;
        return signalPassFailure();
      }
    SolveOptions opts;
    opts.objective = objective;
    opts.budget = budget;
    opts.seed = static_cast<uint64_t>(seed);
    opts.effort = effort;
    opts.bufferSharing = bufferSharing;
    ArchDesc arch = getTargetArch(func);
    auto start = std::chrono::steady_clock::now();
    if (timeBudget > 0)
      opts.deadline = start + std::chrono::duration_cast<
                                  std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(timeBudget));
    LayerSolverOptions solverOpts;
    solverOpts.solver = solver;
    solverOpts.solve = opts;
    solverOpts.layerTimeBudget = layerTimeBudget;
    MLIRContext *ctx = &getContext();
    solverOpts.parallel = [ctx](size_t n,
                                const std::function<void(size_t)> &body) {
      parallelFor(ctx, 0, n, body);
    };
    solverOpts.onSolved = progressEvery5s("kapla-solve-layers", start);
    LayerSolveCache cache(arch, std::move(solverOpts));
    // The distinct solutions attached, for the count of those a budget
    // stopped.
    llvm::SmallPtrSet<const LayerSolution *, 16> attached;

    bool ok = true;
    auto solveAll = [&] {
      // The contexts come from the constraints and the layer graph, as the
      // cost model sees them.
      CostModelAnalysis &costs = getAnalysis<CostModelAnalysis>();
      const LayerGraph &g = costs.getGraph().getGraph();
      if (!checkFixes(func, costs.getGraph(), arch, "kapla-solve-layers")) {
        ok = false;
        return;
      }
      llvm::SmallVector<bool> todo(g.layers.size(), true);
      std::vector<std::pair<LayerDesc, LayerContext>> wanted;
      for (size_t i = 0; i < g.layers.size(); ++i) {
        Operation *layerOp = costs.getGraph().getOp(int(i));
        if (std::optional<std::string> why = layerContradictsOp(layerOp)) {
          layerOp->emitError() << "kapla.layer contradicts its op: " << *why;
          ok = false;
          return;
        }
        todo[i] = resolve || !getDataflow(layerOp);
        if (!todo[i])
          continue;
        if (const LayerPins *pins = g.layers[i].pins.get();
            pins && pins->region &&
            !(*pins->region == costs.getContext(int(i)).region)) {
          const NodeRegion &r = costs.getContext(int(i)).region;
          layerOp->emitError()
              << "kapla-solve-layers: the region of the layer's kapla.fix "
                 "is not the region of its kapla.constraint ["
              << r.row0 << ", " << r.col0 << ", " << r.rows << ", " << r.cols
              << "]";
          ok = false;
          return;
        }
        wanted.emplace_back(g.layers[i].desc, costs.getContext(int(i)));
        // The exact solver starts from the schedule the layer has (the
        // segment search's kapla schedule), not from the descent again.
        if (const LayerCost *c = costs.getLayerCost(int(i));
            c && c->valid && solver == SolverKind::Exact) {
          LayerSolution start;
          start.found = true;
          start.dataflow = toCore(getDataflow(layerOp));
          start.cost = *c;
          cache.startFrom(g.layers[i].desc, costs.getContext(int(i)),
                          std::move(start));
        }
      }
      cache.solveAll(wanted);
      for (size_t i = 0; i < g.layers.size(); ++i) {
        if (!todo[i])
          continue;
        const LayerSolution &s =
            cache.solve(g.layers[i].desc, costs.getContext(int(i)));
        attached.insert(&s);
        Operation *op = costs.getGraph().getOp(int(i));
        if (!s.found) {
          const LayerContext &ctx = costs.getContext(int(i));
          if (ctx.pins)
            op->emitError() << "no valid schedule for layer '"
                            << g.layers[i].name << "' on '" << arch.name
                            << "' in its segment has what its kapla.fix fixes";
          else
            op->emitError()
                << "no valid schedule for layer '" << g.layers[i].name
                << "' on '" << arch.name << "' in its segment: "
                << explainNoSchedule(arch, g.layers[i].desc, ctx);
          ok = false;
          continue;
        }
        setDataflow(op, toAttr(ctx, s.dataflow));
        std::optional<double> gap;
        if (!s.complete && solver == SolverKind::Exact && s.bound > 0)
          gap = std::max(
              objectiveValue(opts.objective, s.cost.cost) / s.bound - 1, 0.0);
        setOptimality(op, s.complete, gap);
      }
    };
    solveAll();
    if (!ok)
      return signalPassFailure();
    const int64_t solves = cache.stats().layerSolves;
    // A search that a budget or deadline ended before its space was
    // visited (kapla's descent and the random sampler never visit it).
    int64_t stopped = 0;
    if (solver == SolverKind::Exact || solver == SolverKind::Exhaustive)
      for (const LayerSolution *sol : attached)
        stopped += sol->found && !sol->complete;
    RunRecord record;
    record.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    record.search.layerSolves += solves;
    record.search.evaluations += cache.stats().evaluations;
    numLayerSolves += solves;
    numEvaluations += cache.stats().evaluations;
    if (solves > 0) {
      record.solver = solverName;
      record.objective = objectiveName;
    }
    if (stopped > 0)
      func.emitWarning()
          << "kapla-solve-layers: the budget ended the " << solverName
          << " search of " << stopped << " of " << solves
          << " distinct layer solves before it was complete (budget="
          << static_cast<int64_t>(budget)
          << ", time-budget=" << shortNumber(timeBudget)
          << " s, layer-time-budget=" << shortNumber(layerTimeBudget)
          << " s); they are not proven optimal"
          << (solver == SolverKind::Exact
                  ? " and carry their certified kapla.gap"
                  : "");
    record.requestedSolver = solverName;
    record.recordOption("objective", objectiveName, objectiveName);
    record.recordOption("budget", int64_t(budget), int64_t(budget));
    record.recordOption("seed", int64_t(seed), int64_t(seed));
    record.recordOption("resolve", bool(resolve), bool(resolve));
    record.recordOption("time_budget", double(timeBudget), double(timeBudget));
    record.recordOption("layer_time_budget", double(layerTimeBudget),
                        double(layerTimeBudget));
    record.recordOption("effort", stringifyEffort(effort),
                        stringifyEffort(effort));
    record.recordOption("buffer_sharing", bool(bufferSharing),
                        bool(bufferSharing));
    if (solves > 0)
      record.stoppedInSolves = stopped;
    // What this pass did, into the run's record on the module (when a
    // module pass of the run created one).
    if (Operation *parent = func->getParentOp())
      if (auto run = getCachedParentAnalysis<RunRecord>(parent))
        run->get().merge(record);
  }
};

} // namespace
