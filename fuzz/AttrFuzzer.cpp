//===- AttrFuzzer.cpp - libFuzzer target: the #kapla.* attributes ---------===//
//
// Parses the input as an attribute in a context with the kapla dialect. A
// layer is validated and counted; a dataflow is checked against layers of
// every kind and, where its structure holds, costed on every preset; an
// architecture is validated and used to cost a small layer. Errors are
// expected; crashes, sanitizer reports and hangs are bugs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Dataflow/Directives.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Solver/IntraLayer.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;
using namespace mlir::kapla;

/// Layers of every kind, small enough to cost quickly.
static const LayerDesc *sampleLayers(size_t &count) {
  static LayerDesc layers[6];
  static bool init = false;
  if (!init) {
    LayerDesc conv;
    conv.kind = LayerKind::Conv;
    conv.n = 2, conv.c = 4, conv.k = 8, conv.ho = conv.wo = 6;
    conv.r = conv.s = 3;
    layers[0] = conv;
    LayerDesc fc;
    fc.kind = LayerKind::FC;
    fc.n = 4, fc.c = 16, fc.k = 8;
    layers[1] = fc;
    LayerDesc mm = fc;
    mm.kind = LayerKind::MatMul;
    layers[2] = mm;
    LayerDesc dw = conv;
    dw.kind = LayerKind::DWConv;
    dw.k = dw.c;
    layers[3] = dw;
    LayerDesc pool = dw;
    pool.kind = LayerKind::Pool;
    pool.sy = pool.sx = 2;
    pool.ho = pool.wo = 3;
    layers[4] = pool;
    LayerDesc elt;
    elt.kind = LayerKind::Eltwise;
    elt.n = 2, elt.c = elt.k = 8, elt.ho = elt.wo = 4;
    elt.numInputs = 2;
    layers[5] = elt;
    init = true;
  }
  count = 6;
  return layers;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  MLIRContext ctx(MLIRContext::Threading::DISABLED);
  ctx.getOrLoadDialect<KaplaDialect>();
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  Attribute attr = parseAttribute(text, &ctx);
  if (!attr)
    return 0;
  if (auto layer = dyn_cast<LayerAttr>(attr)) {
    LayerDesc l = toCore(layer);
    if (!llvm::errorToBool(validateLayer(l)))
      (void)l.macs();
    return 0;
  }
  if (auto df = dyn_cast<DataflowAttr>(attr)) {
    LayerDataflow d = toCore(df);
    size_t count;
    const LayerDesc *layers = sampleLayers(count);
    for (size_t i = 0; i < count; ++i) {
      if (llvm::errorToBool(checkDataflowStructure(layers[i], d)))
        continue;
      for (const std::string &name : presetNames()) {
        ArchDesc arch = *getPreset(name);
        LayerCost cost;
        evaluateLayer(arch, layers[i], d, LayerContext::wholeChip(arch), cost,
                      /*explain=*/true);
      }
    }
    return 0;
  }
  if (auto arch = dyn_cast<ArchAttr>(attr)) {
    ArchDesc a = toCore(arch);
    if (llvm::errorToBool(validateArch(a)))
      return 0;
    size_t count;
    const LayerDesc *layers = sampleLayers(count);
    SolveOptions opts;
    (void)solveLayerKapla(a, layers[1], LayerContext::wholeChip(a), opts);
    return 0;
  }
  if (auto c = dyn_cast<ConstraintAttr>(attr))
    (void)toCore(c);
  else if (auto cost = dyn_cast<CostAttr>(attr))
    (void)toCore(cost).energyPj();
  return 0;
}
