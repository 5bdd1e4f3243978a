//===- InterLayer.cpp - Segments and pipelining ---------------------------===//

#include "Kapla/Solver/InterLayer.h"
#include "SearchSpace.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace mlir::kapla {

namespace {
/// `width` split in proportion to `macs` (largest remainder), at least 1
/// each; `macs.size() <= width`.
std::vector<int64_t> proportionalSizes(int64_t width,
                                       const std::vector<int64_t> &macs) {
  int64_t n = int64_t(macs.size());
  double total = 0;
  for (int64_t m : macs)
    total += double(std::max<int64_t>(m, 1));
  std::vector<int64_t> size(n, 1);
  int64_t left = width - n;
  std::vector<std::pair<double, int64_t>> rest;
  for (int64_t i = 0; i < n; ++i) {
    double share = double(std::max<int64_t>(macs[i], 1)) / total * double(left);
    int64_t whole = int64_t(std::floor(share));
    size[i] += whole;
    rest.push_back({share - double(whole), i});
  }
  int64_t given = 0;
  for (int64_t s : size)
    given += s;
  // Largest remainder first, ties by index.
  std::sort(rest.begin(), rest.end(), [](auto &a, auto &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (int64_t k = 0; given < width; ++k, ++given)
    ++size[rest[k % n].second];
  return size;
}
} // namespace

std::vector<NodeRegion> spatialRegions(const ArchDesc &arch,
                                       const std::vector<int64_t> &macs) {
  int64_t n = int64_t(macs.size());
  bool vertical = n <= arch.nodeCols;
  int64_t width = vertical ? arch.nodeCols : arch.nodeRows;
  if (n > width)
    return {};
  std::vector<int64_t> size = proportionalSizes(width, macs);
  std::vector<NodeRegion> out;
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(vertical ? NodeRegion{0, at, arch.nodeRows, size[i]}
                           : NodeRegion{at, 0, size[i], arch.nodeCols});
    at += size[i];
  }
  return out;
}

namespace {
/// Whether every producer of `l` lies in [first, last] (data on chip).
bool inputsInside(const LayerNode &l, int first, int last) {
  if (l.producers.empty() || l.readsNetworkInput)
    return false;
  for (int p : l.producers)
    if (p < first || p > last)
      return false;
  return true;
}

bool outputsInside(const LayerNode &l, int first, int last) {
  if (l.consumers.empty() || l.isNetworkOutput)
    return false;
  for (int c : l.consumers)
    if (c < first || c > last)
      return false;
  return true;
}

/// Builds the candidate [first, last] of `kind`; false if it cannot fit.
/// A spatial one runs on `layout` (strips when empty). With `channelPlan`,
/// also the candidate in channel groups when one sample per batch group
/// does not fit (left empty otherwise).
bool makeCandidate(const ArchDesc &arch, const LayerGraph &g, int first,
                   int last, PipelineKind kind, SegmentPlan &plan,
                   std::optional<SegmentPlan> *channelPlan,
                   const std::vector<NodeRegion> &layout = {}) {
  plan = SegmentPlan();
  plan.first = first;
  plan.last = last;
  plan.pipeline = kind;
  NodeRegion whole{0, 0, arch.nodeRows, arch.nodeCols};
  std::vector<NodeRegion> regions(last - first + 1, whole);
  if (kind == PipelineKind::Spatial) {
    std::vector<int64_t> macs;
    for (int i = first; i <= last; ++i)
      macs.push_back(g.layers[i].desc.macs());
    regions = layout.empty() ? spatialRegions(arch, macs) : layout;
    if (regions.empty())
      return false;
  }
  // A region the user fixed (kapla.fix): a layer alone runs on it; a
  // pipelined segment must give the layer just that region.
  for (int i = first; i <= last; ++i)
    if (const LayerPins *pins = g.layers[i].pins.get(); pins && pins->region) {
      if (first == last)
        regions[0] = *pins->region;
      else if (!(regions[i - first] == *pins->region))
        return false;
    }
  // The contexts, for a number of forwarding groups.
  auto contextsFor = [&](int64_t groups, int64_t channelGroups) {
    std::vector<int> members;
    std::vector<SegmentConstraint> cons;
    for (int i = first; i <= last; ++i) {
      const LayerNode &l = g.layers[i];
      SegmentConstraint c;
      c.region = regions[i - first];
      if (first != last) {
        c.batchGroups = groups;
        c.channelGroups = channelGroups;
        c.inputOnChip = inputsInside(l, first, last);
        c.outputOnChip = outputsInside(l, first, last);
      }
      members.push_back(i);
      cons.push_back(c);
    }
    return segmentContexts(g, members, kind, cons,
                           [&](int j) -> std::optional<NodeRegion> {
                             if (j < first || j > last)
                               return std::nullopt;
                             return regions[j - first];
                           });
  };
  // The forwarding groups: the fewest that split the batch evenly and keep
  // the forwarded data alive at any time within half of each GBUF (the rest
  // is left to the layers' own tiles). Safe capacity pruning: when even one
  // sample per group leaves a layer no GBUF space at all, no schedule of
  // the candidate can keep its data on chip, and it is dropped.
  int64_t batch = g.layers[first].desc.n;
  auto largest = [&](const std::vector<LayerContext> &ctxs) {
    int64_t m = 0;
    for (const LayerContext &c : ctxs)
      m = std::max(m, c.gbufReserved);
    return m;
  };
  std::vector<LayerContext> chosen;
  for (int64_t groups = 1; groups <= batch && chosen.empty(); ++groups) {
    if (batch % groups)
      continue;
    std::vector<LayerContext> ctxs = contextsFor(groups, 1);
    if (largest(ctxs) <= arch.gbufWords() / 2)
      chosen = std::move(ctxs);
  }
  // Not even one sample per group fits: channel groups within each sample,
  // when every layer forwards through one channel dim (a conv, FC or
  // matmul in the middle of the segment does not: it needs all its input
  // channels for any output channel). The fewest that fit; they divide
  // every layer's channel dim. Another candidate, in `channelPlan`.
  if (channelPlan && chosen.empty() && first != last) {
    std::vector<LayerContext> probe = contextsFor(batch, 1);
    int64_t channelLimit = 0;
    for (int i = first; i <= last; ++i) {
      std::optional<Dim> d =
          forwardedChannelDim(g.layers[i].desc, probe[i - first]);
      if (!d) {
        channelLimit = 0;
        break;
      }
      channelLimit = std::gcd(channelLimit, g.layers[i].desc.extent(*d));
    }
    std::vector<LayerContext> grouped;
    if (channelLimit > 1) {
      for (int64_t cg : search::divisors(channelLimit)) {
        if (cg < 2)
          continue;
        std::vector<LayerContext> ctxs = contextsFor(batch, cg);
        if (largest(ctxs) <= arch.gbufWords() / 2) {
          grouped = std::move(ctxs);
          break;
        }
      }
      if (grouped.empty()) {
        grouped = contextsFor(batch, channelLimit);
        if (largest(grouped) >= arch.gbufWords())
          grouped.clear();
      }
    }
    if (!grouped.empty()) {
      SegmentPlan &cp = channelPlan->emplace(plan);
      cp.batchGroups = batch;
      cp.channelGroups = grouped.front().channelGroups;
      cp.contexts = std::move(grouped);
    }
  }
  if (chosen.empty()) {
    chosen = contextsFor(first == last ? 1 : batch, 1);
    if (largest(chosen) >= arch.gbufWords())
      return false;
  }
  plan.batchGroups = first == last ? 1 : chosen.front().batchGroups;
  plan.contexts = std::move(chosen);
  return true;
}
/// A chain of segments ending at some layer, for the k-best DP.
struct Chain {
  double value = 0;
  int segment = -1; ///< the last segment (index into the candidates)
  int prevRank = -1; ///< its predecessor's rank in the list before it
};

/// The k best chains covering layers 0..n-1 from candidate segments with
/// per-candidate values; returns the candidate indices of each kept chain.
std::vector<std::vector<int>>
bestChains(int n, const std::vector<SegmentPlan> &cands,
           const std::vector<double> &value, int k) {
  // chains[i]: the best chains covering layers 0..i-1 (chains[0]: empty).
  std::vector<std::vector<Chain>> chains(n + 1);
  chains[0].push_back(Chain());
  std::vector<std::vector<int>> endingAt(n);
  for (int c = 0; c < int(cands.size()); ++c)
    if (std::isfinite(value[c]))
      endingAt[cands[c].last].push_back(c);
  for (int i = 1; i <= n; ++i) {
    std::vector<Chain> next;
    for (int c : endingAt[i - 1]) {
      const std::vector<Chain> &before = chains[cands[c].first];
      for (int r = 0; r < int(before.size()); ++r)
        next.push_back({before[r].value + value[c], c, r});
    }
    // Ties break on the candidate index, then the predecessor's rank: the
    // result does not depend on anything but the inputs.
    std::sort(next.begin(), next.end(), [](const Chain &a, const Chain &b) {
      return std::tie(a.value, a.segment, a.prevRank) <
             std::tie(b.value, b.segment, b.prevRank);
    });
    if (int(next.size()) > k)
      next.resize(k);
    chains[i] = std::move(next);
  }
  std::vector<std::vector<int>> out;
  for (int r = 0; r < int(chains[n].size()); ++r) {
    std::vector<int> segs;
    int i = n, rank = r;
    while (i > 0) {
      const Chain &ch = chains[i][rank];
      segs.push_back(ch.segment);
      rank = ch.prevRank;
      i = cands[ch.segment].first;
    }
    std::reverse(segs.begin(), segs.end());
    out.push_back(std::move(segs));
  }
  return out;
}
} // namespace

std::vector<NodeRegion> rectangleRegions(const ArchDesc &arch,
                                         const std::vector<int64_t> &macs) {
  size_t n = macs.size();
  if (n < 3 || arch.nodeRows < 2)
    return {};
  std::vector<int64_t> weight;
  double total = 0;
  for (int64_t m : macs) {
    weight.push_back(std::max<int64_t>(m, 1));
    total += double(weight.back());
  }
  // The first band takes the first k layers, where the MACs balance best.
  size_t k = 1;
  double before = double(weight[0]), best = std::abs(2 * before - total);
  for (size_t j = 2; j < n; ++j) {
    before += double(weight[j - 1]);
    if (std::abs(2 * before - total) < best) {
      best = std::abs(2 * before - total);
      k = j;
    }
  }
  if (int64_t(k) > arch.nodeCols || int64_t(n - k) > arch.nodeCols)
    return {};
  int64_t firstMacs = 0, restMacs = 0;
  for (size_t i = 0; i < n; ++i)
    (i < k ? firstMacs : restMacs) += weight[i];
  std::vector<int64_t> rows =
      proportionalSizes(arch.nodeRows, {firstMacs, restMacs});
  std::vector<int64_t> a = proportionalSizes(
      arch.nodeCols, std::vector<int64_t>(weight.begin(), weight.begin() + k));
  std::vector<int64_t> b = proportionalSizes(
      arch.nodeCols, std::vector<int64_t>(weight.begin() + k, weight.end()));
  std::vector<NodeRegion> out;
  int64_t at = 0;
  for (int64_t w : a) {
    out.push_back({0, at, rows[0], w});
    at += w;
  }
  // The second band runs back: its first layer lies under the first band's
  // last one.
  at = arch.nodeCols;
  for (int64_t w : b) {
    at -= w;
    out.push_back({rows[0], at, rows[1], w});
  }
  return out;
}

NetworkSchedule scheduleNetwork(const ArchDesc &arch, const LayerGraph &g,
                                const SegmentSearchOptions &opts,
                                const LayerSolver &solve,
                                const SolvePrefetch &prefetch) {
  NetworkSchedule out;
  int n = int(g.layers.size());
  if (n == 0) {
    out.found = true;
    return out;
  }
  // Candidates: every layer alone; every run of 2..max layers, spatially
  // and temporally pipelined.
  std::vector<SegmentPlan> cands;
  // Which candidates go beyond strips and batch groups (rectangles,
  // channel groups).
  std::vector<char> extended;
  for (int first = 0; first < n; ++first)
    for (int last = first; last < n && last - first < opts.maxSegmentLayers;
         ++last)
      for (PipelineKind kind : {PipelineKind::None, PipelineKind::Spatial,
                                PipelineKind::Temporal}) {
        if ((kind == PipelineKind::None) != (first == last))
          continue;
        ++out.segmentsEnumerated;
        SegmentPlan plan;
        std::optional<SegmentPlan> grouped;
        if (makeCandidate(arch, g, first, last, kind, plan,
                          opts.channelGroups ? &grouped : nullptr)) {
          extended.push_back(0);
          cands.push_back(std::move(plan));
        } else {
          ++out.segmentsPruned;
        }
        // In channel groups, when one sample per batch group does not fit
        // half of the GBUFs: another candidate.
        if (grouped) {
          ++out.segmentsEnumerated;
          extended.push_back(1);
          cands.push_back(std::move(*grouped));
        }
        if (kind != PipelineKind::Spatial || !opts.rectangles)
          continue;
        // The same layers on rectangles, when they differ from the strips.
        std::vector<int64_t> macs;
        for (int i = first; i <= last; ++i)
          macs.push_back(g.layers[i].desc.macs());
        std::vector<NodeRegion> rects = rectangleRegions(arch, macs);
        if (rects.empty() || rects == spatialRegions(arch, macs))
          continue;
        ++out.segmentsEnumerated;
        grouped.reset();
        bool fits = makeCandidate(arch, g, first, last, kind, plan,
                                  opts.channelGroups ? &grouped : nullptr,
                                  rects);
        if (grouped) {
          cands.push_back(std::move(*grouped));
          extended.push_back(1);
        } else if (fits) {
          cands.push_back(std::move(plan));
          extended.push_back(1);
        } else {
          ++out.segmentsPruned;
        }
      }

  auto segmentValue = [&](const SegmentPlan &plan,
                          const std::vector<CostRecord> &layers,
                          const std::vector<double> &dram) {
    CostRecord c = segmentCost(arch, plan.pipeline, layers, dram,
                               plan.batchGroups * plan.channelGroups);
    return objectiveValue(opts.solve.objective, c);
  };

  // The optimistic estimate: each layer at its lower bound in its context.
  std::vector<double> estimate(cands.size());
  for (size_t c = 0; c < cands.size(); ++c) {
    std::vector<CostRecord> lbs;
    std::vector<double> dram;
    for (int i = cands[c].first; i <= cands[c].last; ++i) {
      const LayerContext &ctx = cands[c].contexts[i - cands[c].first];
      lbs.push_back(layerLowerBound(arch, g.layers[i].desc, ctx));
      dram.push_back(0);
    }
    estimate[c] = segmentValue(cands[c], lbs, dram);
  }

  // Keep the segments of the top-k chains, and every single layer; with
  // top-k 0 every candidate (the final DP then searches every chain).
  // The chains on strips and batch groups alone are kept too, so that
  // rectangles and channel groups, whose optimistic estimates may rank
  // chains that turn out worse in detail, can only add to what the final
  // DP chooses from.
  std::vector<char> keep(cands.size(), opts.topK == 0 ? 1 : 0);
  if (opts.topK > 0) {
    for (const std::vector<int> &chain :
         bestChains(n, cands, estimate, opts.topK))
      for (int c : chain)
        keep[c] = 1;
    if (llvm::is_contained(extended, 1)) {
      std::vector<double> base = estimate;
      for (size_t c = 0; c < cands.size(); ++c)
        if (extended[c])
          base[c] = INFINITY;
      for (const std::vector<int> &chain :
           bestChains(n, cands, base, opts.topK))
        for (int c : chain)
          keep[c] = 1;
    }
  }
  for (size_t c = 0; c < cands.size(); ++c)
    if (cands[c].first == cands[c].last)
      keep[c] = 1;

  // Detailed solve of the kept segments; a final DP on the exact costs.
  if (prefetch) {
    std::vector<std::pair<LayerDesc, LayerContext>> wanted;
    for (size_t c = 0; c < cands.size(); ++c)
      if (keep[c])
        for (int i = cands[c].first; i <= cands[c].last; ++i)
          wanted.push_back({g.layers[i].desc, cands[c].contexts[i - cands[c].first]});
    prefetch(wanted);
  }
  std::vector<double> exact(cands.size(), INFINITY);
  for (size_t c = 0; c < cands.size(); ++c) {
    if (!keep[c]) {
      ++out.segmentsPruned;
      continue;
    }
    std::vector<CostRecord> costs;
    std::vector<double> dram;
    bool ok = true;
    for (int i = cands[c].first; i <= cands[c].last && ok; ++i) {
      const LayerSolution &s =
          solve(g.layers[i].desc, cands[c].contexts[i - cands[c].first]);
      ok = s.found;
      if (ok) {
        costs.push_back(s.cost.cost);
        dram.push_back(s.cost.dramCycles);
      }
    }
    if (ok)
      exact[c] = segmentValue(cands[c], costs, dram);
  }
  std::vector<std::vector<int>> best = bestChains(n, cands, exact, 1);
  if (best.empty())
    return out;
  for (int c : best.front())
    out.segments.push_back(cands[c]);
  out.found = true;
  return out;
}

} // namespace mlir::kapla
