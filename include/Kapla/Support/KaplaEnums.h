//===- KaplaEnums.h - kapla's enumerations ----------------------*- C++ -*-===//
//
// The enums of the core with their IR spellings, generated from
// KaplaEnums.td: for each enum E, `stringifyE`, `symbolizeE` (from a string
// or from the underlying integer) and the parser of an attribute parameter
// of type E.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_SUPPORT_KAPLAENUMS_H
#define KAPLA_SUPPORT_KAPLAENUMS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>

#include "Kapla/Support/KaplaEnums.h.inc"

#endif // KAPLA_SUPPORT_KAPLAENUMS_H
