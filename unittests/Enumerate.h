//===- Enumerate.h - Every point of the exhaustive space --------*- C++ -*-===//
//
// Written from the definition of the intra-layer search space, not from the
// solvers: every exact factorisation of every dim's extent over REGF tile,
// PE split, GBUF tile and node split, all 36 loop order pairs, and buffer
// sharing of every replicated read-only tensor on or off.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_UNITTESTS_ENUMERATE_H
#define KAPLA_UNITTESTS_ENUMERATE_H

#include "Kapla/Solver/IntraLayer.h"

#include <array>
#include <functional>
#include <optional>
#include <vector>

namespace mlir::kapla::test {
using D = Dim;

inline std::vector<int64_t> divisorsOf(int64_t n) {
  std::vector<int64_t> d;
  for (int64_t i = 1; i <= n; ++i)
    if (n % i == 0)
      d.push_back(i);
  return d;
}

inline const std::array<uint8_t, 3> kAllOrders[] = {
    {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

/// Calls `visit` with every point of the space (orders left at their
/// default) and its cost under every order pair, valid or not.
inline void
enumerate(const ArchDesc &a, const LayerDesc &l, const LayerContext &ctx,
          const std::function<void(const LayerSchedule &, const LayerCost &)>
              &visit) {
  LayerDesc g = l; // one batch group: what the schedule tiles
  if (ctx.batchGroups > 1)
    g.n = l.n / ctx.batchGroups;
  // ... and one channel group of the channels it forwards.
  std::optional<D> groupDim;
  if (ctx.channelGroups > 1)
    groupDim = forwardedChannelDim(l, ctx);
  if (groupDim == D::K)
    g.k = l.k / ctx.channelGroups;
  if (groupDim == D::C) {
    g.c = l.c / ctx.channelGroups;
    if (l.kind == LayerKind::DWConv || l.kind == LayerKind::Pool ||
        l.kind == LayerKind::Eltwise)
      g.k = g.c;
  }
  DimSet known = knownDims(l.kind);
  struct Choice { int64_t rt, ps, gt, ns; };
  std::vector<std::pair<D, std::vector<Choice>>> space;
  for (D d : {D::N, D::C, D::K, D::Ho, D::Wo, D::R, D::S}) {
    if (!known.contains(d))
      continue;
    std::vector<Choice> cs;
    int64_t e = g.extent(d);
    for (int64_t gt : divisorsOf(e))
      for (int64_t ns : divisorsOf(e / gt))
        for (int64_t rt : divisorsOf(gt))
          for (int64_t ps : divisorsOf(gt / rt))
            cs.push_back({rt, ps, gt, ns});
    space.push_back({d, cs});
  }
  std::vector<size_t> idx(space.size(), 0);
  while (true) {
    LayerSchedule s;
    s.regfTile.fill(1);
    s.peSplit.fill(1);
    s.gbufTile.fill(1);
    s.nodeSplit.fill(1);
    for (size_t k = 0; k < space.size(); ++k) {
      const Choice &c = space[k].second[idx[k]];
      int i = int(space[k].first);
      s.regfTile[i] = c.rt, s.peSplit[i] = c.ps;
      s.gbufTile[i] = c.gt, s.nodeSplit[i] = c.ns;
    }
    // Buffer sharing: each read-only tensor that some node split
    // replicates (a split of a dim the tensor does not have; the input has
    // rows and cols, so output rows and cols and the window move it) is
    // shared or not.
    std::vector<std::array<bool, kNumTensors>> shares{{}};
    for (int t = 0; t < kNumTensors; ++t) {
      DimSet dims = tensorDims(l.kind, TensorKind(t));
      if (dims.empty() || isReadWrite(l.pass, TensorKind(t)))
        continue;
      bool replicated = false;
      for (size_t k = 0; k < space.size(); ++k) {
        D d = space[k].first;
        bool moves = dims.contains(d) ||
                     (dims.contains(D::Hi) &&
                      (d == D::Ho || d == D::Wo || d == D::R || d == D::S));
        replicated |= !moves && space[k].second[idx[k]].ns > 1;
      }
      if (!replicated)
        continue;
      for (size_t j = 0, n = shares.size(); j < n; ++j) {
        shares.push_back(shares[j]);
        shares.back()[t] = true;
      }
    }
    for (const auto &share : shares)
      for (const auto &ro : kAllOrders)
        for (const auto &go : kAllOrders) {
          s.share = share;
          s.regfOrder = ro;
          s.gbufOrder = go;
          LayerDataflow df = buildDataflow(g, s);
          if (groupDim)
            df.gbuf.updates.push_back({{{*groupDim, g.extent(*groupDim)}}});
          if (g.n != l.n)
            df.gbuf.updates.push_back({{{D::N, g.n}}});
          visit(s, evaluateLayer(a, l, df, ctx));
        }
    size_t k = 0;
    while (k < idx.size() && ++idx[k] == space[k].second.size())
      idx[k++] = 0;
    if (k == idx.size())
      break;
  }
}

} // namespace mlir::kapla::test

#endif // KAPLA_UNITTESTS_ENUMERATE_H
