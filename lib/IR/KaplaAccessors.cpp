//===- KaplaAccessors.cpp - Typed access to kapla's attributes ------------===//

#include "Kapla/IR/KaplaAccessors.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::kapla {

namespace {
template <typename AttrT> AttrT get(Operation *op, StringRef name) {
  return op->getAttrOfType<AttrT>(name);
}
template <typename AttrT> void set(Operation *op, StringRef name, AttrT value) {
  if (value)
    op->setAttr(name, value);
  else
    op->removeAttr(name);
}
} // namespace

ArchAttr getArch(Operation *op) {
  return get<ArchAttr>(op, KaplaDialect::kArchAttrName);
}
void setArch(Operation *op, ArchAttr arch) {
  set(op, KaplaDialect::kArchAttrName, arch);
}
ArchAttr getEnclosingArch(Operation *op) {
  for (Operation *cur = op; cur; cur = cur->getParentOp())
    if (ArchAttr arch = getArch(cur))
      return arch;
  return {};
}

LayerAttr getLayer(Operation *op) {
  return get<LayerAttr>(op, KaplaDialect::kLayerAttrName);
}
void setLayer(Operation *op, LayerAttr layer) {
  set(op, KaplaDialect::kLayerAttrName, layer);
}

DataflowAttr getDataflow(Operation *op) {
  return get<DataflowAttr>(op, KaplaDialect::kDataflowAttrName);
}
void setDataflow(Operation *op, DataflowAttr dataflow) {
  set(op, KaplaDialect::kDataflowAttrName, dataflow);
}

ConstraintAttr getConstraint(Operation *op) {
  return get<ConstraintAttr>(op, KaplaDialect::kConstraintAttrName);
}
void setConstraint(Operation *op, ConstraintAttr constraint) {
  set(op, KaplaDialect::kConstraintAttrName, constraint);
}

CostAttr getCost(Operation *op) {
  return get<CostAttr>(op, KaplaDialect::kCostAttrName);
}
void setCost(Operation *op, CostAttr cost) {
  set(op, KaplaDialect::kCostAttrName, cost);
}

bool isProvenOptimal(Operation *op) {
  return op->hasAttr(KaplaDialect::kOptimalAttrName);
}
std::optional<double> getCertifiedGap(Operation *op) {
  if (auto gap = get<FloatAttr>(op, KaplaDialect::kGapAttrName))
    return gap.getValueAsDouble();
  return std::nullopt;
}
void setOptimality(Operation *op, bool optimal, std::optional<double> gap) {
  op->removeAttr(KaplaDialect::kOptimalAttrName);
  op->removeAttr(KaplaDialect::kGapAttrName);
  MLIRContext *ctx = op->getContext();
  if (optimal)
    op->setAttr(KaplaDialect::kOptimalAttrName, UnitAttr::get(ctx));
  else if (gap)
    op->setAttr(KaplaDialect::kGapAttrName,
                FloatAttr::get(Float64Type::get(ctx), *gap));
}

llvm::ArrayRef<int64_t> getWeightOperands(Operation *op) {
  if (auto w = get<DenseI64ArrayAttr>(op, KaplaDialect::kWeightsAttrName))
    return w.asArrayRef();
  return {};
}

void setWeightOperands(Operation *op, llvm::ArrayRef<int64_t> operands) {
  op->setAttr(KaplaDialect::kWeightsAttrName,
              DenseI64ArrayAttr::get(op->getContext(), operands));
}

StringAttr getLayerNameAttr(Operation *op) {
  return get<StringAttr>(op, KaplaDialect::kNameAttrName);
}
void setLayerName(Operation *op, StringRef name) {
  op->setAttr(KaplaDialect::kNameAttrName,
              StringAttr::get(op->getContext(), name));
}

} // namespace mlir::kapla
