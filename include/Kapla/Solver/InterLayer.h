//===- InterLayer.h - Segments and pipelining -------------------*- C++ -*-===//
//
// Cuts a network's layers, in topological order, into segments: single
// layers, and runs of consecutive layers pipelined spatially (concurrently on
// disjoint node regions sized by MACs) or temporally (one after another on
// the whole array, intermediates kept in GBUFs). Candidates are pruned by a
// safe capacity check and ranked by an optimistic estimate (the lower bound
// of each layer in its context); a DP keeps the top-k chains; their segments
// and every single layer are solved in detail; a final DP on the exact
// costs picks the schedule.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_SOLVER_INTERLAYER_H
#define KAPLA_SOLVER_INTERLAYER_H

#include "Kapla/Solver/IntraLayer.h"
#include "Kapla/Workload/LayerGraph.h"

#include <functional>
#include <vector>

namespace mlir::kapla {

/// One segment of a schedule: layers first..last (graph indices).
struct SegmentPlan {
  int first = 0, last = 0;
  PipelineKind pipeline = PipelineKind::None;
  /// The forwarding groups pipelined layers share (1 when not pipelined):
  /// batch groups, and channel groups within each.
  int64_t batchGroups = 1;
  int64_t channelGroups = 1;
  /// The context of each layer, in order.
  std::vector<LayerContext> contexts;
};

struct SegmentSearchOptions {
  int maxSegmentLayers = 5;
  /// Chains the estimate DP keeps; 0: every candidate segment is solved in
  /// detail, and the final DP searches every chain of segments.
  int topK = 4;
  /// Spatial segments are tried on rectangles (rectangleRegions) besides
  /// strips.
  bool rectangles = false;
  /// A pipelined segment whose forwarded data does not fit even one sample
  /// at a time may forward it in channel groups.
  bool channelGroups = true;
  SolveOptions solve;
};

/// Solves one layer in a context; the caller may memoise.
using LayerSolver = std::function<const LayerSolution &(const LayerDesc &,
                                                        const LayerContext &)>;

struct NetworkSchedule {
  bool found = false;
  std::vector<SegmentPlan> segments;
  int64_t segmentsEnumerated = 0;
  int64_t segmentsPruned = 0;
};

/// Called with every (layer, context) the detailed solve will ask for,
/// before it asks: a caller can solve them in parallel and memoise.
using SolvePrefetch = std::function<void(
    const std::vector<std::pair<LayerDesc, LayerContext>> &)>;

/// The candidate segments ending the chain, their pruning and the DPs.
NetworkSchedule scheduleNetwork(const ArchDesc &arch, const LayerGraph &graph,
                                const SegmentSearchOptions &opts,
                                const LayerSolver &solve,
                                const SolvePrefetch &prefetch = nullptr);

/// The node regions of a spatial pipeline of layers with `macs`: vertical
/// strips of the array (horizontal when there are more layers than columns)
/// sized in proportion to the MACs, at least one column (row) each. Empty
/// when the array has too few columns and rows.
std::vector<NodeRegion> spatialRegions(const ArchDesc &arch,
                                       const std::vector<int64_t> &macs);

/// The node regions of a spatial pipeline of 3 or more layers as
/// rectangles in two bands: the first layers (up to where the MACs balance
/// best) in a top band, the others in the bottom band, the bands' heights
/// and each band's strips in proportion to the MACs, the bottom band
/// running right to left so that consecutive layers stay neighbours.
/// Empty for fewer than 3 layers, one row of nodes, or a band with more
/// layers than columns.
std::vector<NodeRegion> rectangleRegions(const ArchDesc &arch,
                                         const std::vector<int64_t> &macs);

} // namespace mlir::kapla

#endif // KAPLA_SOLVER_INTERLAYER_H
