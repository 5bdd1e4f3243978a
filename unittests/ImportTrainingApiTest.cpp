//===- ImportTrainingApiTest.cpp - importNetworks and buildTrainingStep ---===//

#include "Kapla/IR/KaplaAccessors.h"
#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/Import/Import.h"
#include "Kapla/Import/LayerModels.h"
#include "Kapla/Training/GradientRules.h"
#include "Kapla/Training/TrainingGraph.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <map>

using namespace mlir;
using namespace mlir::kapla;

namespace {
// Two FC layers, 64 -> 32 -> 16, exported at batch 2.
const char *kMlp = R"mlir(
  func.func @mlp(%x: tensor<2x64xf32>) -> tensor<2x16xf32> {
    %zero = arith.constant 0.0 : f32
    %w1 = arith.constant dense<0.1> : tensor<64x32xf32>
    %w2 = arith.constant dense<0.1> : tensor<32x16xf32>
    %e1 = tensor.empty() : tensor<2x32xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x32xf32>) -> tensor<2x32xf32>
    %h = linalg.matmul ins(%x, %w1 : tensor<2x64xf32>, tensor<64x32xf32>) outs(%f1 : tensor<2x32xf32>) -> tensor<2x32xf32>
    %e2 = tensor.empty() : tensor<2x16xf32>
    %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x16xf32>) -> tensor<2x16xf32>
    %y = linalg.matmul ins(%h, %w2 : tensor<2x32xf32>, tensor<32x16xf32>) outs(%f2 : tensor<2x16xf32>) -> tensor<2x16xf32>
    return %y : tensor<2x16xf32>
  })mlir";

struct Fixture {
  Fixture() {
    DialectRegistry registry;
    registry.insert<KaplaDialect, arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    tensor::TensorDialect>();
    registerLayerOpInterfaceModels(registry);
    registerTangentOpInterfaceModels(registry);
    registerLayoutGradientModels(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kMlp, &ctx);
  }
  /// The layers of the module by pass, as "kind pass N C K".
  std::multimap<std::string, std::string> layers() {
    std::multimap<std::string, std::string> out;
    module->walk([&](Operation *op) {
      if (LayerAttr l = getLayer(op)) {
        LayerDesc d = toCore(l);
        out.insert({reportNameOfLayerPass(d.pass),
                    std::string(stringifyLayerKind(d.kind)) + " " +
                        std::to_string(d.n) + " " + std::to_string(d.c) + " " +
                        std::to_string(d.k)});
      }
    });
    return out;
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};
} // namespace

TEST(ImportApi, LayersAtTheRequestedBatch) {
  Fixture f;
  ASSERT_TRUE(f.module);
  ImportOptions opts;
  opts.batch = 16;
  FailureOr<ImportResult> r = importNetworks(*f.module, opts);
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(r->layers, 2);
  EXPECT_EQ(r->exportedBatch, 2);
  EXPECT_EQ(r->appliedBatch, 16);
  ASSERT_EQ(r->networks.size(), 1u);
  EXPECT_EQ(r->networks.front().getName(), "mlp");
  auto layers = f.layers();
  ASSERT_EQ(layers.count("forward"), 2u);
  auto it = layers.find("forward");
  EXPECT_EQ(it->second, "fc 16 64 32");
  EXPECT_EQ(std::next(it)->second, "fc 16 32 16");
}

TEST(TrainingApi, BackwardLayersOfTheMlp) {
  // The first FC reads the network input: only its weight gradient; the
  // second gets its input gradient (bwd_data) and its weight gradient.
  Fixture f;
  ASSERT_TRUE(f.module);
  ASSERT_TRUE(succeeded(importNetworks(*f.module, ImportOptions())));
  auto func = *f.module->getOps<func::FuncOp>().begin();
  ASSERT_TRUE(succeeded(buildTrainingStep(func)));
  auto layers = f.layers();
  EXPECT_EQ(layers.count("forward"), 2u);
  EXPECT_EQ(layers.count("backward-data"), 1u);
  EXPECT_EQ(layers.count("backward-weight"), 2u);
  // The loss gradient is a new argument, the two weight gradients new
  // results.
  EXPECT_EQ(func.getNumArguments(), 2u);
  EXPECT_EQ(func.getNumResults(), 3u);
}

TEST(TangentInterface, RulesOfScalarOps) {
  Fixture f;
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%a: f32, %b: f32, %c: i1) -> (f32, f32, i1, f32) {
      %p = arith.mulf %a, %b : f32
      %t = math.tanh %a : f32
      %k = arith.cmpf olt, %a, %b : f32
      %s = arith.select %c, %a, %b : f32
      return %p, %t, %k, %s : f32, f32, i1, f32
    })mlir",
                                                        &f.ctx);
  ASSERT_TRUE(m);
  auto func = *m->getOps<func::FuncOp>().begin();
  Block &body = func.getBody().front();
  Value b = body.getArgument(1);
  auto it = body.begin();
  Operation *mul = &*it++, *tanh = &*it++, *cmp = &*it++, *sel = &*it++;
  OpBuilder builder(func.getBody().front().getTerminator());
  Location loc = func.getLoc();
  // Tangents: da = 1 (a seed), db = 0 (null).
  Value one = arith::ConstantOp::create(builder, loc, builder.getF32Type(),
                                        builder.getF32FloatAttr(1.0));
  // d(a * b) with da = 1, db = 0 is b (a multiplication by one is folded).
  FailureOr<Value> dMul = cast<TangentOpInterface>(mul).buildTangent(
      builder, loc, {one, Value()}, Value());
  ASSERT_TRUE(succeeded(dMul));
  EXPECT_EQ(*dMul, b);
  // d tanh(a) = 1 - tanh(a)^2: a subtraction from one of a square.
  FailureOr<Value> dTanh =
      cast<TangentOpInterface>(tanh).buildTangent(builder, loc, {one}, Value());
  ASSERT_TRUE(succeeded(dTanh));
  auto sub = (*dTanh).getDefiningOp<arith::SubFOp>();
  ASSERT_TRUE(sub);
  auto sq = sub.getRhs().getDefiningOp<arith::MulFOp>();
  ASSERT_TRUE(sq);
  EXPECT_EQ(sq.getLhs(), tanh->getResult(0));
  EXPECT_EQ(sq.getRhs(), tanh->getResult(0));
  // A comparison has no tangent.
  FailureOr<Value> dCmp = cast<TangentOpInterface>(cmp).buildTangent(
      builder, loc, {one, Value()}, Value());
  ASSERT_TRUE(succeeded(dCmp));
  EXPECT_FALSE(*dCmp);
  // Through a select's condition there is none either: an error.
  ScopedDiagnosticHandler quiet(&f.ctx, [](Diagnostic &) { return success(); });
  EXPECT_TRUE(failed(cast<TangentOpInterface>(sel).buildTangent(
      builder, loc, {one, Value(), Value()}, Value())));
}

TEST(LayoutGradientInterface, ReshapesAndSlices) {
  Fixture f;
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<2x3x4xf32>, %d: tensor<2x12xf32>, %s: tensor<2x4xf32>) -> (tensor<2x12xf32>, tensor<2x12xf32>) {
      %c = tensor.collapse_shape %x [[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
      %i = tensor.insert_slice %s into %d[0, 4] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<2x12xf32>
      return %c, %i : tensor<2x12xf32>, tensor<2x12xf32>
    })mlir",
                                                        &f.ctx);
  ASSERT_TRUE(m);
  auto func = *m->getOps<func::FuncOp>().begin();
  Block &body = func.getBody().front();
  Operation *collapse = &body.front();
  Operation *insert = collapse->getNextNode();
  OpBuilder b(body.getTerminator());
  Location loc = func.getLoc();
  Value g = body.getArgument(1); // a gradient of the 2x12 result
  auto zeros = [&](RankedTensorType t) -> Value {
    return tensor::EmptyOp::create(b, loc, t.getShape(), t.getElementType());
  };
  // The gradient of a collapse is the expand back to the source's shape.
  llvm::SmallVector<std::pair<unsigned, Value>> grads;
  ASSERT_TRUE(
      succeeded(cast<LayoutGradientOpInterface>(collapse).buildOperandGradients(
          b, loc, g, [](Value) { return true; }, zeros, grads)));
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_EQ(grads[0].first, 0u);
  auto expand = grads[0].second.getDefiningOp<tensor::ExpandShapeOp>();
  ASSERT_TRUE(expand);
  EXPECT_EQ(expand.getResultType().getShape(),
            (llvm::ArrayRef<int64_t>{2, 3, 4}));
  // An insert_slice sends the slice of the gradient to its source (operand
  // 0) and the gradient with the slice zeroed to its destination (1); only
  // to the operands that need one.
  grads.clear();
  Value source = insert->getOperand(0);
  ASSERT_TRUE(
      succeeded(cast<LayoutGradientOpInterface>(insert).buildOperandGradients(
          b, loc, g, [&](Value v) { return v == source; }, zeros, grads)));
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_EQ(grads[0].first, 0u);
  auto slice = grads[0].second.getDefiningOp<tensor::ExtractSliceOp>();
  ASSERT_TRUE(slice);
  EXPECT_EQ(slice.getStaticOffsets(), (llvm::ArrayRef<int64_t>{0, 4}));
  grads.clear();
  ASSERT_TRUE(
      succeeded(cast<LayoutGradientOpInterface>(insert).buildOperandGradients(
          b, loc, g, [](Value) { return true; }, zeros, grads)));
  ASSERT_EQ(grads.size(), 2u);
  EXPECT_EQ(grads[1].first, 1u);
  EXPECT_TRUE(grads[1].second.getDefiningOp<tensor::InsertSliceOp>());
}
