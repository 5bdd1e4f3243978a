//===- Trace.cpp - The schedule as a Chrome / Perfetto trace --------------===//
//
// Segments run one after another. In a `none` or `temporal` segment its
// layers run one after another on its region. In a `spatial` segment each
// layer handles the batch in G groups (its forwarding groups), each taking
// its cycles over G: group g of a layer starts when the layer has finished
// group g - 1 and its producers in the segment have finished group g. That
// pipeline ends no later than the segment's cycles in the cost model (the
// slowest layer plus the others' per-group cycles): the segment's slice
// has the cost model's length, the layers' slices show how it is filled.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/Report/Report.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// Trace events of one file; `j` writes a slice's arguments.
struct TraceWriter {
  explicit TraceWriter(llvm::json::OStream &j) : j(j) {}

  void name(const char *what, int pid, int tid, const std::string &text) {
    j.object([&] {
      j.attribute("ph", "M");
      j.attribute("name", what);
      j.attribute("pid", pid);
      j.attribute("tid", tid);
      j.attributeObject("args", [&] { j.attribute("name", text); });
    });
  }

  /// A complete slice; `args` writes its arguments.
  void slice(int pid, int tid, const std::string &text, const char *category,
             double ts, double dur, llvm::function_ref<void()> args) {
    j.object([&] {
      j.attribute("ph", "X");
      j.attribute("name", text);
      j.attribute("cat", category);
      j.attribute("pid", pid);
      j.attribute("tid", tid);
      j.attribute("ts", ts);
      j.attribute("dur", dur);
      j.attributeObject("args", args);
    });
  }

  llvm::json::OStream &j;
};

std::string regionName(const NodeRegion &r) {
  return "nodes [" + std::to_string(r.row0) + ", " + std::to_string(r.col0) +
         "] " + std::to_string(r.rows) + "x" + std::to_string(r.cols);
}

void writeNetwork(TraceWriter &w, int pid, const ReportNetwork &n) {
  const CostModelAnalysis &costs = *n.costs;
  const LayerGraph &g = n.graph->getGraph();
  // Microseconds per cycle.
  double us = 1.0 / costs.getArch().freqMHz;
  w.name("process_name", pid, 0, n.name);
  w.name("thread_name", pid, 0, "segments");
  std::map<std::string, int> tracks;
  auto track = [&](const NodeRegion &r) {
    std::string key = regionName(r);
    auto [it, added] = tracks.try_emplace(key, int(tracks.size()) + 1);
    if (added)
      w.name("thread_name", pid, it->second, key);
    return it->second;
  };
  double start = 0;
  int index = 0;
  auto layerArgs = [&](int l, double cycles, int64_t groups) {
    return [&, l, cycles, groups] {
      w.j.attribute("kind", reportNameOfLayerKind(g.layers[l].desc.kind));
      w.j.attribute("pass", reportNameOfLayerPass(g.layers[l].desc.pass));
      w.j.attribute("cycles", cycles);
      if (const LayerCost *c = costs.getLayerCost(l))
        w.j.attribute("energy_pj", c->cost.energyPj());
      w.j.attribute("macs", g.layers[l].desc.macs());
      w.j.attribute("groups", groups);
    };
  };
  for (const SegmentCostEntry &s : costs.getSegments()) {
    double segCycles = s.cost.cycles;
    w.slice(pid, 0,
            "segment " + std::to_string(index) + " (" +
                stringifyPipelineKind(s.pipeline) + ")",
            "segment", start * us, segCycles * us, [&] {
              w.j.attribute("cycles", segCycles);
              w.j.attribute("energy_pj", s.cost.energyPj());
            });
    ++index;
    // When each layer finishes each group, in cycles from the segment's
    // start.
    std::map<int, std::vector<double>> ends;
    double sequential = 0;
    for (int l : s.layers) {
      const LayerCost *c = costs.getLayerCost(l);
      const LayerContext &ctx = costs.getContext(l);
      double cycles = c ? c->cost.cycles : 0;
      int tid = track(ctx.region);
      std::vector<double> &done = ends[l];
      if (s.pipeline != PipelineKind::Spatial) {
        done.assign(1, sequential + cycles);
        w.slice(pid, tid, g.layers[l].name, "layer", (start + sequential) * us,
                cycles * us, layerArgs(l, cycles, 1));
        sequential += cycles;
        continue;
      }
      int64_t groups = std::max<int64_t>(1, ctx.batchGroups) *
                       std::max<int64_t>(1, ctx.channelGroups);
      double each = cycles / double(groups);
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
      w.slice(pid, tid, g.layers[l].name, "layer", (start + begins[0]) * us,
              (done.back() - begins[0]) * us, layerArgs(l, cycles, groups));
      if (groups > 1)
        for (int64_t k = 0; k < groups; ++k)
          w.slice(pid, tid, "group " + std::to_string(k), "group",
                  (start + begins[k]) * us, each * us, [] {});
    }
    start += segCycles;
  }
}

} // namespace

LogicalResult mlir::kapla::writeTrace(ModuleOp module, StringRef path,
                                      ArrayRef<ReportNetwork> networks) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return module.emitError()
           << "cannot write the trace to '" << path << "': " << error;
  {
    llvm::json::OStream j(file->os(), /*IndentSize=*/1);
    TraceWriter w(j);
    j.object([&] {
      j.attribute("displayTimeUnit", "ns");
      j.attributeArray("traceEvents", [&] {
        int pid = 1;
        for (const ReportNetwork &n : networks)
          if (n.costs)
            writeNetwork(w, pid++, n);
      });
    });
  }
  file->os() << "\n";
  file->keep();
  return success();
}
