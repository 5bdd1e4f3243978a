//===- LayerTest.cpp - Layer descriptors ----------------------------------===//

#include "Kapla/Workload/Layer.h"

#include "ErrorText.h"
#include "gtest/gtest.h"

#include <optional>

using namespace mlir::kapla;

static LayerDesc conv(int64_t n, int64_t c, int64_t k, int64_t ho, int64_t wo,
                      int64_t r, int64_t s, int64_t stride) {
  LayerDesc l;
  l.kind = LayerKind::Conv;
  l.n = n, l.c = c, l.k = k, l.ho = ho, l.wo = wo, l.r = r, l.s = s;
  l.sy = l.sx = stride;
  return l;
}

TEST(Layer, AlexNetConv1) {
  // zoo.md: conv1_a C=3 K=48 55x55 11x11 stride 4; input 224 would be
  // (55-1)*4 + 11 = 227 rows by the "no padding" convention.
  LayerDesc l = conv(1, 3, 48, 55, 55, 11, 11, 4);
  EXPECT_EQ(l.hi(), 227);
  EXPECT_EQ(l.wi(), 227);
  EXPECT_EQ(l.extent(Dim::Hi), 227);
  // 48 * 3 * 55 * 55 * 11 * 11 = 52,707,600.
  EXPECT_EQ(l.macs(), 52707600);
  EXPECT_EQ(errorText(validateLayer(l)), "");
}

TEST(Layer, DilationWidensTheInput) {
  LayerDesc l = conv(1, 4, 4, 8, 6, 3, 3, 1);
  l.dy = 2;
  EXPECT_EQ(l.hi(), 7 + 4 + 1);  // (8-1)*1 + (3-1)*2 + 1
  EXPECT_EQ(l.wi(), 5 + 2 + 1);  // (6-1)*1 + (3-1)*1 + 1
}

TEST(Layer, MacsPerKind) {
  LayerDesc fc;
  fc.kind = LayerKind::FC;
  fc.n = 64, fc.c = 256, fc.k = 4096, fc.r = 6, fc.s = 6; // AlexNet fc1
  EXPECT_EQ(fc.macs(), 64LL * 256 * 4096 * 36);
  EXPECT_EQ(fc.hi(), 6);

  LayerDesc dw;
  dw.kind = LayerKind::DWConv;
  dw.n = 1, dw.c = dw.k = 32, dw.ho = dw.wo = 112, dw.r = dw.s = 3;
  EXPECT_EQ(dw.macs(), 32LL * 112 * 112 * 9);

  LayerDesc pool;
  pool.kind = LayerKind::Pool;
  pool.c = pool.k = 64, pool.ho = pool.wo = 56, pool.r = pool.s = 3;
  pool.sy = pool.sx = 2;
  EXPECT_EQ(pool.macs(), 64LL * 56 * 56 * 9);
  EXPECT_EQ(pool.hi(), 113);

  LayerDesc add;
  add.kind = LayerKind::Eltwise;
  add.c = add.k = 256, add.ho = add.wo = 56, add.numInputs = 2;
  EXPECT_EQ(add.macs(), 256LL * 56 * 56); // (2-1) ops per element
  add.numInputs = 4;
  EXPECT_EQ(add.macs(), 3LL * 256 * 56 * 56);
  add.numInputs = 1; // the LSTM's Wd: one op per element
  EXPECT_EQ(add.macs(), 256LL * 56 * 56);

  LayerDesc mm;
  mm.kind = LayerKind::MatMul;
  mm.n = 512, mm.c = 64, mm.k = 512;
  EXPECT_EQ(mm.macs(), 512LL * 64 * 512);
}

TEST(Layer, TensorDimsFollowTheKind) {
  EXPECT_TRUE(tensorDims(LayerKind::Conv, TensorKind::I) ==
              (DimSet{Dim::N, Dim::C, Dim::Hi, Dim::Wi}));
  EXPECT_TRUE(tensorDims(LayerKind::DWConv, TensorKind::W) ==
              (DimSet{Dim::C, Dim::R, Dim::S}));
  EXPECT_TRUE(tensorDims(LayerKind::MatMul, TensorKind::O) ==
              (DimSet{Dim::N, Dim::K}));
  EXPECT_FALSE(hasTensor(LayerKind::Pool, TensorKind::W));
  EXPECT_TRUE(knownDims(LayerKind::Pool).contains(Dim::R));
  EXPECT_FALSE(knownDims(LayerKind::Pool).contains(Dim::K));
  EXPECT_FALSE(knownDims(LayerKind::Eltwise).contains(Dim::R));
}

TEST(Layer, ReadWriteTensorFollowsThePass) {
  EXPECT_TRUE(isReadWrite(LayerPass::Forward, TensorKind::O));
  EXPECT_FALSE(isReadWrite(LayerPass::Forward, TensorKind::W));
  EXPECT_TRUE(isReadWrite(LayerPass::BackwardData, TensorKind::I));
  EXPECT_TRUE(isReadWrite(LayerPass::BackwardWeight, TensorKind::W));
}

TEST(Layer, ValidationRules) {
  LayerDesc l = conv(1, 3, 8, 4, 4, 3, 3, 1);
  l.c = 0;
  EXPECT_EQ(errorText(validateLayer(l)), "C must be positive, got 0");
  l = conv(1, 3, 8, 4, 4, 3, 3, 1);
  l.kind = LayerKind::DWConv;
  EXPECT_EQ(errorText(validateLayer(l)),
            "dwconv layer requires K == C (got C = 3, K = 8)");
  l = conv(1, 3, 8, 4, 4, 3, 3, 1);
  l.kind = LayerKind::FC;
  EXPECT_EQ(errorText(validateLayer(l)), "fc layer requires Ho = Wo = 1");
  l = conv(1, 3, 8, 4, 4, 3, 3, 1);
  l.numInputs = 2;
  EXPECT_EQ(errorText(validateLayer(l)),
            "conv layer requires inputs = 1 (only eltwise layers combine "
            "several inputs)");
  LayerDesc pool;
  pool.kind = LayerKind::Pool;
  pool.pass = LayerPass::BackwardWeight;
  EXPECT_EQ(errorText(validateLayer(pool)),
            "a backward-weight pass needs a layer with weights; pool has none");
  LayerDesc huge = conv(1 << 20, 1 << 20, 1 << 20, 1, 1, 1, 1, 1);
  EXPECT_NE(errorText(validateLayer(huge)), "");
}

// A dim of several loops, worked by hand. N = 12 heads x 512 rows: a tile
// is a box when it divides the rows (1 x t), or is whole rows of a number
// of heads that divides 12 (h x 512).
TEST(Layer, BoxTiles) {
  using V = llvm::SmallVector<int64_t, 4>;
  using Loops = llvm::SmallVector<int64_t, 0>;
  const int64_t heads[] = {12, 512};
  EXPECT_EQ(boxTile(heads, 64), V({1, 64}));
  EXPECT_EQ(boxTile(heads, 512), V({1, 512}));
  EXPECT_EQ(boxTile(heads, 1024), V({2, 512}));
  EXPECT_EQ(boxTile(heads, 1536), V({3, 512}));
  EXPECT_EQ(boxTile(heads, 6144), V({12, 512}));
  EXPECT_EQ(boxTile(heads, 8192), V({12, 512})); // covers every loop
  EXPECT_EQ(boxTile(heads, 48), std::nullopt);   // 512 / 48 is no whole
  EXPECT_EQ(boxTile(heads, 768), std::nullopt);  // a head and a half
  EXPECT_EQ(boxTile(heads, 2560), std::nullopt); // 5 heads: 12 / 5
  // Three loops, 2 x 3 x 4.
  const int64_t three[] = {2, 3, 4};
  EXPECT_EQ(boxTile(three, 2), V({1, 1, 2}));
  EXPECT_EQ(boxTile(three, 12), V({1, 3, 4}));
  EXPECT_EQ(boxTile(three, 6), std::nullopt); // 6 is no multiple of 4
  EXPECT_EQ(boxTile(three, 8), std::nullopt); // 2 rows of 4 of 3
  // Cutting the layer to one tile keeps the loops of the box.
  LayerDesc l;
  l.kind = LayerKind::MatMul;
  l.n = 6144;
  l.c = 64;
  l.k = 512;
  l.loops[int(Dim::N)] = {12, 512};
  LayerDesc g = l;
  cutDim(g, Dim::N, 1024);
  EXPECT_EQ(g.n, 1024);
  EXPECT_EQ(g.loops[int(Dim::N)], Loops({2, 512}));
  g = l;
  cutDim(g, Dim::N, 256); // one loop left
  EXPECT_EQ(g.n, 256);
  EXPECT_TRUE(g.loops[int(Dim::N)].empty());
  EXPECT_FALSE(g.hasMultiLoopDims());
}

TEST(Layer, LoopsOfDims) {
  // A batched matmul over (heads, rows, cols, reduction) = 12 x 512 x 512
  // x 64: N is heads x rows.
  LayerDesc l;
  l.kind = LayerKind::MatMul;
  l.n = 6144;
  l.c = 64;
  l.k = 512;
  const int64_t ranges[] = {12, 512, 512, 64};
  const std::optional<Dim> dims[] = {Dim::N, Dim::N, Dim::K, Dim::C};
  setDimLoops(l, ranges, dims);
  EXPECT_EQ(l.loops[int(Dim::N)], (llvm::SmallVector<int64_t, 0>{12, 512}));
  EXPECT_TRUE(l.loops[int(Dim::K)].empty());
  EXPECT_FALSE(bool(validateLayer(l)));
  // Element-wise over 4 x 16 x 12 with N = 64, C = 12: no loop of 64, so
  // N is the first two loops.
  LayerDesc e;
  e.kind = LayerKind::Eltwise;
  e.n = 64;
  e.c = e.k = 12;
  const int64_t eranges[] = {4, 16, 12};
  llvm::SmallVector<std::optional<Dim>, 8> edims = eltwiseLoopDims(eranges, e);
  ASSERT_EQ(edims.size(), 3u);
  EXPECT_EQ(edims[0], Dim::N);
  EXPECT_EQ(edims[1], Dim::N);
  EXPECT_EQ(edims[2], Dim::C);
  // The rules of the loops.
  LayerDesc bad = l;
  bad.loops[int(Dim::N)] = {12, 500};
  EXPECT_EQ(errorText(validateLayer(bad)),
            "loops: the loops of N multiply to 6000 but N = 6144");
  bad.loops[int(Dim::N)] = {6144};
  EXPECT_EQ(errorText(validateLayer(bad)),
            "loops: N lists one loop; only a dim of several loops is listed");
  bad.loops[int(Dim::N)] = {1, 6144};
  EXPECT_EQ(errorText(validateLayer(bad)),
            "loops: the loops of N must have extents of at least 2, got 1");
  e.loops[int(Dim::K)] = {3, 4};
  EXPECT_EQ(errorText(validateLayer(e)),
            "loops: K is no dim a loop of the eltwise layer runs over (its "
            "channels are C)");
}

TEST(Layer, Names) {
  EXPECT_STREQ(stringifyLayerKind(LayerKind::DWConv), "dwconv");
  EXPECT_STREQ(reportNameOfLayerKind(LayerKind::Eltwise), "ELTWISE");
  EXPECT_EQ(symbolizeLayerPass("backward-data"), LayerPass::BackwardData);
  EXPECT_EQ(symbolizeDim("Wi"), Dim::Wi);
  EXPECT_FALSE(symbolizeDim("X").has_value());
}
