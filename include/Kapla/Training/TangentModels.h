//===- TangentModels.h - TangentOpInterface for arith and math --*- C++ -*-===//

#ifndef KAPLA_TRAINING_TANGENTMODELS_H
#define KAPLA_TRAINING_TANGENTMODELS_H

namespace mlir {
class DialectRegistry;
namespace kapla {

/// Attaches TangentOpInterface to the arith and math ops of network
/// bodies: addf, subf, negf, mulf, divf, maximumf, maxnumf, minimumf,
/// minnumf, select, extf, truncf, exp, tanh, rsqrt, sqrt, log, and cmpf,
/// fptosi and fptoui (no tangent). kapla-build-training-graph registers it
/// for its run.
void registerTangentOpInterfaceModels(DialectRegistry &registry);

} // namespace kapla
} // namespace mlir

#endif // KAPLA_TRAINING_TANGENTMODELS_H
