//===- Timeline.cpp - When each layer of a schedule runs ------------------===//

#include "Timeline.h"

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::kapla;

std::string mlir::kapla::regionName(const NodeRegion &r) {
  return "nodes [" + std::to_string(r.row0) + ", " + std::to_string(r.col0) +
         "] " + std::to_string(r.rows) + "x" + std::to_string(r.cols);
}

Timeline mlir::kapla::buildTimeline(const ReportNetwork &n) {
  const CostModelAnalysis &costs = *n.costs;
  const LayerGraph &g = n.graph->getGraph();
  Timeline t;
  auto track = [&](const NodeRegion &r) {
    auto it = std::find(t.regions.begin(), t.regions.end(), r);
    if (it != t.regions.end())
      return int(it - t.regions.begin());
    t.regions.push_back(r);
    return int(t.regions.size()) - 1;
  };
  double start = 0;
  for (const SegmentCostEntry &s : costs.getSegments()) {
    SegmentSlice seg;
    seg.pipeline = s.pipeline;
    seg.begin = start;
    seg.cycles = s.cost.cycles;
    seg.entry = &s;
    // When each layer finishes each group, in cycles from the segment's
    // start.
    std::map<int, std::vector<double>> ends;
    double sequential = 0;
    for (int l : s.layers) {
      const LayerCost *c = costs.getLayerCost(l);
      const LayerContext &ctx = costs.getContext(l);
      LayerSlice slice;
      slice.layer = l;
      slice.cycles = c ? c->cost.cycles : 0;
      slice.track = track(ctx.region);
      std::vector<double> &done = ends[l];
      if (s.pipeline != PipelineKind::Spatial) {
        done.assign(1, sequential + slice.cycles);
        slice.begin = start + sequential;
        slice.span = slice.cycles;
        sequential += slice.cycles;
        seg.layers.push_back(std::move(slice));
        continue;
      }
      int64_t groups = std::max<int64_t>(1, ctx.batchGroups) *
                       std::max<int64_t>(1, ctx.channelGroups);
      double each = slice.cycles / double(groups);
      done.resize(groups);
      std::vector<double> begins(groups);
      for (int64_t k = 0; k < groups; ++k) {
        double ready = k ? done[k - 1] : 0;
        for (int p : g.layers[l].producers) {
          auto it = ends.find(p);
          if (it != ends.end() && !it->second.empty())
            ready = std::max(
                ready, it->second[std::min<size_t>(k, it->second.size() - 1)]);
        }
        begins[k] = ready;
        done[k] = ready + each;
      }
      slice.groups = groups;
      slice.begin = start + begins[0];
      slice.span = done.back() - begins[0];
      if (groups > 1)
        for (int64_t k = 0; k < groups; ++k)
          slice.groupBegins.push_back(start + begins[k]);
      seg.layers.push_back(std::move(slice));
    }
    start += s.cost.cycles;
    t.segments.push_back(std::move(seg));
  }
  t.cycles = start;
  return t;
}
