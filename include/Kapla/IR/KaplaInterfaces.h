//===- KaplaInterfaces.h - kapla op interfaces ------------------*- C++ -*-===//

#ifndef KAPLA_IR_KAPLAINTERFACES_H
#define KAPLA_IR_KAPLAINTERFACES_H

#include "Kapla/Workload/Layer.h"

#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace mlir {
namespace kapla {

/// What an op is to kapla-import (LayerOpInterface::readLayer).
struct LayerReading {
  enum class Role : uint8_t {
    Layer,       ///< a layer: `layer`, weights in `weights`
    Layout,      ///< moves or fills data, computes nothing
    Elementwise, ///< element-wise: the importer decides from its inputs
    Constant,    ///< computes from weights only: foldable, not scheduled
    Unknown      ///< a structure kapla does not know (an error, or a
                 ///< warning with unknown-ops=warn)
  };
  Role role = Role::Layout;
  LayerDesc layer;
  /// Operand numbers that hold the layer's weights.
  llvm::SmallVector<int64_t, 1> weights;
  /// The layer is a reduction over data (a global pool, a row-wise
  /// reduction): nothing to schedule when no input carries network data.
  bool reduction = false;
  /// For a layer: the dim of the layer each loop of the op runs over (by
  /// loop number; several loops may make one dim, as the batch and the rows
  /// of a batched FC do), nullopt for a loop of extent 1 the layer has no
  /// dim for.
  llvm::SmallVector<std::optional<Dim>, 8> loopDims;

  static LayerReading of(Role role) {
    LayerReading r;
    r.role = role;
    return r;
  }
};

} // namespace kapla
} // namespace mlir

#include "Kapla/IR/KaplaInterfaces.h.inc"

#endif // KAPLA_IR_KAPLAINTERFACES_H
