//===- LayerGraph.h - The layers of a network and their dependences -*- C++ -*-===//

#ifndef KAPLA_WORKLOAD_LAYERGRAPH_H
#define KAPLA_WORKLOAD_LAYERGRAPH_H

#include "Kapla/Workload/Layer.h"

#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::kapla {

struct LayerPins; // Kapla/Dataflow/Segment.h

/// One layer of a network graph.
struct LayerNode {
  std::string name;
  LayerDesc desc;
  /// Layers whose outputs this layer reads, in increasing index order.
  llvm::SmallVector<int, 2> producers;
  /// Layers that read this layer's output, in increasing index order.
  llvm::SmallVector<int, 2> consumers;
  /// The layer reads a network input (from DRAM) directly.
  bool readsNetworkInput = false;
  /// The layer's output (possibly through layout ops and fused epilogues) is
  /// a network output.
  bool isNetworkOutput = false;
  /// What the user fixed of the layer's schedule (`kapla.fix`), if anything.
  std::shared_ptr<const LayerPins> pins;
};

/// The layers of a network in topological order: every producer has a
/// smaller index than its consumers.
struct LayerGraph {
  std::vector<LayerNode> layers;

  /// Adds `producer -> consumer`; both must exist and producer < consumer.
  void addEdge(int producer, int consumer);
  /// Index of the layer called `name`, or -1.
  int find(const std::string &name) const;
  /// Sum of the MACs of all layers.
  int64_t totalMacs() const;
};

} // namespace mlir::kapla

#endif // KAPLA_WORKLOAD_LAYERGRAPH_H
