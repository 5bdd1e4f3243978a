//===- GradientRules.h - The gradient rules as external models --*- C++ -*-===//

#ifndef KAPLA_TRAINING_GRADIENTRULES_H
#define KAPLA_TRAINING_GRADIENTRULES_H

namespace mlir {
class DialectRegistry;
namespace kapla {

/// Attaches TangentOpInterface to the arith and math ops of network
/// bodies: addf, subf, negf, mulf, divf, maximumf, maxnumf, minimumf,
/// minnumf, select, extf, truncf, exp, tanh, rsqrt, sqrt, log, and cmpf,
/// fptosi and fptoui (no tangent). kapla-build-training-graph registers it
/// for its run.
void registerTangentOpInterfaceModels(DialectRegistry &registry);

/// Attaches LayoutGradientOpInterface to the ops that move data: tensor.pad,
/// extract_slice, insert_slice, collapse_shape, expand_shape and cast, and
/// linalg.copy and linalg.transpose.
/// kapla-build-training-graph registers it for its run.
void registerLayoutGradientModels(DialectRegistry &registry);

} // namespace kapla
} // namespace mlir

#endif // KAPLA_TRAINING_GRADIENTRULES_H
