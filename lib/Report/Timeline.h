//===- Timeline.h - When each layer of a schedule runs ----------*- C++ -*-===//
//
// The schedule of one network over time, as the trace and the HTML page
// draw it. Segments run one after another, each as long as its cycles in
// the cost model. In a `none` or `temporal` segment its layers run one
// after another on its region. In a `spatial` segment each layer handles
// the batch in G groups (its forwarding groups), each taking its cycles
// over G: group g of a layer starts when the layer has finished group g - 1
// and its producers in the segment have finished group g. That pipeline
// ends no later than the segment's cycles (the slowest layer plus the
// others' per-group cycles, docs/CostModel.md).
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_LIB_REPORT_TIMELINE_H
#define KAPLA_LIB_REPORT_TIMELINE_H

#include "Kapla/Report/Report.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir::kapla {

/// One layer on its region's track; times in cycles from the network's
/// start.
struct LayerSlice {
  int layer = 0;
  int track = 0; ///< index into Timeline::regions
  /// When it starts, and how long from its start to its end (in a spatial
  /// segment this may be more than its cycles: it waits for producers).
  double begin = 0, span = 0;
  double cycles = 0; ///< the layer's own cycles
  int64_t groups = 1;
  /// In a spatial segment with more than one group: when each group
  /// starts (each lasts cycles / groups).
  std::vector<double> groupBegins;
};

struct SegmentSlice {
  PipelineKind pipeline = PipelineKind::None;
  double begin = 0, cycles = 0;
  const SegmentCostEntry *entry = nullptr;
  std::vector<LayerSlice> layers;
};

struct Timeline {
  /// The node regions layers run on, in the order first used (a track
  /// each).
  std::vector<NodeRegion> regions;
  std::vector<SegmentSlice> segments;
  double cycles = 0; ///< the whole network
};

/// The timeline of `n` (which must have costs).
Timeline buildTimeline(const ReportNetwork &n);

/// "nodes [row0, col0] RxC".
std::string regionName(const NodeRegion &r);

} // namespace mlir::kapla

#endif // KAPLA_LIB_REPORT_TIMELINE_H
