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

/// Whether `m` moves any of `dims`.
bool movesAny(const FlatMove &m, DimSet dims) {
  return (m.dims.raw() & dims.raw()) != 0;
}

/// Tile loads of a tensor through a loop nest (innermost first).
struct Fills {
  int64_t fills = 1;     ///< F
  int64_t distinct = 1;  ///< D
  int innermost = -1;    ///< index of the innermost loop that moves the tile
};

/// Spec 5.3: relevant loops multiply; irrelevant loops count only outside
/// the innermost relevant one (inside it the tile stays).
Fills countFills(llvm::ArrayRef<const FlatMove *> nest, DimSet relevant) {
  Fills f;
  for (size_t i = 0; i < nest.size(); ++i) {
    bool rel = movesAny(*nest[i], relevant);
    if (rel) {
      if (f.innermost < 0)
        f.innermost = static_cast<int>(i);
      f.distinct *= nest[i]->n;
      f.fills *= nest[i]->n;
    } else if (f.innermost >= 0) {
      f.fills *= nest[i]->n;
    }
  }
  return f;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Words of tensor `t` in one buffer of a level whose tiles are `tile`
/// (before shr).
int64_t tileWords(const std::array<int64_t, kNumDims> &tile, DimSet dims) {
  int64_t w = 1;
  for (int d = 0; d < kNumDims; ++d)
    if (dims.contains(Dim(d)))
      w *= tile[d];
  return w;
}

/// The extent the stacks of a level spread dim `d` over, from a tile of
/// `tile`: stacks apply in order of increasing shift, each copying the block
/// so far; a shift beyond the block leaves holes (`contiguous` false), and
/// then the count is of distinct positions.
int64_t stackedSpan(int64_t tile, const FlatLevel &level, Dim d,
                    bool &contiguous) {
  std::array<std::pair<int64_t, int64_t>, FlatLevel::kMaxMoves> st;
  size_t n = 0;
  for (int i = 0; i < level.numStacks; ++i)
    if (int64_t shift = level.stacks[i].amount[int(d)])
      st[n++] = {shift, level.stacks[i].n};
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

/// The stacked span (stackedSpan) of every dim of a level.
struct StackedSpans {
  std::array<int64_t, kNumDims> span;
  std::array<bool, kNumDims> contiguous;
  explicit StackedSpans(const FlatLevel &level) {
    DimSet stacked;
    for (int i = 0; i < level.numStacks; ++i)
      stacked = stacked | level.stacks[i].dims;
    for (int d = 0; d < kNumDims; ++d) {
      contiguous[d] = true;
      span[d] = stacked.contains(Dim(d))
                    ? stackedSpan(level.tile[d], level, Dim(d), contiguous[d])
                    : level.tile[d];
    }
  }
};

/// Words of a tensor held by all buffers of a level together, counting halo
/// overlap once; stacks over dims the tensor lacks replicate it.
int64_t uniqueWords(const StackedSpans &spans, DimSet dims) {
  int64_t w = 1;
  for (int d = 0; d < kNumDims; ++d)
    if (dims.contains(Dim(d)))
      w *= spans.span[d];
  return w;
}

/// How many buffers of a level hold the same data of a tensor: the product
/// of the stacks over none of its dims.
int64_t replication(const FlatLevel &level, DimSet dims) {
  int64_t r = 1;
  for (int i = 0; i < level.numStacks; ++i)
    if (!movesAny(level.stacks[i], dims))
      r *= level.stacks[i].n;
  return r;
}

/// NoC hops between consecutive nodes of a buffer-sharing group of a tensor
/// with `dims`: the nodes are numbered along the stacks in their order, the
/// first fastest, and laid out so that consecutive numbers are neighbours;
/// the group's nodes then lie as far apart as the stacks that do not
/// replicate the tensor but are listed before the last one that does.
int64_t sharingDistance(const FlatLevel &level, DimSet dims) {
  int64_t before = 1, dist = 1;
  for (int i = 0; i < level.numStacks; ++i) {
    if (movesAny(level.stacks[i], dims))
      before *= level.stacks[i].n;
    else
      dist = before;
  }
  return dist;
}

/// Words moved through one buffer of a level for tensor `t` over the whole
/// layer: F tile loads (2F - D transfers for read-write data), and along a
/// sliding innermost loop only the new slice after the first iteration.
int64_t transferWords(int64_t tile, const Fills &f, bool readWrite,
                      const FlatMove *innermost,
                      const std::array<int64_t, kNumDims> *tiles, DimSet dims) {
  if (readWrite)
    return tile * (2 * f.fills - f.distinct);
  if (!innermost || !tiles || innermost->n <= 1)
    return tile * f.fills;
  // New words per step of the sliding loop: the tile minus its overlap with
  // the previous position, tile * prod((t-s)/t) overlapping.
  int64_t overlap = tile;
  bool slides = false;
  for (int i = 0; i < innermost->numDims; ++i) {
    Dim d = innermost->order[i];
    if (!dims.contains(d))
      continue;
    int64_t t = (*tiles)[int(d)], step = innermost->amount[int(d)];
    if (step < t) {
      overlap = overlap / t * (t - step);
      slides = true;
    } else {
      overlap = 0;
    }
  }
  if (!slides)
    return tile * f.fills;
  int64_t innerCount = innermost->n;
  int64_t passes = f.fills / innerCount;
  return passes * (tile + (innerCount - 1) * (tile - overlap));
}

/// `level` with its shape in flat form; false (with `why`) when it has more
/// stacks or updates than a flat level holds.
bool flatten(const LevelDirectives &level, const LevelShape &shape,
             FlatLevel &out, std::string &why) {
  if (level.stacks.size() > size_t(FlatLevel::kMaxMoves)) {
    why = "more than " + std::to_string(FlatLevel::kMaxMoves) +
          " stacks in a level";
    return false;
  }
  if (level.updates.size() > size_t(FlatLevel::kMaxMoves)) {
    why = "more than 16 updates in a dataflow";
    return false;
  }
  out.extent = shape.extent;
  out.tile = shape.tile;
  out.covered = shape.covered;
  out.numStacks = int(level.stacks.size());
  for (auto [i, st] : llvm::enumerate(level.stacks)) {
    out.stacks[i].reset(st.repl);
    for (const DimAmount &da : st.shifts)
      out.stacks[i].add(da.dim, da.amount);
  }
  out.numUpdates = int(level.updates.size());
  for (auto [i, u] : llvm::enumerate(level.updates)) {
    out.updates[i].reset(shape.updateCounts[i]);
    for (const DimAmount &da : u.steps)
      out.updates[i].add(da.dim, da.amount);
  }
  out.shr.fill(1);
  for (const TensorDirective &td : level.tensors)
    out.shr[int(td.tensor)] = td.shr;
  return true;
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
  std::array<LevelShape, kNumLevels> shapes;
  std::string why;
  if (llvm::Error err = checkDataflowStructure(layer, df, &shapes))
    why = llvm::toString(std::move(err));
  FlatDataflow flat;
  if (why.empty())
    for (int lv = 0; lv < kNumLevels; ++lv)
      if (!flatten(df.level(MemLevel(lv)), shapes[lv],
                   lv == int(MemLevel::Regf) ? flat.regf : flat.gbuf, why))
        break;
  if (!why.empty()) {
    out.valid = false;
    out.reason = explain ? why : std::string();
    return;
  }
  evaluateFlat(arch, layer, flat, ctx, out, explain);
}

void evaluateFlat(const ArchDesc &arch, const LayerDesc &layer,
                  const FlatDataflow &df, const LayerContext &ctx,
                  LayerCost &out, bool explain) {
  out.valid = false;
  out.reason.clear();
  auto fail = [&](auto &&makeReason) {
    if (explain)
      out.reason = makeReason();
  };
  const FlatLevel &rs = df.regf;
  const FlatLevel &gs = df.gbuf;

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
  for (int i = 0; i < rs.numStacks; ++i)
    pes *= rs.stacks[i].n;
  for (int i = 0; i < gs.numStacks; ++i)
    nodes *= gs.stacks[i].n;
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
  const StackedSpans regfSpans(rs);
  for (int lv = 0; lv < kNumLevels; ++lv) {
    const FlatLevel &level = df.level(MemLevel(lv));
    // Only the dims some stack shifts can have holes.
    DimSet stacked;
    for (int i = 0; i < level.numStacks; ++i)
      stacked = stacked | level.stacks[i].dims;
    for (int d = 0; d < kNumDims; ++d) {
      if (Dim(d) == Dim::Hi || Dim(d) == Dim::Wi || !stacked.contains(Dim(d)))
        continue;
      bool contiguous;
      if (lv == int(MemLevel::Regf))
        contiguous = regfSpans.contiguous[d];
      else
        stackedSpan(level.tile[d], level, Dim(d), contiguous);
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
  std::array<DimSet, kNumTensors> dims;
  for (int t = 0; t < kNumTensors; ++t)
    dims[t] = tensorDims(layer.kind, TensorKind(t));
  for (int t = 0; t < kNumTensors; ++t)
    if (rs.shr[t] > 1)
      return fail([&] {
        return std::string("regf tensor ") +
               stringifyTensorKind(TensorKind(t)) + " has shr " +
               str(rs.shr[t]) +
               ": buffer sharing between PEs is not modelled (shr must be 1)";
      });
  for (int t = 0; t < kNumTensors; ++t) {
    int64_t shr = gs.shr[t];
    if (shr == 1)
      continue;
    const char *name = stringifyTensorKind(TensorKind(t));
    if (isReadWrite(layer.pass, TensorKind(t)))
      return fail([&] {
        return std::string("gbuf tensor ") + name + " has shr " + str(shr) +
               ": the layer writes it, and nodes holding the same tile hold "
               "partial sums, which cannot be shared (shr must be 1)";
      });
    int64_t repl = replication(gs, dims[t]);
    if (repl % shr != 0)
      return fail([&] {
        return std::string("gbuf tensor ") + name + " has shr " + str(shr) +
               ", which does not divide the " + str(repl) +
               " nodes the gbuf stacks give the same tile";
      });
  }

  // Capacity (docs/CostModel.md, validity): sum over tensors of tile / shr.
  const int64_t inputsFactor =
      layer.kind == LayerKind::Eltwise ? layer.numInputs : 1;
  for (int lv = 0; lv < kNumLevels; ++lv) {
    const FlatLevel &level = df.level(MemLevel(lv));
    int64_t used = 0;
    for (int t = 0; t < kNumTensors; ++t) {
      if (dims[t].empty())
        continue;
      int64_t words = ceilDiv(tileWords(level.tile, dims[t]), level.shr[t]);
      used += t == kI ? words * inputsFactor : words;
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

  // Whether gbuf update `i` (innermost first) is one loop over `d` by
  // `step`, `count` times.
  auto isGroupLoop = [&](int i, Dim d, int64_t step, int64_t count) {
    const FlatMove &u = gs.updates[i];
    return u.numDims == 1 && u.order[0] == d && u.amount[int(d)] == step &&
           u.n == count;
  };
  const int ng = gs.numUpdates, nr = rs.numUpdates;

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
    if (!(ng > 0 && isGroupLoop(ng - 1, Dim::N, layer.n / g, g)))
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
    const int inner = ctx.batchGroups > 1 ? 2 : 1;
    if (!(ng >= inner && isGroupLoop(ng - inner, *cd, e / cg, cg)))
      return fail([&] {
        return "channel_groups " + str(cg) + ": the gbuf loop " +
               (ctx.batchGroups > 1 ? "right inside the batch groups"
                                    : "outermost") +
               " must step over " + stringifyDim(*cd) + " by " + str(e / cg) +
               ", " + str(cg) + " times";
      });
  }

  // The loop nests: REGF updates run inside every GBUF iteration.
  if (nr + ng > 16)
    return fail([] { return std::string("more than 16 updates in a dataflow"); });
  const FlatMove *nest[2 * FlatLevel::kMaxMoves];
  int64_t regfIters = 1, gbufIters = 1;
  for (int i = 0; i < nr; ++i) {
    nest[i] = &rs.updates[i];
    regfIters *= rs.updates[i].n;
  }
  for (int i = 0; i < ng; ++i) {
    nest[nr + i] = &gs.updates[i];
    gbufIters *= gs.updates[i].n;
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
    if (dims[t].empty())
      continue; // the kind has no such tensor
    const int64_t mult = t == kI ? inputsFactor : 1;
    const bool rw = isReadWrite(layer.pass, TensorKind(t));
    DimSet rel = relevantDims(layer.kind, TensorKind(t));

    // REGF boundary, per PE: the combined nest (REGF loops, then GBUF).
    tc.regfTile = ceilDiv(tileWords(rs.tile, dims[t]), rs.shr[t]);
    Fills fr = countFills(llvm::ArrayRef(nest, nr + ng), rel);
    bool innerInRegf = fr.innermost >= 0 && fr.innermost < nr;
    tc.regfWords =
        mult * transferWords(tc.regfTile, fr, rw,
                             innerInRegf ? nest[fr.innermost] : nullptr,
                             &rs.tile, dims[t]);
    // The GBUF serves the distinct words of all PEs once (multicast); the
    // bus delivers to every PE.
    // Words per PE relate to distinct words as tile to unique span.
    int64_t unique = ceilDiv(uniqueWords(regfSpans, dims[t]), rs.shr[t]);
    int64_t gbufPerNode = static_cast<int64_t>(
        std::llround(double(tc.regfWords) * double(unique) / double(tc.regfTile)));
    tc.gbufReads = gbufPerNode * nodes;
    tc.busWords = tc.regfWords * pes * nodes;
    maxBusPerNode += gbufPerNode;

    // GBUF boundary, per node: the GBUF loops only.
    tc.gbufTile = ceilDiv(tileWords(gs.tile, dims[t]), gs.shr[t]);
    Fills fg = countFills(llvm::ArrayRef(nest + nr, ng), rel);
    int64_t perNode =
        mult *
        transferWords(tc.gbufTile, fg, rw,
                      fg.innermost >= 0 ? nest[nr + fg.innermost] : nullptr,
                      &gs.tile, dims[t]);
    // Nodes holding the same read-write tile hold partial sums: they are
    // reduced over the NoC and written once.
    int64_t group = replication(gs, dims[t]);
    int64_t words = rw ? perNode * nodes / group : perNode * nodes;
    if (rw && group > 1)
      tc.nocHops += double(fg.fills) * double(tc.gbufTile) * double(group - 1) *
                    double(nodes / group);
    Route route = routeOf(ctx, TensorKind(t), inT, outT, rw, meanNear, meanAll);
    (route.onChip ? tc.onChipWords : tc.dramWords) = words;
    tc.nocHops += double(words) * route.hopsPerWord;
    // Buffer sharing: each shard of a shared tile passes the other shr-1
    // nodes of its group, neighbours `sharingDistance` hops apart.
    if (gs.shr[t] > 1)
      tc.nocHops += double(gs.shr[t] - 1) * double(perNode) * double(nodes) *
                    double(sharingDistance(gs, dims[t]));

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
