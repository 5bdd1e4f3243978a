//===- OnnxFuzzer.cpp - libFuzzer target: ONNX import ---------------------===//
//
// Imports the input as an ONNX model (kapla-translate --import-onnx). A
// model that imports must verify. Errors are expected; crashes, sanitizer
// reports, hangs and an imported module that does not verify are bugs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Import/OnnxImport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext ctx(MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = kapla::importOnnxModel(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "input.onnx",
      &ctx);
  if (module && failed(verify(*module)))
    std::abort(); // an imported model must be valid IR
  return 0;
}
