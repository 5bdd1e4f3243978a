//===- KaplaOps.h - kapla operations ----------------------------*- C++ -*-===//

#ifndef KAPLA_IR_KAPLAOPS_H
#define KAPLA_IR_KAPLAOPS_H

#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "Kapla/IR/KaplaOps.h.inc"

#endif // KAPLA_IR_KAPLAOPS_H
