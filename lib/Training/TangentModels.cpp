//===- TangentModels.cpp - TangentOpInterface for arith and math ----------===//
//
// The forward-mode derivative of each scalar op a linalg body of a network
// uses. The gradient rules of the training graph differentiate a linalg op
// through the tangents of its body.
//
//===----------------------------------------------------------------------===//

#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/Training/GradientRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::kapla;

namespace {

/// Builders of tangent arithmetic, where null stands for zero.
struct TangentBuilder {
  OpBuilder &b;
  Location loc;

  Value constant(Type t, double v) {
    return arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, v));
  }
  Value orZero(Value t, Type type) { return t ? t : constant(type, 0.0); }
  Value add(Value x, Value y) {
    if (!x)
      return y;
    if (!y)
      return x;
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) {
    if (matchPattern(x, m_OneFloat()))
      return y;
    if (matchPattern(y, m_OneFloat()))
      return x;
    return arith::MulFOp::create(b, loc, x, y);
  }
};

/// The tangent of `op` (one result `r`, operands `a` and `bv` when it has
/// them, their tangents `ta` and `tb`).
FailureOr<Value> tangentOf(Operation *op, OpBuilder &builder, Location loc,
                           ArrayRef<Value> tangents, Value standIn) {
  TangentBuilder tb_{builder, loc};
  OpBuilder &b = builder;
  Value r = op->getResult(0);
  Type t = r.getType();
  Value a = op->getNumOperands() > 0 ? op->getOperand(0) : Value();
  Value bv = op->getNumOperands() > 1 ? op->getOperand(1) : Value();
  Value ta = tangents.size() > 0 ? tangents[0] : Value();
  Value tb = tangents.size() > 1 ? tangents[1] : Value();
  if (isa<arith::AddFOp>(op))
    return tb_.add(ta, tb);
  if (isa<arith::SubFOp>(op))
    return tb ? tb_.add(ta, arith::NegFOp::create(b, loc, tb)) : ta;
  if (isa<arith::NegFOp>(op))
    return Value(arith::NegFOp::create(b, loc, ta));
  if (isa<arith::MulFOp>(op))
    return tb_.add(ta ? tb_.mul(ta, bv) : Value(),
                   tb ? tb_.mul(a, tb) : Value());
  if (isa<arith::DivFOp>(op)) {
    // d(a/b) = ta/b - tb * (a/b) / b
    Value first = ta ? arith::DivFOp::create(b, loc, ta, bv) : Value();
    Value second;
    if (tb)
      second = arith::NegFOp::create(
          b, loc, arith::DivFOp::create(b, loc, tb_.mul(tb, r), bv));
    return tb_.add(first, second);
  }
  if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
          arith::MinNumFOp>(op)) {
    bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(op);
    // The operand that wins a tie is `first`: never the reduced output.
    bool swap = a == standIn;
    Value first = swap ? bv : a, second = swap ? a : bv;
    Value tFirst = tb_.orZero(swap ? tb : ta, t);
    Value tSecond = tb_.orZero(swap ? ta : tb, t);
    Value wins = arith::CmpFOp::create(
        b, loc, isMax ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OLE,
        first, second);
    return Value(arith::SelectOp::create(b, loc, wins, tFirst, tSecond));
  }
  if (auto sel = dyn_cast<arith::SelectOp>(op)) {
    if (tangents[0])
      return op->emitError("no gradient through a select condition");
    return Value(arith::SelectOp::create(b, loc, sel.getCondition(),
                                         tb_.orZero(tangents[1], t),
                                         tb_.orZero(tangents[2], t)));
  }
  if (isa<arith::ExtFOp>(op))
    return Value(arith::ExtFOp::create(b, loc, t, ta));
  if (isa<arith::TruncFOp>(op))
    return Value(arith::TruncFOp::create(b, loc, t, ta));
  if (isa<math::ExpOp>(op))
    return tb_.mul(ta, r);
  if (isa<math::TanhOp>(op))
    // 1 - tanh^2
    return tb_.mul(
        ta, arith::SubFOp::create(b, loc, tb_.constant(t, 1.0), tb_.mul(r, r)));
  if (isa<math::RsqrtOp>(op))
    // d a^(-1/2) = -1/2 a^(-3/2)
    return tb_.mul(ta,
                   tb_.mul(tb_.constant(t, -0.5), tb_.mul(r, tb_.mul(r, r))));
  if (isa<math::SqrtOp>(op))
    return Value(
        arith::DivFOp::create(b, loc, tb_.mul(ta, tb_.constant(t, 0.5)), r));
  if (isa<math::LogOp>(op))
    return Value(arith::DivFOp::create(b, loc, ta, a));
  // Comparisons and conversions to integers: not differentiable in the
  // value, no tangent.
  return Value();
}

template <typename OpTy>
struct TangentModel
    : public TangentOpInterface::ExternalModel<TangentModel<OpTy>, OpTy> {
  FailureOr<Value> buildTangent(Operation *op, OpBuilder &b, Location loc,
                                ArrayRef<Value> tangents,
                                Value tieLoser) const {
    return tangentOf(op, b, loc, tangents, tieLoser);
  }
};

template <typename... OpTys> void attachAll(MLIRContext *ctx) {
  (OpTys::template attachInterface<TangentModel<OpTys>>(*ctx), ...);
}

} // namespace

void mlir::kapla::registerTangentOpInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, arith::ArithDialect *) {
    attachAll<arith::AddFOp, arith::SubFOp, arith::NegFOp, arith::MulFOp,
              arith::DivFOp, arith::MaximumFOp, arith::MaxNumFOp,
              arith::MinimumFOp, arith::MinNumFOp, arith::SelectOp,
              arith::ExtFOp, arith::TruncFOp, arith::CmpFOp, arith::FPToSIOp,
              arith::FPToUIOp>(ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, math::MathDialect *) {
    attachAll<math::ExpOp, math::TanhOp, math::RsqrtOp, math::SqrtOp,
              math::LogOp>(ctx);
  });
}
