//===- PEMappingTest.cpp - Row-stationary and systolic units --------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/CostModel/PEMapping.h"
#include "BruteForce.h"

#include "gtest/gtest.h"

#include <vector>

using namespace mlir::kapla;
using D = Dim;

namespace {
LayerDesc layer(LayerKind kind, int64_t n, int64_t c, int64_t k, int64_t ho,
                int64_t wo, int64_t r, int64_t s, int64_t stride) {
  LayerDesc l;
  l.kind = kind;
  l.n = n, l.c = c, l.k = k, l.ho = ho, l.wo = wo, l.r = r, l.s = s;
  l.sy = l.sx = stride;
  if (kind == LayerKind::Eltwise)
    l.numInputs = 2;
  return l;
}

/// A dataflow whose GBUF level holds the whole layer on one node and whose
/// REGF level is the template's unit.
LayerDataflow wholeLayer(const ArchDesc &a, const LayerDesc &l) {
  LayerDataflow df;
  df.regf = makePEUnit(a, l, layerExtents(l)).regf;
  appendTensorTiles(l.kind, layerExtents(l), df.gbuf);
  return df;
}

std::string str(llvm::ArrayRef<DimAmount> v) {
  std::string s;
  for (const DimAmount &d : v)
    s += std::string(s.empty() ? "" : " ") + stringifyDim(d.dim) + "=" +
         std::to_string(d.amount);
  return s;
}
} // namespace

TEST(PEMapping, RowStationaryAlexNetConv1) {
  // conv1_a: 3 -> 48, 55x55 outputs, 11x11 filter, stride 4, on 8x8 PEs.
  ArchDesc a = *getPreset("multi-node-16x16");
  LayerDesc l = layer(LayerKind::Conv, 1, 3, 48, 55, 55, 11, 11, 4);
  PEUnit u = makePEUnit(a, l, layerExtents(l));
  // 8 of the 11 filter rows on the PE rows, 8 of the 55 output rows on the
  // columns: 64 PEs; each holds a whole filter row (11 weights) and the 11
  // input columns it sees, and does 11 MACs per step.
  EXPECT_EQ(u.pesUsed, 64);
  EXPECT_EQ(u.macsPerStep, 11);
  ASSERT_EQ(u.regf.stacks.size(), 2u);
  EXPECT_EQ(str(u.regf.stacks[0].shifts), "R=1 Hi=1");
  EXPECT_EQ(u.regf.stacks[0].repl, 8);
  EXPECT_EQ(str(u.regf.stacks[1].shifts), "Ho=1 Hi=4");
  EXPECT_EQ(u.regf.stacks[1].repl, 8);
  // Slide along the row (stride 4), fold the other 3 filter rows and the
  // other 47 output rows, then channels.
  ASSERT_EQ(u.regf.updates.size(), 5u);
  EXPECT_EQ(str(u.regf.updates[0].steps), "Wo=1 Wi=4");
  EXPECT_EQ(str(u.regf.updates[1].steps), "R=8 Hi=8");
  EXPECT_EQ(str(u.regf.updates[2].steps), "Ho=8 Hi=32");
  EXPECT_EQ(str(u.regf.updates[3].steps), "C=1");
  EXPECT_EQ(str(u.regf.updates[4].steps), "K=1");
  EXPECT_EQ(str(u.regf.findTensor(TensorKind::I)->sizes), "N=1 C=1 Hi=1 Wi=11");
  EXPECT_EQ(str(u.regf.findTensor(TensorKind::W)->sizes), "C=1 K=1 R=1 S=11");
}

TEST(PEMapping, SystolicFC) {
  // MLP-L fc2: 1500 -> 1000 at batch 1 on 16x16: 16 input channels on the
  // rows, 16 output channels on the columns, one MAC per PE per step.
  ArchDesc a = *getPreset("edge-systolic");
  LayerDesc l = layer(LayerKind::FC, 1, 1500, 1000, 1, 1, 1, 1, 1);
  PEUnit u = makePEUnit(a, l, layerExtents(l));
  EXPECT_EQ(u.pesUsed, 256);
  EXPECT_EQ(u.macsPerStep, 1);
  ASSERT_EQ(u.regf.stacks.size(), 2u);
  EXPECT_EQ(str(u.regf.stacks[0].shifts), "C=1");
  EXPECT_EQ(str(u.regf.stacks[1].shifts), "K=1");
  ASSERT_EQ(u.regf.updates.size(), 2u);
  EXPECT_EQ(str(u.regf.updates[0].steps), "C=16");
  EXPECT_EQ(str(u.regf.updates[1].steps), "K=16");
}

TEST(PEMapping, SystolicDepthwise) {
  // 32 channels over the 16 columns, the 3 filter rows on 3 rows.
  ArchDesc a = *getPreset("edge-systolic");
  LayerDesc l = layer(LayerKind::DWConv, 1, 32, 32, 112, 112, 3, 3, 1);
  PEUnit u = makePEUnit(a, l, layerExtents(l));
  EXPECT_EQ(u.pesUsed, 48);
  ASSERT_EQ(u.regf.stacks.size(), 2u);
  EXPECT_EQ(str(u.regf.stacks[0].shifts), "C=1");
  EXPECT_EQ(str(u.regf.stacks[1].shifts), "R=1 Hi=1");
}

TEST(PEMapping, EveryKindGivesAValidUnit) {
  // Both templates, every kind, shapes from the zoo (strided, pointwise,
  // depthwise, pooling, FC with a window, residual add, matmul) and small
  // ones, each under the whole-layer GBUF tile: valid, no work lost.
  const LayerDesc shapes[] = {
      layer(LayerKind::Conv, 2, 3, 48, 55, 55, 11, 11, 4),
      layer(LayerKind::Conv, 2, 64, 64, 56, 56, 3, 3, 1),
      layer(LayerKind::Conv, 2, 256, 512, 28, 28, 1, 1, 2),
      layer(LayerKind::Conv, 1, 3, 4, 5, 3, 2, 2, 3),
      layer(LayerKind::DWConv, 2, 32, 32, 112, 112, 3, 3, 1),
      layer(LayerKind::DWConv, 1, 64, 64, 56, 56, 3, 3, 2),
      layer(LayerKind::Pool, 2, 64, 64, 27, 27, 3, 3, 2),
      layer(LayerKind::Pool, 2, 1024, 1024, 1, 1, 7, 7, 7),
      layer(LayerKind::FC, 2, 256, 4096, 1, 1, 6, 6, 1),
      layer(LayerKind::FC, 4, 1500, 1000, 1, 1, 1, 1, 1),
      layer(LayerKind::MatMul, 64, 64, 512, 1, 1, 1, 1, 1),
      layer(LayerKind::Eltwise, 2, 256, 256, 56, 56, 1, 1, 1),
  };
  // Backward layers loop over the same dims: their units must be valid too.
  std::vector<LayerDesc> all(std::begin(shapes), std::end(shapes));
  for (const LayerDesc &l : shapes) {
    if (l.kind == LayerKind::Pool || l.kind == LayerKind::Eltwise)
      continue;
    LayerDesc bd = l, bw = l;
    bd.pass = LayerPass::BackwardData;
    bw.pass = LayerPass::BackwardWeight;
    all.push_back(bd);
    all.push_back(bw);
  }
  for (const char *preset : {"multi-node-16x16", "edge-systolic"}) {
    ArchDesc a = *getPreset(preset);
    a.regfBytes = 1 << 16; // capacity is the solver's concern, not here
    a.gbufBytes = int64_t(1) << 36;
    for (const LayerDesc &l : all) {
      LayerDataflow df = wholeLayer(a, l);
      LayerContext ctx = LayerContext::wholeChip(a);
      LayerCost c = evaluateLayer(a, l, df, ctx);
      ASSERT_TRUE(c.valid) << preset << " " << stringifyLayerKind(l.kind)
                           << ": " << c.reason;
      EXPECT_GE(c.macsPerformed, l.macs());
      EXPECT_LE(c.pesUsed, a.numPEsPerNode());
    }
  }
}

TEST(PEMapping, UnitsComputeEveryMac) {
  // Small layers, simulated MAC by MAC.
  const LayerDesc shapes[] = {
      layer(LayerKind::Conv, 2, 3, 4, 5, 3, 3, 2, 1),
      layer(LayerKind::Conv, 1, 2, 3, 4, 4, 3, 3, 2),
      layer(LayerKind::Conv, 1, 2, 2, 3, 3, 1, 1, 2),
      layer(LayerKind::Conv, 1, 3, 5, 12, 2, 10, 1, 1),
  };
  for (const char *preset : {"multi-node-4x4", "edge-systolic"}) {
    ArchDesc a = *getPreset(preset);
    for (const LayerDesc &l : shapes)
      EXPECT_TRUE(test::bruteForceCovers(l, wholeLayer(a, l)))
          << preset << " C=" << l.c << " Ho=" << l.ho;
  }
}
