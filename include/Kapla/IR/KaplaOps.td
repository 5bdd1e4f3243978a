//===- KaplaOps.td - kapla operations ----------------------*- tablegen -*-===//

#ifndef KAPLA_OPS_TD
#define KAPLA_OPS_TD

include "Kapla/IR/KaplaDialect.td"
include "Kapla/IR/KaplaAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kapla_SegmentOp : Kapla_Op<"segment", [
    RecursiveMemoryEffects, SingleBlock]> {
  let summary = "The layers scheduled together as one segment";
  let description = [{
    A segment owns, in its single-block region, the ops of the layers that
    run together on the chip, and yields the values used after it. Segments
    of one block run in order of their `index`, which strictly increases.
    `pipeline` says how the layers share the chip: `none` (a single layer),
    `spatial` (concurrently, on disjoint node regions) or `temporal` (one
    after another on the same region, intermediates kept on chip).

    ```mlir
    %r = kapla.segment 0 pipeline spatial -> tensor<1x8x8x8xf32> {
      %a = linalg.conv_2d_nchw_fchw {kapla.layer = ..., kapla.constraint = ...} ...
      %b = linalg.conv_2d_nchw_fchw {kapla.layer = ..., kapla.constraint = ...} ...
      kapla.yield %b : tensor<1x8x8x8xf32>
    }
    ```
    Structure rules: a non-negative index, greater than that of the previous
    segment in the block; no nested segments; at most one layer (an op with
    `kapla.layer`) in a `none` segment; pairwise disjoint regions in a
    `spatial` segment and one shared region in a `temporal` segment (for
    layers with `kapla.constraint`); yielded types equal the result types.
  }];
  let arguments = (ins I64Attr:$index, Kapla_PipelineAttr:$pipeline,
                       OptionalAttr<Kapla_CostAttr>:$cost);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $index `pipeline` custom<PipelineKeyword>($pipeline)
    (`->` type($results)^)? attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Kapla_YieldOp : Kapla_Op<"yield", [
    Pure, Terminator, HasParent<"SegmentOp">]> {
  let summary = "Ends a segment, yielding the values used after it";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // KAPLA_OPS_TD
