//===- DirectivesTest.cpp - Directive structure and loop counts -----------===//

#include "Kapla/Dataflow/Directives.h"
#include "Kapla/Dataflow/Segment.h"
#include "SpecExample.h"

#include "ErrorText.h"
#include "gtest/gtest.h"

using namespace mlir::kapla;
using mlir::kapla::test::specExampleDataflow;
using mlir::kapla::test::specExampleLayer;

TEST(Directives, LoopIterations) {
  EXPECT_EQ(loopIterations(15, 15, 1), 1);
  EXPECT_EQ(loopIterations(15, 1, 1), 15);
  EXPECT_EQ(loopIterations(19, 12, 8), 2);  // 1 + ceil(7/8)
  EXPECT_EQ(loopIterations(10, 3, 3), 4);   // 1 + ceil(7/3): last tile partial
  EXPECT_EQ(loopIterations(10, 20, 3), 1);
}

TEST(Directives, SpecExampleLoopCounts) {
  std::array<LevelShape, kNumLevels> shapes;
  std::string err = errorText(checkDataflowStructure(
      specExampleLayer(), specExampleDataflow(), &shapes));
  ASSERT_EQ(err, "");
  const LevelShape &g = shapes[int(MemLevel::Gbuf)];
  const LevelShape &r = shapes[int(MemLevel::Regf)];

  // GBUF: K spans 6 + 3*6 = 24 nodes' worth, N spans 4 + 15*4 = 64.
  EXPECT_EQ(g.span[int(Dim::K)], 24);
  EXPECT_EQ(g.span[int(Dim::N)], 64);
  // update(C+=4) over 8 from a tile of 4: 2; update(K+=24) over 48: 2;
  // update(N+=64): the stacks already span the batch: 1.
  EXPECT_EQ(g.updateCounts, (llvm::SmallVector<int64_t>{2, 2, 1}));
  EXPECT_EQ(g.covered[int(Dim::C)], 8);
  EXPECT_EQ(g.covered[int(Dim::K)], 48);

  // REGF loops over one GBUF tile (N=4, C=4, K=6, Ho=Wo=15, Hi=Wi=19).
  EXPECT_EQ(r.extent[int(Dim::Hi)], 19);
  EXPECT_EQ(r.extent[int(Dim::K)], 6);
  // The two PE stacks: Hi spans 1 + 7 + 4 = 12 rows, Ho 8, R 5.
  EXPECT_EQ(r.span[int(Dim::Hi)], 12);
  EXPECT_EQ(r.span[int(Dim::Ho)], 8);
  EXPECT_EQ(r.span[int(Dim::R)], 5);
  // Wi: 1 + (19-5)/1 = 15 = Wo: 1 + (15-1)/1; Hi: 1 + ceil(7/8) = 2 = Ho:
  // 1 + ceil(7/8); N: 4; C: 4/2 = 2; K: 6/3 = 2.
  EXPECT_EQ(r.updateCounts, (llvm::SmallVector<int64_t>{15, 2, 4, 2, 2}));
  EXPECT_EQ(r.covered[int(Dim::Wi)], 19);
  EXPECT_EQ(r.covered[int(Dim::Ho)], 16); // 8 + 8: the last tile is partial
}

TEST(Directives, UpdateDimsMustAgree) {
  LayerDataflow df = specExampleDataflow();
  // update(N+=1, C+=2) over the GBUF tile's N = 4, C = 4: 4 vs 2 iterations.
  df.regf.updates[2].steps.push_back({Dim::C, 2});
  std::string err = errorText(checkDataflowStructure(specExampleLayer(), df));
  EXPECT_EQ(err, "regf level: update #2 gives different iteration counts "
                 "for its dims (N: 4, C: 2)");
}

TEST(Directives, InputRowsRideAlong) {
  // Moving Hi by 4 with Ho by 8 changes nothing about the count (Ho's 2);
  // Hi's covered range grows by 4 per extra iteration.
  LayerDataflow df = specExampleDataflow();
  df.regf.updates[1].steps[0].amount = 4;
  std::array<LevelShape, kNumLevels> shapes;
  ASSERT_EQ(errorText(checkDataflowStructure(specExampleLayer(), df, &shapes)),
            "");
  EXPECT_EQ(shapes[int(MemLevel::Regf)].updateCounts[1], 2);
  EXPECT_EQ(shapes[int(MemLevel::Regf)].covered[int(Dim::Hi)], 12 + 4);
}

TEST(Directives, StructuralErrors) {
  LayerDesc layer = specExampleLayer();
  auto errorOf = [&](LayerDataflow df) {
    std::string e = errorText(checkDataflowStructure(layer, df));
    return e.empty() ? std::string("<valid>") : e;
  };
  LayerDataflow df = specExampleDataflow();
  df.regf.stacks[0].repl = 0;
  EXPECT_EQ(errorOf(df),
            "regf level: stack replication must be at least 1, got 0");

  df = specExampleDataflow();
  df.gbuf.tensors[0].sizes[1].amount = 0;
  EXPECT_EQ(errorOf(df), "gbuf level: tensor I size of C must be positive, got 0");

  df = specExampleDataflow();
  df.gbuf.tensors[1].sizes[1].amount = 2; // W says C=2, I says C=4
  EXPECT_EQ(errorOf(df),
            "gbuf level: tensors disagree on the tile of C (4 vs 2)");

  df = specExampleDataflow();
  df.regf.tensors[2].sizes.pop_back(); // O without Wo
  EXPECT_EQ(errorOf(df), "regf level: tensor O must give a size for dim Wo");

  df = specExampleDataflow();
  df.gbuf.tensors.erase(df.gbuf.tensors.begin() + 1); // no W
  EXPECT_EQ(errorOf(df),
            "gbuf level: tensor W of the conv layer is missing");

  df = specExampleDataflow();
  df.gbuf.tensors[0].shr = 0;
  EXPECT_EQ(errorOf(df),
            "gbuf level: tensor I sharing factor shr must be at least 1, got 0");

  df = specExampleDataflow();
  df.regf.updates[2].steps.push_back({Dim::N, 2});
  EXPECT_EQ(errorOf(df), "regf level: update lists dim N twice");

  df = specExampleDataflow();
  df.gbuf.tensors[2].sizes[0] = {Dim::C, 4}; // O indexed by C
  EXPECT_EQ(errorOf(df),
            "gbuf level: tensor O of conv layers has no dim C");

  df = specExampleDataflow();
  df.gbuf.tensors[0].sizes[2].amount = 20; // Hi tile 20 > 19
  EXPECT_EQ(errorOf(df), "gbuf level: tensor I tile of Hi is 20, larger than "
                         "the 19 it tiles");

  // A pooling layer has no K: a stack over K is rejected.
  LayerDesc pool;
  pool.kind = LayerKind::Pool;
  pool.c = pool.k = 4, pool.ho = pool.wo = 2, pool.r = pool.s = 2;
  pool.sy = pool.sx = 2;
  LayerDataflow pdf;
  for (LevelDirectives *l : {&pdf.regf, &pdf.gbuf}) {
    l->tensors = {
        {TensorKind::I, {{Dim::N, 1}, {Dim::C, 4}, {Dim::Hi, 4}, {Dim::Wi, 4}}, 1},
        {TensorKind::O, {{Dim::N, 1}, {Dim::C, 4}, {Dim::Ho, 2}, {Dim::Wo, 2}}, 1}};
  }
  EXPECT_EQ(errorText(checkDataflowStructure(pool, pdf)), "");
  pdf.gbuf.stacks = {{{{Dim::K, 1}}, 2}};
  EXPECT_EQ(errorText(checkDataflowStructure(pool, pdf)),
            "gbuf level: stack over dim K, which pool layers do not have");
}

TEST(Segment, RegionsAndConstraints) {
  ArchDesc a = *getPreset("multi-node-4x4");
  NodeRegion r{0, 0, 4, 2};
  EXPECT_TRUE(r.fitsIn(a));
  EXPECT_FALSE((NodeRegion{2, 3, 2, 2}).fitsIn(a));
  EXPECT_TRUE(r.overlaps(NodeRegion{3, 1, 1, 1}));
  EXPECT_FALSE(r.overlaps(NodeRegion{0, 2, 4, 2}));
  SegmentConstraint c;
  c.region = {0, 0, 0, 2};
  EXPECT_EQ(errorText(checkConstraint(c)),
            "region must have at least one row and one column, got 0 x 2");
  EXPECT_EQ(symbolizePipelineKind("temporal"), PipelineKind::Temporal);
}
