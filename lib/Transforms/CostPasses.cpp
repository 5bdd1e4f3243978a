//===- CostPasses.cpp - kapla-set-arch, -verify-dataflow, -estimate-cost --===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Import/LayerCheck.h"
#include "Kapla/Report/Report.h"
#include "Kapla/Solver/IntraLayer.h"
#include "Kapla/Transforms/Materialize.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLASETARCHPASS
#define GEN_PASS_DEF_KAPLAVERIFYDATAFLOWPASS
#define GEN_PASS_DEF_KAPLAESTIMATECOSTPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

struct KaplaSetArchPass
    : public mlir::kapla::impl::KaplaSetArchPassBase<KaplaSetArchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The run's record, for the function passes after this one.
    RunRecord &record = getAnalysis<RunRecord>();
    if (!arch.empty() && !archFile.empty()) {
      module.emitError() << "kapla-set-arch: give arch or arch-file, not both";
      return signalPassFailure();
    }
    std::optional<ArchDesc> desc;
    if (!archFile.empty()) {
      llvm::Expected<ArchDesc> loaded = loadArchFile(archFile);
      if (!loaded) {
        module.emitError() << "invalid architecture file: "
                           << llvm::toString(loaded.takeError());
        return signalPassFailure();
      }
      desc = std::move(*loaded);
    } else if (!arch.empty()) {
      desc = getPreset(arch);
      if (!desc) {
        std::string names;
        for (const std::string &n : presetNames())
          names += (names.empty() ? "" : ", ") + n;
        InFlightDiagnostic diag = module.emitError()
                                  << "unknown architecture preset '" << arch
                                  << "'; expected one of " << names;
        // A path given as a preset: the file option is what was meant.
        if (StringRef(arch).ends_with(".json") || StringRef(arch).contains('/'))
          diag << " (an architecture file is given as arch-file=)";
        return signalPassFailure();
      }
    } else if (getArch(module)) {
      return markAllAnalysesPreserved();
    } else {
      desc = defaultArch();
    }
    setArch(module, toAttr(module.getContext(), *desc));
    record.recordOption("arch", arch.getValue(), desc->name);
    record.recordOption("arch_file", archFile.getValue(), archFile.getValue());
  }
};

/// Reports every layer whose dataflow the cost model rejects; returns
/// false if there is one.
bool verifyLayers(Operation *func, const CostModelAnalysis &costs) {
  bool ok = true;
  const LayerGraphAnalysis &g = costs.getGraph();
  for (int i = 0, e = int(g.getGraph().layers.size()); i < e; ++i) {
    const LayerCost *c = costs.getLayerCost(i);
    if (std::optional<std::string> why = layerContradictsOp(g.getOp(i))) {
      g.getOp(i)->emitError() << "kapla.layer contradicts its op: " << *why;
      ok = false;
    } else if (c && !c->valid) {
      g.getOp(i)->emitError() << "invalid dataflow: " << c->reason;
      ok = false;
    } else if (const LayerPins *pins = g.getGraph().layers[i].pins.get();
               c && pins) {
      // What the user fixed must be in the dataflow (one edited after
      // scheduling may have lost it).
      if (llvm::Error err = checkDataflowHasPins(
              g.getGraph().layers[i].desc, toCore(getDataflow(g.getOp(i))),
              costs.getContext(i), *pins)) {
        g.getOp(i)->emitError() << "kapla.dataflow does not have what "
                                   "kapla.fix fixes: "
                                << llvm::toString(std::move(err));
        ok = false;
      }
    }
  }
  return ok;
}

struct KaplaVerifyDataflowPass
    : public mlir::kapla::impl::KaplaVerifyDataflowPassBase<
          KaplaVerifyDataflowPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerMaterializedNestModels(registry);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return markAllAnalysesPreserved();
    bool ok = verifyLayers(func, getAnalysis<CostModelAnalysis>());
    // Layers materialised into loop nests: the nest must be the one its
    // directives describe.
    func.walk([&](LoopLikeOpInterface loop) {
      if (getLayer(loop) && getDataflow(loop) &&
          ::mlir::failed(verifyMaterializedNest(loop)))
        ok = false;
    });
    if (!ok)
      return signalPassFailure();
    markAllAnalysesPreserved();
  }
};

struct KaplaEstimateCostPass
    : public mlir::kapla::impl::KaplaEstimateCostPassBase<
          KaplaEstimateCostPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    bool ok = true;
    llvm::SmallVector<FunctionOpInterface> networks;
    module.walk([&](FunctionOpInterface func) {
      if (func.isExternal())
        return;
      CostModelAnalysis &costs = getChildAnalysis<CostModelAnalysis>(func);
      const LayerGraphAnalysis &g = costs.getGraph();
      if (!g.getGraph().layers.empty())
        networks.push_back(func);
      for (int i = 0, e = int(g.getGraph().layers.size()); i < e; ++i) {
        const LayerCost *c = costs.getLayerCost(i);
        Operation *op = g.getOp(i);
        if (std::optional<std::string> why = layerContradictsOp(op)) {
          op->emitError() << "kapla.layer contradicts its op: " << *why;
          ok = false;
        } else if (!c) {
          op->emitError() << "layer '" << g.getGraph().layers[i].name
                          << "' has no kapla.dataflow to cost";
          ok = false;
        } else if (!c->valid) {
          op->emitError() << "invalid dataflow: " << c->reason;
          ok = false;
        }
      }
      if (!ok)
        return;
      for (int i = 0, e = int(g.getGraph().layers.size()); i < e; ++i)
        setCost(g.getOp(i), toAttr(ctx, costs.getLayerCost(i)->cost));
      for (const SegmentCostEntry &s : costs.getSegments())
        if (auto seg = dyn_cast<SegmentOp>(s.op))
          seg.setCostAttr(toAttr(ctx, s.cost));
    });
    if (!ok)
      return signalPassFailure();
    // Costs are no input of the layer graph or the cost model: both hold.
    markAnalysesPreserved<LayerGraphAnalysis, CostModelAnalysis>();
    if (report.empty() && trace.empty() && html.empty())
      return;
    if (networks.empty())
      module.emitWarning() << "kapla-estimate-cost: the module has no layers; "
                              "the report lists none";
    // The attributes just set do not change the costs: the analyses hold.
    llvm::SmallVector<ReportNetwork> nets;
    ReportOptions opts;
    for (FunctionOpInterface f : networks) {
      CostModelAnalysis &costs = getChildAnalysis<CostModelAnalysis>(f);
      nets.push_back({f.getName().str(), &costs.getGraph(), &costs});
      const LayerGraph &g = costs.getGraph().getGraph();
      if (opts.batch == 0)
        opts.batch = g.layers.front().desc.n;
      opts.training |= llvm::any_of(g.layers, [](const LayerNode &l) {
        return l.desc.pass != LayerPass::Forward;
      });
    }
    // The batch kapla-import applied, when it ran in this context.
    const RunRecord &record = getAnalysis<RunRecord>();
    if (std::optional<llvm::json::Value> b = record.appliedOption("batch"))
      if (std::optional<int64_t> n = b->getAsInteger(); n && *n > 0)
        opts.batch = *n;
    if (!report.empty() &&
        failed(writeReport(module, report, nets, opts, record)))
      return signalPassFailure();
    if (!trace.empty() && failed(writeTrace(module, trace, nets)))
      return signalPassFailure();
    if (!html.empty() && failed(writeScheduleHtml(module, html, nets)))
      return signalPassFailure();
  }
};

} // namespace
