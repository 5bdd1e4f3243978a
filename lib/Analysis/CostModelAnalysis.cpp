//===- CostModelAnalysis.cpp - The cost model over IR ---------------------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace mlir::kapla;

ArchDesc mlir::kapla::getTargetArch(Operation *op) {
  for (Operation *cur = op; cur; cur = cur->getParentOp())
    if (auto arch = getArch(cur))
      return toCore(arch);
  return defaultArch();
}

static std::optional<SegmentConstraint> constraintOf(Operation *op) {
  if (auto c = getConstraint(op))
    return toCore(c);
  return std::nullopt;
}

CostModelAnalysis::CostModelAnalysis(Operation *funcLike, AnalysisManager &am)
    : arch(getTargetArch(funcLike)),
      graph(am.getAnalysis<LayerGraphAnalysis>()) {
  const LayerGraph &g = graph.getGraph();
  size_t n = g.layers.size();
  costs.resize(n);
  hasDataflow.assign(n, false);
  contexts.assign(n, LayerContext::wholeChip(arch));
  for (size_t i = 0; i < n; ++i)
    contexts[i].pins = g.layers[i].pins;
  lowerBounds.resize(n);
  segmentOf.assign(n, -1);

  // Contexts: the layers of each kapla.segment under their constraints
  // (a layer with a constraint outside any segment is a segment of its
  // own); forwarded data comes from the first producer (goes to the first
  // consumer), as the segment search derives them.
  llvm::SmallVector<std::optional<SegmentConstraint>> cons(n);
  for (size_t i = 0; i < n; ++i)
    cons[i] = constraintOf(graph.getOp(i));
  llvm::MapVector<Operation *, llvm::SmallVector<int>> members;
  for (size_t i = 0; i < n; ++i) {
    if (!cons[i])
      continue;
    auto seg = graph.getOp(i)->getParentOfType<SegmentOp>();
    members[seg ? seg.getOperation() : graph.getOp(i)].push_back(int(i));
  }
  auto regionOf = [&](int j) -> std::optional<NodeRegion> {
    if (!cons[j])
      return std::nullopt;
    return cons[j]->region;
  };
  for (auto &[key, layers] : members) {
    auto seg = dyn_cast<SegmentOp>(key);
    llvm::SmallVector<SegmentConstraint> segCons;
    for (int i : layers)
      segCons.push_back(*cons[i]);
    std::vector<LayerContext> ctxs = segmentContexts(
        g, layers, seg ? seg.getPipeline().getValue() : PipelineKind::None,
        segCons, regionOf);
    for (auto [i, c] : llvm::zip_equal(layers, ctxs))
      contexts[i] = c;
  }

  for (size_t i = 0; i < n; ++i) {
    Operation *op = graph.getOp(i);
    lowerBounds[i] = layerLowerBound(arch, g.layers[i].desc, contexts[i]);
    auto df = getDataflow(op);
    if (!df) {
      complete = false;
      continue;
    }
    hasDataflow[i] = true;
    evaluateLayer(arch, g.layers[i].desc, toCore(df), contexts[i], costs[i]);
    complete &= costs[i].valid;
  }

  // Segments: kapla.segment ops in order; a layer outside any is its own.
  llvm::DenseMap<Operation *, int> segIndex;
  for (size_t i = 0; i < n; ++i) {
    Operation *op = graph.getOp(i);
    auto seg = op->getParentOfType<SegmentOp>();
    Operation *key = seg ? seg.getOperation() : op;
    auto [it, inserted] = segIndex.try_emplace(key, int(segments.size()));
    if (inserted) {
      SegmentCostEntry e;
      e.op = key;
      e.pipeline = seg ? seg.getPipeline().getValue() : PipelineKind::None;
      segments.push_back(e);
    }
    segments[it->second].layers.push_back(int(i));
    segmentOf[i] = it->second;
  }
  llvm::SmallVector<CostRecord> segCosts;
  for (SegmentCostEntry &s : segments) {
    llvm::SmallVector<CostRecord> layerCosts;
    llvm::SmallVector<double> dram;
    int64_t groups = 1;
    for (int l : s.layers) {
      layerCosts.push_back(costs[l].cost);
      dram.push_back(costs[l].dramCycles);
      if (cons[l])
        groups = std::max<int64_t>(groups, std::max<int64_t>(cons[l]->batchGroups, 1) *
                                               std::max<int64_t>(cons[l]->channelGroups, 1));
    }
    s.cost = segmentCost(arch, s.pipeline, layerCosts, dram, groups);
    segCosts.push_back(s.cost);
  }
  total = sumCosts(segCosts);
  totalLowerBound = networkLowerBound(arch, g);
}

const LayerCost *CostModelAnalysis::getLayerCost(int i) const {
  return hasDataflow[i] ? &costs[i] : nullptr;
}
