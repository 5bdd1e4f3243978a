//===- KaplaAttrs.td - kapla attributes --------------------*- tablegen -*-===//
//
// Each attribute mirrors one plain C++ value type of the core (Hardware,
// Workload, Dataflow, CostModel); KaplaAttrs.h declares the conversions.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_ATTRS_TD
#define KAPLA_ATTRS_TD

include "Kapla/IR/KaplaDialect.td"
include "Kapla/Support/KaplaEnums.td"
include "mlir/Dialect/SCF/IR/DeviceMappingInterface.td"

//===----------------------------------------------------------------------===//
// Parameters with kapla's own spelling
//===----------------------------------------------------------------------===//

// Enum parameters parse and print with the spellings of KaplaEnums.td.
def Kapla_LayerKindParam : EnumParameter<Kapla_LayerKind>;
def Kapla_LayerPassParam : EnumParameter<Kapla_LayerPass> {
  let defaultValue = "::mlir::kapla::LayerPass::Forward";
}
def Kapla_TensorKindParam : EnumParameter<Kapla_TensorKind>;
def Kapla_PipelineKindParam : EnumParameter<Kapla_PipelineKind>;

def Kapla_F64Param : AttrParameter<"::mlir::kapla::F64", "a finite number"> {
  let parser = "::mlir::kapla::parseF64($_parser)";
  let printer = "::mlir::kapla::printF64($_printer, $_self)";
}

def Kapla_BoolParam : AttrParameter<"bool", "true or false"> {
  let parser = "::mlir::kapla::parseBool($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
  let defaultValue = "false";
}

class Kapla_I64Default<string value> : DefaultValuedParameter<"int64_t", value>;

def Kapla_DimAmountsParam : ArrayRefParameter<"::mlir::kapla::DimAmount",
                                              "dims with amounts"> {
  let parser = "::mlir::kapla::parseDimAmounts($_parser)";
  let printer = "::mlir::kapla::printDimAmounts($_printer, $_self)";
}

def Kapla_OptionalDimAmountsParam
    : OptionalArrayRefParameter<"::mlir::kapla::DimAmount",
                                "dims with amounts"> {
  let parser = "::mlir::kapla::parseDimAmounts($_parser)";
  let printer = "::mlir::kapla::printDimAmounts($_printer, $_self)";
}

// Lists print with brackets so that they can sit inside `struct(...)`.
class Kapla_BracketedList<string elemType, string desc>
    : ArrayRefParameter<elemType, desc> {
  let parser = "::mlir::kapla::parseBracketedList<" # elemType # ">($_parser)";
  let printer = "::mlir::kapla::printBracketedList($_printer, $_self)";
}
class Kapla_OptionalBracketedList<string elemType, string desc>
    : OptionalArrayRefParameter<elemType, desc> {
  let parser = "::mlir::kapla::parseBracketedList<" # elemType # ">($_parser)";
  let printer = "::mlir::kapla::printBracketedList($_printer, $_self)";
}

//===----------------------------------------------------------------------===//
// Hardware
//===----------------------------------------------------------------------===//

def Kapla_ArchAttr : Kapla_Attr<"Arch", "arch"> {
  let summary = "Accelerator architecture (docs/Dialect.md)";
  let description = [{
    A complete description of the target accelerator. Either every key is
    given, or a preset name comes first and the keys after it override the
    preset's values:

    ```mlir
    #kapla.arch<"multi-node-4x4">
    #kapla.arch<"multi-node-16x16", gbuf_bytes = 65536>
    #kapla.arch<name = "tiny", nodes = [1, 1], pe_array = [2, 2],
                regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16,
                freq_mhz = 500.0, dram_bw_bytes_per_cycle = 8.0,
                bus_bits = 64, pe_template = "row-stationary",
                energy_pj = {mac = 1.0, regf = 0.1, bus = 1.5, gbuf = 3.0,
                             dram = 400.0, noc_hop = 10.0,
                             static_per_cycle = 0.0}>
    ```
    It always prints in the full form. Field ranges: array sizes 1..4096,
    `word_bits` 1..64, buffers of at least one usable word (99% of nominal),
    positive clock, DRAM bandwidth and bus width (at least one word),
    finite non-negative energies.
  }];
  let parameters = (ins
    StringRefParameter<"architecture name">:$name,
    "int64_t":$nodeRows, "int64_t":$nodeCols,
    "int64_t":$peRows, "int64_t":$peCols,
    "int64_t":$regfBytes, "int64_t":$gbufBytes, "int64_t":$wordBits,
    Kapla_F64Param:$freqMHz, Kapla_F64Param:$dramBwBytesPerCycle,
    "int64_t":$busBits, "::mlir::kapla::PETemplate":$peTemplate,
    Kapla_F64Param:$eMac, Kapla_F64Param:$eRegf, Kapla_F64Param:$eBus,
    Kapla_F64Param:$eGbuf, Kapla_F64Param:$eDram, Kapla_F64Param:$eNocHop,
    Kapla_F64Param:$eStaticPerCycle
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Workload
//===----------------------------------------------------------------------===//

def Kapla_LayerAttr : Kapla_Attr<"Layer", "layer"> {
  let summary = "Layer descriptor (docs/Dialect.md)";
  let description = [{
    The loop extents of one layer. `pass` defaults to `forward`; strides
    `sy`/`sx`, dilations `dy`/`dx` and `inputs` (operands of an eltwise layer)
    default to 1 and are omitted when 1. `loops` lists, for a dim that runs
    over several loops of its op, the extents of those loops, major to
    minor (one entry per loop); it is omitted when every dim is one loop.
    `batch_loops` lists which of N's loops (0 for the first listed) carry
    the network's batch; omitted when none is known.

    ```mlir
    #kapla.layer<conv, N = 1, C = 3, K = 48, Ho = 55, Wo = 55, R = 11, S = 11, sy = 4, sx = 4>
    #kapla.layer<fc, pass = backward_weight, N = 64, C = 4096, K = 1000, Ho = 1, Wo = 1, R = 1, S = 1>
    #kapla.layer<matmul, N = 6144, C = 64, K = 512, Ho = 1, Wo = 1, R = 1, S = 1, loops = [N = 12, N = 512], batch_loops = [1]>
    ```
  }];
  let parameters = (ins
    Kapla_LayerKindParam:$kind, Kapla_LayerPassParam:$pass,
    "int64_t":$N, "int64_t":$C, "int64_t":$K, "int64_t":$Ho, "int64_t":$Wo,
    "int64_t":$R, "int64_t":$S,
    Kapla_I64Default<"1">:$sy, Kapla_I64Default<"1">:$sx,
    Kapla_I64Default<"1">:$dy, Kapla_I64Default<"1">:$dx,
    Kapla_I64Default<"1">:$inputs,
    Kapla_OptionalDimAmountsParam:$loops,
    Kapla_OptionalBracketedList<"int64_t", "loop positions">:$batch_loops
  );
  let assemblyFormat = [{
    `<` $kind `,` struct($pass, $N, $C, $K, $Ho, $Wo, $R, $S, $sy, $sx, $dy, $dx, $inputs, $loops, $batch_loops) `>`
  }];
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Dataflow directives
//===----------------------------------------------------------------------===//

def Kapla_TensorAttr : Kapla_Attr<"Tensor", "tensor"> {
  let summary = "`tensor` directive: the tile of one data tensor in one buffer";
  let description = [{
    ```mlir
    #kapla.tensor<I, size = [N = 4, C = 4, Hi = 19, Wi = 19], shr = 4>
    ```
    `shr = k` spreads one copy over `k` buffers of the level (buffer
    sharing); it is omitted when 1.
  }];
  let parameters = (ins Kapla_TensorKindParam:$tensor,
                        Kapla_DimAmountsParam:$size,
                        Kapla_I64Default<"1">:$shr);
  let assemblyFormat = "`<` $tensor `,` `size` `=` $size (`,` `shr` `=` $shr^)? `>`";
  let genVerifyDecl = 1;
}

def Kapla_StackAttr : Kapla_Attr<"Stack", "stack"> {
  let summary = "`stack` directive: spatial replication over the buffers of a level";
  let description = [{
    ```mlir
    #kapla.stack<shift = [Hi = 1, Ho = 1], repl = 8>
    ```
    `repl` buffers each hold the level's tiles shifted by `shift` from the
    previous one; tensors without a listed dim are replicated.
  }];
  let parameters = (ins Kapla_DimAmountsParam:$shift, "int64_t":$repl);
  let assemblyFormat = "`<` `shift` `=` $shift `,` `repl` `=` $repl `>`";
  let genVerifyDecl = 1;
}

def Kapla_UpdateAttr : Kapla_Attr<"Update", "update"> {
  let summary = "`update` directive: one temporal loop of a level";
  let description = [{
    ```mlir
    #kapla.update<step = [Wi = 1, Wo = 1]>
    ```
    Every tile moves by `step` along the listed dims each iteration.
  }];
  let parameters = (ins Kapla_DimAmountsParam:$step);
  let assemblyFormat = "`<` `step` `=` $step `>`";
  let genVerifyDecl = 1;
}

def Kapla_LevelAttr : Kapla_Attr<"Level", "level"> {
  let summary = "The directives of one memory level";
  let description = [{
    Tensors, then stacks in composition order, then updates innermost first.
  }];
  let parameters = (ins
    Kapla_BracketedList<"::mlir::kapla::TensorAttr", "tiles">:$tensors,
    Kapla_OptionalBracketedList<"::mlir::kapla::StackAttr", "stacks">:$stacks,
    Kapla_OptionalBracketedList<"::mlir::kapla::UpdateAttr", "updates">:$updates);
  let assemblyFormat = "`<` struct($tensors, $stacks, $updates) `>`";
  let genVerifyDecl = 1;
}

def Kapla_DataflowAttr : Kapla_Attr<"Dataflow", "dataflow"> {
  let summary = "A layer's dataflow: its REGF and GBUF levels";
  let parameters = (ins "::mlir::kapla::LevelAttr":$regf,
                        "::mlir::kapla::LevelAttr":$gbuf);
  let assemblyFormat = "`<` `regf` `=` $regf `,` `gbuf` `=` $gbuf `>`";
}

//===----------------------------------------------------------------------===//
// Segments and costs
//===----------------------------------------------------------------------===//

def Kapla_PipelineAttr : Kapla_Attr<"Pipeline", "pipeline"> {
  let summary = "How a segment pipelines its layers: none, spatial or temporal";
  let parameters = (ins Kapla_PipelineKindParam:$value);
  let assemblyFormat = "`<` $value `>`";
}

def Kapla_ConstraintAttr : Kapla_Attr<"Constraint", "constraint"> {
  let summary = "What a segment imposes on one of its layers";
  let description = [{
    ```mlir
    #kapla.constraint<region = [0, 0, 4, 16], batch_groups = 4, input_on_chip = true>
    ```
    `region` is `[row0, col0, rows, cols]` of the node array. The group
    counts (0 = free) fix the granularity pipelined layers forward data in;
    the flags say whether the input comes from, and the output goes to, a
    layer of the same segment instead of DRAM.
  }];
  let parameters = (ins
    Kapla_BracketedList<"int64_t", "[row0, col0, rows, cols]">:$region,
    Kapla_I64Default<"0">:$batch_groups, Kapla_I64Default<"0">:$channel_groups,
    Kapla_BoolParam:$input_on_chip, Kapla_BoolParam:$output_on_chip);
  let assemblyFormat = [{
    `<` struct($region, $batch_groups, $channel_groups, $input_on_chip,
               $output_on_chip) `>`
  }];
  let genVerifyDecl = 1;
}

def Kapla_FixAttr : Kapla_Attr<"Fix", "fix"> {
  let summary = "Parts of a layer's schedule its user fixed";
  let description = [{
    ```mlir
    #kapla.fix<pe_split = [K = 8, Ho = 8], regf_order = [C, K, N],
               region = [0, 0, 2, 2]>
    ```
    Written on a layer op before scheduling: every solver searches only
    schedules with these values, the others stay free. `regf_tile` and
    `gbuf_tile` are the tiles of one PE and one node, `pe_split` and
    `node_split` over how many PEs and nodes a dim is spread (the `repl`
    of its stack), per dim; `regf_order` and `gbuf_order` the loops of a
    level innermost first by their dims; `region` the nodes the layer
    runs on, `[row0, col0, rows, cols]`. Every field is optional.
  }];
  let parameters = (ins
    Kapla_OptionalDimAmountsParam:$regf_tile,
    Kapla_OptionalDimAmountsParam:$pe_split,
    Kapla_OptionalDimAmountsParam:$gbuf_tile,
    Kapla_OptionalDimAmountsParam:$node_split,
    Kapla_OptionalBracketedList<"::mlir::kapla::Dim", "dims">:$regf_order,
    Kapla_OptionalBracketedList<"::mlir::kapla::Dim", "dims">:$gbuf_order,
    Kapla_OptionalBracketedList<"int64_t", "[row0, col0, rows, cols]">:$region);
  let assemblyFormat = [{
    `<` struct($regf_tile, $pe_split, $gbuf_tile, $node_split, $regf_order,
               $gbuf_order, $region) `>`
  }];
  let genVerifyDecl = 1;
}

def Kapla_CostAttr : Kapla_Attr<"Cost", "cost"> {
  let summary = "Energy, time and access counts of a layer, segment or network";
  let description = [{
    ```mlir
    #kapla.cost<energy_pj = 10.5, cycles = 4.0, mac_pj = 8.0, regf_pj = 2.5,
                bus_pj = 0.0, gbuf_pj = 0.0, dram_pj = 0.0, noc_pj = 0.0,
                static_pj = 0.0, dram_words = 0, gbuf_words = 0,
                regf_accesses = 32, noc_hops = 0>
    ```
    `energy_pj` must equal the sum of the seven components.
  }];
  let parameters = (ins
    Kapla_F64Param:$energy_pj, Kapla_F64Param:$cycles,
    Kapla_F64Param:$mac_pj, Kapla_F64Param:$regf_pj, Kapla_F64Param:$bus_pj,
    Kapla_F64Param:$gbuf_pj, Kapla_F64Param:$dram_pj, Kapla_F64Param:$noc_pj,
    Kapla_F64Param:$static_pj,
    "int64_t":$dram_words, "int64_t":$gbuf_words, "int64_t":$regf_accesses,
    Kapla_F64Param:$noc_hops);
  let assemblyFormat = [{
    `<` struct($energy_pj, $cycles, $mac_pj, $regf_pj, $bus_pj, $gbuf_pj,
               $dram_pj, $noc_pj, $static_pj, $dram_words, $gbuf_words,
               $regf_accesses, $noc_hops) `>`
  }];
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Materialised loops
//===----------------------------------------------------------------------===//

def Kapla_NodeMappingAttr : Kapla_Attr<"NodeMapping", "node",
    [DeclareAttrInterfaceMethods<DeviceMappingAttrInterface>]> {
  let summary = "An scf.forall dim that runs over the nodes of a layer";
  let description = [{
    ```mlir
    #kapla.node<0, region = [0, 0, 4, 4]>
    ```
    Maps one dim of an `scf.forall` made by `kapla-materialize` to the
    nodes of the layer's region `[row0, col0, rows, cols]`: its iterations
    are the positions of GBUF stack number `stack` of the layer's dataflow,
    which run at once on different nodes (docs/Materialization.md).
  }];
  let parameters = (ins "int64_t":$stack,
    Kapla_BracketedList<"int64_t", "[row0, col0, rows, cols]">:$region);
  let assemblyFormat = "`<` $stack `,` `region` `=` $region `>`";
}

def Kapla_PEMappingAttr : Kapla_Attr<"PEMapping", "pe",
    [DeclareAttrInterfaceMethods<DeviceMappingAttrInterface>]> {
  let summary = "An scf.forall dim that runs over the PEs of a node";
  let description = [{
    ```mlir
    #kapla.pe<1>
    ```
    Maps one dim of an `scf.forall` made by `kapla-materialize` to the PE
    array of a node: its iterations are the positions of REGF stack number
    `stack` of the layer's dataflow, which run at once on different PEs.
  }];
  let parameters = (ins "int64_t":$stack);
  let assemblyFormat = "`<` $stack `>`";
}

#endif // KAPLA_ATTRS_TD
