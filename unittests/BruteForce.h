//===- BruteForce.h - Coverage by simulating the loop nests ----*- C++ -*-===//

#ifndef KAPLA_UNITTESTS_BRUTEFORCE_H
#define KAPLA_UNITTESTS_BRUTEFORCE_H

#include "Kapla/Dataflow/Directives.h"

#include <algorithm>
#include <vector>

namespace mlir::kapla::test {
using D = Dim;

/// Marks every MAC (n, k, c, ho, wo, r, s) that some PE performs with its
/// input element inside its input tile. True if all are marked.
inline bool bruteForceCovers(const LayerDesc &l, const LayerDataflow &df) {
  std::array<LevelShape, kNumLevels> shapes;
  if (checkDataflowStructure(l, df, &shapes))
    return false;
  std::vector<char> done(l.n * l.k * l.c * l.ho * l.wo * l.r * l.s, 0);
  // Offsets of one buffer at one iteration of a level: the sum over the
  // level's stacks and updates of index * amount.
  auto offsets = [](const LevelDirectives &lv, const LevelShape &sh,
                    std::vector<std::array<int64_t, kNumDims>> &out) {
    out.assign(1, {});
    auto expand = [&](llvm::ArrayRef<DimAmount> amounts, int64_t n) {
      std::vector<std::array<int64_t, kNumDims>> next;
      for (const auto &o : out)
        for (int64_t i = 0; i < n; ++i) {
          auto p = o;
          for (const DimAmount &da : amounts)
            p[int(da.dim)] += i * da.amount;
          next.push_back(p);
        }
      out.swap(next);
    };
    for (const StackDirective &s : lv.stacks)
      expand(s.shifts, s.repl);
    for (size_t u = 0; u < lv.updates.size(); ++u)
      expand(lv.updates[u].steps, sh.updateCounts[u]);
  };
  std::vector<std::array<int64_t, kNumDims>> gOffs, rOffs;
  const LevelShape &gs = shapes[int(MemLevel::Gbuf)];
  const LevelShape &rs = shapes[int(MemLevel::Regf)];
  offsets(df.gbuf, gs, gOffs);
  offsets(df.regf, rs, rOffs);
  for (const auto &go : gOffs)
    for (const auto &ro : rOffs) {
      // The box this PE computes at this step: inside its REGF tile and
      // inside the GBUF tile that holds it.
      std::array<int64_t, kNumDims> lo, hi;
      for (int d = 0; d < kNumDims; ++d) {
        lo[d] = go[d] + ro[d];
        hi[d] = std::min(lo[d] + rs.tile[d], go[d] + gs.tile[d]);
      }
      for (int64_t n = lo[0]; n < std::min(hi[0], l.n); ++n)
        for (int64_t k = lo[int(D::K)]; k < std::min(hi[int(D::K)], l.k); ++k)
          for (int64_t c = lo[int(D::C)]; c < std::min(hi[int(D::C)], l.c); ++c)
            for (int64_t y = lo[int(D::Ho)]; y < std::min(hi[int(D::Ho)], l.ho); ++y)
              for (int64_t x = lo[int(D::Wo)]; x < std::min(hi[int(D::Wo)], l.wo); ++x)
                for (int64_t r = lo[int(D::R)]; r < std::min(hi[int(D::R)], l.r); ++r)
                  for (int64_t s = lo[int(D::S)]; s < std::min(hi[int(D::S)], l.s); ++s) {
                    int64_t iy = y * l.sy + r * l.dy, ix = x * l.sx + s * l.dx;
                    if (iy < lo[int(D::Hi)] || iy >= hi[int(D::Hi)] ||
                        ix < lo[int(D::Wi)] || ix >= hi[int(D::Wi)])
                      continue; // the input it needs is not in the tile
                    done[((((((n * l.k + k) * l.c + c) * l.ho + y) * l.wo + x) *
                              l.r + r) * l.s) + s] = 1;
                  }
    }
  for (char c : done)
    if (!c)
      return false;
  return true;
}

} // namespace mlir::kapla::test

#endif // KAPLA_UNITTESTS_BRUTEFORCE_H
