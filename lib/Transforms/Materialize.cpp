//===- Materialize.cpp - kapla-materialize --------------------------------===//
//
// Tiles every scheduled layer op along the loop nest of its dataflow
// (Kapla/Dataflow/LoopNest.h) with the op's TilingInterface.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Dataflow/LoopNest.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Import/LayerModels.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ToolOutputFile.h"

#include <limits>
#include <set>
#include <vector>

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAMATERIALIZEPASS
#define GEN_PASS_DEF_KAPLASTRIPSCHEDULEPASS
#define GEN_PASS_DEF_KAPLAEMITTRANSFORMPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

constexpr Dim kLoopDims[] = {Dim::N,  Dim::C, Dim::K, Dim::Ho,
                             Dim::Wo, Dim::R, Dim::S};

/// The loops of an op that run over each layer dim, major to minor (a dim
/// may span several loops: the batch and rows of a batched matmul).
using DimLoops = std::array<SmallVector<unsigned, 2>, kNumDims>;

/// Which dim of `layer` each loop of `op` runs over, read from `readAs` (the
/// op itself, or the forward layer a backward layer runs over the loops
/// of); element-wise layers by the extents of the loops. Empty when unknown.
SmallVector<std::optional<Dim>, 8> readLoopDims(linalg::LinalgOp op,
                                                const LayerDesc &layer,
                                                linalg::LinalgOp readAs) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges))
    return {};
  if (auto layerOp = dyn_cast<LayerOpInterface>(readAs.getOperation())) {
    ArrayRef<int64_t> weightOperands = getWeightOperands(readAs);
    auto isWeight = [&](Value v) {
      for (int64_t w : weightOperands)
        if (w < int64_t(readAs->getNumOperands()) && readAs->getOperand(w) == v)
          return true;
      return false;
    };
    llvm::Expected<LayerReading> r = layerOp.readLayer(ranges, isWeight);
    if (!r)
      llvm::consumeError(r.takeError());
    else if (r->role == LayerReading::Role::Layer &&
             r->loopDims.size() == ranges.size())
      return r->loopDims;
  }
  // An element-wise layer (or its gradient, which may sum over a
  // broadcast operand's dims): its dims by the extents of the loops.
  if (layer.kind == LayerKind::Eltwise)
    return eltwiseLoopDims(ranges, layer);
  return {};
}

/// Which dim each loop of each layer op runs over, by layer name, read
/// before any op is tiled (a tiled op keeps its loops, with smaller
/// ranges). A backward layer of a training step runs over the loops of its
/// forward layer (kapla-build-training-graph builds its gradient over the
/// forward op's iteration space): it is read as that layer, found by name,
/// when the two have the same loop ranges and indexing maps; a backward
/// convolution, FC or pool read as a layer of its own would take its dims
/// from its shape, which says nothing of which loop is which forward dim,
/// so without its forward layer it has no entry.
using LoopDimsByName = llvm::StringMap<SmallVector<std::optional<Dim>, 8>>;

LoopDimsByName readAllLoopDims(Operation *func) {
  SmallVector<linalg::LinalgOp> ops;
  func->walk([&](linalg::LinalgOp op) {
    if (getLayer(op) && getDataflow(op) && getLayerNameAttr(op) &&
        op.hasPureTensorSemantics())
      ops.push_back(op);
  });
  llvm::StringMap<linalg::LinalgOp> forward;
  for (linalg::LinalgOp op : ops)
    if (toCore(getLayer(op)).pass == LayerPass::Forward)
      forward[getLayerNameAttr(op).getValue()] = op;
  auto sortedMaps = [](linalg::LinalgOp l) {
    SmallVector<AffineMap> maps = l.getIndexingMapsArray();
    llvm::sort(maps, [](AffineMap a, AffineMap b) {
      return a.getAsOpaquePointer() < b.getAsOpaquePointer();
    });
    maps.erase(llvm::unique(maps), maps.end());
    return maps;
  };
  LoopDimsByName out;
  for (linalg::LinalgOp op : ops) {
    LayerDesc layer = toCore(getLayer(op));
    StringRef name = getLayerNameAttr(op).getValue();
    linalg::LinalgOp readAs = op;
    if (layer.pass != LayerPass::Forward) {
      size_t cut = name.rfind(".bwd_");
      auto it = cut == StringRef::npos ? forward.end()
                                       : forward.find(name.take_front(cut));
      // The same iteration space: the same loop ranges and the same
      // indexing maps (the gradient reads the forward op's operands, and
      // the output gradient, through the forward op's maps).
      if (it != forward.end() &&
          it->second.getStaticLoopRanges() == op.getStaticLoopRanges() &&
          sortedMaps(it->second) == sortedMaps(op))
        readAs = it->second;
      else if (layer.kind != LayerKind::Eltwise)
        continue;
    }
    SmallVector<std::optional<Dim>, 8> dims = readLoopDims(op, layer, readAs);
    if (!dims.empty())
      out[name] = std::move(dims);
  }
  return out;
}

/// For each layer dim, the loops of the op that run over it (`byName` says
/// which dim each loop is), checked against the extents of `layer`. Emits
/// an error and fails when the op and its layer disagree.
FailureOr<DimLoops> layerLoops(linalg::LinalgOp op, const LayerDesc &layer,
                               const LoopDimsByName &byName, StringRef pass) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges)) {
    op->emitError() << pass << ": the op has dynamic loop ranges";
    return failure();
  }
  // Read before any tiling; a forward layer without a name as it is.
  StringAttr name = getLayerNameAttr(op);
  auto it = name ? byName.find(name.getValue()) : byName.end();
  SmallVector<std::optional<Dim>, 8> dims;
  if (it != byName.end())
    dims = it->second;
  else if (!name && layer.pass == LayerPass::Forward)
    dims = readLoopDims(op, layer, op);
  if (dims.size() != ranges.size()) {
    InFlightDiagnostic diag =
        op->emitError() << pass
                        << ": cannot tell which dim of "
                           "its kapla.layer each loop of the op runs over";
    if (layer.pass != LayerPass::Forward && layer.kind != LayerKind::Eltwise)
      diag << ": a backward layer is read as its forward layer, found by "
              "name ('<forward>.bwd_data' or '<forward>.bwd_weight') over "
              "the same loops and indexing maps, and there is none";
    return failure();
  }
  DimLoops loops;
  // Depthwise, pooling and element-wise layers keep K == C: one loop.
  bool tiedK = layer.kind == LayerKind::DWConv ||
               layer.kind == LayerKind::Pool ||
               layer.kind == LayerKind::Eltwise;
  for (Dim d : kLoopDims) {
    if (d == Dim::K && tiedK)
      continue;
    int64_t product = 1;
    for (auto [j, r] : llvm::enumerate(ranges))
      if (dims[j] == d && r != 1) {
        loops[int(d)].push_back(unsigned(j));
        product *= r;
      }
    if (product != layer.extent(d)) {
      InFlightDiagnostic diag =
          op->emitError() << pass << ": the op runs over " << stringifyDim(d)
                          << " = " << product << " but its kapla.layer has "
                          << stringifyDim(d) << " = " << layer.extent(d);
      if (d == Dim::N)
        diag << " (the schedule is for another batch than the IR computes: "
                "materialise a network scheduled at its exported batch)";
      return failure();
    }
  }
  // Loops the layer has no dim for must be of extent 1.
  for (auto [j, r] : llvm::enumerate(ranges))
    if (r != 1 && !llvm::any_of(loops, [&, j = j](const auto &l) {
          return llvm::is_contained(l, unsigned(j));
        })) {
      op->emitError() << pass << ": loop " << j << " of the op (" << r
                      << " iterations) runs over no dim of its kapla.layer";
      return failure();
    }
  return loops;
}

/// Fills `sizes` (one per loop of an op over `ranges` (its loop extents,
/// dynamic for partial tiles), zero: not tiled) with the tile of a
/// step of `step` along the dim that `loops` run over. A dim of one loop is
/// tiled by the step. A dim of several loops (major to minor) is cut into
/// rectangles of them (`tileShape`: the loops without a bit in `batchMask`
/// kept whole first); the step must divide their product.
LogicalResult dimTileSizes(ArrayRef<int64_t> ranges, ArrayRef<unsigned> loops,
                           int64_t step, uint32_t batchMask,
                           SmallVectorImpl<int64_t> &sizes) {
  if (loops.size() == 1) {
    sizes[loops.front()] = step;
    return success();
  }
  SmallVector<int64_t, 4> extents;
  for (unsigned j : loops) {
    if (ShapedType::isDynamic(ranges[j]))
      return failure();
    extents.push_back(ranges[j]);
  }
  std::optional<SmallVector<int64_t, 4>> shape =
      tileShape(extents, batchMask, step);
  if (!shape)
    return failure();
  for (auto [i, j] : llvm::enumerate(loops))
    sizes[j] = (*shape)[i] == extents[i] ? 0 : (*shape)[i];
  return success();
}

/// Whether every result of `op` is reduced by a single combining operation
/// (what partial results need to be merged).
bool hasPlainCombiner(linalg::LinalgOp linalgOp) {
  SmallVector<BlockArgument> outs(linalgOp.getRegionOutputArgs());
  for (unsigned i = 0, e = outs.size(); i < e; ++i) {
    SmallVector<Operation *> combiners;
    if (!matchReduction(outs, i, combiners) || combiners.size() != 1)
      return false;
  }
  return true;
}

/// Whether each output of `op` is a plain view of its loops, so that a tile
/// of it can be computed on its own (what fusing the op into a loop asks)
/// and partial results of it merged: not so for a linalg op that scatters
/// into its output (a backward-data convolution writes dI[ho*s + r]).
bool fusable(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return !linalgOp ||
         llvm::all_of(linalgOp.getDpsInitsMutable(), [&](OpOperand &init) {
           return linalgOp.getMatchingIndexingMap(&init)
               .isProjectedPermutation();
         });
}

/// Why the positions of a stack over loop `j` of `op` cannot be iterations
/// of an scf.forall (null if they can): a parallel loop whose iterations
/// write overlapping parts of the output, a reduction loop the output is
/// indexed by, or a reduction whose partial results cannot be merged.
const char *whyNotForall(linalg::LinalgOp op, unsigned j) {
  bool reduction =
      op.getIteratorTypesArray()[j] == utils::IteratorType::reduction;
  for (OpOperand &init : op.getDpsInitsMutable())
    for (AffineExpr e : op.getMatchingIndexingMap(&init).getResults())
      if (e.isFunctionOfDim(j) && (reduction || !isa<AffineDimExpr>(e)))
        return reduction ? "the output is indexed by this reduction loop"
                         : "its positions would write overlapping parts of "
                           "the output (a scatter into sliding windows)";
  if (reduction && !fusable(op))
    return "partial results need an output that is a plain view of the "
           "loops, and this op scatters into sliding windows of its output";
  if (reduction && !hasPlainCombiner(op))
    return "the op's reduction is no single combining operation, so partial "
           "results cannot be merged";
  return nullptr;
}

/// Removes every kapla.* attribute from `op` (but kapla.stack if
/// `keepStack`).
void stripKaplaAttrs(Operation *op, bool keepStack = false) {
  SmallVector<StringAttr> names;
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (a.getName().strref().starts_with("kapla.") &&
        !(keepStack && a.getName() == KaplaDialect::kStackAttrName))
      names.push_back(a.getName());
  for (StringAttr n : names)
    op->removeDiscardableAttr(n);
}

/// The layer ops with a dataflow in `func` that are linalg ops on tensors,
/// with the loops of each layer dim (failure where that is unknown, after an
/// error). Failure after an error on a layer op of another kind.
LogicalResult
collectLayers(Operation *func, StringRef pass, const LoopDimsByName &byName,
              SmallVectorImpl<linalg::LinalgOp> &layers,
              SmallVectorImpl<FailureOr<DimLoops>> &loops,
              const llvm::DenseMap<Operation *, int64_t> *grouped = nullptr) {
  bool failed = false;
  func->walk([&](Operation *op) {
    if (!getLayer(op) || !getDataflow(op))
      return;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        linalgOp && isa<TilingInterface>(op) &&
        linalgOp.hasPureTensorSemantics()) {
      layers.push_back(linalgOp);
      return;
    }
    if (isa<LoopLikeOpInterface>(op))
      return; // already materialised
    op->emitError() << pass << ": '" << op->getName()
                    << "' is not a linalg op on tensors; only those can be "
                       "tiled";
    failed = true;
  });
  for (linalg::LinalgOp op : layers) {
    LayerDesc layer = toCore(getLayer(op));
    // A layer in a batch-group loop computes one group of the batch.
    if (int64_t groups = grouped ? grouped->lookup(op) : 0)
      cutDim(layer, Dim::N, layer.n / groups);
    loops.push_back(layerLoops(op, layer, byName, pass));
  }
  return success(!failed);
}

/// The layer ops of `seg` that are linalg ops on tensors (into `layers`, in
/// order), and the batch groups they share: 0 when there are fewer than two
/// or their `batch_groups` differ (no shared group loop).
int64_t sharedGroups(SegmentOp seg, SmallVectorImpl<linalg::LinalgOp> &layers) {
  for (Operation &o : seg.getBody().front())
    if (auto l = dyn_cast<linalg::LinalgOp>(&o);
        l && getLayer(l) && getDataflow(l) && l.hasPureTensorSemantics())
      layers.push_back(l);
  if (layers.size() < 2)
    return 0;
  int64_t groups = 0;
  for (linalg::LinalgOp l : layers) {
    ConstraintAttr c = getConstraint(l);
    int64_t g = c ? c.getBatchGroups() : 0;
    if (groups != 0 && g != groups)
      return 0;
    groups = g;
  }
  return groups;
}

/// One tiling of a layer's op on the way to its nest: what
/// scf::tileUsingSCF is asked for (kapla-materialize) or what a transform
/// op does (kapla-emit-transform).
struct TileStep {
  enum class Kind { For, Forall, PartialForall } kind = Kind::For;
  /// Tile size per loop of the op (0: not tiled).
  SmallVector<int64_t> sizes;
  /// PartialForall: the partial results per loop, and the reduction loops.
  SmallVector<int64_t> threads;
  SmallVector<unsigned> reductionDims;
  /// Forall and PartialForall: the mapping of each tiled loop, in order.
  SmallVector<Attribute> mapping;
  /// A For of a stack whose positions take turns: its kapla.stack.
  Attribute stack;
  /// The first directive it stands for.
  NestLoop loop;
};

/// The tilings that make the nest of `nest` from `op`, outermost first, or
/// failure after an error at `op`'s location. Emits a warning for each stack
/// whose positions run as a sequential loop.
FailureOr<SmallVector<TileStep, 4>>
planNest(linalg::LinalgOp op, ArrayRef<NestLoop> nest, const DimLoops &dimLoops,
         uint32_t batchMask, ArrayRef<int64_t> region, StringRef pass) {
  MLIRContext *ctx = op->getContext();
  Location loc = op->getLoc();
  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  // The loop extents of the op as the tilings so far leave it.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto loopsOf = [&](const NestLoop &l) -> ArrayRef<unsigned> {
    return dimLoops[int(l.dim)];
  };
  auto mappingOf = [&](const NestLoop &l) -> Attribute {
    if (l.level == MemLevel::Gbuf)
      return NodeMappingAttr::get(ctx, l.index, region);
    return PEMappingAttr::get(ctx, l.index);
  };
  auto fail = [&](const NestLoop &l, const Twine &what) {
    return emitError(loc) << pass << ": cannot tile the "
                          << stringifyMemLevel(l.level) << " "
                          << (l.spatial ? "stack" : "update") << " #" << l.index
                          << " over " << stringifyDim(l.dim) << ": " << what;
  };
  SmallVector<TileStep, 4> steps;
  // A step of `loops`: its tile sizes (and, for a forall, the mapping of
  // each tiled loop, in loop order). Nothing when no loop is tiled. A
  // forall of partial results tiles only the reduction loops of its stacks,
  // a plain forall only the parallel ones (a dim may span both: the heads
  // and rows of a batched matmul's weight gradient).
  auto addStep = [&](TileStep::Kind kind,
                     ArrayRef<const NestLoop *> loops) -> LogicalResult {
    TileStep step;
    step.kind = kind;
    step.loop = *loops.front();
    step.sizes.assign(numLoops, 0);
    SmallVector<Attribute> mapAt(numLoops);
    for (const NestLoop *l : loops) {
      if (loopsOf(*l).empty())
        continue; // a dim of extent 1
      SmallVector<int64_t> sizes(numLoops, 0);
      if (::mlir::failed(dimTileSizes(ranges, loopsOf(*l), l->step,
                                      l->dim == Dim::N ? batchMask : 0, sizes)))
        return fail(*l, "its step does not divide the tile of the loops of " +
                            Twine(stringifyDim(l->dim)) + " it cuts");
      for (unsigned j : loopsOf(*l)) {
        bool reduction = iters[j] == utils::IteratorType::reduction;
        if (kind == TileStep::Kind::Forall && reduction)
          continue;
        if (kind == TileStep::Kind::PartialForall && !reduction)
          continue;
        step.sizes[j] = sizes[j];
        mapAt[j] = mappingOf(*l);
      }
    }
    for (unsigned j = 0; j < numLoops; ++j) {
      if (step.sizes[j] == 0)
        continue;
      if (kind != TileStep::Kind::For)
        step.mapping.push_back(mapAt[j]);
      if (kind == TileStep::Kind::PartialForall) {
        step.reductionDims.push_back(j);
        // One partial result per stack position that holds part of the
        // extent.
        const NestLoop *owner = *llvm::find_if(
            loops, [&](auto *r) { return llvm::is_contained(loopsOf(*r), j); });
        step.threads.resize(numLoops, 0);
        step.threads[j] =
            loopsOf(*owner).size() == 1 || ShapedType::isDynamic(ranges[j])
                ? owner->trips
                : llvm::divideCeil(ranges[j], step.sizes[j]);
      }
    }
    if (llvm::all_of(step.sizes, [](int64_t t) { return t == 0; }))
      return success();
    for (unsigned j = 0; j < numLoops; ++j)
      if (step.sizes[j] != 0)
        ranges[j] =
            !ShapedType::isDynamic(ranges[j]) && ranges[j] % step.sizes[j] == 0
                ? step.sizes[j]
                : ShapedType::kDynamic;
    steps.push_back(std::move(step));
    return success();
  };

  for (size_t i = 0; i < nest.size();) {
    const NestLoop &l = nest[i];
    if (!l.spatial) {
      if (::mlir::failed(addStep(TileStep::Kind::For, {&l})))
        return failure();
      ++i;
      continue;
    }
    // The stacks of one level: their parallel dims in one forall, their
    // reduction dims in a forall of partial results inside it, and the
    // ones whose positions cannot run at once as sequential loops inside
    // those.
    size_t end = i;
    while (end < nest.size() && nest[end].spatial && nest[end].level == l.level)
      ++end;
    SmallVector<const NestLoop *> parallel, reduction, sequential;
    for (size_t k = i; k < end; ++k) {
      const NestLoop &stack = nest[k];
      ArrayRef<unsigned> loops = loopsOf(stack);
      if (loops.empty())
        continue;
      const char *why = nullptr;
      for (unsigned j : loops)
        if (!why)
          why = whyNotForall(op, j);
      if (why) {
        mlir::emitWarning(loc)
            << pass << ": the " << stringifyMemLevel(stack.level) << " stack #"
            << stack.index << " over " << stringifyDim(stack.dim)
            << " becomes a sequential scf.for (kapla.stack): " << why;
        sequential.push_back(&stack);
        continue;
      }
      if (llvm::any_of(loops, [&](unsigned j) {
            return iters[j] != utils::IteratorType::reduction;
          }))
        parallel.push_back(&stack);
      if (llvm::any_of(loops, [&](unsigned j) {
            return iters[j] == utils::IteratorType::reduction;
          }))
        reduction.push_back(&stack);
    }
    if (!parallel.empty() &&
        ::mlir::failed(addStep(TileStep::Kind::Forall, parallel)))
      return failure();
    if (!reduction.empty() &&
        ::mlir::failed(addStep(TileStep::Kind::PartialForall, reduction)))
      return failure();
    for (const NestLoop *q : sequential) {
      size_t before = steps.size();
      if (::mlir::failed(addStep(TileStep::Kind::For, {q})))
        return failure();
      if (steps.size() > before)
        steps.back().stack = mappingOf(*q);
    }
    i = end;
  }
  return steps;
}

/// The node region of a layer op: its constraint's, else the whole array.
SmallVector<int64_t> regionOf(Operation *op) {
  if (ConstraintAttr c = getConstraint(op))
    return llvm::to_vector(c.getRegion());
  ArchAttr arch = getEnclosingArch(op);
  ArchDesc desc = arch ? toCore(arch) : defaultArch();
  return {0, 0, desc.nodeRows, desc.nodeCols};
}

/// Whether `nest` starts with the batch-group loop of `groups` groups.
bool startsWithGroupLoop(ArrayRef<NestLoop> nest, int64_t groups) {
  return !nest.empty() && !nest.front().spatial &&
         nest.front().level == MemLevel::Gbuf && nest.front().dim == Dim::N &&
         nest.front().trips == groups;
}

/// How a segment's batch-group loop was built, with the ops of the
/// segment named by their position in its body before (the same in a copy
/// of the segment): what kapla-emit-transform writes as transform ops.
struct GroupLoopPlan {
  /// The batch groups; 0 when no loop was built.
  int64_t groups = 0;
  /// The layer the loop tiles, and its tile sizes.
  unsigned last = 0;
  SmallVector<int64_t> sizes;
  /// The ops fused into the loop, in the order they were.
  SmallVector<unsigned> fused;
  /// Built by fuseSharingProducers (common subexpressions of the loop body
  /// eliminated after each fusion).
  bool sharing = false;
  /// The loop yields a fused value that the segment reads after it.
  bool readAfter = false;
  /// An op was fused that was not in the body before (no position).
  bool unplaced = false;
  /// Two layers that fusion put in another order than the segment's (the
  /// second ran first), which kapla-materialize then put back
  /// (orderLayersLikeSegment).
  std::optional<std::pair<std::string, std::string>> outOfOrder;
  /// The loop built (its outermost loop).
  Operation *loop = nullptr;
  /// Layers that do not feed `last`, each tiled into a loop of its own
  /// with what feeds it (its `last`, `sizes` and `fused`), which then
  /// joined the loop (fuseSiblingBranches), in that order.
  std::vector<GroupLoopPlan> siblings;
  /// The ops fused into the loop once it is built and the siblings joined
  /// it, in order: a value that several of its layers read, computed once
  /// per group (fuseIntoJoinedLoop).
  SmallVector<unsigned> joinedFused;
  /// A slice the loop takes of a concatenation was taken of its parts
  /// (sliceThroughInsert), which no transform op does.
  bool throughConcat = false;
  /// Built only as upstream transform ops can build it (an input: what
  /// kapla-emit-transform's script does, kapla-materialize{upstream-loops}):
  /// the backward layers that do not feed the last layer keep loops of their
  /// own, and no slice the loop takes is cut from a larger one
  /// (sliceBeforeCrop, wholeGroups), which no transform op does.
  bool upstreamOnly = false;
  /// Built upstreamOnly, where kapla-materialize's loop takes more in: a
  /// backward branch (fuseSiblingBranches), a layer whose output scatters
  /// into windows (mergeScatterProducers), a slice to cut from a larger one.
  bool leftOut = false;

  /// Records `op` as fused, by its position, into `into` (`fused` or
  /// `joinedFused`).
  void addFused(const llvm::DenseMap<Operation *, unsigned> &position,
                Operation *op, SmallVectorImpl<unsigned> &into) {
    auto it = position.find(op);
    if (it == position.end())
      unplaced = true;
    else if (!llvm::is_contained(into, it->second))
      into.push_back(it->second);
  }
};

/// Removes the guards that tiling a tensor.pad puts around a slice of it
/// (an scf.if on whether the slice lies in the padding only, which upstream
/// tiling builds from comparisons of constants when the sizes are static):
/// each scf.if under `root` whose condition folds to a constant is replaced
/// by the region it takes. A producer fused through a pad is computed inside
/// the guard; a loop that yields it (a value the segment yields too) reads
/// it from there, which only the region's inlining makes valid.
void foldStaticGuards(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](scf::IfOp guard) {
    SetVector<Operation *> slice;
    BackwardSliceOptions options;
    options.inclusive = true;
    options.filter = [&](Operation *op) {
      return op->getParentRegion() == guard->getParentRegion();
    };
    if (::mlir::failed(getBackwardSlice(guard.getCondition(), &slice, options)))
      return;
    if (!llvm::all_of(slice, [](Operation *op) {
          return op->hasTrait<OpTrait::ConstantLike>() ||
                 isa<arith::CmpIOp, arith::OrIOp, arith::AndIOp>(op);
        }))
      return;
    llvm::append_range(ops, slice);
    ops.push_back(guard);
  });
  if (ops.empty())
    return;
  RewritePatternSet patterns(root->getContext());
  scf::IfOp::getCanonicalizationPatterns(patterns, root->getContext());
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  (void)applyOpPatternsGreedily(ops, std::move(patterns), config);
}

/// The position of each op in the body of `seg`.
llvm::DenseMap<Operation *, unsigned> bodyPositions(SegmentOp seg) {
  llvm::DenseMap<Operation *, unsigned> position;
  for (auto [i, op] : llvm::enumerate(seg.getBody().front()))
    position[&op] = unsigned(i);
  return position;
}

/// Makes each op in the body of `loop` that writes into a slice of a tensor
/// the loop starts from (the initial value of a tensor it carries) write
/// into that slice of the carried tensor instead, as upstream fusion into a
/// loop does (transform.structured.fuse_into_containing_op): a producer
/// fused into a segment's batch-group loop that shares its output tensor
/// with the segment's last layer writes into the loop's tensor. The slices
/// left without readers are erased.
void reuseLoopInits(RewriterBase &rw, LoopLikeOpInterface loop) {
  Block &body = loop.getLoopRegions().front()->front();
  for (Operation &op : body) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(&op);
    if (!dps)
      continue;
    for (OpOperand &init : dps.getDpsInitsMutable()) {
      auto slice = init.get().getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice || slice->getBlock() != &body)
        continue;
      for (BlockArgument arg : loop.getRegionIterArgs()) {
        if (loop.getTiedLoopInit(arg)->get() != slice.getSource())
          continue;
        rw.setInsertionPoint(slice);
        auto carried = tensor::ExtractSliceOp::create(
            rw, slice.getLoc(), slice.getType(), arg, slice.getMixedOffsets(),
            slice.getMixedSizes(), slice.getMixedStrides());
        rw.modifyOpInPlace(&op, [&] { init.set(carried); });
        if (slice->use_empty())
          rw.eraseOp(slice);
        break;
      }
    }
  }
}

/// `slice` (a slice of a tensor.insert_slice, unit strides, of equal rank)
/// taken through the insertion instead: the slice of what it inserts into,
/// with the slice of what it inserts inserted. Each dim must be whole in
/// one of the two (a group of the batch out of a concatenation of channel
/// ranges). Null when it is not so.
tensor::InsertSliceOp sliceThroughInsert(RewriterBase &rw,
                                         tensor::ExtractSliceOp slice) {
  auto insert = slice.getSource().getDefiningOp<tensor::InsertSliceOp>();
  if (!insert || !insert.hasUnitStride() || !slice.hasUnitStride() ||
      insert.getSourceType().getRank() != insert.getDestType().getRank() ||
      slice.getType().getRank() != slice.getSourceType().getRank() ||
      !insert.getDestType().hasStaticShape())
    return nullptr;
  ArrayRef<int64_t> full = insert.getDestType().getShape();
  SmallVector<OpFoldResult> srcOffsets, srcSizes, insOffsets;
  SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
  MLIRContext *ctx = rw.getContext();
  for (int64_t d = 0, e = int64_t(full.size()); d < e; ++d) {
    OpFoldResult eo = slice.getMixedOffsets()[d], es = sizes[d];
    OpFoldResult io = insert.getMixedOffsets()[d],
                 is = insert.getMixedSizes()[d];
    std::optional<int64_t> eoC = getConstantIntValue(eo),
                           esC = getConstantIntValue(es),
                           ioC = getConstantIntValue(io),
                           isC = getConstantIntValue(is);
    if (ioC == 0 && isC == full[d]) {
      // Inserted whole along d: the slice's range of the source.
      srcOffsets.push_back(eo);
      srcSizes.push_back(es);
      insOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
    } else if (eoC == 0 && esC == full[d] && ioC && isC) {
      // Sliced whole along d: all the source, where it was inserted.
      srcOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
      srcSizes.push_back(is);
      insOffsets.push_back(io);
    } else {
      return nullptr;
    }
  }
  SmallVector<OpFoldResult> ones(full.size(), getAsIndexOpFoldResult(ctx, 1));
  rw.setInsertionPoint(slice);
  Location loc = slice.getLoc();
  Value dest = tensor::ExtractSliceOp::create(
      rw, loc, insert.getDest(), slice.getMixedOffsets(), sizes, ones);
  Value src = tensor::ExtractSliceOp::create(rw, loc, insert.getSource(),
                                             srcOffsets, srcSizes, ones);
  auto inserted = tensor::InsertSliceOp::create(rw, loc, src, dest, insOffsets,
                                                srcSizes, ones);
  rw.replaceOp(slice, inserted.getResult());
  return inserted;
}

/// `slice` (unit strides, of equal rank), a slice of a crop in the segment
/// (a tensor.extract_slice, unit strides, of equal rank: the window a
/// strided layer reads of its input, a gradient without its padding), taken
/// as a slice of what the crop cuts, cropped after: each dim must be whole
/// in one of the two. A group of the batch taken of a cropped value is then
/// a group of the value itself, which fusion can compute whole. Null when
/// it is not so.
tensor::ExtractSliceOp sliceBeforeCrop(RewriterBase &rw,
                                       tensor::ExtractSliceOp slice) {
  auto crop = slice.getSource().getDefiningOp<tensor::ExtractSliceOp>();
  if (!crop || !crop.hasUnitStride() || !slice.hasUnitStride() ||
      crop.getSourceType().getRank() != crop.getType().getRank() ||
      slice.getType().getRank() != slice.getSourceType().getRank() ||
      !crop.getSourceType().hasStaticShape() ||
      !crop.getType().hasStaticShape())
    return nullptr;
  ArrayRef<int64_t> full = crop.getSourceType().getShape(),
                    cropped = crop.getType().getShape();
  MLIRContext *ctx = rw.getContext();
  SmallVector<OpFoldResult> outerOffsets, outerSizes, innerOffsets, innerSizes;
  for (int64_t d = 0, e = int64_t(full.size()); d < e; ++d) {
    OpFoldResult so = slice.getMixedOffsets()[d], ss = slice.getMixedSizes()[d];
    OpFoldResult co = crop.getMixedOffsets()[d], cs = crop.getMixedSizes()[d];
    if (getConstantIntValue(so) == 0 && getConstantIntValue(ss) == cropped[d]) {
      // Sliced whole along d: all of the value, cropped inside.
      outerOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
      outerSizes.push_back(getAsIndexOpFoldResult(ctx, full[d]));
      innerOffsets.push_back(co);
      innerSizes.push_back(cs);
    } else if (getConstantIntValue(co) == 0 &&
               getConstantIntValue(cs) == full[d]) {
      // Cropped whole along d: the slice's range of the value.
      outerOffsets.push_back(so);
      outerSizes.push_back(ss);
      innerOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
      innerSizes.push_back(ss);
    } else {
      return nullptr;
    }
  }
  SmallVector<OpFoldResult> ones(full.size(), getAsIndexOpFoldResult(ctx, 1));
  rw.setInsertionPoint(slice);
  Location loc = slice.getLoc();
  Value outer = tensor::ExtractSliceOp::create(rw, loc, crop.getSource(),
                                               outerOffsets, outerSizes, ones);
  auto inner = tensor::ExtractSliceOp::create(rw, loc, slice.getType(), outer,
                                              innerOffsets, innerSizes, ones);
  rw.replaceOp(slice, inner.getResult());
  return inner;
}

/// `slice` (unit strides, of equal rank, static source) taken as a slice of
/// whole groups (every dim it slices at a constant offset whole), cut to
/// `slice` after: the slice of whole groups is returned, null when `slice`
/// is not so.
tensor::ExtractSliceOp wholeGroups(RewriterBase &rw,
                                   tensor::ExtractSliceOp slice) {
  auto type = dyn_cast<RankedTensorType>(slice.getSourceType());
  if (!type || !type.hasStaticShape() || !slice.hasUnitStride() ||
      slice.getType().getRank() != type.getRank())
    return nullptr;
  MLIRContext *ctx = rw.getContext();
  SmallVector<OpFoldResult> outerOffsets, outerSizes, innerOffsets;
  for (auto [d, offset] : llvm::enumerate(slice.getMixedOffsets())) {
    OpFoldResult size = slice.getMixedSizes()[d];
    if (getConstantIntValue(offset)) {
      outerOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
      outerSizes.push_back(
          getAsIndexOpFoldResult(ctx, type.getDimSize(int64_t(d))));
      innerOffsets.push_back(offset);
    } else {
      outerOffsets.push_back(offset);
      outerSizes.push_back(size);
      innerOffsets.push_back(getAsIndexOpFoldResult(ctx, 0));
    }
  }
  SmallVector<OpFoldResult> ones(type.getRank(),
                                 getAsIndexOpFoldResult(ctx, 1));
  rw.setInsertionPoint(slice);
  Location loc = slice.getLoc();
  auto outer = tensor::ExtractSliceOp::create(rw, loc, slice.getSource(),
                                              outerOffsets, outerSizes, ones);
  Value inner =
      tensor::ExtractSliceOp::create(rw, loc, slice.getType(), outer,
                                     innerOffsets, slice.getMixedSizes(), ones);
  rw.replaceOp(slice, inner);
  return outer;
}

/// Whether `slice` takes whole groups of its source: every dim it does not
/// slice at an offset that varies (the batch-group loop's) is whole. A
/// producer fused through a slice that is not computes only part of each
/// group: wrong for a layer (its nest is for the whole) and for a value the
/// loop yields (the rest of it would not be computed).
bool takesWholeGroups(tensor::ExtractSliceOp slice) {
  auto type = dyn_cast<RankedTensorType>(slice.getSourceType());
  if (!type || !type.hasStaticShape() ||
      slice.getType().getRank() != type.getRank())
    return false;
  for (auto [d, offset] : llvm::enumerate(slice.getMixedOffsets())) {
    std::optional<int64_t> o = getConstantIntValue(offset);
    if (o && (*o != 0 || getConstantIntValue(slice.getMixedSizes()[d]) !=
                             type.getDimSize(int64_t(d))))
      return false;
  }
  return true;
}

/// Erases the pure ops of `body` but `keep` that nothing reads.
void eraseUnread(RewriterBase &rw, Block *body, Operation *keep) {
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
      if (&op != keep && !isa<YieldOp>(op) && op.use_empty() && isPure(&op)) {
        rw.eraseOp(&op);
        changed = true;
      }
  }
}

/// Fuses into the batch-group loop `loops` (scf.for loops, outermost first)
/// the ops of `seg` whose results the loop reads, one slice at a time, the
/// latest in the segment first, the loop body made free of common
/// subexpressions after each (two readers of one value take the same slice
/// of it in a group: the two slices become one, and the value is fused
/// once). `plan` records the ops fused, in order, into `fused` by their
/// `position` in the segment's body. An op is fused only when nothing
/// before the loop reads it (else it would be computed twice).
/// With `throughConcats`, a slice the loop takes of a concatenation in the
/// segment (tensor.insert_slice ops) is first taken of its parts
/// (sliceThroughInsert), so that what it concatenates can be fused; it sets
/// `plan.throughConcat`; and a slice of a crop in the segment (the window
/// a strided layer reads of its input) is taken of what it crops, cropped
/// after (sliceBeforeCrop). A layer, or a value the segment yields, is
/// fused through a slice of whole groups, cut to what the loop reads after
/// (wholeGroups); neither with `plan.upstreamOnly`. A result the segment yields
/// is yielded by the loop too and replaces it there. The untiled ops left
/// without readers are erased. Failure when a value the segment yields cannot
/// be yielded by the loop (the segment is left half-built). Returns the
/// outermost loop.
FailureOr<LoopLikeOpInterface> fuseProducersIntoLoop(
    IRRewriter &rw, SegmentOp seg, SmallVector<LoopLikeOpInterface> loops,
    const llvm::DenseMap<Operation *, unsigned> &position, GroupLoopPlan &plan,
    SmallVectorImpl<unsigned> &fused, bool throughConcats = false) {
  Block *body = &seg.getBody().front();
  // The loop's slices of concatenations and of slices in the segment, taken
  // of what they are made of.
  auto takeApart = [&] {
    if (!throughConcats)
      return;
    for (bool changed = true; changed;) {
      changed = false;
      SmallVector<tensor::ExtractSliceOp> slices;
      loops.front()->walk([&](tensor::ExtractSliceOp s) {
        Operation *source = s.getSource().getDefiningOp();
        if (source && source->getBlock() == body &&
            isa<tensor::InsertSliceOp, tensor::ExtractSliceOp>(source))
          slices.push_back(s);
      });
      for (tensor::ExtractSliceOp s : slices) {
        if (isa<tensor::ExtractSliceOp>(s.getSource().getDefiningOp())) {
          if (plan.upstreamOnly) {
            plan.leftOut = true;
          } else if (sliceBeforeCrop(rw, s)) {
            changed = true;
          }
        } else if (sliceThroughInsert(rw, s)) {
          changed = true;
          plan.throughConcat = true;
        }
      }
    }
    eraseUnread(rw, body, loops.front());
  };
  takeApart();
  bool anyYielded = false;
  // Producers that could not be fused (their slices stay; ops are erased
  // and allocated anew as fusion goes on, so slices are not what is kept).
  llvm::SmallPtrSet<Operation *, 16> unfusable;
  auto cse = [&] {
    DominanceInfo dominance(loops.front());
    eliminateCommonSubExpressions(rw, dominance, loops.front());
  };
  cse();
  while (true) {
    // A slice of the producer latest in the segment: every op of the
    // segment that reads it is in the loop by then (it comes after it), so
    // its readers' slices of it are all there, made one by CSE when equal.
    tensor::ExtractSliceOp slice;
    loops.front()->walk([&](tensor::ExtractSliceOp s) {
      auto source = dyn_cast<OpResult>(s.getSource());
      if (!source || source.getOwner()->getBlock() != body ||
          !isa<TilingInterface>(source.getOwner()) ||
          unfusable.contains(source.getOwner()))
        return;
      Operation *chosen =
          slice ? cast<OpResult>(slice.getSource()).getOwner() : nullptr;
      if (!chosen || chosen->isBeforeInBlock(source.getOwner()))
        slice = s;
    });
    if (!slice)
      break;
    Operation *producer = cast<OpResult>(slice.getSource()).getOwner();
    Operation *loop = loops.front();
    bool readBefore = llvm::any_of(producer->getUsers(), [&](Operation *u) {
      Operation *user = body->findAncestorOpInBlock(*u);
      return user && user != loop && user->isBeforeInBlock(loop);
    });
    bool yielded = llvm::any_of(producer->getUsers(), [&](Operation *u) {
      return u->getBlock() == body && isa<YieldOp>(u);
    });
    if (!fusable(producer) || readBefore) {
      unfusable.insert(producer);
      continue;
    }
    // A layer or a yielded value is computed for whole groups: a slice of
    // part of a group (the rows a strided layer reads) is cut from one.
    if ((yielded || getLayer(producer)) && !takesWholeGroups(slice)) {
      plan.leftOut |= plan.upstreamOnly;
      slice = plan.upstreamOnly ? nullptr : wholeGroups(rw, slice);
      if (!slice) {
        unfusable.insert(producer);
        continue;
      }
    }
    rw.setInsertionPoint(slice);
    std::optional<scf::SCFFuseProducerOfSliceResult> fusedProducer =
        scf::tileAndFuseProducerOfSlice(rw, slice, loops);
    if (!fusedProducer) {
      unfusable.insert(producer);
      continue;
    }
    plan.addFused(position, producer, fused);
    if (yielded) {
      if (failed(scf::yieldReplacementForFusedProducer(rw, slice,
                                                       *fusedProducer, loops)))
        return failure();
      // What reads it after the loop reads the loop's result (an op before
      // the loop that reads it keeps the untiled producer).
      anyYielded = true;
      loop = loops.front();
      unsigned first = loop->getNumResults() - producer->getNumResults();
      for (auto [i, r] : llvm::enumerate(producer->getResults()))
        rw.replaceUsesWithIf(
            r, loop->getResult(first + unsigned(i)), [&](OpOperand &u) {
              Operation *user = body->findAncestorOpInBlock(*u.getOwner());
              return user && user != loop && loop->isBeforeInBlock(user);
            });
    }
    // The untiled op goes when nothing else reads it (the slice fusion
    // replaced still does), and with it a reader of what fed it: what fed it
    // is then read in the loop only.
    loop->walk([&](tensor::ExtractSliceOp s) {
      if (s->use_empty() && s.getSource().getDefiningOp() == producer)
        rw.eraseOp(s);
    });
    eraseUnread(rw, body, loop);
    takeApart();
    llvm::SmallPtrSet<Operation *, 16> still;
    for (Operation &op : *body)
      if (unfusable.contains(&op))
        still.insert(&op);
    unfusable = std::move(still);
    cse();
  }
  foldStaticGuards(loops.front());
  reuseLoopInits(rw, loops.back());
  cse();
  Operation *loop = loops.front();
  plan.readAfter |= anyYielded;
  eraseUnread(rw, body, loop);
  return LoopLikeOpInterface(loop);
}

/// The batch-group loop of a segment whose values may have two readers in
/// it: `last` tiled by `sizes` into scf.for loops, then the ops of `seg`
/// whose results the loop reads fused into it (fuseProducersIntoLoop).
/// Failure when `last` cannot be tiled (nothing changed) or a value the
/// segment yields cannot be yielded by the loop (the segment is left
/// half-built: this runs on a copy of it).
FailureOr<LoopLikeOpInterface>
fuseSharingProducers(IRRewriter &rw, SegmentOp seg, linalg::LinalgOp last,
                     ArrayRef<int64_t> sizes,
                     const llvm::DenseMap<Operation *, unsigned> &position,
                     GroupLoopPlan &plan) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rw.getContext(), sizes));
  rw.setInsertionPoint(last);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rw, cast<TilingInterface>(last.getOperation()), options);
  if (failed(tiled) || tiled->loops.empty())
    return failure();
  rw.replaceOp(last, tiled->replacements);
  return fuseProducersIntoLoop(rw, seg, tiled->loops, position, plan,
                               plan.fused);
}

/// In a pipelined segment whose layers hand each other the batch in
/// groups (`batch_groups = G > 1`), each layer's outermost GBUF update is
/// the group loop over N (validity rule 8). The segment's last layer is
/// tiled along it and the layers (and the ops between them) that feed it
/// in the segment are fused into that loop
/// (scf::tileConsumerAndFuseProducersUsingSCF): one group flows through
/// all of them before the next. The layer ops in the loop are recorded in
/// `grouped` with G, and how the loop was built in `plan`.
/// With `shareProducers` the loop is built by fuseSharingProducers, which
/// fuses a value two ops of the segment read once when they read the
/// same slice of it (it may leave the segment half-built on failure: it
/// runs on a copy); without, such a value is computed whole before the
/// loop.
/// The tile sizes of the batch-group loop of layer `op` (its loops of N by
/// one group); an empty vector when its nest does not start with the loop
/// over `groups` groups (its own materialisation reports a nest that is
/// wrong), failure after an error.
FailureOr<SmallVector<int64_t>> groupTileSizes(linalg::LinalgOp op,
                                               int64_t groups,
                                               const LoopDimsByName &byName,
                                               StringRef pass) {
  LayerDesc layer = toCore(getLayer(op));
  llvm::Expected<SmallVector<NestLoop, 12>> nest =
      buildLoopNest(layer, toCore(getDataflow(op)));
  if (!nest) {
    llvm::consumeError(nest.takeError());
    return SmallVector<int64_t>();
  }
  if (!startsWithGroupLoop(*nest, groups))
    return SmallVector<int64_t>();
  FailureOr<DimLoops> dimLoops = layerLoops(op, layer, byName, pass);
  if (::mlir::failed(dimLoops))
    return failure();
  SmallVector<int64_t> sizes(op.getNumLoops(), 0);
  if ((*dimLoops)[int(Dim::N)].empty() ||
      ::mlir::failed(dimTileSizes(op.getStaticLoopRanges(),
                                  (*dimLoops)[int(Dim::N)], nest->front().step,
                                  layer.batchLoops, sizes)))
    return op->emitError() << pass
                           << ": the batch-group loop of the segment does "
                              "not divide the loops of N";
  return sizes;
}

/// `op` (a layer of `seg`) tiled by `sizes` into its batch-group loop, with
/// the ops of the segment that feed it fused in
/// (scf::tileConsumerAndFuseProducersUsingSCF); `plan` records the ops
/// fused and whether the loop yields a fused value. A value that an op in
/// `built` (the segment's loop, built before) reads too is not fused. The
/// loops (outermost first) and the ops tiled in them, or failure after an
/// error.
FailureOr<scf::SCFTileAndFuseResult>
tileBranch(IRRewriter &rw, SegmentOp seg, linalg::LinalgOp last,
           ArrayRef<int64_t> sizes,
           const llvm::DenseMap<Operation *, unsigned> &position,
           GroupLoopPlan &plan, StringRef pass, Operation *built = nullptr) {
  plan.last = position.lookup(last);
  plan.sizes = llvm::to_vector(sizes);
  // The ops of the segment that feed the layer are fused into the group
  // loop.
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(
      getAsIndexOpFoldResult(rw.getContext(), sizes));
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp candidate, OpResult producer,
          bool isDestination)
          -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        Operation *p = producer.getOwner();
        if (isDestination || !seg->isProperAncestor(p) || !fusable(p))
          return std::nullopt;
        scf::SCFTileAndFuseOptions::ControlFnResult r;
        // Yielded by the loop when the segment yields it too.
        Block *body = &seg.getBody().front();
        r.yieldProducerReplacement =
            llvm::any_of(producer.getUsers(), [&](Operation *u) {
              return u->getBlock() == body && isa<YieldOp>(u);
            });
        if ((r.yieldProducerReplacement || getLayer(p)) &&
            !takesWholeGroups(candidate))
          return std::nullopt;
        // A value two ops of the segment read would be computed once per
        // reader if fused (tile-and-fuse recomputes a producer for each
        // slice): it is computed whole before the loop. (A reader in the
        // segment's loop, built before for other layers, counts too.)
        int64_t readers = 0;
        bool inBuilt = false;
        for (Operation *u : producer.getUsers()) {
          readers += u->getBlock() == body && !isa<YieldOp>(u);
          inBuilt |= built && built->isProperAncestor(u);
        }
        if (readers + int64_t(inBuilt) > 1)
          return std::nullopt;
        return r;
      });
  rw.setInsertionPoint(last);
  FailureOr<scf::SCFTileAndFuseResult> fused =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rw, cast<TilingInterface>(last.getOperation()), options);
  if (::mlir::failed(fused))
    return last->emitError() << pass
                             << ": cannot build the "
                                "batch-group loop of the segment";
  for (Operation *p : fused->fusedProducers)
    plan.addFused(position, p, plan.fused);
  plan.readAfter =
      !fused->replacements.empty() &&
      fused->loops.front()->getNumResults() > last->getNumResults();
  for (auto [original, replacement] : fused->replacements)
    rw.replaceAllUsesWith(original, replacement);
  foldStaticGuards(fused->loops.front());
  reuseLoopInits(rw, fused->loops.back());
  // The untiled ops go once nothing reads them; fusion leaves the slices
  // of them it replaced behind, unused.
  llvm::SmallPtrSet<Operation *, 8> erased;
  for (bool changed = true; changed;) {
    changed = false;
    // Each op once: the group loop is a nest of loops when it tiles
    // several loops of N, and walking each of them visits the inner ones'
    // slices again.
    llvm::SetVector<Operation *> dead;
    for (LoopLikeOpInterface loop : fused->loops)
      loop->walk([&](tensor::ExtractSliceOp slice) {
        if (slice->use_empty())
          dead.insert(slice);
      });
    if (!erased.contains(last) && last->use_empty())
      dead.insert(last);
    for (Operation *p : fused->fusedProducers)
      if (!erased.contains(p) && p->use_empty())
        dead.insert(p);
    for (Operation *d : dead) {
      erased.insert(d);
      rw.eraseOp(d);
      changed = true;
    }
  }
  return fused;
}

/// The layers of `seg` that do not feed its last layer (parallel branches:
/// only the segment's yield reads them) each get a batch-group loop of their
/// own (tileBranch, with what feeds them), which then joins the segment's
/// loop `plan.loop`: the two loops share nothing and run over the same
/// groups, so upstream scf::fuseIndependentSiblingForLoops makes them one,
/// the branch's body first. One loop then holds every layer of the
/// segment, as the schedule hands each group through all of them. A branch
/// whose loop cannot join (another loop nest of N) keeps its own. The layers
/// in the loop are recorded in `grouped`, the branches in `plan.siblings`.
LogicalResult
fuseSiblingBranches(IRRewriter &rw, SegmentOp seg, const LoopDimsByName &byName,
                    llvm::DenseMap<Operation *, int64_t> &grouped,
                    const llvm::DenseMap<Operation *, unsigned> &position,
                    GroupLoopPlan &plan, StringRef pass) {
  auto single = [](ArrayRef<int64_t> sizes) {
    return llvm::count_if(sizes, [](int64_t t) { return t != 0; }) == 1;
  };
  auto main = dyn_cast_or_null<scf::ForOp>(plan.loop);
  if (!main || !single(plan.sizes))
    return success();
  Block *body = &seg.getBody().front();
  // A backward layer's loop over the batch may be a reduction (weight
  // gradients): the batch groups of the pipeline all the same.
  auto isGroupedLayer = [&](Operation *o) {
    auto l = dyn_cast_or_null<linalg::LinalgOp>(o);
    ConstraintAttr c = l ? getConstraint(l) : ConstraintAttr();
    if (!l || !getLayer(l) || !getDataflow(l) || !l.hasPureTensorSemantics() ||
        !c || c.getBatchGroups() != plan.groups)
      return false;
    if (!plan.upstreamOnly || getLayer(l).getPass() == LayerPass::Forward)
      return true;
    plan.leftOut = true;
    return false;
  };
  while (true) {
    // The latest op of the body before the loop that only the segment's
    // yield reads: a layer, or an element-wise op on a layer's output (its
    // epilogue), which the loop then tiles with the layer's group.
    linalg::LinalgOp branch, layerOp;
    for (Operation &o : *body) {
      auto l = dyn_cast<linalg::LinalgOp>(&o);
      if (!l || !l.hasPureTensorSemantics() || !l->isBeforeInBlock(main) ||
          !llvm::all_of(l->getUsers(),
                        [](Operation *u) { return isa<YieldOp>(u); }))
        continue;
      if (isGroupedLayer(l)) {
        branch = layerOp = l;
        continue;
      }
      if (l.getNumParallelLoops() != l.getNumLoops())
        continue;
      for (OpOperand *in : l.getDpsInputOperands())
        if (isGroupedLayer(in->get().getDefiningOp())) {
          branch = l;
          layerOp = cast<linalg::LinalgOp>(in->get().getDefiningOp());
        }
    }
    if (!branch)
      return success();
    // The loop runs the branch's body first; where the branch comes after
    // an op of the loop in the segment, the block is put back in the
    // segment's order once the loop is built (orderLayersLikeSegment): the
    // branch shares nothing with the loop.
    if (!position.count(branch))
      return success();
    FailureOr<SmallVector<int64_t>> sizes =
        groupTileSizes(layerOp, plan.groups, byName, pass);
    if (::mlir::failed(sizes))
      return failure();
    if (sizes->empty() || !single(*sizes))
      return success();
    if (branch != layerOp) {
      // The epilogue's loops over the layer's output dims take their
      // tiles: through the layer's output map and the epilogue's map of
      // that operand (both plain views of the loops).
      AffineMap out =
          layerOp.getMatchingIndexingMap(layerOp.getDpsInitOperand(0));
      OpOperand *read = nullptr;
      for (OpOperand *in : branch.getDpsInputOperands())
        if (in->get().getDefiningOp() == layerOp.getOperation())
          read = in;
      AffineMap map = branch.getMatchingIndexingMap(read);
      if (!out.isProjectedPermutation() || !map.isPermutation())
        return success();
      SmallVector<int64_t> tiles(branch.getNumLoops(), 0);
      for (unsigned j = 0; j < out.getNumResults(); ++j)
        tiles[map.getDimPosition(j)] = (*sizes)[out.getDimPosition(j)];
      *sizes = std::move(tiles);
    }
    GroupLoopPlan sub;
    FailureOr<scf::SCFTileAndFuseResult> fused =
        tileBranch(rw, seg, branch, *sizes, position, sub, pass, main);
    if (::mlir::failed(fused))
      return failure();
    auto loop = dyn_cast<scf::ForOp>(fused->loops.front().getOperation());
    auto same = [](OpFoldResult a, OpFoldResult b) {
      std::optional<int64_t> x = getConstantIntValue(a),
                             y = getConstantIntValue(b);
      return x && y && *x == *y;
    };
    // Independent: nothing in the branch's loop reads the segment's loop
    // (a value the loop yields that the branch reads too).
    bool reads = false;
    auto readsFrom = [&](Operation *reader, Operation *loopOp) {
      reader->walk([&](Operation *op) {
        for (Value v : op->getOperands())
          reads |= v.getDefiningOp() == loopOp;
      });
    };
    if (loop) {
      readsFrom(loop, main);
      readsFrom(main, loop);
    }
    if (!loop || reads || fused->loops.size() != 1 ||
        !same(loop.getLowerBound(), main.getLowerBound()) ||
        !same(loop.getUpperBound(), main.getUpperBound()) ||
        !same(loop.getStep(), main.getStep())) {
      // The branch keeps its own batch-group loop. (Its layers are found in
      // it: the ops tiling made are not all there, a pad's guard folded.)
      fused->loops.front()->walk([&](linalg::LinalgOp t) {
        if (getLayer(t) && getDataflow(t))
          grouped[t] = plan.groups;
      });
      return success();
    }
    for (scf::ForOp l : {loop, main})
      l->walk([&](Operation *t) { grouped.erase(t); });
    main = fuseIndependentSiblingForLoops(loop, main, rw);
    plan.loop = main;
    plan.siblings.push_back(std::move(sub));
    main->walk([&](linalg::LinalgOp t) {
      if (getLayer(t) && getDataflow(t))
        grouped[t] = plan.groups;
    });
  }
}

/// Once the segment's loop is built and its branches joined it
/// (fuseSiblingBranches), a value that the loop reads and nothing before it
/// reads is fused into it too (fuseProducersIntoLoop, through
/// concatenations; recorded in `plan.joinedFused`): the output of a layer
/// that feeds several branches, whose slices in a group become one, so it is
/// computed once per group in the loop instead of in a loop of its own in
/// front. Failure after an error.
LogicalResult
fuseIntoJoinedLoop(IRRewriter &rw, SegmentOp seg,
                   llvm::DenseMap<Operation *, int64_t> &grouped,
                   const llvm::DenseMap<Operation *, unsigned> &position,
                   GroupLoopPlan &plan, StringRef pass) {
  auto main = dyn_cast_or_null<scf::ForOp>(plan.loop);
  if (!main)
    return success();
  FailureOr<LoopLikeOpInterface> loop = fuseProducersIntoLoop(
      rw, seg, {LoopLikeOpInterface(main.getOperation())}, position, plan,
      plan.joinedFused, /*throughConcats=*/true);
  if (::mlir::failed(loop))
    return seg->emitError() << pass
                            << ": cannot yield a value fused into the "
                               "batch-group loop of the segment";
  plan.loop = loop->getOperation();
  plan.loop->walk([&](linalg::LinalgOp t) {
    if (getLayer(t) && getDataflow(t))
      grouped[t] = plan.groups;
  });
  return success();
}

/// Whether `a` (of loop `pa`) and `b` (of loop `pb`) are the same offset,
/// size or stride: equal constants, the two loops' induction variables, or
/// one value defined outside both.
bool sameIndex(OpFoldResult a, scf::ForOp pa, OpFoldResult b, scf::ForOp pb) {
  std::optional<int64_t> x = getConstantIntValue(a), y = getConstantIntValue(b);
  if (x || y)
    return x && y && *x == *y;
  Value va = cast<Value>(a), vb = cast<Value>(b);
  if (va == pa.getInductionVar())
    return vb == pb.getInductionVar();
  return va == vb && !pa->isAncestor(va.getParentRegion()->getParentOp()) &&
         !pb->isAncestor(va.getParentRegion()->getParentOp());
}

/// Merges `producer`, a batch-group loop in front of `consumer` (the
/// segment's loop, over the same groups), into it: one loop whose body runs
/// the producer's body, then the consumer's, where each slice the consumer
/// takes of the producer's result is the tile the producer's iteration
/// inserts (the same offsets, sizes and strides), so that it reads the group
/// just computed. This is what tile-and-fuse cannot do for a producer whose
/// output is no plain view of its loops (a backward-data layer scatters
/// into sliding windows), while its loop over the batch groups is one.
/// Failure (nothing changed) when the consumer reads the producer's result
/// otherwise, or something between them reads it.
FailureOr<scf::ForOp> mergeProducerLoop(IRRewriter &rw, scf::ForOp producer,
                                        scf::ForOp consumer) {
  if (producer->getBlock() != consumer->getBlock() ||
      !producer->isBeforeInBlock(consumer) ||
      !sameIndex(producer.getLowerBound(), producer, consumer.getLowerBound(),
                 consumer) ||
      !sameIndex(producer.getUpperBound(), producer, consumer.getUpperBound(),
                 consumer) ||
      !sameIndex(producer.getStep(), producer, consumer.getStep(), consumer))
    return failure();
  // Each result is a tile inserted into the loop's tensor.
  auto yield = cast<scf::YieldOp>(producer.getBody()->getTerminator());
  SmallVector<tensor::InsertSliceOp> inserts;
  for (auto [k, v] : llvm::enumerate(yield.getOperands())) {
    auto ins = v.getDefiningOp<tensor::InsertSliceOp>();
    if (!ins || ins.getDest() != producer.getRegionIterArgs()[k])
      return failure();
    inserts.push_back(ins);
  }
  // The consumer's slices of the producer's results, each the tile an
  // iteration inserts; other readers come after the consumer.
  llvm::MapVector<Operation *, Value> tileOf;
  Block *block = consumer->getBlock();
  for (auto [k, r] : llvm::enumerate(producer.getResults()))
    for (OpOperand &use : r.getUses()) {
      Operation *user = use.getOwner();
      auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
      if (slice && slice->getParentOp() == consumer.getOperation()) {
        tensor::InsertSliceOp ins = inserts[k];
        auto same = [&](ArrayRef<OpFoldResult> a, ArrayRef<OpFoldResult> b) {
          return a.size() == b.size() &&
                 llvm::all_of(llvm::seq<size_t>(0, a.size()), [&](size_t i) {
                   return sameIndex(a[i], producer, b[i], consumer);
                 });
        };
        if (slice.getType() != ins.getSourceType() ||
            !same(ins.getMixedOffsets(), slice.getMixedOffsets()) ||
            !same(ins.getMixedSizes(), slice.getMixedSizes()) ||
            !same(ins.getMixedStrides(), slice.getMixedStrides()))
          return failure();
        tileOf[slice] = ins.getSource();
        continue;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || !consumer->isBeforeInBlock(ancestor))
        return failure();
    }
  unsigned numProducer = producer.getNumResults();
  SmallVector<Value> inits(producer.getInitArgs());
  llvm::append_range(inits, consumer.getInitArgs());
  rw.setInsertionPoint(consumer);
  auto merged =
      scf::ForOp::create(rw, consumer.getLoc(), consumer.getLowerBound(),
                         consumer.getUpperBound(), consumer.getStep(), inits);
  Block *body = merged.getBody();
  if (body->mightHaveTerminator())
    rw.eraseOp(body->getTerminator());
  IRMapping map;
  map.map(producer.getInductionVar(), merged.getInductionVar());
  map.map(consumer.getInductionVar(), merged.getInductionVar());
  for (auto [k, arg] : llvm::enumerate(merged.getRegionIterArgs()))
    map.map(k < numProducer ? producer.getRegionIterArgs()[k]
                            : consumer.getRegionIterArgs()[k - numProducer],
            arg);
  rw.setInsertionPointToStart(body);
  for (Operation &op : producer.getBody()->without_terminator())
    rw.clone(op, map);
  for (auto [slice, tile] : tileOf)
    map.map(slice->getResult(0), map.lookupOrDefault(tile));
  for (Operation &op : consumer.getBody()->without_terminator())
    if (!tileOf.count(&op))
      rw.clone(op, map);
  SmallVector<Value> yields;
  for (Value v : yield.getOperands())
    yields.push_back(map.lookupOrDefault(v));
  for (Value v : consumer.getBody()->getTerminator()->getOperands())
    yields.push_back(map.lookupOrDefault(v));
  scf::YieldOp::create(rw, consumer.getLoc(), yields);
  rw.replaceOp(consumer, merged.getResults().drop_front(numProducer));
  rw.replaceOp(producer, merged.getResults().take_front(numProducer));
  return merged;
}

/// Whether the loop `loop` reads `v`, or a slice of it taken in `body`.
bool readInLoop(Value v, Operation *loop, Block *body) {
  return llvm::any_of(v.getUsers(), [&](Operation *u) {
    auto slice = dyn_cast<tensor::ExtractSliceOp>(u);
    return loop->isProperAncestor(u) ||
           (slice && u->getBlock() == body &&
            readInLoop(slice.getResult(), loop, body));
  });
}

/// Layers in front of the segment's loop whose results it reads and which
/// tile-and-fuse cannot fuse into it (fusable: a backward-data layer
/// scatters into sliding windows) each get a batch-group loop of their own
/// with what feeds them (tileBranch), merged into the segment's loop
/// (mergeProducerLoop); then what the loop reads and nothing before it is
/// fused in too (fuseIntoJoinedLoop). A loop that cannot merge stays in
/// front. With `plan.upstreamOnly` nothing changes (the layer keeps a loop
/// of its own), and `plan.leftOut` says whether there is such a layer.
/// Failure after an error.
LogicalResult
mergeScatterProducers(IRRewriter &rw, SegmentOp seg,
                      const LoopDimsByName &byName,
                      llvm::DenseMap<Operation *, int64_t> &grouped,
                      const llvm::DenseMap<Operation *, unsigned> &position,
                      GroupLoopPlan &plan, StringRef pass) {
  Block *body = &seg.getBody().front();
  while (auto main = dyn_cast_or_null<scf::ForOp>(plan.loop)) {
    // The latest such layer: what feeds it comes before it.
    linalg::LinalgOp producer;
    for (Operation &o : *body) {
      if (&o == main.getOperation())
        break;
      auto l = dyn_cast<linalg::LinalgOp>(&o);
      ConstraintAttr c = l ? getConstraint(l) : ConstraintAttr();
      if (!l || fusable(l) || !getLayer(l) || !getDataflow(l) ||
          !l.hasPureTensorSemantics() || !c ||
          c.getBatchGroups() != plan.groups)
        continue;
      if (readInLoop(l->getResult(0), main, body))
        producer = l;
    }
    if (!producer)
      return success();
    FailureOr<SmallVector<int64_t>> sizes =
        groupTileSizes(producer, plan.groups, byName, pass);
    if (::mlir::failed(sizes))
      return failure();
    if (sizes->empty() ||
        llvm::count_if(*sizes, [](int64_t t) { return t != 0; }) != 1)
      return success();
    if (plan.upstreamOnly) {
      plan.leftOut = true;
      return success();
    }
    GroupLoopPlan sub;
    FailureOr<scf::SCFTileAndFuseResult> fused =
        tileBranch(rw, seg, producer, *sizes, position, sub, pass, main);
    if (::mlir::failed(fused))
      return failure();
    auto loop = dyn_cast<scf::ForOp>(fused->loops.front().getOperation());
    // The two loops' ops are cloned into the merged loop: none of them stays
    // in `grouped` (their addresses may be reused).
    llvm::SmallPtrSet<Operation *, 32> before;
    for (Operation *l : {loop.getOperation(), main.getOperation()})
      if (l)
        l->walk([&](Operation *t) { before.insert(t); });
    FailureOr<scf::ForOp> merged = loop && fused->loops.size() == 1
                                       ? mergeProducerLoop(rw, loop, main)
                                       : FailureOr<scf::ForOp>(failure());
    if (::mlir::succeeded(merged))
      for (Operation *t : before)
        grouped.erase(t);
    if (::mlir::failed(merged)) {
      // It keeps its own batch-group loop in front.
      fused->loops.front()->walk([&](linalg::LinalgOp t) {
        if (getLayer(t) && getDataflow(t))
          grouped[t] = plan.groups;
      });
      return success();
    }
    plan.loop = *merged;
    if (::mlir::failed(
            fuseIntoJoinedLoop(rw, seg, grouped, position, plan, pass)))
      return failure();
  }
  return success();
}

LogicalResult fuseBatchGroups(IRRewriter &rw, SegmentOp seg,
                              const LoopDimsByName &byName,
                              llvm::DenseMap<Operation *, int64_t> &grouped,
                              bool shareProducers, GroupLoopPlan &plan,
                              StringRef pass) {
  SmallVector<linalg::LinalgOp> segLayers;
  int64_t groups = sharedGroups(seg, segLayers);
  if (groups <= 1)
    return success(); // no shared group loop
  linalg::LinalgOp last = segLayers.back();
  FailureOr<SmallVector<int64_t>> sizes =
      groupTileSizes(last, groups, byName, pass);
  if (::mlir::failed(sizes))
    return failure();
  if (sizes->empty())
    return success();
  llvm::DenseMap<Operation *, unsigned> position = bodyPositions(seg);
  plan.sharing = shareProducers;
  if (shareProducers) {
    plan.last = position.lookup(last);
    plan.sizes = *sizes;
    FailureOr<LoopLikeOpInterface> loop =
        fuseSharingProducers(rw, seg, last, *sizes, position, plan);
    if (::mlir::failed(loop))
      return failure();
    plan.groups = groups;
    plan.loop = loop->getOperation();
    loop->getOperation()->walk([&](linalg::LinalgOp t) {
      if (getLayer(t) && getDataflow(t))
        grouped[t] = groups;
    });
    if (::mlir::failed(fuseSiblingBranches(rw, seg, byName, grouped, position,
                                           plan, pass)) ||
        ::mlir::failed(
            fuseIntoJoinedLoop(rw, seg, grouped, position, plan, pass)))
      return failure();
    return mergeScatterProducers(rw, seg, byName, grouped, position, plan,
                                 pass);
  }
  FailureOr<scf::SCFTileAndFuseResult> fused =
      tileBranch(rw, seg, last, *sizes, position, plan, pass);
  if (::mlir::failed(fused))
    return failure();
  plan.groups = groups;
  plan.loop = fused->loops.front();
  // The layers in the loop (not fused->tiledAndFusedOps: folding a tiled
  // pad's guard erases some of the ops tiling made).
  plan.loop->walk([&](linalg::LinalgOp t) {
    if (getLayer(t) && getDataflow(t))
      grouped[t] = groups;
  });
  if (::mlir::failed(fuseSiblingBranches(rw, seg, byName, grouped, position,
                                         plan, pass)) ||
      ::mlir::failed(
          fuseIntoJoinedLoop(rw, seg, grouped, position, plan, pass)))
    return failure();
  return mergeScatterProducers(rw, seg, byName, grouped, position, plan, pass);
}

/// Whether the layers of `seg` share batch groups and some value of it
/// is read by two ops of its body.
bool readTwice(SegmentOp seg) {
  SmallVector<linalg::LinalgOp> layers;
  if (sharedGroups(seg, layers) <= 1)
    return false;
  Block *body = &seg.getBody().front();
  for (Operation &op : *body)
    for (Value v : op.getResults())
      if (llvm::count_if(v.getUsers(), [&](Operation *u) {
            return u->getBlock() == body && !isa<YieldOp>(u);
          }) > 1)
        return true;
  return false;
}

/// Whether no layer of `seg` is there twice.
bool eachLayerOnce(SegmentOp seg) {
  llvm::StringSet<> seen;
  bool once = true;
  seg->walk([&](linalg::LinalgOp l) {
    if (StringAttr name = getLayerNameAttr(l);
        name && getLayer(l) && !seen.insert(name.getValue()).second)
      once = false;
  });
  return once;
}

/// The position of each layer of `seg` in its body, by kapla.name.
llvm::StringMap<unsigned> layerRanks(SegmentOp seg) {
  llvm::StringMap<unsigned> rank;
  for (auto [i, op] : llvm::enumerate(seg.getBody().front()))
    if (StringAttr name = getLayerNameAttr(&op); name && getLayer(&op))
      rank.try_emplace(name.getValue(), unsigned(i));
  return rank;
}

/// Puts the layers of `seg` back in the order they had in it (`rank`, by
/// kapla.name) in every block that holds them or loops around them: the
/// GBUF words of forwarded data a layer leaves to its dataflow depend on
/// which layers ran before it (a tensor is held from its producer to its
/// last reader), and fusion puts each producer in front of the slice its
/// reader takes, so two producer chains that one op reads (the branches of
/// a residual sum) come in the order of its operands. Each block is sorted
/// topologically, an op as early as the first layer it is, holds or feeds
/// asks. Returns the first two layers found in another order (the one that
/// ran first is second), empty when the order was the segment's.
std::optional<std::pair<std::string, std::string>>
orderLayersLikeSegment(SegmentOp seg, const llvm::StringMap<unsigned> &rank) {
  constexpr unsigned kNone = std::numeric_limits<unsigned>::max();
  auto rankOf = [&](Operation *op) {
    StringAttr name = getLayerNameAttr(op);
    if (!name || !getLayer(op))
      return kNone;
    auto it = rank.find(name.getValue());
    return it == rank.end() ? kNone : it->second;
  };
  auto nameOf = [&](unsigned r) {
    for (const auto &entry : rank)
      if (entry.getValue() == r)
        return entry.getKey().str();
    return std::string();
  };
  auto terminatorOf = [](Block *b) {
    return b->mightHaveTerminator() ? b->getTerminator() : nullptr;
  };
  // The blocks that hold layers or ops around them, in any order: an op is
  // keyed by the first layer it holds, which sorting its blocks keeps.
  llvm::SetVector<Block *> blocks;
  seg->walk<WalkOrder::PostOrder>([&](Operation *op) {
    if (rankOf(op) == kNone)
      return;
    for (Block *b = op->getBlock(); b; b = b->getParentOp()->getBlock()) {
      blocks.insert(b);
      if (b == &seg.getBody().front())
        break;
    }
  });
  std::optional<std::pair<std::string, std::string>> swapped;
  for (Block *block : blocks) {
    SmallVector<Operation *> ops;
    Operation *last = terminatorOf(block);
    for (Operation &o : *block)
      if (&o != last)
        ops.push_back(&o);
    if (!llvm::all_of(ops, [](Operation *o) { return isMemoryEffectFree(o); }))
      continue;
    size_t n = ops.size();
    llvm::DenseMap<Operation *, unsigned> index;
    for (auto [i, op] : llvm::enumerate(ops))
      index[op] = unsigned(i);
    std::vector<SmallVector<unsigned, 4>> users(n);
    std::vector<unsigned> pending(n, 0), key(n, kNone), layerKey(n, kNone);
    for (unsigned i = 0; i < n; ++i) {
      llvm::SmallSetVector<unsigned, 8> deps;
      ops[i]->walk([&](Operation *nested) {
        layerKey[i] = std::min(layerKey[i], rankOf(nested));
        for (Value v : nested->getOperands())
          if (Operation *def = v.getDefiningOp())
            if (Operation *a = block->findAncestorOpInBlock(*def))
              if (auto it = index.find(a); it != index.end() && it->second != i)
                deps.insert(it->second);
      });
      for (unsigned d : deps)
        users[d].push_back(unsigned(i));
      pending[i] = unsigned(deps.size());
    }
    // The first layer that runs before one that comes before it; the block
    // is left as it is without one.
    std::optional<std::pair<std::string, std::string>> inversion;
    for (unsigned i = 0; i < n && !inversion; ++i)
      for (unsigned j = i + 1; j < n && !inversion; ++j)
        if (layerKey[i] != kNone && layerKey[j] < layerKey[i])
          inversion = {nameOf(layerKey[j]), nameOf(layerKey[i])};
    if (!inversion)
      continue;
    // An op that feeds no layer goes right after the latest layer it reads
    // (an epilogue after its layer).
    std::vector<unsigned> after(n, 0);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned u : users[i])
        after[u] =
            std::max(after[u], layerKey[i] != kNone ? layerKey[i] : after[i]);
    for (size_t i = n; i-- > 0;) {
      key[i] = layerKey[i];
      for (unsigned u : users[i])
        key[i] = std::min(key[i], key[u]);
    }
    for (unsigned i = 0; i < n; ++i)
      if (key[i] == kNone)
        key[i] = after[i];
    std::set<std::pair<unsigned, unsigned>> ready;
    for (unsigned i = 0; i < n; ++i)
      if (!pending[i])
        ready.insert({key[i], i});
    SmallVector<unsigned> order;
    while (!ready.empty()) {
      unsigned i = ready.begin()->second;
      ready.erase(ready.begin());
      order.push_back(i);
      for (unsigned u : users[i])
        if (!--pending[u])
          ready.insert({key[u], u});
    }
    if (order.size() != n)
      continue;
    if (!swapped)
      swapped = inversion;
    Operation *term = terminatorOf(block);
    for (unsigned i : order)
      ops[i]->moveBefore(block, block->end());
    if (term)
      term->moveBefore(block, block->end());
  }
  return swapped;
}

/// The batch-group loop of `seg` (fuseBatchGroups). The values two layers
/// of the segment read are fused into it too, on a copy of the segment,
/// kept when its layers come out once each (their readers took the same
/// slice of them); else they are computed whole before the loop. Returns
/// the segment as it is after: `seg`, or the copy that replaced it. Unless
/// `plan.upstreamOnly`, the backward layers of a training step join it as
/// the forward ones do, those whose output scatters into windows merging
/// their own loop into it (mergeScatterProducers), and a value read in part
/// of a group is fused for whole groups (fuseProducersIntoLoop).
FailureOr<SegmentOp>
buildSegmentLoop(IRRewriter &rw, SegmentOp seg, const LoopDimsByName &byName,
                 llvm::DenseMap<Operation *, int64_t> &grouped,
                 GroupLoopPlan &plan, StringRef pass) {
  llvm::StringMap<unsigned> rank = layerRanks(seg);
  if (readTwice(seg)) {
    rw.setInsertionPoint(seg);
    auto trial = cast<SegmentOp>(rw.clone(*seg.getOperation()));
    llvm::DenseMap<Operation *, int64_t> trialGrouped;
    GroupLoopPlan trialPlan;
    trialPlan.upstreamOnly = plan.upstreamOnly;
    bool ok;
    {
      ScopedDiagnosticHandler quiet(seg->getContext(),
                                    [](Diagnostic &) { return success(); });
      ok = ::mlir::succeeded(fuseBatchGroups(rw, trial, byName, trialGrouped,
                                             true, trialPlan, pass)) &&
           eachLayerOnce(trial) && ::mlir::succeeded(verify(trial));
    }
    if (ok) {
      rw.replaceOp(seg, trial->getResults());
      grouped.insert(trialGrouped.begin(), trialGrouped.end());
      plan = std::move(trialPlan);
      plan.outOfOrder = orderLayersLikeSegment(trial, rank);
      return trial;
    }
    rw.eraseOp(trial);
  }
  if (::mlir::failed(
          fuseBatchGroups(rw, seg, byName, grouped, false, plan, pass)))
    return failure();
  plan.outOfOrder = orderLayersLikeSegment(seg, rank);
  return seg;
}

/// The tilings of the nest of layer `op` under its dataflow, or failure
/// after an error. In a batch-group loop of `groups` (> 1) the op computes
/// one group, and its nest goes on from inside that loop.
FailureOr<SmallVector<TileStep, 4>> planLayer(linalg::LinalgOp op,
                                              const DimLoops &dimLoops,
                                              int64_t groups, StringRef pass) {
  LayerDesc layer = toCore(getLayer(op));
  llvm::Expected<SmallVector<NestLoop, 12>> nest =
      buildLoopNest(layer, toCore(getDataflow(op)));
  if (!nest)
    return op->emitError() << pass << ": the dataflow is no loop nest: "
                           << llvm::toString(nest.takeError());
  ArrayRef<NestLoop> loops = *nest;
  if (groups > 1) {
    if (!startsWithGroupLoop(loops, groups))
      return op->emitError() << pass
                             << ": the layer is in a batch-group "
                                "loop but its nest does not start "
                                "with it";
    loops = loops.drop_front();
    // The loops of N in one batch group.
    cutDim(layer, Dim::N, layer.n / groups);
  }
  return planNest(op, loops, dimLoops, layer.batchLoops, regionOf(op), pass);
}

struct KaplaMaterializePass
    : public mlir::kapla::impl::KaplaMaterializePassBase<KaplaMaterializePass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // linalg ops are tiled through external models of TilingInterface and
    // PartialReductionOpInterface; the padding between convolutions
    // (tensor.pad) is fused into a batch-group loop through tensor's.
    linalg::registerTilingInterfaceExternalModels(registry);
    tensor::registerTilingInterfaceExternalModels(registry);
    // Which layer dim each loop runs over comes from LayerOpInterface.
    registerLayerOpInterfaceModels(registry);
  }

  LogicalResult materialize(IRRewriter &rw, linalg::LinalgOp op,
                            const DimLoops &dimLoops, int64_t groups);

  void runOnOperation() override {
    IRRewriter rw(&getContext());
    // Pipelined segments first: their batch-group loop, shared by the
    // layers of a segment, with each layer's op on one group inside.
    llvm::DenseMap<Operation *, int64_t> grouped;
    SmallVector<SegmentOp> segments;
    getOperation().walk([&](SegmentOp seg) { segments.push_back(seg); });
    bool failed = false;
    LoopDimsByName byName = readAllLoopDims(getOperation());
    for (SegmentOp seg : segments) {
      GroupLoopPlan plan;
      plan.upstreamOnly = upstreamLoops;
      failed |= ::mlir::failed(buildSegmentLoop(rw, seg, byName, grouped, plan,
                                                "kapla-materialize"));
    }
    SmallVector<linalg::LinalgOp> layers;
    SmallVector<FailureOr<DimLoops>> loops;
    failed |= ::mlir::failed(collectLayers(getOperation(), "kapla-materialize",
                                           byName, layers, loops, &grouped));
    for (auto [op, dimLoops] : llvm::zip(layers, loops)) {
      if (::mlir::failed(dimLoops)) {
        failed = true;
        continue;
      }
      if (::mlir::failed(materialize(rw, op, *dimLoops, grouped.lookup(op))))
        failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};

/// Moves before `anchor` what `op` reads that is defined after `anchor` in
/// its block, other than the layer's values (`isLayer`): empties and
/// constants whose operands are there before `anchor`, and with `slices`
/// slices so too. False, moving nothing, when `op` reads anything else
/// defined after `anchor`.
static bool hoistInits(RewriterBase &rw, Operation *op, Operation *anchor,
                       llvm::function_ref<bool(Value)> isLayer,
                       bool slices = false) {
  auto before = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return !def || def->getBlock() != anchor->getBlock() ||
           def->isBeforeInBlock(anchor);
  };
  SmallVector<Operation *> toMove;
  for (Value v : op->getOperands()) {
    Operation *def = v.getDefiningOp();
    if (before(v) || isLayer(v))
      continue;
    if (!(isa<tensor::EmptyOp>(def) ||
          (slices && isa<tensor::ExtractSliceOp>(def)) ||
          def->hasTrait<OpTrait::ConstantLike>()) ||
        !llvm::all_of(def->getOperands(), before))
      return false;
    if (!llvm::is_contained(toMove, def))
      toMove.push_back(def);
  }
  for (Operation *def : toMove)
    rw.moveOpBefore(def, anchor);
  return true;
}

LogicalResult KaplaMaterializePass::materialize(IRRewriter &rw,
                                                linalg::LinalgOp op,
                                                const DimLoops &dimLoops,
                                                int64_t groups) {
  FailureOr<SmallVector<TileStep, 4>> steps =
      planLayer(op, dimLoops, groups, "kapla-materialize");
  if (::mlir::failed(steps))
    return failure();
  if (steps->empty())
    return success(); // one tile: the op is its own nest

  MLIRContext *ctx = op->getContext();
  Location loc = op->getLoc();
  SmallVector<NamedAttribute> kaplaAttrs;
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (a.getName().strref().starts_with("kapla.") &&
        a.getName() != KaplaDialect::kWeightsAttrName)
      kaplaAttrs.push_back(a);

  TilingInterface current = cast<TilingInterface>(op.getOperation());
  Operation *outermost = nullptr;
  // The loops over parallel dims the nest starts with (sequential loops and
  // foralls): inside them each iteration makes a finished tile of the
  // output. By tiling: upstream consumer fusion goes through the loops of
  // one tiling (the inner ones yield what the innermost inserts), so an
  // epilogue is fused one tiling at a time.
  SmallVector<SmallVector<LoopLikeOpInterface>> parallelPrefix;
  bool prefixOpen = true;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (const TileStep &step : *steps) {
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(ctx, step.sizes));
    if (step.kind != TileStep::Kind::For)
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
          .setMapping(step.mapping);
    if (step.kind == TileStep::Kind::PartialForall)
      options
          .setReductionTilingStrategy(
              ReductionTilingStrategy::PartialReductionOuterParallel)
          .setReductionDims(step.reductionDims)
          .setNumThreads(getAsIndexOpFoldResult(ctx, step.threads));
    rw.setInsertionPoint(current);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rw, current, options);
    // `op` is replaced by the first tiling: diagnostics go to its location.
    if (::mlir::failed(tiled))
      return emitError(loc)
             << "kapla-materialize: cannot tile the "
             << stringifyMemLevel(step.loop.level) << " "
             << (step.loop.spatial ? "stack" : "update") << " #"
             << step.loop.index << " over " << stringifyDim(step.loop.dim)
             << ": scf::tileUsingSCF failed";
    rw.replaceOp(current, tiled->replacements);
    // A forall counts stack positions from 0 by 1 (as the transform op
    // tile_using_forall leaves it): its extent is the positions.
    if (step.kind == TileStep::Kind::Forall)
      for (LoopLikeOpInterface &loop : tiled->loops)
        if (auto forall = dyn_cast<scf::ForallOp>(loop.getOperation())) {
          FailureOr<scf::ForallOp> normalized = normalizeForallOp(rw, forall);
          if (::mlir::succeeded(normalized))
            loop = *normalized;
        }
    if (!outermost && !tiled->loops.empty())
      outermost = tiled->loops.front();
    if (step.stack)
      for (LoopLikeOpInterface loop : tiled->loops)
        loop->setAttr(KaplaDialect::kStackAttrName, step.stack);
    bool parallelOnly = step.kind != TileStep::Kind::PartialForall;
    for (unsigned j = 0; j < step.sizes.size(); ++j)
      parallelOnly &=
          step.sizes[j] == 0 || iters[j] == utils::IteratorType::parallel;
    prefixOpen &= parallelOnly && (step.kind == TileStep::Kind::For ||
                                   step.kind == TileStep::Kind::Forall);
    if (prefixOpen && !tiled->loops.empty())
      parallelPrefix.emplace_back(tiled->loops.begin(), tiled->loops.end());
    current = cast<TilingInterface>(tiled->tiledOps.back());
  }
  // Element-wise epilogues of the layer (bias, ReLU, ...) that read only
  // its output go into the innermost loop of the prefix, where a tile of
  // the output is final (scf::tileAndFuseConsumer, one tiling at a time: the
  // epilogue fused into the loops of one reads the tile the next one's
  // outermost loop makes). Not deeper: inside a loop over a reduction dim
  // the output is a partial sum.
  if (fuseEpilogues && !parallelPrefix.empty()) {
    while (true) {
      Operation *outer = parallelPrefix.front().front();
      Value result = outer->getResult(outer->getNumResults() - 1);
      if (!result.hasOneUse())
        break;
      Operation *only = *result.getUsers().begin();
      // The layer's segment yields its output to the epilogue after the
      // segment: the epilogue moves into the segment (it is part of the
      // layer, as kapla-import reads it) and the segment yields its result.
      if (auto yield = dyn_cast<YieldOp>(only)) {
        unsigned idx = result.getUses().begin()->getOperandNumber();
        Value segResult = yield->getParentOp()->getResult(idx);
        auto epilogue =
            segResult.hasOneUse()
                ? dyn_cast<linalg::GenericOp>(*segResult.getUsers().begin())
                : linalg::GenericOp();
        Operation *segment = yield->getParentOp();
        if (!epilogue || getLayer(epilogue) ||
            epilogue->getBlock() != segment->getBlock() ||
            epilogue->getNumResults() != 1 ||
            epilogue->getResult(0).getType() != segResult.getType())
          break;
        // What else it reads (its init) must be there before the segment.
        if (!hoistInits(rw, epilogue, segment,
                        [&](Value v) { return v == segResult; }))
          break;
        rw.moveOpBefore(epilogue, yield);
        rw.replaceAllUsesWith(epilogue->getResult(0), segResult);
        rw.modifyOpInPlace(epilogue, [&] {
          for (OpOperand &o : epilogue->getOpOperands())
            if (o.get() == segResult)
              o.set(result);
        });
        rw.modifyOpInPlace(
            yield, [&] { yield->setOperand(idx, epilogue->getResult(0)); });
        only = epilogue;
      }
      auto user = dyn_cast<linalg::GenericOp>(only);
      if (!user || user->getBlock() != outer->getBlock() || getLayer(user) ||
          user.getNumReductionLoops() != 0 || user->getNumResults() != 1 ||
          !user.hasPureTensorSemantics())
        break;
      // What the epilogue reads besides the layer (a bias, its init) must
      // be there before the loops.
      if (!hoistInits(rw, user, outer,
                      [&](Value v) { return v.getDefiningOp() == outer; }))
        break;
      // Fuses `consumer` into the loops of one tiling; the tiled consumer,
      // or null.
      auto fuseInto =
          [&](Operation *consumer,
              SmallVector<LoopLikeOpInterface> &loops) -> Operation * {
        rw.setInsertionPoint(consumer);
        FailureOr<scf::SCFFuseConsumerOfSliceResult> r =
            scf::tileAndFuseConsumer(rw, consumer, loops);
        if (::mlir::failed(r) || r->tiledOps.empty())
          return nullptr;
        if (isOpTriviallyDead(consumer))
          rw.eraseOp(consumer);
        return r->tiledOps.front();
      };
      Operation *tiledUser = fuseInto(user, parallelPrefix.front());
      if (!tiledUser)
        break;
      // Deeper, one tiling at a time, while the tile it reads is the
      // result of the next tiling's outermost loop.
      for (size_t k = 1; k < parallelPrefix.size(); ++k) {
        Operation *inner = parallelPrefix[k].front();
        // Fusion leaves the epilogue reading a slice of the tile inserted
        // just before it, at offsets computed anew: with those made one
        // (CSE), the slice folds to the tile.
        Operation *scope = tiledUser->getParentOp();
        {
          // CSE must not take the epilogue or a loop of the nest with it
          // (an identical op): then the fusion stops here.
          struct Erased : RewriterBase::Listener {
            llvm::SmallPtrSet<Operation *, 16> ops;
            void notifyOperationErased(Operation *op) override {
              ops.insert(op);
            }
          } erased;
          OpBuilder::Listener *previous = rw.getListener();
          rw.setListener(&erased);
          DominanceInfo dominance(scope);
          eliminateCommonSubExpressions(rw, dominance, scope);
          rw.setListener(previous);
          bool lost = erased.ops.contains(tiledUser);
          for (size_t j = k; j < parallelPrefix.size(); ++j)
            for (LoopLikeOpInterface loop : parallelPrefix[j])
              lost |= erased.ops.contains(loop.getOperation());
          if (lost) {
            parallelPrefix.truncate(k);
            break;
          }
        }
        SmallVector<Operation *> slices;
        for (Value v : tiledUser->getOperands())
          if (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>())
            slices.push_back(slice);
        if (!slices.empty())
          (void)applyOpPatternsGreedily(
              slices, FrozenRewritePatternSet(
                          RewritePatternSet(tiledUser->getContext())));
        auto isTile = [&](Value v) { return v.getDefiningOp() == inner; };
        if (!llvm::any_of(tiledUser->getOperands(), isTile) ||
            !hoistInits(rw, tiledUser, inner, isTile, /*slices=*/true))
          break;
        Operation *deeper = fuseInto(tiledUser, parallelPrefix[k]);
        if (!deeper)
          break;
        tiledUser = deeper;
      }
    }
    outermost = parallelPrefix.front().front();
  }
  // The innermost op computes one tile; the nest carries the layer.
  if (outermost) {
    outermost->walk(
        [&](Operation *inner) { stripKaplaAttrs(inner, /*keepStack=*/true); });
    for (NamedAttribute a : kaplaAttrs)
      outermost->setAttr(a.getName(), a.getValue());
  }
  return success();
}

struct KaplaStripSchedulePass
    : public mlir::kapla::impl::KaplaStripSchedulePassBase<
          KaplaStripSchedulePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SegmentOp> segments;
    module.walk([&](SegmentOp seg) { segments.push_back(seg); });
    IRRewriter rw(&getContext());
    for (SegmentOp seg : segments) {
      Block &body = seg.getBody().front();
      Operation *yield = body.getTerminator();
      SmallVector<Value> yielded(yield->getOperands());
      rw.eraseOp(yield);
      rw.inlineBlockBefore(&body, seg);
      rw.replaceOp(seg, yielded);
    }
    module.walk([&](Operation *op) {
      stripKaplaAttrs(op, /*keepStack=*/keepMappings);
      if (auto forall = dyn_cast<scf::ForallOp>(op);
          !keepMappings && forall && forall.getMapping() &&
          llvm::any_of(*forall.getMapping(),
                       llvm::IsaPred<NodeMappingAttr, PEMappingAttr>))
        forall.setMappingAttr(nullptr);
      if (auto func = dyn_cast<FunctionOpInterface>(op))
        for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
          SmallVector<NamedAttribute> kept;
          for (NamedAttribute a : func.getArgAttrs(i))
            if (!a.getName().strref().starts_with("kapla."))
              kept.push_back(a);
          func.setArgAttrs(i, kept);
        }
    });
  }
};

/// Prints `values` as `[a, b, c]`.
std::string bracketed(ArrayRef<int64_t> values) {
  std::string out = "[";
  llvm::raw_string_ostream os(out);
  llvm::interleaveComma(values, os);
  os << "]";
  return out;
}

constexpr const char *kAnyOp = "!transform.any_op";

/// Writes the transform op that matches the layer `op` by its kapla.name in
/// the payload of handle `in`, as handle `handle`.
void emitMatch(llvm::raw_ostream &os, StringRef handle, Operation *op,
               StringRef in) {
  os << "    " << handle << " = transform.structured.match ops{[\""
     << op->getName()
     << "\"]} attributes {kapla.name = " << getLayerNameAttr(op) << "} in "
     << in << " : (" << kAnyOp << ") -> " << kAnyOp << "\n";
}

/// Writes the transform ops that make the nest of `steps` from the op in
/// handle `%<p>op0`; the handles they make are named with prefix `p` too.
void emitSteps(llvm::raw_ostream &os, StringRef p, ArrayRef<TileStep> steps) {
  const char *any = kAnyOp;
  for (auto [i, step] : llvm::enumerate(steps)) {
    const NestLoop &l = step.loop;
    os << "    // " << stringifyMemLevel(l.level) << " "
       << (l.spatial ? "stack" : "update") << " #" << l.index << " over "
       << stringifyDim(l.dim) << "\n";
    std::string n = std::to_string(i + 1);
    std::string in = ("%" + p + "op" + Twine(i)).str();
    std::string out = ("%" + p + "op" + n).str();
    std::string loops = ("%" + p + "loops" + n).str();
    std::string mapping;
    llvm::raw_string_ostream ms(mapping);
    ms << "[";
    llvm::interleaveComma(step.mapping, ms, [&](Attribute a) { a.print(ms); });
    ms << "]";
    switch (step.kind) {
    case TileStep::Kind::For: {
      int64_t count = llvm::count_if(step.sizes, [](int64_t t) { return t; });
      os << "    " << out << ", " << loops << ":" << count
         << " = transform.structured.tile_using_for " << in << " tile_sizes "
         << bracketed(step.sizes) << " : (" << any << ") -> (" << any;
      for (int64_t k = 0; k < count; ++k)
        os << ", " << any;
      os << ")\n";
      if (step.stack) {
        os << "    %" << p << "stack" << n << " = transform.param.constant "
           << step.stack << " -> !transform.any_param\n";
        for (int64_t k = 0; k < count; ++k)
          os << "    transform.annotate " << loops << "#" << k
             << " \"kapla.stack\" = %" << p << "stack" << n << " : " << any
             << ", !transform.any_param\n";
      }
      break;
    }
    case TileStep::Kind::Forall:
      os << "    " << out << ", " << loops
         << " = transform.structured.tile_using_forall " << in << " tile_sizes "
         << bracketed(step.sizes) << " (mapping = " << mapping << ") : (" << any
         << ") -> (" << any << ", " << any << ")\n";
      break;
    case TileStep::Kind::PartialForall: {
      SmallVector<int64_t> dims(step.reductionDims.begin(),
                                step.reductionDims.end());
      os << "    %" << p << "fill" << n << ", " << out << ", %" << p << "merge"
         << n << ", " << loops
         << " = transform.structured.tile_reduction_using_forall " << in
         << " reduction_dims = " << bracketed(dims)
         << " by num_threads = " << bracketed(step.threads)
         << " tile_sizes = " << bracketed(step.sizes)
         << " mapping = " << mapping << " : (" << any << ") -> (" << any << ", "
         << any << ", " << any << ", " << any << ")\n";
      break;
    }
    }
  }
}

/// A segment's batch-group loop as kapla-materialize builds it: how it is
/// built, and the nest of each layer in it (planned on the layer's op for
/// one group), in order.
struct SegmentScript {
  GroupLoopPlan plan;
  struct LayerNest {
    Operation *op; ///< the layer in the segment
    SmallVector<TileStep, 4> steps;
  };
  SmallVector<LayerNest, 4> nests;
};

/// Builds the batch-group loop of `seg` as kapla-materialize does, on a copy
/// of it (erased after), into `script`. Failure after an error.
LogicalResult planSegmentLoop(IRRewriter &rw, SegmentOp seg,
                              const LoopDimsByName &byName,
                              SegmentScript &script, StringRef pass) {
  SmallVector<Operation *> body = llvm::map_to_vector(
      seg.getBody().front(), [](Operation &o) { return &o; });
  rw.setInsertionPoint(seg);
  auto copy = cast<SegmentOp>(rw.clone(*seg.getOperation()));
  llvm::DenseMap<Operation *, int64_t> grouped;
  script.plan.upstreamOnly = true;
  FailureOr<SegmentOp> built =
      buildSegmentLoop(rw, copy, byName, grouped, script.plan, pass);
  bool ok = ::mlir::succeeded(built);
  // The copy as it is now (the copy of it that replaced it, if so).
  SegmentOp result = ok ? *built : copy;
  if (ok && script.plan.groups > 1)
    (*built)->walk([&](linalg::LinalgOp t) {
      int64_t groups = grouped.lookup(t);
      if (groups <= 1)
        return;
      LayerDesc layer = toCore(getLayer(t));
      cutDim(layer, Dim::N, layer.n / groups);
      FailureOr<DimLoops> dimLoops = layerLoops(t, layer, byName, pass);
      FailureOr<SmallVector<TileStep, 4>> steps = failure();
      if (::mlir::succeeded(dimLoops))
        steps = planLayer(t, *dimLoops, groups, pass);
      if (::mlir::failed(steps)) {
        ok = false;
        return;
      }
      // The layer of the segment this one is a tile of, by name.
      Operation *original = nullptr;
      if (StringAttr name = getLayerNameAttr(t))
        for (Operation *o : body)
          if (getLayerNameAttr(o) == name)
            original = o;
      if (!original) {
        script.plan.unplaced = true;
        return;
      }
      script.nests.push_back({original, std::move(*steps)});
    });
  rw.eraseOp(result);
  return success(ok);
}

struct KaplaEmitTransformPass
    : public mlir::kapla::impl::KaplaEmitTransformPassBase<
          KaplaEmitTransformPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    linalg::registerTilingInterfaceExternalModels(registry);
    tensor::registerTilingInterfaceExternalModels(registry);
    registerLayerOpInterfaceModels(registry);
  }

  /// Writes to `os` the start of the named sequence `@name` over function
  /// `func` (handle `%func`).
  static void beginSequence(llvm::raw_ostream &os, StringRef name,
                            FunctionOpInterface func) {
    os << "  transform.named_sequence @" << name << "(%root: " << kAnyOp
       << " {transform.readonly}) {\n";
    os << "    %func = transform.structured.match ops{[\"" << func->getName()
       << "\"]} attributes {sym_name = \"" << func.getName() << "\"} in %root"
       << " : (" << kAnyOp << ") -> " << kAnyOp << "\n";
  }

  /// Appends to `os` the named sequence `@name` that makes the nest of
  /// `steps` for the layer `op` of `func`.
  static void emitSequence(llvm::raw_ostream &os, StringRef name,
                           FunctionOpInterface func, linalg::LinalgOp op,
                           ArrayRef<TileStep> steps) {
    os << "  // " << getLayerNameAttr(op).getValue() << " in @"
       << func.getName() << ": " << op->getName() << "\n";
    beginSequence(os, name, func);
    emitMatch(os, "%op0", op, "%func");
    emitSteps(os, "", steps);
    os << "    transform.yield\n  }\n";
  }

  /// Appends to `os` the named sequence `@name` that builds the batch-group
  /// loop of segment `seg` of `func` as `script` says, then the nest of each
  /// layer in it. Handles `%g0`, `%g1`, ... are the layer the loop tiles and
  /// the ops fused into it, in order: a layer is found by its kapla.name,
  /// another op as the producer of an operand of one before it. Fails,
  /// writing nothing, when an op is neither.
  static LogicalResult emitGroupSequence(llvm::raw_ostream &os, StringRef name,
                                         FunctionOpInterface func,
                                         SegmentOp seg,
                                         const SegmentScript &script) {
    const GroupLoopPlan &plan = script.plan;
    SmallVector<Operation *> body = llvm::map_to_vector(
        seg.getBody().front(), [](Operation &o) { return &o; });
    SmallVector<Operation *> ops = {body[plan.last]};
    for (unsigned i : plan.fused)
      ops.push_back(body[i]);
    std::string text;
    llvm::raw_string_ostream ts(text);
    for (auto [i, op] : llvm::enumerate(ops)) {
      std::string handle = "%g" + std::to_string(i);
      if (getLayerNameAttr(op) && getLayer(op)) {
        emitMatch(ts, handle, op, "%func");
        continue;
      }
      // A reader of it that is already held.
      bool found = false;
      for (auto [k, reader] : llvm::enumerate(ArrayRef(ops).take_front(i))) {
        for (OpOperand &use : reader->getOpOperands())
          if (use.get().getDefiningOp() == op) {
            ts << "    " << handle << " = transform.get_producer_of_operand %g"
               << k << "[" << use.getOperandNumber() << "] : (" << kAnyOp
               << ") -> " << kAnyOp << "\n";
            found = true;
            break;
          }
        if (found)
          break;
      }
      if (!found)
        return failure();
    }
    int64_t numLoops = llvm::count_if(plan.sizes, [](int64_t t) { return t; });
    ts << "    // the batch-group loop: " << plan.groups << " groups of N\n";
    ts << "    %tiled, %group:" << numLoops
       << " = transform.structured.tile_using_for %g0 tile_sizes "
       << bracketed(plan.sizes) << " : (" << kAnyOp << ") -> (" << kAnyOp;
    for (int64_t k = 0; k < numLoops; ++k)
      ts << ", " << kAnyOp;
    ts << ")\n";
    std::string loop = "%group#0";
    auto cse = [&] {
      if (plan.sharing)
        ts << "    transform.apply_cse to " << loop << " : " << kAnyOp << "\n";
    };
    cse();
    for (size_t i = 1; i < ops.size(); ++i) {
      std::string next = "%group" + std::to_string(i);
      ts << "    %fused" << i << ", " << next
         << " = transform.structured.fuse_into_containing_op %g" << i
         << " into " << loop << " : (" << kAnyOp << ", " << kAnyOp << ") -> ("
         << kAnyOp << ", " << kAnyOp << ")\n";
      loop = next;
      cse();
    }
    // The layers that do not feed the last one: each tiled with what feeds
    // it into a loop of its own, which joins the segment's loop
    // (transform.loop.fuse_sibling, the branch's body first).
    for (auto [b, sib] : llvm::enumerate(plan.siblings)) {
      std::string p = "%b" + std::to_string(b) + "_";
      SmallVector<Operation *> branch = {body[sib.last]};
      for (unsigned i : sib.fused)
        branch.push_back(body[i]);
      for (auto [i, op] : llvm::enumerate(branch)) {
        std::string handle = p + std::to_string(i);
        if (getLayerNameAttr(op) && getLayer(op)) {
          emitMatch(ts, handle, op, "%func");
          continue;
        }
        bool found = false;
        for (auto [k, reader] : llvm::enumerate(ArrayRef(branch).take_front(i)))
          for (OpOperand &use : reader->getOpOperands())
            if (!found && use.get().getDefiningOp() == op) {
              ts << "    " << handle << " = transform.get_producer_of_operand "
                 << p << k << "[" << use.getOperandNumber() << "] : (" << kAnyOp
                 << ") -> " << kAnyOp << "\n";
              found = true;
            }
        // The epilogue that ends the branch: the reader of its layer.
        if (!found && i == 0)
          for (auto [k, op2] : llvm::enumerate(branch))
            if (!found && getLayerNameAttr(op2) && getLayer(op2) &&
                llvm::is_contained(op->getOperands(), op2->getResult(0))) {
              std::string layer = p + "layer";
              emitMatch(ts, layer, op2, "%func");
              ts << "    " << handle << " = transform.get_consumers_of_result "
                 << layer << "[0] : (" << kAnyOp << ") -> " << kAnyOp << "\n";
              found = true;
            }
        if (!found)
          return failure();
      }
      ts << "    // layers that do not feed the last one: a loop of their "
            "own,\n"
         << "    // joined to the batch-group loop\n";
      ts << "    " << p << "tiled, " << p << "loop:1"
         << " = transform.structured.tile_using_for " << p << "0 tile_sizes "
         << bracketed(sib.sizes) << " : (" << kAnyOp << ") -> (" << kAnyOp
         << ", " << kAnyOp << ")\n";
      std::string own = p + "loop#0";
      for (size_t i = 1; i < branch.size(); ++i) {
        std::string next = p + "loop" + std::to_string(i);
        ts << "    " << p << "fused" << i << ", " << next
           << " = transform.structured.fuse_into_containing_op " << p << i
           << " into " << own << " : (" << kAnyOp << ", " << kAnyOp << ") -> ("
           << kAnyOp << ", " << kAnyOp << ")\n";
        own = next;
      }
      // The two loops' bounds as the same values (fuse_sibling asks it).
      ts << "    transform.apply_cse to %func : " << kAnyOp << "\n";
      std::string joined = p + "joined";
      ts << "    " << joined << " = transform.loop.fuse_sibling " << own
         << " into " << loop << " : (" << kAnyOp << ", " << kAnyOp << ") -> "
         << kAnyOp << "\n";
      loop = joined;
    }
    // A value several joined layers read: their slices of it made one,
    // then fused once.
    for (auto [i, at] : llvm::enumerate(plan.joinedFused)) {
      Operation *op = body[at];
      std::string handle = "%j" + std::to_string(i);
      if (getLayerNameAttr(op) && getLayer(op)) {
        emitMatch(ts, handle, op, "%func");
      } else {
        bool found = false;
        for (auto [k, earlier] :
             llvm::enumerate(ArrayRef(plan.joinedFused).take_front(i)))
          for (OpOperand &use : body[earlier]->getOpOperands())
            if (!found && use.get().getDefiningOp() == op) {
              ts << "    " << handle
                 << " = transform.get_producer_of_operand %j" << k << "["
                 << use.getOperandNumber() << "] : (" << kAnyOp << ") -> "
                 << kAnyOp << "\n";
              found = true;
            }
        if (!found)
          return failure();
      }
      if (i == 0)
        ts << "    // read by several joined layers: fused once\n";
      ts << "    transform.apply_cse to " << loop << " : " << kAnyOp << "\n";
      std::string next = "%jloop" + std::to_string(i);
      ts << "    %jfused" << i << ", " << next
         << " = transform.structured.fuse_into_containing_op " << handle
         << " into " << loop << " : (" << kAnyOp << ", " << kAnyOp << ") -> ("
         << kAnyOp << ", " << kAnyOp << ")\n";
      loop = next;
    }
    // The ops fused are left without readers.
    ts << "    transform.apply_dce to %func : " << kAnyOp << "\n";
    for (auto [i, nest] : llvm::enumerate(script.nests)) {
      std::string p = "l" + std::to_string(i) + "_";
      ts << "    // " << getLayerNameAttr(nest.op).getValue()
         << ", one group\n";
      emitMatch(ts, "%" + p + "op0", nest.op, loop);
      emitSteps(ts, p, nest.steps);
    }
    os << "  // a segment of @" << func.getName() << ": ";
    llvm::interleaveComma(script.nests, os, [&](const auto &nest) {
      os << getLayerNameAttr(nest.op).getValue();
    });
    os << " in one batch-group loop\n";
    beginSequence(os, name, func);
    os << text << "    transform.yield\n  }\n";
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rw(&getContext());
    std::string text;
    llvm::raw_string_ostream os(text);
    SmallVector<std::string> sequences;
    auto nextName = [&] {
      sequences.push_back("kapla_" + std::to_string(sequences.size()));
      return sequences.back();
    };
    const char *pass = "kapla-emit-transform";
    bool ok = true;
    for (auto func : module.getOps<FunctionOpInterface>()) {
      LoopDimsByName byName = readAllLoopDims(func);
      // Pipelined segments first: the batch-group loop each one shares.
      llvm::SmallPtrSet<Operation *, 16> inGroupLoop;
      SmallVector<SegmentOp> segments;
      func->walk([&](SegmentOp seg) { segments.push_back(seg); });
      for (SegmentOp seg : segments) {
        SmallVector<linalg::LinalgOp> segLayers;
        if (sharedGroups(seg, segLayers) <= 1)
          continue;
        SegmentScript script;
        if (::mlir::failed(planSegmentLoop(rw, seg, byName, script, pass))) {
          ok = false;
          continue;
        }
        if (script.plan.groups <= 1)
          continue;
        const char *why = nullptr;
        if (script.plan.throughConcat)
          why = "it takes each group out of the parts of a concatenation "
                "(tensor.insert_slice), which no transform op does";
        else if (script.plan.readAfter)
          why = "it yields a value of the segment that is read after it, and "
                "transform.structured.fuse_into_containing_op does not make an "
                "scf.for yield what it fuses";
        else if (script.plan.unplaced)
          why = "an op it fuses is not an op of the segment";
        std::string sequence;
        llvm::raw_string_ostream ss(sequence);
        if (!why && ::mlir::failed(emitGroupSequence(
                        ss, "kapla_" + std::to_string(sequences.size()), func,
                        seg, script)))
          why = "an op it fuses is neither a layer nor read by an op fused "
                "before it";
        if (why) {
          seg->emitWarning()
              << pass
              << ": the batch-group loop of the segment is not in the script "
                 "(its layers get loops of their own): "
              << why;
          continue;
        }
        if (script.plan.leftOut)
          seg->emitWarning()
              << pass
              << ": the script's batch-group loop leaves out what only "
                 "kapla-materialize joins to it, as "
                 "kapla-materialize{upstream-loops=true} does: backward "
                 "layers (transform ops would fuse them out of the segment's "
                 "order), a layer whose output scatters into windows (merging "
                 "its loop is a loop fusion no transform op does), a value "
                 "read in part of a group (cutting that part from whole "
                 "groups is no transform op)";
        if (script.plan.outOfOrder)
          seg->emitWarning()
              << pass << ": the script's batch-group loop runs layer '"
              << script.plan.outOfOrder->second << "' before '"
              << script.plan.outOfOrder->first
              << "', unlike the segment (transform ops fuse each producer "
                 "where its reader takes a slice of it, and no transform op "
                 "moves it; kapla-materialize puts it back): the forwarded "
                 "data its GBUFs hold then differs from the schedule's";
        nextName();
        os << sequence;
        for (const SegmentScript::LayerNest &nest : script.nests)
          inGroupLoop.insert(nest.op);
      }
      SmallVector<linalg::LinalgOp> layers;
      SmallVector<FailureOr<DimLoops>> loops;
      ok &= succeeded(collectLayers(func, pass, byName, layers, loops));
      for (auto [op, dimLoops] : llvm::zip(layers, loops)) {
        if (inGroupLoop.contains(op))
          continue;
        if (::mlir::failed(dimLoops)) {
          ok = false;
          continue;
        }
        if (!getLayerNameAttr(op)) {
          op->emitError() << pass
                          << ": the layer has no kapla.name to be "
                             "found by";
          ok = false;
          continue;
        }
        FailureOr<SmallVector<TileStep, 4>> steps =
            planLayer(op, *dimLoops, /*groups=*/0, pass);
        if (::mlir::failed(steps)) {
          ok = false;
          continue;
        }
        if (steps->empty())
          continue;
        emitSequence(os, nextName(), func, op, *steps);
      }
    }
    if (!ok)
      return signalPassFailure();
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(output, &error);
    if (!file) {
      module.emitError() << pass << ": cannot write '" << output
                         << "': " << error;
      return signalPassFailure();
    }
    llvm::raw_ostream &out = file->os();
    out << "// The loop nests of kapla's schedule, as upstream transform "
           "ops\n// (kapla-emit-transform).\n";
    out << "module attributes {transform.with_named_sequence} {\n" << text;
    out << "  transform.named_sequence @__transform_main(%root: " << kAnyOp
        << " {transform.readonly}) {\n";
    for (const std::string &name : sequences)
      out << "    transform.include @" << name << " failures(propagate) (%root)"
          << " : (" << kAnyOp << ") -> ()\n";
    out << "    transform.yield\n  }\n}\n";
    file->keep();
    markAllAnalysesPreserved();
  }
};

} // namespace
