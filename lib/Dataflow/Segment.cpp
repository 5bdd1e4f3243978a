//===- Segment.cpp - Segment constraints ----------------------------------===//

#include "Kapla/Dataflow/Segment.h"

#include "llvm/ADT/STLExtras.h"

#include <tuple>

namespace mlir::kapla {

/// The first rule `c` breaks, or nullopt.
static std::optional<std::string>
brokenConstraintRule(const SegmentConstraint &c) {
  const NodeRegion &r = c.region;
  if (r.row0 < 0 || r.col0 < 0)
    return "region origin must be non-negative, got [" +
           std::to_string(r.row0) + ", " + std::to_string(r.col0) + "]";
  if (r.rows < 1 || r.cols < 1)
    return "region must have at least one row and one column, got " +
           std::to_string(r.rows) + " x " + std::to_string(r.cols);
  if (c.batchGroups < 0)
    return "batch_groups must be non-negative, got " +
           std::to_string(c.batchGroups);
  if (c.channelGroups < 0)
    return "channel_groups must be non-negative, got " +
           std::to_string(c.channelGroups);
  return std::nullopt;
}

llvm::Error checkConstraint(const SegmentConstraint &c) {
  if (std::optional<std::string> why = brokenConstraintRule(c))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  return llvm::Error::success();
}

bool LayerPins::empty() const {
  auto unset = [](const std::array<int64_t, kNumDims> &a) {
    return llvm::all_of(a, [](int64_t v) { return v == 0; });
  };
  return unset(regfTile) && unset(peSplit) && unset(gbufTile) &&
         unset(nodeSplit) && regfOrder.empty() && gbufOrder.empty() && !region;
}

bool LayerPins::operator<(const LayerPins &o) const {
  auto tie = [](const LayerPins &p) {
    NodeRegion r = p.region.value_or(NodeRegion{-1, -1, -1, -1});
    return std::make_tuple(p.regfTile, p.peSplit, p.gbufTile, p.nodeSplit,
                           llvm::ArrayRef<Dim>(p.regfOrder),
                           llvm::ArrayRef<Dim>(p.gbufOrder), r.row0, r.col0,
                           r.rows, r.cols);
  };
  return tie(*this) < tie(o);
}

} // namespace mlir::kapla
