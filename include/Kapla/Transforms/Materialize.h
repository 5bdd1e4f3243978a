//===- Materialize.h - Materialised loop nests ------------------*- C++ -*-===//
//
// What kapla-verify-dataflow checks on the loop nests of kapla-materialize.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_TRANSFORMS_MATERIALIZE_H
#define KAPLA_TRANSFORMS_MATERIALIZE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Operation.h"

namespace mlir::kapla {

/// Reads back the loop nest `nest` (a loop carrying a layer's kapla.layer
/// and kapla.dataflow, as kapla-materialize leaves it, with the scf.for
/// loops around it in its segment: a pipelined segment's batch-group loop)
/// and checks it against the directives: outermost first, per level (GBUF, then REGF), one run of
/// sequential loops per update whose iterations multiply to the update's
/// count, then the loops of the level's stacks (scf.forall dims mapped by
/// #kapla.node or #kapla.pe, or scf.for loops marked kapla.stack) whose
/// iterations multiply, per stack, to the stack positions that hold part of
/// the extent; nothing else; and the innermost op writes one REGF tile of
/// the written tensor. Loops of partial tiles count by their largest
/// iteration count; loops of one iteration are not counted. Emits an error
/// naming the first difference.
LogicalResult verifyMaterializedNest(Operation *nest);

/// The external models verifyMaterializedNest needs (value bounds of the
/// affine, arith, scf and tensor ops that partial tiles leave).
void registerMaterializedNestModels(DialectRegistry &registry);

} // namespace mlir::kapla

#endif // KAPLA_TRANSFORMS_MATERIALIZE_H
