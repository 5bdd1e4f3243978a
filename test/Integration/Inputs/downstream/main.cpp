// Parses kapla attributes in a downstream tool and reads them as core values.
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::kapla::KaplaDialect>();
  auto arch = llvm::dyn_cast_or_null<mlir::kapla::ArchAttr>(
      mlir::parseAttribute("#kapla.arch<\"edge-systolic\">", &ctx));
  auto layer = llvm::dyn_cast_or_null<mlir::kapla::LayerAttr>(mlir::parseAttribute(
      "#kapla.layer<conv, N = 1, C = 3, K = 48, Ho = 55, Wo = 55, R = 11, "
      "S = 11, sy = 4, sx = 4>",
      &ctx));
  if (!arch || !layer)
    return 1;
  mlir::kapla::ArchDesc a = mlir::kapla::toCore(arch);
  mlir::kapla::LayerDesc l = mlir::kapla::toCore(layer);
  llvm::outs() << a.name << " PEs per node: " << a.numPEsPerNode() << "\n";
  llvm::outs() << "conv MACs: " << l.macs() << ", input rows: " << l.hi()
               << "\n";
  return 0;
}
