//===- Import.cpp - Recognise the layers of a network ---------------------===//
//
// kapla-import: classifies every op of a network (spec 2.2) and attaches a
// layer descriptor to each compute op. The classification is local to each
// op plus one forward dataflow fact per value: which layers (or network
// inputs) it derives from, and whether it derives from constants only.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Transforms/Passes.h"
#include "Kapla/Transforms/Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAIMPORTPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// What an op is to the scheduler.
struct Classified {
  enum Role { PassThrough, Layer, Failed } role = PassThrough;
  LayerDesc desc;
  llvm::SmallVector<int64_t, 1> weights; ///< operand numbers
};

int64_t product(ArrayRef<int64_t> ranges, ArrayRef<unsigned> dims) {
  int64_t p = 1;
  for (unsigned d : dims)
    p *= ranges[d];
  return p;
}

bool hasTensorResult(Operation *op) {
  return llvm::any_of(op->getResultTypes(),
                      [](Type t) { return isa<TensorType>(t); });
}

int64_t numElements(Type t) {
  auto shaped = dyn_cast<RankedTensorType>(t);
  return shaped && shaped.hasStaticShape() ? shaped.getNumElements() : -1;
}

class Importer {
public:
  Importer(FunctionOpInterface func, bool warnUnknown)
      : func(func), warnUnknown(warnUnknown) {}

  /// Classifies every op of the function; false if an error was emitted.
  bool run(int64_t batch);

  /// The layers found, in program order.
  llvm::SmallVector<Operation *> layers;
  /// The leading dim of the first tensor input (0 if there is none).
  int64_t exportedBatch = 0;

private:
  Classified visit(Operation *op);
  Classified visitLinalg(linalg::LinalgOp op);
  Classified visitConvolution(linalg::LinalgOp op,
                              const linalg::ConvolutionDimensions &dims);
  Classified visitContraction(linalg::LinalgOp op);
  Classified visitReduction(linalg::LinalgOp op);
  Classified visitElementwise(Operation *op, ValueRange inputs);
  Classified unknown(Operation *op, const Twine &why);
  Classified unsupported(Operation *op, const Twine &why);

  bool isConst(Value v) const { return constValues.contains(v); }
  /// Whether every use of `v` other than by `self` is an element-wise op
  /// (reached through layout ops only): `self` is then part of an epilogue.
  bool onlyEpilogueUses(Value v, Operation *self) const;

  FunctionOpInterface func;
  bool warnUnknown;
  OriginTracker tracker;
  llvm::DenseSet<Value> constValues;
  /// Layers by index, with N as exported (before the batch override).
  llvm::DenseMap<int, LayerDesc> descs;
};

Classified Importer::unknown(Operation *op, const Twine &why) {
  if (warnUnknown) {
    op->emitWarning() << why << "; its results pass dependences on";
    return {};
  }
  op->emitError() << why;
  return {Classified::Failed, {}, {}};
}

Classified Importer::unsupported(Operation *op, const Twine &why) {
  op->emitError() << "kapla cannot schedule '" << op->getName()
                  << "': " << why;
  return {Classified::Failed, {}, {}};
}

Classified Importer::visitConvolution(linalg::LinalgOp op,
                                      const linalg::ConvolutionDimensions &d) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (d.outputImage.size() > 2 || d.filterLoop.size() != d.outputImage.size())
    return unsupported(op, "only 1-D and 2-D convolutions are supported");
  Classified c;
  c.role = Classified::Layer;
  LayerDesc &l = c.desc;
  // One image dim is a row of width Wo.
  size_t n = d.outputImage.size();
  l.ho = n == 2 ? ranges[d.outputImage[0]] : 1;
  l.wo = ranges[d.outputImage[n - 1]];
  l.r = n == 2 ? ranges[d.filterLoop[0]] : 1;
  l.s = ranges[d.filterLoop[n - 1]];
  l.sy = n == 2 ? d.strides[0] : 1;
  l.sx = d.strides[n - 1];
  l.dy = n == 2 ? d.dilations[0] : 1;
  l.dx = d.dilations[n - 1];

  if (!d.depth.empty()) {
    if (!d.inputChannel.empty())
      return unsupported(op, "grouped convolutions are not supported");
    if (product(ranges, d.outputChannel) != 1)
      return unsupported(op, "depthwise convolutions with a channel "
                             "multiplier above 1 are not supported");
    l.kind = LayerKind::DWConv;
    l.n = product(ranges, d.batch);
    l.c = l.k = product(ranges, d.depth);
    c.weights.push_back(1);
    return c;
  }
  if (d.inputChannel.empty() && d.outputChannel.empty()) {
    // Pooling: the batch and channel dims both sit in the input and output
    // only. The output map orders them (N before C in NCHW and NHWC).
    l.kind = LayerKind::Pool;
    if (d.batch.size() > 2)
      return unsupported(op, "pooling over more than batch and channels");
    SmallVector<unsigned, 2> bc(d.batch.begin(), d.batch.end());
    AffineMap outMap = op.getIndexingMapMatchingResult(op->getResult(0));
    auto pos = [&](unsigned dim) {
      return outMap.getResultPosition(getAffineDimExpr(dim, op.getContext()))
          .value_or(0);
    };
    llvm::sort(bc, [&](unsigned a, unsigned b) { return pos(a) < pos(b); });
    l.n = bc.size() == 2 ? ranges[bc[0]] : 1;
    l.c = l.k = bc.empty() ? 1 : ranges[bc.back()];
    return c;
  }
  l.kind = LayerKind::Conv;
  l.n = product(ranges, d.batch);
  l.c = product(ranges, d.inputChannel);
  l.k = product(ranges, d.outputChannel);
  c.weights.push_back(1);
  return c;
}

Classified Importer::visitContraction(linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> cd =
      linalg::inferContractionDims(op);
  if (failed(cd) || op.getNumDpsInputs() != 2)
    return unsupported(op, "a contraction kapla cannot decompose into "
                           "batch, rows, columns and reduction");
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Value lhs = op.getDpsInputOperand(0)->get();
  Value rhs = op.getDpsInputOperand(1)->get();
  Classified c;
  c.role = Classified::Layer;
  LayerDesc &l = c.desc;
  l.c = product(ranges, cd->k);
  int64_t batch = product(ranges, cd->batch);
  if (isConst(lhs) && isConst(rhs)) {
    op->emitWarning() << "contraction of constants only is not scheduled (it "
                         "can be folded before it runs)";
    return {};
  }
  if (isConst(lhs)) {
    // W x: the constant left operand is the weight; columns are the batch.
    l.kind = LayerKind::FC;
    l.n = batch * product(ranges, cd->n);
    l.k = product(ranges, cd->m);
    c.weights.push_back(0);
    return c;
  }
  l.kind = isConst(rhs) ? LayerKind::FC : LayerKind::MatMul;
  l.n = batch * product(ranges, cd->m);
  l.k = product(ranges, cd->n);
  if (isConst(rhs))
    c.weights.push_back(1);
  return c;
}

Classified Importer::visitReduction(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> parallel, reduction;
  for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
    (it == utils::IteratorType::reduction ? reduction : parallel).push_back(i);
  if (tracker.operandOrigins(op).empty())
    return {}; // computed from constants: nothing to schedule
  Classified c;
  c.role = Classified::Layer;
  LayerDesc &l = c.desc;
  Value in = op.getDpsInputOperand(0)->get();
  auto inType = dyn_cast<RankedTensorType>(in.getType());
  if (inType && inType.getRank() == 4 && reduction.size() == 2 &&
      parallel.size() == 2) {
    // A global pool: the two reduced dims are the spatial window.
    l.kind = LayerKind::Pool;
    l.n = ranges[parallel[0]];
    l.c = l.k = ranges[parallel[1]];
    l.r = ranges[reduction[0]];
    l.s = ranges[reduction[1]];
    return c;
  }
  // A row-wise reduction: a vector layer of one op per element.
  l.kind = LayerKind::Eltwise;
  l.n = product(ranges, parallel);
  l.c = l.k = product(ranges, reduction);
  return c;
}

/// Whether `op` only moves or reshapes data (no compute of its own).
static bool isLayoutOp(Operation *op) {
  StringRef dialect = op->getDialect() ? op->getDialect()->getNamespace()
                                       : StringRef();
  return dialect == "tensor" || dialect == "bufferization" ||
         isa<linalg::FillOp, linalg::CopyOp, linalg::TransposeOp,
             linalg::BroadcastOp>(op);
}

/// Whether `op` is element-wise (an epilogue candidate).
static bool isElementwiseOp(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
  StringRef dialect = op->getDialect() ? op->getDialect()->getNamespace()
                                       : StringRef();
  return (dialect == "arith" || dialect == "math") &&
         OpTrait::hasElementwiseMappableTraits(op);
}

bool Importer::onlyEpilogueUses(Value v, Operation *self) const {
  llvm::SmallVector<Value> work{v};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    if (!seen.insert(cur).second)
      continue;
    for (Operation *user : cur.getUsers()) {
      if (user == self || isElementwiseOp(user))
        continue;
      if (!isLayoutOp(user))
        return false; // a layer, a return, a call: the raw value escapes
      for (Value r : user->getResults())
        work.push_back(r);
    }
  }
  return true;
}

Classified Importer::visitElementwise(Operation *op, ValueRange inputs) {
  // Inputs that carry data of the network; constants (bias, batch-norm
  // parameters) do not count.
  llvm::SmallVector<Origins, 2> distinct;
  int64_t dataInputs = 0;
  Origins all;
  for (Value v : inputs) {
    const Origins &o = tracker.get(v);
    if (o.empty())
      continue;
    ++dataInputs;
    all.merge(o);
    if (!llvm::is_contained(distinct, o))
      distinct.push_back(o);
  }
  if (distinct.empty())
    return {}; // computed from constants
  // One source, used only by this op's epilogue chain (hardswish uses it
  // twice): fused into its producer, or preprocessing of a network input.
  // When the unfused value is needed elsewhere too, the op is a one-input
  // eltwise layer of its own.
  if (distinct.size() == 1 &&
      (all.layers.empty() ||
       llvm::all_of(inputs, [&](Value v) { return onlyEpilogueUses(v, op); })))
    return {};
  Classified c;
  c.role = Classified::Layer;
  LayerDesc &l = c.desc;
  l.kind = LayerKind::Eltwise;
  l.numInputs = dataInputs;
  int64_t elems = numElements(op->getResult(0).getType());
  if (elems < 0)
    return unsupported(op, "dynamic shapes cannot be scheduled");
  // Take the output shape of a producer with as many elements, so that the
  // layer keeps the network's N, C, H, W whatever the layout.
  for (int p : all.layers) {
    const LayerDesc &pd = descs[p];
    if (pd.n * pd.k * pd.ho * pd.wo == elems) {
      l.n = pd.n;
      l.c = l.k = pd.k;
      l.ho = pd.ho;
      l.wo = pd.wo;
      return c;
    }
  }
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  l.n = type.getRank() > 1 ? type.getDimSize(0) : 1;
  l.c = l.k = elems / l.n;
  return c;
}

Classified Importer::visitLinalg(linalg::LinalgOp op) {
  if (isa<linalg::FillOp, linalg::CopyOp, linalg::TransposeOp,
          linalg::BroadcastOp>(op))
    return {};
  bool isCompute = op.getNumDpsInputs() > 0;
  if (isCompute && ShapedType::isDynamicShape(op.getStaticLoopRanges()))
    return unsupported(op, "dynamic shapes cannot be scheduled");
  if (op.getNumDpsInputs() >= 2 && op.getNumDpsInits() == 1) {
    FailureOr<linalg::ConvolutionDimensions> dims =
        linalg::inferConvolutionDims(op);
    if (succeeded(dims))
      return visitConvolution(op, *dims);
    if (linalg::isaContractionOpInterface(op))
      return visitContraction(op);
  }
  if (op.getNumReductionLoops() > 0) {
    if (isa<linalg::ConvolutionOpInterface>(op.getOperation()) ||
        isa<linalg::ContractionOpInterface>(op.getOperation()))
      return unsupported(op, "its loop structure is not a convolution or "
                             "contraction kapla can describe");
    return visitReduction(op);
  }
  if (op.getNumLoops() == op.getNumParallelLoops()) {
    SmallVector<Value> ins;
    for (OpOperand *o : op.getDpsInputOperands())
      ins.push_back(o->get());
    return visitElementwise(op, ins);
  }
  return unknown(op, Twine("kapla-import does not understand '") +
                         op->getName().getStringRef() + "'");
}

Classified Importer::visit(Operation *op) {
  StringRef dialect = op->getDialect() ? op->getDialect()->getNamespace()
                                       : StringRef();
  if (dialect == "tosa")
    return unsupported(op, "TOSA must be lowered to linalg first: run "
                           "kapla-import-pipeline{input=tosa}");
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return visitLinalg(linalgOp);
  if (dialect == "tensor" || dialect == "bufferization")
    return {}; // layout ops (pad, reshapes, slices, concatenation)
  // An op with regions (scf.for, ...) would hide its compute from kapla.
  if (op->getNumRegions() > 0)
    return unknown(op, Twine("kapla-import does not understand '") +
                           op->getName().getStringRef() + "'");
  if (!hasTensorResult(op))
    return {}; // scalar and index arithmetic, asserts: no data of the network
  if (op->hasTrait<OpTrait::ConstantLike>())
    return {};
  if ((dialect == "arith" || dialect == "math") &&
      OpTrait::hasElementwiseMappableTraits(op))
    return visitElementwise(op, op->getOperands());
  return unknown(op, Twine("kapla-import does not understand '") +
                         op->getName().getStringRef() + "'");
}

bool Importer::run(int64_t batch) {
  Region &body = func.getFunctionBody();
  tracker.seedArguments(body);
  // The exported batch: the leading dim of the first tensor input.
  for (Type t : func.getArgumentTypes())
    if (auto rt = dyn_cast<RankedTensorType>(t); rt && rt.getRank() > 0) {
      exportedBatch = rt.getDimSize(0);
      break;
    }

  bool ok = true;
  llvm::StringSet<> usedNames;
  llvm::StringMap<int> nextSuffix; ///< by base name
  MLIRContext *ctx = func.getContext();
  for (Block &block : body) {
    for (Operation &opRef : block) {
      Operation *op = &opRef;
      if (op->hasTrait<OpTrait::ReturnLike>())
        continue;
      Classified c = visit(op);
      if (c.role == Classified::Failed) {
        ok = false;
        tracker.propagate(op);
        continue;
      }
      if (c.role == Classified::PassThrough) {
        op->removeAttr(KaplaDialect::kLayerAttrName);
        // Constants, and what is computed from constants only (weight
        // transposes and reshapes, tensor.empty, fills), stay constant.
        bool allConst = llvm::all_of(op->getOperands(),
                                     [&](Value v) { return isConst(v); });
        if (allConst)
          for (Value r : op->getResults())
            constValues.insert(r);
        tracker.propagate(op);
        continue;
      }

      LayerDesc &l = c.desc;
      // Eltwise layers match shapes against their producers as exported.
      LayerDesc exported = l;
      if (batch > 0 && exportedBatch > 0) {
        if (l.n % exportedBatch != 0) {
          op->emitError() << "cannot schedule at batch "
                          << static_cast<int64_t>(batch)
                          << ": the layer's N of " << l.n
                          << " is not a multiple of the network's batch "
                          << exportedBatch;
          ok = false;
          continue;
        }
        l.n = l.n / exportedBatch * batch;
      }
      if (std::optional<std::string> err = validateLayer(l)) {
        op->emitError() << "kapla-import derived an invalid layer: " << *err;
        ok = false;
        continue;
      }
      int id = static_cast<int>(layers.size());
      std::string name = getLayerName(op);
      if (name.empty() || usedNames.contains(name)) {
        std::string base = name.empty() ? stringifyLayerKind(l.kind) : name;
        int &counter = nextSuffix[base];
        do {
          name = base + "_" + std::to_string(counter++);
        } while (usedNames.contains(name));
      }
      usedNames.insert(name);
      op->setAttr(KaplaDialect::kLayerAttrName, toAttr(ctx, l));
      op->setAttr(KaplaDialect::kNameAttrName, StringAttr::get(ctx, name));
      op->setAttr(KaplaDialect::kWeightsAttrName,
                  DenseI64ArrayAttr::get(ctx, c.weights));
      descs[id] = exported;
      layers.push_back(op);
      tracker.setLayer(op, id);
    }
  }
  return ok;
}

struct KaplaImportPass
    : public mlir::kapla::impl::KaplaImportPassBase<KaplaImportPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (unknownOps != "error" && unknownOps != "warn") {
      module.emitError() << "kapla-import: unknown-ops must be 'error' or "
                            "'warn', got '"
                         << unknownOps << "'";
      return signalPassFailure();
    }
    if (batch < 0) {
      module.emitError() << "kapla-import: batch must be positive, got "
                         << static_cast<int64_t>(batch);
      return signalPassFailure();
    }
    bool ok = true;
    FunctionOpInterface network;
    size_t layerCount = 0;
    int64_t networkBatch = 0;
    module.walk([&](FunctionOpInterface func) {
      if (func.isExternal())
        return;
      Importer importer(func, unknownOps == "warn");
      ok &= importer.run(batch);
      if (!network || (layerCount == 0 && !importer.layers.empty())) {
        network = func;
        layerCount = importer.layers.size();
        networkBatch = batch > 0 ? batch : importer.exportedBatch;
      }
    });
    if (!ok)
      return signalPassFailure();
    if (!report.empty() && network) {
      LayerGraphAnalysis &graph =
          getChildAnalysis<LayerGraphAnalysis>(network.getOperation());
      ReportOptions opts;
      opts.batch = networkBatch;
      if (failed(writeReport(module, report, network.getName(), graph, opts)))
        return signalPassFailure();
    }
  }
};

} // namespace
