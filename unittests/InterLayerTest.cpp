//===- InterLayerTest.cpp - Segments, regions and the DPs -----------------===//

#include "Kapla/Solver/InterLayer.h"

#include "gtest/gtest.h"

#include <map>

using namespace mlir::kapla;

TEST(InterLayer, SpatialRegionsFollowMacs) {
  ArchDesc a = *getPreset("multi-node-16x16");
  // 16 columns: one each, then 13 more split 1:2:3 (2.17, 4.33, 6.5 ->
  // 2, 4, 6 and the largest remainder, 6.5, takes the last): 3, 5, 8.
  std::vector<NodeRegion> r = spatialRegions(a, {100, 200, 300});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE((r[0] == NodeRegion{0, 0, 16, 3}));
  EXPECT_TRUE((r[1] == NodeRegion{0, 3, 16, 5}));
  EXPECT_TRUE((r[2] == NodeRegion{0, 8, 16, 8}));
  // More layers than columns and rows: no spatial pipeline.
  ArchDesc small = *getPreset("multi-node-4x4");
  EXPECT_TRUE(spatialRegions(small, {1, 1, 1, 1, 1}).empty());
  EXPECT_EQ(spatialRegions(small, {1, 1, 1, 1}).size(), 4u);
}

TEST(InterLayer, RectangleRegionsInTwoBands) {
  ArchDesc a = *getPreset("multi-node-16x16");
  // MACs 100, 100, 200: the first two layers balance the third (k = 2).
  // Bands 200:200 of 16 rows: 8 and 8; the top band split 1:1, the bottom
  // band one layer across.
  std::vector<NodeRegion> r = rectangleRegions(a, {100, 100, 200});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE((r[0] == NodeRegion{0, 0, 8, 8}));
  EXPECT_TRUE((r[1] == NodeRegion{0, 8, 8, 8}));
  EXPECT_TRUE((r[2] == NodeRegion{8, 0, 8, 16}));
  // 300 | 100, 100, 100: the first layer alone on top (8 rows); below, 16
  // columns split 1:1:1 (one each, then 13 as 4.33 each -> 4, 4, 4 and the
  // first equal remainder takes the 16th: 6, 5, 5), right to left under
  // the first band's end.
  r = rectangleRegions(a, {300, 100, 100, 100});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE((r[0] == NodeRegion{0, 0, 8, 16}));
  EXPECT_TRUE((r[1] == NodeRegion{8, 10, 8, 6}));
  EXPECT_TRUE((r[2] == NodeRegion{8, 5, 8, 5}));
  EXPECT_TRUE((r[3] == NodeRegion{8, 0, 8, 5}));
  // Two layers (the bands would be strips) and a single row of nodes: none.
  EXPECT_TRUE(rectangleRegions(a, {1, 1}).empty());
  ArchDesc row = a;
  row.nodeRows = 1;
  EXPECT_TRUE(rectangleRegions(row, {1, 1, 1}).empty());
}

namespace {
LayerGraph fcChain(std::vector<int64_t> widths, int64_t batch) {
  LayerGraph g;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    LayerNode n;
    n.name = "fc" + std::to_string(i);
    n.desc.kind = LayerKind::FC;
    n.desc.n = batch;
    n.desc.c = widths[i];
    n.desc.k = widths[i + 1];
    g.layers.push_back(n);
    if (i > 0)
      g.addEdge(int(i) - 1, int(i));
  }
  g.layers.front().readsNetworkInput = true;
  g.layers.back().isNetworkOutput = true;
  return g;
}

struct Memo {
  const ArchDesc &arch;
  SolveOptions opts;
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                         int64_t, bool, bool, int64_t, int64_t, int64_t,
                         int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;
  std::map<Key, LayerSolution> cache;
  const LayerSolution &operator()(const LayerDesc &l, const LayerContext &c) {
    // Everything an FC solve depends on.
    Key key{l.n,
            l.c,
            l.k,
            c.region.row0,
            c.region.col0,
            c.region.rows,
            c.region.cols,
            c.inputOnChip,
            c.outputOnChip,
            c.inputFrom.row0 * 1000 + c.inputFrom.col0,
            c.inputFrom.rows * 1000 + c.inputFrom.cols,
            c.outputTo.row0 * 1000 + c.outputTo.col0,
            c.outputTo.rows * 1000 + c.outputTo.cols,
            c.batchGroups,
            c.channelGroups,
            c.gbufReserved,
            int64_t(l.kind),
            int64_t(l.pass)};
    auto [it, inserted] = cache.try_emplace(key);
    if (inserted)
      it->second = solveLayerKapla(arch, l, c, opts);
    return it->second;
  }
};

double chainEnergy(const ArchDesc &a, const LayerGraph &g,
                   const NetworkSchedule &s, Memo &memo) {
  double total = 0;
  for (const SegmentPlan &p : s.segments) {
    std::vector<CostRecord> costs;
    std::vector<double> dram;
    for (int i = p.first; i <= p.last; ++i) {
      const LayerSolution &sol = memo(g.layers[i].desc, p.contexts[i - p.first]);
      EXPECT_TRUE(sol.found);
      costs.push_back(sol.cost.cost);
      dram.push_back(sol.cost.dramCycles);
    }
    total += segmentCost(a, p.pipeline, costs, dram,
                         p.batchGroups * p.channelGroups)
                 .energyPj();
  }
  return total;
}
} // namespace

TEST(InterLayer, ChainCoversEveryLayerOnce) {
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerGraph g = fcChain({256, 512, 512, 256, 10}, 64);
  Memo memo{a, {}, {}};
  SegmentSearchOptions opts;
  opts.rectangles = true;
  NetworkSchedule s = scheduleNetwork(a, g, opts, std::ref(memo));
  ASSERT_TRUE(s.found);
  int next = 0;
  for (const SegmentPlan &p : s.segments) {
    EXPECT_EQ(p.first, next);
    EXPECT_LE(p.last - p.first + 1, opts.maxSegmentLayers);
    EXPECT_EQ(int(p.contexts.size()), p.last - p.first + 1);
    // Data on chip only between layers of the same segment.
    EXPECT_FALSE(p.contexts.front().inputOnChip);
    EXPECT_FALSE(p.contexts.back().outputOnChip);
    next = p.last + 1;
  }
  EXPECT_EQ(next, 4);
  // Single layers: 4; runs of 2, 3, 4 layers: 3 + 2 + 1, twice each
  // (spatial, temporal); the 3 runs of 3 and 4 layers spatially on
  // rectangles too.
  EXPECT_EQ(s.segmentsEnumerated, 4 + 2 * 6 + 3);
}

TEST(InterLayer, MoreCandidatesNeverWorse) {
  // Keeping more chains from the estimate DP solves a superset of segments;
  // the final DP over it can only do as well or better; single layers only
  // can do no better than either.
  ArchDesc a = *getPreset("multi-node-4x4");
  LayerGraph g = fcChain({512, 1024, 1024, 512, 256, 10}, 64);
  Memo memo{a, {}, {}};
  SegmentSearchOptions few, many, single;
  few.topK = 1;
  many.topK = 1000;
  single.maxSegmentLayers = 1;
  double eFew = chainEnergy(a, g, scheduleNetwork(a, g, few, std::ref(memo)), memo);
  double eMany =
      chainEnergy(a, g, scheduleNetwork(a, g, many, std::ref(memo)), memo);
  double eSingle =
      chainEnergy(a, g, scheduleNetwork(a, g, single, std::ref(memo)), memo);
  EXPECT_LE(eMany, eFew);
  EXPECT_LE(eFew, eSingle);
  // Rectangles add candidates, and the chains on strips alone stay in the
  // final DP: never worse than strips alone, whatever the estimates rank.
  SegmentSearchOptions strips, rects;
  rects.rectangles = true;
  for (int k : {1, 2, 4}) {
    strips.topK = rects.topK = k;
    double eStrips =
        chainEnergy(a, g, scheduleNetwork(a, g, strips, std::ref(memo)), memo);
    double eRects =
        chainEnergy(a, g, scheduleNetwork(a, g, rects, std::ref(memo)), memo);
    EXPECT_LE(eRects, eStrips) << "top-k " << k;
  }
}

TEST(InterLayer, CapacityPruningDropsWhatCannotFit) {
  // A 1x1 chip with a 1 KiB GBUF cannot keep a 64 x 4096 activation on
  // chip even one sample at a time (4096 words > 505 / 2): without channel
  // groups every pipelined candidate is pruned and each layer stands alone.
  ArchDesc a = *getPreset("edge-systolic");
  a.gbufBytes = 1024;
  LayerGraph g = fcChain({64, 4096, 64}, 64);
  Memo memo{a, {}, {}};
  SegmentSearchOptions noChannels;
  noChannels.channelGroups = false;
  NetworkSchedule s = scheduleNetwork(a, g, noChannels, std::ref(memo));
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.segments.size(), 2u);
  // Spatial needs 2 columns (pruned), temporal cannot fit: both pruned.
  EXPECT_EQ(s.segmentsEnumerated, 4);
  EXPECT_GE(s.segmentsPruned, 2);
}

TEST(InterLayer, ChannelGroupsKeepWhatOneSampleCannot) {
  // The same chain with channel groups: fc0 hands its 4096 outputs per
  // sample to fc1 in groups of output (fc0) and input (fc1) channels. The
  // fewest groups that fit half of the 505 usable GBUF words: 4096 / 16 =
  // 256 > 252, 4096 / 32 = 128: 32 channel groups of each of the 64
  // samples, 128 words reserved.
  ArchDesc a = *getPreset("edge-systolic");
  a.gbufBytes = 1024;
  LayerGraph g = fcChain({64, 4096, 64}, 64);
  Memo memo{a, {}, {}};
  SegmentSearchOptions opts;
  opts.topK = 0; // every candidate solved in detail
  NetworkSchedule s = scheduleNetwork(a, g, opts, std::ref(memo));
  ASSERT_TRUE(s.found);
  // The temporal candidate in channel groups survives the capacity
  // pruning, besides the three of before (the spatial one and the temporal
  // one without channel groups pruned).
  EXPECT_EQ(s.segmentsEnumerated, 5);
  EXPECT_EQ(s.segmentsPruned, 2);
  LayerContext producer, consumer;
  producer.region = consumer.region = {0, 0, 1, 1};
  producer.outputOnChip = consumer.inputOnChip = true;
  producer.batchGroups = consumer.batchGroups = 64;
  producer.channelGroups = consumer.channelGroups = 32;
  std::vector<LayerContext> both{producer, consumer};
  reserveForwardedData(g, {0, 1}, PipelineKind::Temporal, both);
  EXPECT_EQ(both[0].gbufReserved, 128);
  EXPECT_EQ(both[1].gbufReserved, 128);
  for (const SegmentPlan &p : s.segments)
    if (p.pipeline != PipelineKind::None) {
      EXPECT_EQ(p.batchGroups, 64);
      EXPECT_EQ(p.channelGroups, 32);
    }
  // Channel-grouped candidates only add to what the final DP chooses from:
  // never worse than without them, whatever the estimates rank.
  LayerGraph longer = fcChain({64, 4096, 2048, 4096, 64}, 8);
  for (int k : {1, 2, 4}) {
    SegmentSearchOptions with, without;
    with.topK = without.topK = k;
    without.channelGroups = false;
    double eWith = chainEnergy(
        a, longer, scheduleNetwork(a, longer, with, std::ref(memo)), memo);
    double eWithout = chainEnergy(
        a, longer, scheduleNetwork(a, longer, without, std::ref(memo)), memo);
    EXPECT_LE(eWith, eWithout) << "top-k " << k;
  }
  EXPECT_EQ(forwardedChannelDim(g.layers[0].desc, producer), Dim::K);
  EXPECT_EQ(forwardedChannelDim(g.layers[1].desc, consumer), Dim::C);
  // Both layers solve in these contexts, with the channel-group loop right
  // inside the batch-group loop.
  for (auto [i, ctx] : {std::pair{0, producer}, std::pair{1, consumer}}) {
    ctx.gbufReserved = 128;
    LayerSolution sol = solveLayerKapla(a, g.layers[i].desc, ctx, SolveOptions());
    ASSERT_TRUE(sol.found) << i;
    const auto &u = sol.dataflow.gbuf.updates;
    ASSERT_GE(u.size(), 2u);
    EXPECT_EQ(u.back().steps[0].dim, Dim::N);
    EXPECT_EQ(u[u.size() - 2].steps[0].dim, i == 0 ? Dim::K : Dim::C);
    EXPECT_EQ(u[u.size() - 2].steps[0].amount, 4096 / 32);
    EXPECT_TRUE(evaluateLayer(a, g.layers[i].desc, sol.dataflow, ctx).valid);
  }
}
