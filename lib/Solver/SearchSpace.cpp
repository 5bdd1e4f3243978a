//===- SearchSpace.cpp - The intra-layer search space ----------------------===//

#include "SearchSpace.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace mlir::kapla::search {

bool channelwise(LayerKind k) {
  return k == LayerKind::DWConv || k == LayerKind::Pool ||
         k == LayerKind::Eltwise;
}

/// The dims of loop class `cls` for `kind`, innermost first.
llvm::SmallVector<D, 3> classDims(LayerKind kind, int cls) {
  switch (cls) {
  case 0:
    return {D::Wo, D::Ho, D::N};
  case 1:
    if (channelwise(kind))
      return {D::S, D::R};
    return {D::S, D::R, D::C};
  default:
    if (channelwise(kind))
      return {D::C};
    return {D::K};
  }
}

int classOf(LayerKind kind, Dim d) {
  for (int c = 0; c < 3; ++c)
    if (llvm::is_contained(classDims(kind, c), d))
      return c;
  return -1;
}

DimSet movingDims(LayerKind kind, TensorKind t) {
  DimSet dims = tensorDims(kind, t);
  if (dims.contains(D::Hi))
    dims = dims | DimSet{D::Ho, D::Wo, D::R, D::S};
  return dims;
}

namespace {
/// searchDims of every kind, in a table: the searchers ask on every point.
struct SearchDimsTable {
  std::array<std::array<D, 7>, kNumLayerKinds> dims;
  std::array<size_t, kNumLayerKinds> size{};
  constexpr SearchDimsTable() : dims() {
    for (int k = 0; k < kNumLayerKinds; ++k) {
      DimSet known = knownDims(LayerKind(k));
      for (D d : {D::N, D::C, D::K, D::Ho, D::Wo, D::R, D::S})
        if (known.contains(d))
          dims[k][size[k]++] = d;
    }
  }
};
constexpr SearchDimsTable kSearchDims;
} // namespace

/// The dims the search chooses tiles and splits for.
llvm::ArrayRef<D> searchDims(LayerKind kind) {
  return llvm::ArrayRef<D>(kSearchDims.dims[int(kind)].data(),
                           kSearchDims.size[int(kind)]);
}

/// Fills the fixed dims: 1 for dims the kind lacks (input rows and cols
/// follow from the others).
void normalise(const LayerDesc &l, LayerSchedule &s) {
  DimSet known = knownDims(l.kind);
  for (int d = 0; d < kNumDims; ++d)
    if (!known.contains(D(d)) || D(d) == D::Hi || D(d) == D::Wi) {
      s.regfTile[d] = s.gbufTile[d] = 1;
      s.peSplit[d] = s.nodeSplit[d] = 1;
    }
}

/// The objective, with a tie-break that lets a descent move across the
/// plateaus of max(): a layer's time is the largest of compute, DRAM and
/// bus time, so a step that shortens one of the others would not count.
double searchScore(Objective o, const LayerCost &c) {
  double v = objectiveValue(o, c.cost);
  if (o == Objective::Energy)
    return v;
  double parts = c.computeCycles + c.dramCycles + c.busCycles;
  if (o == Objective::Delay)
    return v + 1e-3 * parts + 1e-9 * c.cost.energyPj();
  return c.cost.energyPj() * (c.cost.cycles + 1e-3 * parts);
}

/// The 6 permutations of the three loop classes.
const std::array<std::array<uint8_t, 3>, 6> kOrders = {{{0, 1, 2},
                                                         {0, 2, 1},
                                                         {1, 0, 2},
                                                         {1, 2, 0},
                                                         {2, 0, 1},
                                                         {2, 1, 0}}};

size_t orderIndex(const std::array<uint8_t, 3> &order) {
  return size_t(std::find(kOrders.begin(), kOrders.end(), order) -
                kOrders.begin());
}

std::optional<Dim> Searcher::channelGroupDim(const LayerDesc &l,
                                             const LayerContext &c) {
  if (c.channelGroups <= 1)
    return std::nullopt;
  std::optional<Dim> d = forwardedChannelDim(l, c);
  if (!d || l.extent(*d) % c.channelGroups != 0)
    return std::nullopt;
  return d;
}

LayerDesc Searcher::groupShape(const LayerDesc &l, const LayerContext &c) {
  LayerDesc g = l;
  if (c.batchGroups > 1 && l.n % c.batchGroups == 0)
    cutDim(g, D::N, l.n / c.batchGroups);
  if (std::optional<Dim> d = channelGroupDim(l, c)) {
    cutDim(g, *d, l.extent(*d) / c.channelGroups);
    if (*d == D::C && channelwise(l.kind))
      g.k = g.c; // one channel dim
  }
  return g;
}

LayerDataflow Searcher::dataflowOf(const LayerSchedule &s) const {
  LayerDataflow df = buildDataflow(shape, s);
  // The channel groups, then (outermost) the batch groups pipelined
  // neighbours share.
  if (std::optional<Dim> d = channelGroupDim(layer, ctx))
    df.gbuf.updates.push_back({{{*d, shape.extent(*d)}}});
  if (shape.n != layer.n)
    df.gbuf.updates.push_back({{{Dim::N, shape.n}}});
  return df;
}

namespace {

/// The input rows and cols of the tiles `t` of the loop dims.
void deriveInputTiles(const LayerDesc &l, std::array<int64_t, kNumDims> &t) {
  t[int(D::Hi)] = windowSpan(t[int(D::Ho)], t[int(D::R)], l.sy, l.dy);
  t[int(D::Wi)] = windowSpan(t[int(D::Wo)], t[int(D::S)], l.sx, l.dx);
}

/// The tiles of a level as the structure check derives them from tensor
/// tiles `t` (input rows and cols derived) over `extent`: a pooling
/// window's from the input tile, a dim no tensor has at its extent. False
/// when a tile is not positive or exceeds its extent. `known` are the
/// kind's dims, `listed` those its tensors have.
bool levelTiles(const LayerDesc &l, DimSet known, DimSet listed,
                const std::array<int64_t, kNumDims> &t,
                const std::array<int64_t, kNumDims> &extent,
                std::array<int64_t, kNumDims> &tile) {
  tile.fill(0);
  for (int d = 0; d < kNumDims; ++d)
    if (listed.contains(D(d))) {
      if (t[d] < 1 || t[d] > extent[d])
        return false;
      tile[d] = t[d];
    }
  auto windowTile = [&](D w, D in, D out, int64_t stride, int64_t dil) {
    int d = int(w);
    if (tile[d] != 0 || !known.contains(w) || tile[int(in)] == 0 ||
        tile[int(out)] == 0)
      return;
    tile[d] = std::clamp<int64_t>(
        windowOfSpan(tile[int(in)], tile[int(out)], stride, dil), 1, extent[d]);
  };
  windowTile(D::R, D::Hi, D::Ho, l.sy, l.dy);
  windowTile(D::S, D::Wi, D::Wo, l.sx, l.dx);
  for (int d = 0; d < kNumDims; ++d)
    if (tile[d] == 0)
      tile[d] = extent[d];
  return true;
}

/// Sets `m` to a move of loop dim `d` by `by`, with the input rows or cols
/// it moves along (what buildDataflow's directives list).
void loopMove(const LayerDesc &l, DimSet known, D d, int64_t by, int64_t n,
              FlatMove &m) {
  m.reset(n);
  m.add(d, by);
  if (!known.contains(D::Hi))
    return;
  if (d == D::Ho)
    m.add(D::Hi, by * l.sy);
  else if (d == D::R)
    m.add(D::Hi, by * l.dy);
  else if (d == D::Wo)
    m.add(D::Wi, by * l.sx);
  else if (d == D::S)
    m.add(D::Wi, by * l.dx);
}

/// Adds to `lv` a stack of `repl` buffers over `d` shifted by `by`; false
/// for a dim the kind lacks (not in `known`).
bool addStack(const LayerDesc &l, DimSet known, FlatLevel &lv, D d, int64_t by,
              int64_t repl) {
  if (!known.contains(d))
    return false;
  FlatMove &m = lv.stacks[lv.numStacks++];
  loopMove(l, known, d, by, repl, m);
  return true;
}

/// Adds to `lv` an update over `d` by `step`; its count is the loop's over
/// what the level covers so far, as the structure check counts it. False
/// for a dim the kind lacks.
bool addUpdate(const LayerDesc &l, DimSet known, FlatLevel &lv, D d,
               int64_t step) {
  if (!known.contains(d))
    return false;
  FlatMove &m = lv.updates[lv.numUpdates++];
  loopMove(l, known, d, step, 1, m);
  m.n = loopIterations(lv.extent[int(d)], lv.covered[int(d)], step);
  for (int i = 0; i < m.numDims; ++i)
    lv.covered[int(m.order[i])] += (m.n - 1) * m.amount[int(m.order[i])];
  return true;
}

/// The span of the tiles over the stacks of `lv`: where its loops start.
void startCovering(FlatLevel &lv) {
  lv.covered = lv.tile;
  for (int i = 0; i < lv.numStacks; ++i) {
    const FlatMove &m = lv.stacks[i];
    for (int j = 0; j < m.numDims; ++j)
      lv.covered[int(m.order[j])] += (m.n - 1) * m.amount[int(m.order[j])];
  }
}

} // namespace

bool Searcher::flatDataflowOf(const LayerSchedule &s, FlatDataflow &f) const {
  // What buildDataflow(shape, s) lists and dataflowOf adds, in its order,
  // with the shapes checkDataflowStructure derives for `layer`.
  const LayerDesc &l = shape;
  static constexpr D kStackOrder[] = {D::R, D::S,  D::C, D::K,
                                      D::N, D::Ho, D::Wo};
  FlatLevel &g = f.gbuf, &r = f.regf;

  // GBUF: tiles within the layer, node stacks, then the loops.
  for (int d = 0; d < kNumDims; ++d)
    g.extent[d] = layer.extent(D(d));
  std::array<int64_t, kNumDims> t = s.gbufTile;
  deriveInputTiles(l, t);
  if (!levelTiles(l, known, listed, t, g.extent, g.tile))
    return false;
  g.shr.fill(1);
  r.shr.fill(1);
  // Node stacks: those that replicate a shared tensor first.
  std::array<D, kNumDims> nodeOrder;
  int numOrdered = 0;
  DimSet ordered;
  for (int k = 0; k < kNumTensors; ++k) {
    TensorKind tk = TensorKind(k);
    if (!hasTensor(l.kind, tk) || !s.share[k] || isReadWrite(l.pass, tk))
      continue;
    g.shr[k] = nodeReplication(l, s, tk);
    DimSet rel = movingDims(l.kind, tk);
    for (D d : kStackOrder)
      if (!rel.contains(d) && !ordered.contains(d)) {
        ordered.insert(d);
        nodeOrder[numOrdered++] = d;
      }
  }
  for (D d : kStackOrder)
    if (!ordered.contains(d))
      nodeOrder[numOrdered++] = d;
  g.numStacks = 0;
  for (int i = 0; i < numOrdered; ++i) {
    D d = nodeOrder[i];
    if (s.nodeSplit[int(d)] > 1 &&
        !addStack(l, known, g, d, s.gbufTile[int(d)], s.nodeSplit[int(d)]))
      return false;
  }
  startCovering(g);
  g.numUpdates = 0;
  for (int i = 0; i < 3; ++i)
    for (D d : classes[s.gbufOrder[i]]) {
      int64_t span = s.gbufTile[int(d)] * s.nodeSplit[int(d)];
      if (span < l.extent(d) && !addUpdate(l, known, g, d, span))
        return false;
    }
  if (groupDim)
    if (!addUpdate(l, known, g, *groupDim, l.extent(*groupDim)))
      return false;
  if (l.n != layer.n && !addUpdate(l, known, g, D::N, l.n))
    return false;

  // REGF: tiles within the GBUF tile, PE stacks, then the loops.
  r.extent = g.tile;
  t = s.regfTile;
  deriveInputTiles(l, t);
  if (!levelTiles(l, known, listed, t, r.extent, r.tile))
    return false;
  r.numStacks = 0;
  for (D d : kStackOrder)
    if (s.peSplit[int(d)] > 1 &&
        !addStack(l, known, r, d, s.regfTile[int(d)], s.peSplit[int(d)]))
      return false;
  startCovering(r);
  r.numUpdates = 0;
  for (int i = 0; i < 3; ++i)
    for (D d : classes[s.regfOrder[i]]) {
      int64_t span = s.regfTile[int(d)] * s.peSplit[int(d)];
      if (span < s.gbufTile[int(d)] && !addUpdate(l, known, r, d, span))
        return false;
    }
  return true;
}

void Searcher::evaluate(const LayerSchedule &s, const ArchDesc &a) {
  if (!flat) {
    evaluateLayer(a, layer, dataflowOf(s), ctx, scratch, /*explain=*/false);
    return;
  }
  if (!flatDataflowOf(s, flatScratch)) {
    scratch.valid = false;
    scratch.reason.clear();
    return;
  }
  evaluateFlat(a, layer, flatScratch, ctx, scratch, /*explain=*/false);
}

std::optional<std::array<uint8_t, 3>> classOrderOf(LayerKind kind,
                                                   llvm::ArrayRef<Dim> dims) {
  std::array<uint8_t, 3> order{};
  int n = 0;
  auto add = [&](int c) {
    for (int j = 0; j < n; ++j)
      if (order[j] == c)
        return;
    order[n++] = uint8_t(c);
  };
  for (Dim d : dims) {
    int cls = classOf(kind, d);
    if (cls < 0)
      return std::nullopt;
    add(cls);
  }
  for (int c = 0; c < 3; ++c)
    add(c);
  return order;
}

void applyPins(const LayerPins &pins, const LayerDesc &shape,
               LayerSchedule &s) {
  for (int i = 0; i < kNumDims; ++i) {
    bool any = pins.regfTile[i] || pins.peSplit[i] || pins.gbufTile[i] ||
               pins.nodeSplit[i];
    if (!any)
      continue;
    int64_t e = shape.extent(Dim(i));
    if (pins.regfTile[i])
      s.regfTile[i] = pins.regfTile[i];
    if (pins.peSplit[i])
      s.peSplit[i] = pins.peSplit[i];
    if (pins.nodeSplit[i])
      s.nodeSplit[i] = pins.nodeSplit[i];
    if (pins.gbufTile[i])
      s.gbufTile[i] = pins.gbufTile[i];
    else
      s.gbufTile[i] = std::min(
          e, std::max(s.gbufTile[i],
                      int64_t(llvm::SaturatingMultiply(
                          uint64_t(s.regfTile[i]), uint64_t(s.peSplit[i])))));
    if (!pins.regfTile[i])
      s.regfTile[i] =
          std::clamp<int64_t>(s.gbufTile[i] / s.peSplit[i], 1, s.regfTile[i]);
    if (!pins.peSplit[i] && s.regfTile[i] > s.gbufTile[i] / s.peSplit[i])
      s.peSplit[i] = std::max<int64_t>(s.gbufTile[i] / s.regfTile[i], 1);
  }
  if (auto o = classOrderOf(shape.kind, pins.regfOrder);
      o && !pins.regfOrder.empty())
    s.regfOrder = *o;
  if (auto o = classOrderOf(shape.kind, pins.gbufOrder);
      o && !pins.gbufOrder.empty())
    s.gbufOrder = *o;
}

int Searcher::pinnedOrder(bool regf) const {
  if (!ctx.pins)
    return -1;
  const llvm::SmallVector<Dim, 7> &dims =
      regf ? ctx.pins->regfOrder : ctx.pins->gbufOrder;
  if (dims.empty())
    return -1;
  std::optional<std::array<uint8_t, 3>> o = classOrderOf(layer.kind, dims);
  return o ? int(orderIndex(*o)) : -1;
}

llvm::SmallVector<std::array<uint8_t, 3>, 6>
Searcher::orders(const std::array<bool, 3> &looping, bool regf) const {
  int pinned = pinnedOrder(regf);
  if (pinned >= 0)
    return {kOrders[pinned]};
  return distinctOrders(looping);
}

double Searcher::score(const LayerSchedule &given, const ArchDesc &a,
                       bool real) {
  LayerSchedule pinned;
  if (ctx.pins) {
    pinned = given;
    applyPins(*ctx.pins, shape, pinned);
  }
  const LayerSchedule &s = ctx.pins ? pinned : given;
  evaluate(s, a);
  ++evaluations;
  if (!scratch.valid)
    return INFINITY;
  double v = searchScore(opts.objective, scratch);
  if (real && v < bestValue) {
    bestValue = v;
    best.found = true;
    best.schedule = s;
    best.dataflow = dataflowOf(s);
    best.cost = scratch;
  }
  return v;
}

Searcher::DescentKey Searcher::descentKey(const LayerSchedule &s,
                                          unsigned mode) {
  DescentKey k;
  for (int d = 0; d < kNumDims; ++d) {
    k[4 * d] = s.regfTile[d];
    k[4 * d + 1] = s.peSplit[d];
    k[4 * d + 2] = s.gbufTile[d];
    k[4 * d + 3] = s.nodeSplit[d];
  }
  int64_t rest = mode;
  for (int i = 0; i < 3; ++i)
    rest = rest << 8 | s.regfOrder[i] << 4 | s.gbufOrder[i];
  for (int t = 0; t < kNumTensors; ++t)
    rest = rest << 1 | int64_t(s.share[t]);
  k[4 * kNumDims] = rest;
  return k;
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> d;
  for (int64_t i = 1; i * i <= n; ++i)
    if (n % i == 0) {
      d.push_back(i);
      if (i * i != n)
        d.push_back(n / i);
    }
  std::sort(d.begin(), d.end());
  return d;
}

Space::Space(const Searcher &sr, const DimSet *only) {
  const int64_t pes = sr.arch.numPEsPerNode();
  const int64_t nodes = sr.ctx.region.numNodes();
  for (D d : sr.dims) {
    if (only && !only->contains(d)) {
      choices.emplace_back();
      continue;
    }
    choices.push_back(dimChoices(sr.shape.extent(d), pes, nodes));
    // With forwarding groups the loop over them is the only one over their
    // dim: a group is covered by the GBUF tile and the node split.
    if (sr.shape.extent(d) != sr.layer.extent(d))
      llvm::erase_if(choices.back(), [&](const DimChoice &c) {
        return c.gt * c.ns != sr.shape.extent(d);
      });
    // What the user fixed.
    if (const LayerPins *p = sr.ctx.pins.get()) {
      int i = int(d);
      llvm::erase_if(choices.back(), [&](const DimChoice &c) {
        return (p->regfTile[i] && c.rt != p->regfTile[i]) ||
               (p->peSplit[i] && c.ps != p->peSplit[i]) ||
               (p->gbufTile[i] && c.gt != p->gbufTile[i]) ||
               (p->nodeSplit[i] && c.ns != p->nodeSplit[i]);
      });
    }
  }
  schedule.regfTile.fill(1);
  schedule.peSplit.fill(1);
  schedule.gbufTile.fill(1);
  schedule.nodeSplit.fill(1);
  normalise(sr.shape, schedule);
}

bool Space::apply(const Searcher &sr, const std::vector<size_t> &pick) {
  int64_t usedPes = 1, usedNodes = 1;
  for (size_t k = 0; k < pick.size(); ++k) {
    const DimChoice &c = choices[k][pick[k]];
    int i = int(sr.dims[k]);
    schedule.regfTile[i] = c.rt;
    schedule.peSplit[i] = c.ps;
    schedule.gbufTile[i] = c.gt;
    schedule.nodeSplit[i] = c.ns;
    usedPes *= c.ps;
    usedNodes *= c.ns;
  }
  return usedPes <= sr.arch.numPEsPerNode() &&
         usedNodes <= sr.ctx.region.numNodes();
}

std::vector<DimChoice> dimChoices(int64_t e, int64_t pes, int64_t nodes) {
  std::vector<DimChoice> out;
  for (int64_t gt : divisors(e)) {
    int64_t ns = e / gt; // the GBUF tiles that remain spread over nodes...
    for (int64_t nsd : divisors(ns)) {
      if (nsd > nodes)
        continue;
      for (int64_t rt : divisors(gt)) {
        for (int64_t ps : divisors(gt / rt)) {
          if (ps > pes)
            continue;
          out.push_back({rt, ps, gt, nsd});
        }
      }
    }
  }
  return out;
}

/// Words one buffer holds for the tiles `t` of a level (input rows and cols
/// derived), as the capacity rule counts them without sharing. Grows with
/// every tile: with the dims not chosen yet at 1 it bounds what any
/// completion needs.
int64_t levelWords(const LayerDesc &l, std::array<int64_t, kNumDims> t) {
  t[int(D::Hi)] = windowSpan(t[int(D::Ho)], t[int(D::R)], l.sy, l.dy);
  t[int(D::Wi)] = windowSpan(t[int(D::Wo)], t[int(D::S)], l.sx, l.dx);
  int64_t words = 0;
  for (int k = 0; k < kNumTensors; ++k) {
    DimSet dims = tensorDims(l.kind, TensorKind(k));
    if (dims.empty())
      continue;
    int64_t w = 1;
    for (int d = 0; d < kNumDims; ++d)
      if (dims.contains(D(d)))
        w *= t[d];
    words += TensorKind(k) == TensorKind::I && l.kind == LayerKind::Eltwise
                 ? w * l.numInputs
                 : w;
  }
  return words;
}

std::array<double, kNumTensors> shareBounds(const LayerDesc &l,
                                            const LayerSchedule &s,
                                            DimSet fixed, int64_t regionNodes,
                                            bool sharing) {
  std::array<double, kNumTensors> out;
  out.fill(1);
  if (!sharing)
    return out;
  int64_t used = 1;
  for (D d : searchDims(l.kind))
    if (fixed.contains(d))
      used *= s.nodeSplit[int(d)];
  int64_t left = std::max<int64_t>(regionNodes / std::max<int64_t>(used, 1), 1);
  for (int k = 0; k < kNumTensors; ++k) {
    out[k] = 1;
    TensorKind t = TensorKind(k);
    if (tensorDims(l.kind, t).empty() || isReadWrite(l.pass, t))
      continue;
    DimSet rel = movingDims(l.kind, t);
    int64_t r = 1;
    bool open = false;
    for (D d : searchDims(l.kind)) {
      if (rel.contains(d))
        continue;
      if (fixed.contains(d))
        r *= s.nodeSplit[int(d)];
      else
        open = true;
    }
    out[k] = double(std::min(open ? r * left : r, regionNodes));
  }
  return out;
}

double sharedLevelWords(const LayerDesc &l, std::array<int64_t, kNumDims> t,
                        const std::array<double, kNumTensors> &share) {
  t[int(D::Hi)] = windowSpan(t[int(D::Ho)], t[int(D::R)], l.sy, l.dy);
  t[int(D::Wi)] = windowSpan(t[int(D::Wo)], t[int(D::S)], l.sx, l.dx);
  double words = 0;
  for (int k = 0; k < kNumTensors; ++k) {
    DimSet dims = tensorDims(l.kind, TensorKind(k));
    if (dims.empty())
      continue;
    double w = 1;
    for (int d = 0; d < kNumDims; ++d)
      if (dims.contains(D(d)))
        w *= double(t[d]);
    if (TensorKind(k) == TensorKind::I && l.kind == LayerKind::Eltwise)
      w *= double(l.numInputs);
    words += w / share[k];
  }
  return words;
}

llvm::SmallVector<std::array<bool, kNumTensors>, 8>
shareChoices(const LayerDesc &l, const LayerSchedule &s, bool sharing) {
  llvm::SmallVector<std::array<bool, kNumTensors>, 8> out{{}};
  if (!sharing)
    return out;
  for (int k = 0; k < kNumTensors; ++k) {
    TensorKind t = TensorKind(k);
    if (tensorDims(l.kind, t).empty() || isReadWrite(l.pass, t) ||
        nodeReplication(l, s, t) == 1)
      continue;
    size_t n = out.size();
    for (size_t j = 0; j < n; ++j) {
      std::array<bool, kNumTensors> c = out[j];
      c[k] = true;
      out.push_back(c);
    }
  }
  return out;
}

/// The orders of `orders` that give distinct loop nests: only the classes
/// with a loop at the level (`looping[c]`) have a place in the nest.
llvm::SmallVector<std::array<uint8_t, 3>, 6>
distinctOrders(const std::array<bool, 3> &looping) {
  llvm::SmallVector<std::array<uint8_t, 3>, 6> out;
  llvm::SmallVector<llvm::SmallVector<uint8_t, 3>, 6> nests;
  for (const auto &o : kOrders) {
    llvm::SmallVector<uint8_t, 3> nest;
    for (uint8_t c : o)
      if (looping[c])
        nest.push_back(c);
    if (llvm::is_contained(nests, nest))
      continue;
    nests.push_back(nest);
    out.push_back(o);
  }
  return out;
}

LoopingClasses loopingClasses(const LayerDesc &shape, const LayerSchedule &s) {
  LoopingClasses out;
  for (int c = 0; c < 3; ++c)
    for (D d : classDims(shape.kind, c)) {
      int i = int(d);
      out.regf[c] |= s.regfTile[i] * s.peSplit[i] < s.gbufTile[i];
      out.gbuf[c] |= s.gbufTile[i] * s.nodeSplit[i] < shape.extent(d);
    }
  return out;
}

} // namespace mlir::kapla::search
