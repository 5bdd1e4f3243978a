//===- CostModel.h - The analytical cost model ------------------*- C++ -*-===//
//
// Evaluates one layer under one dataflow in one segment context: validity
// (with the violated rule), access counts per level and tensor, NoC traffic,
// energy by component and cycles. docs/CostModel.md gives every formula.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_COSTMODEL_COSTMODEL_H
#define KAPLA_COSTMODEL_COSTMODEL_H

#include "Kapla/CostModel/CostRecord.h"
#include "Kapla/Dataflow/Directives.h"
#include "Kapla/Dataflow/Segment.h"
#include "Kapla/Hardware/Arch.h"
#include "Kapla/Workload/LayerGraph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kapla {

/// Where a layer runs and where its data comes from and goes to.
struct LayerContext {
  /// The nodes the layer may use.
  NodeRegion region;
  /// The layer's activation input is read from the GBUFs of a producer in
  /// the same segment (in `inputFrom`), not from DRAM.
  bool inputOnChip = false;
  NodeRegion inputFrom;
  /// The layer's output is kept in GBUFs for a consumer in the same segment
  /// (in `outputTo`), not written to DRAM.
  bool outputOnChip = false;
  NodeRegion outputTo;
  /// Pipelined neighbours forward data in this many batch groups: the
  /// layer's outermost loop runs over them (0 or 1: no constraint). The cost
  /// model reads the directives; the solver honours this.
  int64_t batchGroups = 0;
  /// ... and in this many channel groups within each batch group: the
  /// layer's loop over them (over forwardedChannelDim) runs right inside the
  /// loop over the batch groups (0 or 1: no constraint).
  int64_t channelGroups = 0;
  /// Words per GBUF that forwarded data of the segment holds while the layer
  /// runs (reserveForwardedData); the layer's own tiles get the rest.
  int64_t gbufReserved = 0;
  /// What the user fixed of the layer's schedule (none when null): the
  /// solvers search only schedules that have it; the cost model ignores it.
  std::shared_ptr<const LayerPins> pins;

  /// The whole node array, data from and to DRAM.
  static LayerContext wholeChip(const ArchDesc &arch);
};

/// The model rounds each tensor's GBUF reads per node to a whole word:
/// a layer's reads on one node may come out this many words below their
/// fractional count (half a word for each of its three tensors). A lower
/// bound on the model's cost gives them up.
inline constexpr double kGbufReadRoundingPerNode = 1.5;

/// Per data tensor counts of one layer, summed over all nodes.
struct TensorCounts {
  int64_t regfTile = 0;   ///< words of the tile in one REGF (after shr)
  int64_t gbufTile = 0;   ///< words of the tile in one GBUF (after shr)
  int64_t regfWords = 0;  ///< words moved into/out of one PE's REGF
  int64_t gbufReads = 0;  ///< GBUF words read toward or written from PEs
  int64_t busWords = 0;   ///< bus deliveries (one per word per PE)
  int64_t dramWords = 0;  ///< words between DRAM and GBUFs
  int64_t onChipWords = 0; ///< words forwarded from/to another layer's GBUFs
  double nocHops = 0;     ///< word-hops of all NoC traffic of this tensor
};

/// The result of evaluating one layer.
struct LayerCost {
  bool valid = false;
  /// The violated rule, with its numbers, when not valid.
  std::string reason;
  CostRecord cost;
  std::array<TensorCounts, kNumTensors> tensors;
  int64_t macsPerformed = 0; ///< padding included
  int64_t pesUsed = 0;       ///< per node
  int64_t nodesUsed = 0;
  /// Words of one buffer the layer's own tiles take (forwarded data that a
  /// GBUF holds besides is the context's `gbufReserved`).
  int64_t regfWordsUsed = 0, gbufWordsUsed = 0;
  double computeCycles = 0, dramCycles = 0, busCycles = 0;
};

/// Evaluates `dataflow` for `layer` on `arch` in `ctx` into `out`. With
/// `explain` false an invalid dataflow sets no reason (the solver's fast
/// path); the evaluation allocates nothing on the valid path.
void evaluateLayer(const ArchDesc &arch, const LayerDesc &layer,
                   const LayerDataflow &dataflow, const LayerContext &ctx,
                   LayerCost &out, bool explain = true);

/// A stack or an update of a level in the form the cost model counts with:
/// how far it moves each dim (0 for the dims it does not move), the dims it
/// moves in the order its directive lists them, and its buffers (a stack)
/// or iterations (an update).
struct FlatMove {
  DimSet dims;
  std::array<int64_t, kNumDims> amount;
  std::array<Dim, kNumDims> order;
  int numDims;
  int64_t n;

  /// Clears the move (no dim) with `n` buffers or iterations.
  void reset(int64_t count) {
    dims = DimSet();
    amount.fill(0);
    numDims = 0;
    n = count;
  }
  void add(Dim d, int64_t by) {
    dims.insert(d);
    amount[int(d)] = by;
    order[numDims++] = d;
  }
};

/// One level of a dataflow as the cost model reads it: the range its loops
/// cover, the tile of each dim, what its loops cover, its stacks (in their
/// order) and its updates (innermost first) with their iteration counts,
/// and the buffer-sharing factor of each tensor (1 when not listed).
struct FlatLevel {
  static constexpr int kMaxMoves = 16;
  std::array<int64_t, kNumDims> extent, tile, covered;
  std::array<FlatMove, kMaxMoves> stacks, updates;
  int numStacks = 0, numUpdates = 0;
  std::array<int64_t, kNumTensors> shr;
};

/// A dataflow whose structure is checked and whose shapes are derived
/// (`checkDataflowStructure`): what the cost model evaluates. evaluateLayer
/// flattens its directives into one; a solver that builds dataflows of a
/// known form may fill one straight from its schedule.
struct FlatDataflow {
  FlatLevel regf, gbuf;
  const FlatLevel &level(MemLevel l) const {
    return l == MemLevel::Regf ? regf : gbuf;
  }
};

/// Evaluates a flat dataflow, whose structure must be valid for `layer`
/// (every tensor of the kind listed at both levels with every dim, tiles
/// within their extents, one iteration count per update, a dim of several
/// loops cut into whole tiles): the rules and counts of evaluateLayer after
/// its structure check.
void evaluateFlat(const ArchDesc &arch, const LayerDesc &layer,
                  const FlatDataflow &dataflow, const LayerContext &ctx,
                  LayerCost &out, bool explain = false);

/// Convenience form of the above.
LayerCost evaluateLayer(const ArchDesc &arch, const LayerDesc &layer,
                        const LayerDataflow &dataflow, const LayerContext &ctx);

/// A bound below the cost of every schedule of `layer` in `ctx`
/// (docs/CostModel.md, lower bounds): each weight read once from DRAM, the
/// input read once and the output written once unless kept on chip, every
/// word once over the NoC on the route the model gives it, a tensor kept on
/// chip once through a GBUF, 4 REGF accesses per MAC (2 per op), and every
/// PE of the region busy; cycles the larger of compute at full use and the
/// compulsory DRAM time.
CostRecord layerLowerBound(const ArchDesc &arch, const LayerDesc &layer,
                           const LayerContext &ctx);

/// The lower bound for a whole network: compulsory DRAM traffic (every
/// weight and every network input read once, every network output written
/// once), MAC and REGF energy of every layer, and all PEs of the chip busy.
CostRecord networkLowerBound(const ArchDesc &arch, const LayerGraph &graph);

/// Words of tensor `t` of `layer` that the computation reads or writes (all
/// `inputs` operands for an eltwise I; input rows a stride skips are not
/// counted).
int64_t tensorWords(const LayerDesc &layer, TensorKind t);

/// Input rows (or cols) that `outRows` output rows of a window read, out
/// of `inRows`: all when windows touch, fewer when a stride skips rows.
int64_t inputRowsRead(int64_t outRows, int64_t stride, int64_t window,
                      int64_t dilation, int64_t inRows);

/// The cost of a segment from the costs of its layers (docs/CostModel.md,
/// segments): the sum for `none` and `temporal`; for `spatial`, the slowest
/// layer plus the pipeline fill (each producer's cycles divided by `groups`,
/// the number of forwarding groups) and never less than the total DRAM time.
/// Energies and accesses add up; static energy follows the segment's cycles.
CostRecord segmentCost(const ArchDesc &arch, PipelineKind pipeline,
                       llvm::ArrayRef<CostRecord> layers,
                       llvm::ArrayRef<double> dramCycles, int64_t groups);

/// The channel dim through which a layer of a pipelined segment forwards
/// data in channel groups: its output channels (K; C for the channel-wise
/// kinds) when its output stays on chip, else its input channels C when its
/// input comes on chip. None for a layer that is not a forward layer, that
/// keeps neither on chip, or that would need two dims (a conv, FC or matmul
/// with both its input and its output on chip).
std::optional<Dim> forwardedChannelDim(const LayerDesc &layer,
                                       const LayerContext &ctx);

/// The words of the tensor a layer of pass `layer.pass` writes (O forward,
/// I backward-data, W backward-weight).
int64_t outputWords(const LayerDesc &layer);

/// Sets `gbufReserved` of the contexts of a pipelined segment's layers
/// (`members`, graph indices in order; `contexts` parallel to them, with
/// their regions, on-chip flags and batch groups set): one forwarding group
/// of every forwarded tensor, spread over the GBUFs of the region that keeps
/// it. In a temporal pipeline a tensor stays from its producer's run to its
/// last consumer's, so a layer's reservation counts every tensor alive
/// during its run (its own output included); in a spatial pipeline each
/// producer keeps its output in its own region.
void reserveForwardedData(const LayerGraph &graph, llvm::ArrayRef<int> members,
                          PipelineKind pipeline,
                          llvm::MutableArrayRef<LayerContext> contexts);

/// The contexts of the layers of one segment pipelined as `pipeline`
/// (`members`, graph indices in order), each under its constraint
/// (`constraints`, parallel to them): on its region, with its forwarding
/// groups; its input read on chip when its constraint says so, from the
/// region of its first producer (`regionOf`, empty when that layer has
/// none: then its own), its output likewise to its first consumer's; and
/// the GBUF words the segment's forwarded data holds (reserveForwardedData).
/// The one place a layer's context is derived: the segment search and the
/// cost model analysis both build theirs here.
std::vector<LayerContext> segmentContexts(
    const LayerGraph &graph, llvm::ArrayRef<int> members, PipelineKind pipeline,
    llvm::ArrayRef<SegmentConstraint> constraints,
    llvm::function_ref<std::optional<NodeRegion>(int layer)> regionOf);

/// The sum of `parts` (network totals).
CostRecord sumCosts(llvm::ArrayRef<CostRecord> parts);

} // namespace mlir::kapla

#endif // KAPLA_COSTMODEL_COSTMODEL_H
