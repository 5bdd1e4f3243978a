//===- Segment.cpp - Segment constraints ----------------------------------===//

#include "Kapla/Dataflow/Segment.h"

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

} // namespace mlir::kapla
