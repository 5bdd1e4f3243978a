//===- SearchSpace.h - The intra-layer search space (internal) --*- C++ -*-===//
//
// What the intra-layer solvers share: the loop classes, the per-dim choices
// of the exhaustive space (exact factorisations of each extent over the
// REGF tile, the PE split, the GBUF tile and the node split), the capacity
// count the searches cut by, and the scorer that evaluates a point of the
// space with the cost model and keeps the best.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_LIB_SOLVER_SEARCHSPACE_H
#define KAPLA_LIB_SOLVER_SEARCHSPACE_H

#include "Kapla/Solver/IntraLayer.h"

#include "llvm/ADT/SmallVector.h"

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

namespace mlir::kapla::search {

using D = Dim;

/// Depthwise convolution, pooling and element-wise layers: C is the output
/// channel loop, with no reduction over it.
bool channelwise(LayerKind k);

/// The dims of loop class `cls` for `kind`, innermost first: 0 batch and
/// output rows/cols, 1 the reduction, 2 the output channels.
llvm::SmallVector<D, 3> classDims(LayerKind kind, int cls);

/// The loop class of `d` for `kind` (classDims), or -1 when it is none.
int classOf(LayerKind kind, Dim d);

/// The loop dims whose loops and splits move tensor `t`: its own dims, and
/// for a tensor with input rows and cols the output rows and cols and the
/// window too.
DimSet movingDims(LayerKind kind, TensorKind t);

/// The dims the search chooses tiles and splits for.
llvm::ArrayRef<D> searchDims(LayerKind kind);

/// Fills the fixed dims: 1 for dims the kind lacks (input rows and cols
/// follow from the others).
void normalise(const LayerDesc &l, LayerSchedule &s);

/// Whether `s` factors dim `d` of `l` exactly: its GBUF tile a multiple of
/// the REGF tile times the PE split, the extent a multiple of the GBUF
/// tile times the node split (no padding; the exact space has only these).
inline bool factorsExactly(const LayerDesc &l, const LayerSchedule &s, D d) {
  int i = int(d);
  return s.gbufTile[i] % (s.regfTile[i] * s.peSplit[i]) == 0 &&
         l.extent(d) % (s.gbufTile[i] * s.nodeSplit[i]) == 0;
}

/// The objective, with a tie-break that lets a descent move across the
/// plateaus of max(): a layer's time is the largest of compute, DRAM and
/// bus time, so a step that shortens one of the others would not count.
double searchScore(Objective o, const LayerCost &c);

/// The 6 permutations of the three loop classes.
extern const std::array<std::array<uint8_t, 3>, 6> kOrders;

/// The index of `order` in kOrders.
size_t orderIndex(const std::array<uint8_t, 3> &order);

/// The loop class order, innermost first, that the dims `dims` (innermost
/// first) name for `kind`: classes in the order their dims first appear,
/// then the classes not named. Nullopt when a dim is no loop of the kind.
std::optional<std::array<uint8_t, 3>> classOrderOf(LayerKind kind,
                                                   llvm::ArrayRef<Dim> dims);

/// Sets in `s` what `pins` fix (for the search shape `shape`), and keeps
/// the tiles around them consistent: a GBUF tile at least the REGF span
/// within it, a REGF tile within the GBUF tile.
void applyPins(const LayerPins &pins, const LayerDesc &shape, LayerSchedule &s);

/// Evaluates points of one layer's space in one context and keeps the best.
class Searcher {
public:
  Searcher(const ArchDesc &arch, const LayerDesc &layer,
           const LayerContext &ctx, const SolveOptions &opts)
      : arch(arch), layer(layer), shape(groupShape(layer, ctx)), ctx(ctx),
        opts(opts), dims(searchDims(layer.kind)),
        flat(!layer.hasMultiLoopDims()), known(knownDims(layer.kind)),
        groupDim(channelGroupDim(layer, ctx)) {
    for (int t = 0; t < kNumTensors; ++t)
      listed = listed | tensorDims(layer.kind, TensorKind(t));
    for (int c = 0; c < 3; ++c)
      classes[c] = classDims(layer.kind, c);
  }

  /// The layer one batch group (and channel group) at a time: what the
  /// search tiles.
  static LayerDesc groupShape(const LayerDesc &l, const LayerContext &c);

  /// The dim of the channel groups of `c`, if it has any that `l` can take.
  static std::optional<Dim> channelGroupDim(const LayerDesc &l,
                                            const LayerContext &c);

  /// The dataflow of `s`: the directives of the group shape, and the loop
  /// over the batch groups pipelined neighbours share, outermost.
  LayerDataflow dataflowOf(const LayerSchedule &s) const;

  /// The flat form of dataflowOf(s), as evaluateLayer derives it, into
  /// `f`; false when that dataflow breaks a rule of its structure (a tile
  /// beyond the extent it tiles, a split of a dim the kind lacks). Only
  /// when `flat` is set.
  bool flatDataflowOf(const LayerSchedule &s, FlatDataflow &f) const;

  /// Evaluates `s` on `a` into `scratch` (no reason when invalid): the
  /// flat dataflow when `flat` is set, else the directives.
  void evaluate(const LayerSchedule &s, const ArchDesc &a);

  /// Scores `s` on `a`; +inf when invalid. Remembers the best valid one on
  /// the real architecture. With pins in the context, scores `s` with what
  /// they fix (applyPins).
  double score(const LayerSchedule &s, const ArchDesc &a, bool real);

  /// The loop orders to try at a level whose classes loop as in `looping`:
  /// the order pinned, or every order that gives a distinct nest.
  llvm::SmallVector<std::array<uint8_t, 3>, 6>
  orders(const std::array<bool, 3> &looping, bool regf) const;
  /// The pinned order of a level (an index of kOrders), or -1.
  int pinnedOrder(bool regf) const;

  LayerSolution finish() {
    best.evaluations = evaluations;
    return std::move(best);
  }

  const ArchDesc &arch;
  const LayerDesc &layer;
  LayerDesc shape;
  const LayerContext &ctx;
  const SolveOptions &opts;
  llvm::SmallVector<D, 7> dims;
  /// Whether evaluations take the flat dataflow of a schedule
  /// (flatDataflowOf) rather than its directives: always but for a layer
  /// with a dim of several loops, whose tiles the structure check cuts.
  bool flat;
  FlatDataflow flatScratch;
  /// What flatDataflowOf reads of the layer, once: its kind's dims, those
  /// its tensors have, the dims of each loop class, the dim of the
  /// channel groups.
  DimSet known, listed;
  std::array<llvm::SmallVector<D, 3>, 3> classes;
  std::optional<Dim> groupDim;
  LayerCost scratch;
  LayerSolution best;
  double bestValue = INFINITY;
  int64_t evaluations = 0;

  /// A descent (a deterministic local search: its moves, rounds and scores
  /// depend only on where it stands) in a given mode: the schedule it
  /// stands at, the parameters it moves and whether it also shrinks.
  using DescentKey = std::array<int64_t, 4 * kNumDims + 1>;
  static DescentKey descentKey(const LayerSchedule &s, unsigned mode);
  /// Where a converged descent passed, and where it ended from there: the
  /// local optimum, its score, and the rounds it took to reach it. A later
  /// descent that steps on such a point ends there too.
  struct DescentEnd {
    LayerSchedule schedule;
    double value;
    int rounds;
  };
  std::map<DescentKey, DescentEnd> descents;
};

/// The (regfTile, peSplit, gbufTile, nodeSplit) choices of one dim: exact
/// factorisations of its extent over the levels.
struct DimChoice {
  int64_t rt, ps, gt, ns;
};

/// The divisors of `n`, ascending.
std::vector<int64_t> divisors(int64_t n);

/// Every choice for an extent `e` with at most `pes` PEs and `nodes` nodes.
std::vector<DimChoice> dimChoices(int64_t e, int64_t pes, int64_t nodes);

/// The per-dim choices of a layer, and an all-ones schedule to fill.
struct Space {
  std::vector<std::vector<DimChoice>> choices;
  LayerSchedule schedule;

  /// With `only`, the choices of the other dims are left empty (a search
  /// that fixes them).
  explicit Space(const Searcher &sr, const DimSet *only = nullptr);

  /// Applies choice pick[k] to the k-th dim; false if the PEs or nodes
  /// overflow.
  bool apply(const Searcher &sr, const std::vector<size_t> &pick);
};

/// Words one buffer holds for the tiles `t` of a level (input rows and cols
/// derived), as the capacity rule counts them without sharing. Grows with
/// every tile: with the dims not chosen yet at 1 it bounds what any
/// completion needs.
int64_t levelWords(const LayerDesc &l, std::array<int64_t, kNumDims> t);

/// Upper bounds on the buffer-sharing factor of each tensor's GBUF tile
/// when the dims in `fixed` have their node splits in `s` and the others
/// may still take any of the region's `regionNodes` nodes left: the most
/// nodes that can hold the same tile (1 for the tensor the layer writes).
/// All 1 when `sharing` is off.
std::array<double, kNumTensors> shareBounds(const LayerDesc &l,
                                            const LayerSchedule &s,
                                            DimSet fixed, int64_t regionNodes,
                                            bool sharing);

/// levelWords with each tensor's words divided by its sharing bound (not
/// rounded): no completion needs fewer words per GBUF.
double sharedLevelWords(const LayerDesc &l, std::array<int64_t, kNumDims> t,
                        const std::array<double, kNumTensors> &share);

/// The buffer-sharing choices of a complete point: every combination of
/// sharing or not the read-only tensors its node splits replicate (the
/// first shares none; the only one when `sharing` is off).
llvm::SmallVector<std::array<bool, kNumTensors>, 8>
shareChoices(const LayerDesc &l, const LayerSchedule &s, bool sharing);

/// Which loop classes have a loop at each level in `s` for `shape`.
struct LoopingClasses {
  std::array<bool, 3> regf{}, gbuf{};
};
LoopingClasses loopingClasses(const LayerDesc &shape, const LayerSchedule &s);

/// The orders of kOrders that give distinct loop nests: only the classes
/// with a loop at the level (`looping[c]`) have a place in the nest.
llvm::SmallVector<std::array<uint8_t, 3>, 6>
distinctOrders(const std::array<bool, 3> &looping);

/// A large neighbourhood of a schedule: the dims in `free` may take any
/// choice of the exact space except what the flags keep (their node split;
/// their GBUF tile and node split; their REGF tile and PE split; their REGF
/// tile alone), the other dims keep theirs; the flags also keep the loop
/// order of either level.
struct Neighbourhood {
  DimSet free;
  bool keepNodeSplit = true, keepGbufLevel = false, keepRegfLevel = false;
  bool keepRegfTile = false;
  bool keepRegfOrder = true, keepGbufOrder = true;
  /// The exact solver's own bounds and child order (halos, the tightened
  /// bus floor) instead of the cheaper ones the descent's small
  /// neighbourhoods were tuned on.
  bool fullBounds = false;
  /// With fullBounds, also the bounds the exact solver adds to those
  /// (whole loop counts and the input's halos in the capacity bound, the
  /// bus floor by the reduction's split): they cut more of a wide space,
  /// so a solve reaches further within its bounds of children.
  bool exactBounds = false;
  /// The most bounds of children the search may take (0: 20 times its
  /// budget of nodes and evaluations).
  int64_t boundBudget = 0;
};

/// The best point of neighbourhood `hood` of `s` (its kept dims must be
/// exact factorisations) that beats `value` on the objective, searched by
/// the exact solver's branch and bound within `budget` nodes plus
/// evaluations (0: no limit) and hood.boundBudget bounds of children (by
/// default 20 times `budget`; a limit of 0 is none). On success `s` and
/// `value` become that point and its value.
bool exactNeighbourhood(const ArchDesc &arch, const LayerDesc &layer,
                        const LayerContext &ctx, const SolveOptions &opts,
                        LayerSchedule &s, const Neighbourhood &hood,
                        double &value, int64_t budget, int64_t &evaluations);

} // namespace mlir::kapla::search

#endif // KAPLA_LIB_SOLVER_SEARCHSPACE_H
