//===- Segment.h - Segment constraints --------------------------*- C++ -*-===//
//
// What the enclosing segment imposes on one of its layers (docs/Dialect.md,
// segments; docs/Solver.md): the node region it runs on, how the segment
// pipelines its layers and the top-level granularity pipelined neighbours
// share.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_DATAFLOW_SEGMENT_H
#define KAPLA_DATAFLOW_SEGMENT_H

#include "Kapla/Hardware/Arch.h"
#include "Kapla/Workload/Layer.h"

#include "llvm/ADT/SmallVector.h"

#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mlir::kapla {

// How the layers of one segment share the chip: PipelineKind
// (KaplaEnums.td), none, spatial or temporal.

/// The constraint a segment places on one of its layers.
struct SegmentConstraint {
  NodeRegion region;
  /// Number of groups the batch is forwarded in between pipelined layers
  /// (the iterations of the outermost update over N); 0 leaves it free.
  int64_t batchGroups = 0;
  /// Likewise for the channels of the forwarded tensor; 0 leaves it free.
  int64_t channelGroups = 0;
  /// The layer's input comes from a producer in the same segment (on chip).
  bool inputOnChip = false;
  /// The layer's output goes to a consumer in the same segment (on chip).
  bool outputOnChip = false;

  bool operator==(const SegmentConstraint &o) const {
    return region == o.region && batchGroups == o.batchGroups &&
           channelGroups == o.channelGroups && inputOnChip == o.inputOnChip &&
           outputOnChip == o.outputOnChip;
  }
};

/// Parts of one layer's schedule its user fixed (`kapla.fix` on the op):
/// every solver searches only the schedules that have them, and the
/// segment search gives the layer only the region fixed. Per dim (indexed
/// by Dim) 0 leaves a value free.
struct LayerPins {
  /// The tile of one PE and of one node, and over how many PEs and nodes
  /// the dim is spread (the replication of its REGF and GBUF stack).
  std::array<int64_t, kNumDims> regfTile{}, peSplit{}, gbufTile{}, nodeSplit{};
  /// The loops of each level, innermost first, by dims (each names its
  /// loop class); empty: free.
  llvm::SmallVector<Dim, 7> regfOrder, gbufOrder;
  /// The nodes the layer runs on.
  std::optional<NodeRegion> region;

  bool empty() const;
  /// A strict order for use as a key.
  bool operator<(const LayerPins &o) const;
};

/// Structural rules of a constraint that need no hardware: a non-empty region
/// at non-negative coordinates, group counts >= 0.
llvm::Error checkConstraint(const SegmentConstraint &c);

} // namespace mlir::kapla

#endif // KAPLA_DATAFLOW_SEGMENT_H
