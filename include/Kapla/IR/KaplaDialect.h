//===- KaplaDialect.h - The kapla dialect -----------------------*- C++ -*-===//

#ifndef KAPLA_IR_KAPLADIALECT_H
#define KAPLA_IR_KAPLADIALECT_H

#include "mlir/IR/Dialect.h"

#include <map>
#include <string>
#include <utility>

#include "Kapla/IR/KaplaOpsDialect.h.inc"

#endif // KAPLA_IR_KAPLADIALECT_H
