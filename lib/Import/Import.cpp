//===- Import.cpp - Recognise the layers of a network ---------------------===//
//
// kapla-import: classifies every op of a network (docs/UserGuide.md) and
// attaches a layer descriptor to each compute op. The classification is local
// to each op plus one forward dataflow fact per value: which layers (or network
// inputs) it derives from, and whether it derives from constants only.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Import/Import.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/Import/LayerCheck.h"
#include "Kapla/Import/LayerModels.h"
#include "Kapla/Report/Report.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/Inliner.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLAIMPORTPASS
#include "Kapla/Transforms/Passes.h.inc"

const char *stringifyUnknownOps(UnknownOps u) {
  return u == UnknownOps::Warn ? "warn" : "error";
}
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

/// An element-wise arith or math op (on tensors, a layer or an epilogue).
bool isArithElementwise(Operation *op) {
  return isa_and_nonnull<arith::ArithDialect, math::MathDialect>(
             op->getDialect()) &&
         OpTrait::hasElementwiseMappableTraits(op);
}

/// The ops of dialects kapla does not link that only pass a tensor on
/// (named: their dialects need not be loaded for kapla to run).
bool isBufferizationOrMemRefCast(Operation *op) {
  StringRef name = op->getName().getStringRef();
  return name == "bufferization.to_tensor" ||
         name == "bufferization.to_buffer" || name == "memref.cast";
}

/// Ops of the bufferization dialect (not linked by kapla: by name).
bool isBufferizationOp(Operation *op) {
  return op->getName().getDialectNamespace() == "bufferization";
}

bool hasTensorResult(Operation *op) {
  return llvm::any_of(op->getResultTypes(),
                      [](Type t) { return isa<TensorType>(t); });
}

/// Why a layer with a tensor of size 0 is refused.
constexpr const char *kNothingToCompute =
    "a tensor dim of size 0 leaves nothing to compute";

int64_t numElements(Type t) {
  auto shaped = dyn_cast<RankedTensorType>(t);
  return shaped && shaped.hasStaticShape() ? shaped.getNumElements() : -1;
}

/// Which dims of each value carry the network's batch: seeded at the network
/// inputs (dim 0 of every input whose leading dim is the exported batch) and
/// carried through linalg indexing maps, reshapes, casts, slices and
/// element-wise ops, so that `batch=B` scales exactly the loops that run
/// over the batch (the rows and the columns of a Gram matrix of the batch,
/// N*S of a sequence model, N of a convolution).
class BatchTracker {
public:
  /// The batch dims of `v` (empty when it carries no batch). A scalar or
  /// unranked value that carries the batch has the single entry -1: its
  /// first ranked form has the batch in dim 0.
  ArrayRef<int> get(Value v) const {
    auto it = dims.find(v);
    return it == dims.end() ? ArrayRef<int>() : ArrayRef<int>(it->second);
  }
  void set(Value v, ArrayRef<int> d) {
    if (!d.empty())
      dims[v] = llvm::SmallVector<int, 2>(d.begin(), d.end());
  }
  bool carries(Value v, int dim) const {
    return llvm::is_contained(get(v), dim);
  }

  /// The exported batch (0 while no input fixed it).
  int64_t exported = 0;

  /// Seeds the data inputs among `args`; `isWeight` excludes arguments
  /// marked as weights.
  void seed(ArrayRef<BlockArgument> args,
            llvm::function_ref<bool(BlockArgument)> isWeight);
  /// The batch dims of the results of a non-linalg op, from its operands;
  /// false when the op has a batch operand but kapla cannot tell where the
  /// batch goes.
  bool propagate(Operation *op);
  /// For an op kapla does not understand: its results keep the batch dims of
  /// an operand of the same rank.
  void assumeSamePositions(Operation *op);
  /// The loops of `op` that run over the batch, read from `data` operands.
  llvm::SmallVector<bool> batchLoops(linalg::LinalgOp op,
                                     ArrayRef<OpOperand *> data) const;
  /// Marks the batch dims of `op`'s results from its batch loops.
  void setResults(linalg::LinalgOp op, ArrayRef<bool> loops);

private:
  /// Fixes the exported batch from a static size the batch dim has.
  void observe(Type t, int dim) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (exported == 0 && shaped && shaped.hasRank() && dim >= 0 &&
        dim < shaped.getRank() && !shaped.isDynamicDim(dim))
      exported = shaped.getDimSize(dim);
  }
  llvm::DenseMap<Value, llvm::SmallVector<int, 2>> dims;
};

void BatchTracker::seed(ArrayRef<BlockArgument> args,
                        llvm::function_ref<bool(BlockArgument)> isWeight) {
  // The exported batch is the leading dim of the first used data input;
  // other inputs carry the batch when their leading dim is the same (or
  // unknown).
  llvm::SmallVector<BlockArgument> inputs;
  for (BlockArgument a : args)
    if (!a.use_empty() && !isWeight(a))
      inputs.push_back(a);
  for (BlockArgument a : inputs) {
    auto shaped = dyn_cast<ShapedType>(a.getType());
    if (shaped && shaped.hasRank() && shaped.getRank() > 0 &&
        !shaped.isDynamicDim(0)) {
      exported = shaped.getDimSize(0);
      break;
    }
  }
  for (BlockArgument a : inputs) {
    auto shaped = dyn_cast<ShapedType>(a.getType());
    if (!shaped || !shaped.hasRank()) {
      set(a, {-1}); // a scalar or an unranked input
      continue;
    }
    if (shaped.getRank() == 0)
      continue;
    if (shaped.isDynamicDim(0) || exported == 0 ||
        shaped.getDimSize(0) == exported)
      set(a, {0});
  }
}

llvm::SmallVector<bool>
BatchTracker::batchLoops(linalg::LinalgOp op,
                         ArrayRef<OpOperand *> data) const {
  llvm::SmallVector<bool> loops(op.getNumLoops(), false);
  for (OpOperand *operand : data) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    for (int d : get(operand->get())) {
      if (d < 0 || d >= static_cast<int>(map.getNumResults()))
        continue;
      if (auto e = dyn_cast<AffineDimExpr>(map.getResult(d))) {
        loops[e.getPosition()] = true;
        continue;
      }
      // A size-1 batch read by a broadcast (`(d0, d1) -> (0, d1)`, as
      // torch-mlir writes it): the batch loop is the one the output of the
      // same rank has in that position.
      if (!isa<AffineConstantExpr>(map.getResult(d)))
        continue;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        AffineMap out = op.getMatchingIndexingMap(&init);
        if (out.getNumResults() == map.getNumResults())
          if (auto e = dyn_cast<AffineDimExpr>(out.getResult(d)))
            loops[e.getPosition()] = true;
      }
    }
  }
  return loops;
}

void BatchTracker::setResults(linalg::LinalgOp op, ArrayRef<bool> loops) {
  for (OpResult r : op->getResults()) {
    AffineMap map = op.getIndexingMapMatchingResult(r);
    llvm::SmallVector<int, 2> out;
    for (auto [i, e] : llvm::enumerate(map.getResults()))
      if (auto d = dyn_cast<AffineDimExpr>(e); d && loops[d.getPosition()])
        out.push_back(static_cast<int>(i));
    set(r, out);
  }
  // A fill or generic that makes a tensor from a batch scalar.
  if (llvm::any_of(op->getOperands(),
                   [&](Value v) { return carries(v, -1); }))
    for (OpResult r : op->getResults())
      if (get(r).empty() && cast<ShapedType>(r.getType()).getRank() > 0) {
        set(r, {0});
        observe(r.getType(), 0);
      }
}

void BatchTracker::assumeSamePositions(Operation *op) {
  for (Value r : op->getResults()) {
    auto type = dyn_cast<ShapedType>(r.getType());
    if (!type || !type.hasRank())
      continue;
    for (Value v : op->getOperands()) {
      auto from = dyn_cast<ShapedType>(v.getType());
      if (from && from.hasRank() && from.getRank() == type.getRank() &&
          !get(v).empty()) {
        set(r, get(v));
        break;
      }
    }
  }
}

bool BatchTracker::propagate(Operation *op) {
  bool any = llvm::any_of(op->getOperands(),
                          [&](Value v) { return !get(v).empty(); });
  if (!any || op->getNumResults() == 0)
    return true;
  auto rankOf = [](Value v) -> int64_t {
    auto shaped = dyn_cast<ShapedType>(v.getType());
    return shaped && shaped.hasRank() ? shaped.getRank() : -1;
  };
  // Same positions: casts, buffers, pads, element-wise ops.
  auto samePositions = [&](ValueRange from, Value to) {
    llvm::SmallVector<int, 2> out;
    int64_t rank = rankOf(to);
    for (Value f : from) {
      for (int d : get(f)) {
        // A scalar or unranked batch input: dim 0 of the first ranked form.
        int td = d < 0 ? (rank > 0 ? 0 : -1) : d;
        if (td >= 0 && rank >= 0 && td >= rank)
          continue;
        if (td < 0 && rank > 0)
          continue;
        if (!llvm::is_contained(out, td))
          out.push_back(td);
      }
    }
    llvm::sort(out);
    set(to, out);
    for (int d : out)
      observe(to.getType(), d);
  };
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    llvm::SmallVector<int, 2> out;
    for (auto [j, group] :
         llvm::enumerate(collapse.getReassociationIndices()))
      if (llvm::any_of(group, [&](int64_t i) {
            return carries(collapse.getSrc(), static_cast<int>(i));
          }))
        out.push_back(static_cast<int>(j));
    set(collapse.getResult(), out);
    return true;
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    // The batch goes to the outermost dim of its group that is not 1.
    llvm::SmallVector<int, 2> out;
    RankedTensorType type = expand.getResultType();
    for (auto [i, group] : llvm::enumerate(expand.getReassociationIndices())) {
      if (!carries(expand.getSrc(), static_cast<int>(i)))
        continue;
      int64_t pick = group.front();
      for (int64_t j : group)
        if (type.getDimSize(j) != 1) {
          pick = j;
          break;
        }
      out.push_back(static_cast<int>(pick));
    }
    set(expand.getResult(), out);
    return true;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    llvm::SmallVector<int, 2> out;
    int next = 0;
    for (int d = 0, e = slice.getSourceType().getRank(); d < e; ++d) {
      if (dropped.test(d))
        continue;
      if (carries(slice.getSource(), d))
        out.push_back(next);
      ++next;
    }
    set(slice.getResult(), out);
    return true;
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    if (insert.getSourceType().getRank() == insert.getDestType().getRank())
      samePositions({insert.getSource(), insert.getDest()},
                    insert.getResult());
    else
      samePositions({insert.getDest()}, insert.getResult());
    return true;
  }
  if (isa<tensor::CastOp, tensor::PadOp, tensor::ConcatOp, tensor::SplatOp,
          tensor::FromElementsOp, tensor::GenerateOp>(op) ||
      isBufferizationOrMemRefCast(op) || isArithElementwise(op)) {
    for (Value r : op->getResults())
      samePositions(op->getOperands(), r);
    return true;
  }
  if (isa<tensor::DimOp>(op) || !llvm::any_of(op->getResultTypes(), [](Type t) {
        return isa<ShapedType>(t);
      }))
    return true; // shape queries and scalars: no batch data flows on
  return false;
}

class Importer {
public:
  Importer(FunctionOpInterface func, bool warnUnknown, int64_t batch)
      : func(func), warnUnknown(warnUnknown), batch(batch) {}

  /// Classifies every op of the function; false if an error was emitted.
  bool run();

  /// The layers found, in program order.
  llvm::SmallVector<Operation *> layers;
  /// The batch the network was exported with (0 if no input fixes it).
  int64_t exportedBatch() const { return batchDims.exported; }
  /// Whether some layer runs over the batch of a network input.
  bool batchReachesLayers = false;

private:
  Classified visit(Operation *op);
  Classified visitLinalg(linalg::LinalgOp op);
  Classified visitElementwise(Operation *op, ValueRange inputs);
  Classified unknown(Operation *op, const Twine &why);
  Classified unsupported(Operation *op, const Twine &why);

  bool isConst(Value v) const { return constValues.contains(v); }
  /// In a function without input arguments (a driver with its network
  /// inlined): the constant its first convolution or contraction reads as
  /// its input, which then stands for the network input.
  Value findInputConstant(llvm::function_ref<bool(BlockArgument)> isWeight);
  /// The loop ranges of `op` at the requested batch (into `ranges`); false
  /// after an error.
  bool scaleLoops(linalg::LinalgOp op);
  /// The shape of `v` at the requested batch.
  llvm::SmallVector<int64_t> scaledShape(Value v) const;
  /// Whether every use of `v` other than by `self` is an element-wise op
  /// (reached through layout ops only): `self` is then part of an epilogue.
  bool onlyEpilogueUses(Value v, Operation *self) const;

  FunctionOpInterface func;
  bool warnUnknown;
  int64_t batch;
  OriginTracker tracker;
  BatchTracker batchDims;
  /// The loop ranges of the linalg op being classified, at the batch, as
  /// exported, and which loops run over the batch.
  llvm::SmallVector<int64_t> ranges, exportedRanges;
  llvm::SmallVector<bool> batchLoop;
  llvm::DenseSet<Value> constValues;
  /// Layers by index.
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

/// Whether `op` only moves or reshapes data (no compute of its own).
static bool isLayoutOp(Operation *op) {
  return isa_and_nonnull<tensor::TensorDialect>(op->getDialect()) ||
         isBufferizationOp(op) ||
         isa<linalg::FillOp, linalg::CopyOp, linalg::TransposeOp,
             linalg::BroadcastOp>(op);
}

/// Whether `op` is element-wise (an epilogue candidate).
static bool isElementwiseOp(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
  return isArithElementwise(op);
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

/// The block arguments `v` is computed from.
static llvm::SmallVector<BlockArgument> argumentRoots(Value v) {
  llvm::SmallVector<BlockArgument> roots;
  llvm::SmallVector<Value> work{v};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    if (!seen.insert(cur).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(cur)) {
      roots.push_back(arg);
      continue;
    }
    for (Value operand : cur.getDefiningOp()->getOperands())
      work.push_back(operand);
  }
  return roots;
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
  // Network inputs only: preprocessing of one input (x * x, a scale), but
  // a combination of two different inputs (a + b) is a layer.
  if (distinct.size() == 1 && all.layers.empty()) {
    llvm::SmallPtrSet<void *, 4> roots;
    for (Value v : inputs)
      if (!tracker.get(v).empty())
        for (BlockArgument a : argumentRoots(v))
          roots.insert(a.getAsOpaquePointer());
    if (roots.size() < 2)
      return {};
  }
  // One source, used only by this op's epilogue chain (hardswish uses it
  // twice): fused into its producer. When the unfused value is needed
  // elsewhere too, the op is a one-input eltwise layer of its own.
  else if (distinct.size() == 1 &&
           llvm::all_of(inputs,
                        [&](Value v) { return onlyEpilogueUses(v, op); }))
    return {};
  Classified c;
  c.role = Classified::Layer;
  LayerDesc &l = c.desc;
  l.kind = LayerKind::Eltwise;
  l.numInputs = dataInputs;
  int64_t resultElements = numElements(op->getResult(0).getType());
  if (resultElements < 0)
    return unsupported(op, "dynamic shapes cannot be scheduled");
  if (resultElements == 0)
    return unsupported(op, kNothingToCompute);
  llvm::SmallVector<int64_t> shape = scaledShape(op->getResult(0));
  int64_t elems = 1;
  for (int64_t d : shape)
    if (d < 1 || __builtin_mul_overflow(elems, d, &elems))
      return unsupported(op, "its shape at batch " + Twine(batch) +
                                 " is not a whole multiple of the exported "
                                 "batch or overflows 64 bits");
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
  l.n = shape.size() > 1 ? shape[0] : 1;
  l.c = l.k = elems / l.n;
  return c;
}

/// Scales an extent that runs over the batch from `exported` to `batch`;
/// nullopt when it is not a multiple of `exported` or overflows.
static std::optional<int64_t> scaleExtent(int64_t extent, int64_t exported,
                                          int64_t batch) {
  if (batch <= 0 || exported <= 0 || ShapedType::isDynamic(extent))
    return extent;
  if (extent % exported != 0)
    return std::nullopt;
  int64_t out;
  if (__builtin_mul_overflow(extent / exported, batch, &out))
    return std::nullopt;
  return out;
}

llvm::SmallVector<int64_t> Importer::scaledShape(Value v) const {
  auto type = cast<ShapedType>(v.getType());
  llvm::SmallVector<int64_t> shape(type.getShape());
  for (int d : batchDims.get(v))
    if (d >= 0 && d < static_cast<int>(shape.size()))
      shape[d] = scaleExtent(shape[d], batchDims.exported, batch).value_or(-1);
  return shape;
}

bool Importer::scaleLoops(linalg::LinalgOp op) {
  ranges = op.getStaticLoopRanges();
  exportedRanges = ranges;
  // The batch comes in through the data operands: a convolution's filter is
  // a weight even when it is a function argument.
  llvm::SmallVector<OpOperand *> data;
  llvm::SmallVector<unsigned> filters;
  if (auto layerOp = dyn_cast<LayerOpInterface>(op.getOperation()))
    filters = layerOp.getFilterOperands();
  bool conv = !filters.empty();
  for (OpOperand &o : op->getOpOperands())
    if (!llvm::is_contained(filters, o.getOperandNumber()))
      data.push_back(&o);
  llvm::SmallVector<bool> loops = batchDims.batchLoops(op, data);
  // Rows and columns (or rows and the reduction) of a contraction that both
  // run over the batch pair samples with samples only when both are the
  // batch itself (a Gram matrix of the batch, N x N). When the batch is
  // merged with other dims (the B*S rows of a sequence model exported at
  // batch 1), samples are independent, as in attention: the rows carry the
  // batch, the columns and the reduction keep their extent.
  FailureOr<linalg::ContractionDimensions> cd =
      conv || !isContraction(op)
          ? FailureOr<linalg::ContractionDimensions>(failure())
          : contractionDims(op);
  auto anyBatch = [&](ArrayRef<unsigned> dims) {
    return llvm::any_of(dims, [&](unsigned d) { return loops[d]; });
  };
  if (succeeded(cd) && anyBatch(cd->m) &&
      (anyBatch(cd->n) || anyBatch(cd->k))) {
    bool pure = true;
    for (ArrayRef<unsigned> dims :
         {ArrayRef<unsigned>(cd->m), ArrayRef<unsigned>(cd->n),
          ArrayRef<unsigned>(cd->k)})
      for (unsigned d : dims)
        if (loops[d] && ranges[d] != batchDims.exported)
          pure = false;
    if (!pure) {
      for (unsigned d : cd->n)
        loops[d] = false;
      for (unsigned d : cd->k)
        loops[d] = false;
    }
  }
  batchDims.setResults(op, loops);
  batchLoop = loops;
  for (auto [d, isBatch] : llvm::enumerate(loops)) {
    if (!isBatch)
      continue;
    std::optional<int64_t> scaled =
        scaleExtent(ranges[d], batchDims.exported, batch);
    if (!scaled) {
      op->emitError() << "cannot schedule at batch " << batch << ": loop " << d
                      << " runs over the network's batch with "
                      << ranges[d]
                      << " iterations, which is not a multiple of the "
                         "exported batch "
                      << batchDims.exported << " (or the result overflows)";
      return false;
    }
    ranges[d] = *scaled;
  }
  return true;
}

Classified Importer::visitLinalg(linalg::LinalgOp op) {
  if (isLayoutOp(op))
    return {};
  bool isCompute = op.getNumDpsInputs() > 0;
  if (isCompute && ShapedType::isDynamicShape(op.getStaticLoopRanges()))
    return unsupported(op, "dynamic shapes cannot be scheduled");
  auto layerOp = dyn_cast<LayerOpInterface>(op.getOperation());
  if (!layerOp)
    return unsupported(op, "the context has no LayerOpInterface model for "
                           "linalg ops (registerLayerOpInterfaceModels)");
  llvm::Expected<LayerReading> r =
      layerOp.readLayer(ranges, [&](Value v) { return isConst(v); });
  if (!r)
    return unsupported(op, llvm::toString(r.takeError()));
  switch (r->role) {
  case LayerReading::Role::Layout:
    return {};
  case LayerReading::Role::Constant:
    op->emitWarning() << "contraction of constants only is not scheduled (it "
                         "can be folded before it runs)";
    return {};
  case LayerReading::Role::Elementwise: {
    SmallVector<Value> ins;
    for (OpOperand *o : op.getDpsInputOperands())
      ins.push_back(o->get());
    Classified c = visitElementwise(op, ins);
    if (c.role == Classified::Layer)
      setDimLoops(c.desc, ranges, eltwiseLoopDims(ranges, c.desc), batchLoop);
    return c;
  }
  case LayerReading::Role::Unknown:
    return unknown(op, Twine("kapla-import does not understand '") +
                           op->getName().getStringRef() + "'");
  case LayerReading::Role::Layer:
    break;
  }
  if (r->reduction && tracker.operandOrigins(op).empty())
    return {}; // computed from constants: nothing to schedule
  Classified c;
  c.role = Classified::Layer;
  c.desc = r->layer;
  setDimLoops(c.desc, ranges, r->loopDims, batchLoop);
  c.weights.assign(r->weights.begin(), r->weights.end());
  return c;
}

Classified Importer::visit(Operation *op) {
  // TOSA is lowered by the pipeline; kapla-import reads linalg only (the
  // TOSA dialect is recognised by name, so that kapla-import needs no TOSA).
  if (op->getName().getDialectNamespace() == "tosa")
    return unsupported(op, "TOSA must be lowered to linalg first: run "
                           "kapla-import-pipeline{input=tosa}");
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return visitLinalg(linalgOp);
  if (isa_and_nonnull<tensor::TensorDialect>(op->getDialect()) ||
      isBufferizationOp(op))
    return {}; // layout ops (pad, reshapes, slices, concatenation)
  // A call to a function of the module (a driver calling its network):
  // the callee is imported as a network of its own.
  if (auto call = dyn_cast<CallOpInterface>(op))
    if (auto ref = dyn_cast_if_present<SymbolRefAttr>(
            call.getCallableForCallee()))
      if (auto callee = SymbolTable::lookupNearestSymbolFrom<
              FunctionOpInterface>(op, ref);
          callee && !callee.isExternal())
        return {};
  // An op with regions (scf.for, ...) would hide its compute from kapla.
  if (op->getNumRegions() > 0)
    return unknown(op, Twine("kapla-import does not understand '") +
                           op->getName().getStringRef() + "'");
  if (!hasTensorResult(op))
    return {}; // scalar and index arithmetic, asserts: no data of the network
  if (op->hasTrait<OpTrait::ConstantLike>())
    return {};
  if (isArithElementwise(op))
    return visitElementwise(op, op->getOperands());
  return unknown(op, Twine("kapla-import does not understand '") +
                         op->getName().getStringRef() + "'");
}

Value Importer::findInputConstant(
    llvm::function_ref<bool(BlockArgument)> isWeight) {
  Region &body = func.getFunctionBody();
  if (body.empty() ||
      llvm::any_of(body.front().getArguments(), [&](BlockArgument a) {
        return !a.use_empty() && !isWeight(a);
      }))
    return {};
  // The first convolution or contraction: its input (operand 0), traced
  // back through layout ops to a constant.
  for (Operation &op : body.front()) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(&op);
    if (!linalgOp || linalgOp.getNumDpsInputs() < 2)
      continue;
    if (!isConvolution(linalgOp) && !isContraction(linalgOp))
      continue;
    Value v = linalgOp.getDpsInputOperand(0)->get();
    while (Operation *def = v.getDefiningOp()) {
      if (def->hasTrait<OpTrait::ConstantLike>()) {
        auto type = dyn_cast<RankedTensorType>(v.getType());
        return type && type.getRank() > 0 && !type.isDynamicDim(0) ? v
                                                                   : Value();
      }
      if (!isLayoutOp(def) || def->getNumOperands() == 0)
        return {};
      v = def->getOperand(0);
    }
    return {};
  }
  return {};
}

bool Importer::run() {
  Region &body = func.getFunctionBody();
  // Arguments marked `kapla.weight` are weights, as constants are; the
  // others are network inputs.
  auto isWeight = [&](BlockArgument a) {
    return a.getOwner() == &body.front() &&
           func.getArgAttr(a.getArgNumber(), KaplaDialect::kWeightAttrName);
  };
  if (!body.empty()) {
    tracker.seedArguments(body);
    for (BlockArgument a : body.front().getArguments())
      if (isWeight(a)) {
        tracker.forget(a);
        constValues.insert(a);
      }
    batchDims.seed(body.front().getArguments(), isWeight);
  }
  Value inputConstant = findInputConstant(isWeight);
  if (inputConstant) {
    tracker.seedValue(inputConstant);
    batchDims.set(inputConstant, {0});
    batchDims.exported =
        cast<ShapedType>(inputConstant.getType()).getDimSize(0);
    inputConstant.getDefiningOp()->emitWarning()
        << "@" << func.getName()
        << " takes no input argument: this constant, which its first layer "
           "reads as its input, is taken as the network input (batch "
        << batchDims.exported << ")";
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
      // Where the batch goes: before the op is classified, which reads it.
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        if (!scaleLoops(linalgOp)) {
          ok = false;
          tracker.propagate(op);
          continue;
        }
      } else if (!batchDims.propagate(op) && batch > 0) {
        if (!warnUnknown) {
          op->emitError() << "cannot schedule at batch " << batch
                          << ": kapla cannot tell which dim of the result of '"
                          << op->getName()
                          << "' carries the batch (reshape with "
                             "tensor.expand_shape or tensor.collapse_shape, "
                             "or schedule at the exported batch)";
          ok = false;
          tracker.propagate(op);
          continue;
        }
        op->emitWarning() << "kapla cannot tell which dim of the result of '"
                          << op->getName() << "' carries the batch; batch="
                          << batch << " assumes the same dims as its operand";
        batchDims.assumeSamePositions(op);
      }
      Classified c;
      auto existing = getLayer(op);
      if (existing && existing.getPass() != LayerPass::Forward) {
        // A backward layer of a training step: kept as built, with its
        // weight operands.
        c.role = Classified::Layer;
        c.desc = toCore(existing);
        llvm::ArrayRef<int64_t> w = getWeightOperands(op);
        c.weights.assign(w.begin(), w.end());
      } else {
        c = visit(op);
      }
      if (c.role == Classified::Failed) {
        ok = false;
        tracker.propagate(op);
        continue;
      }
      if (c.role == Classified::PassThrough) {
        setLayer(op, LayerAttr());
        // Constants, and what is computed from constants only (weight
        // transposes and reshapes, tensor.empty, fills), stay constant.
        bool allConst = llvm::all_of(op->getOperands(),
                                     [&](Value v) { return isConst(v); });
        if (allConst && !llvm::is_contained(op->getResults(), inputConstant))
          for (Value r : op->getResults())
            constValues.insert(r);
        tracker.propagate(op);
        continue;
      }

      LayerDesc &l = c.desc;
      if (llvm::any_of(op->getOperands(),
                       [&](Value v) { return !batchDims.get(v).empty(); }))
        batchReachesLayers = true;
      if (llvm::Error err = validateLayer(l)) {
        // A tensor with a dim of size 0: the op computes nothing.
        auto empty = [](Value v) { return numElements(v.getType()) == 0; };
        if (llvm::any_of(op->getOperands(), empty) ||
            llvm::any_of(op->getResults(), empty)) {
          llvm::consumeError(std::move(err));
          unsupported(op, kNothingToCompute);
        } else {
          op->emitError() << "kapla-import derived an invalid layer: "
                          << llvm::toString(std::move(err));
        }
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
      setLayer(op, toAttr(ctx, l));
      setLayerName(op, name);
      setWeightOperands(op, c.weights);
      descs[id] = l;
      layers.push_back(op);
      tracker.setLayer(op, id);
    }
  }
  return ok;
}

/// Whether `func` computes: it holds a linalg op with inputs other than a
/// fill, copy, transpose or broadcast.
bool computes(FunctionOpInterface func) {
  return func
      .walk([](linalg::LinalgOp op) {
        return op.getNumDpsInputs() > 0 &&
                       !isa<linalg::FillOp, linalg::CopyOp,
                            linalg::TransposeOp, linalg::BroadcastOp>(op)
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether `v` is computed from an argument of `func` (network data).
bool derivesFromArguments(Value v, FunctionOpInterface func) {
  return llvm::any_of(argumentRoots(v), [&](BlockArgument a) {
    return a.getOwner()->getParentOp() == func.getOperation();
  });
}

/// The defined callee of `call`, or null.
FunctionOpInterface calleeOf(CallOpInterface call, SymbolTable &symbols) {
  auto ref = dyn_cast_if_present<SymbolRefAttr>(call.getCallableForCallee());
  if (!ref)
    return {};
  auto callee =
      symbols.lookup<FunctionOpInterface>(ref.getRootReference().getValue());
  return callee && !callee.isExternal() ? callee : FunctionOpInterface();
}

/// Whether a call chain from `func` leads back to it.
bool reachesItself(FunctionOpInterface func, SymbolTable &symbols) {
  llvm::SmallVector<FunctionOpInterface> work{func};
  llvm::DenseSet<Operation *> seen;
  while (!work.empty()) {
    FunctionOpInterface cur = work.pop_back_val();
    bool found = false;
    cur.walk([&](CallOpInterface call) {
      FunctionOpInterface callee = calleeOf(call, symbols);
      if (!callee)
        return;
      if (callee == func)
        found = true;
      else if (seen.insert(callee.getOperation()).second)
        work.push_back(callee);
    });
    if (found)
      return true;
  }
  return false;
}

/// Inlines into `func` the calls that `wanted` selects, and the calls
/// that the inlined bodies make in turn; false after an error.
bool inlineCalls(
    FunctionOpInterface func, SymbolTable &symbols,
    llvm::function_ref<bool(CallOpInterface, FunctionOpInterface)> wanted,
    llvm::DenseSet<Operation *> &inlinedCallees) {
  InlinerInterface interface(func.getContext());
  InlinerConfig config;
  for (int round = 0;; ++round) {
    llvm::SmallVector<std::pair<CallOpInterface, FunctionOpInterface>> calls;
    func.walk([&](CallOpInterface call) {
      if (FunctionOpInterface callee = calleeOf(call, symbols))
        if (wanted(call, callee))
          calls.push_back({call, callee});
    });
    if (calls.empty())
      return true;
    if (round == 64) {
      calls.front().first->emitError()
          << "kapla-import: calls nest more than 64 deep from @"
          << func.getName() << " (a recursive network cannot be scheduled)";
      return false;
    }
    for (auto [call, callee] : calls) {
      if (reachesItself(callee, symbols)) {
        call->emitError() << "kapla-import: @" << callee.getName()
                          << " calls itself (directly or through other "
                             "functions); a recursive network cannot be "
                             "scheduled";
        return false;
      }
      auto callable = cast<CallableOpInterface>(callee.getOperation());
      if (failed(inlineCall(interface, config.getCloneCallback(), call,
                            callable, callable.getCallableRegion()))) {
        call->emitError() << "kapla-import: cannot inline the call to @"
                          << callee.getName() << " into @" << func.getName()
                          << " (its ops have no inliner interface)";
        return false;
      }
      inlinedCallees.insert(callee.getOperation());
      call->erase();
    }
  }
}

struct KaplaImportPass
    : public mlir::kapla::impl::KaplaImportPassBase<KaplaImportPass> {
  using Base::Base;

  /// The layer models of the linalg ops are part of what the pass needs.
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registry.insert<linalg::LinalgDialect>();
    registerLayerOpInterfaceModels(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ImportOptions opts;
    opts.batch = batch;
    opts.unknownOps = unknownOps;
    opts.entry = entry;
    opts.requireLayers = requireLayers;
    FailureOr<ImportResult> imported = importNetworks(module, opts);
    if (failed(imported))
      return signalPassFailure();
    if (imported->layers == 0 && !report.empty())
      module.emitWarning() << "kapla-import: no layers found; the report "
                              "lists none";

    // What was asked and what was done, for the report.
    llvm::json::Array names;
    for (FunctionOpInterface f : imported->networks)
      names.push_back(f.getName().str());
    RunRecord &record = getAnalysis<RunRecord>();
    record.recordOption("batch", int64_t(batch), imported->appliedBatch);
    record.recordOption("exported_batch", nullptr, imported->exportedBatch);
    record.recordOption("entry", entry.getValue(), entry.getValue());
    record.recordOption("functions", nullptr, std::move(names));
    record.recordOption("unknown_ops", stringifyUnknownOps(unknownOps),
                        stringifyUnknownOps(unknownOps));

    if (!report.empty()) {
      llvm::SmallVector<ReportNetwork> nets;
      for (FunctionOpInterface f : imported->networks)
        nets.push_back({f.getName().str(),
                        &getChildAnalysis<LayerGraphAnalysis>(f.getOperation()),
                        nullptr});
      ReportOptions ropts;
      ropts.batch = imported->appliedBatch;
      if (failed(writeReport(module, report, nets, ropts, record)))
        return signalPassFailure();
    }
  }
};

} // namespace

FailureOr<ImportResult> mlir::kapla::importNetworks(ModuleOp module,
                                                    const ImportOptions &opts) {
  const int64_t batch = opts.batch;
  const StringRef entry = opts.entry;
  if (batch < 0) {
    module.emitError() << "kapla-import: batch must be positive, got " << batch;
    return failure();
  }
  SymbolTable symbols(module);
  llvm::SmallVector<FunctionOpInterface> defined;
  for (auto func : module.getOps<FunctionOpInterface>())
    if (!func.isExternal())
      defined.push_back(func);
  auto candidates = [&] {
    std::string names;
    for (FunctionOpInterface f : defined)
      if (computes(f))
        names += (names.empty() ? "@" : ", @") + f.getName().str();
    return names.empty() ? std::string("none") : names;
  };

  // The network functions. With `entry`, that one, with every call it
  // makes inlined. Otherwise every function that computes: calls that
  // pass network data to a private function (a helper) are inlined, and
  // a helper whose calls were all inlined is no network of its own.
  llvm::SmallVector<FunctionOpInterface> networks;
  llvm::DenseSet<Operation *> inlined;
  if (!entry.empty()) {
    auto func = symbols.lookup<FunctionOpInterface>(entry);
    if (!func || func.isExternal()) {
      module.emitError() << "kapla-import: entry '" << entry
                         << "' is not a function with a body in the "
                            "module; the functions that compute are "
                         << candidates();
      return failure();
    }
    if (!inlineCalls(
            func, symbols,
            [](CallOpInterface, FunctionOpInterface) { return true; }, inlined))
      return failure();
    networks.push_back(func);
  } else {
    for (FunctionOpInterface func : defined)
      if (!inlineCalls(
              func, symbols,
              [&](CallOpInterface call, FunctionOpInterface callee) {
                return callee.isPrivate() &&
                       llvm::any_of(call.getArgOperands(), [&](Value v) {
                         return derivesFromArguments(v, func);
                       });
              },
              inlined))
        return failure();
    for (FunctionOpInterface func : defined) {
      if (inlined.contains(func.getOperation()) &&
          SymbolTable::symbolKnownUseEmpty(func, module))
        continue; // a helper, now part of its callers
      // A network that calls another: which one is meant?
      WalkResult nested = func.walk([&](CallOpInterface call) {
        FunctionOpInterface callee = calleeOf(call, symbols);
        if (callee && computes(func) && computes(callee)) {
          call->emitError()
              << "kapla-import: @" << func.getName() << " computes and calls @"
              << callee.getName()
              << ", which computes too; choose the network with entry= "
                 "(entry="
              << func.getName()
              << " inlines the calls; candidates: " << candidates() << ")";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (nested.wasInterrupted())
        return failure();
      networks.push_back(func);
    }
  }

  bool ok = true;
  bool batchApplied = true;
  int64_t exportedBatch = 0;
  size_t layerCount = 0;
  llvm::SmallVector<FunctionOpInterface> withLayers;
  for (FunctionOpInterface func : networks) {
    Importer importer(func, opts.unknownOps == UnknownOps::Warn, batch);
    bool funcOk = importer.run();
    ok &= funcOk;
    layerCount += importer.layers.size();
    if (!importer.layers.empty())
      withLayers.push_back(func);
    if (exportedBatch == 0)
      exportedBatch = importer.exportedBatch();
    if (funcOk && batch > 0 && !importer.layers.empty() &&
        !importer.batchReachesLayers) {
      func.emitError()
          << "kapla-import: cannot schedule @" << func.getName() << " at batch "
          << batch
          << ": no layer reads data that carries the batch of a network "
             "input (is the input a constant, as after inlining a "
             "driver? schedule the function that takes the input as an "
             "argument)";
      batchApplied = false;
    }
  }
  if (ok && batch > 0 && layerCount == 0) {
    module.emitError() << "kapla-import: cannot schedule at batch " << batch
                       << ": the module has no layers (every compute op "
                          "works on constants only: is the network input a "
                          "constant, as after inlining a driver?)";
    batchApplied = false;
  }
  if (ok && opts.requireLayers && layerCount == 0) {
    module.emitError() << "kapla-import: nothing to schedule: the module "
                          "has no layers (every compute op works on "
                          "constants only, or there is none)";
    return failure();
  }
  if (!ok || !batchApplied)
    return failure();
  ImportResult result;
  result.networks = std::move(withLayers);
  result.exportedBatch = exportedBatch;
  result.appliedBatch = batch > 0 ? batch : exportedBatch;
  result.layers = static_cast<int64_t>(layerCount);
  return result;
}

std::optional<std::string> mlir::kapla::layerContradictsOp(Operation *op) {
  auto attr = getLayer(op);
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!attr || !linalgOp || op->getNumResults() != 1)
    return std::nullopt;
  LayerDesc l = toCore(attr);
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (l.pass != LayerPass::Forward || ShapedType::isDynamicShape(ranges))
    return std::nullopt;
  std::string out;
  llvm::raw_string_ostream os(out);
  auto differ = [&](StringRef name, int64_t declared, int64_t derived) {
    if (declared != derived)
      os << (out.empty() ? "" : ", ") << name << " = " << declared
         << " where the op has " << derived;
  };
  if (linalgOp.getNumDpsInputs() < 2)
    return std::nullopt;
  // The op read with the weight operands the layer declares.
  llvm::ArrayRef<int64_t> weights = getWeightOperands(op);
  auto isWeight = [&](Value v) {
    return llvm::any_of(weights, [&](int64_t w) {
      return w >= 0 && w < int64_t(op->getNumOperands()) &&
             op->getOperand(w) == v;
    });
  };
  llvm::Expected<LayerReading> r = readLinalgLayer(linalgOp, ranges, isWeight);
  if (!r) {
    llvm::consumeError(r.takeError());
    return std::nullopt;
  }
  if (r->role != LayerReading::Role::Layer || r->reduction)
    return std::nullopt;
  const LayerDesc &e = r->layer;
  if (e.kind != LayerKind::FC && e.kind != LayerKind::MatMul) {
    // A convolution, depthwise convolution or pooling.
    if (l.kind != e.kind)
      return "the layer is " + std::string(stringifyLayerKind(l.kind)) +
             " but the op is a " + stringifyLayerKind(e.kind);
    differ("C", l.c, e.c);
    differ("K", l.k, e.k);
    differ("Ho", l.ho, e.ho);
    differ("Wo", l.wo, e.wo);
    differ("R", l.r, e.r);
    differ("S", l.s, e.s);
    differ("sy", l.sy, e.sy);
    differ("sx", l.sx, e.sx);
    differ("dy", l.dy, e.dy);
    differ("dx", l.dx, e.dx);
    return out.empty() ? std::nullopt : std::optional<std::string>(out);
  }
  if (l.kind != LayerKind::FC && l.kind != LayerKind::MatMul)
    return "the layer is " + std::string(stringifyLayerKind(l.kind)) +
           " but the op is a contraction (fc or matmul)";
  // An FC's weight fixes C and K: the batch never runs through them.
  if (l.kind == LayerKind::FC && weights.size() == 1 &&
      (weights[0] == 0 || weights[0] == 1)) {
    differ("C", l.c, e.c);
    differ("K", l.k, e.k);
  }
  return out.empty() ? std::nullopt : std::optional<std::string>(out);
}
