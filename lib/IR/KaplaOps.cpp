//===- KaplaOps.cpp - kapla operations ------------------------------------===//

#include "Kapla/IR/KaplaOps.h"
#include "Kapla/IR/KaplaAccessors.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::kapla;

static ParseResult parsePipelineKeyword(OpAsmParser &parser,
                                        PipelineAttr &pipeline) {
  FailureOr<PipelineKind> kind = FieldParser<PipelineKind>::parse(parser);
  if (failed(kind))
    return failure();
  pipeline = PipelineAttr::get(parser.getContext(), *kind);
  return success();
}

static void printPipelineKeyword(OpAsmPrinter &printer, Operation *,
                                 PipelineAttr pipeline) {
  printer << stringifyPipelineKind(pipeline.getValue());
}

LogicalResult SegmentOp::verify() {
  // I64Attr getters are unsigned; the index is read signed to catch -1.
  int64_t index = getIndexAttr().getInt();
  if (index < 0)
    return emitOpError() << "index must be non-negative, got " << index;

  Block &body = getBody().front();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end with 'kapla.yield'";
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yields " << yield.getValues().size()
                         << " value(s) whose types differ from its "
                         << getNumResults() << " result type(s)";

  // Segments in one block run in index order.
  for (Operation *prev = getOperation()->getPrevNode(); prev;
       prev = prev->getPrevNode())
    if (auto seg = dyn_cast<SegmentOp>(prev)) {
      int64_t prevIndex = seg.getIndexAttr().getInt();
      if (prevIndex >= index)
        return emitOpError() << "index " << index
                             << " must be greater than the index " << prevIndex
                             << " of the previous segment";
      break;
    }

  llvm::SmallVector<Operation *> layers;
  WalkResult nested = getBody().walk([&](Operation *op) {
    if (isa<SegmentOp>(op))
      return WalkResult::interrupt();
    if (getLayer(op))
      layers.push_back(op);
    return WalkResult::advance();
  });
  if (nested.wasInterrupted())
    return emitOpError() << "must not contain another 'kapla.segment'";

  // Ops of one name are copies of one layer (a layer whose tiles a
  // transformation computed in two places): one layer, on one region.
  auto sameLayer = [](Operation *a, Operation *b) {
    StringAttr na = getLayerNameAttr(a), nb = getLayerNameAttr(b);
    return na && na == nb;
  };
  size_t distinct = 0;
  for (size_t i = 0; i < layers.size(); ++i)
    distinct += llvm::none_of(
        llvm::ArrayRef(layers).take_front(i),
        [&](Operation *prev) { return sameLayer(prev, layers[i]); });
  PipelineKind pipeline = getPipeline().getValue();
  if (pipeline == PipelineKind::None && distinct > 1)
    return emitOpError() << "with pipeline 'none' holds " << distinct
                         << " layers; a segment of several layers must be "
                            "'spatial' or 'temporal'";

  llvm::SmallVector<std::pair<Operation *, NodeRegion>> regions;
  for (Operation *op : layers)
    if (auto c = getConstraint(op))
      regions.push_back({op, toCore(c).region});
  for (size_t i = 0; i < regions.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const NodeRegion &a = regions[j].second, &b = regions[i].second;
      if (sameLayer(regions[j].first, regions[i].first)) {
        if (!(a == b))
          return regions[i].first->emitError()
                 << "node region differs from that of another copy of layer '"
                 << getLayerNameAttr(regions[i].first).getValue()
                 << "' in its segment";
        continue;
      }
      if (pipeline == PipelineKind::Spatial && a.overlaps(b))
        return regions[i].first->emitError()
               << "node region overlaps that of an earlier layer of its "
                  "spatially pipelined segment";
      if (pipeline == PipelineKind::Temporal && !(a == b))
        return regions[i].first->emitError()
               << "node region differs from that of an earlier layer of "
                  "its temporally pipelined segment";
    }
  return success();
}

#define GET_OP_CLASSES
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaOps.cpp.inc"
