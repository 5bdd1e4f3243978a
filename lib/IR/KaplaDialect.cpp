//===- KaplaDialect.cpp - The kapla dialect -------------------------------===//

#include "Kapla/IR/KaplaDialect.h"

#include <cmath>
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaOps.h"

#include "mlir/IR/BuiltinOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kapla;

#include "Kapla/IR/KaplaOpsDialect.cpp.inc"

void KaplaDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "Kapla/IR/KaplaOps.cpp.inc"
      >();
}

/// Emits an error unless `attr` has the type `T`.
template <typename T>
static FailureOr<T> expectAttr(Operation *op, NamedAttribute attr,
                               StringRef syntax) {
  if (auto typed = dyn_cast<T>(attr.getValue()))
    return typed;
  return op->emitError() << "'" << attr.getName().getValue() << "' must be a "
                         << syntax << " attribute";
}

LogicalResult KaplaDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name != kWeightAttrName && name != kLossGradientAttrName)
    return op->emitError() << "unknown argument attribute '" << name
                           << "'; the kapla dialect defines "
                           << kWeightAttrName << " and "
                           << kLossGradientAttrName;
  if (!isa<UnitAttr>(attr.getValue()))
    return op->emitError() << "'" << name << "' on argument " << argIndex
                           << " must be a unit attribute";
  return success();
}

LogicalResult KaplaDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kArchAttrName) {
    if (failed(expectAttr<ArchAttr>(op, attr, "#kapla.arch")))
      return failure();
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' belongs on a builtin.module";
    return success();
  }

  if (name == kCostAttrName)
    return expectAttr<CostAttr>(op, attr, "#kapla.cost");

  if (name == kLayerAttrName)
    return expectAttr<LayerAttr>(op, attr, "#kapla.layer");

  if (name == kFixAttrName)
    return expectAttr<FixAttr>(op, attr, "#kapla.fix");

  if (name == kDataflowAttrName || name == kConstraintAttrName ||
      name == kNameAttrName || name == kWeightsAttrName ||
      name == kOptimalAttrName || name == kGapAttrName) {
    auto layer = op->getAttrOfType<LayerAttr>(kLayerAttrName);
    if (!layer)
      return op->emitError() << "'" << name << "' needs a '" << kLayerAttrName
                             << "' on the same op";
    if (name == kOptimalAttrName) {
      if (!isa<UnitAttr>(attr.getValue()))
        return op->emitError() << "'" << name << "' must be a unit attribute";
      return success();
    }
    if (name == kGapAttrName) {
      auto gap = dyn_cast<FloatAttr>(attr.getValue());
      if (!gap || !gap.getType().isF64() ||
          !(gap.getValueAsDouble() >= 0) ||
          std::isinf(gap.getValueAsDouble()))
        return op->emitError()
               << "'" << name << "' must be a finite, non-negative f64";
      return success();
    }
    if (name == kNameAttrName) {
      auto str = dyn_cast<StringAttr>(attr.getValue());
      if (!str || str.getValue().empty())
        return op->emitError() << "'" << name
                               << "' must be a non-empty string";
      return success();
    }
    if (name == kWeightsAttrName) {
      auto list = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
      if (!list)
        return op->emitError() << "'" << name
                               << "' must be an array<i64> of operand numbers";
      for (int64_t i : list.asArrayRef())
        if (i < 0 || i >= static_cast<int64_t>(op->getNumOperands()))
          return op->emitError()
                 << "'" << name << "' names operand " << i << " of an op with "
                 << op->getNumOperands() << " operands";
      return success();
    }
    if (name == kDataflowAttrName) {
      FailureOr<DataflowAttr> df =
          expectAttr<DataflowAttr>(op, attr, "#kapla.dataflow");
      if (failed(df))
        return failure();
      if (llvm::Error err = checkDataflowStructure(toCore(layer), toCore(*df)))
        return op->emitError() << "'" << name << "' does not match the layer: "
                               << llvm::toString(std::move(err));
      return success();
    }
    FailureOr<ConstraintAttr> c =
        expectAttr<ConstraintAttr>(op, attr, "#kapla.constraint");
    if (failed(c))
      return failure();
    auto module = op->getParentOfType<ModuleOp>();
    ArchAttr arch =
        module ? module->getAttrOfType<ArchAttr>(kArchAttrName) : ArchAttr();
    if (arch) {
      ArchDesc a = toCore(arch);
      NodeRegion r = toCore(*c).region;
      if (!r.fitsIn(a))
        return op->emitError()
               << "'" << name << "' region [" << r.row0 << ", " << r.col0
               << ", " << r.rows << ", " << r.cols << "] exceeds the "
               << a.nodeRows << " x " << a.nodeCols << " node array of '"
               << a.name << "'";
    }
    return success();
  }

  if (name == kStackAttrName) {
    if (!isa<NodeMappingAttr, PEMappingAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a #kapla.node or #kapla.pe";
    if (op->getNumRegions() == 0)
      return op->emitError() << "'" << name << "' belongs on a loop";
    return success();
  }

  return op->emitError() << "unknown attribute '" << name
                         << "'; the kapla dialect defines " << kArchAttrName
                         << ", " << kLayerAttrName << ", " << kNameAttrName
                         << ", " << kWeightsAttrName << ", " << kFixAttrName
                         << ", " << kDataflowAttrName << ", "
                         << kConstraintAttrName << ", " << kOptimalAttrName
                         << ", " << kGapAttrName << ", " << kStackAttrName
                         << " and " << kCostAttrName;
}
