// A downstream tool that embeds kapla: it parses kapla attributes and reads
// them as core values, then builds the schedule pipeline from C++ into its
// own pass manager, runs it on a network and reads the schedule back
// through the typed accessors.
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Pipelines/Pipelines.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;

// Two FC layers: 64 -> 32 -> 16 features at batch 4.
static const char *kNetwork = R"mlir(
func.func @mlp(%x: tensor<4x64xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<0.1> : tensor<64x32xf32>
  %w2 = arith.constant dense<0.1> : tensor<32x16xf32>
  %e1 = tensor.empty() : tensor<4x32xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x32xf32>) outs(%f1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<4x32xf32>, tensor<32x16xf32>) outs(%f2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
)mlir";

static int parseAttributes(MLIRContext &ctx) {
  auto arch = llvm::dyn_cast_or_null<kapla::ArchAttr>(
      parseAttribute("#kapla.arch<\"edge-systolic\">", &ctx));
  auto layer = llvm::dyn_cast_or_null<kapla::LayerAttr>(parseAttribute(
      "#kapla.layer<conv, N = 1, C = 3, K = 48, Ho = 55, Wo = 55, R = 11, "
      "S = 11, sy = 4, sx = 4>",
      &ctx));
  if (!arch || !layer)
    return 1;
  kapla::ArchDesc a = kapla::toCore(arch);
  kapla::LayerDesc l = kapla::toCore(layer);
  llvm::outs() << a.name << " PEs per node: " << a.numPEsPerNode() << "\n";
  llvm::outs() << "conv MACs: " << l.macs() << ", input rows: " << l.hi()
               << "\n";
  return 0;
}

/// Schedules the network once, writing the report to `report`.
static int schedule(MLIRContext &ctx, const std::string &report, int run) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kNetwork, &ctx);
  if (!module)
    return 1;
  kapla::KaplaSchedulePipelineOptions options;
  options.arch = "multi-node-4x4";
  options.solver = kapla::SolverKind::Kapla;
  options.maxSegmentLayers = 1;
  options.report = report;
  if (!kapla::checkKaplaScheduleOptions(options).empty())
    return 1;
  PassManager pm(&ctx);
  kapla::buildKaplaSchedulePipeline(pm, options);
  if (failed(pm.run(*module)))
    return 1;
  llvm::outs() << "run " << run << " arch: "
               << kapla::toCore(kapla::getArch(module->getOperation())).name
               << "\n";
  module->walk([&](Operation *op) {
    kapla::LayerAttr layer = kapla::getLayer(op);
    if (!layer)
      return;
    kapla::LayerDesc l = kapla::toCore(layer);
    kapla::ConstraintAttr c = kapla::getConstraint(op);
    kapla::DataflowAttr df = kapla::getDataflow(op);
    kapla::CostAttr cost = kapla::getCost(op);
    if (!c || !df || !cost)
      return;
    kapla::SegmentConstraint sc = kapla::toCore(c);
    llvm::outs() << "  " << kapla::getLayerName(op) << ": "
                 << kapla::stringifyLayerKind(l.kind) << " N " << l.n << " C "
                 << l.c << " K " << l.k << ", region " << sc.region.rows << "x"
                 << sc.region.cols << ", in segment "
                 << op->getParentOfType<kapla::SegmentOp>().getIndex()
                 << ", energy > 0: "
                 << (kapla::toCore(cost).energyPj() > 0 ? "yes" : "no") << "\n";
  });
  // The report of this run counts this run's solves only.
  auto text = llvm::MemoryBuffer::getFile(report);
  if (!text)
    return 1;
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*text)->getBuffer());
  if (!json) {
    llvm::consumeError(json.takeError());
    return 1;
  }
  const llvm::json::Object *search = json->getAsObject()->getObject("search");
  llvm::outs() << "run " << run
               << " layer solves: " << *search->getInteger("layer_solves")
               << "\n";
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: kapla-downstream REPORT-PREFIX\n";
    return 2;
  }
  DialectRegistry registry;
  registry.insert<kapla::KaplaDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, tensor::TensorDialect>();
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  if (int rc = parseAttributes(ctx))
    return rc;
  // Two modules scheduled in one context, as a compiler would: each run
  // starts from nothing.
  for (int run = 1; run <= 2; ++run)
    if (int rc = schedule(
            ctx, std::string(argv[1]) + std::to_string(run) + ".json", run))
      return rc;
  return 0;
}
