//===- LayerModels.h - LayerOpInterface for linalg ops ----------*- C++ -*-===//

#ifndef KAPLA_IMPORT_LAYERMODELS_H
#define KAPLA_IMPORT_LAYERMODELS_H

#include "Kapla/IR/KaplaInterfaces.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir {
class DialectRegistry;
namespace kapla {

/// Whether `op` is a convolution linalg can decompose (two inputs at least,
/// one output).
bool isConvolution(linalg::LinalgOp op);
/// Whether `op` is a contraction (quantized ones too).
bool isContraction(linalg::LinalgOp op);
/// The contraction dims of `op`, read from the maps of its two tensor
/// operands and its output (quantized contractions have zero points too).
FailureOr<linalg::ContractionDimensions> contractionDims(linalg::LinalgOp op);

/// How kapla reads a linalg structured op over its loop `ranges`: what the
/// LayerOpInterface model of every linalg op answers (see KaplaInterfaces.td).
llvm::Expected<LayerReading>
readLinalgLayer(linalg::LinalgOp op, llvm::ArrayRef<int64_t> ranges,
                llvm::function_ref<bool(Value)> isWeight);

/// Attaches LayerOpInterface to every linalg structured op: convolutions
/// (of 1 and 2 image dims, depthwise, pooling), contractions (FC or matmul,
/// quantized too), reductions (global pools, row-wise reductions), and
/// element-wise and layout ops. kapla-import registers it for its run.
void registerLayerOpInterfaceModels(DialectRegistry &registry);

} // namespace kapla
} // namespace mlir

#endif // KAPLA_IMPORT_LAYERMODELS_H
