//===- TestCostModelAnalysis.cpp - The cost model analysis as remarks -----===//
//
// A test pass: every layer op gets a remark with what CostModelAnalysis
// computes for it (energy, cycles, the lower bound in its context), every
// segment one with its cost, so that tests can check the analysis with
// `expected-remark`.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/IR/KaplaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstdio>
#include <string>

using namespace mlir;
using namespace mlir::kapla;

namespace {
/// `x` as a remark shows it: up to 6 significant digits.
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

struct TestCostModelAnalysisPass
    : public PassWrapper<TestCostModelAnalysisPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestCostModelAnalysisPass)

  StringRef getArgument() const final { return "test-kapla-cost-model"; }
  StringRef getDescription() const final {
    return "Print what the cost model analysis computes for each layer and "
           "segment as remarks";
  }

  void runOnOperation() override {
    const CostModelAnalysis &costs = getAnalysis<CostModelAnalysis>();
    const LayerGraphAnalysis &g = costs.getGraph();
    for (int i = 0, e = int(g.getGraph().layers.size()); i < e; ++i) {
      Operation *op = g.getOp(i);
      InFlightDiagnostic remark = op->emitRemark()
                                  << "layer " << g.getGraph().layers[i].name;
      if (const LayerCost *c = costs.getLayerCost(i)) {
        if (c->valid)
          remark << ": " << num(c->cost.energyPj()) << " pJ, "
                 << num(c->cost.cycles) << " cycles";
        else
          remark << ": invalid dataflow";
      } else {
        remark << ": no dataflow";
      }
      remark << "; lower bound " << num(costs.getLowerBound(i).energyPj())
             << " pJ";
    }
    for (const SegmentCostEntry &s : costs.getSegments())
      if (isa_and_nonnull<SegmentOp>(s.op))
        s.op->emitRemark() << "segment of " << s.layers.size()
                           << " layers: " << num(s.cost.energyPj()) << " pJ, "
                           << num(s.cost.cycles) << " cycles";
    markAllAnalysesPreserved();
  }
};
} // namespace

namespace mlir::kapla::test {
void registerTestCostModelAnalysisPass() {
  PassRegistration<TestCostModelAnalysisPass>();
}
} // namespace mlir::kapla::test
