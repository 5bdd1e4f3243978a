//===- ScheduleFuzzer.cpp - libFuzzer target: import and schedule ---------===//
//
// Parses the input as an MLIR module (the dialects kapla-opt reads) and, if
// it verifies, runs kapla-schedule on it with small searches. Errors are
// expected; crashes, sanitizer reports and hangs are bugs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = [] {
    kapla::registerKaplaPasses();
    kapla::registerKaplaPipelines();
    return true;
  }();
  (void)registered;
  DialectRegistry registry;
  registry.insert<kapla::KaplaDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect,
                  memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
  func::registerInlinerExtension(registry);
  MLIRContext ctx(registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module)
    return 0;
  PassManager pm(&ctx);
  if (failed(parsePassPipeline(
          "builtin.module(kapla-schedule{max-segment-layers=2 top-k=2})",
          pm)))
    return 0;
  (void)pm.run(*module);
  return 0;
}
