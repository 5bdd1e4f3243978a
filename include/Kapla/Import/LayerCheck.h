//===- LayerCheck.h - A layer descriptor against its op ---------*- C++ -*-===//
//
// For the kapla passes: whether a forward layer descriptor (written
// by hand, or edited) contradicts the static shape of the op it is on.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_IMPORT_LAYERCHECK_H
#define KAPLA_IMPORT_LAYERCHECK_H

#include "mlir/IR/Operation.h"

#include <optional>
#include <string>

namespace mlir::kapla {

/// What the `kapla.layer` of `op` says that the op's loops contradict: the
/// kind of a convolution, pooling or contraction op, and every extent the
/// batch cannot change (all but N; a matmul's C and K may run over the
/// batch too). nullopt when they agree or the op is not one kapla-import
/// reads by shape (dynamic shapes, generic element-wise ops, backward
/// layers).
std::optional<std::string> layerContradictsOp(Operation *op);

} // namespace mlir::kapla

#endif // KAPLA_IMPORT_LAYERCHECK_H
