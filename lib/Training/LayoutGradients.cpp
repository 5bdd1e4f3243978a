//===- LayoutGradients.cpp - LayoutGradientOpInterface for tensor ops -----===//
//
// The reverse-mode rules of the ops that move data: the gradient of a pad
// is the slice it padded, of a slice the slice put back into zeros, of a
// reshape the inverse reshape, of a cast the cast back, of a copy the
// gradient itself, of a transpose the inverse transpose.
//
//===----------------------------------------------------------------------===//

#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/Training/GradientRules.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::kapla;

namespace {

using Contributions = llvm::SmallVectorImpl<std::pair<unsigned, Value>>;

bool allStatic(ArrayRef<int64_t> v) { return !ShapedType::isDynamicShape(v); }

LogicalResult gradientsOf(Operation *op, OpBuilder &b, Location loc, Value g,
                          llvm::function_ref<bool(Value)> needsGradient,
                          llvm::function_ref<Value(RankedTensorType)> zeros,
                          Contributions &out) {
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    auto srcType = cast<RankedTensorType>(pad.getSource().getType());
    if (!allStatic(pad.getStaticLow()) || !srcType.hasStaticShape())
      return op->emitError("kapla-build-training-graph: only static pads "
                           "can be differentiated");
    llvm::SmallVector<int64_t> ones(srcType.getRank(), 1);
    MLIRContext *ctx = b.getContext();
    Value back = tensor::ExtractSliceOp::create(
        b, loc, srcType, g, getAsIndexOpFoldResult(ctx, pad.getStaticLow()),
        getAsIndexOpFoldResult(ctx, srcType.getShape()),
        getAsIndexOpFoldResult(ctx, ones));
    out.push_back({0, back});
    return success();
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto srcType = cast<RankedTensorType>(slice.getSource().getType());
    if (!slice.hasZeroOffset() && !allStatic(slice.getStaticOffsets()))
      return op->emitError("kapla-build-training-graph: only static slices "
                           "can be differentiated");
    Value back = tensor::InsertSliceOp::create(
        b, loc, g, zeros(srcType), slice.getMixedOffsets(),
        slice.getMixedSizes(), slice.getMixedStrides());
    out.push_back({0, back});
    return success();
  }
  if (auto ins = dyn_cast<tensor::InsertSliceOp>(op)) {
    if (!allStatic(ins.getStaticOffsets()))
      return op->emitError("kapla-build-training-graph: only static slices "
                           "can be differentiated");
    if (needsGradient(ins.getSource()))
      out.push_back({ins.getSourceMutable().getOperandNumber(),
                     tensor::ExtractSliceOp::create(
                         b, loc, ins.getSourceType(), g, ins.getMixedOffsets(),
                         ins.getMixedSizes(), ins.getMixedStrides())});
    if (needsGradient(ins.getDest()))
      out.push_back(
          {ins.getDestMutable().getOperandNumber(),
           tensor::InsertSliceOp::create(
               b, loc, zeros(ins.getSourceType()), g, ins.getMixedOffsets(),
               ins.getMixedSizes(), ins.getMixedStrides())});
    return success();
  }
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op)) {
    out.push_back(
        {0, tensor::ExpandShapeOp::create(b, loc, c.getSrcType(), g,
                                          c.getReassociationIndices())});
    return success();
  }
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op)) {
    out.push_back(
        {0, tensor::CollapseShapeOp::create(b, loc, e.getSrcType(), g,
                                            e.getReassociationIndices())});
    return success();
  }
  if (isa<linalg::CopyOp>(op)) {
    out.push_back({0, g});
    return success();
  }
  if (auto tr = dyn_cast<linalg::TransposeOp>(op)) {
    Value in = tr.getInput();
    if (!needsGradient(in))
      return success();
    llvm::SmallVector<int64_t> inverse(tr.getPermutation().size());
    for (auto [i, p] : llvm::enumerate(tr.getPermutation()))
      inverse[p] = static_cast<int64_t>(i);
    Value init = tensor::EmptyOp::create(
        b, loc, cast<RankedTensorType>(in.getType()).getShape(),
        getElementTypeOrSelf(in.getType()));
    auto back = linalg::TransposeOp::create(b, loc, g, init, inverse);
    out.push_back({0, back->getResult(0)});
    return success();
  }
  auto c = cast<tensor::CastOp>(op);
  out.push_back(
      {0, tensor::CastOp::create(b, loc, c.getSource().getType(), g)});
  return success();
}

template <typename OpTy>
struct LayoutGradientModel
    : public LayoutGradientOpInterface::ExternalModel<LayoutGradientModel<OpTy>,
                                                      OpTy> {
  LogicalResult
  buildOperandGradients(Operation *op, OpBuilder &b, Location loc,
                        Value resultGradient,
                        llvm::function_ref<bool(Value)> needsGradient,
                        llvm::function_ref<Value(RankedTensorType)> zeros,
                        Contributions &contributions) const {
    return gradientsOf(op, b, loc, resultGradient, needsGradient, zeros,
                       contributions);
  }
};

template <typename... OpTys> void attachAll(MLIRContext *ctx) {
  (OpTys::template attachInterface<LayoutGradientModel<OpTys>>(*ctx), ...);
}

} // namespace

void mlir::kapla::registerLayoutGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, tensor::TensorDialect *) {
    attachAll<tensor::PadOp, tensor::ExtractSliceOp, tensor::InsertSliceOp,
              tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp>(
        ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    attachAll<linalg::CopyOp, linalg::TransposeOp>(ctx);
  });
}
