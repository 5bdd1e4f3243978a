//===- TrainingGraph.h - A training step, as a library ----------*- C++ -*-===//
//
// What kapla-build-training-graph does to one network function, for a
// compiler that calls it from C++.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_TRAINING_TRAININGGRAPH_H
#define KAPLA_TRAINING_TRAININGGRAPH_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir::kapla {

/// Adds to `func` (imported: its layers carry `kapla.layer`; not called by
/// another function) the backward pass of one training step as real
/// linalg ops: a loss-gradient argument per network output, the
/// backward-data and backward-weight layers, backward pools, gradient
/// merges and epilogue gradients, and the weight gradients as new results.
/// Errors are emitted on the IR; failure after one. The context must have
/// the gradient rules of the arith, math and tensor ops
/// (registerTangentOpInterfaceModels and registerLayoutGradientModels in
/// GradientRules.h; kapla-build-training-graph registers them for its run).
/// `batchScale` is the factor kapla-import scaled the batch by (the layers'
/// N over the tensors'); when not given it is read from the first
/// convolution or pool with a 4-D output, or FC or matmul with a 2-D one,
/// and is 1 without such a layer.
LogicalResult
buildTrainingStep(func::FuncOp func,
                  std::optional<int64_t> batchScale = std::nullopt);

} // namespace mlir::kapla

#endif // KAPLA_TRAINING_TRAININGGRAPH_H
