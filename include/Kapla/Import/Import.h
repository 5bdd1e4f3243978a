//===- Import.h - Reading a network's layers, as a library ------*- C++ -*-===//
//
// What kapla-import does, for a compiler that calls it from C++: find the
// network functions of a module (an entry, or every function that
// computes, with private helpers inlined), attach a layer descriptor
// (`kapla.layer`, `kapla.name`, `kapla.weights`) to every compute op, and
// follow the batch from the inputs to scale the loops that run over it.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_IMPORT_IMPORT_H
#define KAPLA_IMPORT_IMPORT_H

#include "Kapla/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::kapla {

struct ImportOptions {
  /// The batch to schedule for (0: as exported).
  int64_t batch = 0;
  UnknownOps unknownOps = UnknownOps::Error;
  /// The network function (empty: every function that computes).
  std::string entry;
  /// A module without layers is an error.
  bool requireLayers = false;
};

struct ImportResult {
  /// The network functions that have layers, in module order.
  llvm::SmallVector<FunctionOpInterface> networks;
  /// The batch the network was exported with (0 if no input fixes it), and
  /// the one applied.
  int64_t exportedBatch = 0, appliedBatch = 0;
  /// Layers found over all networks.
  int64_t layers = 0;
};

/// Imports the networks of `module` (kapla-import without its report).
/// Errors are emitted on the IR; failure after one. The context must have
/// the layer models of the linalg ops (registerLayerOpInterfaceModels in
/// LayerModels.h; kapla-import registers them for its run).
FailureOr<ImportResult> importNetworks(ModuleOp module,
                                       const ImportOptions &options);

} // namespace mlir::kapla

#endif // KAPLA_IMPORT_IMPORT_H
