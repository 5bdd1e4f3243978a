//===- Report.cpp - The JSON report of spec 7.2 ---------------------------===//

#include "Kapla/Transforms/Report.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::kapla;

static void writeLayer(llvm::json::OStream &j, const LayerGraph &g, int i,
                       Operation *op) {
  const LayerNode &node = g.layers[i];
  const LayerDesc &l = node.desc;
  j.object([&] {
    j.attribute("name", node.name);
    j.attribute("kind", reportNameOfLayerKind(l.kind));
    j.attribute("pass", stringifyLayerPass(l.pass));
    j.attributeObject("dims", [&] {
      j.attribute("N", l.n);
      j.attribute("C", l.c);
      j.attribute("K", l.k);
      j.attribute("Ho", l.ho);
      j.attribute("Wo", l.wo);
      j.attribute("R", l.r);
      j.attribute("S", l.s);
      j.attribute("sy", l.sy);
      j.attribute("sx", l.sx);
      j.attribute("dy", l.dy);
      j.attribute("dx", l.dx);
    });
    if (l.kind == LayerKind::Eltwise)
      j.attribute("inputs", l.numInputs);
    j.attribute("macs", l.macs());
    j.attributeArray("producers", [&] {
      for (int p : node.producers)
        j.value(g.layers[p].name);
    });
    j.attribute("reads_network_input", node.readsNetworkInput);
    j.attribute("network_output", node.isNetworkOutput);
    j.attribute("op", op->getName().getStringRef());
    if (auto w = op->getAttrOfType<DenseI64ArrayAttr>("kapla.weights"))
      j.attributeArray("weight_operands", [&] {
        for (int64_t o : w.asArrayRef())
          j.value(o);
      });
  });
}

LogicalResult mlir::kapla::writeReport(ModuleOp module, StringRef path,
                                       StringRef network,
                                       const LayerGraphAnalysis &analysis,
                                       const ReportOptions &options) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return module.emitError() << "cannot write the report to '" << path
                              << "': " << error;
  const LayerGraph &g = analysis.getGraph();
  {
    llvm::json::OStream j(file->os(), /*IndentSize=*/2);
    j.object([&] {
      j.attribute("kapla_report_version", 1);
      j.attribute("network", network);
      j.attributeObject("options", [&] {
        j.attribute("batch", options.batch);
        j.attribute("training", options.training);
      });
      j.attributeArray("layers", [&] {
        for (int i = 0, e = static_cast<int>(g.layers.size()); i < e; ++i)
          writeLayer(j, g, i, analysis.getOp(i));
      });
      j.attributeObject("totals", [&] { j.attribute("macs", g.totalMacs()); });
    });
  }
  file->os() << "\n";
  file->keep();
  return success();
}
