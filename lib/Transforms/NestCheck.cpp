//===- NestCheck.cpp - Reading materialised nests back -------------------===//
//
// What kapla-verify-dataflow checks on the loop nests of kapla-materialize
// (Kapla/Transforms/Materialize.h).
//
//===----------------------------------------------------------------------===//

#include "Kapla/Dataflow/LoopNest.h"
#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/IR/KaplaOps.h"
#include "Kapla/Transforms/Materialize.h"

#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// One loop dim of a materialised nest.
struct ActualLoop {
  Operation *op;
  /// The stack it runs (its forall mapping or its kapla.stack), if any.
  std::optional<std::pair<MemLevel, unsigned>> stack;
  bool parallel;
  int64_t trips;
};

std::optional<std::pair<MemLevel, unsigned>> stackOf(Attribute a) {
  if (auto node = dyn_cast_if_present<NodeMappingAttr>(a))
    return std::make_pair(MemLevel::Gbuf, unsigned(node.getStack()));
  if (auto pe = dyn_cast_if_present<PEMappingAttr>(a))
    return std::make_pair(MemLevel::Regf, unsigned(pe.getStack()));
  return std::nullopt;
}

/// The largest value `v` takes (a constant, or a bound of an affine.min of
/// a partial tile).
std::optional<int64_t> largest(OpFoldResult v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(v),
      /*stopCondition=*/nullptr, /*closedUB=*/true);
  if (::mlir::failed(ub))
    return std::nullopt;
  return *ub;
}

std::optional<int64_t> tripsOf(OpFoldResult lb, OpFoldResult ub,
                               OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb), u = largest(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u <= *l ? 0 : llvm::divideCeil(*u - *l, *s);
}

/// Whether `v` is computed from `iv` by ops inside `scope`.
bool dependsOn(Value v, Value iv, Operation *scope) {
  SmallVector<Value> work = {v};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (x == iv)
      return true;
    Operation *def = x.getDefiningOp();
    if (def && scope->isProperAncestor(def) && seen.insert(def).second)
      llvm::append_range(work, def->getOperands());
  }
  return false;
}

/// The first induction variable of `forall` (with more than one iteration)
/// that some slice it writes does not move with: its iterations would write
/// the same part of its result, which is no parallel loop.
std::optional<unsigned> sharedWrite(scf::ForallOp forall) {
  for (auto [d, iv] : llvm::enumerate(forall.getInductionVars())) {
    std::optional<int64_t> trips =
        tripsOf(forall.getMixedLowerBound()[d], forall.getMixedUpperBound()[d],
                forall.getMixedStep()[d]);
    if (trips && *trips == 1)
      continue;
    for (Operation &op : forall.getTerminator().getYieldingOps()) {
      auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(&op);
      if (insert &&
          llvm::none_of(insert.getMixedOffsets(), [&, iv = iv](OpFoldResult o) {
            auto v = dyn_cast<Value>(o);
            return v && dependsOn(v, iv, forall);
          }))
        return unsigned(d);
    }
  }
  return std::nullopt;
}

} // namespace

void mlir::kapla::registerMaterializedNestModels(DialectRegistry &registry) {
  affine::registerValueBoundsOpInterfaceExternalModels(registry);
  arith::registerValueBoundsOpInterfaceExternalModels(registry);
  scf::registerValueBoundsOpInterfaceExternalModels(registry);
  tensor::registerValueBoundsOpInterfaceExternalModels(registry);
}

LogicalResult mlir::kapla::verifyMaterializedNest(Operation *nest) {
  LayerAttr layerAttr = getLayer(nest);
  DataflowAttr dataflowAttr = getDataflow(nest);
  if (!layerAttr || !dataflowAttr)
    return nest->emitError() << "a materialised nest needs its kapla.layer "
                                "and kapla.dataflow";
  LayerDesc layer = toCore(layerAttr);
  LayerDataflow df = toCore(dataflowAttr);
  std::array<LevelShape, kNumLevels> shapes;
  if (llvm::Error err = checkDataflowStructure(layer, df, &shapes))
    return nest->emitError() << llvm::toString(std::move(err));

  // The nest as written: its loop dims outermost first, and the op of the
  // innermost loop.
  SmallVector<ActualLoop> actual;
  // The loops around it in its segment or function: the batch-group loop
  // a pipelined segment's layers share.
  SmallVector<Operation *> around;
  for (Operation *p = nest->getParentOp();
       p && !isa<SegmentOp, FunctionOpInterface>(p); p = p->getParentOp())
    if (isa<scf::ForOp>(p))
      around.push_back(p);
  for (Operation *p : llvm::reverse(around)) {
    auto forOp = cast<scf::ForOp>(p);
    std::optional<int64_t> trips =
        tripsOf(forOp.getLowerBound(), forOp.getUpperBound(), forOp.getStep());
    if (!trips)
      return forOp.emitError() << "materialised loop of unknown extent";
    actual.push_back({p, std::nullopt, false, *trips});
  }
  Operation *innermost = nullptr;
  for (Operation *cur = nest; cur;) {
    if (auto forOp = dyn_cast<scf::ForOp>(cur)) {
      std::optional<int64_t> trips = tripsOf(
          forOp.getLowerBound(), forOp.getUpperBound(), forOp.getStep());
      if (!trips)
        return forOp.emitError() << "materialised loop of unknown extent";
      actual.push_back({cur,
                        stackOf(cur->getAttr(KaplaDialect::kStackAttrName)),
                        false, *trips});
    } else if (auto forall = dyn_cast<scf::ForallOp>(cur)) {
      if (std::optional<unsigned> d = sharedWrite(forall))
        return forall.emitError()
               << "materialised nest: the iterations of the scf.forall write "
                  "the same part of its result along its loop #"
               << *d << " (a reduction run as parallel positions)";
      std::optional<ArrayAttr> mapping = forall.getMapping();
      for (auto [d, lb, ub, step] : llvm::enumerate(forall.getMixedLowerBound(),
                                                    forall.getMixedUpperBound(),
                                                    forall.getMixedStep())) {
        std::optional<int64_t> trips = tripsOf(lb, ub, step);
        if (!trips)
          return forall.emitError() << "materialised loop of unknown extent";
        Attribute m = mapping && d < mapping->size() ? (*mapping)[d] : nullptr;
        actual.push_back({cur, stackOf(m), true, *trips});
      }
    } else {
      return cur->emitError() << "a materialised nest is made of scf.for "
                                 "and scf.forall loops";
    }
    // One loop inside, or the op that computes the tile.
    Operation *next = nullptr;
    SmallVector<Operation *> compute;
    for (Operation &o : cur->getRegion(0).front()) {
      if (isa<scf::ForOp, scf::ForallOp>(o)) {
        if (next)
          return o.emitError() << "a materialised nest has one loop inside "
                                  "each loop";
        next = &o;
      } else if (isa<linalg::LinalgOp>(o) && !isa<linalg::FillOp>(o)) {
        compute.push_back(&o);
      }
    }
    if (!next) {
      // The layer's tile comes first; fused epilogues follow it.
      if (compute.empty())
        return cur->emitError() << "the innermost loop of a materialised "
                                   "nest holds the op that computes the tile";
      innermost = compute.front();
    }
    cur = next;
  }

  // A loop of one iteration changes nothing: it is not counted.
  llvm::erase_if(actual, [](const ActualLoop &l) { return l.trips == 1; });

  // The nest the directives describe, level by level.
  size_t at = 0;
  auto where = [&]() -> Operation * {
    return at < actual.size() ? actual[at].op : nest;
  };
  for (MemLevel level : {MemLevel::Gbuf, MemLevel::Regf}) {
    const LevelDirectives &ld = df.level(level);
    const LevelShape &shape = shapes[int(level)];
    const char *lv = stringifyMemLevel(level);
    for (size_t u = ld.updates.size(); u-- > 0;) {
      int64_t count = shape.updateCounts[u];
      if (count == 1)
        continue;
      int64_t product = 1;
      Operation *runStart = where();
      while (product < count && at < actual.size() && !actual[at].parallel &&
             !actual[at].stack)
        product *= actual[at++].trips;
      if (product != count)
        return runStart->emitError()
               << "materialised nest: the " << lv << " update #" << u
               << " runs " << count << " times, the loops here run " << product
               << (product == 1 ? " time" : " times");
    }
    // Stack positions that hold part of the extent.
    std::array<int64_t, kNumDims> covered = shape.tile;
    llvm::SmallDenseMap<unsigned, int64_t> expected;
    for (auto [i, sd] : llvm::enumerate(ld.stacks)) {
      for (const DimAmount &da : sd.shifts) {
        if (!isLoopDim(da.dim))
          continue;
        int d = int(da.dim);
        int64_t positions =
            covered[d] >= shape.extent[d]
                ? 1
                : std::min<int64_t>(
                      sd.repl, llvm::divideCeil(shape.extent[d], da.amount));
        if (positions > 1)
          expected[unsigned(i)] = positions;
        break;
      }
      for (const DimAmount &da : sd.shifts)
        covered[int(da.dim)] += (sd.repl - 1) * da.amount;
    }
    llvm::SmallDenseMap<unsigned, int64_t> found;
    Operation *stackStart = where();
    while (at < actual.size() && actual[at].stack &&
           actual[at].stack->first == level) {
      int64_t &p = found.try_emplace(actual[at].stack->second, 1).first->second;
      p *= actual[at++].trips;
    }
    for (auto [i, positions] : expected)
      if (found.lookup(i) != positions)
        return stackStart->emitError()
               << "materialised nest: the " << lv << " stack #" << i
               << " holds " << positions << " positions, its loops run "
               << (found.count(i) ? found.lookup(i) : 0) << " times";
    for (auto [i, trips] : found)
      if (!expected.count(i) && trips > 1)
        return stackStart->emitError()
               << "materialised nest: loops run over " << lv << " stack #" << i
               << ", which has one position";
  }
  if (at != actual.size())
    return actual[at].op->emitError()
           << "materialised nest: a loop the directives of its layer do not "
              "describe ("
           << actual[at].trips << " iterations)";

  // The innermost op writes one REGF tile of the written tensor.
  auto dps = dyn_cast<DestinationStyleOpInterface>(innermost);
  TensorKind written = isReadWrite(layer.pass, TensorKind::I)   ? TensorKind::I
                       : isReadWrite(layer.pass, TensorKind::W) ? TensorKind::W
                                                                : TensorKind::O;
  const TensorDirective *tile = df.regf.findTensor(written);
  if (dps && tile && dps.getNumDpsInits() == 1) {
    auto type = dyn_cast<RankedTensorType>(dps.getDpsInits()[0].getType());
    if (type && type.hasStaticShape()) {
      int64_t words = 1;
      for (const DimAmount &da : tile->sizes)
        words *= da.amount;
      // The gradient of an element-wise layer with respect to a broadcast
      // operand sums over the dims that operand lacks: its loops over them
      // (in the tile) do not index what it writes.
      auto linalgOp = dyn_cast<linalg::LinalgOp>(innermost);
      if (layer.kind == LayerKind::Eltwise && linalgOp &&
          linalgOp.hasPureTensorSemantics()) {
        AffineMap out =
            linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0));
        SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
        for (auto [j, r] : llvm::enumerate(ranges))
          if (!ShapedType::isDynamic(r) && r > 0 && words % r == 0 &&
              !out.isFunctionOfDim(unsigned(j)))
            words /= r;
      }
      if (type.getNumElements() != words)
        return innermost->emitError()
               << "materialised nest: the innermost op writes "
               << type.getNumElements() << " elements, the REGF tile of "
               << stringifyTensorKind(written) << " holds " << words;
    }
  }
  return success();
}
