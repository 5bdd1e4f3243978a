//===- LayerGraphAnalysis.h - The layer graph of a function ----*- C++ -*-===//
//
// Reads the layers of a function (ops carrying `kapla.layer`) into the plain
// LayerGraph of the core, tracing data dependences through every op that is
// not a layer (layout ops, fused epilogues, segments).
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_ANALYSIS_LAYERGRAPHANALYSIS_H
#define KAPLA_ANALYSIS_LAYERGRAPHANALYSIS_H

#include "Kapla/Workload/LayerGraph.h"

#include "mlir/IR/Operation.h"
#include "mlir/Pass/AnalysisManager.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::kapla {

/// What a value is computed from: layers (by index) and/or network inputs.
struct Origins {
  llvm::SmallVector<int, 2> layers; ///< sorted, unique
  bool networkInput = false;

  bool empty() const { return layers.empty() && !networkInput; }
  void merge(const Origins &o);
  bool operator==(const Origins &o) const {
    return layers == o.layers && networkInput == o.networkInput;
  }
};

/// Propagates Origins forward through a function body, op by op.
class OriginTracker {
public:
  /// Marks the arguments of `region`'s entry block as network inputs.
  void seedArguments(Region &region);
  /// `v` is a network input (a constant that stands for the input).
  void seedValue(Value v) { map[v].networkInput = true; }
  /// `v` carries no network data (an argument that is a weight).
  void forget(Value v) { map.erase(v); }
  /// The origins of `v` (empty when computed from constants only).
  const Origins &get(Value v) const;
  /// Union of the origins of the operands of `op`.
  Origins operandOrigins(Operation *op) const;
  /// Every result of `op` comes from layer `layer`.
  void setLayer(Operation *op, int layer);
  /// Every result of `op` carries the union of its operands' origins; a
  /// `kapla.yield` forwards its operands to its segment's results.
  void propagate(Operation *op);

private:
  llvm::DenseMap<Value, Origins> map;
};

/// The layer graph of one function-like op, for passes to query with
/// getAnalysis<LayerGraphAnalysis>().
class LayerGraphAnalysis {
public:
  explicit LayerGraphAnalysis(Operation *funcLike);

  const LayerGraph &getGraph() const { return graph; }
  /// The op of layer `i`.
  Operation *getOp(int i) const { return ops[i]; }
  /// The index of the layer of `op`, or -1.
  int lookup(Operation *op) const { return index.lookup_or(op, -1); }

  bool isInvalidated(const AnalysisManager::PreservedAnalyses &pa) {
    return !pa.isPreserved<LayerGraphAnalysis>();
  }

private:
  LayerGraph graph;
  llvm::SmallVector<Operation *> ops;
  llvm::DenseMap<Operation *, int> index;
};

/// The layer name of `op`: its `kapla.name`, else a name location, else
/// empty.
std::string getLayerName(Operation *op);

} // namespace mlir::kapla

#endif // KAPLA_ANALYSIS_LAYERGRAPHANALYSIS_H
