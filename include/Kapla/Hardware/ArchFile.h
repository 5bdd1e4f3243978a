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
/// (validateArch). On failure returns nullopt and sets `error` to a message
/// naming the offending key.
std::optional<ArchDesc> parseArchJson(llvm::StringRef text, std::string &error);

/// Reads and parses the architecture file at `path`.
std::optional<ArchDesc> loadArchFile(llvm::StringRef path, std::string &error);

/// The JSON form of `arch` (the schema of the architecture file).
llvm::json::Value archToJsonValue(const ArchDesc &arch);

/// The same, pretty-printed.
std::string archToJson(const ArchDesc &arch);

} // namespace mlir::kapla

#endif // KAPLA_HARDWARE_ARCHFILE_H
