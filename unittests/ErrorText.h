//===- ErrorText.h - llvm::Error as text, for tests -------------*- C++ -*-===//

#ifndef KAPLA_UNITTESTS_ERRORTEXT_H
#define KAPLA_UNITTESTS_ERRORTEXT_H

#include "llvm/Support/Error.h"

#include <string>

/// The message of `err`, or "" on success; the error is consumed.
inline std::string errorText(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

#endif // KAPLA_UNITTESTS_ERRORTEXT_H
