//===- Report.cpp - The JSON report ---------------------------------------===//

#include "Kapla/Report/Report.h"
#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::kapla;

static void writeBreakdown(llvm::json::OStream &j, const EnergyBreakdown &e) {
  j.attributeObject("breakdown_pj", [&] {
    j.attribute("mac", e.mac);
    j.attribute("regf", e.regf);
    j.attribute("bus", e.bus);
    j.attribute("gbuf", e.gbuf);
    j.attribute("dram", e.dram);
    j.attribute("noc", e.noc);
    j.attribute("static", e.staticEnergy);
  });
}

static void writeAccesses(llvm::json::OStream &j, const AccessCounts &a) {
  j.attributeObject("accesses", [&] {
    j.attribute("dram", a.dram);
    j.attribute("gbuf", a.gbuf);
    j.attribute("regf", a.regf);
    j.attribute("noc_hops", a.nocHops);
  });
}

static void writeLayer(llvm::json::OStream &j, StringRef function,
                       const LayerGraph &g, int i, Operation *op,
                       const CostModelAnalysis *costs) {
  const LayerNode &node = g.layers[i];
  const LayerDesc &l = node.desc;
  j.object([&] {
    j.attribute("name", node.name);
    j.attribute("function", function);
    j.attribute("kind", reportNameOfLayerKind(l.kind));
    j.attribute("pass", reportNameOfLayerPass(l.pass));
    j.attributeObject("dims", [&] {
      j.attribute("N", l.n);
      j.attribute("C", l.c);
      j.attribute("K", l.k);
      j.attribute("Ho", l.ho);
      j.attribute("Wo", l.wo);
      j.attribute("R", l.r);
      j.attribute("S", l.s);
      j.attribute("sy", l.sy);
      j.attribute("sx", l.sx);
      j.attribute("dy", l.dy);
      j.attribute("dx", l.dx);
    });
    if (l.kind == LayerKind::Eltwise)
      j.attribute("inputs", l.numInputs);
    j.attribute("macs", l.macs());
    j.attributeArray("producers", [&] {
      for (int p : node.producers)
        j.value(g.layers[p].name);
    });
    j.attribute("reads_network_input", node.readsNetworkInput);
    j.attribute("network_output", node.isNetworkOutput);
    j.attribute("op", op->getName().getStringRef());
    if (auto w = op->getAttrOfType<DenseI64ArrayAttr>(
            KaplaDialect::kWeightsAttrName))
      j.attributeArray("weight_operands", [&] {
        for (int64_t o : w.asArrayRef())
          j.value(o);
      });
    if (!costs)
      return;
    j.attribute("segment", costs->getSegmentOf(i));
    const NodeRegion &r = costs->getContext(i).region;
    j.attributeArray("region", [&] {
      for (int64_t v : {r.row0, r.col0, r.rows, r.cols})
        j.value(v);
    });
    if (const LayerCost *c = costs->getLayerCost(i)) {
      j.attribute("energy_pj", c->cost.energyPj());
      j.attribute("cycles", c->cost.cycles);
      writeBreakdown(j, c->cost.energy);
      writeAccesses(j, c->cost.accesses);
      j.attribute("macs_performed", c->macsPerformed);
    }
    j.attribute("optimal", isProvenOptimal(op));
    // The certified gap of the exact search: 0 when proven optimal, null
    // when no search bounded it.
    if (isProvenOptimal(op))
      j.attribute("gap", 0.0);
    else if (std::optional<double> gap = getCertifiedGap(op))
      j.attribute("gap", *gap);
    else
      j.attribute("gap", nullptr);
    if (auto df = getDataflow(op)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      Attribute(df).print(os);
      j.attribute("directives", text);
    }
  });
}

/// `v` as JSON text.
static std::string jsonText(const llvm::json::Value &v) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << v;
  return out;
}

void RunRecord::recordOption(StringRef key, const llvm::json::Value &requested,
                             const llvm::json::Value &applied) {
  options[key.str()] = {jsonText(requested), jsonText(applied)};
}

std::optional<llvm::json::Value> RunRecord::appliedOption(StringRef key) const {
  auto it = options.find(key.str());
  if (it == options.end())
    return std::nullopt;
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(it->second.second);
  if (!v) {
    llvm::consumeError(v.takeError());
    return std::nullopt;
  }
  return std::move(*v);
}

void RunRecord::merge(const RunRecord &other) {
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto &[key, values] : other.options)
    options[key] = values;
  if (other.solver != "none") {
    solver = other.solver;
    objective = other.objective;
  }
  search += other.search;
  seconds += other.seconds;
  auto add = [](std::optional<int64_t> &to, std::optional<int64_t> from) {
    if (from)
      to = to.value_or(0) + *from;
  };
  add(stoppedInSegments, other.stoppedInSegments);
  add(stoppedInSolves, other.stoppedInSolves);
  if (other.requestedSolver)
    requestedSolver = other.requestedSolver;
}

LogicalResult mlir::kapla::writeReport(ModuleOp module, StringRef path,
                                       ArrayRef<ReportNetwork> networks,
                                       const ReportOptions &options,
                                       const RunRecord &st) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return module.emitError()
           << "cannot write the report to '" << path << "': " << error;
  const CostModelAnalysis *anyCosts =
      networks.empty() ? nullptr : networks.front().costs;
  {
    llvm::json::OStream j(file->os(), /*IndentSize=*/2);
    j.object([&] {
      j.attribute("kapla_report_version", 1);
      j.attribute("network", networks.empty() ? "" : networks.front().name);
      j.attributeArray("networks", [&] {
        for (const ReportNetwork &n : networks)
          j.value(n.name);
      });
      if (anyCosts)
        j.attribute("arch", archToJsonValue(anyCosts->getArch()));
      j.attributeObject("options", [&] {
        j.attribute("batch", options.batch);
        j.attribute("training", options.training);
        if (anyCosts) {
          j.attribute("objective", st.objective);
          j.attribute("solver", st.solver);
        }
        // Every option the passes were given, and what they applied.
        auto options = st.options;
        if (std::optional<int64_t> stopped =
                st.stoppedInSolves ? st.stoppedInSolves : st.stoppedInSegments)
          options["layers_stopped_by_budget"] = {"null",
                                                 std::to_string(*stopped)};
        if (st.requestedSolver)
          options["solver"] = {jsonText(*st.requestedSolver),
                               jsonText(st.solver)};
        for (bool requested : {true, false})
          j.attributeObject(requested ? "requested" : "applied", [&] {
            for (const auto &[key, values] : options) {
              llvm::Expected<llvm::json::Value> v = llvm::json::parse(
                  requested ? values.first : values.second);
              if (!v)
                llvm::consumeError(v.takeError());
              else if (v->kind() != llvm::json::Value::Null)
                j.attribute(key, *v);
            }
          });
      });
      j.attributeArray("layers", [&] {
        for (const ReportNetwork &n : networks) {
          const LayerGraph &g = n.graph->getGraph();
          for (int i = 0, e = static_cast<int>(g.layers.size()); i < e; ++i)
            writeLayer(j, n.name, g, i, n.graph->getOp(i), n.costs);
        }
      });
      if (anyCosts)
        j.attributeArray("segments", [&] {
          int index = 0;
          for (const ReportNetwork &n : networks) {
            const LayerGraph &g = n.graph->getGraph();
            for (const SegmentCostEntry &s : n.costs->getSegments())
              j.object([&] {
                j.attribute("index", index++);
                j.attribute("function", n.name);
                j.attributeArray("layers", [&] {
                  for (int l : s.layers)
                    j.value(g.layers[l].name);
                });
                j.attribute("pipeline", stringifyPipelineKind(s.pipeline));
                j.attribute("energy_pj", s.cost.energyPj());
                j.attribute("cycles", s.cost.cycles);
              });
          }
        });
      j.attributeObject("totals", [&] {
        int64_t macs = 0;
        llvm::SmallVector<CostRecord> totals, bounds;
        for (const ReportNetwork &n : networks) {
          macs += n.graph->getGraph().totalMacs();
          if (n.costs) {
            totals.push_back(n.costs->getTotal());
            bounds.push_back(n.costs->getTotalLowerBound());
          }
        }
        CostRecord t = sumCosts(totals), lb = sumCosts(bounds);
        j.attribute("macs", macs);
        if (!anyCosts)
          return;
        j.attribute("energy_pj", t.energyPj());
        j.attribute("cycles", t.cycles);
        writeBreakdown(j, t.energy);
        writeAccesses(j, t.accesses);
        j.attribute("lower_bound_energy_pj", lb.energyPj());
        j.attribute("lower_bound_cycles", lb.cycles);
      });
      if (anyCosts)
        j.attributeObject("search", [&] {
          j.attribute("seconds", st.seconds);
          j.attribute("segments_enumerated", st.search.segmentsEnumerated);
          j.attribute("segments_pruned", st.search.segmentsPruned);
          j.attribute("layer_solves", st.search.layerSolves);
          j.attribute("evaluations", st.search.evaluations);
        });
    });
  }
  file->os() << "\n";
  file->keep();
  return success();
}
