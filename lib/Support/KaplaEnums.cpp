//===- KaplaEnums.cpp - kapla's enumerations ------------------------------===//

#include "Kapla/Support/KaplaEnums.h"

#include "llvm/ADT/StringSwitch.h"

#include "Kapla/Support/KaplaEnums.cpp.inc"
