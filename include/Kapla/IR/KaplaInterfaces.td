//===- KaplaInterfaces.td - kapla op interfaces ------------*- tablegen -*-===//

#ifndef KAPLA_INTERFACES_TD
#define KAPLA_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kapla_LayerOpInterface : OpInterface<"LayerOpInterface"> {
  let cppNamespace = "::mlir::kapla";
  let description = [{
    An op kapla-import can read: the layer it computes (a convolution,
    pooling, depthwise convolution, FC, matmul or reduction), or that it
    only moves data, or that it is element-wise (whose layer, if any, the
    importer derives from what feeds it). kapla attaches it to every linalg
    structured op as an external model (`registerLayerOpInterfaceModels`);
    another dialect's op implements it to be scheduled as a layer.
  }];
  let methods = [
    InterfaceMethod<[{
        The op as a layer over its loop `ranges` (the static loop ranges,
        with the loops that run over the batch scaled to the requested
        batch). `isWeight` says which values are weights (constants, or
        arguments marked `kapla.weight`): it decides whether a contraction
        is an FC or a matmul. A layer comes with the dim of the layer each
        loop runs over (`LayerReading::loopDims`). An error says why kapla
        cannot describe it.
      }],
      "::llvm::Expected<::mlir::kapla::LayerReading>", "readLayer",
      (ins "::llvm::ArrayRef<int64_t>":$ranges,
           "::llvm::function_ref<bool(::mlir::Value)>":$isWeight)>,
    InterfaceMethod<[{
        The operands that hold weights whatever feeds them (a convolution's
        filter): the batch never runs through them.
      }],
      "::llvm::SmallVector<unsigned>", "getFilterOperands">,
  ];
}

def Kapla_TangentOpInterface : OpInterface<"TangentOpInterface"> {
  let cppNamespace = "::mlir::kapla";
  let description = [{
    A scalar op of a linalg body that kapla-build-training-graph can
    differentiate: the forward-mode derivative of its one result from those
    of its operands. The training graph derives the gradient of every
    linalg op from the tangents of its body. kapla attaches it to the arith
    and math ops networks use as external models
    (`registerTangentOpInterfaceModels`); an op of another dialect
    implements it to be differentiable.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, with `b` at `loc`, the tangent of the op's result given the
        tangents of its operands (`tangents`, one per operand, null for
        zero). Null when the result has none (a comparison, a conversion to
        integers); failure, after an error on the op, when the op cannot be
        differentiated in that operand. In a max/min body `tieLoser` is the
        value that stands for the reduced output: a tie with it goes to the
        other operand.
      }],
      "::mlir::FailureOr<::mlir::Value>", "buildTangent",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::llvm::ArrayRef<::mlir::Value>":$tangents,
           "::mlir::Value":$tieLoser)>,
  ];
}

def Kapla_LayoutGradientOpInterface
    : OpInterface<"LayoutGradientOpInterface"> {
  let cppNamespace = "::mlir::kapla";
  let description = [{
    An op that moves data (pads, slices, reshapes, casts) whose gradient
    kapla-build-training-graph sends back to its operands: the reverse-mode
    rule of the op. kapla attaches it to the tensor dialect's layout ops as
    external models (`registerLayoutGradientModels`).
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, with `b` at `loc`, the gradients of the op's operands from
        `resultGradient`, the gradient of its one result, and adds each to
        `contributions` as (operand number, gradient). `needsGradient` says
        which operand values need one; `zeros` gives a zero tensor of a
        type. Failure, after an error on the op, when the op cannot be
        differentiated (a dynamic offset).
      }],
      "::mlir::LogicalResult", "buildOperandGradients",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$resultGradient,
           "::llvm::function_ref<bool(::mlir::Value)>":$needsGradient,
           "::llvm::function_ref<::mlir::Value(::mlir::RankedTensorType)>":$zeros,
           "::llvm::SmallVectorImpl<std::pair<unsigned, ::mlir::Value>> &":$contributions)>,
  ];
}

#endif // KAPLA_INTERFACES_TD
