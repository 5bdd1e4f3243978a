//===- Trace.cpp - The schedule as a Chrome / Perfetto trace --------------===//
//
// The timeline of each network (Timeline.h) as trace events: a process per
// network, a track of its segments and a track per node region.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/Report/Report.h"
#include "Timeline.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
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

/// The DRAM and bus tracks of region r are kPhaseTracks + 2r and + 2r + 1.
constexpr int kPhaseTracks = 100000;

void writeNetwork(TraceWriter &w, int pid, const ReportNetwork &n) {
  const CostModelAnalysis &costs = *n.costs;
  const LayerGraph &g = n.graph->getGraph();
  const Timeline t = buildTimeline(n);
  // Microseconds per cycle.
  double us = 1.0 / costs.getArch().freqMHz;
  w.name("process_name", pid, 0, n.name);
  w.name("thread_name", pid, 0, "segments");
  // A region's tracks (its layers, then their DRAM and bus phases) are
  // named where they are first used.
  std::vector<bool> named(3 * t.regions.size(), false);
  int index = 0;
  for (const SegmentSlice &s : t.segments) {
    w.slice(pid, 0,
            "segment " + std::to_string(index) + " (" +
                stringifyPipelineKind(s.pipeline) + ")",
            "segment", s.begin * us, s.cycles * us, [&] {
              w.j.attribute("cycles", s.cycles);
              w.j.attribute("energy_pj", s.entry->cost.energyPj());
            });
    ++index;
    for (const LayerSlice &l : s.layers) {
      int tid = l.track + 1;
      if (!named[l.track]) {
        named[l.track] = true;
        w.name("thread_name", pid, tid, regionName(t.regions[l.track]));
      }
      w.slice(pid, tid, g.layers[l.layer].name, "layer", l.begin * us,
              l.span * us, [&] {
                w.j.attribute(
                    "kind", reportNameOfLayerKind(g.layers[l.layer].desc.kind));
                w.j.attribute(
                    "pass", reportNameOfLayerPass(g.layers[l.layer].desc.pass));
                w.j.attribute("cycles", l.cycles);
                if (const LayerCost *c = costs.getLayerCost(l.layer))
                  w.j.attribute("energy_pj", c->cost.energyPj());
                w.j.attribute("macs", g.layers[l.layer].desc.macs());
                w.j.attribute("groups", l.groups);
              });
      for (size_t k = 0; k < l.groupBegins.size(); ++k)
        w.slice(pid, tid, "group " + std::to_string(k), "group",
                l.groupBegins[k] * us, l.cycles / double(l.groups) * us, [] {});
      // The layer's DRAM transfers and bus deliveries, each on a track of
      // the region's, from the layer's (or each group's) start: they
      // overlap the computation, and the longest of the three is the
      // layer's time.
      const LayerCost *c = costs.getLayerCost(l.layer);
      if (!c)
        continue;
      for (auto [k, phase, cycles] : {std::tuple{0, "DRAM", c->dramCycles},
                                      std::tuple{1, "bus", c->busCycles}}) {
        if (!(cycles > 0))
          continue;
        size_t slot = t.regions.size() + 2 * size_t(l.track) + size_t(k);
        int ptid = kPhaseTracks + 2 * l.track + k;
        if (!named[slot]) {
          named[slot] = true;
          w.name("thread_name", pid, ptid,
                 regionName(t.regions[l.track]) + " " + phase);
        }
        const std::string text = g.layers[l.layer].name + " " + phase;
        const char *category = k == 0 ? "dram" : "bus";
        double each = cycles / double(l.groups);
        if (l.groupBegins.empty())
          w.slice(pid, ptid, text, category, l.begin * us, cycles * us,
                  [&w, all = cycles] { w.j.attribute("cycles", all); });
        else
          for (double begin : l.groupBegins)
            w.slice(pid, ptid, text, category, begin * us, each * us,
                    [&] { w.j.attribute("cycles", each); });
      }
    }
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
