//===- LayerGraph.cpp - The layers of a network and their dependences -----===//

#include "Kapla/Workload/LayerGraph.h"

#include <algorithm>
#include <cassert>

namespace mlir::kapla {

static void insertSorted(llvm::SmallVectorImpl<int> &v, int x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it == v.end() || *it != x)
    v.insert(it, x);
}

void LayerGraph::addEdge(int producer, int consumer) {
  assert(producer >= 0 && producer < consumer &&
         consumer < static_cast<int>(layers.size()) && "edge out of order");
  insertSorted(layers[consumer].producers, producer);
  insertSorted(layers[producer].consumers, consumer);
}

int LayerGraph::find(const std::string &name) const {
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == name)
      return static_cast<int>(i);
  return -1;
}

int64_t LayerGraph::totalMacs() const {
  int64_t total = 0;
  for (const LayerNode &l : layers)
    total += l.desc.macs();
  return total;
}

} // namespace mlir::kapla
