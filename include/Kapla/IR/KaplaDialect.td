//===- KaplaDialect.td - The kapla dialect -----------------*- tablegen -*-===//

#ifndef KAPLA_DIALECT_TD
#define KAPLA_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Kapla_Dialect : Dialect {
  let name = "kapla";
  let cppNamespace = "::mlir::kapla";
  let summary = "Scheduling of whole neural networks onto scalable NN accelerators";
  let description = [{
    The `kapla` dialect holds the scheduling decisions for a network on a
    multi-node NN accelerator: the target architecture (`#kapla.arch`), a
    layer descriptor on every compute op (`kapla.layer`), its tensor-centric
    dataflow directives per memory level (`kapla.dataflow`), the constraint of
    the segment it runs in (`kapla.constraint`), its cost (`kapla.cost`), and
    `kapla.segment` ops that own the layers scheduled together.

    Discardable attributes named `kapla.<x>` on upstream ops are verified by
    this dialect.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Names of the discardable attributes this dialect verifies.
    static constexpr ::llvm::StringLiteral kArchAttrName = "kapla.arch";
    static constexpr ::llvm::StringLiteral kLayerAttrName = "kapla.layer";
    static constexpr ::llvm::StringLiteral kDataflowAttrName = "kapla.dataflow";
    static constexpr ::llvm::StringLiteral kConstraintAttrName = "kapla.constraint";
    static constexpr ::llvm::StringLiteral kCostAttrName = "kapla.cost";
    static constexpr ::llvm::StringLiteral kNameAttrName = "kapla.name";
    static constexpr ::llvm::StringLiteral kWeightsAttrName = "kapla.weights";
    /// A #kapla.fix: parts of the layer's schedule its user fixed, written
    /// before scheduling (the op need not be a layer yet).
    static constexpr ::llvm::StringLiteral kFixAttrName = "kapla.fix";
    /// A unit attribute: the exhaustive search visited its whole space for
    /// this layer, so its dataflow is the optimum under the cost model.
    static constexpr ::llvm::StringLiteral kOptimalAttrName = "kapla.optimal";
    /// A non-negative f64: the exact search stopped before proving the
    /// optimum; the layer's objective is at most (1 + gap) times the optimum
    /// of the search space (a certified bound).
    static constexpr ::llvm::StringLiteral kGapAttrName = "kapla.gap";
    /// A #kapla.node or #kapla.pe on an scf.for of a materialised nest: the
    /// loop runs the positions of that stack one after another (partial
    /// results that cannot be merged).
    static constexpr ::llvm::StringLiteral kStackAttrName = "kapla.stack";
    /// A unit attribute on a function argument: the loss gradient of a
    /// network output (kapla-build-training-graph).
    static constexpr ::llvm::StringLiteral kLossGradientAttrName =
        "kapla.loss_gradient";
    /// A unit attribute on a function argument: the argument is a weight
    /// of the network (trained by a training step, not scaled by `batch`),
    /// as a constant is.
    static constexpr ::llvm::StringLiteral kWeightAttrName = "kapla.weight";
  private:
    void registerAttributes();
  public:
  }];
}

class Kapla_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kapla_Dialect, mnemonic, traits>;

class Kapla_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Kapla_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // KAPLA_DIALECT_TD
