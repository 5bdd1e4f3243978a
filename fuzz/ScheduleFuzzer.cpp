//===- ScheduleFuzzer.cpp - libFuzzer target: import and schedule ---------===//
//
// Parses the input as an MLIR module (the dialects kapla-opt reads) and, if
// it verifies, runs kapla-schedule on it with small searches. Errors are
// expected; crashes, sanitizer reports and hangs are bugs.
//
// The mutator changes the numbers of the text only (shapes, strides,
// dilations, permutations, attribute values): the networks of the seed
// corpus stay networks, with every shape and dim kapla could be given,
// while the MLIR parser, which is not kapla's (and whose linalg.transpose
// parser crashes on some malformed text), sees well-formed syntax.
//
//===----------------------------------------------------------------------===//

#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Pipelines/Pipelines.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstddef>
#include <cstdint>
#include <cctype>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace mlir;

/// Replaces a number of the text (a dim of a shape, a stride, an attribute
/// value; not the digits of a name such as %arg0, d1 or f32) with another:
/// small values, powers of two and their neighbours, huge values, or
/// another number of the text. libFuzzer stacks several mutations.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::string text(reinterpret_cast<const char *>(data), size);
  std::vector<std::pair<size_t, size_t>> numbers; // [begin, end)
  for (size_t i = 0; i < text.size();) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) &&
        (i == 0 || text[i - 1] == 'x' ||
         (!std::isalpha(static_cast<unsigned char>(text[i - 1])) &&
          text[i - 1] != '_' && text[i - 1] != '%' && text[i - 1] != '#'))) {
      size_t j = i;
      while (j < text.size() &&
             std::isdigit(static_cast<unsigned char>(text[j])))
        ++j;
      numbers.push_back({i, j});
      i = j;
    } else {
      ++i;
    }
  }
  if (numbers.empty())
    return size;
  std::mt19937_64 rng(seed);
  auto [b, end] = numbers[rng() % numbers.size()];
  std::string value;
  switch (rng() % 6) {
  case 0:
    value = std::to_string(rng() % 17);
    break;
  case 1: {
    int64_t p = int64_t(1) << (rng() % 40);
    value = std::to_string(p + int64_t(rng() % 3) - 1);
    break;
  }
  case 2:
    value = std::to_string(rng() % 1000);
    break;
  case 3:
    value = rng() % 2 ? "9223372036854775807" : "4294967297";
    break;
  default: {
    auto [ob, oe] = numbers[rng() % numbers.size()];
    value = text.substr(ob, oe - ob);
    break;
  }
  }
  text = text.substr(0, b) + value + text.substr(end);
  if (text.size() > maxSize)
    return size;
  std::memcpy(data, text.data(), text.size());
  return text.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = [] {
    kapla::registerKaplaPasses();
    kapla::registerKaplaPipelines();
    return true;
  }();
  (void)registered;
  DialectRegistry registry;
  registry.insert<kapla::KaplaDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect,
                  memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
  func::registerInlinerExtension(registry);
  MLIRContext ctx(registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module)
    return 0;
  PassManager pm(&ctx);
  if (failed(parsePassPipeline(
          "builtin.module(kapla-schedule{max-segment-layers=2 top-k=2})",
          pm)))
    return 0;
  (void)pm.run(*module);
  return 0;
}
