//===- CostModelPropertyTest.cpp - Properties over random dataflows -------===//
//
// Random small convolutions with random (structurally sound) dataflows:
// - coverage as the model decides it agrees with a brute-force simulation
//   of the loop nests that marks every MAC some PE performs with its data;
// - every valid schedule costs at least the lower bound, in energy and time;
// - a larger GBUF never makes the best of a fixed set of schedules worse.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "BruteForce.h"

#include "gtest/gtest.h"

#include <random>
#include <vector>

using namespace mlir::kapla;

namespace {
using D = Dim;

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  bool coin() { return pick(0, 1) == 1; }
};

LayerDesc randomConv(Gen &g) {
  LayerDesc l;
  l.kind = LayerKind::Conv;
  l.n = g.pick(1, 3);
  l.c = g.pick(1, 4);
  l.k = g.pick(1, 4);
  l.ho = g.pick(1, 4);
  l.wo = g.pick(1, 3);
  l.r = g.pick(1, 3);
  l.s = g.pick(1, 2);
  l.sy = g.pick(1, 2);
  return l;
}

/// One level: tiles t(d) for the loop dims; input rows/cols derived from the
/// window; a stack over one loop dim (moving the input rows with Ho or R);
/// one update per dim whose span does not reach the extent.
LevelDirectives randomLevel(Gen &g, const LayerDesc &l,
                            const std::array<int64_t, kNumDims> &extent,
                            int64_t maxRepl) {
  std::array<int64_t, kNumDims> t{};
  for (D d : {D::N, D::C, D::K, D::Ho, D::Wo, D::R, D::S})
    t[int(d)] = g.pick(1, extent[int(d)]);
  t[int(D::Hi)] = std::min(extent[int(D::Hi)],
                           (t[int(D::Ho)] - 1) * l.sy + t[int(D::R)]);
  t[int(D::Wi)] = std::min(extent[int(D::Wi)],
                           (t[int(D::Wo)] - 1) * l.sx + t[int(D::S)]);
  LevelDirectives lv;
  auto sz = [&](D d) { return DimAmount{d, t[int(d)]}; };
  lv.tensors = {{TensorKind::I, {sz(D::N), sz(D::C), sz(D::Hi), sz(D::Wi)}, 1},
                {TensorKind::W, {sz(D::K), sz(D::C), sz(D::R), sz(D::S)}, 1},
                {TensorKind::O, {sz(D::N), sz(D::K), sz(D::Ho), sz(D::Wo)}, 1}};
  // The steps that move the input along with an output row or filter row.
  auto moves = [&](D d, int64_t step) {
    llvm::SmallVector<DimAmount, 2> v{{d, step}};
    if (d == D::Ho)
      v.push_back({D::Hi, step * l.sy});
    if (d == D::R)
      v.push_back({D::Hi, step});
    if (d == D::Wo)
      v.push_back({D::Wi, step * l.sx});
    if (d == D::S)
      v.push_back({D::Wi, step});
    return v;
  };
  std::array<int64_t, kNumDims> span = t;
  if (maxRepl > 1 && g.coin()) {
    D d = std::array<D, 4>{D::N, D::C, D::K, D::Ho}[g.pick(0, 3)];
    int64_t repl = g.pick(2, maxRepl);
    lv.stacks.push_back({moves(d, t[int(d)]), repl});
    for (const DimAmount &da : lv.stacks.back().shifts)
      span[int(da.dim)] += (repl - 1) * da.amount;
  }
  std::vector<D> order = {D::N, D::C, D::K, D::Ho, D::Wo, D::R, D::S};
  std::shuffle(order.begin(), order.end(), g.rng);
  for (D d : order)
    if (span[int(d)] < extent[int(d)])
      lv.updates.push_back({moves(d, span[int(d)])});
  return lv;
}

/// A GBUF level over the whole layer, then a REGF level over its tiles, with
/// stacks of at most `gbufRepl` nodes and `regfRepl` PEs.
LayerDataflow randomDataflow(Gen &g, const LayerDesc &l, int64_t gbufRepl,
                             int64_t regfRepl) {
  std::array<int64_t, kNumDims> top;
  for (int d = 0; d < kNumDims; ++d)
    top[d] = l.extent(Dim(d));
  LayerDataflow df;
  df.gbuf = randomLevel(g, l, top, gbufRepl);
  std::array<int64_t, kNumDims> gt = top;
  for (const TensorDirective &td : df.gbuf.tensors)
    for (const DimAmount &da : td.sizes)
      gt[int(da.dim)] = da.amount;
  df.regf = randomLevel(g, l, gt, regfRepl);
  return df;
}

/// Shares each read-only GBUF tile at random over a divisor of the nodes
/// that the GBUF stacks give the same tile (stacks over none of its dims).
void randomSharing(Gen &g, const LayerDesc &l, LayerDataflow &df) {
  for (TensorDirective &td : df.gbuf.tensors) {
    if (isReadWrite(l.pass, td.tensor) || !g.coin())
      continue;
    DimSet dims = tensorDims(l.kind, td.tensor);
    int64_t repl = 1;
    for (const StackDirective &st : df.gbuf.stacks) {
      bool touches = false;
      for (const DimAmount &da : st.shifts)
        touches |= dims.contains(da.dim);
      if (!touches)
        repl *= st.repl;
    }
    int64_t shr = g.pick(1, repl);
    while (repl % shr)
      --shr;
    td.shr = shr;
  }
}

ArchDesc roomyArch() {
  ArchDesc a = *getPreset("multi-node-4x4");
  a.regfBytes = 4096;
  a.gbufBytes = 1 << 20;
  return a;
}
} // namespace

TEST(CostModelProperty, CoverageAgreesWithBruteForce) {
  ArchDesc a = roomyArch(); // capacity never decides here
  LayerContext ctx = LayerContext::wholeChip(a);
  int checked = 0, valid = 0;
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    Gen g(seed);
    LayerDesc l = randomConv(g);
    LayerDataflow df = randomDataflow(g, l, 4, 4);
    // Sometimes drop an update: the schedule then leaves work undone.
    if (g.pick(0, 3) == 0 && !df.regf.updates.empty())
      df.regf.updates.pop_back();
    if (llvm::errorToBool(checkDataflowStructure(l, df)))
      continue; // e.g. an update whose dims disagree on the count
    LayerCost c = evaluateLayer(a, l, df, ctx);
    if (!c.valid && c.reason.find("interleaved") != std::string::npos)
      continue; // outside what the model describes
    bool modelCovers = c.valid;
    if (!c.valid)
      ASSERT_NE(c.reason.find("not covered"), std::string::npos)
          << "seed " << seed << ": " << c.reason;
    EXPECT_EQ(modelCovers, test::bruteForceCovers(l, df)) << "seed " << seed;
    ++checked;
    valid += c.valid;
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(checked, 200);
  EXPECT_GT(valid, 50);
  EXPECT_LT(valid, checked);
}

TEST(CostModelProperty, NeverBelowTheLowerBound) {
  ArchDesc a = roomyArch();
  LayerContext ctx = LayerContext::wholeChip(a);
  int valid = 0, shared = 0;
  for (uint64_t seed = 1000; seed < 1600; ++seed) {
    Gen g(seed);
    LayerDesc l = randomConv(g);
    LayerDataflow df = randomDataflow(g, l, 4, 4);
    randomSharing(g, l, df);
    bool sharing = llvm::any_of(
        df.gbuf.tensors, [](const TensorDirective &t) { return t.shr > 1; });
    // A strip of the 4 x 4 array (or all of it) with at least the 4 nodes
    // the GBUF stacks may use; data from and to other strips or DRAM.
    auto strip = [&]() {
      int64_t w = g.pick(1, 4), at = g.pick(0, 4 - w);
      return g.coin() ? NodeRegion{0, at, 4, w} : NodeRegion{at, 0, w, 4};
    };
    ctx.region = strip();
    ctx.inputOnChip = g.coin();
    ctx.outputOnChip = g.coin();
    ctx.inputFrom = strip();
    ctx.outputTo = strip();
    LayerCost c = evaluateLayer(a, l, df, ctx);
    if (!c.valid)
      continue;
    ++valid;
    shared += sharing;
    CostRecord lb = layerLowerBound(a, l, ctx);
    EXPECT_GE(c.cost.energyPj(), lb.energyPj()) << "seed " << seed;
    EXPECT_GE(c.cost.cycles, lb.cycles) << "seed " << seed;
    EXPECT_GE(c.macsPerformed, l.macs()) << "seed " << seed;
    EXPECT_GE(c.cost.accesses.dram, lb.accesses.dram) << "seed " << seed;
    EXPECT_GE(c.cost.accesses.gbuf, lb.accesses.gbuf) << "seed " << seed;
    EXPECT_GE(c.cost.accesses.nocHops, lb.accesses.nocHops) << "seed " << seed;
  }
  EXPECT_GT(valid, 100);
  EXPECT_GT(shared, 30); // buffer sharing exercised
}

TEST(CostModelProperty, LargerBufferNeverWorse) {
  ArchDesc small = *getPreset("multi-node-4x4");
  small.gbufBytes = 256;
  ArchDesc big = small;
  big.gbufBytes = 512;
  LayerContext ctx = LayerContext::wholeChip(small);
  for (uint64_t trial = 0; trial < 20; ++trial) {
    double bestSmall = 1e300, bestBig = 1e300;
    for (uint64_t seed = 0; seed < 100; ++seed) {
      Gen g(trial * 1000 + seed + 7);
      LayerDesc l = randomConv(g);
      l.n = 2, l.c = 4, l.k = 4, l.ho = 4, l.wo = 3, l.r = 3, l.s = 2, l.sy = 1;
      LayerDataflow df = randomDataflow(g, l, 4, 2);
      LayerCost cs = evaluateLayer(small, l, df, ctx);
      LayerCost cb = evaluateLayer(big, l, df, ctx);
      if (cs.valid) {
        ASSERT_TRUE(cb.valid) << "a bigger GBUF rejected a schedule";
        bestSmall = std::min(bestSmall, cs.cost.energyPj());
      }
      if (cb.valid)
        bestBig = std::min(bestBig, cb.cost.energyPj());
    }
    EXPECT_LE(bestBig, bestSmall);
  }
}
