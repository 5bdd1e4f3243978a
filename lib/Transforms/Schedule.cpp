//===- Schedule.cpp - kapla-form-segments and kapla-solve-layers ----------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Solver/IntraLayer.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Threading.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <chrono>
#include <map>

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAFORMSEGMENTSPASS
#define GEN_PASS_DEF_KAPLASOLVELAYERSPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// Moves `op` into a new single-layer segment in front of it; uses of its
/// results after it now use the segment's.
SegmentOp wrapInSegment(Operation *op, int64_t index) {
  OpBuilder b(op);
  MLIRContext *ctx = op->getContext();
  auto seg = SegmentOp::create(b, op->getLoc(), op->getResultTypes(),
                               b.getI64IntegerAttr(index),
                               PipelineAttr::get(ctx, PipelineKind::None),
                               CostAttr());
  Block *body = &seg.getBody().emplaceBlock();
  op->moveBefore(body, body->end());
  b.setInsertionPointToEnd(body);
  auto yield = YieldOp::create(b, op->getLoc(), op->getResults());
  for (auto [res, segRes] : llvm::zip(op->getResults(), seg.getResults()))
    res.replaceUsesWithIf(segRes, [&](OpOperand &use) {
      return use.getOwner() != yield.getOperation();
    });
  return seg;
}

struct KaplaFormSegmentsPass
    : public mlir::kapla::impl::KaplaFormSegmentsPassBase<
          KaplaFormSegmentsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    ArchDesc arch = getTargetArch(module);
    size_t formed = 0;
    SegmentConstraint whole;
    whole.region = {0, 0, arch.nodeRows, arch.nodeCols};
    module.walk([&](FunctionOpInterface func) {
      if (func.isExternal())
        return;
      llvm::SmallVector<Operation *> layers;
      func.walk([&](Operation *op) {
        if (op->hasAttr(KaplaDialect::kLayerAttrName) &&
            !op->getParentOfType<SegmentOp>())
          layers.push_back(op);
      });
      int64_t index = 0;
      func.walk([&](SegmentOp seg) {
        index = std::max(index, seg.getIndexAttr().getInt() + 1);
      });
      for (Operation *op : layers) {
        op->setAttr(KaplaDialect::kConstraintAttrName, toAttr(ctx, whole));
        wrapInSegment(op, index++);
      }
      formed += layers.size();
    });
    ctx->getLoadedDialect<KaplaDialect>()->getSearchStats().segmentsEnumerated +=
        int64_t(formed);
  }
};

/// A layer and its context, as the key of the solve memo.
struct SolveKey {
  LayerDesc layer;
  LayerContext ctx;
  bool operator<(const SolveKey &o) const {
    auto tie = [](const SolveKey &k) {
      const LayerDesc &l = k.layer;
      const LayerContext &c = k.ctx;
      return std::make_tuple(
          int(l.kind), int(l.pass), l.n, l.c, l.k, l.ho, l.wo, l.r, l.s, l.sy,
          l.sx, l.dy, l.dx, l.numInputs, c.region.row0, c.region.col0,
          c.region.rows, c.region.cols, c.inputOnChip, c.inputFrom.row0,
          c.inputFrom.col0, c.inputFrom.rows, c.inputFrom.cols, c.outputOnChip,
          c.outputTo.row0, c.outputTo.col0, c.outputTo.rows, c.outputTo.cols);
    };
    return tie(*this) < tie(o);
  }
};

struct KaplaSolveLayersPass
    : public mlir::kapla::impl::KaplaSolveLayersPassBase<KaplaSolveLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Objective> obj = symbolizeObjective(objective);
    if (!obj) {
      module.emitError() << "kapla-solve-layers: objective must be energy, "
                            "delay or edp, got '"
                         << objective << "'";
      return signalPassFailure();
    }
    if (solver != "kapla" && solver != "exhaustive" && solver != "random") {
      module.emitError() << "kapla-solve-layers: solver must be kapla, "
                            "exhaustive or random, got '"
                         << solver << "'";
      return signalPassFailure();
    }
    if (budget < 0) {
      module.emitError() << "kapla-solve-layers: budget must be non-negative";
      return signalPassFailure();
    }
    SolveOptions opts;
    opts.objective = *obj;
    opts.budget = budget;
    opts.seed = static_cast<uint64_t>(seed);
    ArchDesc arch = getTargetArch(module);
    auto start = std::chrono::steady_clock::now();
    int64_t solves = 0, evaluations = 0;

    bool ok = true;
    module.walk([&](FunctionOpInterface func) {
      if (func.isExternal())
        return;
      // The contexts come from the constraints and the layer graph, as the
      // cost model sees them.
      CostModelAnalysis &costs = getChildAnalysis<CostModelAnalysis>(func);
      const LayerGraph &g = costs.getGraph().getGraph();
      std::map<SolveKey, int> unique;
      llvm::SmallVector<int> keyOf(g.layers.size());
      llvm::SmallVector<SolveKey> keys;
      for (size_t i = 0; i < g.layers.size(); ++i) {
        SolveKey key{g.layers[i].desc, costs.getContext(int(i))};
        auto [it, inserted] = unique.try_emplace(key, int(keys.size()));
        if (inserted)
          keys.push_back(key);
        keyOf[i] = it->second;
      }
      std::vector<LayerSolution> solutions(keys.size());
      parallelFor(&getContext(), 0, keys.size(), [&](size_t k) {
        const SolveKey &key = keys[k];
        if (solver == "exhaustive")
          solutions[k] = solveLayerExhaustive(arch, key.layer, key.ctx, opts);
        else if (solver == "random")
          solutions[k] = solveLayerRandom(arch, key.layer, key.ctx, opts);
        else
          solutions[k] = solveLayerKapla(arch, key.layer, key.ctx, opts);
      });
      solves += int64_t(keys.size());
      for (const LayerSolution &sol : solutions)
        evaluations += sol.evaluations;
      MLIRContext *ctx = &getContext();
      for (size_t i = 0; i < g.layers.size(); ++i) {
        const LayerSolution &s = solutions[keyOf[i]];
        Operation *op = costs.getGraph().getOp(int(i));
        if (!s.found) {
          op->emitError() << "no valid schedule for layer '" << g.layers[i].name
                          << "' on '" << arch.name << "'";
          ok = false;
          continue;
        }
        op->setAttr(KaplaDialect::kDataflowAttrName, toAttr(ctx, s.dataflow));
      }
    });
    if (!ok)
      return signalPassFailure();
    KaplaDialect::SearchStats &stats =
        getContext().getLoadedDialect<KaplaDialect>()->getSearchStats();
    stats.seconds += std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    stats.layerSolves += solves;
    stats.evaluations += evaluations;
  }
};

} // namespace
