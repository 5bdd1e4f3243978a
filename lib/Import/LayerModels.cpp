//===- LayerModels.cpp - LayerOpInterface for linalg ops ------------------===//
//
// How kapla reads a linalg structured op as a layer, from the dims linalg
// infers from its indexing maps: convolution dims (batch, image, filter,
// channels, depth), contraction dims (batch, m, n, k), reductions.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Import/LayerModels.h"
#include "Kapla/IR/KaplaInterfaces.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::kapla;

/// Whether `op` is a quantized contraction: two tensor operands, scalar zero
/// points.
static bool isQuantizedContraction(linalg::LinalgOp op) {
  return isa<linalg::QuantizedMatmulOp, linalg::QuantizedBatchMatmulOp>(
      op.getOperation());
}

FailureOr<linalg::ContractionDimensions>
mlir::kapla::contractionDims(linalg::LinalgOp op) {
  if (!isQuantizedContraction(op)) {
    if (op.getNumDpsInputs() != 2)
      return failure();
    return linalg::inferContractionDims(op);
  }
  return linalg::inferContractionDims(
      {op.getMatchingIndexingMap(op.getDpsInputOperand(0)),
       op.getMatchingIndexingMap(op.getDpsInputOperand(1)),
       op.getMatchingIndexingMap(op.getDpsInitOperand(0))});
}

bool mlir::kapla::isContraction(linalg::LinalgOp op) {
  return linalg::isaContractionOpInterface(op) || isQuantizedContraction(op);
}

bool mlir::kapla::isConvolution(linalg::LinalgOp op) {
  return op.getNumDpsInputs() >= 2 && op.getNumDpsInits() == 1 &&
         succeeded(linalg::inferConvolutionDims(op));
}

namespace {

int64_t product(ArrayRef<int64_t> ranges, ArrayRef<unsigned> dims) {
  int64_t p = 1;
  for (unsigned d : dims)
    p *= ranges[d];
  return p;
}

llvm::Error cannot(const Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
}

/// A pool's batch dims (N and the channels, or the channels alone) in the
/// order the output map gives them (N before C in NCHW and NHWC).
SmallVector<unsigned, 2>
poolBatchAndChannel(linalg::LinalgOp op,
                    const linalg::ConvolutionDimensions &d) {
  SmallVector<unsigned, 2> bc(d.batch.begin(), d.batch.end());
  AffineMap outMap = op.getIndexingMapMatchingResult(op->getResult(0));
  auto pos = [&](unsigned dim) {
    return outMap.getResultPosition(getAffineDimExpr(dim, op.getContext()))
        .value_or(0);
  };
  llvm::sort(bc, [&](unsigned a, unsigned b) { return pos(a) < pos(b); });
  return bc;
}

/// The layer dim of each loop of a convolution-shaped op whose layer is
/// `l`.
llvm::SmallVector<std::optional<Dim>, 8>
convolutionLoopDims(linalg::LinalgOp op, const linalg::ConvolutionDimensions &d,
                    const LayerDesc &l) {
  llvm::SmallVector<std::optional<Dim>, 8> out(op.getNumLoops());
  auto set = [&](ArrayRef<unsigned> loops, Dim dim) {
    for (unsigned i : loops)
      out[i] = dim;
  };
  size_t n = d.outputImage.size();
  if (n == 2) {
    out[d.outputImage[0]] = Dim::Ho;
    out[d.filterLoop[0]] = Dim::R;
  }
  out[d.outputImage[n - 1]] = Dim::Wo;
  out[d.filterLoop[n - 1]] = Dim::S;
  if (l.kind == LayerKind::DWConv) {
    set(d.batch, Dim::N);
    set(d.depth, Dim::C);
    return out;
  }
  if (l.kind == LayerKind::Pool) {
    // The batch dims hold N and the channels: the output orders them.
    SmallVector<unsigned, 2> bc = poolBatchAndChannel(op, d);
    if (bc.size() == 2)
      out[bc[0]] = Dim::N;
    if (!bc.empty())
      out[bc.back()] = Dim::C;
    return out;
  }
  set(d.batch, Dim::N);
  set(d.inputChannel, Dim::C);
  set(d.outputChannel, Dim::K);
  return out;
}

/// The layer of a convolution-shaped op over `ranges`.
llvm::Expected<LayerDesc>
describeConvolution(linalg::LinalgOp op, const linalg::ConvolutionDimensions &d,
                    ArrayRef<int64_t> ranges) {
  if (d.outputImage.size() > 2 || d.filterLoop.size() != d.outputImage.size())
    return cannot("only 1-D and 2-D convolutions are supported");
  LayerDesc l;
  // One image dim is a row of width Wo.
  size_t n = d.outputImage.size();
  l.ho = n == 2 ? ranges[d.outputImage[0]] : 1;
  l.wo = ranges[d.outputImage[n - 1]];
  l.r = n == 2 ? ranges[d.filterLoop[0]] : 1;
  l.s = ranges[d.filterLoop[n - 1]];
  l.sy = n == 2 ? d.strides[0] : 1;
  l.sx = d.strides[n - 1];
  l.dy = n == 2 ? d.dilations[0] : 1;
  l.dx = d.dilations[n - 1];

  if (!d.depth.empty()) {
    if (!d.inputChannel.empty())
      return cannot("grouped convolutions are not supported");
    if (product(ranges, d.outputChannel) != 1)
      return cannot("depthwise convolutions with a channel multiplier above "
                    "1 are not supported");
    l.kind = LayerKind::DWConv;
    l.n = product(ranges, d.batch);
    l.c = l.k = product(ranges, d.depth);
    return l;
  }
  if (d.inputChannel.empty() && d.outputChannel.empty()) {
    // Pooling: the batch and channel dims both sit in the input and output
    // only. The output map orders them (N before C in NCHW and NHWC).
    l.kind = LayerKind::Pool;
    if (d.batch.size() > 2)
      return cannot("pooling over more than batch and channels");
    SmallVector<unsigned, 2> bc = poolBatchAndChannel(op, d);
    l.n = bc.size() == 2 ? ranges[bc[0]] : 1;
    l.c = l.k = bc.empty() ? 1 : ranges[bc.back()];
    return l;
  }
  l.kind = LayerKind::Conv;
  l.n = product(ranges, d.batch);
  l.c = product(ranges, d.inputChannel);
  l.k = product(ranges, d.outputChannel);
  return l;
}

/// A contraction: an FC when one operand is a weight, a matmul otherwise.
llvm::Expected<LayerReading>
readContraction(linalg::LinalgOp op, ArrayRef<int64_t> ranges,
                llvm::function_ref<bool(Value)> isWeight) {
  FailureOr<linalg::ContractionDimensions> cd = contractionDims(op);
  if (failed(cd))
    return cannot("a contraction kapla cannot decompose into batch, rows, "
                  "columns and reduction");
  Value lhs = op.getDpsInputOperand(0)->get();
  Value rhs = op.getDpsInputOperand(1)->get();
  if (isWeight(lhs) && isWeight(rhs))
    return LayerReading::of(LayerReading::Role::Constant);
  LayerReading r = LayerReading::of(LayerReading::Role::Layer);
  LayerDesc &l = r.layer;
  l.c = product(ranges, cd->k);
  int64_t batch = product(ranges, cd->batch);
  r.loopDims.assign(op.getNumLoops(), std::nullopt);
  auto set = [&](ArrayRef<unsigned> loops, Dim dim) {
    for (unsigned i : loops)
      r.loopDims[i] = dim;
  };
  set(cd->batch, Dim::N);
  set(cd->k, Dim::C);
  if (isWeight(lhs)) {
    // W x: the weight is the left operand; columns are the batch.
    l.kind = LayerKind::FC;
    l.n = batch * product(ranges, cd->n);
    l.k = product(ranges, cd->m);
    r.weights.push_back(0);
    set(cd->n, Dim::N);
    set(cd->m, Dim::K);
    return r;
  }
  l.kind = isWeight(rhs) ? LayerKind::FC : LayerKind::MatMul;
  l.n = batch * product(ranges, cd->m);
  l.k = product(ranges, cd->n);
  if (isWeight(rhs))
    r.weights.push_back(1);
  set(cd->m, Dim::N);
  set(cd->n, Dim::K);
  return r;
}

/// A reduction: a global pool (two reduced dims of a 4-D input), else a
/// row-wise reduction, a vector layer of one op per element.
LayerReading readReduction(linalg::LinalgOp op, ArrayRef<int64_t> ranges) {
  SmallVector<unsigned> parallel, reduction;
  for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
    (it == utils::IteratorType::reduction ? reduction : parallel).push_back(i);
  LayerReading r = LayerReading::of(LayerReading::Role::Layer);
  r.reduction = true;
  LayerDesc &l = r.layer;
  auto inType =
      dyn_cast<RankedTensorType>(op.getDpsInputOperand(0)->get().getType());
  r.loopDims.assign(op.getNumLoops(), std::nullopt);
  if (inType && inType.getRank() == 4 && reduction.size() == 2 &&
      parallel.size() == 2) {
    l.kind = LayerKind::Pool;
    l.n = ranges[parallel[0]];
    l.c = l.k = ranges[parallel[1]];
    l.r = ranges[reduction[0]];
    l.s = ranges[reduction[1]];
    r.loopDims[parallel[0]] = Dim::N;
    r.loopDims[parallel[1]] = Dim::C;
    r.loopDims[reduction[0]] = Dim::R;
    r.loopDims[reduction[1]] = Dim::S;
    return r;
  }
  l.kind = LayerKind::Eltwise;
  l.n = product(ranges, parallel);
  l.c = l.k = product(ranges, reduction);
  for (unsigned i : parallel)
    r.loopDims[i] = Dim::N;
  for (unsigned i : reduction)
    r.loopDims[i] = Dim::C;
  return r;
}

} // namespace

llvm::Expected<LayerReading>
mlir::kapla::readLinalgLayer(linalg::LinalgOp linalgOp,
                             ArrayRef<int64_t> ranges,
                             llvm::function_ref<bool(Value)> isWeight) {
  Operation *op = linalgOp.getOperation();
  if (isa<linalg::FillOp, linalg::CopyOp, linalg::TransposeOp,
          linalg::BroadcastOp>(op))
    return LayerReading::of(LayerReading::Role::Layout);
  if (linalgOp.getNumDpsInputs() >= 2 && linalgOp.getNumDpsInits() == 1) {
    FailureOr<linalg::ConvolutionDimensions> dims =
        linalg::inferConvolutionDims(linalgOp);
    if (succeeded(dims)) {
      llvm::Expected<LayerDesc> l =
          describeConvolution(linalgOp, *dims, ranges);
      if (!l)
        return l.takeError();
      LayerReading r = LayerReading::of(LayerReading::Role::Layer);
      r.layer = *l;
      if (l->kind != LayerKind::Pool)
        r.weights.push_back(1);
      r.loopDims = convolutionLoopDims(linalgOp, *dims, *l);
      return r;
    }
    if (isContraction(linalgOp))
      return readContraction(linalgOp, ranges, isWeight);
  }
  if (linalgOp.getNumReductionLoops() > 0) {
    if (isa<linalg::ConvolutionOpInterface, linalg::ContractionOpInterface>(op))
      return cannot("its loop structure is not a convolution or "
                    "contraction kapla can describe");
    return readReduction(linalgOp, ranges);
  }
  if (linalgOp.getNumLoops() == linalgOp.getNumParallelLoops())
    return LayerReading::of(LayerReading::Role::Elementwise);
  return LayerReading::of(LayerReading::Role::Unknown);
}

namespace {

template <typename OpTy>
struct LinalgLayerModel
    : public LayerOpInterface::ExternalModel<LinalgLayerModel<OpTy>, OpTy> {
  llvm::Expected<LayerReading>
  readLayer(Operation *op, ArrayRef<int64_t> ranges,
            llvm::function_ref<bool(Value)> isWeight) const {
    return readLinalgLayer(cast<linalg::LinalgOp>(op), ranges, isWeight);
  }

  SmallVector<unsigned> getFilterOperands(Operation *op) const {
    if (isConvolution(cast<linalg::LinalgOp>(op)))
      return {1};
    return {};
  }
};

template <typename... OpTys> void attachAll(MLIRContext *ctx) {
  (OpTys::template attachInterface<LinalgLayerModel<OpTys>>(*ctx), ...);
}

} // namespace

void mlir::kapla::registerLayerOpInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    attachAll<
#define GET_OP_LIST
#include "mlir/Dialect/Linalg/IR/LinalgStructuredOps.cpp.inc"
        >(ctx);
  });
}
