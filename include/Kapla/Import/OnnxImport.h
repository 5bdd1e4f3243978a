//===- OnnxImport.h - ONNX models as linalg on tensors ----------*- C++ -*-===//
//
// Reads an ONNX model (the protobuf file) and writes its graph as one
// func.func of linalg on tensors that kapla-import reads: convolutions,
// matmuls and pools as linalg named ops, element-wise operators as
// linalg.generic, layout operators as tensor and linalg ops. Initializers
// become function arguments marked `kapla.weight`, so weight-stripped
// models (shapes without data) import. docs/UserGuide.md lists the
// operators.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_IMPORT_ONNXIMPORT_H
#define KAPLA_IMPORT_ONNXIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::kapla {

/// Imports the ONNX model serialized in `bytes`; `fileName` names it in
/// locations (each op is located at its node's name in that file). Errors
/// (a file that is no ONNX model, an operator kapla does not import, a shape
/// it cannot know) are emitted on `context`; null after one.
OwningOpRef<ModuleOp> importOnnxModel(llvm::StringRef bytes,
                                      llvm::StringRef fileName,
                                      MLIRContext *context);

/// Registers the `import-onnx` translation (for kapla-translate).
void registerOnnxImportTranslation();

} // namespace mlir::kapla

#endif // KAPLA_IMPORT_ONNXIMPORT_H
