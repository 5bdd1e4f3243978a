//===- Passes.td - kapla passes ----------------------------*- tablegen -*-===//

#ifndef KAPLA_TRANSFORMS_PASSES_TD
#define KAPLA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KaplaImportPass : Pass<"kapla-import", "::mlir::ModuleOp"> {
  let summary = "Recognise the layers of a network and attach layer descriptors";
  let description = [{
    Walks every function with a body and classifies each op:

    - convolutions (named `linalg.conv_2d_*`, `linalg.depthwise_conv_2d_*`
      with multiplier 1, and `linalg.generic` ops with the same indexing
      structure) become `conv` or `dwconv` layers;
    - contractions (`linalg.matmul`, `linalg.batch_matmul`, matmul-like
      generics) become `fc` layers when one operand is computed from
      constants only (the weights) and `matmul` layers when both are
      activations; batch dims fold into `N`;
    - pooling ops (named, or convolution-like generics without channel
      dims) and global reductions over the two spatial dims become `pool`;
    - element-wise ops combining the outputs of two or more different layers
      (or a layer output and a network input) become `eltwise`; other
      reductions (softmax, layer-norm rows) become one-input `eltwise`
      vector layers;
    - element-wise ops on a single layer's output (bias, batch-norm, ReLU,
      clamp, hardswish, casts) are fused into that layer; layout ops (pad,
      transpose, reshape, collapse/expand, slices, concatenation, fill,
      copy, broadcast, constants) create no layer and pass dependences on.

    Each layer op gets `kapla.layer` (kind and dims), `kapla.name` (its name
    location, else `<kind>_<n>`) and `kapla.weights` (its weight operands).
    An op kapla does not understand is an error naming it; with
    `unknown-ops=warn` it is a warning and its results pass dependences on.
    Convolutions and matmuls are never dropped: one that cannot be described
    (dynamic shapes, groups, 3-D) is always an error.

    Example: `linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x3x8x8xf32>,
    tensor<4x3x3x3xf32>) ...` gains
    `kapla.layer = #kapla.layer<conv, N = 1, C = 3, K = 4, Ho = 6, Wo = 6, R = 3, S = 3>`,
    `kapla.name = "conv_0"`, `kapla.weights = array<i64: 1>`.

    The networks: calls that pass network data to private functions are
    inlined first (helpers); every other function with a body is imported
    on its own, and a call to a function of the module passes dependences
    on (a driver calling its network). A function that computes and calls
    another that computes is an error unless `entry=F` names the network
    (whose calls are then all inlined).

    With `batch=B`, every loop that runs over the batch of a network input
    (followed through indexing maps, reshapes, casts, slices and
    element-wise ops) is scaled from the exported batch to `B`; a batch kapla
    cannot follow or apply is an error. Arguments marked `kapla.weight` are
    weights, as constants are. With `report=PATH` (`-` for stdout) the
    `network`, `options` and `layers` parts of the report are
    written as JSON.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size to schedule for (0: as exported)">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "Write the layer report as JSON to this path ('-': stdout)">,
    Option<"unknownOps", "unknown-ops", "::mlir::kapla::UnknownOps",
           /*default=*/"::mlir::kapla::UnknownOps::Error",
           "What an op kapla does not understand is",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::UnknownOps::Error, "error",
                        "An error: nothing is dropped"),
             clEnumValN(::mlir::kapla::UnknownOps::Warn, "warn",
                        "A warning; its data passes dependences on"))}]>,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "The network function (default: every function that computes)">,
    Option<"requireLayers", "require-layers", "bool", /*default=*/"false",
           "A module without layers is an error (nothing to schedule); the "
           "kapla-schedule pipeline sets it">,
  ];
}

def KaplaBuildTrainingGraphPass
    : Pass<"kapla-build-training-graph", "::mlir::ModuleOp"> {
  let summary = "Add the backward layers of a training step as real ops";
  let description = [{
    Runs after `kapla-import`, on every function with layers, and appends
    the backward pass of a training step as linalg ops that
    compute it:

    - for every CONV, DWCONV, FC and MATMUL a backward-data op (the gradient
      of its input; none for an input computed from the network input and
      constants only) and a backward-weight op (the gradient of its
      weights, or of a MATMUL's second operand);
    - for every POOL a backward pool; for every ELTWISE layer the gradient
      of each input (none when it is the output gradient itself, as for an
      add);
    - a gradient merge (an ELTWISE layer) where a value feeds several
      layers, and the inverse of every fused epilogue and layout op.

    Each backward op of a layer is a `linalg.generic` over the forward
    iteration space (same MACs) that accumulates into the gradient's
    layout, e.g. for a strided convolution
    `dI[n, c, y*sy + r, x*sx + s] += dO[n, k, y, x] * W[k, c, r, s]`; it
    carries `kapla.layer` with `pass = backward-data` or `backward-weight`
    and the forward dims, and `kapla.name` `<layer>.bwd_data` or
    `<layer>.bwd_weight`.

    The loss gradient enters as one new function argument per network
    output (marked `kapla.loss_gradient`); the weight gradients, in layer
    order, are appended to the results, so they end in DRAM. Ops without a
    gradient rule are errors naming the op.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def KaplaSetArchPass : Pass<"kapla-set-arch", "::mlir::ModuleOp"> {
  let summary = "Set the target architecture of the module (kapla.arch)";
  let description = [{
    Attaches `kapla.arch` to the module from a preset (`arch=NAME`:
    `multi-node-16x16`, `multi-node-4x4`, `edge-systolic`) or from a JSON
    architecture file (`arch-file=PATH`, the JSON schema of `arch/*.json`). With neither
    option, a module that has no `kapla.arch` gets the default preset
    (`multi-node-16x16`) and one that has it keeps it. Giving both, an
    unknown preset, or a missing, unreadable or ill-typed file (the message
    names the key) is an error.

    Before: `module {...}`; after `kapla-set-arch{arch=multi-node-4x4}`:
    `module attributes {kapla.arch = #kapla.arch<name = "multi-node-4x4", ...>} {...}`.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"\"",
           "Architecture preset">,
    Option<"archFile", "arch-file", "std::string", /*default=*/"\"\"",
           "Architecture file (JSON)">,
  ];
}

def KaplaVerifyDataflowPass
    : Pass<"kapla-verify-dataflow", "::mlir::func::FuncOp"> {
  let summary = "Report every invalid dataflow directive as an error";
  let description = [{
    Runs on each `func.func`. Evaluates every layer op that has
    `kapla.dataflow` on the module's architecture (`kapla.arch`, default
    `multi-node-16x16`) in the context of its `kapla.constraint`, and
    reports each invalid one at the op, naming the rule and the numbers: a
    level over capacity (words needed and usable), stacks using more PEs
    than a node has or more nodes than the region has, a dim the loops do
    not cover, an update whose dims disagree on the iteration count, a tile
    larger than the tile around it. A layer that `kapla-materialize` made
    into a loop nest is also read back: the loops must be the updates and
    stacks of its directives, level by level, with their iteration counts
    and stack positions, and the innermost op must write one REGF tile
    (docs/Materialization.md). Valid IR passes unchanged.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
}

def KaplaMaterializePass
    : Pass<"kapla-materialize", "::mlir::func::FuncOp"> {
  let summary = "Turn each layer's dataflow into the loop nest it describes";
  let description = [{
    Runs on each `func.func`, after `kapla-schedule`. Every layer op with a
    `kapla.dataflow` becomes, through the op's `TilingInterface`
    (`scf::tileUsingSCF`), the nest of loops its directives describe
    (docs/Materialization.md): the GBUF updates as `scf.for` loops
    (outermost first), the GBUF stacks as an `scf.forall` over the nodes
    (`#kapla.node`), the REGF updates as `scf.for` loops, the REGF stacks as
    an `scf.forall` over the PEs (`#kapla.pe`); a stack over a reduction dim
    (the filter rows of a row-stationary array) is an `scf.forall` of
    partial results merged after it. The outermost loop takes the layer's
    `kapla.*` attributes; the op in the innermost loop computes one REGF
    tile. Layers without a dataflow are left as they are. A layer whose
    directives are no loop nest (a diagonal update, overlapping tiles), or
    whose op does not run over the extents of its `kapla.layer` (an IR at
    another batch than the schedule's), is an error naming the reason.
    The layers of a pipelined segment with `batch_groups > 1` share one
    batch-group loop, the ones that feed its last layer fused into it; a
    layer whose output scatters into windows, which cannot be fused so (a
    backward-data layer), gets a loop of its own merged into the segment's;
    a layer or a yielded value that a layer reads in part (the rows a
    strided layer reads) is computed for whole groups. `upstream-loops`
    builds the loops only as upstream transform ops can.
    Element-wise epilogues that read only a layer's output (bias, ReLU)
    are fused into its nest, into the innermost of the loops over parallel
    dims it starts with (`fuse-epilogues`).
  }];
  let options = [
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Fuse the element-wise epilogues of a layer into its nest">,
    Option<"upstreamLoops", "upstream-loops", "bool", /*default=*/"false",
           "Build the segments' batch-group loops only as upstream transform "
           "ops can (kapla-emit-transform's script): backward layers that do "
           "not feed a segment's last layer keep loops of their own, and a "
           "value read in part of a group is not fused">,
  ];
  let dependentDialects = ["::mlir::kapla::KaplaDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def KaplaStripSchedulePass
    : Pass<"kapla-strip-schedule", "::mlir::ModuleOp"> {
  let summary = "Drop the schedule's annotations, leaving upstream IR";
  let description = [{
    Inlines every `kapla.segment` (its ops take its place, its results
    become the values it yields) and removes every `kapla.*` attribute
    from the module, its ops and its functions' arguments, and the
    `#kapla.node` and `#kapla.pe` mappings from the loops of
    `kapla-materialize` (which stay, unmapped). The result is upstream IR
    that `mlir-opt` reads and lowers, as a run on the host does. With
    `keep-mappings` the mappings and `kapla.stack` stay (what a backend
    lowering the loops to the hardware needs).
  }];
  let options = [
    Option<"keepMappings", "keep-mappings", "bool", /*default=*/"false",
           "Keep the #kapla.node and #kapla.pe mappings of the loops and "
           "their kapla.stack">,
  ];
}

def KaplaEmitTransformPass
    : Pass<"kapla-emit-transform", "::mlir::ModuleOp"> {
  let summary = "Write the loop nests of the schedule as a transform script";
  let description = [{
    Writes, for every layer with a `kapla.dataflow`, a
    `transform.named_sequence` of upstream transform ops
    (`transform.structured.tile_using_for`, `tile_using_forall` with the
    `#kapla.node`/`#kapla.pe` mappings, `tile_reduction_using_forall` for
    stacks of partial results) that makes the loop nest `kapla-materialize`
    makes, and a `__transform_main` that applies them all. The sequences
    find each layer by its function and `kapla.name`, so the script applies
    to the scheduled network or to the imported one before scheduling
    (`--transform-preload-library` then `--transform-interpreter`). The
    loops are those of
    `kapla-materialize{fuse-epilogues=false upstream-loops=true}`: a
    segment's shared batch-group loop is `tile_using_for` of its last layer
    with `fuse_into_containing_op` of the ops that feed it, then the nests
    of its layers for one group (a segment whose loop would have to yield a
    value read after it, which upstream fusion does not do for an `scf.for`,
    is left to per-layer loops, with a warning). The layer's attributes stay
    on the tiled op. The IR is left unchanged (the loops are found by
    building them on a copy of each segment, erased after).
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Write the transform module to this path ('-': stdout)">,
  ];
}

def KaplaEstimateCostPass : Pass<"kapla-estimate-cost", "::mlir::ModuleOp"> {
  let summary = "Cost every layer and segment; optionally write the report";
  let description = [{
    Runs the cost-model analysis on every function and attaches
    `kapla.cost` to each layer op and `cost` to each `kapla.segment`. Every
    layer must have a valid `kapla.dataflow` (hand-written or from the
    solver); one that does not is an error. With `report=PATH` (`-` for
    stdout) the full report is written: architecture, layers
    with segment, region, energy, cycles, breakdown, accesses and
    directives, segments, totals with the lower bound. With `trace=PATH`
    the schedule is written as a Chrome / Perfetto trace, with `html=PATH`
    as one self-contained HTML page of drawings.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
  let options = [
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "Write the report as JSON to this path ('-': stdout)">,
    Option<"trace", "trace", "std::string", /*default=*/"\"\"",
           "Write the schedule as a Chrome/Perfetto trace (JSON) to this path">,
    Option<"html", "html", "std::string", /*default=*/"\"\"",
           "Write the schedule as one HTML page (SVG drawings) to this path">,
  ];
}

def KaplaFormSegmentsPass
    : Pass<"kapla-form-segments", "::mlir::func::FuncOp"> {
  let summary = "Partition the layers into pipelined segments";
  let description = [{
    Runs on each `func.func` (a network; functions are scheduled in
    parallel, each on its own). Cuts its layers, in topological order, into
    `kapla.segment` ops: single layers, and runs of up to
    `max-segment-layers` consecutive layers pipelined spatially (node regions
    sized by MACs, data forwarded over the NoC) or temporally (the whole
    array, intermediates kept in GBUFs). Forwarded data goes in batch
    groups, and in channel groups where one sample does not fit
    (`channel-groups`); spatial runs of 3 or more layers may also be tried
    on two bands of rectangles (`rectangle-regions`). Candidates whose
    forwarded data cannot fit even one sample (or channel group) at a time
    are pruned; an optimistic estimate
    (each layer at its lower bound) ranks the rest; a DP keeps the `top-k`
    chains (`top-k=0`: every candidate); their segments and every single
    layer are solved in detail (`solver=kapla`, or `exact` to compare the
    segment search on proven layers) with
    the kapla solver; a final DP on the exact costs (`objective`) picks the
    schedule. Every layer gets its `kapla.constraint` and its
    `kapla.dataflow`.

    Before: `%0 = linalg.matmul {kapla.layer = ...} ...` (and its neighbours);
    after:
    ```mlir
    %s:2 = kapla.segment 0 pipeline temporal -> ... {
      %0 = linalg.matmul {kapla.constraint = #kapla.constraint<region = [0, 0, 16, 16], batch_groups = 1, output_on_chip = true>, kapla.dataflow = ..., kapla.layer = ...} ...
      ...
      kapla.yield ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
  let options = [
    Option<"maxSegmentLayers", "max-segment-layers", "int64_t", /*default=*/"5",
           "Layers in a pipelined segment at most (1: single layers only)">,
    Option<"topK", "top-k", "int64_t", /*default=*/"4",
           "Chains the estimate DP keeps (0: solve every candidate segment "
           "and search every chain)">,
    Option<"objective", "objective", "::mlir::kapla::Objective",
           /*default=*/"::mlir::kapla::Objective::Energy",
           "What the solvers minimise",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::Objective::Energy, "energy", "Energy (pJ)"),
             clEnumValN(::mlir::kapla::Objective::Delay, "delay", "Cycles"),
             clEnumValN(::mlir::kapla::Objective::EDP, "edp",
                        "Energy-delay product"))}]>,
    Option<"solver", "solver", "::mlir::kapla::SolverKind",
           /*default=*/"::mlir::kapla::SolverKind::Kapla",
           "What solves the layers of the candidate segments",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::SolverKind::Kapla, "kapla",
                        "The cost descent"),
             clEnumValN(::mlir::kapla::SolverKind::Exact, "exact",
                        "The branch and bound (with layer-time-budget)"))}]>,
    Option<"layerTimeBudget", "layer-time-budget", "double", /*default=*/"0",
           "Seconds per layer for solver=exact (0: no limit)">,
    Option<"effort", "effort", "::mlir::kapla::Effort",
           /*default=*/"::mlir::kapla::Effort::Full",
           "Search effort of the kapla descent",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::Effort::Full, "full",
                        "Every step of the descent"),
             clEnumValN(::mlir::kapla::Effort::Quick, "quick",
                        "Half the sampled starts, no small-chip node-split "
                        "neighbourhoods (for sweeps)"))}]>,
    Option<"bufferSharing", "buffer-sharing", "bool", /*default=*/"true",
           "Let nodes share one copy of replicated read-only data and rotate "
           "it over the NoC (false: every node keeps its own copy)">,
    Option<"rectangleRegions", "rectangle-regions", "bool", /*default=*/"false",
           "Try spatial segments on rectangles of the node array as well as "
           "on strips">,
    Option<"channelGroups", "channel-groups", "bool", /*default=*/"true",
           "Let pipelined layers forward data in channel groups when one "
           "sample per group does not fit">,
  ];
  let statistics = [
    Statistic<"numSegmentsEnumerated", "segments-enumerated",
              "Candidate segments built">,
    Statistic<"numSegmentsPruned", "segments-pruned",
              "Candidate segments dropped before a detailed solve">,
    Statistic<"numLayerSolves", "layer-solves",
              "Distinct (layer, context) solves">,
    Statistic<"numEvaluations", "evaluations",
              "Cost model evaluations of the layer solves">,
  ];
}

def KaplaSolveLayersPass
    : Pass<"kapla-solve-layers", "::mlir::func::FuncOp"> {
  let summary = "Find the dataflow of every layer";
  let description = [{
    Runs on each `func.func`. Solves every layer op (`kapla.layer`) in the
    context of its
    `kapla.constraint` (its node region; the whole array without one) on the
    module's architecture and attaches the best `kapla.dataflow` found.
    `solver=kapla` (default) runs the bottom-up cost descent from the PE
    template; `exact` proves the optimum of the exhaustive space by branch
    and bound from the kapla solution (`kapla.optimal`), or, stopped by a
    budget, attaches the certified gap (`kapla.gap`); `exhaustive` tries
    every factorisation of every dim over the levels and every loop order
    pair (`budget` caps the evaluations per layer); `random` samples that
    space (`budget` samples, `seed`). `objective` is `energy` (default),
    `delay` or `edp`. `time-budget` bounds the exact, exhaustive and random
    searches of a function in seconds in all, `layer-time-budget` each
    layer's search
    (a budgeted result depends on the machine's speed). Identical layers in identical contexts
    are solved once; distinct ones in parallel on MLIR's thread pool; the
    result does not depend on the number of threads. A search that takes
    longer than a few seconds prints its progress on stderr. A layer with no
    valid schedule is an error.
  }];
  let dependentDialects = ["::mlir::kapla::KaplaDialect"];
  let options = [
    Option<"solver", "solver", "::mlir::kapla::SolverKind",
           /*default=*/"::mlir::kapla::SolverKind::Kapla",
           "What solves each layer",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::SolverKind::Kapla, "kapla",
                        "The cost descent"),
             clEnumValN(::mlir::kapla::SolverKind::Exact, "exact",
                        "The branch and bound: proven optimum or certified gap"),
             clEnumValN(::mlir::kapla::SolverKind::Exhaustive, "exhaustive",
                        "Every point of the space (budget caps it)"),
             clEnumValN(::mlir::kapla::SolverKind::Random, "random",
                        "Random points of the space (budget, seed)"))}]>,
    Option<"objective", "objective", "::mlir::kapla::Objective",
           /*default=*/"::mlir::kapla::Objective::Energy",
           "What the solvers minimise",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::Objective::Energy, "energy", "Energy (pJ)"),
             clEnumValN(::mlir::kapla::Objective::Delay, "delay", "Cycles"),
             clEnumValN(::mlir::kapla::Objective::EDP, "edp",
                        "Energy-delay product"))}]>,
    Option<"budget", "budget", "int64_t", /*default=*/"0",
           "Evaluations per layer for exhaustive (0: all) and random "
           "(0: 20000); search nodes and evaluations for exact (0: all)">,
    Option<"seed", "seed", "int64_t", /*default=*/"1", "Seed of the random solver">,
    Option<"resolve", "resolve", "bool", /*default=*/"true",
           "Solve layers that already have a dataflow again">,
    Option<"timeBudget", "time-budget", "double", /*default=*/"0",
           "Seconds the exact, exhaustive and random solvers may take in "
           "all (0: no limit); each layer keeps the best found by then">,
    Option<"layerTimeBudget", "layer-time-budget", "double", /*default=*/"0",
           "Seconds the exact, exhaustive and random solvers may take per "
           "layer (0: no limit)">,
    Option<"effort", "effort", "::mlir::kapla::Effort",
           /*default=*/"::mlir::kapla::Effort::Full",
           "Search effort of the kapla descent",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kapla::Effort::Full, "full",
                        "Every step of the descent"),
             clEnumValN(::mlir::kapla::Effort::Quick, "quick",
                        "Half the sampled starts, no small-chip node-split "
                        "neighbourhoods (for sweeps)"))}]>,
    Option<"bufferSharing", "buffer-sharing", "bool", /*default=*/"true",
           "Let nodes share one copy of replicated read-only data and rotate "
           "it over the NoC (false: every node keeps its own copy)">,
  ];
  let statistics = [
    Statistic<"numLayerSolves", "layer-solves",
              "Distinct (layer, context) solves">,
    Statistic<"numEvaluations", "evaluations",
              "Cost model evaluations of the layer solves">,
  ];
}

#endif // KAPLA_TRANSFORMS_PASSES_TD
