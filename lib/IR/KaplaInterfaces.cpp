//===- KaplaInterfaces.cpp - kapla op interfaces --------------------------===//

#include "Kapla/IR/KaplaInterfaces.h"

#include "Kapla/IR/KaplaInterfaces.cpp.inc"
