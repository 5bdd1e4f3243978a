//===- CostModel.cpp - The analytical cost model --------------------------===//
//
// Notation used in the comments (docs/CostModel.md has the full text):
//   level L in {REGF, GBUF}; tile t_L(d); extent E_L(d); stacks; updates.
//   For tensor X: F = fills (tile loads into one buffer), D = distinct tiles.
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/Hardware/Noc.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <tuple>
#include <cmath>
#include <vector>

namespace mlir::kapla {

LayerContext LayerContext::wholeChip(const ArchDesc &arch) {
  LayerContext c;
  c.region = {0, 0, arch.nodeRows, arch.nodeCols};
  return c;
}

namespace {

constexpr int kI = int(TensorKind::I);

/// Dims whose loops move tensor `t`: its own dims, and for an input indexed
/// by rows/cols also the window dims that shift it (Ho, Wo, R, S).
DimSet relevantDims(LayerKind kind, TensorKind t) {
  DimSet dims = tensorDims(kind, t);
  if (dims.contains(Dim::Hi))
    dims = dims | DimSet{Dim::Ho, Dim::Wo, Dim::R, Dim::S};
  return dims;
}

/// The dims that are loops of the computation (not the derived Hi, Wi).
DimSet loopDims(LayerKind kind) {
  DimSet all = knownDims(kind);
  DimSet out;
  for (int d = 0; d < kNumDims; ++d)
    if (all.contains(Dim(d)) && Dim(d) != Dim::Hi && Dim(d) != Dim::Wi)
      out.insert(Dim(d));
  return out;
}

/// The tensor a segment neighbour forwards into this layer.
TensorKind inputTensor(LayerPass p) {
  return p == LayerPass::Forward ? TensorKind::I : TensorKind::O;
}

/// The tensor this layer produces (read-modify-written).
TensorKind outputTensor(LayerPass p) {
  switch (p) {
  case LayerPass::Forward:
    return TensorKind::O;
  case LayerPass::BackwardData:
    return TensorKind::I;
  case LayerPass::BackwardWeight:
    return TensorKind::W;
  }
  return TensorKind::O;
}

bool updateMoves(const UpdateDirective &u, DimSet dims) {
  for (const DimAmount &da : u.steps)
    if (dims.contains(da.dim))
      return true;
  return false;
}

/// Tile loads of a tensor through a loop nest (innermost first).
struct Fills {
  int64_t fills = 1;     ///< F
  int64_t distinct = 1;  ///< D
  int innermost = -1;    ///< index of the innermost loop that moves the tile
};

/// Spec 5.3: relevant loops multiply; irrelevant loops count only outside
/// the innermost relevant one (inside it the tile stays).
Fills countFills(llvm::ArrayRef<const UpdateDirective *> nest,
                 llvm::ArrayRef<int64_t> counts, DimSet relevant) {
  Fills f;
  for (size_t i = 0; i < nest.size(); ++i) {
    bool rel = updateMoves(*nest[i], relevant);
    if (rel) {
      if (f.innermost < 0)
        f.innermost = static_cast<int>(i);
      f.distinct *= counts[i];
      f.fills *= counts[i];
    } else if (f.innermost >= 0) {
      f.fills *= counts[i];
    }
  }
  return f;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Words of tensor `t` in one buffer of `shape`'s level (before shr).
int64_t tileWords(const LevelShape &shape, DimSet dims) {
  int64_t w = 1;
  for (int d = 0; d < kNumDims; ++d)
    if (dims.contains(Dim(d)))
      w *= shape.tile[d];
  return w;
}

/// The extent the stacks of a level spread dim `d` over, from a tile of
/// `tile`: stacks apply in order of increasing shift, each copying the block
/// so far; a shift beyond the block leaves holes (`contiguous` false), and
/// then the count is of distinct positions.
int64_t stackedSpan(int64_t tile, const LevelDirectives &level, Dim d,
                    bool &contiguous) {
  std::array<std::pair<int64_t, int64_t>, 8> st; // (shift, repl)
  size_t n = 0;
  for (const StackDirective &s : level.stacks)
    for (const DimAmount &da : s.shifts)
      if (da.dim == d && n < st.size())
        st[n++] = {da.amount, s.repl};
  // Insertion sort: at most a few stacks per dim.
  for (size_t i = 1; i < n; ++i)
    for (size_t j = i; j > 0 && st[j] < st[j - 1]; --j)
      std::swap(st[j], st[j - 1]);
  int64_t span = tile;
  contiguous = true;
  for (size_t i = 0; i < n; ++i) {
    auto [shift, repl] = st[i];
    if (shift > span) {
      contiguous = false;
      span *= repl;
    } else {
      span += (repl - 1) * shift;
    }
  }
  return span;
}

/// Words of a tensor held by all buffers of a level together, counting halo
/// overlap once; stacks over dims the tensor lacks replicate it.
int64_t uniqueWords(const LevelShape &shape, const LevelDirectives &level,
                    DimSet dims) {
  int64_t w = 1;
  bool contiguous;
  for (int d = 0; d < kNumDims; ++d)
    if (dims.contains(Dim(d)))
      w *= stackedSpan(shape.tile[d], level, Dim(d), contiguous);
  return w;
}

/// Whether stack `s` shifts any of `dims` (else it replicates the tensor
/// with those dims).
bool shifts(const StackDirective &s, DimSet dims) {
  return llvm::any_of(s.shifts,
                      [&](const DimAmount &da) { return dims.contains(da.dim); });
}

/// How many buffers of a level hold the same data of a tensor: the product
/// of the stacks over none of its dims.
int64_t replication(const LevelDirectives &level, DimSet dims) {
  int64_t r = 1;
  for (const StackDirective &s : level.stacks)
    if (!shifts(s, dims))
      r *= s.repl;
  return r;
}

/// NoC hops between consecutive nodes of a buffer-sharing group of a tensor
/// with `dims`: the nodes are numbered along the stacks in their order, the
/// first fastest, and laid out so that consecutive numbers are neighbours;
/// the group's nodes then lie as far apart as the stacks that do not
/// replicate the tensor but are listed before the last one that does.
int64_t sharingDistance(const LevelDirectives &level, DimSet dims) {
  int64_t before = 1, dist = 1;
  for (const StackDirective &s : level.stacks) {
    if (shifts(s, dims))
      before *= s.repl;
    else
      dist = before;
  }
  return dist;
}

/// Words moved through one buffer of a level for tensor `t` over the whole
/// layer: F tile loads (2F - D transfers for read-write data), and along a
/// sliding innermost loop only the new slice after the first iteration.
int64_t transferWords(int64_t tile, const Fills &f, bool readWrite,
                      const UpdateDirective *innermost, int64_t innerCount,
                      const LevelShape *shape, DimSet dims) {
  if (readWrite)
    return tile * (2 * f.fills - f.distinct);
  if (!innermost || !shape || innerCount <= 1)
    return tile * f.fills;
  // New words per step of the sliding loop: the tile minus its overlap with
  // the previous position, tile * prod((t-s)/t) overlapping.
  int64_t overlap = tile;
  bool slides = false;
  for (const DimAmount &da : innermost->steps) {
    if (!dims.contains(da.dim))
      continue;
    int64_t t = shape->tile[int(da.dim)];
    if (da.amount < t) {
      overlap = overlap / t * (t - da.amount);
      slides = true;
    } else {
      overlap = 0;
    }
  }
  if (!slides)
    return tile * f.fills;
  int64_t passes = f.fills / innerCount;
  return passes * (tile + (innerCount - 1) * (tile - overlap));
}

std::string str(int64_t v) { return std::to_string(v); }

/// Where a tensor's words cross the NoC to or from the layer's region: from
/// or to the neighbour's region when the segment keeps the tensor on chip,
/// else from or to DRAM (weights from the region's nearest channel, feature
/// maps interleaved over all channels). The cost model and the lower bound
/// share it, so that the bound follows the model's routes.
struct Route {
  bool onChip;
  double hopsPerWord;
};
/// `inT` and `outT` are the layer's input and output tensors, `rw` whether
/// the layer writes `t`.
Route routeOf(const LayerContext &ctx, TensorKind t, TensorKind inT,
              TensorKind outT, bool rw, double meanNear, double meanAll) {
  if ((t == inT && ctx.inputOnChip && !rw) ||
      (t == outT && ctx.outputOnChip && outT != TensorKind::W))
    return {true,
            hopsBetween(ctx.region, t == outT ? ctx.outputTo : ctx.inputFrom)};
  return {false, t == TensorKind::W && !rw ? meanNear : meanAll};
}

} // namespace

void evaluateLayer(const ArchDesc &arch, const LayerDesc &layer,
                   const LayerDataflow &df, const LayerContext &ctx,
                   LayerCost &out, bool explain) {
  out.valid = false;
  out.reason.clear();
  auto fail = [&](auto &&makeReason) {
    if (explain)
      out.reason = makeReason();
  };

  std::array<LevelShape, kNumLevels> shapes;
  if (llvm::Error err = checkDataflowStructure(layer, df, &shapes)) {
    std::string why = llvm::toString(std::move(err));
    return fail([&] { return why; });
  }
  const LevelShape &rs = shapes[int(MemLevel::Regf)];
  const LevelShape &gs = shapes[int(MemLevel::Gbuf)];

  // The regions the layer runs on and exchanges data with must be nodes of
  // the array (distances outside it are meaningless, even negative).
  for (auto [what, r, used] :
       {std::make_tuple("region", ctx.region, true),
        std::make_tuple("input region", ctx.inputFrom, ctx.inputOnChip),
        std::make_tuple("output region", ctx.outputTo, ctx.outputOnChip)}) {
    if (used && !r.fitsIn(arch))
      return fail([&, what = what, r = r] {
        return std::string(what) + " [" + str(r.row0) + ", " + str(r.col0) +
               ", " + str(r.rows) + ", " + str(r.cols) + "] exceeds the " +
               str(arch.nodeRows) + " x " + str(arch.nodeCols) +
               " node array";
      });
  }

  // Spatial resources.
  int64_t pes = 1, nodes = 1;
  for (const StackDirective &s : df.regf.stacks)
    pes *= s.repl;
  for (const StackDirective &s : df.gbuf.stacks)
    nodes *= s.repl;
  if (pes > arch.numPEsPerNode())
    return fail([&] {
      return "regf stacks use " + str(pes) + " PEs; a node has " +
             str(arch.numPEsPerNode());
    });
  if (nodes > ctx.region.numNodes())
    return fail([&] {
      return "gbuf stacks use " + str(nodes) + " nodes; the region has " +
             str(ctx.region.numNodes());
    });

  // Interleaved stacks (a shift beyond the block so far) leave holes. Along
  // the input rows and cols that is what a stride does (the rows between
  // windows are not needed); along a loop dim the holes are work left
  // undone, which this model does not track.
  for (int lv = 0; lv < kNumLevels; ++lv) {
    const LevelDirectives &level = df.level(MemLevel(lv));
    // Only the dims some stack shifts can have holes.
    DimSet stacked;
    for (const StackDirective &st : level.stacks)
      for (const DimAmount &da : st.shifts)
        stacked.insert(da.dim);
    for (int d = 0; d < kNumDims; ++d) {
      if (Dim(d) == Dim::Hi || Dim(d) == Dim::Wi || !stacked.contains(Dim(d)))
        continue;
      bool contiguous;
      stackedSpan(shapes[lv].tile[d], level, Dim(d), contiguous);
      if (!contiguous)
        return fail([&] {
          return std::string(stringifyMemLevel(MemLevel(lv))) +
                 " stacks over dim " + stringifyDim(Dim(d)) +
                 " leave holes between buffers (interleaved stacks are not "
                 "modelled)";
        });
    }
  }

  // Buffer sharing: one copy of a read-only GBUF tile spread over nodes
  // that would otherwise each hold it. PEs do not exchange data, and the
  // nodes holding one read-write tile hold partial sums.
  for (const TensorDirective &td : df.regf.tensors)
    if (td.shr > 1)
      return fail([&] {
        return std::string("regf tensor ") + stringifyTensorKind(td.tensor) +
               " has shr " + str(td.shr) +
               ": buffer sharing between PEs is not modelled (shr must be 1)";
      });
  for (const TensorDirective &td : df.gbuf.tensors) {
    if (td.shr == 1)
      continue;
    if (isReadWrite(layer.pass, td.tensor))
      return fail([&] {
        return std::string("gbuf tensor ") + stringifyTensorKind(td.tensor) +
               " has shr " + str(td.shr) +
               ": the layer writes it, and nodes holding the same tile hold "
               "partial sums, which cannot be shared (shr must be 1)";
      });
    int64_t repl =
        replication(df.gbuf, tensorDims(layer.kind, td.tensor));
    if (repl % td.shr != 0)
      return fail([&] {
        return std::string("gbuf tensor ") + stringifyTensorKind(td.tensor) +
               " has shr " + str(td.shr) +
               ", which does not divide the " + str(repl) +
               " nodes the gbuf stacks give the same tile";
      });
  }

  // Capacity (docs/CostModel.md, validity): sum over tensors of tile / shr.
  const int64_t inputsFactor = layer.kind == LayerKind::Eltwise ? layer.numInputs : 1;
  std::array<DimSet, kNumTensors> dims;
  for (int t = 0; t < kNumTensors; ++t)
    dims[t] = tensorDims(layer.kind, TensorKind(t));
  for (int lv = 0; lv < kNumLevels; ++lv) {
    const LevelDirectives &level = df.level(MemLevel(lv));
    int64_t used = 0;
    for (const TensorDirective &td : level.tensors) {
      int64_t words = ceilDiv(tileWords(shapes[lv], dims[int(td.tensor)]), td.shr);
      used += td.tensor == TensorKind::I ? words * inputsFactor : words;
    }
    bool regf = lv == int(MemLevel::Regf);
    (regf ? out.regfWordsUsed : out.gbufWordsUsed) = used;
    int64_t cap = regf ? arch.regfWords() : arch.gbufWords() - ctx.gbufReserved;
    if (used > cap)
      return fail([&] {
        std::string reason = std::string(stringifyMemLevel(MemLevel(lv))) +
                             " level needs " + str(used) +
                             " words per buffer; " + str(std::max<int64_t>(cap, 0)) +
                             " are usable";
        if (!regf && ctx.gbufReserved > 0)
          reason += " (" + str(ctx.gbufReserved) +
                    " hold data forwarded in the segment)";
        return reason;
      });
  }

  // Coverage: the GBUF loops cover the layer, the REGF loops one GBUF tile.
  DimSet known = knownDims(layer.kind);
  for (int d = 0; d < kNumDims; ++d) {
    if (!known.contains(Dim(d)))
      continue;
    if (gs.covered[d] < gs.extent[d])
      return fail([&] {
        return "dim " + std::string(stringifyDim(Dim(d))) +
               " not covered: gbuf loops cover " + str(gs.covered[d]) +
               " of " + str(gs.extent[d]);
      });
    if (rs.covered[d] < rs.extent[d])
      return fail([&] {
        return "dim " + std::string(stringifyDim(Dim(d))) +
               " not covered: regf loops cover " + str(rs.covered[d]) +
               " of the gbuf tile's " + str(rs.extent[d]);
      });
  }

  // Forwarding groups: pipelined neighbours hand each other whole batch
  // groups, so the layer's outermost loop runs over them, and nothing
  // inside it may step over the batch beyond one group.
  if (ctx.batchGroups > 1) {
    int64_t g = ctx.batchGroups;
    if (layer.n % g != 0)
      return fail([&] {
        return "batch_groups " + str(g) + " does not divide N = " +
               str(layer.n);
      });
    const size_t ng = df.gbuf.updates.size();
    bool outerIsGroups = ng > 0 && df.gbuf.updates[ng - 1].steps.size() == 1 &&
                         df.gbuf.updates[ng - 1].steps[0].dim == Dim::N &&
                         df.gbuf.updates[ng - 1].steps[0].amount == layer.n / g &&
                         gs.updateCounts[ng - 1] == g;
    if (!outerIsGroups)
      return fail([&] {
        return "batch_groups " + str(g) +
               ": the outermost gbuf loop must step over N by " +
               str(layer.n / g) + ", " + str(g) + " times";
      });
  }

  // Channel groups: within a batch group, neighbours hand each other the
  // forwarded channels in groups, so the loop right inside the batch groups
  // (the outermost without them) runs over the channel groups.
  if (ctx.channelGroups > 1) {
    int64_t cg = ctx.channelGroups;
    std::optional<Dim> cd = forwardedChannelDim(layer, ctx);
    if (!cd)
      return fail([&] {
        return "channel_groups " + str(cg) +
               ": the layer forwards no channels (only a forward layer with "
               "its input or its output on chip does, and a conv, fc or "
               "matmul not with both)";
      });
    int64_t e = layer.extent(*cd);
    if (e % cg != 0)
      return fail([&] {
        return "channel_groups " + str(cg) + " does not divide " +
               stringifyDim(*cd) + " = " + str(e);
      });
    const size_t ng = df.gbuf.updates.size();
    const size_t inner = ctx.batchGroups > 1 ? 2 : 1;
    bool isGroups = false;
    if (ng >= inner) {
      const UpdateDirective &u = df.gbuf.updates[ng - inner];
      isGroups = u.steps.size() == 1 && u.steps[0].dim == *cd &&
                 u.steps[0].amount == e / cg && gs.updateCounts[ng - inner] == cg;
    }
    if (!isGroups)
      return fail([&] {
        return "channel_groups " + str(cg) + ": the gbuf loop " +
               (ctx.batchGroups > 1 ? "right inside the batch groups"
                                    : "outermost") +
               " must step over " + stringifyDim(*cd) + " by " + str(e / cg) +
               ", " + str(cg) + " times";
      });
  }

  // The loop nests: REGF updates run inside every GBUF iteration.
  const UpdateDirective *nest[16];
  int64_t counts[16];
  size_t nr = df.regf.updates.size(), ng = df.gbuf.updates.size();
  if (nr + ng > 16)
    return fail([] { return std::string("more than 16 updates in a dataflow"); });
  int64_t regfIters = 1, gbufIters = 1;
  for (size_t i = 0; i < nr; ++i) {
    nest[i] = &df.regf.updates[i];
    counts[i] = rs.updateCounts[i];
    regfIters *= counts[i];
  }
  for (size_t i = 0; i < ng; ++i) {
    nest[nr + i] = &df.gbuf.updates[i];
    counts[nr + i] = gs.updateCounts[i];
    gbufIters *= counts[nr + i];
  }

  // Compute: every PE of every used node runs every step.
  int64_t macsPerStep = 1;
  DimSet loops = loopDims(layer.kind);
  for (int d = 0; d < kNumDims; ++d)
    if (loops.contains(Dim(d)))
      macsPerStep *= rs.tile[d];
  if (layer.kind == LayerKind::Eltwise && layer.numInputs > 1)
    macsPerStep *= layer.numInputs - 1;
  int64_t stepsPerPE = gbufIters * regfIters;
  int64_t macs = nodes * pes * stepsPerPE * macsPerStep;

  const double meanAll = meanHopsToAllChannels(arch);
  const double meanNear = meanHopsToNearestChannel(arch, ctx.region);
  const TensorKind inT = inputTensor(layer.pass), outT = outputTensor(layer.pass);

  int64_t dramTotal = 0, gbufTotal = 0, busTotal = 0;
  double hopsTotal = 0;
  int64_t maxBusPerNode = 0;
  for (int t = 0; t < kNumTensors; ++t) {
    TensorCounts &tc = out.tensors[t];
    tc = TensorCounts();
    const TensorDirective *rt = df.regf.findTensor(TensorKind(t));
    const TensorDirective *gt = df.gbuf.findTensor(TensorKind(t));
    if (!rt || !gt)
      continue; // the kind has no such tensor
    const int64_t mult = t == kI ? inputsFactor : 1;
    const bool rw = isReadWrite(layer.pass, TensorKind(t));
    DimSet rel = relevantDims(layer.kind, TensorKind(t));

    // REGF boundary, per PE: the combined nest (REGF loops, then GBUF).
    tc.regfTile = ceilDiv(tileWords(rs, dims[t]), rt->shr);
    Fills fr = countFills(llvm::ArrayRef(nest, nr + ng),
                          llvm::ArrayRef(counts, nr + ng), rel);
    bool innerInRegf = fr.innermost >= 0 && size_t(fr.innermost) < nr;
    tc.regfWords = mult * transferWords(
        tc.regfTile, fr, rw, innerInRegf ? nest[fr.innermost] : nullptr,
        innerInRegf ? counts[fr.innermost] : 1, &rs, dims[t]);
    // The GBUF serves the distinct words of all PEs once (multicast); the
    // bus delivers to every PE.
    // Words per PE relate to distinct words as tile to unique span.
    int64_t unique = ceilDiv(uniqueWords(rs, df.regf, dims[t]), rt->shr);
    int64_t gbufPerNode = static_cast<int64_t>(
        std::llround(double(tc.regfWords) * double(unique) / double(tc.regfTile)));
    tc.gbufReads = gbufPerNode * nodes;
    tc.busWords = tc.regfWords * pes * nodes;
    maxBusPerNode += gbufPerNode;

    // GBUF boundary, per node: the GBUF loops only.
    tc.gbufTile = ceilDiv(tileWords(gs, dims[t]), gt->shr);
    Fills fg = countFills(llvm::ArrayRef(nest + nr, ng),
                          llvm::ArrayRef(counts + nr, ng), rel);
    int64_t perNode = mult * transferWords(
        tc.gbufTile, fg, rw, fg.innermost >= 0 ? nest[nr + fg.innermost] : nullptr,
        fg.innermost >= 0 ? counts[nr + fg.innermost] : 1, &gs, dims[t]);
    // Nodes holding the same read-write tile hold partial sums: they are
    // reduced over the NoC and written once.
    int64_t group = replication(df.gbuf, dims[t]);
    int64_t words = rw ? perNode * nodes / group : perNode * nodes;
    if (rw && group > 1)
      tc.nocHops += double(fg.fills) * double(tc.gbufTile) * double(group - 1) *
                    double(nodes / group);
    Route route = routeOf(ctx, TensorKind(t), inT, outT, rw, meanNear, meanAll);
    (route.onChip ? tc.onChipWords : tc.dramWords) = words;
    tc.nocHops += double(words) * route.hopsPerWord;
    // Buffer sharing: each shard of a shared tile passes the other shr-1
    // nodes of its group, neighbours `sharingDistance` hops apart.
    if (gt->shr > 1)
      tc.nocHops += double(gt->shr - 1) * double(perNode) * double(nodes) *
                    double(sharingDistance(df.gbuf, dims[t]));

    dramTotal += tc.dramWords;
    gbufTotal += tc.gbufReads + tc.onChipWords;
    busTotal += tc.busWords;
    hopsTotal += tc.nocHops;
  }

  // Time.
  const double wordBytes = double(arch.wordBits) / 8;
  const double wordsPerBusCycle = double(arch.busBits) / double(arch.wordBits);
  out.computeCycles = double(stepsPerPE) * double(macsPerStep);
  out.dramCycles = double(dramTotal) * wordBytes / arch.dramBwBytesPerCycle;
  out.busCycles = double(maxBusPerNode) / wordsPerBusCycle;
  double cycles = std::max({out.computeCycles, out.dramCycles, out.busCycles});

  // Energy.
  bool isOp = layer.kind == LayerKind::Pool || layer.kind == LayerKind::Eltwise;
  int64_t regfAccesses = (isOp ? 2 : 4) * macs;
  const EnergyTable &e = arch.energy;
  CostRecord &c = out.cost;
  c.energy.mac = double(macs) * e.mac;
  c.energy.regf = double(regfAccesses) * e.regf;
  c.energy.bus = double(busTotal) * e.bus;
  c.energy.gbuf = double(gbufTotal) * e.gbuf;
  c.energy.dram = double(dramTotal) * e.dram;
  c.energy.noc = hopsTotal * e.nocHop;
  c.energy.staticEnergy = cycles * e.staticPerCycle;
  c.cycles = cycles;
  c.accesses = {dramTotal, gbufTotal, regfAccesses, hopsTotal};
  out.macsPerformed = macs;
  out.pesUsed = pes;
  out.nodesUsed = nodes;
  out.valid = true;
}

LayerCost evaluateLayer(const ArchDesc &arch, const LayerDesc &layer,
                        const LayerDataflow &dataflow,
                        const LayerContext &ctx) {
  LayerCost c;
  evaluateLayer(arch, layer, dataflow, ctx, c, /*explain=*/true);
  return c;
}

/// The rows are {o*stride + r*dilation}.
int64_t inputRowsRead(int64_t outRows, int64_t stride, int64_t window,
                      int64_t dilation, int64_t inRows) {
  if (dilation == 1)
    return window >= stride ? inRows : outRows * window;
  std::vector<char> used(inRows, 0);
  for (int64_t o = 0; o < outRows; ++o)
    for (int64_t r = 0; r < window; ++r)
      used[o * stride + r * dilation] = 1;
  return std::count(used.begin(), used.end(), 1);
}

int64_t tensorWords(const LayerDesc &layer, TensorKind t) {
  DimSet d = tensorDims(layer.kind, t);
  if (d.empty())
    return 0;
  int64_t w = 1;
  for (int i = 0; i < kNumDims; ++i) {
    if (!d.contains(Dim(i)))
      continue;
    if (Dim(i) == Dim::Hi)
      w *= inputRowsRead(layer.ho, layer.sy, layer.r, layer.dy, layer.hi());
    else if (Dim(i) == Dim::Wi)
      w *= inputRowsRead(layer.wo, layer.sx, layer.s, layer.dx, layer.wi());
    else
      w *= layer.extent(Dim(i));
  }
  return t == TensorKind::I && layer.kind == LayerKind::Eltwise
             ? w * layer.numInputs
             : w;
}

/// MAC and REGF energy, compulsory DRAM words and full-array compute time.
static CostRecord boundFrom(const ArchDesc &arch, int64_t macs, int64_t ops,
                            int64_t dram, double pes) {
  double compute = double(macs + ops) / pes;
  double dramCycles =
      double(dram) * (double(arch.wordBits) / 8) / arch.dramBwBytesPerCycle;
  CostRecord c;
  c.cycles = std::max(compute, dramCycles);
  const EnergyTable &e = arch.energy;
  c.accesses.regf = 4 * macs + 2 * ops;
  c.accesses.dram = dram;
  c.energy.mac = double(macs + ops) * e.mac;
  c.energy.regf = double(c.accesses.regf) * e.regf;
  c.energy.dram = double(dram) * e.dram;
  c.energy.staticEnergy = c.cycles * e.staticPerCycle;
  return c;
}

CostRecord networkLowerBound(const ArchDesc &arch, const LayerGraph &graph) {
  int64_t macs = 0, ops = 0, dram = 0;
  for (const LayerNode &n : graph.layers) {
    const LayerDesc &l = n.desc;
    bool isOp = l.kind == LayerKind::Pool || l.kind == LayerKind::Eltwise;
    (isOp ? ops : macs) += l.macs();
    // Weights (of forward layers; MATMUL's second operand is an activation).
    if (l.kind != LayerKind::MatMul && l.pass == LayerPass::Forward)
      dram += tensorWords(l, TensorKind::W);
    if (n.readsNetworkInput)
      dram += tensorWords(l, inputTensor(l.pass));
    if (n.isNetworkOutput || l.pass == LayerPass::BackwardWeight)
      dram += tensorWords(l, outputTensor(l.pass));
  }
  return boundFrom(arch, macs, ops, dram,
                   double(arch.numPEsPerNode()) * double(arch.numNodes()));
}

CostRecord layerLowerBound(const ArchDesc &arch, const LayerDesc &layer,
                           const LayerContext &ctx) {
  // Every word of every tensor crosses the NoC at least once on its route;
  // one that stays on chip passes a GBUF at least once, the others DRAM.
  const double meanAll = meanHopsToAllChannels(arch);
  const double meanNear = meanHopsToNearestChannel(arch, ctx.region);
  const TensorKind inT = inputTensor(layer.pass), outT = outputTensor(layer.pass);
  int64_t dram = 0, onChipWords = 0;
  double hops = 0;
  for (int t = 0; t < kNumTensors; ++t) {
    TensorKind tk = TensorKind(t);
    int64_t w = tensorWords(layer, tk);
    Route route = routeOf(ctx, tk, inT, outT, isReadWrite(layer.pass, tk),
                          meanNear, meanAll);
    (route.onChip ? onChipWords : dram) += w;
    hops += double(w) * route.hopsPerWord;
  }
  bool isOp = layer.kind == LayerKind::Pool || layer.kind == LayerKind::Eltwise;
  CostRecord c =
      boundFrom(arch, isOp ? 0 : layer.macs(), isOp ? layer.macs() : 0, dram,
                double(arch.numPEsPerNode()) * double(ctx.region.numNodes()));
  c.accesses.nocHops = hops;
  c.accesses.gbuf = onChipWords;
  c.energy.noc = hops * arch.energy.nocHop;
  c.energy.gbuf = double(onChipWords) * arch.energy.gbuf;
  return c;
}

int64_t outputWords(const LayerDesc &layer) {
  return tensorWords(layer, outputTensor(layer.pass));
}

void reserveForwardedData(const LayerGraph &graph, llvm::ArrayRef<int> members,
                          PipelineKind pipeline,
                          llvm::MutableArrayRef<LayerContext> contexts) {
  auto perNode = [&](size_t i, const LayerContext &keeper) {
    int64_t groups = std::max<int64_t>(contexts[i].batchGroups, 1) *
                     std::max<int64_t>(contexts[i].channelGroups, 1);
    int64_t words = ceilDiv(outputWords(graph.layers[members[i]].desc), groups);
    return ceilDiv(words, keeper.region.numNodes());
  };
  for (LayerContext &c : contexts)
    c.gbufReserved = 0;
  if (pipeline == PipelineKind::None)
    return;
  for (size_t p = 0; p < members.size(); ++p) {
    if (!contexts[p].outputOnChip)
      continue;
    if (pipeline == PipelineKind::Spatial) {
      contexts[p].gbufReserved += perNode(p, contexts[p]);
      continue;
    }
    // Temporal: alive from the producer's run to its last consumer's.
    size_t last = p;
    for (int c : graph.layers[members[p]].consumers)
      for (size_t q = p + 1; q < members.size(); ++q)
        if (members[q] == c)
          last = std::max(last, q);
    for (size_t q = p; q <= last; ++q)
      contexts[q].gbufReserved += perNode(p, contexts[q]);
  }
}

std::vector<LayerContext> segmentContexts(
    const LayerGraph &graph, llvm::ArrayRef<int> members, PipelineKind pipeline,
    llvm::ArrayRef<SegmentConstraint> constraints,
    llvm::function_ref<std::optional<NodeRegion>(int layer)> regionOf) {
  std::vector<LayerContext> ctxs;
  for (auto [i, c] : llvm::zip_equal(members, constraints)) {
    const LayerNode &node = graph.layers[i];
    LayerContext ctx;
    ctx.region = ctx.inputFrom = ctx.outputTo = c.region;
    ctx.batchGroups = c.batchGroups;
    ctx.channelGroups = c.channelGroups;
    ctx.inputOnChip = c.inputOnChip;
    ctx.outputOnChip = c.outputOnChip;
    ctx.pins = node.pins;
    if (ctx.inputOnChip && !node.producers.empty())
      if (std::optional<NodeRegion> r = regionOf(node.producers.front()))
        ctx.inputFrom = *r;
    if (ctx.outputOnChip && !node.consumers.empty())
      if (std::optional<NodeRegion> r = regionOf(node.consumers.front()))
        ctx.outputTo = *r;
    ctxs.push_back(ctx);
  }
  reserveForwardedData(graph, members, pipeline, ctxs);
  return ctxs;
}

std::optional<Dim> forwardedChannelDim(const LayerDesc &layer,
                                       const LayerContext &ctx) {
  if (layer.pass != LayerPass::Forward)
    return std::nullopt;
  bool channelwise = layer.kind == LayerKind::DWConv ||
                     layer.kind == LayerKind::Pool ||
                     layer.kind == LayerKind::Eltwise;
  if (channelwise && (ctx.inputOnChip || ctx.outputOnChip))
    return Dim::C;
  if (ctx.inputOnChip && ctx.outputOnChip)
    return std::nullopt;
  if (ctx.outputOnChip)
    return Dim::K;
  if (ctx.inputOnChip)
    return Dim::C;
  return std::nullopt;
}

CostRecord sumCosts(llvm::ArrayRef<CostRecord> parts) {
  CostRecord s;
  for (const CostRecord &p : parts) {
    s.energy.mac += p.energy.mac;
    s.energy.regf += p.energy.regf;
    s.energy.bus += p.energy.bus;
    s.energy.gbuf += p.energy.gbuf;
    s.energy.dram += p.energy.dram;
    s.energy.noc += p.energy.noc;
    s.energy.staticEnergy += p.energy.staticEnergy;
    s.cycles += p.cycles;
    s.accesses.dram += p.accesses.dram;
    s.accesses.gbuf += p.accesses.gbuf;
    s.accesses.regf += p.accesses.regf;
    s.accesses.nocHops += p.accesses.nocHops;
  }
  return s;
}

CostRecord segmentCost(const ArchDesc &arch, PipelineKind pipeline,
                       llvm::ArrayRef<CostRecord> layers,
                       llvm::ArrayRef<double> dramCycles, int64_t groups) {
  CostRecord s = sumCosts(layers);
  if (pipeline == PipelineKind::Spatial && !layers.empty()) {
    double slowest = 0, fill = 0, dram = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      slowest = std::max(slowest, layers[i].cycles);
      if (i + 1 < layers.size())
        fill += layers[i].cycles / double(std::max<int64_t>(groups, 1));
      dram += i < dramCycles.size() ? dramCycles[i] : 0;
    }
    s.cycles = std::max(slowest + fill, dram);
  }
  s.energy.staticEnergy = s.cycles * arch.energy.staticPerCycle;
  return s;
}

} // namespace mlir::kapla
