//===- Scheduler.cpp - Scheduling a network, as a library -----------------===//

#include "Kapla/Solver/Scheduler.h"
#include "Kapla/CostModel/CostModel.h"

#include "llvm/Support/ErrorHandling.h"

#include <atomic>
#include <set>
#include <tuple>

namespace mlir::kapla {

const char *stringifySolverKind(SolverKind s) {
  switch (s) {
  case SolverKind::Kapla:
    return "kapla";
  case SolverKind::Exact:
    return "exact";
  case SolverKind::Exhaustive:
    return "exhaustive";
  case SolverKind::Random:
    return "random";
  }
  return "kapla";
}

std::optional<SolverKind> symbolizeSolverKind(const std::string &s) {
  for (SolverKind k : {SolverKind::Kapla, SolverKind::Exact,
                       SolverKind::Exhaustive, SolverKind::Random})
    if (s == stringifySolverKind(k))
      return k;
  return std::nullopt;
}

/// A layer and its context, ordered field by field.
struct LayerSolveCache::Key {
  LayerDesc layer;
  LayerContext ctx;
  bool operator<(const Key &o) const {
    auto tie = [](const Key &k) {
      const LayerDesc &l = k.layer;
      const LayerContext &c = k.ctx;
      return std::make_tuple(
          int(l.kind), int(l.pass), l.n, l.c, l.k, l.ho, l.wo, l.r, l.s, l.sy,
          l.sx, l.dy, l.dx, l.numInputs, c.region.row0, c.region.col0,
          c.region.rows, c.region.cols, c.inputOnChip, c.inputFrom.row0,
          c.inputFrom.col0, c.inputFrom.rows, c.inputFrom.cols, c.outputOnChip,
          c.outputTo.row0, c.outputTo.col0, c.outputTo.rows, c.outputTo.cols,
          c.batchGroups, c.channelGroups, c.gbufReserved, l.batchLoops);
    };
    if (tie(*this) != tie(o))
      return tie(*this) < tie(o);
    // A dim of several loops takes other tiles than one loop of its extent.
    if (layer.loops != o.layer.loops)
      return layer.loops < o.layer.loops;
    // No pins first, then pins by value.
    const LayerPins *a = ctx.pins.get(), *b = o.ctx.pins.get();
    if (!a || !b)
      return !a && b;
    return *a < *b;
  }
};

LayerSolveCache::LayerSolveCache(const ArchDesc &arch, LayerSolverOptions opts)
    : target(arch), opts(std::move(opts)) {}

LayerSolveCache::~LayerSolveCache() = default;

LayerSolution LayerSolveCache::solveOne(const LayerDesc &layer,
                                        const LayerContext &ctx) const {
  if (opts.solver == SolverKind::Kapla)
    return solveLayerKapla(target, layer, ctx, opts.solve);
  SolveOptions o = opts.solve;
  if (opts.layerTimeBudget > 0) {
    auto own = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(opts.layerTimeBudget));
    if (!o.deadline || own < *o.deadline)
      o.deadline = own;
  }
  switch (opts.solver) {
  case SolverKind::Kapla:
    break; // handled above: the descent has no budget
  case SolverKind::Exact:
    // The search of one layer splits over the thread pool too: a network
    // with few distinct layers still uses every thread.
    o.forEach = opts.parallel;
    if (auto it = starts.find(Key{layer, ctx}); it != starts.end())
      return solveLayerExactFrom(target, layer, ctx, o, it->second);
    return solveLayerExact(target, layer, ctx, o);
  case SolverKind::Exhaustive:
    return solveLayerExhaustive(target, layer, ctx, o);
  case SolverKind::Random:
    return solveLayerRandom(target, layer, ctx, o);
  }
  llvm_unreachable("every solver kind");
}

const LayerSolution &LayerSolveCache::solve(const LayerDesc &layer,
                                            const LayerContext &ctx) {
  auto [it, inserted] = memo.try_emplace(Key{layer, ctx});
  if (inserted) {
    it->second = solveOne(layer, ctx);
    ++counts.layerSolves;
    counts.evaluations += it->second.evaluations;
  }
  return it->second;
}

void LayerSolveCache::solveAll(
    const std::vector<std::pair<LayerDesc, LayerContext>> &wanted) {
  // The new pairs, each once, in the order first asked for.
  std::vector<Key> keys;
  std::set<Key> seen;
  for (const auto &[l, c] : wanted) {
    Key k{l, c};
    if (!memo.count(k) && seen.insert(k).second)
      keys.push_back(std::move(k));
  }
  std::vector<LayerSolution> sols(keys.size());
  std::atomic<size_t> done{0};
  auto body = [&](size_t i) {
    sols[i] = solveOne(keys[i].layer, keys[i].ctx);
    size_t n = ++done;
    if (opts.onSolved)
      opts.onSolved(n, keys.size());
  };
  if (opts.parallel)
    opts.parallel(keys.size(), body);
  else
    for (size_t i = 0; i < keys.size(); ++i)
      body(i);
  for (size_t i = 0; i < keys.size(); ++i) {
    ++counts.layerSolves;
    counts.evaluations += sols[i].evaluations;
    memo.emplace(std::move(keys[i]), std::move(sols[i]));
  }
}

void LayerSolveCache::startFrom(const LayerDesc &layer,
                                const LayerContext &ctx, LayerSolution start) {
  starts.emplace(Key{layer, ctx}, std::move(start));
}

NetworkSchedule scheduleNetwork(const LayerGraph &graph,
                                const SegmentSearchOptions &opts,
                                LayerSolveCache &cache) {
  return scheduleNetwork(
      cache.arch(), graph, opts,
      [&](const LayerDesc &l, const LayerContext &c) -> const LayerSolution & {
        return cache.solve(l, c);
      },
      [&](const std::vector<std::pair<LayerDesc, LayerContext>> &wanted) {
        cache.solveAll(wanted);
      });
}

CostRecord scheduleCost(const LayerGraph &graph, const NetworkSchedule &sched,
                        LayerSolveCache &cache) {
  std::vector<CostRecord> segments;
  for (const SegmentPlan &plan : sched.segments) {
    std::vector<CostRecord> layers;
    std::vector<double> dram;
    for (int i = plan.first; i <= plan.last; ++i) {
      const LayerSolution &sol =
          cache.solve(graph.layers[i].desc, plan.contexts[i - plan.first]);
      layers.push_back(sol.cost.cost);
      dram.push_back(sol.cost.dramCycles);
    }
    // The forwarding groups count only in a pipelined segment (the
    // constraints of a layer alone carry none).
    int64_t groups = plan.pipeline == PipelineKind::None
                         ? 1
                         : std::max<int64_t>(plan.batchGroups, 1) *
                               std::max<int64_t>(plan.channelGroups, 1);
    segments.push_back(
        segmentCost(cache.arch(), plan.pipeline, layers, dram, groups));
  }
  return sumCosts(segments);
}

} // namespace mlir::kapla
