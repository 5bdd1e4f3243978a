//===- IntraLayer.cpp - Solving one layer ---------------------------------===//

#include "Kapla/Solver/IntraLayer.h"
#include "Kapla/CostModel/PEMapping.h"
#include "SearchSpace.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace mlir::kapla {

using namespace search;

const char *stringifyObjective(Objective o) {
  switch (o) {
  case Objective::Energy:
    return "energy";
  case Objective::Delay:
    return "delay";
  case Objective::EDP:
    return "edp";
  }
  return "energy";
}

std::optional<Objective> symbolizeObjective(const std::string &s) {
  if (s == "energy")
    return Objective::Energy;
  if (s == "delay")
    return Objective::Delay;
  if (s == "edp")
    return Objective::EDP;
  return std::nullopt;
}

const char *stringifyEffort(Effort e) {
  return e == Effort::Quick ? "quick" : "full";
}

double objectiveValue(Objective o, const CostRecord &c) {
  switch (o) {
  case Objective::Energy:
    return c.energyPj();
  case Objective::Delay:
    return c.cycles;
  case Objective::EDP:
    return c.energyPj() * c.cycles;
  }
  return c.energyPj();
}

namespace {
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

llvm::SmallVector<DimAmount, 2> moves(const LayerDesc &l, D d, int64_t by) {
  llvm::SmallVector<DimAmount, 2> v{{d, by}};
  if (!knownDims(l.kind).contains(D::Hi))
    return v;
  if (d == D::Ho)
    v.push_back({D::Hi, by * l.sy});
  else if (d == D::R)
    v.push_back({D::Hi, by * l.dy});
  else if (d == D::Wo)
    v.push_back({D::Wi, by * l.sx});
  else if (d == D::S)
    v.push_back({D::Wi, by * l.dx});
  return v;
}

void addTensors(const LayerDesc &l, std::array<int64_t, kNumDims> t,
                LevelDirectives &lv) {
  t[int(D::Hi)] = windowSpan(t[int(D::Ho)], t[int(D::R)], l.sy, l.dy);
  t[int(D::Wi)] = windowSpan(t[int(D::Wo)], t[int(D::S)], l.sx, l.dx);
  appendTensorTiles(l.kind, t, lv);
}

} // namespace

int64_t nodeReplication(const LayerDesc &l, const LayerSchedule &s,
                        TensorKind t) {
  DimSet rel = movingDims(l.kind, t);
  int64_t r = 1;
  for (D d : searchDims(l.kind))
    if (!rel.contains(d))
      r *= s.nodeSplit[int(d)];
  return r;
}

LayerDataflow buildDataflow(const LayerDesc &l, const LayerSchedule &s) {
  LayerDataflow df;
  addTensors(l, s.regfTile, df.regf);
  addTensors(l, s.gbufTile, df.gbuf);
  const D stackOrder[] = {D::R, D::S, D::C, D::K, D::N, D::Ho, D::Wo};
  for (D d : stackOrder)
    if (s.peSplit[int(d)] > 1)
      df.regf.stacks.push_back(
          {moves(l, d, s.regfTile[int(d)]), s.peSplit[int(d)]});
  // Node stacks: those that replicate a shared tensor first, so that the
  // nodes of its sharing groups are neighbours (docs/CostModel.md).
  llvm::SmallVector<D, 7> nodeOrder;
  for (TensorDirective &td : df.gbuf.tensors) {
    if (!s.share[int(td.tensor)] || isReadWrite(l.pass, td.tensor))
      continue;
    td.shr = nodeReplication(l, s, td.tensor);
    DimSet rel = movingDims(l.kind, td.tensor);
    for (D d : stackOrder)
      if (!rel.contains(d) && !llvm::is_contained(nodeOrder, d))
        nodeOrder.push_back(d);
  }
  for (D d : stackOrder)
    if (!llvm::is_contained(nodeOrder, d))
      nodeOrder.push_back(d);
  for (D d : nodeOrder)
    if (s.nodeSplit[int(d)] > 1)
      df.gbuf.stacks.push_back(
          {moves(l, d, s.gbufTile[int(d)]), s.nodeSplit[int(d)]});
  for (int i = 0; i < 3; ++i) {
    for (D d : classDims(l.kind, s.regfOrder[i])) {
      int64_t span = s.regfTile[int(d)] * s.peSplit[int(d)];
      if (span < s.gbufTile[int(d)])
        df.regf.updates.push_back({moves(l, d, span)});
    }
  }
  for (int i = 0; i < 3; ++i) {
    for (D d : classDims(l.kind, s.gbufOrder[i])) {
      int64_t span = s.gbufTile[int(d)] * s.nodeSplit[int(d)];
      if (span < l.extent(d))
        df.gbuf.updates.push_back({moves(l, d, span)});
    }
  }
  return df;
}

namespace {

/// Multi-start of the kapla solver: points sampled (at full effort; half
/// as many at quick effort), and how many of the best are polished by the
/// descent.
constexpr int kStartSamples = 2000;
constexpr size_t kPolishedStarts = 8;
/// Rounds of the iterated local search.
constexpr int kLocalSearchRounds = 1;
/// Search nodes plus evaluations of each large neighbourhood: the REGF
/// level re-solved at once, and three dims re-solved together (twice
/// as many on small chips, below, whose layers solve fast).
constexpr int64_t kRegfNeighbourhoodBudget = 300;
constexpr int64_t kDimsNeighbourhoodBudget = 50;
constexpr int64_t kSmallChipDimsNeighbourhoodBudget = 100;
/// The budget of each final solve (docs/Solver.md, step 9): the REGF level
/// of the final schedule re-solved once more (it often completes in a few
/// hundred evaluations more than step 8's budget), and the GBUF level.
constexpr int64_t kFinalRegfBudget = 3000;
/// Rounds of the GBUF level and then the REGF level re-solved in turn at
/// the end, while the GBUF level improves.
constexpr int kGbufRegfRounds = 3;
/// The budget of the final solve of the whole space of a layer of at most
/// three live dims, or of a padded schedule, on a chip of at most
/// kSmallChipNodes nodes.
constexpr int64_t kSmallSpaceBudget = 10000;
/// The budget of the exact solve of the REGF level on the roomy chip
/// (step 2).
constexpr int64_t kRoomyRegfBudget = 3000;
/// The budget of the exact solves, at the end (step 9), of everything but
/// given REGF tiles: those of the roomy chip's exact REGF level (and its
/// REGF order), and the best schedule's mirrored.
constexpr int64_t kRoomyRegfTileBudget = 10000;
/// Their bounds of children at most: most of their time goes to them (a
/// search that ends without a better schedule spends them all).
constexpr int64_t kRoomyRegfTileBounds = 80000;
/// The bounds of children at most of the solve under the best schedule's
/// mirrored REGF tiles (step 9): GoogLeNet inception_3a_3x3 alone on 2x2
/// nodes at batch 16 needs more than 80,000 to reach its optimum (the
/// descent ends 1.063 above it).
constexpr int64_t kMirroredBounds = 160000;
/// Chips of at most this many nodes get those solves.
constexpr int64_t kTinyChipNodes = 4;
/// The bounds of children at most of the PE-level solves under the
/// mirrored REGF levels of the REGF phase's outcomes (step 9).
constexpr int64_t kMirroredOutcomeBounds = 1000;
/// The budget of the whole-space solve on a chip of one node, for a layer
/// that keeps its input or output on chip: the whole space with all of the
/// exact solver's bounds, and its bounds of children at most (AlexNet conv3
/// at batch 64 with its input on chip needs 10,000 to 20,000 with them,
/// 80,000 with the descent's).
constexpr int64_t kOneNodeWholeBudget = 5000;
constexpr int64_t kOneNodeWholeBounds = 100000;
/// On a chip of one node, a layer whose live dims' extents have at most
/// this many divisors multiplied together gets the same search, with at
/// most this many bounds of children (GoogLeNet
/// inception_5a_3x3_reduce's backward-data layer, 3,360 of them, needs
/// 20,000 to 40,000).
constexpr double kSmallSpaceFactorings = 4000;
constexpr int64_t kSmallSpaceWholeBounds = 40000;
/// Chips of at most this many nodes also get the neighbourhoods that free
/// node splits and loop orders.
constexpr int64_t kSmallChipNodes = 16;
/// On those chips, but for chips of at most kTinyChipNodes nodes, a layer
/// whose best schedule is still more than this factor above the exact
/// solver's bound at the root gets a last solve of everything but its REGF
/// tiles (step 9), with this budget and at most these bounds of children.
/// Chosen on the training steps of VGG-16 and GoogLeNet at batch 16 on
/// multi-node-4x4: about a tenth of their solves are that far above the
/// bound, and they hold the largest gains that the same solve gives when
/// every layer gets it.
constexpr double kFarFromRootBound = 1.09;
constexpr int64_t kFarFromRootBoundBudget = 1000;
constexpr int64_t kFarFromRootBoundBounds = 20000;

/// The indices of the (at most) `count` entries of `v` of smallest value
/// (`first`), smallest first, equal values in the order of `v`.
template <typename Entry>
std::vector<size_t> smallestFirst(llvm::ArrayRef<Entry> v, size_t count) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t(0));
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + count, order.end(),
                    [&](size_t a, size_t b) {
                      return std::make_pair(v[a].first, a) <
                             std::make_pair(v[b].first, b);
                    });
  order.resize(count);
  return order;
}

enum class Param { PeSplit, RegfTile, NodeSplit, GbufTile };
/// Rounds of one descent at most.
constexpr int kDescentRounds = 256;

/// Factors to try for a parameter whose span may grow from `span` to
/// `limit`: the prime factors of limit / span when it divides (no padding),
/// else the small primes; and always the factor that covers the rest in one
/// go (possibly with padding).
llvm::SmallVector<int64_t, 6> factors(int64_t span, int64_t limit,
                                      bool allDivisors = false) {
  llvm::SmallVector<int64_t, 6> f;
  int64_t room = ceilDiv(limit, span);
  if (room < 2)
    return f;
  if (limit % span == 0 && allDivisors) {
    // Every exact multiple: a tile can jump to the largest that still fits.
    // (Found by trial division up to the square root: extents of 2^36
    // and more answer at once.)
    for (int64_t d : search::divisors(limit / span))
      if (d > 1)
        f.push_back(d);
  } else if (limit % span == 0) {
    int64_t q = limit / span;
    for (int64_t p = 2; p * p <= q; ++p)
      if (q % p == 0) {
        f.push_back(p);
        while (q % p == 0)
          q /= p;
      }
    if (q > 1)
      f.push_back(q);
  } else {
    for (int64_t p : {2, 3, 5, 7})
      if (p < room)
        f.push_back(p);
  }
  if (!llvm::is_contained(f, room))
    f.push_back(room);
  return f;
}

/// The greedy descent over the parameters in `params`: each round applies
/// the single change that lowers the score most: multiplying a parameter by
/// a small prime (or by what covers the rest of its extent), or, with
/// `shrink`, dividing it by one of its prime factors or changing a loop
/// order.
void descend(Searcher &sr, LayerSchedule &s, llvm::ArrayRef<Param> params,
             const ArchDesc &a, bool real, double &cur, bool shrink = false) {
  const int64_t pes = sr.arch.numPEsPerNode();
  const int64_t nodes = sr.ctx.region.numNodes();
  auto valueOf = [](LayerSchedule &t, Param p, int i) -> int64_t & {
    switch (p) {
    case Param::PeSplit:
      return t.peSplit[i];
    case Param::RegfTile:
      return t.regfTile[i];
    case Param::NodeSplit:
      return t.nodeSplit[i];
    case Param::GbufTile:
      break;
    }
    return t.gbufTile[i];
  };
  // The descent is deterministic: from a point another descent of the same
  // mode passed, it follows that descent to its end.
  unsigned mode = (real ? 1u : 0u) << 5 | (shrink ? 1u : 0u) << 4;
  for (Param p : params)
    mode |= 1u << unsigned(p);
  llvm::SmallVector<Searcher::DescentKey, 16> path;
  for (int round = 0; round < kDescentRounds; ++round) {
    Searcher::DescentKey key = Searcher::descentKey(s, mode);
    if (auto it = sr.descents.find(key);
        it != sr.descents.end() &&
        round + it->second.rounds <= kDescentRounds) {
      const Searcher::DescentEnd end = it->second;
      for (size_t k = 0; k < path.size(); ++k)
        sr.descents[path[k]] = {end.schedule, end.value,
                                end.rounds + int(path.size() - k)};
      s = end.schedule;
      cur = end.value;
      return;
    }
    path.push_back(key);
    double bestV = cur;
    LayerSchedule bestS;
    auto consider = [&](LayerSchedule &t, int i, D d) {
      // Tiles never exceed what they tile.
      t.gbufTile[i] = std::min(t.gbufTile[i], sr.shape.extent(d));
      t.regfTile[i] = std::min(t.regfTile[i], t.gbufTile[i]);
      double v = sr.score(t, a, real);
      if (v < bestV) {
        bestV = v;
        bestS = t;
      }
    };
    for (Param p : params) {
      int64_t used = 1;
      for (D d : sr.dims)
        used *= p == Param::PeSplit    ? s.peSplit[int(d)]
                : p == Param::NodeSplit ? s.nodeSplit[int(d)]
                                        : 1;
      int64_t cap = p == Param::PeSplit ? pes : p == Param::NodeSplit ? nodes : 0;
      for (D d : sr.dims) {
        int i = int(d);
        bool regfSide = p == Param::PeSplit || p == Param::RegfTile;
        int64_t span = regfSide ? s.regfTile[i] * s.peSplit[i]
                                : s.gbufTile[i] * s.nodeSplit[i];
        int64_t limit = regfSide ? s.gbufTile[i] : sr.shape.extent(d);
        for (int64_t f : factors(span, limit, p == Param::GbufTile)) {
          if (cap && used * f > cap)
            continue;
          LayerSchedule t = s;
          valueOf(t, p, i) *= f;
          consider(t, i, d);
        }
        if (!shrink)
          continue;
        int64_t v = valueOf(s, p, i);
        for (int64_t f : {2, 3, 5, 7}) {
          if (v % f)
            continue;
          LayerSchedule t = s;
          valueOf(t, p, i) = v / f;
          consider(t, i, d);
        }
      }
    }
    // With the PEs or nodes all in use, or a buffer full, only trading a
    // factor between two dims changes a split or a tile.
    if (shrink)
      for (Param p : params) {
        for (D from : sr.dims) {
          int64_t v = valueOf(s, p, int(from));
          for (int64_t f : {2, 3, 5, 7}) {
            if (v % f)
              continue;
            for (D to : sr.dims) {
              if (to == from)
                continue;
              int i = int(to);
              bool regfSide = p == Param::PeSplit;
              int64_t span = regfSide ? s.regfTile[i] * s.peSplit[i]
                                      : s.gbufTile[i] * s.nodeSplit[i];
              int64_t limit = regfSide ? s.gbufTile[i] : sr.shape.extent(to);
              for (int64_t g : factors(span, limit)) {
                if (g > f)
                  continue; // the freed PEs or nodes must suffice
                LayerSchedule t = s;
                valueOf(t, p, int(from)) = v / f;
                valueOf(t, p, i) *= g;
                consider(t, i, to);
              }
            }
          }
        }
      }
    // Buffer sharing of each replicated read-only tensor, on or off.
    if (sr.opts.bufferSharing &&
        (llvm::is_contained(params, Param::NodeSplit) ||
         llvm::is_contained(params, Param::GbufTile)))
      for (int k = 0; k < kNumTensors; ++k) {
        TensorKind t = TensorKind(k);
        if (tensorDims(sr.shape.kind, t).empty() ||
            isReadWrite(sr.shape.pass, t) ||
            nodeReplication(sr.shape, s, t) == 1)
          continue;
        LayerSchedule u = s;
        u.share[k] = !u.share[k];
        double v = sr.score(u, a, real);
        if (v < bestV) {
          bestV = v;
          bestS = u;
        }
      }
    if (shrink)
      for (const auto &o : kOrders) {
        LayerSchedule t = s;
        t.regfOrder = o;
        double v = sr.score(t, a, real);
        if (v < bestV) {
          bestV = v;
          bestS = t;
        }
        t = s;
        t.gbufOrder = o;
        v = sr.score(t, a, real);
        if (v < bestV) {
          bestV = v;
          bestS = t;
        }
      }
    // At a local optimum of the moves above, a wider neighbourhood: spatial
    // for temporal. A factor of a dim's split becomes a factor of its tile
    // (or back), possibly while another dim's split takes the freed PEs or
    // nodes and gives up as much of its tile. The spans stay; only which
    // part runs in space changes.
    if (shrink && !(bestV < cur))
      for (bool regfSide : {true, false}) {
        Param split = regfSide ? Param::PeSplit : Param::NodeSplit;
        Param tile = regfSide ? Param::RegfTile : Param::GbufTile;
        if (!llvm::is_contained(params, split) ||
            !llvm::is_contained(params, tile))
          continue;
        for (D a : sr.dims)
          for (int64_t f : {2, 3, 5, 7}) {
            int ia = int(a);
            if (valueOf(s, split, ia) % f == 0) {
              // a: split / f, tile * f.
              LayerSchedule t = s;
              valueOf(t, split, ia) /= f;
              valueOf(t, tile, ia) *= f;
              consider(t, ia, a);
              for (D b : sr.dims) {
                int ib = int(b);
                if (b == a || valueOf(s, tile, ib) % f)
                  continue;
                // ... and b: split * f, tile / f.
                LayerSchedule u = t;
                valueOf(u, split, ib) *= f;
                valueOf(u, tile, ib) /= f;
                consider(u, ib, b);
              }
            }
            if (valueOf(s, tile, ia) % f == 0) {
              // a: split * f, tile / f, if the PEs or nodes allow.
              LayerSchedule t = s;
              valueOf(t, split, ia) *= f;
              valueOf(t, tile, ia) /= f;
              int64_t used = 1;
              for (D d : sr.dims)
                used *= valueOf(t, split, int(d));
              if (used <= (regfSide ? pes : nodes))
                consider(t, ia, a);
            }
          }
      }
    if (!(bestV < cur)) {
      // Converged: every point passed leads here.
      for (size_t k = 0; k < path.size(); ++k)
        sr.descents[path[k]] = {s, cur, int(path.size() - 1 - k)};
      return;
    }
    cur = bestV;
    s = bestS;
  }
}

/// The template's unit as a starting point.
LayerSchedule startingPoint(const ArchDesc &arch, const LayerDesc &l) {
  LayerSchedule s;
  s.regfTile.fill(1);
  s.peSplit.fill(1);
  s.nodeSplit.fill(1);
  std::array<int64_t, kNumDims> e = layerExtents(l);
  s.gbufTile = e;
  PEUnit unit = makePEUnit(arch, l, e);
  for (const TensorDirective &td : unit.regf.tensors)
    for (const DimAmount &da : td.sizes)
      s.regfTile[int(da.dim)] = da.amount;
  for (const StackDirective &st : unit.regf.stacks)
    s.peSplit[int(st.shifts.front().dim)] *= st.repl;
  normalise(l, s);
  return s;
}
} // namespace

LayerSolution solveLayerKapla(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx,
                              const SolveOptions &opts) {
  Searcher sr(arch, layer, ctx, opts);
  // REGF decisions first, on a chip whose GBUF holds the whole layer on one
  // node, so that the REGF-level counts are comparable.
  ArchDesc roomy = arch;
  roomy.gbufBytes = int64_t(1) << 40;
  LayerContext one = ctx;
  const LayerDesc &shape = sr.shape;
  LayerSchedule base = startingPoint(arch, shape);
  // REGF outcomes taken through the GBUF phase (with their REGF order):
  // different REGF orders often lead to the same tiles and splits, taken
  // once (the polish tries every order again at the end).
  llvm::SmallVector<LayerSchedule, 7> regfOutcomes;
  std::optional<LayerSchedule> exactRegf;
  auto isNewRegfLevel = [&](const LayerSchedule &s) {
    return llvm::none_of(regfOutcomes, [&](const LayerSchedule &r) {
      return r.regfTile == s.regfTile && r.peSplit == s.peSplit;
    });
  };
  auto addOutcome = [&](const LayerSchedule &s) {
    if (isNewRegfLevel(s))
      regfOutcomes.push_back(s);
  };
  {
    // The descents of `params` in turn on the roomy chip from `s` in REGF
    // order `ro`: `s` becomes where they end, and the value is returned.
    auto roomyDescent = [&](LayerSchedule &s, const std::array<uint8_t, 3> &ro,
                            llvm::ArrayRef<Param> params) {
      s.regfOrder = ro;
      Searcher local(roomy, layer, one, opts);
      double cur = local.score(s, roomy, false);
      if (std::isfinite(cur))
        for (Param p : params)
          descend(local, s, {p}, roomy, false, cur);
      sr.evaluations += local.evaluations;
      return cur;
    };
    LayerSchedule bestRoomy;
    double bestRoomyValue = INFINITY;
    for (const auto &ro : kOrders) {
      LayerSchedule s = base;
      double cur = roomyDescent(s, ro, {Param::PeSplit, Param::RegfTile});
      if (!std::isfinite(cur))
        continue;
      addOutcome(s);
      if (cur < bestRoomyValue) {
        bestRoomyValue = cur;
        bestRoomy = s;
      }
    }
    // On chips of many nodes, one more start: a weight-stationary unit (the
    // whole filter window per PE, input channels over the PE rows and
    // output channels over the columns, as far as they divide), its REGF
    // tiles grown by the descent in every REGF order; the best is one more
    // outcome. The descents from the template's unit do not reach it, and
    // on the roomy chip it can be better than all of theirs (VGG-16 conv4
    // at batch 64 in its segment on 16x16 nodes: 2 output channels x the
    // 3x3 filter per PE over C 8 x K 8 PEs, 1.055 above the optimum
    // without it, at it with it).
    if (arch.numNodes() > kSmallChipNodes && opts.effort == Effort::Full) {
      LayerSchedule ws = base;
      ws.regfTile.fill(1);
      ws.peSplit.fill(1);
      auto has = [&](D d) { return llvm::is_contained(sr.dims, d); };
      auto largestDivisor = [](int64_t e, int64_t most) {
        std::vector<int64_t> d = search::divisors(e);
        return *std::prev(std::upper_bound(d.begin(), d.end(), most));
      };
      for (D d : {D::R, D::S})
        if (has(d))
          ws.regfTile[int(d)] = shape.extent(d);
      if (has(D::C))
        ws.peSplit[int(D::C)] = largestDivisor(shape.extent(D::C), arch.peRows);
      if (has(D::K))
        ws.peSplit[int(D::K)] = largestDivisor(shape.extent(D::K), arch.peCols);
      normalise(shape, ws);
      LayerSchedule bestWs;
      double bestWsValue = INFINITY;
      for (const auto &ro : kOrders) {
        LayerSchedule s = ws;
        double cur = roomyDescent(s, ro, {Param::RegfTile});
        if (cur < bestWsValue) {
          bestWsValue = cur;
          bestWs = s;
        }
      }
      if (std::isfinite(bestWsValue))
        addOutcome(bestWs);
    }
    // One-factor moves reach a REGF level whose PE spread is near the
    // template's; the best REGF level of the roomy chip, solved exactly
    // by branch and bound from the best descent (every PE spread, REGF
    // tile and REGF order at once), is one more outcome, taken at the end
    // of the final solves (GoogLeNet inception_4e_3x3_reduce in its
    // segment on 4x4 nodes: 5 output channels x 2x2 pixels per PE over
    // N 4 x K 16, where the descents end at 2 channels x 7 rows over
    // N 2 x C 3 x K 10).
    if (std::isfinite(bestRoomyValue) && opts.effort == Effort::Full) {
      search::Neighbourhood regfLevel;
      for (D d : sr.dims)
        regfLevel.free.insert(d);
      regfLevel.keepGbufLevel = true;
      regfLevel.keepRegfOrder = false;
      if (search::exactNeighbourhood(roomy, layer, one, opts, bestRoomy,
                                     regfLevel, bestRoomyValue,
                                     kRoomyRegfBudget, sr.evaluations))
        exactRegf = bestRoomy;
    }
  }
  // The GBUF phase (step 3) from one REGF outcome.
  auto gbufPhase = [&](LayerSchedule s) {
    // GBUF decisions on the real chip, from the smallest GBUF tile, for
    // every order of the GBUF loops.
    for (int d = 0; d < kNumDims; ++d)
      s.gbufTile[d] = std::min(shape.extent(Dim(d)), s.regfTile[d] * s.peSplit[d]);
    normalise(shape, s);
    // Several starts for the node split: none, or all of a region's nodes
    // (as far as the extent allows) on one dim, or the most nodes that
    // divide the dim exactly (15 of 16 nodes for 1500 channels); the
    // descent refines each.
    llvm::SmallVector<LayerSchedule, 16> starts{s};
    for (D d : sr.dims) {
      int i = int(d);
      int64_t m = ceilDiv(shape.extent(d), s.gbufTile[i]);
      int64_t n = std::min(ctx.region.numNodes(), m);
      int64_t exact = n;
      while (exact > 1 && m % exact != 0)
        --exact;
      if (n > 1) {
        LayerSchedule t = s;
        t.nodeSplit[i] = n;
        starts.push_back(t);
      }
      if (exact > 1 && exact != n) {
        LayerSchedule t = s;
        t.nodeSplit[i] = exact;
        starts.push_back(t);
      }
    }
    // Node split and GBUF tiles from every start and GBUF order; the
    // costlier polish only from the best 12 of those.
    llvm::SmallVector<std::pair<double, LayerSchedule>, 48> grown;
    for (const LayerSchedule &start : starts)
      for (const auto &go : kOrders) {
        LayerSchedule g = start;
        g.gbufOrder = go;
        double v = sr.score(g, arch, true);
        if (!std::isfinite(v))
          continue;
        descend(sr, g, {Param::NodeSplit}, arch, true, v);
        descend(sr, g, {Param::GbufTile}, arch, true, v);
        grown.push_back({v, g});
      }
    for (size_t k : smallestFirst(llvm::ArrayRef(grown), 12)) {
      LayerSchedule g = grown[k].second;
      double v = grown[k].first;
      descend(sr, g,
              {Param::PeSplit, Param::RegfTile, Param::NodeSplit,
               Param::GbufTile},
              arch, true, v, /*shrink=*/true);
    }
  };
  for (const LayerSchedule &s : regfOutcomes)
    gbufPhase(s);
  // Multi-start: the descent moves one factor at a time, and leaving its
  // basin can need several to change at once (a different spread of the PE
  // array, say). Points sampled from the whole space (a fixed, per-layer
  // seed), the best few polished by the same descent, widen the search.
  {
    Space space(sr);
    uint64_t seed = opts.seed;
    for (int64_t v : {int64_t(layer.kind), int64_t(layer.pass), layer.n,
                      layer.c, layer.k, layer.ho, layer.wo, layer.r, layer.s})
      seed = seed * 0x9E3779B97F4A7C15ull + uint64_t(v);
    std::mt19937_64 rng(seed);
    std::vector<size_t> pick(space.choices.size(), 0);
    llvm::SmallVector<std::pair<double, LayerSchedule>, 16> sampled;
    // Each sample chooses the dims in a random order, each uniformly among
    // its choices, redrawing a choice whose tiles (with the dims chosen so
    // far) overflow a buffer or whose splits exceed the PEs or nodes; after
    // a few redraws the dim keeps a tile of 1. Most samples then fit.
    const int64_t regfCap = arch.regfWords();
    const int64_t gbufCap = arch.gbufWords() - ctx.gbufReserved;
    const int64_t pes = arch.numPEsPerNode(), nodes = ctx.region.numNodes();
    std::vector<size_t> dimOrder(pick.size());
    for (size_t k = 0; k < dimOrder.size(); ++k)
      dimOrder[k] = k;
    const int samples =
        opts.effort == Effort::Quick ? kStartSamples / 2 : kStartSamples;
    for (int n = 0; n < samples; ++n) {
      LayerSchedule &t0 = space.schedule;
      for (size_t k = 0; k < pick.size(); ++k) {
        int i = int(sr.dims[k]);
        t0.regfTile[i] = t0.peSplit[i] = t0.gbufTile[i] = t0.nodeSplit[i] = 1;
      }
      std::shuffle(dimOrder.begin(), dimOrder.end(), rng);
      int64_t usedPes = 1, usedNodes = 1;
      for (size_t k : dimOrder) {
        int i = int(sr.dims[k]);
        const auto &cs = space.choices[k];
        for (int attempt = 0; attempt < 8; ++attempt) {
          const DimChoice &c =
              cs[std::uniform_int_distribution<size_t>(0, cs.size() - 1)(rng)];
          if (usedPes * c.ps > pes || usedNodes * c.ns > nodes)
            continue;
          t0.regfTile[i] = c.rt;
          t0.gbufTile[i] = c.gt;
          if (levelWords(shape, t0.regfTile) > regfCap ||
              levelWords(shape, t0.gbufTile) > gbufCap) {
            t0.regfTile[i] = t0.gbufTile[i] = 1;
            continue;
          }
          t0.peSplit[i] = c.ps;
          t0.nodeSplit[i] = c.ns;
          usedPes *= c.ps;
          usedNodes *= c.ns;
          break;
        }
      }
      LayerSchedule t = space.schedule;
      t.regfOrder = kOrders[rng() % 6];
      t.gbufOrder = kOrders[rng() % 6];
      // Sampled node splits are scored with sharing: a split that
      // replicates a tensor then costs its rotation, not its copies (the
      // descent may turn sharing off).
      t.share.fill(opts.bufferSharing);
      double v = sr.score(t, arch, true);
      if (std::isfinite(v))
        sampled.push_back({v, t});
    }
    for (size_t k : smallestFirst(llvm::ArrayRef(sampled), kPolishedStarts)) {
      LayerSchedule t = sampled[k].second;
      double v = sampled[k].first;
      descend(sr, t,
              {Param::PeSplit, Param::RegfTile, Param::NodeSplit,
               Param::GbufTile},
              arch, true, v, /*shrink=*/true);
    }
  }

  // Iterated local search: knock one factor out of the best schedule and
  // descend again (up to kLocalSearchRounds rounds, while that finds
  // something better; the large neighbourhoods below do the rest).
  auto iteratedLocalSearch = [&] {
    for (int iter = 0; iter < kLocalSearchRounds && sr.best.found; ++iter) {
      double before = sr.bestValue;
      LayerSchedule base = sr.best.schedule;
      for (Param p : {Param::PeSplit, Param::RegfTile, Param::NodeSplit,
                      Param::GbufTile})
        for (D d : sr.dims) {
          int i = int(d);
          int64_t &v = p == Param::PeSplit    ? base.peSplit[i]
                       : p == Param::RegfTile ? base.regfTile[i]
                       : p == Param::NodeSplit ? base.nodeSplit[i]
                                               : base.gbufTile[i];
          for (int64_t f : {2, 3, 5, 7}) {
            if (v % f)
              continue;
            LayerSchedule t = base;
            int64_t &tv = p == Param::PeSplit    ? t.peSplit[i]
                          : p == Param::RegfTile ? t.regfTile[i]
                          : p == Param::NodeSplit ? t.nodeSplit[i]
                                                  : t.gbufTile[i];
            tv /= f;
            t.regfTile[i] = std::min(t.regfTile[i], t.gbufTile[i]);
            double cur = sr.score(t, arch, true);
            if (!std::isfinite(cur))
              continue;
            descend(sr, t,
                    {Param::PeSplit, Param::RegfTile, Param::NodeSplit,
                     Param::GbufTile},
                    arch, true, cur, /*shrink=*/true);
          }
        }
      if (!(sr.bestValue < before))
        break;
    }
  };
  iteratedLocalSearch();

  // The REGF phase chose the PE spread on a chip whose GBUF holds the whole
  // layer, where GBUF traffic does not count; with the GBUF level now
  // chosen, plan the PE spread and the REGF tiles again under it, from the
  // template's unit, for every REGF order; a better schedule found so gets
  // its own local search (after the one above, so that the result is never
  // worse than without this step).
  if (sr.best.found) {
    const double before = sr.bestValue;
    const LayerSchedule chosen = sr.best.schedule;
    for (const auto &ro : kOrders) {
      LayerSchedule t = chosen;
      t.regfOrder = ro;
      for (D d : sr.dims) {
        int i = int(d);
        t.regfTile[i] = std::min(base.regfTile[i], t.gbufTile[i]);
        t.peSplit[i] = 1;
      }
      double v = sr.score(t, arch, true);
      if (!std::isfinite(v))
        continue;
      descend(sr, t, {Param::PeSplit}, arch, true, v);
      descend(sr, t, {Param::RegfTile}, arch, true, v);
      descend(sr, t,
              {Param::PeSplit, Param::RegfTile, Param::NodeSplit,
               Param::GbufTile},
              arch, true, v, /*shrink=*/true);
    }
    if (sr.bestValue < before)
      iteratedLocalSearch();
  }

  // Large neighbourhoods: parts of the best schedule re-solved exactly by
  // the exact solver's branch and bound (a few hundred nodes each), where
  // one-factor moves cannot lead: the REGF level under the chosen GBUF
  // level (PE spread, REGF tiles, REGF order at once), then every three
  // dims together (their tiles and PE splits) under the node split and
  // loop orders, and on small chips every three dims with their node
  // splits and both orders. Each improvement gets its own descent.
  if (sr.best.found) {
    llvm::SmallVector<D, 7> live;
    DimSet all;
    for (D d : sr.dims)
      if (shape.extent(d) > 1) {
        live.push_back(d);
        all.insert(d);
      }
    llvm::SmallVector<std::pair<search::Neighbourhood, int64_t>, 72> hoods;
    search::Neighbourhood regf;
    regf.free = all;
    regf.keepGbufLevel = true;
    regf.keepRegfOrder = false;
    hoods.push_back({regf, kRegfNeighbourhoodBudget});
    // Every set of three live dims (all of them when fewer), from `like`.
    auto addTriples = [&](const search::Neighbourhood &like) {
      const unsigned n = unsigned(live.size());
      const unsigned size = std::min(3u, n);
      for (unsigned mask = 1; mask < (1u << n); ++mask) {
        if (unsigned(llvm::popcount(mask)) != size)
          continue;
        search::Neighbourhood h = like;
        for (unsigned k = 0; k < n; ++k)
          if (mask & (1u << k))
            h.free.insert(live[k]);
        hoods.push_back({h, arch.numNodes() <= kSmallChipNodes
                                ? kSmallChipDimsNeighbourhoodBudget
                                : kDimsNeighbourhoodBudget});
      }
    };
    addTriples(search::Neighbourhood());
    // On a chip of a few nodes the node splits have few choices: every
    // three dims again with their node splits and both loop orders free
    // (not at quick effort: they take half a layer's solve time there).
    if (arch.numNodes() <= kSmallChipNodes && opts.effort == Effort::Full) {
      search::Neighbourhood free;
      free.keepNodeSplit = free.keepRegfOrder = free.keepGbufOrder = false;
      addTriples(free);
    }
    // The best point of `hood` around `start` that beats the best schedule
    // so far, polished as in step 4; whether there was one.
    auto improveIn = [&](LayerSchedule start, const search::Neighbourhood &hood,
                         int64_t budget) {
      double v = objectiveValue(opts.objective, sr.best.cost.cost);
      if (!search::exactNeighbourhood(arch, layer, ctx, opts, start, hood, v,
                                      budget, sr.evaluations))
        return false;
      double cur = sr.score(start, arch, true);
      descend(
          sr, start,
          {Param::PeSplit, Param::RegfTile, Param::NodeSplit, Param::GbufTile},
          arch, true, cur, /*shrink=*/true);
      return true;
    };
    for (const auto &[hood, budget] : hoods)
      improveIn(sr.best.schedule, hood, budget);

    // Final solves (docs/Solver.md, step 9), after every other step so that
    // they can only improve on them. First the REGF level under the final
    // GBUF level with a larger budget.
    improveIn(sr.best.schedule, regf, kFinalRegfBudget);
    // Then the GBUF level under the final REGF level (every dim's GBUF tile
    // and node split, the GBUF order and the sharing) and, when that finds
    // a better one, the REGF level again under it, in turn while the GBUF
    // level improves.
    search::Neighbourhood gbuf;
    gbuf.free = all;
    gbuf.keepNodeSplit = false;
    gbuf.keepRegfLevel = true;
    gbuf.keepGbufOrder = false;
    // On chips of more than kSmallChipNodes nodes, whose many node splits
    // the descent's cheaper bounds leave mostly open within a budget, with
    // the exact solver's own bounds: they complete the solve under a REGF
    // level in a few thousand evaluations. ResNet-50 conv5_br.bwd_weight
    // alone on 16x16 nodes at batch 64 ended 1.073 above its optimum with
    // the descent's bounds and a budget of 300; under the weight-stationary
    // REGF outcome, 4 x 4 channels per PE over C 8 x K 8, this solve now
    // puts the nodes over C 4 x Ho 7 x Wo 7 with GBUF tiles of 64 samples
    // x 128 x 32 channels (1.005). VGG-16 conv2.bwd_data in its segment
    // there needs the bounds: with the descent's it stays 1.053 above its
    // optimum with 3,000 too (1.025 with them).
    gbuf.fullBounds = arch.numNodes() > kSmallChipNodes;
    const int64_t gbufBudget = kFinalRegfBudget;
    auto alternateLevels = [&] {
      for (int round = 0; round < kGbufRegfRounds; ++round) {
        if (!improveIn(sr.best.schedule, gbuf, gbufBudget))
          break;
        improveIn(sr.best.schedule, regf, kFinalRegfBudget);
      }
    };
    alternateLevels();
    // The best schedule with the REGF level (REGF tiles, PE spread, REGF
    // order) of REGF outcome `r`; none when it already has it.
    auto withRegfLevel =
        [&](const LayerSchedule &r) -> std::optional<LayerSchedule> {
      LayerSchedule t = sr.best.schedule;
      if (t.regfTile == r.regfTile && t.peSplit == r.peSplit &&
          t.regfOrder == r.regfOrder)
        return std::nullopt;
      t.regfTile = r.regfTile;
      t.peSplit = r.peSplit;
      t.regfOrder = r.regfOrder;
      return t;
    };
    // The same with a PE split that pads (8 PEs over 14 rows, as the REGF
    // phase's descent reaches with the factor 2 three times) lowered to the
    // largest that divides what the REGF tile leaves of the extent: the
    // exact solves keep a REGF level only when it divides each extent
    // (their space has no padding). None when a REGF tile pads.
    auto withExactRegfLevel =
        [&](const LayerSchedule &r) -> std::optional<LayerSchedule> {
      std::optional<LayerSchedule> t = withRegfLevel(r);
      if (!t)
        return t;
      for (D d : live) {
        int i = int(d);
        int64_t e = shape.extent(d);
        if (e % t->regfTile[i] != 0)
          return std::nullopt;
        while ((e / t->regfTile[i]) % t->peSplit[i] != 0)
          --t->peSplit[i];
      }
      return t;
    };
    // A layer of at most three live dims (a fully connected layer) on a
    // chip of a few nodes has a small space: the whole of it, searched with
    // a budget that usually completes it. One-factor moves cannot trade a
    // PE spread for a GBUF tile and a node split at once (MLP-L fc2 at
    // batch 64 on 4x4 nodes: PEs N 8 x K 8 under 15 nodes over C).
    // The same for a schedule that pads a dim: the neighbourhoods above
    // keep their kept dims' factorisations exact, so none of them could
    // start from it (AlexNet conv1's backward-weight layer at batch 64 on
    // 4x4 nodes: 7 nodes over 55 rows and 4 PEs over 11 filter rows).
    bool padded = llvm::any_of(
        live, [&](D d) { return !factorsExactly(shape, sr.best.schedule, d); });
    search::Neighbourhood whole;
    whole.free = all;
    whole.keepNodeSplit = whole.keepRegfOrder = whole.keepGbufOrder = false;
    whole.fullBounds = true;
    const bool searchedWhole = (live.size() <= 3 || padded) &&
                               arch.numNodes() <= kSmallChipNodes &&
                               opts.effort == Effort::Full;
    if (searchedWhole)
      improveIn(sr.best.schedule, whole, kSmallSpaceBudget);
    // Last, the GBUF level solved exactly under each REGF level of the
    // REGF phase (step 2), which the greedy GBUF descent of step 3 may have
    // left far from its best, then the REGF level under the GBUF level
    // found. A REGF level that pads gets the PE split that divides instead
    // (ResNet-50 conv4_0_b in its training step on 2x2 nodes, input on
    // chip: every REGF outcome spreads 8 PEs over the 14 output rows; with
    // 7, the GBUF level under 2 output channels x 7 columns x the 3 filter
    // columns per PE and then the REGF level under it reach the optimum,
    // where kapla ended 1.056 above it). Not on larger chips: on
    // multi-node-16x16 at batch 64 it lowers the zoo's energy by 0.2% for
    // about 1.2 times its solve time.
    for (const LayerSchedule &r : regfOutcomes)
      if (std::optional<LayerSchedule> t = arch.numNodes() <= kSmallChipNodes
                                               ? withExactRegfLevel(r)
                                               : withRegfLevel(r))
        if (improveIn(*t, gbuf, gbufBudget))
          improveIn(sr.best.schedule, regf, kFinalRegfBudget);
    // Everything but the REGF tiles and the REGF order (the moves below).
    search::Neighbourhood spread;
    spread.free = all;
    spread.keepNodeSplit = spread.keepGbufOrder = false;
    spread.keepRegfTile = true;
    spread.fullBounds = true;
    spread.boundBudget = kRoomyRegfTileBounds;
    // Then the REGF level of the roomy chip solved exactly (step 2), when
    // no descent reached it: the GBUF phase from it, the GBUF level solved
    // exactly under it, and the REGF level under the best GBUF level so
    // found. Last, so that it can only improve on every other step (taken
    // earlier, its outcomes lead the neighbourhoods elsewhere, sometimes to
    // worse schedules: AlexNet conv1 on 2x2 nodes 3% worse).
    if (exactRegf && isNewRegfLevel(*exactRegf)) {
      const double before = sr.bestValue;
      gbufPhase(*exactRegf);
      LayerSchedule t = sr.best.schedule;
      t.regfTile = exactRegf->regfTile;
      t.peSplit = exactRegf->peSplit;
      t.regfOrder = exactRegf->regfOrder;
      if (improveIn(t, gbuf, gbufBudget) || sr.bestValue < before)
        improveIn(sr.best.schedule, regf, kFinalRegfBudget);
      // Its REGF tiles are often the optimum's while its PE spread, chosen
      // without GBUF traffic, is not: on chips of a few nodes, everything
      // but the REGF tiles and the REGF order solved at once, with the
      // exact solver's own bounds (a 1x1 backward-data layer of MobileNet
      // on 2x2 nodes at batch 64: the PEs over C 8 x Wo 7 instead of
      // N 8 x C 8, under GBUF tiles of 4 samples x 32 output channels and
      // 4 nodes over C; 1.063 to the optimum). On more nodes the search
      // takes much longer for little.
      if (arch.numNodes() <= kTinyChipNodes)
        improveIn(t, spread, kRoomyRegfTileBudget);
    }
    // Last, on chips of a few nodes, a layer whose rows and columns are
    // alike (as many output rows as columns, a square filter, the same
    // stride and dilation): the best schedule's REGF tiles mirrored (rows
    // for columns, filter rows for filter columns) and everything else
    // solved under them, the REGF order too. The PE templates are not
    // symmetric (row-stationary puts filter rows on PE rows), and the
    // descent may end in the mirror image of the optimum's basin (AlexNet
    // conv2's backward-data layer at batch 16 alone on 2x2 nodes: 9 output
    // rows of one filter row per PE, the PEs over N 2 x C 2 x Wo 3 x S 5,
    // where the optimum holds 9 columns of one filter column per PE over
    // Ho 9 x R 5 PEs; 1.075 to the optimum).
    const bool square = shape.ho == shape.wo && shape.r == shape.s &&
                        shape.sy == shape.sx && shape.dy == shape.dx;
    if (square && arch.numNodes() <= kTinyChipNodes &&
        opts.effort == Effort::Full) {
      auto mirrored = [](std::array<int64_t, kNumDims> tile) {
        std::swap(tile[int(D::Ho)], tile[int(D::Wo)]);
        std::swap(tile[int(D::R)], tile[int(D::S)]);
        return tile;
      };
      // The best schedule's REGF tiles mirrored, everything else solved
      // under them; when the tiles are their own mirror image, on chips of
      // more than one node, under the best schedule's own tiles, with the
      // bounds of the solve under the roomy REGF tiles (on one node it
      // lowered no run of the zoo; GoogLeNet inception_4e_3x3's
      // backward-weight layer at batch 16 alone on 2x2 nodes: 2 output
      // channels x the 3x3 filter per PE, the PEs over C 5 x K 10 and the
      // nodes over K, 1.061 to the optimum, which keeps those tiles over
      // C 4 x K 16 PEs and 4 nodes over C).
      LayerSchedule t = sr.best.schedule;
      t.regfTile = mirrored(t.regfTile);
      search::Neighbourhood mirror = spread;
      mirror.keepRegfOrder = false;
      const bool own = t.regfTile == sr.best.schedule.regfTile;
      mirror.boundBudget = own ? kRoomyRegfTileBounds : kMirroredBounds;
      if (!own || arch.numNodes() > 1)
        improveIn(t, mirror, kRoomyRegfTileBudget);
      // Then each REGF level of the REGF phase (step 2) that is not its own
      // mirror image, mirrored (its REGF tiles and PE spread), its PE spread
      // and REGF order solved under it and the best GBUF level (AlexNet
      // conv4's backward-data layer at batch 16 alone on a 32x32 systolic
      // node: the descent ends with 2 input x 3 output channels x 3 filter
      // columns per PE over C 16 x K 64, 1.109 to the optimum, which holds
      // 13 output columns of the 3 filter columns per PE over
      // C 24 x Ho 13 x R 3 PEs; step 2 reaches the mirror image of those
      // tiles, 13 rows of the 3 filter rows per PE).
      search::Neighbourhood peLevel = mirror;
      peLevel.keepGbufLevel = true;
      peLevel.keepNodeSplit = peLevel.keepGbufOrder = true;
      peLevel.boundBudget = kMirroredOutcomeBounds;
      llvm::SmallVector<std::array<int64_t, kNumDims>, 8> tried{
          sr.best.schedule.regfTile, t.regfTile};
      for (const LayerSchedule &r : regfOutcomes) {
        std::array<int64_t, kNumDims> tile = mirrored(r.regfTile);
        if (tile == r.regfTile || llvm::is_contained(tried, tile))
          continue;
        tried.push_back(tile);
        LayerSchedule u = sr.best.schedule;
        u.regfTile = tile;
        u.peSplit = mirrored(r.peSplit);
        normalise(shape, u);
        improveIn(u, peLevel, kRoomyRegfTileBudget);
      }
    }
    // Then, on a chip of one node, a layer of a segment that keeps its
    // input or output on chip: the whole space from the best schedule, with
    // the exact solver's own bounds and a budget. There the optimum can use
    // few PEs under a GBUF tile unlike any the descent reaches, every level
    // changed at once (AlexNet conv3 at batch 64 with its input on chip: 2
    // output channels x the 3x3 filter per PE over C 4 x K 3 PEs, 12 of
    // 64, where kapla held 13 output rows per PE over K 8; 1.058 to the
    // optimum). Alone on the chip the descent finds these layers' optimum,
    // and the search costs about twice a layer's descent. With all of the
    // exact solver's bounds, which cut more of the space than the
    // descent's: GoogLeNet inception_3a_5x5 (16 to 32 channels, 28x28,
    // 5x5) at batch 16 on a 32x32 systolic node with its input on chip
    // needs 10,000 bounds of children with them to reach its optimum (4
    // output channels x the 5 filter columns per PE over C 16 x K 8 x R 5
    // PEs), more than 400,000 without (1.062 above it).
    if (arch.numNodes() == 1 && (ctx.inputOnChip || ctx.outputOnChip) &&
        opts.effort == Effort::Full) {
      search::Neighbourhood bounded = whole;
      bounded.boundBudget = kOneNodeWholeBounds;
      bounded.exactBounds = true;
      improveIn(sr.best.schedule, bounded, kOneNodeWholeBudget);
    } else if (arch.numNodes() == 1 && !searchedWhole &&
               opts.effort == Effort::Full) {
      // Also for a layer of a small space (a few factors per dim: the 1x1
      // convolutions of 7x7 pixels at the end of GoogLeNet and ResNet-50),
      // where the search is cheap and the optimum can change the GBUF tile
      // and the PE spread at once (GoogLeNet inception_5a_3x3_reduce's
      // backward-data layer: N 2 x C 2 x K 160 x all 7x7 pixels in the
      // GBUF and the PEs over K 20, where kapla held one pixel of
      // N 16 x C 64 x K 160 and the PEs over N 4 x C 16; 1.070).
      double space = 1;
      for (D d : live)
        space *= double(search::divisors(shape.extent(d)).size());
      if (space <= kSmallSpaceFactorings) {
        search::Neighbourhood bounded = whole;
        bounded.boundBudget = kSmallSpaceWholeBounds;
        improveIn(sr.best.schedule, bounded, kOneNodeWholeBudget);
      }
    }
    // Last, on chips of at most 16 nodes: under each REGF level of the REGF
    // phase (step 2), the best GBUF level, whether or not it beats the best
    // schedule, then the REGF level solved under that GBUF level and the two
    // levels in turn while they improve. The REGF phase chooses its levels
    // without the real GBUF; the optimum's REGF level can be none of them
    // and yet lie next to the GBUF level one of them leads to (GoogLeNet
    // inception_5b_1x1's backward-data layer at batch 16 on 4x4 nodes:
    // K 3 x Wo 7 per PE over N 2 x K 32 PEs on all 16
    // nodes, N 2 x C 2 x K 4; kapla held N 4 x C 4 per PE over 56 PEs of
    // 14 nodes, 1.066 to the optimum).
    if (arch.numNodes() <= kSmallChipNodes && opts.effort == Effort::Full) {
      for (const LayerSchedule &r : regfOutcomes) {
        std::optional<LayerSchedule> t = withRegfLevel(r);
        double v = INFINITY;
        if (t &&
            search::exactNeighbourhood(arch, layer, ctx, opts, *t, gbuf, v,
                                       gbufBudget, sr.evaluations) &&
            improveIn(*t, regf, kFinalRegfBudget))
          alternateLevels();
      }
    }
    // Last, on chips of 5 to 16 nodes, a layer whose best schedule is
    // still far above the exact solver's bound at the root: everything but
    // its REGF tiles solved under them, the REGF order too. The REGF phase
    // often finds the optimum's REGF tiles when the spread over PEs and
    // nodes, the GBUF tiles and both orders that go with them lie in
    // another basin (VGG-16 conv11.bwd_data to conv13.bwd_data at batch 16
    // alone on 4x4 nodes: both keep 2 channels x 7 rows x the 3 filter rows
    // per PE, but the optimum spreads the PEs over N 2 x C 8 x Ho 2 x Wo 2
    // and the nodes over N 2 x C 8 where kapla spread N 8 x C 4 x Ho 2 and
    // N 2 x K 4 x Wo 2, 1.059 above it). Smaller chips have the solves
    // under the roomy and the mirrored REGF tiles above; there this one
    // cost up to 1.5 times the solve time for little.
    if (arch.numNodes() > kTinyChipNodes &&
        arch.numNodes() <= kSmallChipNodes && opts.effort == Effort::Full) {
      double root = exactLowerBound(arch, layer, ctx, opts.objective,
                                    LayerSchedule(), 0);
      if (objectiveValue(opts.objective, sr.best.cost.cost) >
          kFarFromRootBound * root) {
        search::Neighbourhood far = spread;
        far.keepRegfOrder = false;
        far.boundBudget = kFarFromRootBoundBounds;
        improveIn(sr.best.schedule, far, kFarFromRootBoundBudget);
      }
    }
  }

  if (!sr.best.found) {
    SolveOptions ex = opts;
    if (ex.budget == 0)
      ex.budget = 200000;
    LayerSolution fallback = solveLayerExhaustive(arch, layer, ctx, ex);
    fallback.evaluations += sr.evaluations;
    return fallback;
  }
  return sr.finish();
}

namespace {
/// The exhaustive walk: every combination of per-dim choices whose PEs,
/// nodes and buffer capacities hold (a partial combination that already
/// overflows is cut with everything below it: no completion can fit), and
/// every order pair that gives a different loop nest.
class ExhaustiveWalk {
public:
  ExhaustiveWalk(Searcher &sr, Space &space, const SolveOptions &opts)
      : sr(sr), space(space), opts(opts),
        regfCap(sr.arch.regfWords()),
        gbufCap(sr.arch.gbufWords() - sr.ctx.gbufReserved) {}

  /// False when the budget or the deadline stopped the walk.
  bool run() {
    walk(0, 1, 1);
    return !stopped;
  }

private:
  void walk(size_t k, int64_t pes, int64_t nodes, DimSet fixed = {}) {
    LayerSchedule &s = space.schedule;
    if (k == space.choices.size()) {
      evaluateOrders();
      return;
    }
    int i = int(sr.dims[k]);
    fixed = fixed | DimSet{sr.dims[k]};
    for (const DimChoice &c : space.choices[k]) {
      if (stopped)
        return;
      if (pes * c.ps > sr.arch.numPEsPerNode() ||
          nodes * c.ns > sr.ctx.region.numNodes())
        continue;
      s.regfTile[i] = c.rt;
      s.peSplit[i] = c.ps;
      s.gbufTile[i] = c.gt;
      s.nodeSplit[i] = c.ns;
      // Buffer sharing may still divide the GBUF tiles: cut only what no
      // sharing lets fit.
      if (levelWords(sr.shape, s.regfTile) > regfCap ||
          (levelWords(sr.shape, s.gbufTile) > gbufCap &&
           sharedLevelWords(sr.shape, s.gbufTile,
                            shareBounds(sr.shape, s, fixed,
                                        sr.ctx.region.numNodes(),
                                        opts.bufferSharing)) >
               double(gbufCap)))
        continue;
      walk(k + 1, pes * c.ps, nodes * c.ns, fixed);
    }
    s.regfTile[i] = s.peSplit[i] = s.gbufTile[i] = s.nodeSplit[i] = 1;
  }

  void evaluateOrders() {
    LayerSchedule &s = space.schedule;
    LoopingClasses looping = loopingClasses(sr.shape, s);
    for (const auto &share : shareChoices(sr.shape, s, opts.bufferSharing))
      for (const auto &ro : sr.orders(looping.regf, /*regf=*/true))
        for (const auto &go : sr.orders(looping.gbuf, /*regf=*/false)) {
          if (stopped)
            break;
          s.share = share;
          s.regfOrder = ro;
          s.gbufOrder = go;
          sr.score(s, sr.arch, true);
          if ((opts.budget && sr.evaluations >= opts.budget) ||
              (opts.deadline && (sr.evaluations & 4095) == 0 &&
               std::chrono::steady_clock::now() >= *opts.deadline)) {
            stopped = true;
            break;
          }
        }
    s.share = {};
  }

  Searcher &sr;
  Space &space;
  const SolveOptions &opts;
  int64_t regfCap, gbufCap;
  bool stopped = false;
};
} // namespace

llvm::Error checkPins(const ArchDesc &arch, const LayerDesc &layer,
                      const LayerPins &pins) {
  auto fail = [](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  auto name = [](Dim d) { return std::string(stringifyDim(d)); };
  llvm::ArrayRef<D> dims = searchDims(layer.kind);
  std::string loops;
  for (D d : dims)
    loops += (loops.empty() ? "" : " ") + name(d);
  const std::string kind = stringifyLayerKind(layer.kind);
  if (pins.region && !pins.region->fitsIn(arch)) {
    const NodeRegion &r = *pins.region;
    return fail("region [" + std::to_string(r.row0) + ", " +
                std::to_string(r.col0) + ", " + std::to_string(r.rows) + ", " +
                std::to_string(r.cols) + "] exceeds the " +
                std::to_string(arch.nodeRows) + " x " +
                std::to_string(arch.nodeCols) + " node array");
  }
  const int64_t nodes = pins.region ? pins.region->numNodes() : arch.numNodes();
  int64_t pes = 1, used = 1;
  for (int i = 0; i < kNumDims; ++i) {
    D d = D(i);
    std::pair<const char *, int64_t> fields[] = {
        {"regf_tile", pins.regfTile[i]},
        {"pe_split", pins.peSplit[i]},
        {"gbuf_tile", pins.gbufTile[i]},
        {"node_split", pins.nodeSplit[i]}};
    int64_t e = layer.extent(d);
    for (auto [field, v] : fields) {
      if (!v)
        continue;
      if (!llvm::is_contained(dims, d))
        return fail(std::string(field) + " names " + name(d) +
                    ", which is no loop of a " + kind +
                    " layer (its loops: " + loops + ")");
      if (v > e)
        return fail(std::string(field) + " " + name(d) + " = " +
                    std::to_string(v) + " exceeds the layer's extent " +
                    std::to_string(e));
    }
    // (Each is at most the extent, below 2^56.)
    int64_t rt = pins.regfTile[i] ? pins.regfTile[i] : 1,
            ps = pins.peSplit[i] ? pins.peSplit[i] : 1, gt = pins.gbufTile[i];
    if (rt > e / ps)
      return fail("regf_tile x pe_split of " + name(d) +
                  " exceeds the layer's extent " + std::to_string(e));
    if (gt && rt * ps > gt)
      return fail("regf_tile x pe_split of " + name(d) + " (" +
                  std::to_string(rt * ps) + ") exceeds its gbuf_tile " +
                  std::to_string(gt));
    pes = int64_t(llvm::SaturatingMultiply(uint64_t(pes), uint64_t(ps)));
    used = int64_t(llvm::SaturatingMultiply(
        uint64_t(used), uint64_t(pins.nodeSplit[i] ? pins.nodeSplit[i] : 1)));
  }
  if (pes > arch.numPEsPerNode())
    return fail("pe_split uses " + std::to_string(pes) + " PEs; a node has " +
                std::to_string(arch.numPEsPerNode()));
  if (used > nodes)
    return fail("node_split uses " + std::to_string(used) + " nodes; " +
                (pins.region ? "the region has " : "the chip has ") +
                std::to_string(nodes));
  for (auto [field, order] : {std::make_pair("regf_order", &pins.regfOrder),
                              std::make_pair("gbuf_order", &pins.gbufOrder)}) {
    if (order->empty())
      continue;
    int last = -1;
    std::array<bool, 3> named{};
    for (Dim d : *order) {
      int cls = classOf(layer.kind, d);
      if (cls < 0)
        return fail(std::string(field) + " names " + name(d) +
                    ", which is no loop of a " + kind +
                    " layer (its loops: " + loops + ")");
      if (cls != last && named[cls])
        return fail(std::string(field) + ": " + name(d) +
                    " must be next to the other loops of its class (the "
                    "loops of a level run by class: batch and output rows "
                    "and cols, the reduction, the output channels)");
      named[cls] = true;
      last = cls;
    }
    for (int c = 0; c < 3; ++c) {
      if (named[c])
        continue;
      for (D d : classDims(layer.kind, c))
        if (layer.extent(d) > 1)
          return fail(std::string(field) + " leaves out " + name(d) +
                      " (every loop class with a loop must be named)");
    }
  }
  return llvm::Error::success();
}

llvm::Error checkDataflowHasPins(const LayerDesc &layer,
                                 const LayerDataflow &dataflow,
                                 const LayerContext &ctx,
                                 const LayerPins &pins) {
  auto fail = [](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  auto regionText = [](const NodeRegion &r) {
    return "[" + std::to_string(r.row0) + ", " + std::to_string(r.col0) + ", " +
           std::to_string(r.rows) + ", " + std::to_string(r.cols) + "]";
  };
  if (pins.region && !(*pins.region == ctx.region))
    return fail("region is " + regionText(ctx.region) + ", fixed " +
                regionText(*pins.region));
  std::array<LevelShape, kNumLevels> shapes;
  if (llvm::Error err = checkDataflowStructure(layer, dataflow, &shapes))
    return err;
  for (MemLevel lv : {MemLevel::Regf, MemLevel::Gbuf}) {
    bool regf = lv == MemLevel::Regf;
    const LevelDirectives &level = dataflow.level(lv);
    const LevelShape &shape = shapes[int(lv)];
    for (int i = 0; i < kNumDims; ++i) {
      Dim d = Dim(i);
      if (d == Dim::Hi || d == Dim::Wi)
        continue;
      int64_t split = 1;
      for (const StackDirective &st : level.stacks)
        if (llvm::any_of(st.shifts,
                         [&](const DimAmount &da) { return da.dim == d; }))
          split *= st.repl;
      std::pair<const char *, int64_t> checks[] = {
          {regf ? "regf_tile" : "gbuf_tile",
           regf ? pins.regfTile[i] : pins.gbufTile[i]},
          {regf ? "pe_split" : "node_split",
           regf ? pins.peSplit[i] : pins.nodeSplit[i]}};
      int64_t has[] = {shape.tile[i], split};
      for (int c = 0; c < 2; ++c)
        if (checks[c].second && has[c] != checks[c].second)
          return fail(std::string(checks[c].first) + " " + stringifyDim(d) +
                      " is " + std::to_string(has[c]) + ", fixed " +
                      std::to_string(checks[c].second));
    }
    const llvm::SmallVector<Dim, 7> &fixed =
        regf ? pins.regfOrder : pins.gbufOrder;
    std::optional<std::array<uint8_t, 3>> order =
        classOrderOf(layer.kind, fixed);
    if (fixed.empty() || !order)
      continue;
    // The loops over forwarding groups are outermost at the GBUF, outside
    // the layer's own order.
    size_t own = level.updates.size();
    if (!regf) {
      own -= std::min<size_t>(
          own, (ctx.batchGroups > 1 && layer.n % ctx.batchGroups == 0) +
                   size_t(ctx.channelGroups > 1));
    }
    int last = -1;
    for (size_t u = 0; u < own; ++u) {
      int cls = -1;
      for (const DimAmount &da : level.updates[u].steps)
        if (cls < 0)
          cls = classOf(layer.kind, da.dim);
      if (cls < 0)
        continue; // input rows or cols alone
      int at = int(std::find(order->begin(), order->end(), uint8_t(cls)) -
                   order->begin());
      if (at < last)
        return fail(std::string(regf ? "regf_order" : "gbuf_order") +
                    ": update #" + std::to_string(u) + " over " +
                    stringifyDim(level.updates[u].steps.front().dim) +
                    " runs outside a loop whose class the order fixed puts "
                    "outside it");
      last = at;
    }
  }
  return llvm::Error::success();
}

std::string explainNoSchedule(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx) {
  SolveOptions opts;
  Searcher sr(arch, layer, ctx, opts);
  Space space(sr);
  LayerCost cost;
  evaluateLayer(arch, layer, sr.dataflowOf(space.schedule), ctx, cost,
                /*explain=*/true);
  if (cost.valid)
    return "the smallest dataflow is valid, yet the search found none";
  return "even the smallest dataflow (every tile and split 1) is invalid: " +
         cost.reason;
}

LayerSolution solveLayerExhaustive(const ArchDesc &arch, const LayerDesc &layer,
                                   const LayerContext &ctx,
                                   const SolveOptions &opts) {
  Searcher sr(arch, layer, ctx, opts);
  Space space(sr);
  bool complete = ExhaustiveWalk(sr, space, opts).run();
  LayerSolution out = sr.finish();
  out.complete = complete;
  return out;
}

LayerSolution solveLayerRandom(const ArchDesc &arch, const LayerDesc &layer,
                               const LayerContext &ctx,
                               const SolveOptions &opts) {
  Searcher sr(arch, layer, ctx, opts);
  Space space(sr);
  std::mt19937_64 rng(opts.seed);
  int64_t budget = opts.budget ? opts.budget : 20000;
  std::vector<size_t> pick(space.choices.size(), 0);
  for (int64_t n = 0; n < budget; ++n) {
    if (opts.deadline && (n & 4095) == 0 &&
        std::chrono::steady_clock::now() >= *opts.deadline)
      break;
    for (size_t k = 0; k < pick.size(); ++k)
      pick[k] = std::uniform_int_distribution<size_t>(
          0, space.choices[k].size() - 1)(rng);
    if (!space.apply(sr, pick))
      continue;
    space.schedule.regfOrder = kOrders[rng() % 6];
    space.schedule.gbufOrder = kOrders[rng() % 6];
    for (bool &b : space.schedule.share)
      b = opts.bufferSharing && rng() % 2;
    sr.score(space.schedule, arch, true);
  }
  return sr.finish();
}

} // namespace mlir::kapla
