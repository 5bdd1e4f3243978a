//===- TrainingGraph.cpp - Build the backward pass of a network -----------===//
//
// kapla-build-training-graph: reverse-mode differentiation of an imported
// network (linalg on tensors) into real linalg ops, so that a training step
// is scheduled like any graph (docs/UserGuide.md, training).
//
// Every linalg op is read as O[mo(i)] (+)= f(x_0[m_0(i)], ...) over its
// iteration space i: a map (the body ignores the output), a sum (the body
// adds f to the output) or a max/min (the body takes the max/min of the
// output and f). The gradient of x_j is then a linalg.generic over the same
// iteration space that scatters into x_j's layout:
//   dx_j[m_j(i)] += g[mo(i)] * df/dx_j(i)
// where df/dx_j comes from forward-mode differentiation of the scalar body
// (for max/min, f only counts where it equals the result). For a convolution
// this is the backward-data (x_j = input) and backward-weight (x_j = filter)
// layer with the forward MAC count; for a pool the backward pool; for an
// element-wise op its local derivative. Layout ops get their inverse.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Training/TrainingGraph.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Report/Report.h"
#include "Kapla/Training/GradientRules.h"
#include "Kapla/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::kapla {
#define GEN_PASS_DEF_KAPLABUILDTRAININGGRAPHPASS
#include "Kapla/Transforms/Passes.h.inc"
} // namespace mlir::kapla

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// How a linalg body combines f with the output it accumulates into.
enum class Combine { Map, Sum, Extremum };

/// Forward-mode derivative of the scalar ops of a linalg body: the tangent of
/// every value with respect to one block argument (null: zero).
class Tangents {
public:
  Tangents(OpBuilder &b, Location loc, Value extremumStandIn)
      : b(b), loc(loc), standIn(extremumStandIn) {}

  void seed(Value v) { map[v] = constant(v.getType(), 1.0); }
  Value get(Value v) const { return map.lookup(v); }

  /// Computes the tangents of `op`'s results; fails on an op without a
  /// rule whose operands carry a tangent.
  LogicalResult visit(Operation *op);

private:
  Value constant(Type t, double v) {
    return arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, v));
  }

  OpBuilder &b;
  Location loc;
  /// The value that stands for the reduced output in a max/min body: ties
  /// with it go to the other operand.
  Value standIn;
  llvm::DenseMap<Value, Value> map;
};

LogicalResult Tangents::visit(Operation *op) {
  bool any = llvm::any_of(op->getOperands(), [&](Value v) { return get(v); });
  if (!any)
    return success();
  auto rule = dyn_cast<TangentOpInterface>(op);
  if (op->getNumResults() != 1 || !rule)
    return op->emitError() << "kapla-build-training-graph has no gradient rule "
                              "for '"
                           << op->getName() << "'";
  llvm::SmallVector<Value, 3> tangents;
  for (Value v : op->getOperands())
    tangents.push_back(get(v));
  FailureOr<Value> out = rule.buildTangent(b, loc, tangents, standIn);
  if (failed(out))
    return failure();
  if (*out)
    map[op->getResult(0)] = *out;
  return success();
}

/// One contribution to the gradient of a value.
struct Contribution {
  Value grad;
  /// From a fused epilogue (not a layer, not a layout op leading to one).
  bool fused = false;
};

class TrainingBuilder {
public:
  TrainingBuilder(func::FuncOp func, std::optional<int64_t> batchScale)
      : func(func), b(func.getContext()), batchScale(batchScale) {}

  /// Builds the backward ops; false if an error was emitted.
  bool run();

private:
  bool needsGrad(Value v) const { return active.contains(v); }
  void contribute(Value v, Value g, bool fused) {
    if (g && needsGrad(v))
      grads[v].push_back({g, fused});
  }
  /// The gradient of `v`: its contributions summed (by a merge op when
  /// there are several); null when nothing depends on it.
  Value gradientOf(Value v);
  /// A new zero tensor of `type` (the ones of a type become one when the
  /// step is done, by upstream CSE).
  Value zeros(RankedTensorType type);
  /// Erases the zero tensor `v` if nothing uses it.
  void eraseZeros(Value v);
  LogicalResult visit(Operation *op);
  /// Whether element-wise `op` works on whole tensors of one static shape
  /// (true for any other op); an error on `op` otherwise.
  LogicalResult checkElementwise(Operation *op);
  /// Turns the element-wise arith and math ops on tensors of the body into
  /// linalg.generic (the upstream conversion), kapla's attributes moved
  /// from the scalar op to the generic.
  LogicalResult generalizeElementwise(Block &block);
  LogicalResult visitLinalg(linalg::LinalgOp op, Value g);
  /// The gradient of input `j` of `op`, or null when it is zero.
  FailureOr<Value> linalgInputGradient(linalg::LinalgOp op, unsigned j,
                                       Combine combine, Value g);
  LogicalResult visitLayout(Operation *op, Value g);
  void markLayer(Operation *newOp, Operation *fwd, unsigned operand);
  std::string uniqueName(const std::string &base);
  /// N, C = K, Ho, Wo of a value the size of a layer output.
  LayerDesc shapeOf(Value v);

  func::FuncOp func;
  OpBuilder b;
  llvm::DenseSet<Value> active;
  llvm::DenseMap<Value, llvm::SmallVector<Contribution, 2>> grads;
  llvm::StringSet<> names;
  /// The trainable tensors: the weight operands of the layers.
  llvm::SmallVector<Value> weights;
  /// The batch override of the import: layer N over tensor N, from the
  /// first layer whose output's leading dim is its batch (1 if none).
  std::optional<int64_t> batchScale;
};

/// Whether ops `a` and `b` compute the same values: equivalent ops whose
/// operands are the same values or results of such ops without side effects
/// (the gradient rules make a zero init each; two of one type are the same),
/// looking at most `depth` ops up.
static bool computeSame(Operation *a, Operation *b, int depth = 4) {
  llvm::DenseMap<Value, Value> mapped;
  auto check = [&](Value x, Value y) -> LogicalResult {
    if (x == y || mapped.lookup(x) == y)
      return success();
    auto xr = dyn_cast<OpResult>(x), yr = dyn_cast<OpResult>(y);
    if (depth == 0 || !xr || !yr ||
        xr.getResultNumber() != yr.getResultNumber() ||
        !isMemoryEffectFree(xr.getOwner()) ||
        !isMemoryEffectFree(yr.getOwner()))
      return failure();
    return success(computeSame(xr.getOwner(), yr.getOwner(), depth - 1));
  };
  auto mark = [&](Value x, Value y) { mapped[x] = y; };
  return OperationEquivalence::isEquivalentTo(
      a, b, check, mark,
      OperationEquivalence::Flags(
          OperationEquivalence::IgnoreLocations |
          OperationEquivalence::IgnoreDiscardableAttrs));
}

void TrainingBuilder::eraseZeros(Value v) {
  if (!v.use_empty())
    return;
  Operation *fill = v.getDefiningOp();
  Operation *empty = fill->getOperand(1).getDefiningOp();
  Operation *zeroConst = fill->getOperand(0).getDefiningOp();
  fill->erase();
  empty->erase();
  zeroConst->erase();
}

Value TrainingBuilder::zeros(RankedTensorType type) {
  Location loc = func.getLoc();
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, type.getElementType(),
      b.getFloatAttr(type.getElementType(), 0.0));
  Value filled =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
          ->getResult(0);
  return filled;
}

std::string TrainingBuilder::uniqueName(const std::string &base) {
  std::string name = base;
  for (int i = 1; names.contains(name); ++i)
    name = base + "_" + std::to_string(i);
  names.insert(name);
  return name;
}

LayerDesc TrainingBuilder::shapeOf(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  LayerDesc out;
  out.kind = LayerKind::Eltwise;
  if (llvm::is_contained(weights, v)) {
    // A weight shared by several layers: its gradients add up, once per
    // step whatever the batch.
    out.c = out.k = type.getNumElements();
    return out;
  }
  // The layer whose output this is, through epilogues and layout ops that
  // keep the element count.
  for (Value cur = v; cur;) {
    Operation *def = cur.getDefiningOp();
    if (!def)
      break;
    if (auto l = getLayer(def)) {
      LayerDesc d = toCore(l);
      out.n = d.n;
      out.c = out.k = d.k;
      out.ho = d.ho;
      out.wo = d.wo;
      // Which of the batch's loops carry the batch, when the merge's loops
      // over N come out the same (setDimLoops below).
      out.loops[int(Dim::N)] = d.loops[int(Dim::N)];
      out.batchLoops = d.batchLoops;
      if (d.pass == LayerPass::Forward &&
          out.n * out.k * out.ho * out.wo ==
              type.getNumElements() * batchScale.value_or(1))
        return out;
      break;
    }
    Value next;
    for (Value o : def->getOperands())
      if (auto t = dyn_cast<RankedTensorType>(o.getType());
          t && needsGrad(o) && t.getNumElements() == type.getNumElements())
        next = o;
    cur = next;
  }
  out = LayerDesc();
  out.kind = LayerKind::Eltwise;
  int64_t scale = batchScale.value_or(1);
  out.n = (type.getRank() > 1 ? type.getDimSize(0) : 1) * scale;
  out.c = out.k = type.getNumElements() * scale / out.n;
  return out;
}

Value TrainingBuilder::gradientOf(Value v) {
  auto it = grads.find(v);
  if (it == grads.end() || it->second.empty())
    return {};
  llvm::SmallVector<Contribution, 2> parts = it->second;
  grads.erase(it);
  if (parts.size() == 1)
    return parts.front().grad;
  auto type = cast<RankedTensorType>(v.getType());
  llvm::SmallVector<Value> ins;
  int unfused = 0;
  for (const Contribution &c : parts) {
    ins.push_back(c.grad);
    unfused += !c.fused;
  }
  Location loc = v.getLoc();
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  llvm::SmallVector<AffineMap> maps(ins.size() + 1, id);
  llvm::SmallVector<utils::IteratorType> iters(type.getRank(),
                                               utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  auto merge = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ins, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value sum = args[0];
        for (size_t i = 1; i < ins.size(); ++i)
          sum = arith::AddFOp::create(nb, l, sum, args[i]);
        linalg::YieldOp::create(nb, l, sum);
      });
  // Gradients of a value used by several layers (a residual fork, an
  // inception branch point) are summed by a layer of their own; inside a
  // fused epilogue (hardswish uses its input twice) the sum is fused too.
  if (unfused >= 2) {
    LayerDesc d = shapeOf(v);
    d.numInputs = static_cast<int64_t>(ins.size());
    SmallVector<int64_t> ranges = merge.getStaticLoopRanges();
    LayerDesc producer = d;
    d.loops = {};
    d.batchLoops = 0;
    setDimLoops(d, ranges, eltwiseLoopDims(ranges, d));
    if (d.loops[int(Dim::N)] == producer.loops[int(Dim::N)])
      d.batchLoops = producer.batchLoops;
    MLIRContext *ctx = func.getContext();
    std::string base = "grad_merge";
    for (Operation *def = v.getDefiningOp(); def;) {
      if (getLayer(def)) {
        base = getLayerName(def) + ".grad_merge";
        break;
      }
      Operation *next = nullptr;
      for (Value o : def->getOperands())
        if (needsGrad(o))
          next = o.getDefiningOp();
      def = next;
    }
    setLayer(merge, toAttr(ctx, d));
    setLayerName(merge, uniqueName(base));
    setWeightOperands(merge, {});
  }
  return merge.getResult(0);
}

void TrainingBuilder::markLayer(Operation *newOp, Operation *fwd,
                                unsigned operand) {
  auto attr = getLayer(fwd);
  if (!attr)
    return;
  LayerDesc d = toCore(attr);
  MLIRContext *ctx = func.getContext();
  // Which forward operand is the filter (the W tensor).
  int64_t wOperand = -1;
  if (llvm::ArrayRef<int64_t> w = getWeightOperands(fwd); !w.empty())
    wOperand = w[0];
  if (d.kind == LayerKind::MatMul)
    wOperand = 1;
  std::string base = getLayerName(fwd);
  if (operand == wOperand) {
    d.pass = LayerPass::BackwardWeight;
    base += ".bwd_weight";
  } else {
    d.pass = LayerPass::BackwardData;
    base += ".bwd_data";
    if (d.kind == LayerKind::Eltwise) {
      // One gradient per input: each reads the output gradient (and the
      // other inputs) and writes one input-sized tensor.
      d.numInputs = 1;
      base += "_" + std::to_string(operand);
    }
  }
  setLayer(newOp, toAttr(ctx, d));
  setLayerName(newOp, uniqueName(base));
  llvm::SmallVector<int64_t> weights;
  if (d.pass == LayerPass::BackwardData && wOperand >= 0)
    for (auto [i, v] : llvm::enumerate(newOp->getOperands()))
      if (v == fwd->getOperand(wOperand)) {
        weights.push_back(static_cast<int64_t>(i));
        break;
      }
  setWeightOperands(newOp, weights);
}

/// The combine of a linalg body, or failure for a reduction without a rule.
FailureOr<Combine> combineOf(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  BlockArgument out = op.getRegionOutputArgs().front();
  if (out.use_empty())
    return Combine::Map;
  Value y = body->getTerminator()->getOperand(0);
  // A sum: the output reaches the yield through additions only.
  for (Value v = out; v.hasOneUse();) {
    Operation *user = *v.getUsers().begin();
    if (user == body->getTerminator())
      return Combine::Sum;
    if (!isa<arith::AddFOp>(user) &&
        !(isa<arith::SubFOp>(user) && user->getOperand(0) == v))
      break;
    v = user->getResult(0);
  }
  Operation *def = y.getDefiningOp();
  if (!def || def->getBlock() != body || def->getNumOperands() != 2 ||
      !out.hasOneUse() ||
      (def->getOperand(0) != out && def->getOperand(1) != out))
    return failure();
  if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
          arith::MinNumFOp>(def))
    return Combine::Extremum;
  return failure();
}

FailureOr<Value> TrainingBuilder::linalgInputGradient(linalg::LinalgOp op,
                                                      unsigned j,
                                                      Combine combine,
                                                      Value g) {
  Location loc = op.getLoc();
  Block *body = op.getBlock();
  OpOperand *xj = op.getDpsInputOperand(j);
  auto xType = cast<RankedTensorType>(xj->get().getType());
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);

  // Operands: the forward inputs, the forward result (extremum: where f
  // reached it), the output gradient; the result is x_j's gradient.
  llvm::SmallVector<Value> ins;
  llvm::SmallVector<AffineMap> maps;
  for (OpOperand *in : op.getDpsInputOperands()) {
    ins.push_back(in->get());
    maps.push_back(op.getMatchingIndexingMap(in));
  }
  unsigned numFwdInputs = ins.size();
  if (combine == Combine::Extremum) {
    ins.push_back(op->getResult(0));
    maps.push_back(outMap);
  }
  ins.push_back(g);
  maps.push_back(outMap);
  AffineMap xMap = op.getMatchingIndexingMap(xj);
  maps.push_back(xMap);
  // Loops that index x_j directly stay parallel; the rest reduce into it.
  llvm::SmallVector<utils::IteratorType> iters(op.getNumLoops(),
                                               utils::IteratorType::reduction);
  for (AffineExpr e : xMap.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      iters[d.getPosition()] = utils::IteratorType::parallel;

  Value initGrad = zeros(xType);
  bool broken = false, zero = false;
  auto gen = linalg::GenericOp::create(
      b, loc, TypeRange{xType}, ins, ValueRange{initGrad}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        IRMapping mapping;
        for (unsigned i = 0; i < numFwdInputs; ++i)
          mapping.map(body->getArgument(i), args[i]);
        BlockArgument out = op.getRegionOutputArgs().front();
        Value standIn;
        if (combine == Combine::Extremum) {
          standIn = args[numFwdInputs];
          mapping.map(out, standIn);
        } else if (combine == Combine::Sum) {
          mapping.map(out, arith::ConstantOp::create(
                               nb, l, out.getType(),
                               nb.getFloatAttr(out.getType(), 0.0)));
        }
        Tangents tangents(nb, l, standIn);
        tangents.seed(args[j]);
        for (Operation &bodyOp : body->without_terminator()) {
          Operation *copy = nb.clone(bodyOp, mapping);
          if (mlir::failed(tangents.visit(copy))) {
            broken = true;
            break;
          }
        }
        Value gArg = args[args.size() - 2], acc = args.back();
        Value t = broken ? Value()
                         : tangents.get(mapping.lookupOrDefault(
                               body->getTerminator()->getOperand(0)));
        if (!t) {
          zero = true;
          linalg::YieldOp::create(nb, l, acc);
          return;
        }
        Value prod = arith::MulFOp::create(nb, l, gArg, t);
        Type accType = acc.getType();
        if (prod.getType() != accType) {
          unsigned from = prod.getType().getIntOrFloatBitWidth();
          unsigned to = accType.getIntOrFloatBitWidth();
          prod = from > to ? Value(arith::TruncFOp::create(nb, l, accType, prod))
                           : Value(arith::ExtFOp::create(nb, l, accType, prod));
        }
        Value sum = arith::AddFOp::create(nb, l, acc, prod);
        linalg::YieldOp::create(nb, l, sum);
      });
  if (broken || zero) {
    gen->erase();
    eraseZeros(initGrad);
    if (broken)
      return failure();
    return Value();
  }

  // The recomputed forward values the derivative does not need go.
  Block &nb = gen.getRegion().front();
  llvm::SmallVector<Operation *> bodyOps;
  for (Operation &bodyOp : nb.without_terminator())
    bodyOps.push_back(&bodyOp);
  for (Operation *bodyOp : llvm::reverse(bodyOps))
    if (isOpTriviallyDead(bodyOp))
      bodyOp->erase();

  // dx_j = g where the local derivative is 1 and x_j has g's layout (an
  // add, a copy): no op is needed.
  Operation *yieldOp = nb.getTerminator();
  auto accAdd = yieldOp->getOperand(0).getDefiningOp<arith::AddFOp>();
  auto scaled = accAdd ? accAdd.getRhs().getDefiningOp<arith::MulFOp>()
                       : arith::MulFOp();
  if (scaled && xMap == outMap && xType == g.getType()) {
    FloatAttr one;
    if (matchPattern(scaled.getRhs(), m_Constant(&one)) &&
        one.getValueAsDouble() == 1.0) {
      gen->erase();
      eraseZeros(initGrad);
      return g;
    }
  }

  // Drop the inputs the gradient does not read, as long as the loop
  // ranges still follow from the operands left.
  llvm::SmallVector<unsigned> dead;
  auto coversLoops = [&](ArrayRef<unsigned> without) {
    llvm::SmallBitVector bare(op.getNumLoops());
    for (unsigned i = 0; i <= ins.size(); ++i) {
      if (llvm::is_contained(without, i))
        continue;
      for (AffineExpr e : maps[i].getResults())
        if (auto d = dyn_cast<AffineDimExpr>(e))
          bare.set(d.getPosition());
    }
    return bare.all();
  };
  for (unsigned i = 0; i < ins.size(); ++i) {
    if (!nb.getArgument(i).use_empty())
      continue;
    dead.push_back(i);
    if (!coversLoops(dead))
      dead.pop_back();
  }
  if (!dead.empty()) {
    llvm::SmallVector<Value> keptIns;
    llvm::SmallVector<AffineMap> keptMaps;
    for (unsigned i = 0; i < ins.size(); ++i) {
      if (llvm::is_contained(dead, i))
        continue;
      keptIns.push_back(ins[i]);
      keptMaps.push_back(maps[i]);
    }
    keptMaps.push_back(xMap);
    auto lean = linalg::GenericOp::create(b, loc, TypeRange{xType}, keptIns,
                                          ValueRange{initGrad}, keptMaps,
                                          iters);
    lean.getRegion().takeBody(gen.getRegion());
    Block &lb = lean.getRegion().front();
    for (unsigned i : llvm::reverse(dead))
      lb.eraseArgument(i);
    gen->erase();
    gen = lean;
  }
  if (getLayer(op))
    markLayer(gen, op, xj->getOperandNumber());
  return gen.getResult(0);
}

LogicalResult TrainingBuilder::visitLinalg(linalg::LinalgOp op, Value g) {
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      !op.hasPureTensorSemantics())
    return op->emitError("kapla-build-training-graph: only linalg ops with "
                         "one tensor result can be differentiated");
  // Copies and transposes move data: their rules are layout rules.
  if (isa<LayoutGradientOpInterface>(op.getOperation()))
    return visitLayout(op, g);
  if (op.getBlock() == nullptr || op.getRegionOutputArgs().size() != 1)
    return op->emitError("kapla-build-training-graph: no gradient rule for '")
           << op->getName() << "'";
  FailureOr<Combine> combine = combineOf(op);
  if (failed(combine))
    return op->emitError("kapla-build-training-graph: no gradient rule for a "
                         "reduction whose body is not a sum, max or min");
  bool fused = !getLayer(op) && op.getNumLoops() == op.getNumParallelLoops();
  llvm::SmallVector<Value> made;
  for (unsigned j = 0; j < op.getNumDpsInputs(); ++j) {
    Value x = op.getDpsInputOperand(j)->get();
    if (!needsGrad(x))
      continue;
    FailureOr<Value> dx = linalgInputGradient(op, j, *combine, g);
    if (failed(dx))
      return failure();
    // The same computation for another input (the gradient of relu(a + b)
    // for a and for b) is done once.
    if (Operation *dop = dx->getDefiningOp(); dop && *dx != g)
      for (Value prev : made)
        if (Operation *pop = prev.getDefiningOp();
            pop && pop != dop && computeSame(dop, pop)) {
          dop->erase();
          *dx = prev;
          break;
        }
    made.push_back(*dx);
    contribute(x, *dx, fused);
  }
  // A sum accumulates into its init: the gradient passes through unchanged.
  Value init = op.getDpsInitOperand(0)->get();
  if (needsGrad(init)) {
    if (*combine == Combine::Extremum)
      return op->emitError("kapla-build-training-graph: no gradient rule for "
                           "a max/min reduction into a computed tensor");
    if (*combine == Combine::Sum) {
      AffineMap m = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (!m.isIdentity())
        return op->emitError("kapla-build-training-graph: no gradient rule "
                             "for a permuted accumulator");
      contribute(init, g, fused);
    }
  }
  return success();
}

LogicalResult TrainingBuilder::visitLayout(Operation *op, Value g) {
  auto rule = dyn_cast<LayoutGradientOpInterface>(op);
  if (!rule)
    return op->emitError("kapla-build-training-graph: no gradient rule for '")
           << op->getName() << "'";
  llvm::SmallVector<std::pair<unsigned, Value>, 2> grads;
  if (failed(rule.buildOperandGradients(
          b, op->getLoc(), g, [&](Value v) { return needsGrad(v); },
          [&](RankedTensorType t) { return zeros(t); }, grads)))
    return failure();
  for (auto [operand, grad] : grads)
    contribute(op->getOperand(operand), grad, false);
  return success();
}

LogicalResult TrainingBuilder::checkElementwise(Operation *op) {
  if (!isa_and_nonnull<arith::ArithDialect, math::MathDialect>(
          op->getDialect()) ||
      !OpTrait::hasElementwiseMappableTraits(op) || op->getNumResults() != 1)
    return success();
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return success();
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getShape() != type.getShape() || !t.hasStaticShape())
      return op->emitError("kapla-build-training-graph: element-wise ops "
                           "need operands of one static shape");
  }
  return success();
}

LogicalResult TrainingBuilder::generalizeElementwise(Block &block) {
  llvm::SmallVector<Operation *> elementwise;
  for (Operation &op : block) {
    if (failed(checkElementwise(&op)))
      return failure();
    if (isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) &&
        OpTrait::hasElementwiseMappableTraits(&op) && op.getNumResults() == 1 &&
        isa<RankedTensorType>(op.getResult(0).getType()))
      elementwise.push_back(&op);
  }
  RewritePatternSet patterns(func.getContext());
  linalg::populateElementwiseToLinalgConversionPatterns(patterns);
  FrozenRewritePatternSet frozen(std::move(patterns));
  for (Operation *op : elementwise) {
    llvm::SmallVector<NamedAttribute> kapla(op->getDiscardableAttrs());
    Operation *next = op->getNextNode();
    bool changed = false;
    if (failed(applyOpPatternsGreedily(
            op, frozen, GreedyRewriteConfig().enableFolding(false),
            &changed)) ||
        !changed)
      return op->emitError("kapla-build-training-graph: cannot turn '")
             << op->getName() << "' into a linalg.generic";
    // The generic replaced the op right in front of its successor.
    auto gen = cast<linalg::GenericOp>(next->getPrevNode());
    Operation *scalar = &gen.getRegion().front().front();
    for (NamedAttribute a : kapla) {
      scalar->removeAttr(a.getName());
      gen->setAttr(a.getName(), a.getValue());
    }
  }
  return success();
}

LogicalResult TrainingBuilder::visit(Operation *op) {
  if (op->getNumResults() != 1)
    return op->emitError("kapla-build-training-graph: no gradient rule for '")
           << op->getName() << "'";
  Value g = gradientOf(op->getResult(0));
  if (!g)
    return success();
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return visitLinalg(linalgOp, g);
  return visitLayout(op, g);
}

bool TrainingBuilder::run() {
  Region &body = func.getBody();
  if (!body.hasOneBlock()) {
    func.emitError("kapla-build-training-graph: the network function must "
                   "have one block");
    return false;
  }
  Block &block = body.front();
  auto ret = dyn_cast<func::ReturnOp>(block.getTerminator());
  if (!ret) {
    func.emitError("kapla-build-training-graph: the network must end in "
                   "func.return");
    return false;
  }

  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (func.getArgAttr(i, KaplaDialect::kLossGradientAttrName)) {
      func.emitError() << "kapla-build-training-graph: @" << func.getSymName()
                       << " already holds a training step (argument " << i
                       << " is a loss gradient); it is not differentiated "
                          "again";
      return false;
    }

  // The trainable tensors: the weight operands of the layers.
  bool ok = true;
  for (Operation &op : block) {
    if (isa<SegmentOp>(op)) {
      op.emitError("kapla-build-training-graph must run before "
                   "kapla-form-segments");
      return false;
    }
    auto attr = getLayer(&op);
    if (!attr)
      continue;
    names.insert(getLayerName(&op));
    LayerDesc d = toCore(attr);
    if (d.pass != LayerPass::Forward) {
      op.emitError("kapla-build-training-graph: the network already has "
                   "backward layers");
      return false;
    }
    // Without the import's own numbers: the leading dim is the batch in
    // the 4-D output of a convolution or pool and in the rows of a 2-D FC
    // or matmul. Not in an element-wise layer or a reduction, whose dims
    // may be those of another tensor, nor in a 3-D output (heads x rows x
    // cols of attention), where the layer's N spans two dims.
    bool batchLeads = false;
    if (auto t = op.getNumResults() == 1
                     ? dyn_cast<RankedTensorType>(op.getResult(0).getType())
                     : RankedTensorType())
      batchLeads =
          t.getRank() > 0 && t.getDimSize(0) > 0 &&
          d.n % t.getDimSize(0) == 0 &&
          (((d.kind == LayerKind::FC || d.kind == LayerKind::MatMul) &&
            t.getRank() == 2) ||
           ((d.kind == LayerKind::Conv || d.kind == LayerKind::DWConv ||
             d.kind == LayerKind::Pool) &&
            t.getRank() == 4));
    if (!batchScale && batchLeads)
      batchScale =
          d.n / cast<RankedTensorType>(op.getResult(0).getType()).getDimSize(0);
    for (int64_t i : getWeightOperands(&op))
      if (!llvm::is_contained(weights, op.getOperand(i)))
        weights.push_back(op.getOperand(i));
  }
  if (weights.empty() && names.empty()) {
    func.emitError("kapla-build-training-graph: no layers; run kapla-import "
                   "first");
    return false;
  }
  if (weights.empty()) {
    func.emitError() << "kapla-build-training-graph: nothing to train in @"
                     << func.getSymName()
                     << ": no layer reads a weight (a constant, or a "
                        "function argument marked kapla.weight)";
    return false;
  }

  // Element-wise arith and math ops on whole tensors become the equivalent
  // linalg.generic, which the gradient rules read.
  if (failed(generalizeElementwise(block)))
    return false;

  // Values whose gradient is needed: those computed from a weight.
  for (Value w : weights)
    active.insert(w);
  for (Operation &op : block)
    if (llvm::any_of(op.getOperands(), [&](Value v) { return needsGrad(v); }))
      for (Value r : op.getResults())
        if (isa<RankedTensorType>(r.getType()))
          active.insert(r);

  // The loss gradient: one new argument per network output.
  b.setInsertionPoint(ret);
  llvm::SmallVector<Value> outputs(ret.getOperands());
  for (Value out : outputs) {
    auto type = dyn_cast<RankedTensorType>(out.getType());
    if (!type || !needsGrad(out))
      continue;
    if (!type.hasStaticShape() || !isa<FloatType>(type.getElementType())) {
      ret.emitError("kapla-build-training-graph: network outputs must be "
                    "statically shaped float tensors");
      return false;
    }
    unsigned idx = func.getNumArguments();
    if (failed(func.insertArgument(idx, type, {}, out.getLoc())))
      return false;
    func.setArgAttr(idx, KaplaDialect::kLossGradientAttrName,
                    UnitAttr::get(b.getContext()));
    contribute(out, func.getArgument(idx), false);
  }

  // Reverse sweep: every op after all the uses of its results.
  llvm::SmallVector<Operation *> ops;
  for (Operation &op : block.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops)) {
    // Weights keep their gradient for the results.
    if (!llvm::any_of(op->getResults(),
                      [&](Value r) { return grads.count(r); }) ||
        llvm::any_of(op->getResults(),
                     [&](Value r) { return llvm::is_contained(weights, r); }))
      continue;
    if (failed(visit(op)))
      ok = false;
  }
  if (!ok)
    return false;

  // The weight gradients become results, in layer order.
  llvm::SmallVector<Value> newResults(outputs);
  for (Value w : weights) {
    Value g = gradientOf(w);
    if (!g)
      g = zeros(cast<RankedTensorType>(w.getType()));
    unsigned idx = func.getNumResults();
    if (failed(func.insertResult(idx, g.getType(), {})))
      return false;
    newResults.push_back(g);
  }
  ret->setOperands(newResults);
  // The backward ops repeat constants, empty tensors and zero fills (each
  // rule makes its own); equal ones become one.
  IRRewriter rewriter(func.getContext());
  DominanceInfo dominance(func);
  eliminateCommonSubExpressions(rewriter, dominance, func);
  return true;
}

struct KaplaBuildTrainingGraphPass
    : public mlir::kapla::impl::KaplaBuildTrainingGraphPassBase<
          KaplaBuildTrainingGraphPass> {
  using Base::Base;

  /// The gradient rules of the arith, math and tensor ops are part of what
  /// the pass needs.
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerTangentOpInterfaceModels(registry);
    registerLayoutGradientModels(registry);
  }

  void runOnOperation() override {
    bool ok = true, any = false;
    // The factor kapla-import scaled the batch by, when it ran in this
    // pass manager run.
    std::optional<int64_t> batchScale;
    RunRecord &record = getAnalysis<RunRecord>();
    std::optional<llvm::json::Value> applied = record.appliedOption("batch"),
                                     exported =
                                         record.appliedOption("exported_batch");
    if (applied && exported) {
      std::optional<int64_t> b = applied->getAsInteger(),
                             e = exported->getAsInteger();
      if (b && e && *b > 0 && *e > 0 && *b % *e == 0)
        batchScale = *b / *e;
    }
    getOperation().walk([&](func::FuncOp func) {
      if (func.isExternal())
        return;
      bool hasLayers = false;
      func.walk([&](Operation *op) { hasLayers |= bool(getLayer(op)); });
      if (!hasLayers)
        return;
      any = true;
      ok &= succeeded(buildTrainingStep(func, batchScale));
    });
    if (!any) {
      getOperation().emitError("kapla-build-training-graph: no layers; run "
                               "kapla-import first");
      return signalPassFailure();
    }
    if (!ok)
      return signalPassFailure();
    getAnalysis<RunRecord>().recordOption("training", true, true);
  }
};

} // namespace

LogicalResult
mlir::kapla::buildTrainingStep(func::FuncOp func,
                               std::optional<int64_t> batchScale) {
  // The training step changes the function's signature.
  auto module = func->getParentOfType<ModuleOp>();
  if (module && !SymbolTable::symbolKnownUseEmpty(func, module))
    return func.emitError()
           << "kapla-build-training-graph: @" << func.getSymName()
           << " is called; the training step adds arguments and results to "
              "it, so it must not be";
  TrainingBuilder builder(func, batchScale);
  return success(builder.run());
}
