//===- Pipelines.cpp - kapla pass pipelines -------------------------------===//

#include "Kapla/Pipelines/Pipelines.h"

#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <cmath>
#include <cstdio>
#include <string>

using namespace mlir;
using namespace mlir::kapla;

void mlir::kapla::buildKaplaImportPipeline(
    OpPassManager &pm, const KaplaImportPipelineOptions &opts,
    bool requireLayers) {
  KaplaSetArchPassOptions archOpts;
  archOpts.arch = opts.arch;
  archOpts.archFile = opts.archFile;
  pm.addPass(createKaplaSetArchPass(archOpts));
  if (opts.input == InputForm::Tosa) {
    // The upstream lowering (tosa::addTosaToLinalgPasses: decompositions,
    // shape inference, broadcasts, named ops with convolutions in HWCF
    // layout, the rest of TOSA), then what it leaves to arith and tensor,
    // then cleanup.
    TosaToLinalgNamedOptions named;
    named.preferConv2DKernelLayoutHWCF = true;
    tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions(), named);
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    fpm.addPass(createTosaToArithPass());
    fpm.addPass(createTosaToTensorPass());
    pm.addPass(createCanonicalizerPass());
  }
  KaplaImportPassOptions importOpts;
  importOpts.batch = opts.batch;
  importOpts.report = opts.report;
  importOpts.unknownOps = opts.unknownOps;
  importOpts.entry = opts.entry;
  importOpts.requireLayers = requireLayers;
  pm.addPass(createKaplaImportPass(importOpts));
}
void mlir::kapla::buildKaplaSchedulePipeline(
    OpPassManager &pm, const KaplaSchedulePipelineOptions &opts) {
  KaplaImportPipelineOptions importOpts;
  importOpts.input = opts.input;
  importOpts.arch = opts.arch;
  importOpts.archFile = opts.archFile;
  importOpts.batch = opts.batch;
  importOpts.unknownOps = opts.unknownOps;
  importOpts.entry = opts.entry;
  buildKaplaImportPipeline(pm, importOpts, /*requireLayers=*/true);
  if (opts.training)
    pm.addPass(createKaplaBuildTrainingGraphPass());
  KaplaFormSegmentsPassOptions formOpts;
  formOpts.maxSegmentLayers = opts.maxSegmentLayers;
  formOpts.topK = opts.topK;
  formOpts.objective = opts.objective;
  formOpts.solver = opts.segmentSolver;
  formOpts.layerTimeBudget = opts.layerTimeBudget;
  formOpts.effort = opts.effort;
  formOpts.bufferSharing = opts.bufferSharing;
  formOpts.rectangleRegions = opts.rectangleRegions;
  formOpts.channelGroups = opts.channelGroups;
  // Each function is a network: its segments and layer solves run per
  // function (functions in parallel).
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createKaplaFormSegmentsPass(formOpts));
  // kapla-form-segments solved every layer in detail with the segment
  // solver (kapla unless segment-solver says exact); another solver solves
  // them again in the chosen segments.
  KaplaSolveLayersPassOptions solveOpts;
  solveOpts.resolve = opts.solver != opts.segmentSolver;
  solveOpts.solver = opts.solver;
  solveOpts.objective = opts.objective;
  solveOpts.budget = opts.budget;
  solveOpts.seed = opts.seed;
  solveOpts.timeBudget = opts.timeBudget;
  solveOpts.layerTimeBudget = opts.layerTimeBudget;
  solveOpts.effort = opts.effort;
  solveOpts.bufferSharing = opts.bufferSharing;
  fpm.addPass(createKaplaSolveLayersPass(solveOpts));
  KaplaEstimateCostPassOptions costOpts;
  costOpts.report = opts.report;
  costOpts.trace = opts.trace;
  costOpts.html = opts.html;
  pm.addPass(createKaplaEstimateCostPass(costOpts));
}

std::string mlir::kapla::checkKaplaScheduleOptions(
    const KaplaSchedulePipelineOptions &opts) {
  auto finite = [](double v) { return v >= 0 && !std::isinf(v); };
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return std::string(buf);
  };
  if (opts.batch < 0)
    return "batch must be positive (0: as exported), got " +
           std::to_string(int64_t(opts.batch));
  if (opts.budget < 0)
    return "budget must be non-negative, got " +
           std::to_string(int64_t(opts.budget));
  if (opts.maxSegmentLayers < 1 || opts.maxSegmentLayers > 10000)
    return "max-segment-layers must be between 1 and 10000, got " +
           std::to_string(int64_t(opts.maxSegmentLayers));
  if (opts.topK < 0 || opts.topK > 1000000)
    return "top-k must be between 0 (every segment solved) and 1000000, got " +
           std::to_string(int64_t(opts.topK));
  if (!finite(opts.timeBudget))
    return "time-budget must be a finite, non-negative number of seconds, "
           "got " +
           number(opts.timeBudget);
  if (!finite(opts.layerTimeBudget))
    return "layer-time-budget must be a finite, non-negative number of "
           "seconds, got " +
           number(opts.layerTimeBudget);
  return "";
}

void mlir::kapla::registerKaplaPipelines() {
  // kapla-schedule checks its options before it builds the passes: an error
  // then comes before any work, not after the segment search.
  registerPassPipeline(
      "kapla-schedule",
      "Set the architecture, lower TOSA if `input=tosa`, import, form "
      "segments, solve every layer and cost the schedule",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        KaplaSchedulePipelineOptions opts;
        if (failed(opts.parseFromString(text)))
          return failure();
        std::string error = checkKaplaScheduleOptions(opts);
        if (!error.empty())
          return errorHandler("kapla-schedule: " + error);
        buildKaplaSchedulePipeline(pm, opts);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(KaplaSchedulePipelineOptions());
      });
  PassPipelineRegistration<KaplaImportPipelineOptions>(
      "kapla-import-pipeline",
      "Set the architecture (kapla-set-arch), lower TOSA to linalg if "
      "`input=tosa`, then run kapla-import",
      [](OpPassManager &pm, const KaplaImportPipelineOptions &opts) {
        buildKaplaImportPipeline(pm, opts);
      });
}
