//===- IntraLayer.h - Solving one layer -------------------------*- C++ -*-===//
//
// A layer's schedule is searched in a space of per-dim parameters: the REGF
// tile and its spread over PEs, the GBUF tile and its spread over nodes, and
// the order of the three loop classes at each level. buildDataflow turns a
// point of that space into directives; the cost model scores it.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_SOLVER_INTRALAYER_H
#define KAPLA_SOLVER_INTRALAYER_H

#include "Kapla/CostModel/CostModel.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mlir::kapla {

/// What a solver minimises.
enum class Objective : uint8_t { Energy, Delay, EDP };
const char *stringifyObjective(Objective o); ///< "energy", "delay", "edp"
std::optional<Objective> symbolizeObjective(const std::string &s);
/// The value of `cost` under `objective` (pJ, cycles, or pJ x cycles).
double objectiveValue(Objective objective, const CostRecord &cost);

/// How much search the kapla descent spends on a layer. `Quick` samples
/// half as many starts and leaves out the neighbourhoods that free node
/// splits and loop orders on small chips (docs/Solver.md, effort): for
/// design-space sweeps, at a small cost in schedule quality.
enum class Effort : uint8_t { Full, Quick };
const char *stringifyEffort(Effort e); ///< "full", "quick"

/// A point of the intra-layer search space. Dims the layer does not loop
/// over keep 1.
struct LayerSchedule {
  std::array<int64_t, kNumDims> regfTile{}, peSplit{}, gbufTile{}, nodeSplit{};
  /// Loop class order at each level, innermost first: a permutation of
  /// {0: batch and output rows/cols, 1: reduction (C, R, S; R, S only for
  /// channel-wise kinds), 2: output channels (K; C for channel-wise kinds)}.
  std::array<uint8_t, 3> regfOrder{0, 1, 2}, gbufOrder{0, 1, 2};
  /// Buffer sharing, per tensor (indexed by TensorKind): the nodes that the
  /// node splits give the same tile of a read-only tensor keep one copy,
  /// spread over their GBUFs and rotated over the NoC (`shr` = that number
  /// of nodes). Without effect on a tensor no node split replicates, and on
  /// the tensor the layer writes.
  std::array<bool, kNumTensors> share{};
};

/// The nodes that hold the same GBUF tile of tensor `t` under the node
/// splits of `s`: the product of the splits of the dims that do not move it.
int64_t nodeReplication(const LayerDesc &layer, const LayerSchedule &s,
                        TensorKind t);

/// The directives of `s` for `layer`.
LayerDataflow buildDataflow(const LayerDesc &layer, const LayerSchedule &s);

/// What a solve found.
struct LayerSolution {
  bool found = false;
  LayerSchedule schedule;
  LayerDataflow dataflow;
  LayerCost cost;
  int64_t evaluations = 0;
  /// The exhaustive or exact search visited (or provably cut) its whole
  /// space, no budget or deadline stopped it: the solution is the optimum.
  bool complete = false;
  /// The exact search: a value of the objective no schedule of the space
  /// goes below (the solution's own value when complete; 0 when unknown).
  double bound = 0;
  /// The exact search: the nodes of its search tree it visited.
  int64_t nodes = 0;
};

struct SolveOptions {
  Objective objective = Objective::Energy;
  /// The kapla descent's effort (the other solvers ignore it).
  Effort effort = Effort::Full;
  /// Whether the space has buffer sharing (`LayerSchedule::share`); without
  /// it every node keeps its own copy of replicated data.
  bool bufferSharing = true;
  /// Exhaustive and random: stop after this many evaluations (0: no limit
  /// for exhaustive; random uses 20000). Exact: after this many search
  /// nodes plus evaluations (0: no limit).
  int64_t budget = 0;
  uint64_t seed = 1;
  /// Exact, exhaustive and random: stop at this time (the best found so
  /// far is the answer); none when unset.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  /// Exact: runs body(0) .. body(count - 1), possibly in parallel (the pass
  /// gives MLIR's thread pool); the exact search then splits its tree over
  /// it. The answer is the same as without it, unless a deadline stops
  /// the search (unused with a `budget`, which would not be).
  using ForEach = std::function<void(
      size_t count, const std::function<void(size_t)> &body)>;
  ForEach forEach;
};

/// Whether `pins` can fix part of a schedule of `layer` on `arch`: every
/// dim pinned is a loop of the kind, tiles and splits within the extents
/// and within each other, splits within a node's PEs and the region's
/// nodes, each level's order names each loop class once (its dims
/// together) and every class with a loop, the region within the node
/// array. The error names the field.
llvm::Error checkPins(const ArchDesc &arch, const LayerDesc &layer,
                      const LayerPins &pins);

/// Whether `dataflow` (structurally valid for `layer`) has what `pins`
/// fix, read back from the directives: each dim's tile at each level, the
/// product of the `repl` of the stacks that shift it, the order of the
/// updates' loop classes (at the GBUF without the loops over forwarding
/// groups of `ctx`), the region of `ctx`. The error names the field, the
/// value the dataflow has and the value fixed.
llvm::Error checkDataflowHasPins(const LayerDesc &layer,
                                 const LayerDataflow &dataflow,
                                 const LayerContext &ctx,
                                 const LayerPins &pins);

/// Why no dataflow of `layer` may be valid in `ctx`: the rule the smallest
/// one (every tile and split 1, loop orders as the PE template starts them)
/// breaks, or a note that it is valid.
std::string explainNoSchedule(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx);

/// KAPLA's bottom-up cost descent: from the PE template's unit, spread over
/// idle PEs, grow the REGF tile, spread over the region's nodes, grow the
/// GBUF tile; each step takes the move that lowers the objective most; for
/// every pair of loop orders. Falls back to the exhaustive search when no
/// valid schedule is found.
LayerSolution solveLayerKapla(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx,
                              const SolveOptions &opts);

/// Every factorisation of every dim over the four parameters (divisors of
/// the extents), every order pair, under the same cost model. Combinations
/// whose tiles overflow a buffer even before every dim is chosen are cut
/// with all their completions, and order pairs that give the same loop nests
/// are tried once: neither can lose the optimum.
LayerSolution solveLayerExhaustive(const ArchDesc &arch, const LayerDesc &layer,
                                   const LayerContext &ctx,
                                   const SolveOptions &opts);

/// Branch and bound over the exhaustive space, from the kapla solution as
/// the first incumbent: a partial choice of per-dim factors is cut when an
/// admissible lower bound of every completion (compulsory and refetched
/// traffic at both levels implied by the factors chosen so far and by the
/// smallest loop counts the buffers still allow the others, constant MAC
/// and REGF energy, the fewest cycles) is no better than the incumbent.
/// Complete (the optimum proven) unless `deadline` or `budget` (search
/// nodes plus evaluations) stops it; `bound` is then the certified lower
/// bound.
LayerSolution solveLayerExact(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx,
                              const SolveOptions &opts);

/// The same from `start`, a valid schedule of `layer` in `ctx` (its
/// dataflow and cost), as the first incumbent instead of the kapla
/// descent's: the search is the same when `start` is the descent's
/// schedule, without the descent's time.
LayerSolution solveLayerExactFrom(const ArchDesc &arch, const LayerDesc &layer,
                                  const LayerContext &ctx,
                                  const SolveOptions &opts,
                                  const LayerSolution &start);

/// The energy by which the exact search's bound gives up on the model's
/// rounding on a region of `ctx`'s nodes: the energy of
/// kGbufReadRoundingPerNode GBUF reads per node, and the static energy of
/// the bus cycles one node's share of them would take.
/// With the energy objective the search cuts a node whose bound is below
/// its best schedule by no more than this plus a relative 1e-8: a schedule
/// it proves optimal is within that of the optimum.
double exactRoundingMargin(const ArchDesc &arch, const LayerContext &ctx);

/// The exact search's lower bound at the root (`fixedDimsMask` 0) and for
/// every completion of `s` with only the dims of `fixedDimsMask` chosen
/// (bit `int(Dim)` for each; the descent's last solve asks it at the root,
/// tests at both). Infinity when no completion fits.
double exactLowerBound(const ArchDesc &arch, const LayerDesc &layer,
                       const LayerContext &ctx, Objective objective,
                       const LayerSchedule &s, unsigned fixedDimsMask);

/// The exact search's floor on the bus energy of every schedule of the
/// space (the words the PEs receive); with `s`, of the schedules that split
/// the read-write tensor over no more PEs and nodes than `s` does along the
/// dims that leave it in place. For tests.
double exactBusFloor(const ArchDesc &arch, const LayerDesc &layer,
                     const LayerContext &ctx, const LayerSchedule *s = nullptr);

/// The exact search's floor on the energy of the GBUF reads toward the PEs
/// and the bus deliveries together, over every schedule of the space (0
/// where it has no such floor); with `s`, over the schedules with the REGF
/// tiles and PE splits of `s` (the floor of the search's node where every
/// dim is chosen as in `s`). For tests.
double exactDeliveryFloor(const ArchDesc &arch, const LayerDesc &layer,
                          const LayerContext &ctx,
                          const LayerSchedule *s = nullptr);

/// Random points of the exhaustive space.
LayerSolution solveLayerRandom(const ArchDesc &arch, const LayerDesc &layer,
                               const LayerContext &ctx,
                               const SolveOptions &opts);

} // namespace mlir::kapla

#endif // KAPLA_SOLVER_INTRALAYER_H
