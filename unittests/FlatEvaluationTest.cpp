//===- FlatEvaluationTest.cpp - The solvers' evaluation path --------------===//
//
// The solvers evaluate a schedule from its flat dataflow, filled straight
// from the schedule (Searcher::flatDataflowOf), without building its
// directives. Over random layers of every kind and pass, random contexts
// and random schedules (in and out of range), it must give exactly what
// evaluateLayer gives for the directives the schedule stands for: the same
// validity and the same counts, energies and cycles, to the bit.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Solver/IntraLayer.h"
#include "SearchSpace.h"

#include "gtest/gtest.h"

#include <random>

using namespace mlir::kapla;

namespace {
using D = Dim;

void expectSameCost(const LayerCost &a, const LayerCost &b,
                    const std::string &where) {
  ASSERT_EQ(a.valid, b.valid) << where;
  if (!a.valid)
    return;
  const EnergyBreakdown &x = a.cost.energy, &y = b.cost.energy;
  EXPECT_EQ(x.mac, y.mac) << where;
  EXPECT_EQ(x.regf, y.regf) << where;
  EXPECT_EQ(x.bus, y.bus) << where;
  EXPECT_EQ(x.gbuf, y.gbuf) << where;
  EXPECT_EQ(x.dram, y.dram) << where;
  EXPECT_EQ(x.noc, y.noc) << where;
  EXPECT_EQ(x.staticEnergy, y.staticEnergy) << where;
  EXPECT_EQ(a.cost.cycles, b.cost.cycles) << where;
  EXPECT_EQ(a.macsPerformed, b.macsPerformed) << where;
  EXPECT_EQ(a.pesUsed, b.pesUsed) << where;
  EXPECT_EQ(a.nodesUsed, b.nodesUsed) << where;
  EXPECT_EQ(a.regfWordsUsed, b.regfWordsUsed) << where;
  EXPECT_EQ(a.gbufWordsUsed, b.gbufWordsUsed) << where;
  EXPECT_EQ(a.computeCycles, b.computeCycles) << where;
  EXPECT_EQ(a.dramCycles, b.dramCycles) << where;
  EXPECT_EQ(a.busCycles, b.busCycles) << where;
  for (int t = 0; t < kNumTensors; ++t) {
    const TensorCounts &p = a.tensors[t], &q = b.tensors[t];
    EXPECT_EQ(p.regfTile, q.regfTile) << where << " tensor " << t;
    EXPECT_EQ(p.gbufTile, q.gbufTile) << where << " tensor " << t;
    EXPECT_EQ(p.regfWords, q.regfWords) << where << " tensor " << t;
    EXPECT_EQ(p.gbufReads, q.gbufReads) << where << " tensor " << t;
    EXPECT_EQ(p.busWords, q.busWords) << where << " tensor " << t;
    EXPECT_EQ(p.dramWords, q.dramWords) << where << " tensor " << t;
    EXPECT_EQ(p.onChipWords, q.onChipWords) << where << " tensor " << t;
    EXPECT_EQ(p.nocHops, q.nocHops) << where << " tensor " << t;
  }
}

} // namespace

TEST(FlatEvaluation, EqualsTheDirectives) {
  std::mt19937_64 rng(20261201);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const LayerKind kinds[] = {LayerKind::Conv, LayerKind::DWConv,
                             LayerKind::FC,   LayerKind::MatMul,
                             LayerKind::Pool, LayerKind::Eltwise};
  int valid = 0, invalid = 0, validGrouped = 0, shared = 0;
  for (int round = 0; round < 2000; ++round) {
    ArchDesc a = *getPreset(round % 2 ? "multi-node-4x4" : "edge-systolic");
    a.name = "random";
    a.nodeRows = pick(1, 3);
    a.nodeCols = pick(1, 3);
    a.peRows = pick(1, 4);
    a.peCols = pick(1, 4);
    a.regfBytes = pick(8, 128);
    a.gbufBytes = pick(64, 4096);
    a.energy.nocHop = double(pick(0, 20));
    a.energy.staticPerCycle = double(pick(0, 1) * pick(0, 500));

    LayerDesc l;
    l.kind = kinds[pick(0, 5)];
    bool window = l.kind == LayerKind::Conv || l.kind == LayerKind::DWConv ||
                  l.kind == LayerKind::Pool;
    l.pass = l.kind == LayerKind::Conv || l.kind == LayerKind::FC
                 ? LayerPass(pick(0, 2))
                 : LayerPass::Forward;
    l.n = pick(1, 8);
    l.c = pick(1, 12);
    bool ownK = l.kind == LayerKind::Conv || l.kind == LayerKind::FC ||
                l.kind == LayerKind::MatMul;
    l.k = ownK ? pick(1, 12) : l.c;
    if (l.kind == LayerKind::MatMul || l.kind == LayerKind::Eltwise || window) {
      l.ho = pick(1, 7);
      l.wo = pick(1, 7);
    }
    if (window) {
      l.r = pick(1, 4);
      l.s = pick(1, 4);
      l.sy = pick(1, 3);
      l.sx = pick(1, 3);
      l.dy = pick(1, 2);
      l.dx = pick(1, 2);
    }
    if (l.kind == LayerKind::Eltwise)
      l.numInputs = pick(1, 3);

    LayerContext ctx = LayerContext::wholeChip(a);
    if (pick(0, 1)) {
      ctx.inputOnChip = pick(0, 1);
      ctx.outputOnChip = pick(0, 1);
      ctx.inputFrom = {0, 0, 1, 1};
      ctx.outputTo = {a.nodeRows - 1, a.nodeCols - 1, 1, 1};
      ctx.gbufReserved = pick(0, a.gbufWords() / 2);
      for (int64_t g : {4, 2})
        if (l.n % g == 0 && pick(0, 2)) {
          ctx.batchGroups = g;
          break;
        }
      if (std::optional<Dim> cd = forwardedChannelDim(l, ctx))
        if (l.extent(*cd) % 2 == 0 && pick(0, 1))
          ctx.channelGroups = 2;
    }
    if (pick(0, 5) == 0) // a region smaller than the chip
      ctx.region = {0, 0, 1, a.nodeCols};

    SolveOptions opts;
    search::Searcher sr(a, l, ctx, opts);
    ASSERT_TRUE(sr.flat);
    for (int draw = 0; draw < 60; ++draw) {
      LayerSchedule s;
      for (int d = 0; d < kNumDims; ++d) {
        int64_t e = sr.shape.extent(D(d));
        // Mostly in range, sometimes a tile or span beyond the extent.
        int64_t gt = pick(0, 4) ? pick(1, e) : pick(1, e + 3);
        int64_t rt = pick(0, 4) ? pick(1, gt) : pick(1, gt + 2);
        s.gbufTile[d] = gt;
        s.regfTile[d] = rt;
        s.peSplit[d] = pick(0, 2) ? 1 : pick(1, 4);
        s.nodeSplit[d] = pick(0, 2) ? 1 : pick(1, 3);
      }
      if (pick(0, 7)) // else dims the kind lacks keep their draws
        search::normalise(sr.shape, s);
      s.regfOrder = search::kOrders[pick(0, 5)];
      s.gbufOrder = search::kOrders[pick(0, 5)];
      for (int t = 0; t < kNumTensors; ++t)
        s.share[t] = pick(0, 1);

      LayerCost viaDirectives;
      evaluateLayer(a, l, sr.dataflowOf(s), ctx, viaDirectives,
                    /*explain=*/true);
      sr.evaluate(s, a);
      std::string where =
          "round " + std::to_string(round) + " draw " + std::to_string(draw) +
          " kind " + stringifyLayerKind(l.kind) + ": " + viaDirectives.reason;
      expectSameCost(viaDirectives, sr.scratch, where);
      if (viaDirectives.valid) {
        ++valid;
        validGrouped += ctx.batchGroups > 1 || ctx.channelGroups > 1;
        for (int t = 0; t < kNumTensors; ++t)
          shared += sr.flatScratch.gbuf.shr[t] > 1;
      } else {
        ++invalid;
      }
    }
  }
  // Enough of both sides, of valid points in grouped contexts and of
  // shared tensors.
  EXPECT_GT(valid, 3000);
  EXPECT_GT(invalid, 3000);
  EXPECT_GT(validGrouped, 100);
  EXPECT_GT(shared, 200);
}

TEST(FlatEvaluation, MultiLoopDimsTakeTheDirectives) {
  // A dim of several loops is cut into whole tiles, which the structure
  // check decides: such a layer's schedules are evaluated from their
  // directives.
  LayerDesc l;
  l.kind = LayerKind::MatMul;
  l.n = 6;
  l.c = 4;
  l.k = 4;
  l.loops[int(D::N)] = {2, 3};
  ArchDesc a = *getPreset("edge-systolic");
  SolveOptions opts;
  search::Searcher sr(a, l, LayerContext::wholeChip(a), opts);
  EXPECT_FALSE(sr.flat);
}
