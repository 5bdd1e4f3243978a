//===- CostModelAnalysis.h - The cost model over IR -------------*- C++ -*-===//
//
// Evaluates every layer op of a function that carries `kapla.dataflow` with
// the core cost model, in the context its `kapla.constraint` and its
// neighbours give; costs segments and the whole function. Results are cached
// per op; passes that change IR drop the analysis (not preserved).
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_ANALYSIS_COSTMODELANALYSIS_H
#define KAPLA_ANALYSIS_COSTMODELANALYSIS_H

#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/CostModel/CostModel.h"

#include "mlir/Pass/AnalysisManager.h"

namespace mlir::kapla {

/// The architecture of the module enclosing `op`: its `kapla.arch`, or the
/// default preset when there is none.
ArchDesc getTargetArch(Operation *op);

/// The cost of one segment (a `kapla.segment`, or a layer outside any).
struct SegmentCostEntry {
  Operation *op = nullptr;            ///< the kapla.segment, or the layer op
  PipelineKind pipeline = PipelineKind::None;
  llvm::SmallVector<int, 4> layers;   ///< layer indices
  CostRecord cost;
};

class CostModelAnalysis {
public:
  CostModelAnalysis(Operation *funcLike, AnalysisManager &am);

  const ArchDesc &getArch() const { return arch; }
  const LayerGraphAnalysis &getGraph() const { return graph; }
  /// The evaluation of layer `i`; null when it has no kapla.dataflow.
  const LayerCost *getLayerCost(int i) const;
  const LayerContext &getContext(int i) const { return contexts[i]; }
  /// The lower bound of layer `i` in its context.
  const CostRecord &getLowerBound(int i) const { return lowerBounds[i]; }
  /// Segments in program order (layers outside segments are their own).
  llvm::ArrayRef<SegmentCostEntry> getSegments() const { return segments; }
  /// Network totals (sum of segments) and its lower bound.
  const CostRecord &getTotal() const { return total; }
  const CostRecord &getTotalLowerBound() const { return totalLowerBound; }
  /// Index of the segment of layer `i`.
  int getSegmentOf(int i) const { return segmentOf[i]; }
  /// Whether every layer has a valid dataflow.
  bool isComplete() const { return complete; }

  bool isInvalidated(const AnalysisManager::PreservedAnalyses &pa) {
    return !pa.isPreserved<CostModelAnalysis>();
  }

private:
  ArchDesc arch;
  const LayerGraphAnalysis &graph;
  std::vector<LayerCost> costs;
  llvm::SmallVector<bool> hasDataflow;
  llvm::SmallVector<LayerContext> contexts;
  llvm::SmallVector<CostRecord> lowerBounds;
  llvm::SmallVector<SegmentCostEntry> segments;
  llvm::SmallVector<int> segmentOf;
  CostRecord total, totalLowerBound;
  bool complete = true;
};

} // namespace mlir::kapla

#endif // KAPLA_ANALYSIS_COSTMODELANALYSIS_H
