//===- ExactLayer.cpp - Branch and bound over one layer's space -----------===//
//
// The exact solver searches the space of the exhaustive one (per dim an
// exact factorisation of the extent into REGF tile, PE split, GBUF tile and
// node split; a loop order per level) by depth-first branch and bound:
//
// - a node of the tree has chosen the factors of some dims; its children
//   choose the dim left with the fewest choices worth exploring, best bound
//   first;
// - its bound is a value of the objective that no completion goes below
//   (below), computed for every pair of loop orders, the smallest taken;
// - a node whose bound is no better than the incumbent (first the kapla
//   solution) is cut with its subtree; so is one where some dim left has no
//   choice that still fits the buffers, PEs and nodes;
// - at a leaf every order pair with a distinct loop nest whose bound beats
//   the incumbent is evaluated by the cost model.
//
// The bound. With exact factorisations nothing is padded, so MACs, and the
// MAC and REGF energy, are the same for every point. A tensor X crosses the
// GBUF boundary (DRAM or a neighbour's GBUF) `|X| * repl * R` times for
// read-only data, `|X| * (2R - 1)` for the read-write output, where |X| is
// what the computation touches, repl the nodes that hold the same data
// (node splits of dims that do not move X) and R the refetch factor: the
// counts of the loops that do not move X outside the innermost one that
// does (docs/CostModel.md, fills). A sliding window saves only within one
// sweep of the innermost loop, never below the data the sweep touches, so
// these stay lower bounds. The words between GBUF and PEs (GBUF reads and
// bus deliveries) follow the same rule over both loop nests, with PE splits
// added to the replication of the bus. A dim not chosen yet contributes
// nothing to the replication and its smallest loop counts among the choices
// that still fit the buffers with the dims chosen so far; more loops or
// larger counts only raise every term. Cycles are at least the MACs over the
// most PEs and nodes still possible, the DRAM words over the bandwidth and
// the GBUF reads over the bus.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Hardware/Noc.h"
#include "Kapla/Solver/IntraLayer.h"
#include "SearchSpace.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>

namespace mlir::kapla {

using namespace search;

namespace {

/// `v` (at least 0) as the largest float not above it: the delivery floor
/// keeps its patterns' words per MAC and row shares in floats, and one
/// rounded up could lift the floor above the cost of a schedule.
float floatBelow(double v) {
  float f = float(v);
  return double(f) > v ? std::nextafter(f, 0.0f) : f;
}

/// What one dim has: its chosen factors, or for a dim not chosen yet the
/// smallest loop counts and largest splits among the choices that fit.
struct DimState {
  bool fixed = false;
  int64_t rt = 1, ps = 1, gt = 1, ns = 1;
  int64_t cntR = 1, cntG = 1; ///< REGF and GBUF loop counts (smallest)
  int64_t maxPs = 1, maxNs = 1;
  int64_t maxRt = 1, maxGt = 1; ///< largest REGF and GBUF tiles
  int64_t feasible = 0; ///< choices that fit with the fixed dims
  /// For a tensor the dim does not move, what the dim multiplies its
  /// deliveries by, the smallest over the choices (index 1: when the dim's
  /// loop at that level refetches it, 0: when not): node split times the
  /// GBUF count (jG, GBUF reads when no REGF loop moves the tensor; jGP
  /// with the PE split, the bus deliveries), node split times GBUF count
  /// times the REGF count (jR, GBUF reads when a REGF loop moves it; jRP
  /// with the PE split).
  std::array<double, 2> jG{1, 1}, jGP{1, 1}, jR{1, 1}, jRP{1, 1};
};

/// Per loop class, a cost of the GBUF capacity bound in whole loop counts:
/// lin[c] * M_c + step[c] * (the loop count of class c, at least M_c /
/// nodes[c]).
struct StepCosts {
  std::array<double, 3> lin{}, step{}, nodes{1, 1, 1};
};

/// One tensor's constants for the bound.
struct TensorInfo {
  bool present = false;
  bool readWrite = false;
  bool offChip = true;
  DimSet rel;         ///< dims whose loops move it
  double words = 0;   ///< |X|: words the computation touches
  double perWordG = 0; ///< energy per word across the GBUF boundary
  /// The loop class all of whose loops, and only they, leave the tensor in
  /// place (-1: none, or not a whole class).
  int refetchClass = -1;
  /// The classes the tensor's tile spans, and the product of the extents
  /// of its dims (input rows and cols counted as output ones) over the
  /// usable GBUF words: the tile-count product over those classes is at
  /// least this much, or the tile would not fit.
  llvm::SmallVector<int, 3> tileClasses;
  double tileExtent = 0;
};

class ExactSearch {
public:
  /// With `only`, the space has choices for those dims only: the search
  /// fixes the others before it starts (exactNeighbourhood).
  ExactSearch(const ArchDesc &arch, const LayerDesc &layer,
              const LayerContext &ctx, const SolveOptions &opts,
              const DimSet *only = nullptr)
      : sr(arch, layer, ctx, opts), space(sr, only), arch(arch), layer(layer),
        ctx(ctx), opts(opts), regfCap(arch.regfWords()),
        gbufCap(arch.gbufWords() - ctx.gbufReserved) {
    setTieMargins(true);
    const EnergyTable &e = arch.energy;
    LayerKind kind = layer.kind;
    DimSet loops;
    for (D d : sr.dims)
      loops.insert(d);
    double macs = 1;
    for (D d : sr.dims)
      macs *= double(layer.extent(d));
    if (kind == LayerKind::Eltwise && layer.numInputs > 1)
      macs *= double(layer.numInputs - 1);
    totalMacs = macs;
    bool isOp = kind == LayerKind::Pool || kind == LayerKind::Eltwise;
    constEnergy = macs * (e.mac + (isOp ? 2 : 4) * e.regf);

    TensorKind inT = layer.pass == LayerPass::Forward ? TensorKind::I
                                                      : TensorKind::O;
    TensorKind outT = layer.pass == LayerPass::Forward ? TensorKind::O
                      : layer.pass == LayerPass::BackwardData
                          ? TensorKind::I
                          : TensorKind::W;
    double meanAll = meanHopsToAllChannels(arch);
    double meanNear = meanHopsToNearestChannel(arch, ctx.region);
    for (int t = 0; t < kNumTensors; ++t) {
      TensorInfo &x = tensors[t];
      DimSet dims = tensorDims(kind, TensorKind(t));
      if (dims.empty())
        continue;
      x.present = true;
      x.readWrite = isReadWrite(layer.pass, TensorKind(t));
      x.rel = dims;
      if (dims.contains(D::Hi))
        x.rel = x.rel | DimSet{D::Ho, D::Wo, D::R, D::S};
      x.words = double(tensorWords(layer, TensorKind(t)));
      bool onChip = (TensorKind(t) == inT && ctx.inputOnChip && !x.readWrite) ||
                    (TensorKind(t) == outT && ctx.outputOnChip &&
                     outT != TensorKind::W);
      x.offChip = !onChip;
      if (onChip) {
        const NodeRegion &other =
            TensorKind(t) == outT ? ctx.outputTo : ctx.inputFrom;
        x.perWordG = e.gbuf + e.nocHop * hopsBetween(ctx.region, other);
      } else {
        double dist =
            TensorKind(t) == TensorKind::W && !x.readWrite ? meanNear : meanAll;
        x.perWordG = e.dram + e.nocHop * dist;
      }
    }
    groups = sr.shape.n != layer.n ? layer.n / sr.shape.n : 1;
    if (sr.groupDim) {
      channelDim = *sr.groupDim;
      channelGroups = layer.extent(channelDim) / sr.shape.extent(channelDim);
    }
    rowsTouched = double(
        inputRowsRead(layer.ho, layer.sy, layer.r, layer.dy, layer.hi()));
    colsTouched = double(
        inputRowsRead(layer.wo, layer.sx, layer.s, layer.dx, layer.wi()));
    // Every step of a PE's innermost loop (of count above 1) reloads the
    // tiles of the two tensors that loop moves, whole when no window
    // slides (a convolution without one, FC, matmul): with t_A, t_B, t_K
    // the tile products of the three loop classes and the tile of the
    // tensor the loop leaves in place at most the REGF's S words, a step
    // of t_A t_B t_K MACs moves at least 2 t_B sqrt(t_A t_K) words (for a
    // reduction loop; the other classes alike), so all PEs together receive
    // at least 2 MACs / sqrt(S) words over the bus, whatever the tiles and
    // orders.
    //
    // With a sliding window (a convolution, depthwise or not, with filter
    // R x S) let n k c h w r s be the REGF tiles, I = n c Hi Wi, W = k c r
    // s, O = n k h w their words (I + W + O <= S) and M = n k c h w r s
    // the MACs of a step. By the innermost loop's dim:
    // - K: W + O words, (W + O) / M = 1/(crs) + 1/(nhw) >= 2 / sqrt(nchw
    //   rs) >= 2 / sqrt(S R S) (n c h w <= I <= S);
    // - N, Ho, Wo: O and at least n c h w new input words (the window
    //   moves by at least h rows), (1/k + 1/c) / (rs) >= 2 / sqrt(kcrs rs);
    // - C: I and W, 1/(krs) + 1/(nhw) >= 2 / sqrt(O rs);
    // - R (S alike): W and r new input rows, n c r Wi words: per MAC at
    //   least 1/(nhw) + 1/(k h m) for m = min(w, s), whose product is at
    //   least 1 / (O I) >= 4 / S^2 (n h w <= O, h m <= I, O + I <= S), so
    //   their sum is at least 4 / S.
    // The depthwise cases are these with k = 1 (C moves all three). So the
    // PEs receive at least MACs min(4 / S, 2 / sqrt(S R S)) words.
    bool noWindow = layer.r == 1 && layer.s == 1;
    double regfWords = double(regfCap);
    if (((kind == LayerKind::Conv || kind == LayerKind::DWConv) && noWindow) ||
        kind == LayerKind::FC || kind == LayerKind::MatMul)
      busFloor = e.bus * 2 * macs / std::sqrt(regfWords);
    else if ((kind == LayerKind::Conv || kind == LayerKind::DWConv) &&
             regfWords > 0)
      busFloor = e.bus * macs *
                 std::min(4 / regfWords,
                          2 / std::sqrt(regfWords * double(layer.r * layer.s)));
    // The loop classes and how each tensor relates to them (the capacity
    // bound, capacityBound()).
    for (int c = 0; c < 3; ++c)
      for (D d : classDims(kind, c))
        if (loops.contains(d))
          classDimsOf[c].push_back(d);
    for (int t = 0; t < kNumTensors; ++t) {
      TensorInfo &x = tensors[t];
      if (!x.present)
        continue;
      DimSet own = tensorDims(kind, TensorKind(t));
      double extent = 1;
      for (D d : sr.dims) {
        bool in = own.contains(d) ||
                  (d == D::Ho && own.contains(D::Hi)) ||
                  (d == D::Wo && own.contains(D::Wi));
        if (!in)
          continue;
        extent *= double(sr.shape.extent(d));
        for (int c = 0; c < 3; ++c)
          if (llvm::is_contained(classDimsOf[c], d) &&
              !llvm::is_contained(x.tileClasses, c))
            x.tileClasses.push_back(c);
      }
      if (kind == LayerKind::Eltwise && TensorKind(t) == TensorKind::I)
        extent *= double(layer.numInputs);
      x.tileExtent = extent;
      for (int c = 0; c < 3; ++c) {
        if (classDimsOf[c].empty())
          continue;
        bool whole = true;
        for (D d : sr.dims)
          whole &= x.rel.contains(d) != llvm::is_contained(classDimsOf[c], d);
        if (whole)
          x.refetchClass = c;
      }
    }
    for (size_t k = 0; k < sr.dims.size(); ++k) {
      state[int(sr.dims[k])] = DimState();
      extentDivisors.push_back(divisors(sr.shape.extent(sr.dims[k])));
    }
    fitMemo.resize(sr.dims.size());
    // Loop orders the user fixed.
    onlyRegfOrder = sr.pinnedOrder(/*regf=*/true);
    onlyGbufOrder = sr.pinnedOrder(/*regf=*/false);
  }

  /// Sets dim k (index into sr.dims) to choice c.
  void fix(size_t k, const DimChoice &c) {
    DimState &st = state[int(sr.dims[k])];
    st.fixed = true;
    st.rt = c.rt;
    st.ps = c.ps;
    st.gt = c.gt;
    st.ns = c.ns;
    int64_t e = sr.shape.extent(sr.dims[k]);
    st.cntG = e / (c.gt * c.ns);
    st.cntR = c.gt / (c.rt * c.ps);
    st.maxPs = c.ps;
    st.maxNs = c.ns;
    setJoint(st, c, e, /*first=*/true);
    int i = int(sr.dims[k]);
    space.schedule.regfTile[i] = c.rt;
    space.schedule.peSplit[i] = c.ps;
    space.schedule.gbufTile[i] = c.gt;
    space.schedule.nodeSplit[i] = c.ns;
  }

  /// Takes choice `c` (extent `e`) into the joint factors of `st` (their
  /// smallest), or sets them to it when `first`.
  static void setJoint(DimState &st, const DimChoice &c, int64_t e,
                       bool first) {
    double ns = double(c.ns), ps = double(c.ps);
    double cntG = double(e / (c.gt * c.ns)),
           cntR = double(c.gt / (c.rt * c.ps));
    std::array<double, 2> g{ns, ns * cntG}, gp{ns * ps, ns * ps * cntG},
        r{ns * cntG, ns * cntG * cntR},
        rp{ns * cntG * ps, ns * cntG * ps * cntR};
    for (int j = 0; j < 2; ++j) {
      st.jG[j] = first ? g[j] : std::min(st.jG[j], g[j]);
      st.jGP[j] = first ? gp[j] : std::min(st.jGP[j], gp[j]);
      st.jR[j] = first ? r[j] : std::min(st.jR[j], r[j]);
      st.jRP[j] = first ? rp[j] : std::min(st.jRP[j], rp[j]);
    }
  }

  void unfix(size_t k) {
    state[int(sr.dims[k])] = DimState();
    int i = int(sr.dims[k]);
    space.schedule.regfTile[i] = space.schedule.peSplit[i] = 1;
    space.schedule.gbufTile[i] = space.schedule.nodeSplit[i] = 1;
  }

  /// The PEs and nodes the fixed dims' splits use.
  std::pair<int64_t, int64_t> fixedSplits() const {
    int64_t pes = 1, nodes = 1;
    for (D d : sr.dims) {
      const DimState &st = state[int(d)];
      if (st.fixed) {
        pes *= st.ps;
        nodes *= st.ns;
      }
    }
    return {pes, nodes};
  }

  /// Fills the states of the dims not fixed from their choices that still
  /// fit with the fixed ones; false when one has none.
  bool forwardCheck() {
    auto [pes, nodes] = fixedSplits();
    LayerSchedule &s = space.schedule;
    // The GBUF tiles may still be shared over the nodes that hold the same
    // data: what fits is what fits with the most sharing possible.
    std::array<double, kNumTensors> share =
        shareBounds(sr.shape, s, fixedDims(), ctx.region.numNodes(),
                    opts.bufferSharing);
    // The words of a level are affine in one dim's tile (the input rows
    // and cols too): the largest tile of a dim that fits follows from two
    // counts, the first of them (every open dim at 1) the same for all.
    const int64_t regfOne = levelWords(sr.shape, s.regfTile);
    const double gbufOne = sharedLevelWords(sr.shape, s.gbufTile, share);
    for (size_t k = 0; k < sr.dims.size(); ++k) {
      int i = int(sr.dims[k]);
      DimState &st = state[i];
      if (st.fixed)
        continue;
      int64_t regfMax = largestFitting(s.regfTile, i, regfCap, regfOne);
      int64_t gbufMax = largestFitting(s.gbufTile, i, gbufCap, gbufOne, share);
      if (!fitting(k, arch.numPEsPerNode() / pes, ctx.region.numNodes() / nodes,
                   regfMax, gbufMax, st))
        return false;
    }
    return true;
  }

  /// What the choices of dim k (index into sr.dims) with a PE split of at
  /// most `psMost`, a node split of at most `nsMost`, a REGF tile of at
  /// most `rtMost` and a GBUF tile of at most `gtMost` leave (the counts,
  /// splits and tiles of DimState); false when none is left. The four are
  /// divisors of the dim's extent, so only the largest divisor within each
  /// limit matters: the exact search keeps the answers per dim under those
  /// four (a node's children ask again with the same limits).
  bool fitting(size_t k, int64_t psMost, int64_t nsMost, int64_t rtMost,
               int64_t gtMost, DimState &st) {
    const std::vector<int64_t> &dv = extentDivisors[k];
    auto largest = [&](int64_t most) {
      return int64_t(std::upper_bound(dv.begin(), dv.end(), most) -
                     dv.begin()) -
             1;
    };
    int64_t ip = largest(psMost), in = largest(nsMost), ir = largest(rtMost),
            ig = largest(gtMost);
    if (ip < 0 || in < 0 || ir < 0 || ig < 0)
      return false;
    bool keep = strong && dv.size() < 0xffff;
    uint64_t key = uint64_t(ip) << 48 | uint64_t(in) << 32 |
                   uint64_t(ir) << 16 | uint64_t(ig);
    if (keep) {
      auto it = fitMemo[k].find(key);
      if (it != fitMemo[k].end()) {
        st = it->second;
        return st.feasible > 0;
      }
    }
    int64_t e = sr.shape.extent(sr.dims[k]);
    st.feasible = 0;
    st.cntR = st.cntG = std::numeric_limits<int64_t>::max();
    st.maxPs = st.maxNs = st.maxRt = st.maxGt = 1;
    psMost = dv[ip];
    nsMost = dv[in];
    rtMost = dv[ir];
    gtMost = dv[ig];
    for (const DimChoice &c : space.choices[k]) {
      if (c.ps > psMost || c.ns > nsMost || c.rt > rtMost || c.gt > gtMost)
        continue;
      setJoint(st, c, e, /*first=*/st.feasible == 0);
      ++st.feasible;
      st.cntG = std::min(st.cntG, e / (c.gt * c.ns));
      st.cntR = std::min(st.cntR, c.gt / (c.rt * c.ps));
      st.maxPs = std::max(st.maxPs, c.ps);
      st.maxNs = std::max(st.maxNs, c.ns);
      st.maxRt = std::max(st.maxRt, c.rt);
      st.maxGt = std::max(st.maxGt, c.gt);
    }
    if (keep && fitMemo[k].size() < kMaxFitMemo)
      fitMemo[k].try_emplace(key, st);
    return st.feasible > 0;
  }

  /// The largest tile of dim `i` at which the level with tiles `t` (dim i
  /// at 1, where the level holds `one` words) holds at most `cap` words; 0
  /// when not even 1 fits.
  int64_t largestFitting(std::array<int64_t, kNumDims> &t, int i, int64_t cap,
                         int64_t one) const {
    if (one > cap)
      return 0;
    t[i] = 2;
    int64_t slope = levelWords(sr.shape, t) - one;
    t[i] = 1;
    if (slope <= 0)
      return std::numeric_limits<int64_t>::max();
    return 1 + (cap - one) / slope;
  }

  /// The same with each tensor's words divided by its sharing bound (the
  /// words stay affine in one dim's tile).
  int64_t largestFitting(std::array<int64_t, kNumDims> &t, int i, int64_t cap,
                         double one,
                         const std::array<double, kNumTensors> &share) const {
    if (one > double(cap) * (1 + 1e-12))
      return 0;
    t[i] = 2;
    double slope = sharedLevelWords(sr.shape, t, share) - one;
    t[i] = 1;
    if (slope <= 0)
      return std::numeric_limits<int64_t>::max();
    double most = std::floor((double(cap) - one) / slope + 1e-9);
    if (most >= 1e18)
      return std::numeric_limits<int64_t>::max();
    return 1 + std::max<int64_t>(int64_t(most), 0);
  }

  /// The dims chosen so far.
  DimSet fixedDims() const {
    DimSet f;
    for (D d : sr.dims)
      if (state[int(d)].fixed)
        f = f | DimSet{d};
    return f;
  }

  /// What the bound of one node needs, computed once for all order pairs.
  struct NodeTerms {
    /// Per tensor: node and PE replication of the fixed dims; the product
    /// of the GBUF loop counts of the dims that leave it in place.
    std::array<double, kNumTensors> replN{}, replP{}, gbufIdle{};
    /// Per tensor and order: the words it moves through the GBUF boundary
    /// (to the PEs below a GBUF order, through a REGF order) over the
    /// words it touches, at least (haloOf()).
    std::array<std::array<double, 6>, kNumTensors> halo{}, haloStill{},
        haloMoved{};
    /// Per tensor and REGF order: whether a REGF loop surely moves it.
    std::array<std::array<bool, 6>, kNumTensors> regfMoves{};
    std::array<double, 6> gbufCapacity{}, regfCapacity{};
    double pesUB = 1, nodesUB = 1;
    /// The bus floor at the node (splitFloor()), and the floor on the GBUF
    /// reads and the deliveries together (deliveryFloorAt()).
    double busFloor = 0, deliveryFloor = 0;
    /// boundFor's terms per tensor that depend on one order: per GBUF
    /// order the energy of the words crossing the GBUF boundary and the
    /// DRAM words, and the GBUF reads (and their energy below the GBUF)
    /// when no REGF loop moves the tensor; per REGF order those when one
    /// does.
    std::array<std::array<double, 6>, kNumTensors> boundary{}, dram{},
        readsStill{}, belowStill{}, readsMoved{}, belowMoved{};
  };

  /// The GBUF (or REGF) tiles of the input (a tensor with input rows and
  /// cols) hold their halos: along rows, the Ho / h tiles of h output rows
  /// over the R / r filter rows of the tiles r hold (h - 1) stride + (r - 1)
  /// dilation + 1 rows each, rowsFull in all, against the rows the layer
  /// touches; along cols alike. The tiles' words are the product of both
  /// directions (haloOf() says which apply). With h or r not chosen yet, the
  /// smallest rowsFull over the choices still possible (linear in the
  /// number of filter-row tiles, a + b / h in h: at one of the ends). Rows
  /// first, then cols.
  std::pair<double, double> haloFactors(bool regf = false) const {
    auto direction = [&](D out, D win, int64_t stride, int64_t dil,
                         double touched) {
      if (!(touched > 0))
        return 1.0;
      int64_t r = sr.shape.extent(win);
      const DimState &w = state[int(win)];
      auto rowsFull = [&](int64_t h) {
        double tiles = double(sr.shape.extent(out)) / double(h);
        if (w.fixed) {
          int64_t rt = regf ? w.rt : w.gt;
          return tiles * double(r / rt) *
                 double(windowSpan<int64_t>(h, rt, stride, dil));
        }
        return tiles *
               std::min(double(windowSpan<int64_t>(h, r, stride, dil)),
                        double(r) * double(windowSpan<int64_t>(h, 1, stride,
                                                               dil)));
      };
      const DimState &o = state[int(out)];
      // rowsFull is a + b / h: over the tiles h still possible (1 to the
      // largest that fits), smallest at one end.
      double full =
          o.fixed ? rowsFull(regf ? o.rt : o.gt)
                  : std::min(rowsFull(1), rowsFull(regf ? o.maxRt : o.maxGt));
      return std::max(1.0, full / touched);
    };
    const LayerDesc &l = sr.shape;
    return {direction(D::Ho, D::R, l.sy, l.dy, rowsTouched),
            direction(D::Wo, D::S, l.sx, l.dx, colsTouched)};
  }

  /// What the innermost loop that moves a tensor can be, as bits: kNoSlide
  /// (a loop over no window direction, or no loop), or a slide along rows
  /// (a loop over Ho or R) or cols (over Wo or S), one bit per dim.
  enum : unsigned {
    kNoSlide = 1,
    kHoSlide = 2,
    kRSlide = 4,
    kWoSlide = 8,
    kSSlide = 16
  };
  static unsigned slideOf(D d) {
    switch (d) {
    case D::Ho:
      return kHoSlide;
    case D::R:
      return kRSlide;
    case D::Wo:
      return kWoSlide;
    case D::S:
      return kSSlide;
    default:
      return kNoSlide;
    }
  }

  /// Per sliding dim (Ho, R, Wo, S), the factor of the halos along its
  /// direction when the innermost loop that moves the input is that dim's
  /// loop at a level (slideFactor()).
  using SlideFactors = std::array<double, 4>;

  /// Along the direction of `d` (Ho or R: rows; Wo or S: cols), the words
  /// the input's tiles load over the words it touches when the innermost
  /// loop that moves it is the loop over `d` at the REGF (GBUF) level. A
  /// sweep of that loop's n steps loads its first tile whole and then each
  /// step's new rows: at least min(span, n * tile rows), for span the rows
  /// the sweep covers (`h` output rows and `r` filter rows per tile:
  /// (n h - 1) stride + (r - 1) dilation + 1 along Ho, (h - 1) stride +
  /// (n r - 1) dilation + 1 along R; the second term where a stride skips
  /// rows), over the Ho / h_s * R / r_s sweeps (one of h, r times n). With
  /// the other dim of the direction not chosen yet, the smallest over its
  /// tiles still possible (both terms are a + b / t in its tile t: at one
  /// of the ends). At least 1; 1 while `d` is not chosen.
  double slideFactor(D d, bool regf) const {
    const bool rows = d == D::Ho || d == D::R;
    const D out = rows ? D::Ho : D::Wo, win = rows ? D::R : D::S;
    const DimState &sd = state[int(d)];
    const DimState &so = state[int(d == out ? win : out)];
    const double touched = rows ? rowsTouched : colsTouched;
    if (!sd.fixed || !(touched > 0))
      return 1;
    const LayerDesc &l = sr.shape;
    const double stride = double(rows ? l.sy : l.sx);
    const double dil = double(rows ? l.dy : l.dx);
    const double n = double(regf ? sd.cntR : sd.cntG);
    const double td = double(regf ? sd.rt : sd.gt);
    auto at = [&](double to) {
      const double h = d == out ? td : to, r = d == win ? td : to;
      const double hs = d == out ? n * h : h, rs = d == win ? n * r : r;
      const double sweeps =
          double(l.extent(out)) / hs * (double(l.extent(win)) / rs);
      const double span = windowSpan(hs, rs, stride, dil);
      const double tileRows = windowSpan(h, r, stride, dil);
      return sweeps * std::min(span, n * tileRows);
    };
    double loaded =
        so.fixed ? at(double(regf ? so.rt : so.gt))
                 : std::min(at(1), at(double(regf ? so.maxRt : so.maxGt)));
    return std::max(1.0, loaded / touched);
  }

  /// The distinct words of the input's PE tiles over their words, per PE
  /// split of Ho, R, Wo and S: the GBUF serves the words all PEs hold
  /// together once (docs/CostModel.md), and a tile stacked along Ho (R)
  /// with a shift of h * stride (r * dilation) rows spans min(p + (n - 1)
  /// shift, n p) rows for a block of p, the stacks in order of increasing
  /// shift; cols alike. With one dim of a direction not chosen yet, the
  /// smallest over its REGF tiles and PE splits still possible; 0 while
  /// both dims of a direction are open.
  double peSpread() const {
    auto share = [](int64_t h, int64_t ph, int64_t r, int64_t pr,
                    int64_t stride, int64_t dil) {
      std::array<std::pair<int64_t, int64_t>, 2> st = {
          std::make_pair(h * stride, ph), std::make_pair(r * dil, pr)};
      if (st[1] < st[0])
        std::swap(st[0], st[1]);
      const int64_t tile = windowSpan(h, r, stride, dil);
      int64_t span = tile;
      for (auto [shift, n] : st)
        span = shift > span ? span * n : span + (n - 1) * shift;
      return double(span) / double(tile) / double(ph * pr);
    };
    auto direction = [&](D out, D win, int64_t stride, int64_t dil) {
      const DimState &o = state[int(out)], &w = state[int(win)];
      if (o.fixed && w.fixed)
        return share(o.rt, o.ps, w.rt, w.ps, stride, dil);
      if (!o.fixed && !w.fixed)
        return 0.0;
      const D open = o.fixed ? win : out;
      const DimState &st = state[int(open)];
      const int64_t e = sr.shape.extent(open);
      auto k = llvm::find(sr.dims, open);
      if (k == sr.dims.end()) // not searched: its whole extent, 1
        return o.fixed ? share(o.rt, o.ps, 1, 1, stride, dil)
                       : share(1, 1, w.rt, w.ps, stride, dil);
      double least = INFINITY;
      for (int64_t rt : extentDivisors[k - sr.dims.begin()]) {
        if (rt > st.maxRt)
          break;
        for (int64_t ps = 1; ps <= st.maxPs && rt * ps <= e; ++ps)
          if ((e / rt) % ps == 0)
            least = std::min(least,
                             o.fixed ? share(o.rt, o.ps, rt, ps, stride, dil)
                                     : share(rt, ps, w.rt, w.ps, stride, dil));
      }
      return std::isfinite(least) ? least : 0.0;
    };
    const LayerDesc &l = sr.shape;
    return direction(D::Ho, D::R, l.sy, l.dy) *
           direction(D::Wo, D::S, l.sx, l.dx);
  }

  SlideFactors slideFactors(bool regf) const {
    return {slideFactor(D::Ho, regf), slideFactor(D::R, regf),
            slideFactor(D::Wo, regf), slideFactor(D::S, regf)};
  }

  /// The factor of the halos on the words a tensor moves through a level
  /// (rows and cols factors `f` of its tiles, `slide` of slideFactors())
  /// when its innermost moving loop is of the kinds `kinds`: a sliding
  /// window loads only the new rows (cols) of each step, never fewer than
  /// its sweeps span, so along the direction it slides the factor is the
  /// dim's slide factor; without a slide (no loop, or one over no window
  /// direction) both directions' halos are loaded, and so they are for
  /// read-write data, which never slides (docs/CostModel.md).
  static double haloOf(std::pair<double, double> f, const SlideFactors &slide,
                       unsigned kinds, bool readWrite) {
    double both = f.first * f.second;
    if (readWrite)
      return both;
    double h = INFINITY;
    if (kinds & kNoSlide)
      h = both;
    const unsigned bits[4] = {kHoSlide, kRSlide, kWoSlide, kSSlide};
    for (int j = 0; j < 4; ++j)
      if (kinds & bits[j])
        h = std::min(h, (j < 2 ? f.second : f.first) * slide[j]);
    return std::isfinite(h) ? h : both;
  }

  /// Raises the bus floor to the fewest words per MAC a PE can receive
  /// over every REGF tile that fits (halos counted) and every pair of
  /// innermost loops d1 (count c1, at most its extent over its tile) and
  /// d2: each sweep of d1 loads the tiles d1 moves whole at its first step
  /// and their new words at the c1 - 1 others (a sliding window: at least
  /// h * stride of the Hi_t rows along Ho, r * dilation along R), and the
  /// step of d2 between sweeps the new words of the tensors d1 leaves in
  /// place and d2 moves (when d2 is the dim of d1 at the GBUF, nothing
  /// more, but c1 is then at most half the extent over the tile); the
  /// output counts once. Per MAC that falls with c1, so c1 is taken at its
  /// most. With no loop at all a PE loads all its tiles once. The tiles are
  /// divisors of the extents (exact factorisations); the floor is left as it is
  /// when they are too many to try. A layer in batch (channel) groups has
  /// one more loop over N (the channel dim), outermost, that leaves the
  /// tensors without that dim in place (a PE may keep its weights over
  /// every group): the loops count over the whole layer, the tiles over one
  /// group.
  void tightenBusFloor() {
    const LayerDesc &l = sr.shape;
    const LayerKind kind = l.kind;
    // The extent a dim's loops cover: the whole layer's, over the batch
    // (channel) groups too.
    auto span = [&](D d) { return layer.extent(d); };
    if (!(regfCap > 0) ||
        !(kind == LayerKind::Conv || kind == LayerKind::DWConv ||
          kind == LayerKind::FC || kind == LayerKind::MatMul))
      return;
    llvm::SmallVector<std::vector<int64_t>, 7> cand;
    for (D d : sr.dims) {
      std::vector<int64_t> dv = divisors(l.extent(d));
      llvm::erase_if(dv, [&](int64_t v) { return v > regfCap; });
      cand.push_back(std::move(dv));
    }
    std::array<DimSet, kNumTensors> dims, moves;
    for (int x = 0; x < kNumTensors; ++x) {
      dims[x] = tensorDims(kind, TensorKind(x));
      moves[x] = movingDims(kind, TensorKind(x));
    }
    // The read-write tensor without a window (the output of a forward
    // layer, the weights of a backward-weight one) and its reduction: the
    // product of the extents of the dims that leave it in place.
    int rw = -1;
    double red = 1;
    for (int x = 0; x < kNumTensors; ++x)
      if (tensors[x].present && tensors[x].readWrite &&
          !dims[x].contains(D::Hi) && !dims[x].contains(D::Wi))
        rw = x;
    if (rw >= 0)
      for (D d : sr.dims)
        if (!moves[rw].contains(d))
          red *= double(l.extent(d));
    // The splits over those dims the floor is kept for (splitFloor()): the
    // divisors of the reduction up to the PEs and nodes there are (a split
    // divides the reduction), at most kMaxSplits of them (the largest
    // always).
    constexpr size_t kMaxSplits = 48;
    std::vector<double> splits;
    if (rw >= 0 && splitFloors) {
      double most = std::min(red, double(arch.numPEsPerNode()) *
                                      double(ctx.region.numNodes()));
      for (int64_t v : divisors(int64_t(red)))
        if (double(v) < most)
          splits.push_back(double(v));
      if (splits.size() > kMaxSplits - 1) {
        // Keep every k-th: a split between two kept ones looks up the
        // larger (the floor falls with the split).
        std::vector<double> kept;
        double step = double(splits.size()) / double(kMaxSplits - 1);
        for (size_t j = 0; j < kMaxSplits - 1; ++j)
          kept.push_back(splits[size_t(double(j) * step)]);
        splits = std::move(kept);
      }
      splits.push_back(most);
    }
    std::vector<double> fewestAt(splits.size(), INFINITY);
    std::array<int64_t, kNumDims> t;
    t.fill(1);
    constexpr int64_t kMaxTiles = 1 << 20;
    int64_t visited = 0;
    double fewest = INFINITY;
    // A PE moves the read-write tensor over the bus 2F - D times its tile
    // for F loads of D distinct tiles (docs/CostModel.md): per MAC
    // 2 / rho - s / red, for rho the MACs of one of its words per load and
    // s its split over PEs and nodes along the dims that leave it in place
    // (each PE's D tiles see red / s of the reduction). A pattern counts it
    // o words (once per load: o / macs is at most 1 / rho), so
    // 2 o / macs - s / red is a floor on it too; `v` is the pattern's words
    // with it counted o times.
    std::vector<Delivery> points;
    std::array<float, 4> share{};
    std::array<int32_t, kNumDims> room{};
    auto take = [&](const std::array<double, kNumTensors> &w, double macs) {
      double v = 0;
      for (double x : w)
        v += x;
      double o = rw >= 0 ? w[rw] : 0;
      if (splitFloors) {
        Delivery p;
        for (int x = 0; x < kNumTensors; ++x)
          p.words[x] = floatBelow(w[x] / macs);
        p.share = share;
        p.room = room;
        points.push_back(p);
      }
      fewest = std::min(fewest, v / macs);
      for (size_t j = 0; j < splits.size(); ++j)
        fewestAt[j] =
            std::min(fewestAt[j],
                     (v + std::max(0.0, o - splits[j] * macs / red)) / macs);
    };
    auto atLeaf = [&] {
      double macs = 1;
      for (D d : sr.dims)
        macs *= double(t[int(d)]);
      double hi = double(windowSpan(t[int(D::Ho)], t[int(D::R)], l.sy, l.dy));
      double wi = double(windowSpan(t[int(D::Wo)], t[int(D::S)], l.sx, l.dx));
      // One more copy of the input's tile stacked along Ho, R, Wo, S adds
      // at least these shares of its rows (cols).
      for (size_t k = 0; k < sr.dims.size(); ++k)
        room[k] = int32_t(l.extent(sr.dims[k]) / t[int(sr.dims[k])]);
      share = {floatBelow(std::min(double(t[int(D::Ho)] * l.sy), hi) / hi),
               floatBelow(std::min(double(t[int(D::R)] * l.dy), hi) / hi),
               floatBelow(std::min(double(t[int(D::Wo)] * l.sx), wi) / wi),
               floatBelow(std::min(double(t[int(D::S)] * l.dx), wi) / wi)};
      std::array<double, kNumTensors> words{};
      for (int x = 0; x < kNumTensors; ++x) {
        if (dims[x].empty())
          continue;
        double w = 1;
        for (int d = 0; d < kNumDims; ++d)
          if (dims[x].contains(D(d)))
            w *= D(d) == D::Hi ? hi : D(d) == D::Wi ? wi : double(t[d]);
        words[x] = w;
      }
      // The new words of tensor x at a step of d (a sliding window loads
      // only its new rows or cols).
      auto fresh = [&](int x, D d) {
        double w = words[x];
        if (dims[x].contains(D::Hi) && (d == D::Ho || d == D::R)) {
          double step = d == D::Ho ? double(t[int(D::Ho)] * l.sy)
                                   : double(t[int(D::R)] * l.dy);
          w *= std::min(step, hi) / hi;
        }
        if (dims[x].contains(D::Wi) && (d == D::Wo || d == D::S)) {
          double step = d == D::Wo ? double(t[int(D::Wo)] * l.sx)
                                   : double(t[int(D::S)] * l.dx);
          w *= std::min(step, wi) / wi;
        }
        return w;
      };
      bool anyLoop = false;
      std::array<double, kNumTensors> w{};
      for (D d1 : sr.dims) {
        if (t[int(d1)] >= span(d1))
          continue; // no loop over d1 at either level
        anyLoop = true;
        // A sweep of the innermost loop d1 (at most c1 steps): the tiles
        // d1 moves whole at its first step, their new words at the others;
        // a tensor d1 leaves in place comes with the step of the next loop
        // d2 that moves it (or once, with no next loop).
        double c1 = double(span(d1) / t[int(d1)]);
        std::array<double, kNumTensors> sweep{};
        for (int x = 0; x < kNumTensors; ++x)
          if (!dims[x].empty() && moves[x].contains(d1))
            sweep[x] = (words[x] + (c1 - 1) * fresh(x, d1)) / c1;
        for (int x = 0; x < kNumTensors; ++x)
          w[x] = moves[x].contains(d1) ? sweep[x] : words[x] / c1;
        take(w, macs);
        // The next loop over d1 too (a GBUF loop after a REGF one): it
        // loads what d1 moves whole, and the REGF loop then covers at most
        // half the extent.
        double half = std::max<double>(1, double(span(d1) / (2 * t[int(d1)])));
        for (int x = 0; x < kNumTensors; ++x)
          w[x] = moves[x].contains(d1)
                     ? (words[x] + (half - 1) * fresh(x, d1)) / half
                     : 0;
        take(w, macs);
        for (D d2 : sr.dims) {
          if (d2 == d1 || t[int(d2)] >= span(d2))
            continue;
          for (int x = 0; x < kNumTensors; ++x)
            w[x] = moves[x].contains(d1)   ? sweep[x]
                   : moves[x].contains(d2) ? fresh(x, d2) / c1
                                           : 0;
          take(w, macs);
        }
      }
      if (!anyLoop)
        take(words, macs);
    };
    std::function<bool(size_t)> walk = [&](size_t k) {
      if (k == sr.dims.size()) {
        atLeaf();
        return true;
      }
      int i = int(sr.dims[k]);
      for (int64_t v : cand[k]) {
        t[i] = v;
        // Words only grow with a tile (the dims after k are at 1).
        if (levelWords(l, t) > regfCap)
          break;
        if (++visited > kMaxTiles || !walk(k + 1)) {
          t[i] = 1;
          return false;
        }
      }
      t[i] = 1;
      return true;
    };
    if (!walk(0) || !std::isfinite(fewest))
      return;
    busFloor = std::max(busFloor, arch.energy.bus * totalMacs * fewest);
    floorSplits = std::move(splits);
    floorsAt.clear();
    for (double f : fewestAt)
      floorsAt.push_back(std::max(busFloor, arch.energy.bus * totalMacs * f));
    floorTensor = rw;
    if (splitFloors)
      tightenDeliveryFloor(points, rw, red);
  }

  /// One pattern of tightenBusFloor(): per tensor the words per MAC each
  /// PE receives; for the input, the share of new rows that one more
  /// copy of its REGF tile stacked along Ho (R) adds at least, and of new
  /// cols along Wo (S).
  struct Delivery {
    /// Per dim (index into sr.dims): its extent over its REGF tile, which
    /// its PE split divides.
    std::array<int32_t, kNumDims> room;
    std::array<float, kNumTensors> words;
    std::array<float, 4> share;
    bool operator<(const Delivery &o) const {
      return std::tie(room, words, share) < std::tie(o.room, o.words, o.share);
    }
    bool operator==(const Delivery &o) const {
      return room == o.room && words == o.words && share == o.share;
    }
  };

  /// Raises the floor on the energy below the GBUF (its reads and the
  /// bus deliveries together, deliveryFloor) over the patterns of
  /// tightenBusFloor() and every PE split. A GBUF read serves every PE of
  /// the node that needs the word, so a tensor's reads are its deliveries
  /// times its distinct words over the words of all PE tiles: the PE
  /// tiles of a tensor without a window are disjoint along its dims and
  /// the same along the others, so that is one over the PE splits of the
  /// dims it lacks. The input's tiles are disjoint along N and C; a copy
  /// stacked along Ho (or R) with a shift of h s (r d) rows adds at least
  /// min(h s, Hi_t) rows (docs/Solver.md), and along Wo (S) cols alike.
  /// The splits multiply to at most the node's PEs; the read-write
  /// tensor's deliveries by its split (tightenBusFloor()). Skipped when
  /// the splits and patterns are too many to try.
  void tightenDeliveryFloor(std::vector<Delivery> &points, int rw, double red) {
    if (points.empty())
      return;
    llvm::sort(points);
    points.erase(std::unique(points.begin(), points.end()), points.end());
    // Of the points of one REGF tile (the same room, so the same splits
    // fit), one with no more words of any tensor and no larger share than
    // another costs no more under every split: only the others count. In
    // the sorted order such a point comes before those it dominates.
    auto dominates = [](const Delivery &a, const Delivery &b) {
      for (int x = 0; x < kNumTensors; ++x)
        if (a.words[x] > b.words[x])
          return false;
      for (size_t q = 0; q < a.share.size(); ++q)
        if (a.share[q] > b.share[q])
          return false;
      return true;
    };
    size_t kept = 0;
    for (size_t j = 0, group = 0; j < points.size(); ++j) {
      if (kept == 0 || points[kept - 1].room != points[j].room)
        group = kept;
      bool dominated = false;
      for (size_t i = group; i < kept && !dominated; ++i)
        dominated = dominates(points[i], points[j]);
      if (!dominated)
        points[kept++] = points[j];
    }
    points.resize(kept);
    const double pes = double(arch.numPEsPerNode());
    const size_t nd = sr.dims.size();
    std::vector<std::vector<int64_t>> cand(nd);
    for (size_t k = 0; k < nd; ++k)
      for (int64_t f : divisors(sr.shape.extent(sr.dims[k])))
        if (double(f) <= pes)
          cand[k].push_back(f);
    const EnergyTable &e = arch.energy;
    const double nodes = double(ctx.region.numNodes());
    constexpr double kMaxWork = 5e7;
    double work = 0, least = INFINITY;
    std::array<int64_t, kNumDims> ps;
    ps.fill(1);
    // Per dim and value of its PE split (an index into cand): the least
    // over the splits with that value.
    std::vector<std::vector<double>> byDim(nd);
    for (size_t k = 0; k < nd; ++k)
      byDim[k].assign(cand[k].size(), INFINITY);
    std::vector<size_t> at(nd, 0);
    // Per dim: its REGF tiles (the divisors of its extent), and per point
    // the index of its tile among them; per dim, REGF tile and PE split the
    // least over the splits and patterns with those.
    const std::vector<std::vector<int64_t>> &tiles = extentDivisors;
    std::vector<std::array<uint16_t, kNumDims>> tileOf(points.size());
    for (size_t j = 0; j < points.size(); ++j)
      for (size_t k = 0; k < nd; ++k) {
        int64_t rt = sr.shape.extent(sr.dims[k]) / points[j].room[k];
        tileOf[j][k] =
            uint16_t(std::lower_bound(tiles[k].begin(), tiles[k].end(), rt) -
                     tiles[k].begin());
      }
    std::vector<std::vector<std::vector<double>>> byTile(nd);
    std::vector<std::vector<double>> tileHere(nd);
    for (size_t k = 0; k < nd; ++k) {
      byTile[k].assign(tiles[k].size(),
                       std::vector<double>(cand[k].size(), INFINITY));
      tileHere[k].assign(tiles[k].size(), INFINITY);
    }
    int windowed = -1;
    for (int x = 0; x < kNumTensors; ++x)
      if (tensors[x].present && tensors[x].rel.contains(D::Hi))
        windowed = x;
    auto atSplit = [&] {
      work += double(points.size());
      if (work > kMaxWork)
        return false;
      // Per tensor: the PE splits its tiles repeat along; for the input
      // those but along the window dims.
      std::array<double, kNumTensors> r;
      r.fill(1);
      for (D d : sr.dims)
        for (int x = 0; x < kNumTensors; ++x)
          if (tensors[x].present && !tensors[x].rel.contains(d))
            r[x] *= double(ps[int(d)]);
      std::array<double, kNumTensors> c;
      for (int x = 0; x < kNumTensors; ++x)
        c[x] = e.bus + e.gbuf / r[x];
      double s = rw >= 0 ? std::min(red, r[rw] * nodes) / red : 0;
      double ho = double(ps[int(D::Ho)]), rr = double(ps[int(D::R)]),
             wo = double(ps[int(D::Wo)]), ss = double(ps[int(D::S)]);
      double here = INFINITY;
      for (size_t k = 0; k < nd; ++k)
        std::fill(tileHere[k].begin(), tileHere[k].end(), INFINITY);
      // The PE split of a dim divides its extent over the REGF tile. The
      // points come sorted by their REGF tiles: the least of each run of
      // one tile (group) goes to its tiles' entries at the run's end.
      bool fits = false;
      const Delivery *last = nullptr;
      double group = INFINITY;
      auto flush = [&] {
        if (!last || !std::isfinite(group))
          return;
        for (size_t k = 0; k < nd; ++k) {
          double &f = tileHere[k][tileOf[size_t(last - points.data())][k]];
          f = std::min(f, group);
        }
      };
      for (const Delivery &p : points) {
        if (!last || p.room != last->room) {
          flush();
          group = INFINITY;
          fits = true;
          for (size_t k = 0; k < nd; ++k)
            fits &= p.room[k] % ps[int(sr.dims[k])] == 0;
          last = &p;
        }
        if (!fits)
          continue;
        double v = 0;
        for (int x = 0; x < kNumTensors; ++x) {
          double w = p.words[x];
          if (x == rw)
            w = std::max(w, 2 * w - s);
          double cx = c[x];
          if (x == windowed) {
            double rows =
                ho * rr / (1 + (ho - 1) * p.share[0] + (rr - 1) * p.share[1]);
            double cols =
                wo * ss / (1 + (wo - 1) * p.share[2] + (ss - 1) * p.share[3]);
            cx = e.bus + e.gbuf / (r[x] * rows * cols);
          }
          v += cx * w;
        }
        here = std::min(here, v);
        group = std::min(group, v);
      }
      flush();
      least = std::min(least, here);
      for (size_t k = 0; k < nd; ++k) {
        double &f = byDim[k][at[k]];
        f = std::min(f, here);
        for (size_t i = 0; i < tiles[k].size(); ++i) {
          double &g = byTile[k][i][at[k]];
          g = std::min(g, tileHere[k][i]);
        }
      }
      return true;
    };
    // The splits first counted: too many, and the floor is not tried.
    double splits = 0;
    std::function<bool(size_t, double)> count = [&](size_t k, double used) {
      if (k == nd)
        return ++splits * double(points.size()) <= kMaxWork;
      for (int64_t f : cand[k]) {
        if (used * double(f) > pes)
          break;
        if (!count(k + 1, used * double(f)))
          return false;
      }
      return true;
    };
    if (!count(0, 1))
      return;
    std::function<bool(size_t, double)> walk = [&](size_t k, double used) {
      if (k == nd)
        return atSplit();
      int i = int(sr.dims[k]);
      for (size_t j = 0; j < cand[k].size(); ++j) {
        int64_t f = cand[k][j];
        if (used * double(f) > pes)
          break;
        ps[i] = f;
        at[k] = j;
        if (!walk(k + 1, used * double(f)))
          return false;
      }
      ps[i] = 1;
      at[k] = 0;
      return true;
    };
    if (!walk(0, 1) || !std::isfinite(least))
      return;
    deliveryFloor = totalMacs * least;
    deliveryPs = std::move(cand);
    deliveryAt.assign(nd, {});
    deliveryUpTo.assign(nd, {});
    deliveryByTile.assign(nd, {});
    for (size_t k = 0; k < nd; ++k) {
      for (const std::vector<double> &row : byTile[k]) {
        deliveryByTile[k].emplace_back();
        for (double f : row)
          deliveryByTile[k].back().push_back(totalMacs * f);
      }
      double upTo = INFINITY;
      for (double f : byDim[k]) {
        deliveryAt[k].push_back(totalMacs * f);
        upTo = std::min(upTo, totalMacs * f);
        deliveryUpTo[k].push_back(upTo);
      }
    }
  }

  /// The delivery floor at the node: for each dim, the least over the PE
  /// splits with its split (a chosen dim) or with at most its largest
  /// split (a dim not chosen yet); the largest of those.
  double deliveryFloorAt() const {
    double f = deliveryFloor;
    for (size_t k = 0; k < deliveryPs.size(); ++k) {
      const DimState &st = state[int(sr.dims[k])];
      const std::vector<int64_t> &v = deliveryPs[k];
      int64_t ps = st.fixed ? st.ps : st.maxPs;
      size_t j = size_t(std::upper_bound(v.begin(), v.end(), ps) - v.begin());
      if (j == 0)
        continue;
      --j;
      if (!st.fixed || v[j] != ps) {
        f = std::max(f, deliveryUpTo[k][j]);
        continue;
      }
      f = std::max(f, deliveryAt[k][j]);
      // A chosen dim: the floor of its REGF tile with its split too.
      const std::vector<int64_t> &t = extentDivisors[k];
      auto it = std::lower_bound(t.begin(), t.end(), st.rt);
      if (it != t.end() && *it == st.rt)
        f = std::max(f, deliveryByTile[k][size_t(it - t.begin())][j]);
    }
    return f;
  }

  /// The bus floor at the node: the floor kept for the smallest split at
  /// least the most the dims that leave the read-write tensor in place can
  /// still split it over (busFloor when none is kept).
  double splitFloor() const {
    if (floorSplits.empty())
      return busFloor;
    const TensorInfo &ti = tensors[floorTensor];
    double most = 1;
    for (D d : sr.dims)
      if (!ti.rel.contains(d)) {
        const DimState &st = state[int(d)];
        most *= st.fixed ? double(st.ps * st.ns) : double(st.maxPs * st.maxNs);
      }
    return floorAtSplit(most);
  }

  /// The bus floor of the schedules whose split of the read-write tensor
  /// (over the dims that leave it in place) is at most `most`.
  double floorAtSplit(double most) const {
    if (floorSplits.empty())
      return busFloor;
    auto it = std::lower_bound(floorSplits.begin(), floorSplits.end(),
                               most * (1 - 1e-12));
    return it == floorSplits.end() ? busFloor
                                   : floorsAt[size_t(it - floorSplits.begin())];
  }

  /// Fills `t` from the dim states.
  void nodeTerms(NodeTerms &t) const {
    int64_t pesUB = 1, nodesUB = 1;
    for (D d : sr.dims) {
      const DimState &st = state[int(d)];
      pesUB *= st.fixed ? st.ps : st.maxPs;
      nodesUB *= st.fixed ? st.ns : st.maxNs;
    }
    t.busFloor = splitFloor();
    t.deliveryFloor = deliveryFloorAt();
    t.pesUB = double(std::min(pesUB, arch.numPEsPerNode()));
    t.nodesUB = double(std::min(nodesUB, ctx.region.numNodes()));
    for (int x = 0; x < kNumTensors; ++x) {
      const TensorInfo &ti = tensors[x];
      if (!ti.present)
        continue;
      t.replN[x] = t.replP[x] = t.gbufIdle[x] = 1;
      for (D d : sr.dims) {
        const DimState &st = state[int(d)];
        if (ti.rel.contains(d))
          continue;
        if (st.fixed) {
          t.replN[x] *= double(st.ns);
          t.replP[x] *= double(st.ps);
        }
        t.gbufIdle[x] *= double(st.cntG);
      }
      if (groups > 1 && !ti.rel.contains(D::N))
        t.gbufIdle[x] *= double(groups);
      if (channelGroups > 1 && !ti.rel.contains(channelDim))
        t.gbufIdle[x] *= double(channelGroups);
    }
    // The tensors with a window (the input), and their halo factors; under
    // a REGF order where no loop surely moves one, its halo to the PEs
    // (haloStill) does not depend on the order: a loop of a dim not chosen
    // yet may slide it, or none does.
    std::pair<double, double> gbufHalo{1, 1}, regfHalo{1, 1};
    SlideFactors gbufSlide{1, 1, 1, 1}, regfSlide{1, 1, 1, 1};
    double spread = 0;
    std::array<bool, kNumTensors> windowed{};
    std::array<double, kNumTensors> haloStill;
    haloStill.fill(1);
    bool anyWindow = false;
    for (int x = 0; x < kNumTensors; ++x) {
      windowed[x] =
          halos && tensors[x].present && tensors[x].rel.contains(D::Hi);
      anyWindow |= windowed[x];
    }
    if (anyWindow) {
      gbufHalo = haloFactors();
      regfHalo = haloFactors(/*regf=*/true);
      gbufSlide = slideFactors(/*regf=*/false);
      regfSlide = slideFactors(/*regf=*/true);
      spread = peSpread();
      for (int x = 0; x < kNumTensors; ++x) {
        if (!windowed[x])
          continue;
        const TensorInfo &ti = tensors[x];
        unsigned regfOpen = 0;
        for (D d : sr.dims)
          if (ti.rel.contains(d) && !state[int(d)].fixed &&
              sr.shape.extent(d) > 1)
            regfOpen |= slideOf(d);
        haloStill[x] =
            haloOf(regfHalo, regfSlide, kNoSlide | regfOpen, ti.readWrite);
      }
    }
    // The walk through one loop class depends on the order only through
    // whether a loop outside it already surely moves the tensor, at each
    // level: each class is walked once per tensor for both, and each order
    // combines three of them. The factors are whole numbers below 2^53, so
    // their products do not depend on the grouping.
    struct ClassWalk {
      bool moved = false; ///< whether a loop of the class surely moves it
      unsigned kinds = 0; ///< the slides of the loops up to that one
      double refetch = 1, reads = 1, bus = 1;
    };
    // [tensor][class][moved on entry][level: 0 GBUF, 1 REGF]
    std::array<std::array<std::array<std::array<ClassWalk, 2>, 2>, 3>,
               kNumTensors>
        walks;
    for (int x = 0; x < kNumTensors; ++x) {
      const TensorInfo &ti = tensors[x];
      if (!ti.present)
        continue;
      for (int cls = 0; cls < 3; ++cls) {
        // Both entry states in one pass, in locals: [moved on entry].
        std::array<ClassWalk, 2> g, r;
        g[1].moved = r[1].moved = true;
        for (D d : classDimsOf[cls]) {
          const DimState &st = state[int(d)];
          if (ti.rel.contains(d)) {
            bool mayLoop = !st.fixed && sr.shape.extent(d) > 1;
            if (!g[0].moved && (st.cntG > 1 || mayLoop))
              g[0].kinds |= slideOf(d);
            if (!r[0].moved && (st.cntR > 1 || mayLoop))
              r[0].kinds |= slideOf(d);
            g[0].moved |= st.cntG > 1;
            r[0].moved |= st.cntR > 1;
            continue;
          }
          const double cntG = double(st.cntG), cntR = double(st.cntR);
          if (g[0].moved)
            g[0].refetch *= cntG;
          if (r[0].moved)
            r[0].refetch *= cntR;
          g[1].refetch *= cntG;
          r[1].refetch *= cntR;
          if (ti.readWrite)
            continue;
          g[0].reads *= st.jG[g[0].moved];
          g[0].bus *= st.jGP[g[0].moved];
          r[0].reads *= st.jR[r[0].moved];
          r[0].bus *= st.jRP[r[0].moved];
          g[1].reads *= st.jG[1];
          g[1].bus *= st.jGP[1];
          r[1].reads *= st.jR[1];
          r[1].bus *= st.jRP[1];
        }
        for (int in = 0; in < 2; ++in) {
          walks[x][cls][in][0] = g[in];
          walks[x][cls][in][1] = r[in];
        }
      }
    }
    const EnergyTable &e = arch.energy;
    for (size_t o = 0; o < kOrders.size(); ++o) {
      if (!regfOrderOn(o) && !gbufOrderOn(o))
        continue; // bound() does not look at this order
      // The capacity bounds cost most of a bound: computed when a pair
      // needs them (capacityOf).
      t.gbufCapacity[o] = gbufOrderOn(o) ? NAN : INFINITY;
      t.regfCapacity[o] = regfOrderOn(o) ? NAN : INFINITY;
      for (int x = 0; x < kNumTensors; ++x) {
        const TensorInfo &ti = tensors[x];
        if (!ti.present)
          continue;
        // One walk through both nests of order o (innermost first, a
        // dim not chosen yet at its smallest counts) gives:
        // - the refetch: the product of the loops that leave the tensor in
        //   place outside the innermost one that surely moves it (rg, rr);
        //   whether a REGF loop surely moves it (movedR at the end);
        // - for read-only data, each dim that does not move it multiplies
        //   its GBUF reads and bus deliveries by its node split, its PE
        //   split (on the bus) and its loop counts that refetch it,
        //   together; a dim not chosen yet by the smallest such product
        //   over its choices that fit (DimState::jG and the rest), at
        //   least the product of the smallest of each;
        // - the halos of the input: what the innermost loop moving it can
        //   be at each level (the dims that move it and may loop, up to
        //   the first that surely does): through the GBUF boundary by this
        //   order's innermost GBUF loop moving it (or none); to the PEs by
        //   the innermost REGF loop moving it, under a REGF order where one
        //   surely does, else by a REGF loop of a dim not chosen yet or
        //   none (haloStill; a window slides only along a loop of its own
        //   level, docs/CostModel.md).
        double rg = 1, rr = 1, still = 1, stillBus = 1, moved = 1, movedBus = 1;
        bool movedG = false, movedR = false;
        unsigned kindsG = 0, kindsR = 0;
        for (int cls : kOrders[o]) {
          const ClassWalk &g = walks[x][cls][movedG][0];
          const ClassWalk &r = walks[x][cls][movedR][1];
          kindsG |= g.kinds;
          kindsR |= r.kinds;
          rg *= g.refetch;
          rr *= r.refetch;
          still *= g.reads;
          stillBus *= g.bus;
          moved *= r.reads;
          movedBus *= r.bus;
          movedG = g.moved;
          movedR = r.moved;
        }
        // The loops over the batch groups and then the channel groups,
        // outermost, leave the tensors without N (the channel dim) in
        // place: such a tensor comes again for every group when a loop
        // inside moves it.
        auto outerGroups = [&](int64_t g) {
          if (movedG) {
            rg *= double(g);
            still *= double(g);
            stillBus *= double(g);
          }
          moved *= double(g);
          movedBus *= double(g);
        };
        if (groups > 1 && !ti.rel.contains(D::N))
          outerGroups(groups);
        if (channelGroups > 1 && !ti.rel.contains(channelDim))
          outerGroups(channelGroups);
        t.regfMoves[x][o] = movedR;
        t.halo[x][o] = t.haloMoved[x][o] = 1;
        t.haloStill[x][o] = haloStill[x];
        if (windowed[x]) {
          t.halo[x][o] =
              haloOf(gbufHalo, gbufSlide, movedG ? kindsG : kindsG | kNoSlide,
                     ti.readWrite);
          t.haloMoved[x][o] = haloOf(regfHalo, regfSlide, kindsR, ti.readWrite);
        }
        double words = ti.words * t.halo[x][o];
        double wordsG =
            ti.readWrite ? words * (2 * rg - 1) : words * t.replN[x] * rg;
        if (ti.readWrite || !opts.bufferSharing) {
          t.boundary[x][o] = ti.perWordG * wordsG;
          t.dram[x][o] = wordsG;
        } else {
          // Buffer sharing over a group of s of the replN nodes that hold a
          // tile fetches replN / s copies, each shard passing s - 1 nodes
          // at least one hop apart: per word at least min(replN P, P +
          // (replN - 1) hop) for P = perWordG (and at least one copy).
          t.boundary[x][o] =
              words * rg *
              std::min(t.replN[x] * ti.perWordG,
                       ti.perWordG + (t.replN[x] - 1) * e.nocHop);
          t.dram[x][o] = words * rg;
        }
        // The GBUF reads of the input: its words through the REGFs of one
        // PE position of the four window dims' splits (the halo factor and
        // refetch of the deliveries) times the distinct share (peSpread()).
        auto readHalo = [&](double halo) {
          return windowed[x] ? std::max(1.0, halo * spread) : 1.0;
        };
        if (ti.readWrite) {
          // A REGF loop that moves the tensor leaves every GBUF loop
          // outside: each of them that leaves it in place refetches it.
          // Its 2F - D transfers per REGF tile reach the GBUF as the
          // distinct words of the PEs, as read-only data's do.
          auto words = [&](double refetch) {
            return ti.words * t.replN[x] * (2 * refetch - 1);
          };
          auto below = [&](double atGbuf, double halo) {
            return e.gbuf * atGbuf * readHalo(halo) +
                   e.bus * atGbuf * t.replP[x] * halo;
          };
          t.readsStill[x][o] = words(rg) * readHalo(t.haloStill[x][o]);
          t.belowStill[x][o] = below(words(rg), t.haloStill[x][o]);
          const double refetchMoved = rr * t.gbufIdle[x];
          t.readsMoved[x][o] =
              words(refetchMoved) * readHalo(t.haloMoved[x][o]);
          t.belowMoved[x][o] = below(words(refetchMoved), t.haloMoved[x][o]);
          continue;
        }
        t.readsStill[x][o] = ti.words * still * readHalo(t.haloStill[x][o]);
        t.belowStill[x][o] = e.gbuf * t.readsStill[x][o] +
                             e.bus * ti.words * stillBus * t.haloStill[x][o];
        t.readsMoved[x][o] = ti.words * moved * readHalo(t.haloMoved[x][o]);
        t.belowMoved[x][o] = e.gbuf * t.readsMoved[x][o] +
                             e.bus * ti.words * movedBus * t.haloMoved[x][o];
      }
    }
  }

  /// The capacity bound of GBUF (or REGF) order `o`, computed once per node.
  double capacityOf(NodeTerms &t, size_t o, bool regf) const {
    double &c = regf ? t.regfCapacity[o] : t.gbufCapacity[o];
    if (std::isnan(c)) {
      // The words of each tensor crossing the GBUF boundary carry its
      // halos under this order (NodeTerms::halo).
      std::array<double, kNumTensors> halo;
      for (int x = 0; x < kNumTensors; ++x)
        halo[x] = regf || !capacityHalos ? 1.0 : t.halo[x][o];
      c = capacityBound(kOrders[o], regf, halo);
    }
    return c;
  }

  /// The bound for the order pair (kOrders[r], kOrders[g]) given the
  /// capacity bounds of its two orders; with both at 0, a bound that does
  /// not need them (the bound grows with them).
  double boundFor(const NodeTerms &t, size_t r, size_t g, double gbufCapacity,
                  double regfCapacity) const {
    const EnergyTable &e = arch.energy;
    double dramWords = 0, gbufReads = 0, atBoundary = 0, belowGbuf = 0;
    for (int x = 0; x < kNumTensors; ++x) {
      const TensorInfo &ti = tensors[x];
      if (!ti.present)
        continue;
      atBoundary += t.boundary[x][g];
      if (ti.offChip)
        dramWords += t.dram[x][g];
      bool moved = t.regfMoves[x][r];
      belowGbuf += moved ? t.belowMoved[x][r] : t.belowStill[x][g];
      gbufReads += moved ? t.readsMoved[x][r] : t.readsStill[x][g];
    }
    // Below the GBUF: its reads and the bus deliveries, each at least its
    // part of belowGbuf, the deliveries at least the bus floor too.
    double readEnergy = splitFloors ? e.gbuf * gbufReads : 0;
    double energy =
        constEnergy + std::max(atBoundary, gbufCapacity) +
        std::max({regfCapacity, t.deliveryFloor,
                  readEnergy + std::max(belowGbuf - readEnergy, t.busFloor)});
    // The GBUF reads are rounded per node and tensor in the model: the
    // reads of all nodes by up to `slack`, each node's, which set the bus
    // cycles, by up to kGbufReadRoundingPerNode.
    double slack = kGbufReadRoundingPerNode * t.nodesUB;
    energy -= e.gbuf * slack;
    double wordBytes = double(arch.wordBits) / 8;
    double wordsPerBusCycle = double(arch.busBits) / double(arch.wordBits);
    double cycles =
        std::max({totalMacs / (t.pesUB * t.nodesUB),
                  dramWords * wordBytes / arch.dramBwBytesPerCycle,
                  (gbufReads / t.nodesUB - kGbufReadRoundingPerNode) /
                      wordsPerBusCycle});
    energy += e.staticPerCycle * cycles;
    energy = std::max(energy, 0.0);
    switch (opts.objective) {
    case Objective::Energy:
      return energy;
    case Objective::Delay:
      return cycles;
    case Objective::EDP:
      return energy * cycles;
    }
    return energy;
  }

  /// The bound of an order pair with its capacity bounds; infinity when no
  /// completion with these orders fits.
  double fullBoundFor(NodeTerms &t, size_t r, size_t g) const {
    double gc = capacityOf(t, g, /*regf=*/false);
    if (!std::isfinite(gc))
      return INFINITY;
    double rc = capacityOf(t, r, /*regf=*/true);
    if (!std::isfinite(rc))
      return INFINITY;
    return boundFor(t, r, g, gc, rc);
  }

  /// The smallest bound over every order pair. The pairs are taken by
  /// their bound without the capacity terms, a lower bound of their full
  /// bound, and the capacity bounds are computed only for pairs whose
  /// lower bound is below the best full bound so far: the same value. With
  /// `prune`, the walk also stops at a lower bound not worth exploring
  /// (worth()), and the value returned is then not worth exploring either
  /// (the smallest of the lower bound and the best so far).
  double bound(bool prune = false) const {
    NodeTerms t;
    nodeTerms(t);
    std::array<std::pair<double, uint8_t>, 36> pairs;
    size_t n = 0;
    for (size_t g = 0; g < kOrders.size(); ++g) {
      if (!gbufOrderOn(g))
        continue;
      for (size_t r = 0; r < kOrders.size(); ++r)
        if (regfOrderOn(r))
          pairs[n++] = {boundFor(t, r, g, 0, 0), uint8_t(g * 6 + r)};
    }
    double b = INFINITY;
    for (size_t j = 0; j < n; ++j) {
      // The next pair by lower bound (few are taken: no full sort).
      std::swap(pairs[j],
                *std::min_element(pairs.begin() + j, pairs.begin() + n));
      double low = pairs[j].first;
      if (low >= b)
        break;
      if (prune && !worth(low))
        return std::min(b, low);
      b = std::min(b,
                   fullBoundFor(t, pairs[j].second % 6, pairs[j].second / 6));
    }
    return b;
  }

  /// The capacity bound on the energy of the words crossing the GBUF
  /// boundary for GBUF order `go` (innermost class first). Let M_c be the
  /// number of GBUF tiles along class c (the product over its dims of
  /// extent / tile = node split x loop count). A tensor whose irrelevant
  /// loops are exactly those of class c crosses |X| * M_c times if some
  /// class inside c in the order has a loop (read-write data:
  /// |X| * (2 M_c / nodes - 1) at least), else at least |X|. Its tile fits
  /// the GBUF only if the product of M over the classes it spans is at
  /// least its extent over the usable words. The smallest cost under these
  /// constraints, over every pattern of which classes loop, with M_c
  /// relaxed to reals between what the chosen dims fix and what the others
  /// allow, bounds the cost of every completion (M counts one batch group;
  /// a tensor without N comes again for each group). Infinity when no
  /// pattern fits.
  double capacityBound(const std::array<uint8_t, 3> &order, bool regf,
                       const std::array<double, kNumTensors> &halo) const {
    if (!(gbufCap > 0) || !(regfCap > 0))
      return 0;
    const EnergyTable &e = arch.energy;
    // Per class: the range of M, the largest node (and PE) split, whether
    // it loops for sure, or for sure not.
    std::array<double, 3> lo{}, hi{}, nodesMax{}, pesMax{}, cntLo{};
    std::array<bool, 3> mustLoop{}, mayLoop{};
    double regionNodes = double(ctx.region.numNodes());
    for (int c = 0; c < 3; ++c) {
      lo[c] = hi[c] = nodesMax[c] = pesMax[c] = cntLo[c] = 1;
      for (D d : classDimsOf[c]) {
        const DimState &st = state[int(d)];
        double ext = double(sr.shape.extent(d));
        int64_t cnt = regf ? st.cntR : st.cntG;
        if (st.fixed) {
          double m = regf ? ext / double(st.rt) : double(st.ns * st.cntG);
          lo[c] *= m;
          hi[c] *= m;
          mayLoop[c] |= cnt > 1;
        } else {
          lo[c] *= regf ? double(st.cntR * st.cntG) : double(st.cntG);
          hi[c] *= ext;
          mayLoop[c] |= ext > 1;
        }
        mustLoop[c] |= cnt > 1;
        cntLo[c] *= double(st.cntG);
        nodesMax[c] *= double(st.fixed ? st.ns : st.maxNs);
        pesMax[c] *= double(st.fixed ? st.ps : st.maxPs);
      }
      nodesMax[c] = std::min(nodesMax[c], regionNodes);
      pesMax[c] = std::min(pesMax[c], double(arch.numPEsPerNode()));
    }
    double cap = double(regf ? regfCap : gbufCap);
    // The most nodes that can share each tensor's GBUF tile.
    std::array<double, kNumTensors> share;
    share.fill(1);
    if (!regf && opts.bufferSharing)
      for (int x = 0; x < kNumTensors; ++x) {
        const TensorInfo &ti = tensors[x];
        if (!ti.present || ti.readWrite)
          continue;
        double r = 1;
        for (D d : sr.dims)
          if (!ti.rel.contains(d)) {
            const DimState &st = state[int(d)];
            r *= double(st.fixed ? st.ns : st.maxNs);
          }
        share[x] = std::min(r, regionNodes);
      }
    // The node splits of the three classes multiply to at most the
    // region's nodes: the bound below, with each class's split at most
    // nodesMax, is taken for every largest split per class within that
    // product (a larger split only weakens it), the smallest kept. On
    // large regions, where these are many, once with nodesMax alone.
    auto overPatterns = [&](const std::array<double, 3> &nodesMax,
                            const std::array<double, kNumTensors> &share) {
      double best = INFINITY;
      for (int pattern = 0; pattern < 8; ++pattern) {
        std::array<bool, 3> loops{};
        bool consistent = true;
        for (int c = 0; c < 3; ++c) {
          loops[c] = pattern & (1 << c);
          consistent &= loops[c] ? mayLoop[c] : !mustLoop[c];
        }
        if (!consistent)
          continue;
        // At the GBUF a class without loops has only its node split.
        std::array<double, 3> l = lo, h = hi;
        if (!regf)
          for (int c = 0; c < 3; ++c)
            if (!loops[c])
              h[c] = std::min(h[c], nodesMax[c]);
        bool feasible = true;
        for (int c = 0; c < 3; ++c)
          feasible &= l[c] <= h[c];
        if (!feasible)
          continue;
        // Cost: a constant plus p[c] * M_c.
        // With buffer sharing a paying read-only tensor of class c costs at
        // least |X| g (cnt_c (P - hop) + M_c hop), cnt_c = M_c / (nodes of
        // c) its loop count: linear in M_c two ways, with cnt_c at least
        // M_c / nodesMax[c] (variant 0) or at least its smallest count
        // (variant 1); each gives a bound, the larger holds.
        double patternBest = -INFINITY;
        bool twoWays = false;
        for (int variant = 0; variant < 2; ++variant) {
          if (variant == 1 && !twoWays)
            break;
          std::array<double, 3> p{};
          // The same cost with the loop counts whole (GBUF only): per class
          // lin * M_c + step * (its loop count, at least M_c / nodes).
          StepCosts steps;
          steps.nodes = nodesMax;
          double constant = 0;
          for (int xi = 0; xi < kNumTensors; ++xi) {
            const TensorInfo &x = tensors[xi];
            if (!x.present)
              continue;
            const double words = x.words * halo[xi];
            int c = x.refetchClass;
            bool pays = false;
            if (c >= 0)
              for (int pos = 0; pos < 3 && order[pos] != c; ++pos)
                pays |= loops[order[pos]];
            // The loop over batch groups (outermost, M counts one group) leaves
            // a tensor without N in place: it comes again for every group when
            // a loop inside moves it.
            double g = 1;
            if (groups > 1 && c >= 0 && !x.rel.contains(D::N))
              for (int other = 0; other < 3; ++other)
                if (other != c && loops[other])
                  g = double(groups);
            if (!regf) {
              double a = x.perWordG * words;
              // Shared over the nodes that split class c (at most nodesMax),
              // a word costs at least hop + (P - hop) / nodes (the bound in
              // boundFor per node of the group).
              const bool shared = opts.bufferSharing && pays && !x.readWrite &&
                                  nodesMax[c] > 1 && x.perWordG > e.nocHop;
              if (shared) {
                twoWays = true;
                if (variant == 0) {
                  a = words *
                      (e.nocHop + (x.perWordG - e.nocHop) / nodesMax[c]);
                  steps.lin[c] += words * g * e.nocHop;
                  steps.step[c] += words * g * (x.perWordG - e.nocHop);
                } else {
                  a = words * e.nocHop;
                  constant += words * g * (x.perWordG - e.nocHop) * cntLo[c];
                }
              }
              if (!pays && x.readWrite) {
                constant += a * (2 * g - 1);
              } else if (!pays) {
                constant += a * g;
              } else if (x.readWrite) {
                p[c] += 2 * a * g / nodesMax[c];
                steps.step[c] += 2 * a * g;
                constant -= a;
              } else {
                p[c] += a * g;
                if (!(shared && variant == 0))
                  steps.lin[c] += a * g;
              }
              continue;
            }
            // Between GBUF and PEs: bus deliveries |X| M_c and GBUF reads
            // |X| M_c / (PE split of c) when paying.
            double bus = e.bus * x.words, gbuf = e.gbuf * x.words;
            if (!pays && x.readWrite) {
              constant += (bus + gbuf) * (2 * g - 1);
            } else if (!pays) {
              constant += (bus + gbuf) * g;
            } else if (x.readWrite) {
              p[c] += 2 * g * (bus + gbuf / pesMax[c]);
              constant -= bus * pesMax[c] * nodesMax[c] + gbuf * nodesMax[c];
            } else {
              p[c] += g * (bus + gbuf / pesMax[c]);
            }
          }
          patternBest = std::max(
              patternBest,
              minimiseOverTiles(l, h, p, constant, cap, share, loops,
                                regf ? INFINITY : regionNodes,
                                !regf && wholeCounts ? &steps : nullptr));
        }
        best = std::min(best, patternBest);
      }
      return best;
    };
    if (nodesMax[0] * nodesMax[1] * nodesMax[2] <= regionNodes ||
        regionNodes > 64)
      return overPatterns(nodesMax, share);
    // The classes each tensor's sharing nodes split (dims it does not
    // move).
    std::array<std::array<bool, 3>, kNumTensors> sharedOver{};
    for (int x = 0; x < kNumTensors; ++x)
      for (int c = 0; c < 3; ++c)
        for (D d : classDimsOf[c])
          sharedOver[x][c] |= !tensors[x].rel.contains(d);
    auto most = [&](double v, int c) {
      return std::min(nodesMax[c], std::floor(v + 1e-9));
    };
    double best = INFINITY;
    for (double n0 = 1; n0 <= nodesMax[0]; ++n0)
      for (double n1 = 1; n1 <= most(regionNodes / n0, 1); ++n1) {
        double n2 = most(regionNodes / (n0 * n1), 2);
        if (n2 < 1)
          continue;
        // Only the largest splits: none of the three can grow.
        if ((n0 + 1 <= nodesMax[0] && (n0 + 1) * n1 * n2 <= regionNodes) ||
            (n1 + 1 <= nodesMax[1] && n0 * (n1 + 1) * n2 <= regionNodes))
          continue;
        std::array<double, 3> split = {n0, n1, n2};
        std::array<double, kNumTensors> shareHere = share;
        for (int x = 0; x < kNumTensors; ++x) {
          double r = 1;
          for (int c = 0; c < 3; ++c)
            if (sharedOver[x][c])
              r *= split[c];
          shareHere[x] = std::min(shareHere[x], r);
        }
        best = std::min(best, overPatterns(split, shareHere));
      }
    return best;
  }

  /// min constant + sum p[c] M_c with M_c in [l, h] and, for every tensor,
  /// the product of M over its tile classes at least its need. The classes
  /// without cost take their largest value; the rest is one or two
  /// variables under box and product constraints, solved in closed form.
  /// At the GBUF a class without loops (`loops` false) has only its node
  /// split, so the product of M over those classes is at most the region's
  /// `nodes`: the classes without cost and without loops of a tensor's
  /// tile together give it at most that over the others' smallest M.
  double minimiseOverTiles(std::array<double, 3> l, std::array<double, 3> h,
                           const std::array<double, 3> &p, double constant,
                           double cap,
                           const std::array<double, kNumTensors> &share,
                           const std::array<bool, 3> &loops, double nodes,
                           const StepCosts *steps = nullptr) const {
    llvm::SmallVector<int, 3> costly;
    std::array<double, 3> x{};
    for (int c = 0; c < 3; ++c) {
      if (p[c] > 0)
        costly.push_back(c);
      else
        x[c] = h[c];
    }
    // Constraints become bounds on the costly classes; with two costly
    // classes in one constraint, a product bound.
    double pairNeed = 0;
    for (int k = 0; k < kNumTensors; ++k) {
      const TensorInfo &t = tensors[k];
      if (!t.present || t.tileClasses.empty())
        continue;
      const double whole = t.tileExtent / (cap * share[k]);
      double need = whole;
      llvm::SmallVector<int, 3> free;
      // The classes of the tile without loops have only their node splits:
      // their product is at most `nodes` over the smallest M of the other
      // classes without loops.
      double splitCap = nodes;
      for (int c = 0; c < 3; ++c)
        if (!loops[c] && !llvm::is_contained(t.tileClasses, c))
          splitCap /= l[c];
      splitCap = std::max(splitCap, 1.0);
      double splitOnly = 1; // those of them without cost
      bool allSplit = true;
      for (int c : t.tileClasses) {
        allSplit &= !loops[c];
        if (p[c] > 0)
          free.push_back(c);
        else if (!loops[c])
          splitOnly *= x[c];
        else
          need /= x[c];
      }
      need /= std::min(splitOnly, splitCap);
      // With every class of the tile split-only (costly or not), the tile
      // fits only if its need is within that product.
      if (allSplit && whole > splitCap * (1 + 1e-9))
        return INFINITY;
      if (free.empty()) {
        if (need > 1 + 1e-9)
          return INFINITY;
      } else if (free.size() == 1) {
        l[free[0]] = std::max(l[free[0]], need);
      } else {
        pairNeed = std::max(pairNeed, need); // both costly classes
      }
    }
    for (int c : costly)
      if (l[c] > h[c] * (1 + 1e-12))
        return INFINITY;
    if (costly.empty())
      return constant;
    if (steps)
      return constant + minimiseOverCounts(costly, l, h, pairNeed, *steps);
    if (costly.size() == 1) {
      int c = costly[0];
      return constant + p[c] * l[c];
    }
    int a = costly[0], b = costly[1];
    if (costly.size() == 3) // every class costs: keep the bound simple
      return constant + p[0] * l[0] + p[1] * l[1] + p[2] * l[2];
    if (l[a] * l[b] >= pairNeed)
      return constant + p[a] * l[a] + p[b] * l[b];
    if (h[a] * h[b] < pairNeed * (1 - 1e-12))
      return INFINITY;
    // On the curve M_a M_b = need: M_a in [max(l_a, need / h_b),
    // min(h_a, need / l_b)], cost p_a M_a + p_b need / M_a, convex.
    double from = std::max(l[a], pairNeed / h[b]);
    double to = std::min(h[a], pairNeed / l[b]);
    double ma = std::clamp(std::sqrt(p[b] * pairNeed / p[a]), from, to);
    return constant + p[a] * ma + p[b] * pairNeed / ma;
  }

  /// The cost of the costly classes of minimiseOverTiles() with each class
  /// c's M_c one of its tile counts (tileCountsOf()) and its loop count a
  /// whole number, at least M_c over its most nodes: the smallest of the sum
  /// of steps.lin[c] * M_c + steps.step[c] * ceil(M_c / steps.nodes[c]),
  /// with M_c in [l_c, h_c] and, for two costly classes, M_a M_b at least
  /// `pairNeed`. Every term grows with M_c, so each class takes its
  /// smallest count that fits; with two, each count of the one with fewer
  /// counts and the smallest of the other that meets the product.
  double minimiseOverCounts(llvm::ArrayRef<int> costly,
                            const std::array<double, 3> &l,
                            const std::array<double, 3> &h, double pairNeed,
                            const StepCosts &steps) const {
    auto cost = [&](int c, double m) {
      return steps.lin[c] * m +
             steps.step[c] * std::ceil(m / steps.nodes[c] - 1e-9);
    };
    // The smallest of class c's `counts` at least m (within h_c), or
    // infinity.
    auto atLeast = [&](int c, llvm::ArrayRef<double> counts, double m) {
      auto it = std::lower_bound(counts.begin(), counts.end(), m * (1 - 1e-9));
      return it == counts.end() || *it > h[c] * (1 + 1e-9) ? INFINITY : *it;
    };
    if (costly.size() != 2) {
      double v = 0;
      for (int c : costly) {
        double m = atLeast(c, tileCountsOf(c), l[c]);
        if (!std::isfinite(m))
          return INFINITY;
        v += cost(c, m);
      }
      return v;
    }
    int a = costly[0], b = costly[1];
    llvm::ArrayRef<double> countsA = tileCountsOf(a), countsB = tileCountsOf(b);
    if (countsA.size() > countsB.size()) {
      std::swap(a, b);
      std::swap(countsA, countsB);
    }
    const double leastB = atLeast(b, countsB, l[b]);
    if (!std::isfinite(leastB))
      return INFINITY;
    const double leastCostB = cost(b, leastB);
    double best = INFINITY;
    for (auto it = std::lower_bound(countsA.begin(), countsA.end(),
                                    l[a] * (1 - 1e-9));
         it != countsA.end(); ++it) {
      double ma = *it;
      if (ma > h[a] * (1 + 1e-9) || cost(a, ma) + leastCostB >= best)
        break;
      double mb = atLeast(b, countsB, std::max(l[b], pairNeed / ma));
      if (std::isfinite(mb))
        best = std::min(best, cost(a, ma) + cost(b, mb));
    }
    return best;
  }

  /// The values M_c can take at the GBUF with the dims chosen so far, in
  /// ascending order: the products over class c's dims of extent / GBUF
  /// tile (a divisor of the extent, or what a chosen dim fixes). Kept
  /// until the choices of those dims change.
  const std::vector<double> &tileCountsOf(int c) const {
    TileCounts &tc = tileCounts[c];
    std::array<int64_t, 3> key{};
    for (size_t j = 0; j < classDimsOf[c].size(); ++j) {
      const DimState &st = state[int(classDimsOf[c][j])];
      key[j] = st.fixed ? st.ns * st.cntG : 0;
    }
    if (tc.valid && tc.key == key)
      return tc.counts;
    tc.valid = true;
    tc.key = key;
    tc.counts.assign(1, 1.0);
    std::vector<double> next;
    for (size_t j = 0; j < classDimsOf[c].size(); ++j) {
      D d = classDimsOf[c][j];
      llvm::ArrayRef<int64_t> values(key[j]);
      if (!key[j])
        values = extentDivisors[llvm::find(sr.dims, d) - sr.dims.begin()];
      next.clear();
      for (double m : tc.counts)
        for (int64_t v : values)
          next.push_back(m * double(v));
      llvm::sort(next);
      next.erase(std::unique(next.begin(), next.end()), next.end());
      tc.counts.swap(next);
    }
    return tc.counts;
  }

  /// Runs the search; false when the deadline or the budget stopped it.
  bool run() {
    if (!forwardCheck()) {
      rootBound = INFINITY;
      return true;
    }
    rootBound = bound();
    dfs(0, rootBound);
    return !stopped;
  }

  /// The certified bound: the incumbent, or less where a subtree was left
  /// unexplored by a stop.
  double certifiedBound() const { return std::min(incumbent, openBound); }

  /// Evaluates `s` (a complete schedule) exactly; keeps it when better.
  void evaluate(const LayerSchedule &s) {
    sr.evaluate(s, arch);
    ++evaluations;
    const LayerCost &scratch = sr.scratch;
    if (!scratch.valid)
      return;
    double v = objectiveValue(opts.objective, scratch.cost);
    if (v < incumbent) {
      incumbent = v;
      if (shared) {
        double seen = shared->load(std::memory_order_relaxed);
        while (v < seen && !shared->compare_exchange_weak(seen, v))
          ;
      }
      best.found = true;
      best.schedule = s;
      best.dataflow = sr.dataflowOf(s);
      best.cost = scratch;
      improved = true;
    }
  }

  Searcher sr;
  Space space;
  const ArchDesc &arch;
  const LayerDesc &layer;
  const LayerContext &ctx;
  const SolveOptions &opts;
  int64_t regfCap, gbufCap;
  std::array<TensorInfo, kNumTensors> tensors;
  std::array<DimState, kNumDims> state;
  double totalMacs = 0, constEnergy = 0;
  /// A floor on the energy of the bus deliveries (busFloor below).
  double busFloor = 0;
  /// Floors on the bus energy by the split of the read-write tensor
  /// (tensors[floorTensor]) over the dims that leave it in place: at most
  /// floorSplits[j], at least floorsAt[j] (tightenBusFloor()).
  std::vector<double> floorSplits, floorsAt;
  int floorTensor = -1;
  /// A floor on the energy of the GBUF reads and the bus deliveries
  /// together (tightenDeliveryFloor()); per dim (index into sr.dims) and
  /// PE split (deliveryPs, ascending), the floor of the schedules with
  /// that split and with at most that split.
  double deliveryFloor = 0;
  std::vector<std::vector<int64_t>> deliveryPs;
  std::vector<std::vector<double>> deliveryAt, deliveryUpTo;
  /// Per dim, per REGF tile (an index into extentDivisors) and PE split
  /// (as deliveryPs) the floor of the schedules with both.
  std::vector<std::vector<std::vector<double>>> deliveryByTile;
  /// Whether tightenBusFloor() keeps the floors by split, and the bound
  /// takes the GBUF reads below the GBUF apart from the bus deliveries.
  bool splitFloors = true;
  std::array<llvm::SmallVector<D, 3>, 3> classDimsOf;
  int64_t groups = 1;
  /// The channel groups and their dim (sr.groupDim): the loop over
  /// them runs right inside the batch groups' and leaves the tensors
  /// without that dim in place.
  int64_t channelGroups = 1;
  D channelDim = D::N;
  /// Input rows and cols the layer touches.
  double rowsTouched = 1, colsTouched = 1;
  /// Whether the bound counts the input's halos (haloFactors(), haloOf()).
  bool halos = true;
  /// Whether the GBUF capacity bound counts tiles and loops in whole
  /// numbers (minimiseOverCounts()); else in reals.
  bool wholeCounts = true;
  /// Whether the GBUF capacity bound counts the input's halos (capacityOf()).
  bool capacityHalos = true;
  /// tileCountsOf()'s answers per class, with the choices they hold for.
  struct TileCounts {
    bool valid = false;
    std::array<int64_t, 3> key{};
    std::vector<double> counts;
  };
  mutable std::array<TileCounts, 3> tileCounts;
  /// Per dim (index into sr.dims): the divisors of its extent, ascending,
  /// and fitting()'s answers by their limits, at most kMaxFitMemo each.
  std::vector<std::vector<int64_t>> extentDivisors;
  std::vector<llvm::DenseMap<uint64_t, DimState>> fitMemo;
  static constexpr size_t kMaxFitMemo = 1 << 14;
  /// Whether to branch on the dim with the fewest children worth exploring
  /// (dfs()); else on the one with the fewest choices that fit
  /// (branchDim()), as the descent's budgeted walks were tuned on.
  bool strong = true;
  /// A node is worth exploring when its bound is below the incumbent by
  /// more than a fraction 1e-8 and, with the energy objective, by more than
  /// the energy the bound gives up for the model's rounding
  /// (exactRoundingMargin(): the `slack` of boundFor()): a bound
  /// and a cost computed along different paths differ in their last bits
  /// and by that rounding, and a layer whose bound meets its incumbent (a
  /// pooling layer: every schedule moves the same words) would otherwise be
  /// searched to the end for schedules no better. Without the margins a
  /// node is worth exploring when its bound is below the incumbent at all.
  double tieFraction = 0, tieEnergy = 0;
  void setTieMargins(bool on) {
    tieFraction = on ? 1e-8 : 0;
    tieEnergy = on && opts.objective == Objective::Energy
                    ? exactRoundingMargin(arch, ctx)
                    : 0;
  }

  /// When set (an index of kOrders), only this REGF or GBUF order.
  int onlyRegfOrder = -1, onlyGbufOrder = -1;
  bool regfOrderOn(size_t o) const {
    return onlyRegfOrder < 0 || int(o) == onlyRegfOrder;
  }
  bool gbufOrderOn(size_t o) const {
    return onlyGbufOrder < 0 || int(o) == onlyGbufOrder;
  }
  /// The bounds of children computed, and how many may be (0: no limit):
  /// they take most of a search's time where a dim has many choices.
  int64_t bounds = 0, boundBudget = 0;

  double incumbent = INFINITY;
  /// The best value any sibling search has found (parallel search only).
  std::atomic<double> *shared = nullptr;
  LayerSolution best;
  bool improved = false;
  int64_t evaluations = 0, nodes = 0;
  double rootBound = 0;
  double openBound = INFINITY;
  bool stopped = false;

  // The search (public for the parallel driver below).
  bool outOfTime() {
    if (stopped)
      return true;
    if ((opts.budget && evaluations + nodes >= opts.budget) ||
        (boundBudget && bounds >= boundBudget))
      stopped = true;
    // Every node: a node computes the bounds of all its children, which
    // takes far longer than reading the clock.
    else if (opts.deadline &&
             std::chrono::steady_clock::now() >= *opts.deadline)
      stopped = true;
    return stopped;
  }

  /// A bound worth exploring: below this search's incumbent and not above
  /// the best any parallel sibling has found (ties stay, so that the
  /// answer does not depend on which sibling finds it first).
  bool worth(double b) const {
    return b < incumbent * (1 - tieFraction) - tieEnergy &&
           (!shared || b <= shared->load(std::memory_order_relaxed));
  }

  /// The dim to branch on: the one with the fewest choices left (fail
  /// first): its children are few, and fixing it narrows the others.
  size_t branchDim() const {
    size_t k = 0;
    int64_t fewest = std::numeric_limits<int64_t>::max();
    for (size_t j = 0; j < sr.dims.size(); ++j) {
      const DimState &st = state[int(sr.dims[j])];
      if (!st.fixed && st.feasible < fewest) {
        fewest = st.feasible;
        k = j;
      }
    }
    return k;
  }

  /// The children of the current node along dim k worth exploring, best
  /// bound first: (bound, choice index). With `limit`, the count stops
  /// there (the list is then incomplete).
  llvm::SmallVector<std::pair<double, uint32_t>, 64>
  childrenOf(size_t k, size_t limit = std::numeric_limits<size_t>::max()) {
    llvm::SmallVector<std::pair<double, uint32_t>, 64> children;
    for (uint32_t c = 0; c < space.choices[k].size(); ++c) {
      if (children.size() >= limit)
        return children;
      fix(k, space.choices[k][c]);
      if (!fitsFixed() || !forwardCheck()) {
        unfix(k);
        continue;
      }
      double b = bound(/*prune=*/true);
      ++bounds;
      unfix(k);
      if (worth(b))
        children.push_back({b, c});
    }
    // Best bound first, ties in the order of the choices.
    std::sort(children.begin(), children.end());
    return children;
  }

  void dfs(size_t depth, double here) {
    ++nodes;
    if (outOfTime()) {
      openBound = std::min(openBound, here);
      return;
    }
    if (depth == sr.dims.size()) {
      leaf();
      return;
    }
    size_t k = branchDim();
    llvm::SmallVector<std::pair<double, uint32_t>, 64> kids;
    if (strong) {
      // The dim with the fewest children worth exploring: the dims are
      // taken by their choices that fit, fewest first, and a dim's count
      // stops once it reaches the fewest so far (so the first of equals
      // wins). Counted against this search's own incumbent, not the best
      // of the parallel siblings (which depends on their timing): the
      // tree, and so the first optimum in its order, stay the same on any
      // number of threads.
      std::atomic<double> *siblings = shared;
      shared = nullptr;
      llvm::SmallVector<std::pair<int64_t, size_t>, 7> open;
      for (size_t j = 0; j < sr.dims.size(); ++j)
        if (!state[int(sr.dims[j])].fixed)
          open.push_back({state[int(sr.dims[j])].feasible, j});
      std::sort(open.begin(), open.end());
      size_t fewest = std::numeric_limits<size_t>::max();
      for (auto [feasible, j] : open) {
        if (fewest == 0)
          break;
        auto children = childrenOf(j, fewest);
        if (children.size() < fewest) {
          fewest = children.size();
          k = j;
          kids = std::move(children);
        }
      }
      shared = siblings;
      llvm::erase_if(kids, [&](const auto &kid) { return !worth(kid.first); });
    } else
      kids = childrenOf(k);
    for (auto [b, c] : kids) {
      if (!worth(b))
        break;
      if (stopped) {
        openBound = std::min(openBound, b);
        break;
      }
      fix(k, space.choices[k][c]);
      forwardCheck();
      dfs(depth + 1, b);
      unfix(k);
    }
  }

  /// The fixed dims alone fit the PEs, nodes and buffers.
  bool fitsFixed() const {
    auto [pes, nodes] = fixedSplits();
    return pes <= arch.numPEsPerNode() && nodes <= ctx.region.numNodes() &&
           levelWords(sr.shape, space.schedule.regfTile) <= regfCap &&
           (levelWords(sr.shape, space.schedule.gbufTile) <= gbufCap ||
            sharedLevelWords(sr.shape, space.schedule.gbufTile,
                             shareBounds(sr.shape, space.schedule, fixedDims(),
                                         ctx.region.numNodes(),
                                         opts.bufferSharing)) <=
                double(gbufCap));
  }

  void leaf() {
    LayerSchedule &s = space.schedule;
    LoopingClasses looping = loopingClasses(sr.shape, s);
    NodeTerms t;
    nodeTerms(t);
    auto shares = shareChoices(sr.shape, s, opts.bufferSharing);
    auto regfOrders = onlyRegfOrder >= 0
                          ? llvm::SmallVector<std::array<uint8_t, 3>, 6>{kOrders[onlyRegfOrder]}
                          : distinctOrders(looping.regf);
    auto gbufOrders = onlyGbufOrder >= 0
                          ? llvm::SmallVector<std::array<uint8_t, 3>, 6>{kOrders[onlyGbufOrder]}
                          : distinctOrders(looping.gbuf);
    for (const auto &ro : regfOrders)
      for (const auto &go : gbufOrders) {
        size_t r = orderIndex(ro), g = orderIndex(go);
        if (!worth(boundFor(t, r, g, 0, 0)) || !worth(fullBoundFor(t, r, g)))
          continue;
        s.regfOrder = ro;
        s.gbufOrder = go;
        for (const auto &share : shares) {
          s.share = share;
          evaluate(s);
        }
      }
    s.regfOrder = s.gbufOrder = kOrders[0];
    s.share = {};
  }

};

} // namespace

namespace {
/// The root's children searched by `opts.forEach`, each subtree by its own
/// search; they share only the best value found, for cutting. A subtree
/// never cuts a node whose bound equals that value, so each subtree that
/// holds an optimum finds the first one in its own order, and the lowest
/// such subtree gives the answer: the first optimum in the order of the
/// sequential search, whatever the threads do.
LayerSolution solveInParallel(ExactSearch &root, const LayerSolution &start,
                              const SolveOptions &opts) {
  LayerSolution out = start;
  if (!root.forwardCheck()) {
    out.complete = false; // nothing of the space fits
    return out;
  }
  root.rootBound = root.bound();
  ++root.nodes;
  size_t k = root.branchDim();
  auto children = root.childrenOf(k);
  std::atomic<double> shared(root.incumbent);
  std::vector<std::unique_ptr<ExactSearch>> subs(children.size());
  opts.forEach(children.size(), [&](size_t j) {
    auto sub = std::make_unique<ExactSearch>(root.arch, root.layer, root.ctx,
                                             opts);
    sub->incumbent = root.incumbent;
    sub->busFloor = root.busFloor;
    sub->floorSplits = root.floorSplits;
    sub->floorsAt = root.floorsAt;
    sub->floorTensor = root.floorTensor;
    sub->deliveryFloor = root.deliveryFloor;
    sub->deliveryPs = root.deliveryPs;
    sub->deliveryAt = root.deliveryAt;
    sub->deliveryUpTo = root.deliveryUpTo;
    sub->deliveryByTile = root.deliveryByTile;
    sub->shared = &shared;
    sub->fix(k, sub->space.choices[k][children[j].second]);
    sub->forwardCheck();
    if (sub->worth(children[j].first))
      sub->dfs(1, children[j].first);
    sub->fitMemo = {}; // kept until every subtree is done: free it now
    subs[j] = std::move(sub);
  });
  double bestValue = root.incumbent, open = INFINITY;
  bool complete = true;
  out.nodes = root.nodes;
  for (const auto &sub : subs) {
    out.nodes += sub->nodes;
    out.evaluations += sub->evaluations;
    complete &= !sub->stopped;
    open = std::min(open, sub->openBound);
    if (sub->improved && sub->incumbent < bestValue) {
      bestValue = sub->incumbent;
      out.schedule = sub->best.schedule;
      out.dataflow = sub->best.dataflow;
      out.cost = sub->best.cost;
      out.found = true;
    }
  }
  out.complete = complete && out.found;
  if (out.found)
    out.bound = complete ? bestValue : std::min(bestValue, open);
  return out;
}
} // namespace

LayerSolution solveLayerExact(const ArchDesc &arch, const LayerDesc &layer,
                              const LayerContext &ctx,
                              const SolveOptions &opts) {
  // The kapla solution is the first incumbent.
  SolveOptions first = opts;
  first.budget = 0;
  first.deadline.reset();
  return solveLayerExactFrom(arch, layer, ctx, opts,
                             solveLayerKapla(arch, layer, ctx, first));
}

LayerSolution solveLayerExactFrom(const ArchDesc &arch, const LayerDesc &layer,
                                  const LayerContext &ctx,
                                  const SolveOptions &opts,
                                  const LayerSolution &start) {
  ExactSearch ex(arch, layer, ctx, opts);
  ex.tightenBusFloor();
  if (start.found) {
    ex.incumbent = objectiveValue(opts.objective, start.cost.cost);
    ex.best = start;
  }
  if (opts.forEach && !opts.budget)
    return solveInParallel(ex, start, opts);
  bool complete = ex.run();
  LayerSolution out = std::move(ex.best);
  out.evaluations = start.evaluations + ex.evaluations;
  out.nodes = ex.nodes;
  // Nothing of the space fits (the kapla schedule, if any, pads its
  // tiles): no claim about the optimum.
  if (!std::isfinite(ex.rootBound))
    return out;
  out.complete = complete && out.found;
  if (out.found)
    out.bound = complete ? ex.incumbent : ex.certifiedBound();
  return out;
}

bool search::exactNeighbourhood(const ArchDesc &arch, const LayerDesc &layer,
                                const LayerContext &ctx,
                                const SolveOptions &opts, LayerSchedule &s,
                                const Neighbourhood &hood, double &value,
                                int64_t budget, int64_t &evaluations) {
  SolveOptions local = opts;
  local.budget = budget;
  local.deadline.reset();
  ExactSearch ex(arch, layer, ctx, local, &hood.free);
  // The descent's walks keep the capacity bound in reals, the bound they
  // were tuned on.
  ex.wholeCounts = false;
  ex.splitFloors = false;
  // Nor do they count the input's halos in the capacity bound: with them
  // the walks end elsewhere, on GoogLeNet's conv2_3x3.bwd_data on 2x2
  // nodes 1.8% worse.
  ex.capacityHalos = false;
  ex.boundBudget = hood.boundBudget ? hood.boundBudget : 20 * budget;
  // The budgeted walks of the descent's neighbourhoods take their children
  // in the order of the bound without halos, the order they were tuned on
  // (with halos some find better schedules, others worse: AlexNet conv4 on
  // 2x2 nodes 5% worse).
  if (hood.fullBounds) {
    if (hood.exactBounds)
      ex.wholeCounts = ex.splitFloors = ex.capacityHalos = true;
  } else {
    ex.halos = false;
    ex.strong = false;
    ex.setTieMargins(false);
  }
  if (hood.keepRegfOrder)
    ex.onlyRegfOrder = int(orderIndex(s.regfOrder));
  if (hood.keepGbufOrder)
    ex.onlyGbufOrder = int(orderIndex(s.gbufOrder));
  size_t depth = 0;
  for (size_t k = 0; k < ex.sr.dims.size(); ++k) {
    D d = ex.sr.dims[k];
    int i = int(d);
    if (hood.free.contains(d)) {
      llvm::erase_if(ex.space.choices[k], [&](const DimChoice &c) {
        return (hood.keepNodeSplit && c.ns != s.nodeSplit[i]) ||
               (hood.keepGbufLevel &&
                (c.gt != s.gbufTile[i] || c.ns != s.nodeSplit[i])) ||
               (hood.keepRegfLevel &&
                (c.rt != s.regfTile[i] || c.ps != s.peSplit[i])) ||
               (hood.keepRegfTile && c.rt != s.regfTile[i]);
      });
      if (ex.space.choices[k].empty())
        return false;
      continue;
    }
    if (!factorsExactly(ex.sr.shape, s, d))
      return false;
    ex.fix(k, {s.regfTile[i], s.peSplit[i], s.gbufTile[i], s.nodeSplit[i]});
    ++depth;
  }
  // The bus floor depends on the extents only, not on the dims kept: it
  // is tightened once the kept dims are known to be in the space (a kept
  // REGF level that pads is not, and the search ends at once).
  if (hood.fullBounds)
    ex.tightenBusFloor();
  ex.incumbent = value;
  if (!ex.forwardCheck())
    return false;
  double b = ex.bound();
  if (ex.worth(b))
    ex.dfs(depth, b);
  evaluations += ex.evaluations;
  if (!ex.improved)
    return false;
  s = ex.best.schedule;
  value = ex.incumbent;
  return true;
}

double exactDeliveryFloor(const ArchDesc &arch, const LayerDesc &layer,
                          const LayerContext &ctx, const LayerSchedule *s) {
  ExactSearch ex(arch, layer, ctx, SolveOptions());
  ex.tightenBusFloor();
  if (!s)
    return ex.deliveryFloor;
  for (size_t k = 0; k < ex.sr.dims.size(); ++k) {
    int i = int(ex.sr.dims[k]);
    ex.fix(k, {s->regfTile[i], s->peSplit[i], s->gbufTile[i], s->nodeSplit[i]});
  }
  return ex.deliveryFloorAt();
}

double exactBusFloor(const ArchDesc &arch, const LayerDesc &layer,
                     const LayerContext &ctx, const LayerSchedule *s) {
  ExactSearch ex(arch, layer, ctx, SolveOptions());
  ex.tightenBusFloor();
  if (!s || ex.floorTensor < 0)
    return ex.busFloor;
  double split = 1;
  for (D d : ex.sr.dims)
    if (!ex.tensors[ex.floorTensor].rel.contains(d))
      split *= double(s->peSplit[int(d)] * s->nodeSplit[int(d)]);
  return ex.floorAtSplit(split);
}

double exactRoundingMargin(const ArchDesc &arch, const LayerContext &ctx) {
  // boundFor() takes kGbufReadRoundingPerNode reads per node off the GBUF
  // reads' energy, and as many off one node's reads, which set the bus
  // cycles.
  double reads = kGbufReadRoundingPerNode * double(ctx.region.numNodes());
  double wordsPerBusCycle = double(arch.busBits) / double(arch.wordBits);
  return arch.energy.gbuf * reads + arch.energy.staticPerCycle *
                                        kGbufReadRoundingPerNode /
                                        wordsPerBusCycle;
}

double exactLowerBound(const ArchDesc &arch, const LayerDesc &layer,
                       const LayerContext &ctx, Objective objective,
                       const LayerSchedule &s, unsigned fixedDimsMask) {
  SolveOptions opts;
  opts.objective = objective;
  ExactSearch ex(arch, layer, ctx, opts);
  ex.tightenBusFloor();
  for (size_t k = 0; k < ex.sr.dims.size(); ++k) {
    int i = int(ex.sr.dims[k]);
    if (fixedDimsMask & (1u << i))
      ex.fix(k, {s.regfTile[i], s.peSplit[i], s.gbufTile[i], s.nodeSplit[i]});
  }
  if (!ex.forwardCheck())
    return INFINITY;
  return ex.bound();
}

} // namespace mlir::kapla
