//===- kapla-opt.cpp - The kapla optimizer driver -------------------------===//
//
// An mlir-opt style driver with the kapla dialect, the upstream dialects that
// exported networks use, and the passes that lower TOSA to linalg.
//
//===----------------------------------------------------------------------===//

#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Pipelines/Pipelines.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/TransformOps/SCFTransformOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorInferTypeOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include <vector>

namespace mlir::kapla::test {
void registerTestCostModelAnalysisPass();
} // namespace mlir::kapla::test

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::kapla::KaplaDialect, mlir::affine::AffineDialect,
                  mlir::arith::ArithDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::cf::ControlFlowDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect, mlir::tosa::TosaDialect,
                  mlir::transform::TransformDialect>();
  mlir::func::registerInlinerExtension(registry);
  mlir::tensor::registerInferTypeOpInterfaceExternalModels(registry);
  // Transform scripts (kapla-emit-transform's) run with the interpreter:
  // linalg's structured transform ops tile through TilingInterface.
  mlir::linalg::registerTransformDialectExtension(registry);
  mlir::scf::registerTransformDialectExtension(registry);
  mlir::linalg::registerTilingInterfaceExternalModels(registry);
  // Transform scripts tile the padding between convolutions (tensor.pad)
  // as kapla-materialize does.
  mlir::tensor::registerTilingInterfaceExternalModels(registry);

  mlir::kapla::registerKaplaPasses();
  mlir::kapla::registerKaplaPipelines();
  mlir::kapla::test::registerTestCostModelAnalysisPass();
  // Generic cleanups (canonicalize, cse, inline, ...).
  mlir::registerTransformsPasses();
  // --transform-interpreter, --transform-preload-library.
  mlir::transform::registerTransformPasses();
  // TOSA to linalg-on-tensors, as the kapla-schedule pipeline uses it.
  mlir::registerPass([] { return mlir::tosa::createTosaToLinalgNamed(); });
  mlir::registerPass([] { return mlir::tosa::createTosaToLinalg(); });
  mlir::registerPass([] { return mlir::createTosaToArithPass(); });
  mlir::registerPass([] { return mlir::createTosaToTensorPass(); });

  // An error names its location; the op it is on is printed only on request
  // (`--mlir-print-op-on-diagnostic`), so that an error on the module does
  // not dump the whole network.
  std::vector<char *> args(argv, argv + argc);
  static char quietDiagnostics[] = "--mlir-print-op-on-diagnostic=false";
  args.insert(args.begin() + (argc > 0 ? 1 : 0), quietDiagnostics);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      static_cast<int>(args.size()), args.data(), "kapla optimizer driver\n",
      registry));
}
