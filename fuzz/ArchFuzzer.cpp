//===- ArchFuzzer.cpp - libFuzzer target: architecture files --------------===//
//
// Parses the input as an architecture file (JSON). An architecture that
// passes validation schedules a small FC and a small convolution, and
// prints back as JSON that parses to the same architecture. Errors are
// expected; crashes, sanitizer reports, hangs and a failed round trip are
// bugs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/Solver/IntraLayer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::kapla;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<ArchDesc> arch = parseArchJson(text);
  if (!arch) {
    llvm::consumeError(arch.takeError());
    return 0;
  }
  llvm::Expected<ArchDesc> back = parseArchJson(archToJson(*arch));
  if (!back || archToJson(*back) != archToJson(*arch))
    std::abort(); // an architecture must survive its own JSON
  LayerDesc fc;
  fc.kind = LayerKind::FC;
  fc.n = 4, fc.c = 16, fc.k = 8;
  LayerDesc conv;
  conv.kind = LayerKind::Conv;
  conv.n = 2, conv.c = 4, conv.k = 8, conv.ho = conv.wo = 6;
  conv.r = conv.s = 3;
  SolveOptions opts;
  for (const LayerDesc &l : {fc, conv})
    (void)solveLayerKapla(*arch, l, LayerContext::wholeChip(*arch), opts);
  return 0;
}
