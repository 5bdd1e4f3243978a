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

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAMATERIALIZEPASS
#define GEN_PASS_DEF_KAPLASTRIPSCHEDULEPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

constexpr Dim kLoopDims[] = {Dim::N,  Dim::C, Dim::K, Dim::Ho,
                             Dim::Wo, Dim::R, Dim::S};

/// For each layer dim, the loop of the op that runs over it (-1: none, the
/// dim is 1), checked against the extents of `layer`. Emits an error and
/// fails when the op and its layer disagree.
FailureOr<std::array<int, kNumDims>> layerLoops(linalg::LinalgOp op,
                                                const LayerDesc &layer) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges)) {
    op->emitError() << "kapla-materialize: the op has dynamic loop ranges";
    return failure();
  }
  SmallVector<std::optional<Dim>, 8> dims;
  if (auto layerOp = dyn_cast<LayerOpInterface>(op.getOperation())) {
    ArrayRef<int64_t> weightOperands = getWeightOperands(op);
    auto isWeight = [&](Value v) {
      for (int64_t w : weightOperands)
        if (w < int64_t(op->getNumOperands()) && op->getOperand(w) == v)
          return true;
      return false;
    };
    llvm::Expected<LayerReading> r = layerOp.readLayer(ranges, isWeight);
    if (!r)
      llvm::consumeError(r.takeError());
    else if (r->role == LayerReading::Role::Layer &&
             r->loopDims.size() == ranges.size())
      dims = r->loopDims;
  }
  // An element-wise layer: its dims are those of the op's parallel loops,
  // matched by extent in the order N, C, Ho, Wo (its layout may be NHWC).
  if (dims.empty() && layer.kind == LayerKind::Eltwise &&
      op.getNumReductionLoops() == 0) {
    dims.assign(ranges.size(), std::nullopt);
    for (Dim d : {Dim::N, Dim::C, Dim::Ho, Dim::Wo}) {
      int64_t e = layer.extent(d);
      if (e == 1)
        continue;
      for (auto [j, r] : llvm::enumerate(ranges))
        if (!dims[j] && r == e) {
          dims[j] = d;
          break;
        }
    }
  }
  if (dims.empty()) {
    op->emitError() << "kapla-materialize: cannot tell which dim of its "
                       "kapla.layer each loop of the op runs over";
    return failure();
  }
  std::array<int, kNumDims> loopOf;
  loopOf.fill(-1);
  // Depthwise, pooling and element-wise layers keep K == C: one loop.
  bool tiedK = layer.kind == LayerKind::DWConv ||
               layer.kind == LayerKind::Pool ||
               layer.kind == LayerKind::Eltwise;
  for (Dim d : kLoopDims) {
    if (d == Dim::K && tiedK)
      continue;
    int64_t product = 1;
    for (auto [j, r] : llvm::enumerate(ranges)) {
      if (dims[j] != d || r == 1)
        continue;
      if (loopOf[int(d)] >= 0) {
        op->emitError() << "kapla-materialize: dim " << stringifyDim(d)
                        << " of the layer runs over two loops of the op ("
                        << loopOf[int(d)] << " and " << j
                        << "), which materialisation does not split";
        return failure();
      }
      loopOf[int(d)] = int(j);
      product *= r;
    }
    if (product != layer.extent(d)) {
      InFlightDiagnostic diag = op->emitError()
                                << "kapla-materialize: the op runs over "
                                << stringifyDim(d) << " = " << product
                                << " but its kapla.layer has "
                                << stringifyDim(d) << " = " << layer.extent(d);
      if (d == Dim::N)
        diag << " (the schedule is for another batch than the IR computes: "
                "materialise a network scheduled at its exported batch)";
      return failure();
    }
  }
  // Loops the layer has no dim for must be of extent 1.
  for (auto [j, r] : llvm::enumerate(ranges))
    if (r != 1 && !llvm::is_contained(loopOf, int(j))) {
      op->emitError() << "kapla-materialize: loop " << j << " of the op (" << r
                      << " iterations) runs over no dim of its kapla.layer";
      return failure();
    }
  return loopOf;
}

/// Removes every kapla.* attribute from `op`.
void stripKaplaAttrs(Operation *op) {
  SmallVector<StringAttr> names;
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (a.getName().strref().starts_with("kapla."))
      names.push_back(a.getName());
  for (StringAttr n : names)
    op->removeDiscardableAttr(n);
}

struct KaplaMaterializePass
    : public mlir::kapla::impl::KaplaMaterializePassBase<KaplaMaterializePass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // linalg ops are tiled through external models of TilingInterface and
    // PartialReductionOpInterface.
    linalg::registerTilingInterfaceExternalModels(registry);
    // Which layer dim each loop runs over comes from LayerOpInterface.
    registerLayerOpInterfaceModels(registry);
  }

  LogicalResult materialize(IRRewriter &rw, linalg::LinalgOp op,
                            LayerAttr layerAttr, DataflowAttr dataflowAttr);

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> layers;
    bool failed = false;
    getOperation().walk([&](Operation *op) {
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
      op->emitError() << "kapla-materialize: '" << op->getName()
                      << "' is not a linalg op on tensors; only those can be "
                         "tiled";
      failed = true;
    });
    IRRewriter rw(&getContext());
    for (linalg::LinalgOp op : layers)
      if (::mlir::failed(materialize(rw, op, getLayer(op), getDataflow(op))))
        failed = true;
    if (failed)
      signalPassFailure();
  }
};

LogicalResult KaplaMaterializePass::materialize(IRRewriter &rw,
                                                linalg::LinalgOp op,
                                                LayerAttr layerAttr,
                                                DataflowAttr dataflowAttr) {
  LayerDesc layer = toCore(layerAttr);
  llvm::Expected<SmallVector<NestLoop, 12>> nest =
      buildLoopNest(layer, toCore(dataflowAttr));
  if (!nest)
    return op->emitError() << "kapla-materialize: the dataflow is no loop "
                              "nest: "
                           << llvm::toString(nest.takeError());
  FailureOr<std::array<int, kNumDims>> loopOf = layerLoops(op, layer);
  if (::mlir::failed(loopOf))
    return failure();
  if (nest->empty())
    return success(); // one tile: the op is its own nest

  MLIRContext *ctx = op->getContext();
  Location loc = op->getLoc();
  SmallVector<NamedAttribute> kaplaAttrs;
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (a.getName().strref().starts_with("kapla.") &&
        a.getName() != KaplaDialect::kWeightsAttrName)
      kaplaAttrs.push_back(a);
  ArrayRef<int64_t> region;
  if (ConstraintAttr c = getConstraint(op))
    region = c.getRegion();
  SmallVector<int64_t> fullRegion;
  if (region.empty()) {
    ArchAttr arch = getEnclosingArch(op);
    ArchDesc desc = arch ? toCore(arch) : defaultArch();
    fullRegion = {0, 0, desc.nodeRows, desc.nodeCols};
    region = fullRegion;
  }

  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  auto zeros = [&] { return SmallVector<int64_t>(numLoops, 0); };
  auto mappingOf = [&](const NestLoop &l) -> Attribute {
    if (l.level == MemLevel::Gbuf)
      return NodeMappingAttr::get(ctx, l.index, region);
    return PEMappingAttr::get(ctx, l.index);
  };

  TilingInterface current = cast<TilingInterface>(op.getOperation());
  Operation *outermost = nullptr;
  // `op` is replaced by the first tiling: diagnostics go to its location.
  auto fail = [&](const NestLoop &l, StringRef what) {
    return emitError(loc) << "kapla-materialize: cannot tile the "
                          << stringifyMemLevel(l.level) << " "
                          << (l.spatial ? "stack" : "update") << " #" << l.index
                          << " over " << stringifyDim(l.dim) << ": " << what;
  };
  rw.setInsertionPoint(op);
  for (size_t i = 0; i < nest->size();) {
    const NestLoop &l = (*nest)[i];
    if (!l.spatial) {
      SmallVector<int64_t> sizes = zeros();
      sizes[(*loopOf)[int(l.dim)]] = l.step;
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
      rw.setInsertionPoint(current);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rw, current, options);
      if (::mlir::failed(tiled))
        return fail(l, "scf::tileUsingSCF failed");
      rw.replaceOp(current, tiled->replacements);
      if (!outermost && !tiled->loops.empty())
        outermost = tiled->loops.front();
      current = cast<TilingInterface>(tiled->tiledOps.back());
      ++i;
      continue;
    }
    // The stacks of one level: their parallel dims in one forall, their
    // reduction dims in a forall of partial results inside it.
    size_t end = i;
    while (end < nest->size() && (*nest)[end].spatial &&
           (*nest)[end].level == l.level)
      ++end;
    SmallVector<const NestLoop *> parallel, reduction;
    for (size_t k = i; k < end; ++k) {
      int j = (*loopOf)[int((*nest)[k].dim)];
      (iters[j] == utils::IteratorType::reduction ? reduction : parallel)
          .push_back(&(*nest)[k]);
    }
    auto byLoop = [&](const NestLoop *a, const NestLoop *b) {
      return (*loopOf)[int(a->dim)] < (*loopOf)[int(b->dim)];
    };
    llvm::sort(parallel, byLoop);
    llvm::sort(reduction, byLoop);
    if (!parallel.empty()) {
      SmallVector<int64_t> sizes = zeros();
      SmallVector<Attribute> mapping;
      for (const NestLoop *p : parallel) {
        sizes[(*loopOf)[int(p->dim)]] = p->step;
        mapping.push_back(mappingOf(*p));
      }
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, sizes))
          .setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
          .setMapping(mapping);
      rw.setInsertionPoint(current);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rw, current, options);
      if (::mlir::failed(tiled))
        return fail(*parallel.front(), "scf::tileUsingSCF failed");
      rw.replaceOp(current, tiled->replacements);
      if (!outermost && !tiled->loops.empty())
        outermost = tiled->loops.front();
      current = cast<TilingInterface>(tiled->tiledOps.back());
    }
    if (!reduction.empty()) {
      SmallVector<int64_t> threads = zeros(), sizes = zeros();
      SmallVector<unsigned> dims;
      SmallVector<Attribute> mapping;
      for (const NestLoop *r : reduction) {
        int j = (*loopOf)[int(r->dim)];
        threads[j] = r->trips;
        sizes[j] = r->step;
        dims.push_back(unsigned(j));
        mapping.push_back(mappingOf(*r));
      }
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
          .setReductionTilingStrategy(
              ReductionTilingStrategy::PartialReductionOuterParallel)
          .setReductionDims(dims)
          .setNumThreads(getAsIndexOpFoldResult(ctx, threads))
          .setTileSizes(getAsIndexOpFoldResult(ctx, sizes))
          .setMapping(mapping);
      rw.setInsertionPoint(current);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rw, current, options);
      if (::mlir::failed(tiled))
        return fail(*reduction.front(),
                    "scf::tileUsingSCF of partial results failed");
      rw.replaceOp(current, tiled->replacements);
      if (!outermost && !tiled->loops.empty())
        outermost = tiled->loops.front();
      current = cast<TilingInterface>(tiled->tiledOps.back());
    }
    i = end;
  }
  // The innermost op computes one tile; the nest carries the layer.
  if (outermost) {
    outermost->walk([&](Operation *inner) { stripKaplaAttrs(inner); });
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
    module.walk([](Operation *op) {
      stripKaplaAttrs(op);
      if (auto forall = dyn_cast<scf::ForallOp>(op);
          forall && forall.getMapping() &&
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

} // namespace
