//===- LoopNestTest.cpp - The loop nest of a dataflow
//----------------------===//

#include "Kapla/Dataflow/LoopNest.h"
#include "SpecExample.h"

#include "ErrorText.h"
#include "gtest/gtest.h"

using namespace mlir::kapla;
using mlir::kapla::test::specExampleDataflow;
using mlir::kapla::test::specExampleLayer;

namespace {
struct Expect {
  MemLevel level;
  bool spatial;
  unsigned index;
  Dim dim;
  int64_t step, trips;
};
} // namespace

// The example of docs/Dialect.md, read as loops by hand, outermost first.
// GBUF: update(K+=24) 2 times over K = 48, update(C+=4) 2 times over C = 8
// (update(N+=64) runs once: no loop); the stacks spread K over 4 nodes in
// tiles of 6 and N over 16 in tiles of 4. REGF, over one GBUF tile: K by 3
// (2), C by 2 (2), N by 1 (4), the 8 output rows of the PE array by 8 over
// Ho = 15 (2), Wo by 1 (15); the PE stacks: 8 output rows, 5 filter rows.
TEST(LoopNest, SpecExample) {
  llvm::Expected<llvm::SmallVector<NestLoop, 12>> nest =
      buildLoopNest(specExampleLayer(), specExampleDataflow());
  ASSERT_TRUE(bool(nest)) << errorText(nest.takeError());
  const Expect expected[] = {
      {MemLevel::Gbuf, false, 1, Dim::K, 24, 2},
      {MemLevel::Gbuf, false, 0, Dim::C, 4, 2},
      {MemLevel::Gbuf, true, 0, Dim::K, 6, 4},
      {MemLevel::Gbuf, true, 1, Dim::N, 4, 16},
      {MemLevel::Regf, false, 4, Dim::K, 3, 2},
      {MemLevel::Regf, false, 3, Dim::C, 2, 2},
      {MemLevel::Regf, false, 2, Dim::N, 1, 4},
      {MemLevel::Regf, false, 1, Dim::Ho, 8, 2},
      {MemLevel::Regf, false, 0, Dim::Wo, 1, 15},
      {MemLevel::Regf, true, 0, Dim::Ho, 1, 8},
      {MemLevel::Regf, true, 1, Dim::R, 1, 5},
  };
  ASSERT_EQ(nest->size(), std::size(expected));
  for (auto [got, want] : llvm::zip(*nest, expected)) {
    EXPECT_EQ(got.level, want.level);
    EXPECT_EQ(got.spatial, want.spatial);
    EXPECT_EQ(got.index, want.index);
    EXPECT_EQ(got.dim, want.dim);
    EXPECT_EQ(got.step, want.step);
    EXPECT_EQ(got.trips, want.trips);
  }
}

// Stack positions past the extent hold nothing: 4 nodes of K = 6 over a
// layer of K = 12 use 2.
TEST(LoopNest, IdlePositionsAreNoIterations) {
  LayerDesc layer = specExampleLayer();
  LayerDataflow df = specExampleDataflow();
  layer.k = 12;
  // GBUF K tile 6 spans 24 > 12: the K update runs once.
  llvm::Expected<llvm::SmallVector<NestLoop, 12>> nest =
      buildLoopNest(layer, df);
  ASSERT_TRUE(bool(nest)) << errorText(nest.takeError());
  ASSERT_GE(nest->size(), 2u);
  EXPECT_EQ((*nest)[0].dim, Dim::C); // no K loop at the GBUF
  EXPECT_TRUE((*nest)[1].spatial);
  EXPECT_EQ((*nest)[1].dim, Dim::K);
  EXPECT_EQ((*nest)[1].trips, 2);
}

TEST(LoopNest, DirectivesThatAreNoNest) {
  // An update stepping by less than the span it moves: GBUF C tile 4
  // moved by 2 (the tiles overlap).
  LayerDataflow overlap = specExampleDataflow();
  overlap.gbuf.updates[0].steps[0].amount = 2;
  EXPECT_EQ(errorText(buildLoopNest(specExampleLayer(), overlap).takeError()),
            "gbuf update #0 steps C by 2 but the tiles it moves span 4 (the "
            "tiles overlap)");
  // A node stack leaving gaps: K tiles of 6 placed 12 apart.
  LayerDataflow gaps = specExampleDataflow();
  gaps.gbuf.stacks[0].shifts[0].amount = 12;
  gaps.gbuf.updates[1].steps[0].amount = 48;
  EXPECT_EQ(errorText(buildLoopNest(specExampleLayer(), gaps).takeError()),
            "gbuf stack #0 shifts K by 12 but the tile it places spans 6 "
            "(the tiles leave gaps)");
}
