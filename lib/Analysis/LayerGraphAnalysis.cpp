//===- LayerGraphAnalysis.cpp - The layer graph of a function -------------===//

#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::kapla;

void Origins::merge(const Origins &o) {
  networkInput |= o.networkInput;
  if (o.layers.empty())
    return;
  llvm::SmallVector<int, 2> out;
  std::set_union(layers.begin(), layers.end(), o.layers.begin(),
                 o.layers.end(), std::back_inserter(out));
  layers = std::move(out);
}

void OriginTracker::seedArguments(Region &region) {
  if (region.empty())
    return;
  for (BlockArgument arg : region.front().getArguments())
    map[arg].networkInput = true;
}

const Origins &OriginTracker::get(Value v) const {
  static const Origins none;
  auto it = map.find(v);
  return it == map.end() ? none : it->second;
}

Origins OriginTracker::operandOrigins(Operation *op) const {
  Origins o;
  for (Value v : op->getOperands())
    o.merge(get(v));
  // An op with regions (a loop nest of kapla-materialize) also reads what
  // its regions use from above.
  if (op->getNumRegions() > 0) {
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    for (Value v : captured)
      o.merge(get(v));
  }
  return o;
}

void OriginTracker::setLayer(Operation *op, int layer) {
  for (Value r : op->getResults()) {
    Origins &o = map[r];
    o = Origins();
    o.layers.push_back(layer);
  }
}

void OriginTracker::propagate(Operation *op) {
  if (auto yield = dyn_cast<YieldOp>(op)) {
    Operation *segment = op->getParentOp();
    for (auto [res, val] : llvm::zip(segment->getResults(), yield.getValues())) {
      // A copy: inserting `res` may grow the map and move what `get` points
      // into.
      Origins o = get(val);
      map[res] = std::move(o);
    }
    return;
  }
  if (op->getNumResults() == 0)
    return;
  Origins o = operandOrigins(op);
  if (o.empty())
    return;
  for (Value r : op->getResults())
    map[r] = o;
}

std::string mlir::kapla::getLayerName(Operation *op) {
  if (StringAttr name = getLayerNameAttr(op))
    return name.str();
  Location loc = op->getLoc();
  // An op inlined from a helper: the name it has in the helper.
  while (auto site = dyn_cast<CallSiteLoc>(loc))
    loc = site.getCallee();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (isa<NameLoc>(l)) {
        loc = l;
        break;
      }
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().str();
  return "";
}

LayerGraphAnalysis::LayerGraphAnalysis(Operation *funcLike) {
  OriginTracker tracker;
  for (Region &r : funcLike->getRegions())
    tracker.seedArguments(r);

  funcLike->walk<WalkOrder::PreOrder>([&](Operation *op) -> WalkResult {
    if (op == funcLike)
      return WalkResult::advance();
    auto layer = getLayer(op);
    if (!layer) {
      if (op->hasTrait<OpTrait::ReturnLike>() &&
          op->getParentOp() == funcLike) {
        for (int l : tracker.operandOrigins(op).layers)
          graph.layers[l].isNetworkOutput = true;
        return WalkResult::advance();
      }
      tracker.propagate(op);
      return WalkResult::advance();
    }
    int id = static_cast<int>(graph.layers.size());
    LayerNode node;
    node.name = getLayerName(op);
    node.desc = toCore(layer);
    if (auto fix = op->getAttrOfType<FixAttr>(KaplaDialect::kFixAttrName))
      node.pins = std::make_shared<const LayerPins>(toCore(fix));
    Origins in = tracker.operandOrigins(op);
    node.readsNetworkInput = in.networkInput;
    graph.layers.push_back(std::move(node));
    for (int p : in.layers)
      graph.addEdge(p, id);
    ops.push_back(op);
    index[op] = id;
    tracker.setLayer(op, id);
    // A layer's body (a linalg region) is scalar code: nothing to trace.
    return WalkResult::skip();
  });
}
