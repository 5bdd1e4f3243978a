//===- LayerInterfaceTest.cpp - LayerOpInterface on linalg ops ------------===//

#include "Kapla/IR/KaplaInterfaces.h"
#include "Kapla/Import/LayerModels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "ErrorText.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::kapla;

namespace {
/// A context with the ops of a network and the layer models.
struct Fixture {
  Fixture() {
    DialectRegistry registry;
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, tensor::TensorDialect>();
    registerLayerOpInterfaceModels(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }
  /// The first op named `name` in `ir`.
  Operation *parse(StringRef ir, StringRef name) {
    module = parseSourceString<ModuleOp>(ir, &ctx);
    Operation *found = nullptr;
    if (module)
      module->walk([&](Operation *op) {
        if (!found && op->getName().getStringRef() == name)
          found = op;
      });
    return found;
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

LayerReading read(Operation *op, llvm::function_ref<bool(Value)> isWeight) {
  auto layerOp = dyn_cast<LayerOpInterface>(op);
  EXPECT_TRUE(layerOp);
  llvm::SmallVector<int64_t> ranges =
      cast<linalg::LinalgOp>(op).getStaticLoopRanges();
  llvm::Expected<LayerReading> r = layerOp.readLayer(ranges, isWeight);
  EXPECT_TRUE(bool(r)) << (r ? "" : llvm::toString(r.takeError()));
  return r ? *r : LayerReading();
}
} // namespace

TEST(LayerInterface, MatmulIsAnFcOnlyWithAWeight) {
  Fixture f;
  Operation *op = f.parse(R"mlir(
    func.func @f(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %o: tensor<8x32xf32>) -> tensor<8x32xf32> {
      %0 = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%o : tensor<8x32xf32>) -> tensor<8x32xf32>
      return %0 : tensor<8x32xf32>
    })mlir",
                          "linalg.matmul");
  ASSERT_TRUE(op);
  Value w = op->getOperand(1);
  // Rows 8 (the batch), reduction 64, columns 32.
  LayerReading fc = read(op, [&](Value v) { return v == w; });
  EXPECT_EQ(fc.role, LayerReading::Role::Layer);
  EXPECT_EQ(fc.layer.kind, LayerKind::FC);
  EXPECT_EQ(fc.layer.n, 8);
  EXPECT_EQ(fc.layer.c, 64);
  EXPECT_EQ(fc.layer.k, 32);
  EXPECT_EQ(fc.weights, (llvm::SmallVector<int64_t, 1>{1}));
  // linalg.matmul loops over (m, n, k): rows are the batch, columns the
  // output channels, the reduction the input channels.
  using OD = std::optional<Dim>;
  EXPECT_EQ(fc.loopDims, (llvm::SmallVector<OD, 8>{Dim::N, Dim::K, Dim::C}));
  // With the weight on the left, the columns are the batch.
  Value x = op->getOperand(0);
  LayerReading left = read(op, [&](Value v) { return v == x; });
  EXPECT_EQ(left.layer.n, 32);
  EXPECT_EQ(left.layer.k, 8);
  EXPECT_EQ(left.loopDims, (llvm::SmallVector<OD, 8>{Dim::K, Dim::N, Dim::C}));
  LayerReading mm = read(op, [](Value) { return false; });
  EXPECT_EQ(mm.layer.kind, LayerKind::MatMul);
  EXPECT_TRUE(mm.weights.empty());
  LayerReading both = read(op, [](Value) { return true; });
  EXPECT_EQ(both.role, LayerReading::Role::Constant);
  EXPECT_TRUE(cast<LayerOpInterface>(op).getFilterOperands().empty());
}

TEST(LayerInterface, ConvolutionDimsAndFilter) {
  Fixture f;
  // 3 -> 8 channels, 3x3 window, stride 2: a 9x9 input gives 4x4.
  Operation *op = f.parse(R"mlir(
    func.func @f(%x: tensor<2x3x9x9xf32>, %w: tensor<8x3x3x3xf32>, %o: tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32> {
      %0 = linalg.conv_2d_nchw_fchw {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
        ins(%x, %w : tensor<2x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32>
      return %0 : tensor<2x8x4x4xf32>
    })mlir",
                          "linalg.conv_2d_nchw_fchw");
  ASSERT_TRUE(op);
  LayerReading r = read(op, [](Value) { return false; });
  EXPECT_EQ(r.role, LayerReading::Role::Layer);
  const LayerDesc &l = r.layer;
  EXPECT_EQ(l.kind, LayerKind::Conv);
  EXPECT_EQ(l.n, 2);
  EXPECT_EQ(l.c, 3);
  EXPECT_EQ(l.k, 8);
  EXPECT_EQ(l.ho, 4);
  EXPECT_EQ(l.wo, 4);
  EXPECT_EQ(l.r, 3);
  EXPECT_EQ(l.s, 3);
  EXPECT_EQ(l.sy, 2);
  EXPECT_EQ(l.sx, 2);
  // conv_2d_nchw_fchw loops over (n, f, oh, ow, c, kh, kw).
  using OD = std::optional<Dim>;
  EXPECT_EQ(r.loopDims,
            (llvm::SmallVector<OD, 8>{Dim::N, Dim::K, Dim::Ho, Dim::Wo, Dim::C,
                                      Dim::R, Dim::S}));
  // The filter is a weight whatever feeds it: the batch never runs through
  // it.
  EXPECT_EQ(r.weights, (llvm::SmallVector<int64_t, 1>{1}));
  EXPECT_EQ(cast<LayerOpInterface>(op).getFilterOperands(),
            (llvm::SmallVector<unsigned>{1}));
}

TEST(LayerInterface, LayoutElementwiseAndWhatKaplaCannotRead) {
  Fixture f;
  Operation *fill = f.parse(R"mlir(
    func.func @f(%o: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %z = arith.constant 0.0 : f32
      %0 = linalg.fill ins(%z : f32) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    })mlir",
                            "linalg.fill");
  ASSERT_TRUE(fill);
  EXPECT_EQ(read(fill, [](Value) { return false; }).role,
            LayerReading::Role::Layout);
  Operation *add = f.parse(R"mlir(
    func.func @f(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %0 = linalg.add ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    })mlir",
                           "linalg.add");
  ASSERT_TRUE(add);
  EXPECT_EQ(read(add, [](Value) { return false; }).role,
            LayerReading::Role::Elementwise);
  // A 3-D convolution is a convolution kapla cannot describe: an error
  // that says so.
  Operation *conv3d = f.parse(R"mlir(
    func.func @f(%x: tensor<1x2x4x4x4xf32>, %w: tensor<2x2x3x3x3xf32>, %o: tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
      %0 = linalg.conv_3d_ncdhw_fcdhw ins(%x, %w : tensor<1x2x4x4x4xf32>, tensor<2x2x3x3x3xf32>) outs(%o : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
      return %0 : tensor<1x2x2x2x2xf32>
    })mlir",
                              "linalg.conv_3d_ncdhw_fcdhw");
  ASSERT_TRUE(conv3d);
  llvm::SmallVector<int64_t> ranges =
      cast<linalg::LinalgOp>(conv3d).getStaticLoopRanges();
  EXPECT_EQ(errorText(cast<LayerOpInterface>(conv3d)
                          .readLayer(ranges, [](Value) { return false; })
                          .takeError()),
            "only 1-D and 2-D convolutions are supported");
}
