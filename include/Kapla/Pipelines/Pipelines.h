//===- Pipelines.h - kapla pass pipelines -----------------------*- C++ -*-===//
//
// The pipelines a compiler embeds kapla with: import (architecture, TOSA
// lowering, layer recognition) and schedule (import, training graph,
// segments, per-layer solves, costs and the report). Their option structs
// are the textual options of `kapla-import-pipeline` and `kapla-schedule`;
// a C++ caller sets the fields and builds the passes into its own pass
// manager.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_PIPELINES_PIPELINES_H
#define KAPLA_PIPELINES_PIPELINES_H

#include "Kapla/Solver/Scheduler.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::kapla {

/// What the pipelines read.
enum class InputForm : uint8_t {
  Linalg, ///< linalg on tensors (torch-mlir, TensorFlow, IREE importers)
  Tosa    ///< TOSA 1.0, lowered to linalg first
};

struct KaplaImportPipelineOptions
    : public PassPipelineOptions<KaplaImportPipelineOptions> {
  Option<InputForm> input{
      *this, "input", llvm::cl::desc("The input form"),
      llvm::cl::init(InputForm::Linalg),
      llvm::cl::values(
          clEnumValN(InputForm::Linalg, "linalg", "linalg on tensors"),
          clEnumValN(InputForm::Tosa, "tosa", "TOSA 1.0, lowered first"))};
  Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Batch to schedule for (0: as exported)"),
      llvm::cl::init(0)};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc(
          "Write the layer report as JSON to this path ('-': stdout)"),
      llvm::cl::init("")};
  Option<std::string> arch{
      *this, "arch", llvm::cl::desc("Architecture preset (kapla-set-arch)"),
      llvm::cl::init("")};
  Option<std::string> archFile{
      *this, "arch-file",
      llvm::cl::desc("Architecture file, JSON (kapla-set-arch)"),
      llvm::cl::init("")};
  Option<UnknownOps> unknownOps{
      *this, "unknown-ops",
      llvm::cl::desc("What an op kapla does not understand is"),
      llvm::cl::init(UnknownOps::Error),
      llvm::cl::values(
          clEnumValN(UnknownOps::Error, "error",
                     "An error: nothing is dropped"),
          clEnumValN(UnknownOps::Warn, "warn",
                     "A warning; its data passes dependences on"))};
  Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("The network function (default: every function that "
                     "computes)"),
      llvm::cl::init("")};
};

struct KaplaSchedulePipelineOptions
    : public PassPipelineOptions<KaplaSchedulePipelineOptions> {
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
  Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Batch to schedule for (0: as exported)"),
      llvm::cl::init(0)};
  Option<bool> training{
      *this, "training",
      llvm::cl::desc("Schedule a training step (kapla-build-training-graph)"),
      llvm::cl::init(false)};
  Option<Objective> objective{
      *this, "objective", llvm::cl::desc("What the solvers minimise"),
      llvm::cl::init(Objective::Energy),
      llvm::cl::values(
          clEnumValN(Objective::Energy, "energy", "Energy (pJ)"),
          clEnumValN(Objective::Delay, "delay", "Cycles"),
          clEnumValN(Objective::EDP, "edp", "Energy-delay product"))};
  Option<SolverKind> solver{
      *this, "solver", llvm::cl::desc("What solves each layer"),
      llvm::cl::init(SolverKind::Kapla),
      llvm::cl::values(
          clEnumValN(SolverKind::Kapla, "kapla", "The cost descent"),
          clEnumValN(SolverKind::Exact, "exact",
                     "The branch and bound: proven optimum or certified gap"),
          clEnumValN(SolverKind::Exhaustive, "exhaustive",
                     "Every point of the space (budget caps it)"),
          clEnumValN(SolverKind::Random, "random",
                     "Random points of the space (budget, seed)"))};
  Option<int64_t> budget{
      *this, "budget",
      llvm::cl::desc("Evaluations per layer (exact, exhaustive, random)"),
      llvm::cl::init(0)};
  Option<int64_t> seed{*this, "seed",
                       llvm::cl::desc("Seed of the random solver"),
                       llvm::cl::init(1)};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Write the report as JSON to this path ('-': stdout)"),
      llvm::cl::init("")};
  Option<std::string> trace{
      *this, "trace",
      llvm::cl::desc(
          "Write the schedule as a Chrome/Perfetto trace (JSON) to this path"),
      llvm::cl::init("")};
  Option<std::string> html{
      *this, "html",
      llvm::cl::desc(
          "Write the schedule as one HTML page (SVG drawings) to this path"),
      llvm::cl::init("")};
  Option<UnknownOps> unknownOps{
      *this, "unknown-ops",
      llvm::cl::desc("What an op kapla does not understand is"),
      llvm::cl::init(UnknownOps::Error),
      llvm::cl::values(
          clEnumValN(UnknownOps::Error, "error",
                     "An error: nothing is dropped"),
          clEnumValN(UnknownOps::Warn, "warn",
                     "A warning; its data passes dependences on"))};
  Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("The network function (default: every function that "
                     "computes)"),
      llvm::cl::init("")};
  Option<SolverKind> segmentSolver{
      *this, "segment-solver",
      llvm::cl::desc("What solves the layers of candidate segments"),
      llvm::cl::init(SolverKind::Kapla),
      llvm::cl::values(
          clEnumValN(SolverKind::Kapla, "kapla", "The cost descent"),
          clEnumValN(SolverKind::Exact, "exact",
                     "The branch and bound (with layer-time-budget)"))};
  Option<int64_t> maxSegmentLayers{
      *this, "max-segment-layers",
      llvm::cl::desc("Layers in a pipelined segment at most"),
      llvm::cl::init(5)};
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
  Option<Effort> effort{
      *this, "effort", llvm::cl::desc("Search effort of the kapla descent"),
      llvm::cl::init(Effort::Full),
      llvm::cl::values(
          clEnumValN(Effort::Full, "full", "Every step of the descent"),
          clEnumValN(Effort::Quick, "quick",
                     "Half the sampled starts, no small-chip node-split "
                     "neighbourhoods (for sweeps)"))};
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

/// kapla-set-arch, the upstream TOSA lowering when `input` is TOSA, then
/// kapla-import (`requireLayers`: a module without layers is an error).
void buildKaplaImportPipeline(OpPassManager &pm,
                              const KaplaImportPipelineOptions &options,
                              bool requireLayers = false);

/// The import pipeline (a module without layers is an error: nothing to
/// schedule), kapla-build-training-graph when `training`, then on each
/// func.func kapla-form-segments and kapla-solve-layers, and
/// kapla-estimate-cost (which writes the report).
void buildKaplaSchedulePipeline(OpPassManager &pm,
                                const KaplaSchedulePipelineOptions &options);

/// The first option of `options` the schedule pipeline cannot honour (a
/// message naming it and its value), or an empty string. The registered
/// pipeline checks this before it builds any pass; a C++ caller should too.
std::string
checkKaplaScheduleOptions(const KaplaSchedulePipelineOptions &options);

/// Registers `kapla-import-pipeline` and `kapla-schedule`.
void registerKaplaPipelines();

} // namespace mlir::kapla

#endif // KAPLA_PIPELINES_PIPELINES_H
