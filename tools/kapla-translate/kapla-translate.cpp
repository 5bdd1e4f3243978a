//===- kapla-translate.cpp - kapla's translations -------------------------===//
//
// An mlir-translate with kapla's translations: `--import-onnx` reads an
// ONNX model and writes it as linalg on tensors (docs/UserGuide.md).
//
//===----------------------------------------------------------------------===//

#include "Kapla/Import/OnnxImport.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::kapla::registerOnnxImportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "kapla translation driver"));
}
