//===- KaplaAccessors.h - Typed access to kapla's attributes ----*- C++ -*-===//
//
// The discardable `kapla.*` attributes an op or a module carries, read and
// written by type: what a downstream compiler uses to read a schedule, and
// what kapla's own passes use instead of attribute names.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_IR_KAPLAACCESSORS_H
#define KAPLA_IR_KAPLAACCESSORS_H

#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"

#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::kapla {

/// `kapla.arch` of `op` itself (a module), or null.
ArchAttr getArch(Operation *op);
void setArch(Operation *op, ArchAttr arch);
/// The architecture of the nearest enclosing op that has one (`op`
/// included), or null.
ArchAttr getEnclosingArch(Operation *op);

/// `kapla.layer`: the layer a compute op is, or null.
LayerAttr getLayer(Operation *op);
void setLayer(Operation *op, LayerAttr layer);

/// `kapla.dataflow`: the layer's directives, or null before scheduling.
DataflowAttr getDataflow(Operation *op);
void setDataflow(Operation *op, DataflowAttr dataflow);

/// `kapla.constraint`: what the layer's segment imposes, or null.
ConstraintAttr getConstraint(Operation *op);
void setConstraint(Operation *op, ConstraintAttr constraint);

/// `kapla.cost` of a layer op (a segment's cost is its own property).
CostAttr getCost(Operation *op);
void setCost(Operation *op, CostAttr cost);

/// `kapla.optimal`: the layer's dataflow is proven optimal.
bool isProvenOptimal(Operation *op);
/// `kapla.gap`: the certified gap of a layer the exact search did not
/// finish (its objective is at most 1 + gap times the optimum).
std::optional<double> getCertifiedGap(Operation *op);
/// Sets `kapla.optimal` (gap empty) or `kapla.gap`, and removes the other.
void setOptimality(Operation *op, bool optimal, std::optional<double> gap);

/// `kapla.weights`: the operands that are weights, or empty.
llvm::ArrayRef<int64_t> getWeightOperands(Operation *op);
void setWeightOperands(Operation *op, llvm::ArrayRef<int64_t> operands);

/// `kapla.name`: the name a layer op was given, or null (getLayerName in
/// LayerGraphAnalysis.h falls back to its location).
StringAttr getLayerNameAttr(Operation *op);
void setLayerName(Operation *op, StringRef name);

} // namespace mlir::kapla

#endif // KAPLA_IR_KAPLAACCESSORS_H
