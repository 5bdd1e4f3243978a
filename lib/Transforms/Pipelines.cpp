//===- Pipelines.cpp - kapla pass pipelines -------------------------------===//

#include "Kapla/Transforms/Passes.h"

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

namespace {
enum class InputForm { Linalg, Tosa };

struct ImportPipelineOptions
    : public PassPipelineOptions<ImportPipelineOptions> {
  Option<InputForm> input{
      *this, "input", llvm::cl::desc("The input form"),
      llvm::cl::init(InputForm::Linalg),
      llvm::cl::values(
          clEnumValN(InputForm::Linalg, "linalg", "linalg on tensors"),
          clEnumValN(InputForm::Tosa, "tosa", "TOSA 1.0, lowered first"))};
  Option<int64_t> batch{*this, "batch",
                        llvm::cl::desc("Batch to schedule for (0: as exported)"),
                        llvm::cl::init(0)};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Write the layer report as JSON to this path ('-': stdout)"),
      llvm::cl::init("")};
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("Architecture preset (kapla-set-arch)"),
                           llvm::cl::init("")};
  Option<std::string> archFile{
      *this, "arch-file",
      llvm::cl::desc("Architecture file, JSON (kapla-set-arch)"),
      llvm::cl::init("")};
  Option<std::string> unknownOps{
      *this, "unknown-ops",
      llvm::cl::desc("What an op kapla does not understand is: error or warn"),
      llvm::cl::init("error")};
  Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("The network function (default: every function that "
                     "computes)"),
      llvm::cl::init("")};
};

void buildImportPipeline(OpPassManager &pm, const ImportPipelineOptions &opts) {
  KaplaSetArchPassOptions archOpts;
  archOpts.arch = opts.arch;
  archOpts.archFile = opts.archFile;
  pm.addPass(createKaplaSetArchPass(archOpts));
  if (opts.input == InputForm::Tosa) {
    // The upstream lowering, as documented for MLIR 22: convolutions in
    // HWCF layout, then the rest of TOSA, then cleanup.
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    TosaToLinalgNamedOptions named;
    named.preferConv2DKernelLayoutHWCF = true;
    fpm.addPass(tosa::createTosaToLinalgNamed(named));
    fpm.addPass(tosa::createTosaToLinalg());
    fpm.addPass(createTosaToArithPass());
    fpm.addPass(createTosaToTensorPass());
    pm.addPass(createCanonicalizerPass());
  }
  KaplaImportPassOptions importOpts;
  importOpts.batch = opts.batch;
  importOpts.report = opts.report;
  importOpts.unknownOps = opts.unknownOps;
  importOpts.entry = opts.entry;
  pm.addPass(createKaplaImportPass(importOpts));
}
struct SchedulePipelineOptions
    : public PassPipelineOptions<SchedulePipelineOptions> {
  Option<InputForm> input{
      *this, "input", llvm::cl::desc("The input form"),
      llvm::cl::init(InputForm::Linalg),
      llvm::cl::values(
          clEnumValN(InputForm::Linalg, "linalg", "linalg on tensors"),
          clEnumValN(InputForm::Tosa, "tosa", "TOSA 1.0, lowered first"))};
  Option<std::string> arch{*this, "arch", llvm::cl::desc("Architecture preset"),
                           llvm::cl::init("")};
  Option<std::string> archFile{*this, "arch-file",
                               llvm::cl::desc("Architecture file (JSON)"),
                               llvm::cl::init("")};
  Option<int64_t> batch{*this, "batch",
                        llvm::cl::desc("Batch to schedule for (0: as exported)"),
                        llvm::cl::init(0)};
  Option<bool> training{
      *this, "training",
      llvm::cl::desc("Schedule a training step (kapla-build-training-graph)"),
      llvm::cl::init(false)};
  Option<std::string> objective{*this, "objective",
                                llvm::cl::desc("energy, delay or edp"),
                                llvm::cl::init("energy")};
  Option<std::string> solver{*this, "solver",
                             llvm::cl::desc("kapla, exact, exhaustive or random"),
                             llvm::cl::init("kapla")};
  Option<int64_t> budget{*this, "budget",
                         llvm::cl::desc("Evaluations per layer (exact, exhaustive, random)"),
                         llvm::cl::init(0)};
  Option<int64_t> seed{*this, "seed", llvm::cl::desc("Seed of the random solver"),
                       llvm::cl::init(1)};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Write the report as JSON to this path ('-': stdout)"),
      llvm::cl::init("")};
  Option<std::string> unknownOps{
      *this, "unknown-ops",
      llvm::cl::desc("What an op kapla does not understand is: error or warn"),
      llvm::cl::init("error")};
  Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("The network function (default: every function that "
                     "computes)"),
      llvm::cl::init("")};
  Option<std::string> segmentSolver{
      *this, "segment-solver",
      llvm::cl::desc("What solves the layers of candidate segments: kapla or "
                     "exact (with layer-time-budget)"),
      llvm::cl::init("kapla")};
  Option<int64_t> maxSegmentLayers{
      *this, "max-segment-layers",
      llvm::cl::desc("Layers in a pipelined segment at most"), llvm::cl::init(5)};
  Option<int64_t> topK{*this, "top-k",
                       llvm::cl::desc("Chains the estimate DP keeps (0: every "
                                      "candidate segment is solved)"),
                       llvm::cl::init(4)};
  Option<double> timeBudget{
      *this, "time-budget",
      llvm::cl::desc("Seconds for the exact, exhaustive and random solvers "
                     "in all (0: none)"),
      llvm::cl::init(0)};
  Option<double> layerTimeBudget{
      *this, "layer-time-budget",
      llvm::cl::desc("Seconds for the exact, exhaustive and random solvers "
                     "per layer (0: none)"),
      llvm::cl::init(0)};
  Option<bool> bufferSharing{
      *this, "buffer-sharing",
      llvm::cl::desc("Let nodes share one copy of replicated read-only data "
                     "(false: every node keeps its own copy)"),
      llvm::cl::init(true)};
  Option<bool> rectangleRegions{
      *this, "rectangle-regions",
      llvm::cl::desc("Try spatial segments on rectangles of the node array "
                     "as well as on strips"),
      llvm::cl::init(false)};
  Option<bool> channelGroups{
      *this, "channel-groups",
      llvm::cl::desc("Let pipelined layers forward data in channel groups "
                     "when one sample per group does not fit"),
      llvm::cl::init(true)};
};

void buildSchedulePipeline(OpPassManager &pm,
                           const SchedulePipelineOptions &opts) {
  ImportPipelineOptions importOpts;
  importOpts.input = opts.input;
  importOpts.arch = opts.arch;
  importOpts.archFile = opts.archFile;
  importOpts.batch = opts.batch;
  importOpts.unknownOps = opts.unknownOps;
  importOpts.entry = opts.entry;
  buildImportPipeline(pm, importOpts);
  if (opts.training)
    pm.addPass(createKaplaBuildTrainingGraphPass());
  KaplaFormSegmentsPassOptions formOpts;
  formOpts.maxSegmentLayers = opts.maxSegmentLayers;
  formOpts.topK = opts.topK;
  formOpts.objective = opts.objective;
  formOpts.solver = opts.segmentSolver;
  formOpts.layerTimeBudget = opts.layerTimeBudget;
  formOpts.bufferSharing = opts.bufferSharing;
  formOpts.rectangleRegions = opts.rectangleRegions;
  formOpts.channelGroups = opts.channelGroups;
  pm.addPass(createKaplaFormSegmentsPass(formOpts));
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
  solveOpts.bufferSharing = opts.bufferSharing;
  pm.addPass(createKaplaSolveLayersPass(solveOpts));
  KaplaEstimateCostPassOptions costOpts;
  costOpts.report = opts.report;
  pm.addPass(createKaplaEstimateCostPass(costOpts));
}

/// The first option of `opts` kapla-schedule cannot honour, or an empty
/// string: checked before any pass runs, so that a bad value of a late
/// pass's option does not surface only after the segment search.
std::string checkScheduleOptions(const SchedulePipelineOptions &opts) {
  auto finite = [](double v) { return v >= 0 && !std::isinf(v); };
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return std::string(buf);
  };
  auto oneOf = [](const std::string &v, std::initializer_list<const char *> ok) {
    return llvm::any_of(ok, [&](const char *o) { return v == o; });
  };
  if (opts.batch < 0)
    return "batch must be positive (0: as exported), got " +
           std::to_string(int64_t(opts.batch));
  if (!oneOf(opts.solver, {"kapla", "exact", "exhaustive", "random"}))
    return "solver must be kapla, exact, exhaustive or random, got '" +
           opts.solver.getValue() + "'";
  if (!oneOf(opts.segmentSolver, {"kapla", "exact"}))
    return "segment-solver must be kapla or exact, got '" +
           opts.segmentSolver.getValue() + "'";
  if (!oneOf(opts.objective, {"energy", "delay", "edp"}))
    return "objective must be energy, delay or edp, got '" +
           opts.objective.getValue() + "'";
  if (!oneOf(opts.unknownOps, {"error", "warn"}))
    return "unknown-ops must be 'error' or 'warn', got '" +
           opts.unknownOps.getValue() + "'";
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
} // namespace

void mlir::kapla::registerKaplaPipelines() {
  // kapla-schedule checks its options before it builds the passes: an error
  // then comes before any work, not after the segment search.
  registerPassPipeline(
      "kapla-schedule",
      "Set the architecture, lower TOSA if `input=tosa`, import, form "
      "segments, solve every layer and cost the schedule",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        SchedulePipelineOptions opts;
        if (failed(opts.parseFromString(text)))
          return failure();
        std::string error = checkScheduleOptions(opts);
        if (!error.empty())
          return errorHandler("kapla-schedule: " + error);
        buildSchedulePipeline(pm, opts);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(SchedulePipelineOptions());
      });
  PassPipelineRegistration<ImportPipelineOptions>(
      "kapla-import-pipeline",
      "Set the architecture (kapla-set-arch), lower TOSA to linalg if "
      "`input=tosa`, then run kapla-import",
      buildImportPipeline);
}
