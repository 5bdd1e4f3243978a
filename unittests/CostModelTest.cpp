//===- CostModelTest.cpp - Hand-worked cost model cases -------------------===//
//
// Every number below is worked out by hand in the comments, from the rules of
// docs/CostModel.md, on a tiny architecture with round energies.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Hardware/Noc.h"
#include "SpecExample.h"

#include "gtest/gtest.h"

using namespace mlir::kapla;

namespace {
/// 1 x 2 nodes of 2 x 2 PEs; 64 B REGF (32 words, 31 usable), 1024 B GBUF
/// (512 words, 506 usable); a 4-word bus; 4 words of DRAM per cycle.
ArchDesc tinyArch() {
  ArchDesc a;
  a.name = "tiny";
  a.nodeRows = 1;
  a.nodeCols = 2;
  a.peRows = a.peCols = 2;
  a.regfBytes = 64;
  a.gbufBytes = 1024;
  a.wordBits = 16;
  a.freqMHz = 500;
  a.dramBwBytesPerCycle = 8;
  a.busBits = 64;
  a.energy = {1.0, 0.5, 2.0, 3.0, 100.0, 10.0, 0.25};
  return a;
}

using D = Dim;

/// FC 4 -> 4 at batch 4 on both nodes: nodes split N, PEs split K and C.
LayerDesc fcLayer() {
  LayerDesc l;
  l.kind = LayerKind::FC;
  l.n = 4, l.c = 4, l.k = 4;
  return l;
}

LayerDataflow fcDataflow() {
  LayerDataflow df;
  df.regf.tensors = {{TensorKind::I, {{D::N, 1}, {D::C, 2}, {D::Hi, 1}, {D::Wi, 1}}, 1},
                     {TensorKind::W, {{D::K, 2}, {D::C, 2}, {D::R, 1}, {D::S, 1}}, 1},
                     {TensorKind::O, {{D::N, 1}, {D::K, 2}, {D::Ho, 1}, {D::Wo, 1}}, 1}};
  df.regf.stacks = {{{{D::K, 2}}, 2}, {{{D::C, 2}}, 2}};
  df.regf.updates = {{{{D::N, 1}}}};
  df.gbuf.tensors = {{TensorKind::I, {{D::N, 2}, {D::C, 4}, {D::Hi, 1}, {D::Wi, 1}}, 1},
                     {TensorKind::W, {{D::K, 4}, {D::C, 4}, {D::R, 1}, {D::S, 1}}, 1},
                     {TensorKind::O, {{D::N, 2}, {D::K, 4}, {D::Ho, 1}, {D::Wo, 1}}, 1}};
  df.gbuf.stacks = {{{{D::N, 2}}, 2}};
  return df;
}
} // namespace

TEST(Noc, Distances) {
  ArchDesc a = *getPreset("multi-node-4x4");
  // Every node is (4-1)/2 + (4-1)/2 = 3 hops from the four corners on
  // average.
  EXPECT_EQ(meanHopsToAllChannels(a), 3.0);
  // Row distances to the nearer end of 0..3: 0 1 1 0; a 2x2 region at the
  // corner: rows 0,1 -> mean 0.5, cols 0,1 -> 0.5.
  EXPECT_EQ(meanHopsToNearestChannel(a, NodeRegion{0, 0, 2, 2}), 1.0);
  EXPECT_EQ(meanHopsToNearestChannel(a, NodeRegion{0, 0, 4, 4}), 1.0);
  EXPECT_EQ(meanHopsToNearestChannel(a, NodeRegion{1, 1, 2, 2}), 2.0);
  // Centres (0.5, 0.5) and (0.5, 2.5).
  EXPECT_EQ(hopsBetween(NodeRegion{0, 0, 2, 2}, NodeRegion{0, 2, 2, 2}), 2.0);
  EXPECT_EQ(hopsBetween(NodeRegion{0, 0, 4, 4}, NodeRegion{0, 0, 4, 4}), 0.0);
}

TEST(CostModel, HandWorkedFC) {
  ArchDesc a = tinyArch();
  LayerCost c = evaluateLayer(a, fcLayer(), fcDataflow(), LayerContext::wholeChip(a));
  ASSERT_TRUE(c.valid) << c.reason;
  // 4 PEs (K x C), 2 nodes (N). REGF loop N=1 runs 2 times over the GBUF
  // tile's N = 2; no GBUF loops. 1*2*2 = 4 MACs per step, 2 steps per PE:
  // 2 nodes * 4 PEs * 2 * 4 = 64 MACs = N*C*K, no padding.
  EXPECT_EQ(c.pesUsed, 4);
  EXPECT_EQ(c.nodesUsed, 2);
  EXPECT_EQ(c.macsPerformed, 64);
  EXPECT_EQ(c.computeCycles, 8.0);

  const TensorCounts &i = c.tensors[int(TensorKind::I)];
  const TensorCounts &w = c.tensors[int(TensorKind::W)];
  const TensorCounts &o = c.tensors[int(TensorKind::O)];
  // I: the N loop moves it: 2 loads of 2 words per PE. The 4 PEs hold 4
  // distinct words (C split over 2, replicated over K): 2 * 4 = 8 GBUF reads
  // per node, 16 in all; the bus delivers 4 words to each of 8 PEs.
  EXPECT_EQ(i.regfTile, 2);
  EXPECT_EQ(i.regfWords, 4);
  EXPECT_EQ(i.gbufReads, 16);
  EXPECT_EQ(i.busWords, 32);
  // Each node loads its 2x4 input tile once from DRAM: 16 words, which
  // travel 0.5 hops on average (mean over the corners of a 1x2 array).
  EXPECT_EQ(i.dramWords, 16);
  EXPECT_EQ(i.nocHops, 8.0);
  // W: no loop moves it: one load of 4 words per PE, 16 distinct words
  // (K x C spans 4 x 4) per node; both nodes load all 16 from DRAM, from
  // their own corner channel (0 hops).
  EXPECT_EQ(w.regfWords, 4);
  EXPECT_EQ(w.gbufReads, 32);
  EXPECT_EQ(w.dramWords, 32);
  EXPECT_EQ(w.nocHops, 0.0);
  // O (read-write): 2 distinct tiles, each visited once: 2*2 - 2 = 2 tile
  // transfers, 4 words per PE; 4 distinct words (K spans 4, the C split
  // sums in the array) per round: 8 GBUF writes per node; 8 words per node
  // to DRAM, 0.5 hops each.
  EXPECT_EQ(o.regfWords, 4);
  EXPECT_EQ(o.gbufReads, 16);
  EXPECT_EQ(o.dramWords, 16);
  EXPECT_EQ(o.nocHops, 8.0);

  // Time: compute 8; DRAM 64 words * 2 B / 8 B per cycle = 16; bus 32 words
  // per node / 4 per cycle = 8. The layer takes 16.
  EXPECT_EQ(c.dramCycles, 16.0);
  EXPECT_EQ(c.busCycles, 8.0);
  EXPECT_EQ(c.cost.cycles, 16.0);
  // Energy: 64 MACs * 1 + 256 REGF * 0.5 + 96 bus * 2 + 64 GBUF * 3 +
  // 64 DRAM * 100 + 16 hops * 10 + 16 cycles * 0.25
  // = 64 + 128 + 192 + 192 + 6400 + 160 + 4 = 7140.
  EXPECT_EQ(c.cost.accesses.regf, 256);
  EXPECT_EQ(c.cost.accesses.gbuf, 64);
  EXPECT_EQ(c.cost.accesses.dram, 64);
  EXPECT_EQ(c.cost.accesses.nocHops, 16.0);
  EXPECT_EQ(c.cost.energy.bus, 192.0);
  EXPECT_EQ(c.cost.energyPj(), 7140.0);

  // Lower bound: 48 compulsory DRAM words (16 each of W, I, O), 64 MACs on
  // 8 PEs = 8 cycles, DRAM 48*2/8 = 12 cycles. On 1 x 2 nodes I and O
  // travel a mean 0.5 hops to the channels of all corners, W 0 to the
  // nearest: 16 hops. 64 + 128 + 4800 + 16*10 + 12*0.25.
  CostRecord lb = layerLowerBound(a, fcLayer(), LayerContext::wholeChip(a));
  EXPECT_EQ(lb.cycles, 12.0);
  EXPECT_EQ(lb.accesses.nocHops, 16.0);
  EXPECT_EQ(lb.energyPj(), 5155.0);
}

TEST(CostModel, SlidingWindowLoadsEachInputOnce) {
  // A 1-D convolution: 4 outputs from 6 inputs with a 3-wide filter, on one
  // PE of one node; the REGF slides along the input one column per step.
  ArchDesc a = tinyArch();
  LayerDesc l;
  l.kind = LayerKind::Conv;
  l.wo = 4, l.s = 3;
  LayerDataflow df;
  df.regf.tensors = {{TensorKind::I, {{D::N, 1}, {D::C, 1}, {D::Hi, 1}, {D::Wi, 3}}, 1},
                     {TensorKind::W, {{D::K, 1}, {D::C, 1}, {D::R, 1}, {D::S, 3}}, 1},
                     {TensorKind::O, {{D::N, 1}, {D::K, 1}, {D::Ho, 1}, {D::Wo, 1}}, 1}};
  df.regf.updates = {{{{D::Wi, 1}, {D::Wo, 1}}}};
  df.gbuf.tensors = {{TensorKind::I, {{D::N, 1}, {D::C, 1}, {D::Hi, 1}, {D::Wi, 6}}, 1},
                     {TensorKind::W, {{D::K, 1}, {D::C, 1}, {D::R, 1}, {D::S, 3}}, 1},
                     {TensorKind::O, {{D::N, 1}, {D::K, 1}, {D::Ho, 1}, {D::Wo, 4}}, 1}};
  LayerContext ctx = LayerContext::wholeChip(a);
  ctx.region = {0, 0, 1, 1};
  LayerCost c = evaluateLayer(a, l, df, ctx);
  ASSERT_TRUE(c.valid) << c.reason;
  // 4 steps of 3 MACs.
  EXPECT_EQ(c.macsPerformed, 12);
  EXPECT_EQ(c.computeCycles, 12.0);
  // I: 3 words, then 1 new word per step: 3 + 3*1 = 6, the input once.
  EXPECT_EQ(c.tensors[int(TensorKind::I)].regfWords, 6);
  EXPECT_EQ(c.tensors[int(TensorKind::W)].regfWords, 3);
  // O: 4 tiles written once each.
  EXPECT_EQ(c.tensors[int(TensorKind::O)].regfWords, 4);
  // DRAM 6 + 3 + 4 = 13 words; GBUF and bus 13 too (one PE).
  EXPECT_EQ(c.cost.accesses.dram, 13);
  EXPECT_EQ(c.cost.accesses.gbuf, 13);
  // Hops: I 6 * 0.5 + W 3 * 0 + O 4 * 0.5 = 5.
  EXPECT_EQ(c.cost.accesses.nocHops, 5.0);
  // 12 + 48*0.5 + 13*2 + 13*3 + 13*100 + 5*10 + 12*0.25 = 1454.
  EXPECT_EQ(c.cost.energyPj(), 1454.0);
}

TEST(CostModel, InvalidDataflowsSayWhy) {
  ArchDesc a = tinyArch();
  LayerContext ctx = LayerContext::wholeChip(a);
  auto reason = [&](const LayerDataflow &df, const LayerContext &cx) {
    LayerCost c = evaluateLayer(a, fcLayer(), df, cx);
    return c.valid ? std::string("<valid>") : c.reason;
  };
  LayerDataflow df = fcDataflow();
  df.regf.stacks[1].repl = 3; // 2 * 3 = 6 PEs of 4; C spans 6 > 4 too
  EXPECT_EQ(reason(df, ctx), "regf stacks use 6 PEs; a node has 4");

  df = fcDataflow();
  LayerContext one = ctx;
  one.region = {0, 0, 1, 1};
  EXPECT_EQ(reason(df, one), "gbuf stacks use 2 nodes; the region has 1");

  // REGF holding whole GBUF tiles: I 2*4 + W 4*4 + O 2*4 = 32 > 31.
  df = fcDataflow();
  df.regf = df.gbuf;
  df.regf.stacks.clear();
  EXPECT_EQ(reason(df, ctx), "regf level needs 32 words per buffer; 31 are usable");

  // Without the N stack the nodes' loops cover N = 2 of 4.
  df = fcDataflow();
  df.gbuf.stacks.clear();
  EXPECT_EQ(reason(df, ctx), "dim N not covered: gbuf loops cover 2 of 4");

  // Without the REGF N loop the PEs cover N = 1 of the GBUF tile's 2.
  df = fcDataflow();
  df.regf.updates.clear();
  EXPECT_EQ(reason(df, ctx),
            "dim N not covered: regf loops cover 1 of the gbuf tile's 2");

  df = fcDataflow();
  df.gbuf.stacks[0].shifts[0].amount = 3;
  EXPECT_EQ(reason(df, ctx), "gbuf stacks over dim N leave holes between "
                             "buffers (interleaved stacks are not modelled)");
}

TEST(CostModel, SpecExample) {
  ArchDesc a = defaultArch();
  LayerContext ctx = LayerContext::wholeChip(a);
  ctx.region = {0, 0, 4, 16};
  LayerDesc l = test::specExampleLayer();
  LayerDataflow df = test::specExampleDataflow();
  // REGF: I 1*2*1*5 = 10, W 3*2*1*5 = 30, O 1*3*1*1 = 3: 43 words, but the
  // preset's 64 B REGF holds 31.
  LayerCost c = evaluateLayer(a, l, df, ctx);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.reason, "regf level needs 43 words per buffer; 31 are usable");
  // With a 128 B REGF (63 words) it fits; GBUF: I 4*4*19*19/4 = 1444,
  // W 6*4*5*5 = 600, O 4*6*15*15 = 5400, 7444 of 16220.
  a.regfBytes = 128;
  c = evaluateLayer(a, l, df, ctx);
  ASSERT_TRUE(c.valid) << c.reason;
  EXPECT_EQ(c.pesUsed, 40);
  EXPECT_EQ(c.nodesUsed, 64);
  // Steps per PE: GBUF 2*2*1 = 4 times REGF 15*2*4*2*2 = 480; 30 MACs per
  // step (K3 C2 N1 Wo1 S5): 64 * 40 * 1920 * 30 = 147,456,000, 16/15 of
  // the layer's 138,240,000 (output rows padded from 15 to 16).
  EXPECT_EQ(c.macsPerformed, 147456000);
  EXPECT_EQ(l.macs(), 138240000);
  EXPECT_EQ(c.computeCycles, 1920.0 * 30);
  CostRecord lb = layerLowerBound(a, l, ctx);
  EXPECT_LE(lb.energyPj(), c.cost.energyPj());
  EXPECT_LE(lb.cycles, c.cost.cycles);
}

TEST(CostModel, OnChipDataSkipsDram) {
  ArchDesc a = tinyArch();
  LayerContext ctx = LayerContext::wholeChip(a);
  ctx.inputOnChip = true;
  ctx.inputFrom = ctx.region; // a temporal pipeline: same nodes
  ctx.outputOnChip = true;
  ctx.outputTo = ctx.region;
  LayerCost c = evaluateLayer(a, fcLayer(), fcDataflow(), ctx);
  ASSERT_TRUE(c.valid);
  // Only W (32 words) comes from DRAM; I and O (16 each) move between GBUFs
  // (counted as GBUF accesses) over 0 hops.
  EXPECT_EQ(c.cost.accesses.dram, 32);
  EXPECT_EQ(c.tensors[int(TensorKind::I)].onChipWords, 16);
  EXPECT_EQ(c.cost.accesses.gbuf, 64 + 32);
  EXPECT_EQ(c.cost.accesses.nocHops, 0.0);
}

TEST(CostModel, SegmentTiming) {
  ArchDesc a = tinyArch();
  CostRecord l1, l2;
  l1.cycles = 100;
  l1.energy.mac = 10;
  l2.cycles = 60;
  l2.energy.mac = 5;
  // Temporal: 160 cycles; static 160 * 0.25 = 40.
  CostRecord t = segmentCost(a, PipelineKind::Temporal, {l1, l2}, {10, 10}, 1);
  EXPECT_EQ(t.cycles, 160.0);
  EXPECT_EQ(t.energy.staticEnergy, 40.0);
  EXPECT_EQ(t.energy.mac, 15.0);
  // Spatial with 4 groups: slowest 100 + fill 100/4 = 125.
  CostRecord s = segmentCost(a, PipelineKind::Spatial, {l1, l2}, {10, 10}, 4);
  EXPECT_EQ(s.cycles, 125.0);
  // ... but never below the total DRAM time.
  s = segmentCost(a, PipelineKind::Spatial, {l1, l2}, {90, 90}, 4);
  EXPECT_EQ(s.cycles, 180.0);
}

TEST(CostModel, ForwardedDataTakesGbufSpace) {
  ArchDesc a = tinyArch();
  LayerContext ctx = LayerContext::wholeChip(a);
  // The FC dataflow holds I 2x4, W 4x4 and O 2x4 = 32 words per GBUF; 506
  // are usable, so 474 may be held by forwarded data, not 475.
  ctx.gbufReserved = 474;
  EXPECT_TRUE(evaluateLayer(a, fcLayer(), fcDataflow(), ctx).valid);
  ctx.gbufReserved = 475;
  LayerCost c = evaluateLayer(a, fcLayer(), fcDataflow(), ctx);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.reason, "gbuf level needs 32 words per buffer; 31 are usable "
                      "(475 hold data forwarded in the segment)");
}

TEST(CostModel, ForwardedDataReservations) {
  // A -> B -> C with a skip A -> C: FC 8 -> 6, FC 6 -> 6, an add of the
  // two; batch 4 forwarded in 2 groups. Each output is 4 x 6 = 24 words, 12
  // per group. C's output leaves the segment.
  LayerGraph g;
  auto add = [&](const char *name, LayerDesc d) {
    LayerNode n;
    n.name = name;
    n.desc = d;
    g.layers.push_back(n);
  };
  LayerDesc fcA;
  fcA.kind = LayerKind::FC;
  fcA.n = 4, fcA.c = 8, fcA.k = 6;
  LayerDesc fcB = fcA;
  fcB.c = 6;
  LayerDesc sum;
  sum.kind = LayerKind::Eltwise;
  sum.n = 4, sum.c = sum.k = 6, sum.numInputs = 2;
  add("A", fcA);
  add("B", fcB);
  add("C", sum);
  g.addEdge(0, 1);
  g.addEdge(0, 2);
  g.addEdge(1, 2);
  g.layers[2].isNetworkOutput = true;

  ArchDesc a = tinyArch();
  std::vector<LayerContext> ctxs(3, LayerContext::wholeChip(a));
  for (LayerContext &c : ctxs)
    c.batchGroups = 2;
  ctxs[0].outputOnChip = ctxs[1].outputOnChip = true;
  ctxs[1].inputOnChip = ctxs[2].inputOnChip = true;
  std::vector<int> members = {0, 1, 2};

  // Temporal, on both nodes: A's group (12 words, 6 per node) is alive from
  // A's run to C's; B's from B's to C's.
  reserveForwardedData(g, members, PipelineKind::Temporal, ctxs);
  EXPECT_EQ(ctxs[0].gbufReserved, 6);
  EXPECT_EQ(ctxs[1].gbufReserved, 12);
  EXPECT_EQ(ctxs[2].gbufReserved, 12);

  // Spatial, one node each for A and B: each keeps its own output group
  // (12 words) in its node; C keeps nothing.
  ctxs[0].region = {0, 0, 1, 1};
  ctxs[1].region = {0, 1, 1, 1};
  reserveForwardedData(g, members, PipelineKind::Spatial, ctxs);
  EXPECT_EQ(ctxs[0].gbufReserved, 12);
  EXPECT_EQ(ctxs[1].gbufReserved, 12);
  EXPECT_EQ(ctxs[2].gbufReserved, 0);

  // Not pipelined: nothing is held.
  reserveForwardedData(g, members, PipelineKind::None, ctxs);
  EXPECT_EQ(ctxs[1].gbufReserved, 0);

  // The same segment from its constraints: A on node (0, 0), B on (0, 1),
  // C on both; B reads from A's region and writes to C's; C reads from its
  // first producer, A. C's output leaves: it goes to its own region.
  std::vector<SegmentConstraint> cons(3);
  cons[0].region = {0, 0, 1, 1};
  cons[1].region = {0, 1, 1, 1};
  cons[2].region = {0, 0, 1, 2};
  for (SegmentConstraint &c : cons)
    c.batchGroups = 2;
  cons[0].outputOnChip = cons[1].outputOnChip = true;
  cons[1].inputOnChip = cons[2].inputOnChip = true;
  auto regionOf = [&](int j) -> std::optional<NodeRegion> {
    return cons[j].region;
  };
  std::vector<LayerContext> built =
      segmentContexts(g, members, PipelineKind::Spatial, cons, regionOf);
  ASSERT_EQ(built.size(), 3u);
  EXPECT_EQ(built[0].region, (NodeRegion{0, 0, 1, 1}));
  EXPECT_FALSE(built[0].inputOnChip);
  EXPECT_EQ(built[0].inputFrom, built[0].region);
  EXPECT_EQ(built[0].outputTo, (NodeRegion{0, 1, 1, 1}));
  EXPECT_EQ(built[1].inputFrom, (NodeRegion{0, 0, 1, 1}));
  EXPECT_EQ(built[1].outputTo, (NodeRegion{0, 0, 1, 2}));
  EXPECT_EQ(built[2].inputFrom, (NodeRegion{0, 0, 1, 1}));
  EXPECT_FALSE(built[2].outputOnChip);
  EXPECT_EQ(built[2].outputTo, built[2].region);
  for (const LayerContext &c : built)
    EXPECT_EQ(c.batchGroups, 2);
  // A and B keep their output groups (12 words) on their one node each.
  EXPECT_EQ(built[0].gbufReserved, 12);
  EXPECT_EQ(built[1].gbufReserved, 12);
  EXPECT_EQ(built[2].gbufReserved, 0);
  // A producer the caller knows no region of (outside the segment): the
  // layer's own region.
  built = segmentContexts(g, members, PipelineKind::Spatial, cons,
                          [](int) { return std::nullopt; });
  EXPECT_EQ(built[1].inputFrom, built[1].region);
  EXPECT_EQ(built[1].outputTo, built[1].region);
}
