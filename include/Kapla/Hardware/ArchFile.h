//===- ArchFile.h - Architecture descriptions as JSON -----------*- C++ -*-===//
//
// The architecture file (docs/UserGuide.md, choosing the hardware): every key
// is required; a missing or ill-typed key is an error naming the key.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_HARDWARE_ARCHFILE_H
#define KAPLA_HARDWARE_ARCHFILE_H

#include "Kapla/Hardware/Arch.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir::kapla {

/// Parses an architecture description from JSON text and checks its ranges
/// (validateArch); an error naming the offending key on failure.
llvm::Expected<ArchDesc> parseArchJson(llvm::StringRef text);

/// Reads and parses the architecture file at `path` (errors start with the
/// path).
llvm::Expected<ArchDesc> loadArchFile(llvm::StringRef path);

/// The JSON form of `arch` (the schema of the architecture file).
llvm::json::Value archToJsonValue(const ArchDesc &arch);

/// The same, pretty-printed.
std::string archToJson(const ArchDesc &arch);

} // namespace mlir::kapla

#endif // KAPLA_HARDWARE_ARCHFILE_H
