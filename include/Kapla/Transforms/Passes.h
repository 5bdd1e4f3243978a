//===- Passes.h - kapla passes ----------------------------------*- C++ -*-===//

#ifndef KAPLA_TRANSFORMS_PASSES_H
#define KAPLA_TRANSFORMS_PASSES_H

#include "Kapla/IR/KaplaDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::kapla {

#define GEN_PASS_DECL
#include "Kapla/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Kapla/Transforms/Passes.h.inc"

/// Registers the kapla pipelines (kapla-import-pipeline).
void registerKaplaPipelines();

} // namespace mlir::kapla

#endif // KAPLA_TRANSFORMS_PASSES_H
