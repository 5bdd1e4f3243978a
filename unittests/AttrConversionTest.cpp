//===- AttrConversionTest.cpp - Core values <-> kapla attributes ----------===//

#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "SpecExample.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kapla;

namespace {
class AttrConversion : public ::testing::Test {
protected:
  AttrConversion() { ctx.loadDialect<KaplaDialect>(); }

  /// Prints `attr` and parses it back.
  Attribute reparse(Attribute attr) {
    std::string text;
    llvm::raw_string_ostream os(text);
    attr.print(os);
    return parseAttribute(text, &ctx);
  }

  MLIRContext ctx;
};
} // namespace

TEST_F(AttrConversion, EveryPresetRoundTrips) {
  for (const std::string &name : presetNames()) {
    ArchDesc a = *getPreset(name);
    ArchAttr attr = toAttr(&ctx, a);
    EXPECT_EQ(toCore(attr), a) << name;
    EXPECT_EQ(reparse(attr), attr) << name;
  }
}

TEST_F(AttrConversion, ArchWithUnusualNumbersRoundTrips) {
  ArchDesc a = defaultArch();
  a.name = "odd \"quoted\" name";
  a.freqMHz = 1.0 / 3.0;
  a.dramBwBytesPerCycle = 1e-7;
  a.energy.staticPerCycle = 1e20;
  ArchAttr attr = toAttr(&ctx, a);
  EXPECT_EQ(toCore(attr), a);
  EXPECT_EQ(reparse(attr), attr);
}

TEST_F(AttrConversion, LayerRoundTrips) {
  LayerDesc l = test::specExampleLayer();
  l.pass = LayerPass::BackwardWeight;
  l.sy = 2;
  l.dx = 3;
  LayerAttr attr = toAttr(&ctx, l);
  EXPECT_EQ(toCore(attr), l);
  EXPECT_EQ(reparse(attr), attr);
  EXPECT_EQ(attr.getPass(), LayerPass::BackwardWeight);
}

TEST_F(AttrConversion, DataflowRoundTrips) {
  LayerDataflow df = test::specExampleDataflow();
  DataflowAttr attr = toAttr(&ctx, df);
  EXPECT_EQ(toCore(attr), df);
  EXPECT_EQ(reparse(attr), attr);
  EXPECT_EQ(attr.getGbuf().getTensors()[0].getShr(), 4);
}

TEST_F(AttrConversion, ConstraintRoundTrips) {
  SegmentConstraint c;
  c.region = {2, 4, 3, 5};
  c.batchGroups = 8;
  c.outputOnChip = true;
  ConstraintAttr attr = toAttr(&ctx, c);
  EXPECT_EQ(toCore(attr), c);
  EXPECT_EQ(reparse(attr), attr);
}

TEST_F(AttrConversion, CostRoundTripsAndSumsEnergy) {
  CostRecord c;
  c.energy = {8.0, 2.5, 0.125, 1.0 / 7.0, 401.89, 9.76, 1272.87};
  c.cycles = 12345.5;
  c.accesses = {10, 20, 30, 40.5};
  CostAttr attr = toAttr(&ctx, c);
  EXPECT_EQ(toCore(attr), c);
  EXPECT_EQ(attr.getEnergyPj(), c.energyPj());
  EXPECT_EQ(reparse(attr), attr);
}

TEST_F(AttrConversion, NumberParametersCompareAsTheyHash) {
  // The uniquer finds an attribute by the hash of its parameters, then
  // compares them: equal parameters must hash equal.
  EXPECT_FALSE(F64(-0.0) == F64(0.0));
  EXPECT_NE(hash_value(F64(-0.0)), hash_value(F64(0.0)));
  EXPECT_TRUE(F64(NAN) == F64(NAN));
  EXPECT_EQ(hash_value(F64(NAN)), hash_value(F64(NAN)));
  EXPECT_TRUE(F64(0.5) == F64(0.5));
  ArchDesc a = defaultArch();
  a.energy.staticPerCycle = NAN;
  // The same parameters give the same attribute, a NaN included.
  EXPECT_EQ(toAttr(&ctx, a), toAttr(&ctx, a));
  // -0 and +0 print differently, so they are two attributes, each of
  // which reads back as itself.
  ArchDesc pos = defaultArch(), neg = defaultArch();
  pos.energy.staticPerCycle = 0.0;
  neg.energy.staticPerCycle = -0.0;
  ArchAttr p = toAttr(&ctx, pos), n = toAttr(&ctx, neg);
  EXPECT_NE(p, n);
  EXPECT_EQ(reparse(p), p);
  EXPECT_EQ(reparse(n), n);
}
