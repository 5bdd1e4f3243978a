//===- SchedulerTest.cpp - The scheduling library -------------------------===//

#include "Kapla/Solver/Scheduler.h"

#include "gtest/gtest.h"

#include <atomic>
#include <thread>

using namespace mlir::kapla;

namespace {
LayerDesc fc(int64_t n, int64_t c, int64_t k) {
  LayerDesc l;
  l.kind = LayerKind::FC;
  l.n = n;
  l.c = c;
  l.k = k;
  return l;
}

LayerGraph chain(std::vector<int64_t> widths, int64_t batch) {
  LayerGraph g;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    LayerNode n;
    n.name = "fc" + std::to_string(i);
    n.desc = fc(batch, widths[i], widths[i + 1]);
    g.layers.push_back(n);
    if (i > 0)
      g.addEdge(int(i) - 1, int(i));
  }
  g.layers.front().readsNetworkInput = true;
  g.layers.back().isNetworkOutput = true;
  return g;
}

/// Runs the bodies on two threads, as MLIR's thread pool would.
void twoThreads(size_t n, const std::function<void(size_t)> &body) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < n;)
      body(i);
  };
  std::thread t(worker);
  worker();
  t.join();
}
} // namespace

TEST(Scheduler, SolverNamesRoundTrip) {
  for (SolverKind k : {SolverKind::Kapla, SolverKind::Exact,
                       SolverKind::Exhaustive, SolverKind::Random})
    EXPECT_EQ(symbolizeSolverKind(stringifySolverKind(k)), k);
  EXPECT_FALSE(symbolizeSolverKind("greedy"));
}

TEST(Scheduler, EachPairIsSolvedOnce) {
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerSolveCache cache(a, {});
  LayerDesc l = fc(16, 256, 512), m = fc(16, 512, 256);
  LayerContext whole = LayerContext::wholeChip(a);
  LayerContext half = whole;
  half.region.cols = 2;
  const LayerSolution &first = cache.solve(l, whole);
  EXPECT_EQ(cache.stats().layerSolves, 1);
  EXPECT_EQ(cache.stats().evaluations, first.evaluations);
  // The same pair again is the memo's: the same object, no new solve.
  EXPECT_EQ(&cache.solve(l, whole), &first);
  EXPECT_EQ(cache.stats().layerSolves, 1);
  // Duplicates within one request and pairs solved before count once.
  cache.solveAll({{l, whole}, {m, whole}, {l, half}, {m, whole}});
  EXPECT_EQ(cache.stats().layerSolves, 3);
  // What the cache answers is what the solver answers.
  LayerSolution direct = solveLayerKapla(a, l, half, SolveOptions());
  const LayerSolution &cached = cache.solve(l, half);
  EXPECT_EQ(cache.stats().layerSolves, 3);
  EXPECT_EQ(cached.cost.cost.energyPj(), direct.cost.cost.energyPj());
  EXPECT_EQ(cached.evaluations, direct.evaluations);
  EXPECT_EQ(cache.stats().evaluations, first.evaluations +
                                           cache.solve(m, whole).evaluations +
                                           direct.evaluations);
}

TEST(Scheduler, ThreadsDoNotChangeTheAnswer) {
  // The segment search through a cache that solves on two threads gives
  // the schedule and the counts of a sequential one.
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerGraph g = chain({256, 512, 1024, 512, 10}, 64);
  SegmentSearchOptions opts;
  LayerSolverOptions seq, par;
  par.parallel = twoThreads;
  std::atomic<size_t> reported{0};
  par.onSolved = [&](size_t done, size_t total) {
    EXPECT_LE(done, total);
    ++reported;
  };
  LayerSolveCache one(a, seq), two(a, par);
  NetworkSchedule s1 = scheduleNetwork(g, opts, one);
  NetworkSchedule s2 = scheduleNetwork(g, opts, two);
  ASSERT_TRUE(s1.found);
  ASSERT_TRUE(s2.found);
  EXPECT_EQ(s1.segmentsEnumerated, s2.segmentsEnumerated);
  EXPECT_EQ(s1.segmentsPruned, s2.segmentsPruned);
  ASSERT_EQ(s1.segments.size(), s2.segments.size());
  for (size_t i = 0; i < s1.segments.size(); ++i) {
    EXPECT_EQ(s1.segments[i].first, s2.segments[i].first);
    EXPECT_EQ(s1.segments[i].last, s2.segments[i].last);
    EXPECT_EQ(s1.segments[i].pipeline, s2.segments[i].pipeline);
  }
  EXPECT_EQ(one.stats().layerSolves, two.stats().layerSolves);
  EXPECT_EQ(one.stats().evaluations, two.stats().evaluations);
  // Every solve but those asked for one at a time went through solveAll.
  EXPECT_GT(reported.load(), 0u);
  EXPECT_LE(int64_t(reported.load()), two.stats().layerSolves);
}

TEST(Scheduler, LayerTimeBudgetStopsTheExactSearch) {
  // A convolution the exact search cannot prove in a millisecond: with
  // layer-time-budget it stops with a certified bound below its answer.
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerDesc l;
  l.kind = LayerKind::Conv;
  l.n = 16;
  l.c = 256;
  l.k = 384;
  l.ho = l.wo = 13;
  l.r = l.s = 3;
  LayerSolverOptions o;
  o.solver = SolverKind::Exact;
  o.layerTimeBudget = 1e-3;
  LayerSolveCache cache(a, o);
  const LayerSolution &s = cache.solve(l, LayerContext::wholeChip(a));
  ASSERT_TRUE(s.found);
  EXPECT_FALSE(s.complete);
  EXPECT_GT(s.bound, 0);
  EXPECT_LT(s.bound, objectiveValue(Objective::Energy, s.cost.cost));
}

// A layer whose dim runs over several loops takes other tiles than the same
// extents in one loop, and a layer with fixed parts (kapla.fix) other
// schedules than without: each is a pair of its own. Equal fixes held in
// different objects are one pair.
TEST(Scheduler, LoopsAndFixesArePartOfThePair) {
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerSolveCache cache(a, {});
  LayerDesc flat;
  flat.kind = LayerKind::MatMul;
  flat.n = 24 * 7;
  flat.c = 10;
  flat.k = 6;
  LayerDesc heads = flat;
  heads.loops[int(Dim::N)] = {24, 7}; // 24 heads x 7 rows
  heads.batchLoops = 2;               // the rows carry the batch
  LayerContext whole = LayerContext::wholeChip(a);
  const LayerSolution &f = cache.solve(flat, whole);
  const LayerSolution &h = cache.solve(heads, whole);
  EXPECT_EQ(cache.stats().layerSolves, 2);
  EXPECT_NE(&f, &h);
  // Each answer is valid for its own layer.
  EXPECT_TRUE(evaluateLayer(a, heads, h.dataflow, whole).valid);
  EXPECT_TRUE(evaluateLayer(a, flat, f.dataflow, whole).valid);

  LayerPins pins;
  pins.peSplit[int(Dim::K)] = 2;
  LayerContext fixed = whole, same = whole;
  fixed.pins = std::make_shared<const LayerPins>(pins);
  same.pins = std::make_shared<const LayerPins>(pins);
  const LayerSolution &p = cache.solve(flat, fixed);
  EXPECT_EQ(cache.stats().layerSolves, 3);
  EXPECT_EQ(p.schedule.peSplit[int(Dim::K)], 2);
  EXPECT_EQ(&cache.solve(flat, same), &p);
  EXPECT_EQ(cache.stats().layerSolves, 3);
}
