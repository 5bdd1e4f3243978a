//===- LayerTest.cpp - Layer descriptors ----------------------------------===//

#include "Kapla/Workload/Layer.h"
#include "Kapla/Support/KaplaEnums.h"

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

TEST(Layer, WindowOfSpanInvertsWindowSpan) {
  // AlexNet conv1 (stride 4): 227 input rows over 55 output rows hold the
  // 11 filter rows; 15 rows over 2 output rows hold 11 too, 14 only 10.
  EXPECT_EQ(windowOfSpan(227, 55, 4, 1), 11);
  EXPECT_EQ(windowOfSpan(15, 2, 4, 1), 11);
  EXPECT_EQ(windowOfSpan(14, 2, 4, 1), 10);
  // Dilation 2: 12 rows over 8 output rows hold (12 - 7 - 1) / 2 + 1 = 3
  // filter rows, 13 rows still 3.
  EXPECT_EQ(windowOfSpan(12, 8, 1, 2), 3);
  EXPECT_EQ(windowOfSpan(13, 8, 1, 2), 3);
  // The inverse of every span of small tiles.
  for (int64_t out = 1; out <= 6; ++out)
    for (int64_t win = 1; win <= 5; ++win)
      for (int64_t stride = 1; stride <= 3; ++stride)
        for (int64_t dil = 1; dil <= 3; ++dil)
          EXPECT_EQ(windowOfSpan(windowSpan(out, win, stride, dil), out,
                                 stride, dil),
                    win);
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

// A dim of several loops, worked by hand: N = 12 heads x 512 rows, the
// rows carrying the batch (bit 1). A tile keeps the heads whole as far as
// it can: a batch group of 1/32 of N is 12 heads x 16 rows.
TEST(Layer, TileShapes) {
  using V = llvm::SmallVector<int64_t, 4>;
  using Loops = llvm::SmallVector<int64_t, 0>;
  const int64_t heads[] = {12, 512};
  const uint32_t rows = 0b10;
  EXPECT_EQ(tileShape(heads, rows, 192), V({12, 16}));
  EXPECT_EQ(tileShape(heads, rows, 48), V({12, 4}));
  EXPECT_EQ(tileShape(heads, rows, 8), V({4, 2})); // gcd(8, 12) = 4
  EXPECT_EQ(tileShape(heads, rows, 6144), V({12, 512}));
  EXPECT_EQ(tileShape(heads, rows, 8192), V({12, 512})); // covers them
  EXPECT_EQ(tileShape(heads, rows, 5), std::nullopt);    // 6144 / 5
  EXPECT_EQ(tileShape(heads, rows, 1000), std::nullopt);
  // Without a batch loop, major first: 8 is 4 heads x 2 rows as well; the
  // rows first when they are the only loop without the batch.
  EXPECT_EQ(tileShape(heads, 0, 192), V({12, 16}));
  EXPECT_EQ(tileShape(heads, 0b01, 192), V({3, 64}));
  // Both loops cut: 4 heads x 6 rows in tiles of 6 are 2 x 3.
  const int64_t small[] = {4, 6};
  EXPECT_EQ(tileShape(small, rows, 6), V({2, 3}));
  // Cutting the layer to one batch group keeps the loops of the tile.
  LayerDesc l;
  l.kind = LayerKind::MatMul;
  l.n = 6144;
  l.c = 64;
  l.k = 512;
  l.loops[int(Dim::N)] = {12, 512};
  l.batchLoops = rows;
  LayerDesc g = l;
  cutDim(g, Dim::N, 192);
  EXPECT_EQ(g.n, 192);
  EXPECT_EQ(g.loops[int(Dim::N)], Loops({12, 16}));
  EXPECT_EQ(g.batchLoops, rows);
  g = l;
  cutDim(g, Dim::N, 12); // one row of every head: one loop left
  EXPECT_EQ(g.n, 12);
  EXPECT_TRUE(g.loops[int(Dim::N)].empty());
  EXPECT_EQ(g.batchLoops, 0u);
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
  const bool batch[] = {false, true, false, false};
  setDimLoops(l, ranges, dims, batch);
  EXPECT_EQ(l.loops[int(Dim::N)], (llvm::SmallVector<int64_t, 0>{12, 512}));
  EXPECT_EQ(l.batchLoops, 0b10u);
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
  bad = l;
  bad.batchLoops = 0b100;
  EXPECT_EQ(errorText(validateLayer(bad)),
            "batch_loops: N has 2 loops listed in loops; the batch loops must "
            "be among them");
  e.loops[int(Dim::K)] = {3, 4};
  EXPECT_EQ(errorText(validateLayer(e)),
            "loops: K is no dim a loop of the eltwise layer runs over (its "
            "channels are C)");
}

TEST(Layer, Names) {
  EXPECT_STREQ(stringifyLayerKind(LayerKind::DWConv), "dwconv");
  EXPECT_STREQ(reportNameOfLayerKind(LayerKind::Eltwise), "ELTWISE");
  EXPECT_EQ(symbolizeLayerPass("backward_data"), LayerPass::BackwardData);
  EXPECT_FALSE(symbolizeLayerPass("backward-data").has_value());
  EXPECT_STREQ(reportNameOfLayerPass(LayerPass::BackwardData), "backward-data");
  EXPECT_STREQ(stringifyPETemplate(PETemplate::RowStationary),
               "row-stationary");
  EXPECT_EQ(symbolizePipelineKind("temporal"), PipelineKind::Temporal);
  EXPECT_STREQ(stringifyMemLevel(MemLevel::Gbuf), "gbuf");
  EXPECT_EQ(symbolizeDim("Wi"), Dim::Wi);
  EXPECT_FALSE(symbolizeDim("X").has_value());
}
