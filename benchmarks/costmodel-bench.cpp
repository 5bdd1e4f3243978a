//===- costmodel-bench.cpp - Layer-dataflow evaluations per second --------===//
//
// Times evaluateLayer on one core: ResNet-50 and MobileNet layers at batch
// 64 on multi-node-16x16, each under a handful of dataflows the way the
// solver builds them (the row-stationary unit at REGF, the batch and output
// channels split over the nodes, channel loops at GBUF). Valid and invalid
// dataflows both count: the solver evaluates both.
//
// Usage: kapla-bench-costmodel [seconds]   (default 2)
//
//===----------------------------------------------------------------------===//

#include "Kapla/CostModel/CostModel.h"
#include "Kapla/CostModel/PEMapping.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace mlir::kapla;
using D = Dim;

static LayerDesc conv(int64_t c, int64_t k, int64_t hw, int64_t r,
                      int64_t stride, LayerKind kind = LayerKind::Conv) {
  LayerDesc l;
  l.kind = kind;
  l.n = 64, l.c = c, l.k = kind == LayerKind::DWConv ? c : k;
  l.ho = l.wo = hw;
  l.r = l.s = r;
  l.sy = l.sx = stride;
  return l;
}

/// GBUF level: the layer split over `nodesN` x `nodesK` nodes, with loops
/// over C in chunks of `cChunk` and output rows in chunks of `hoChunk`.
static LayerDataflow makeDataflow(const ArchDesc &a, const LayerDesc &l,
                                  int64_t nodesN, int64_t nodesK,
                                  int64_t cChunk, int64_t hoChunk) {
  std::array<int64_t, kNumDims> e = layerExtents(l);
  std::array<int64_t, kNumDims> t = e;
  t[int(D::N)] = (e[int(D::N)] + nodesN - 1) / nodesN;
  bool hasK = knownDims(l.kind).contains(D::K);
  if (hasK)
    t[int(D::K)] = (e[int(D::K)] + nodesK - 1) / nodesK;
  t[int(D::C)] = std::min(cChunk, e[int(D::C)]);
  t[int(D::Ho)] = std::min(hoChunk, e[int(D::Ho)]);
  t[int(D::Hi)] = (t[int(D::Ho)] - 1) * l.sy + l.r;
  LayerDataflow df;
  df.regf = makePEUnit(a, l, t).regf;
  appendTensorTiles(l.kind, t, df.gbuf);
  df.gbuf.stacks.push_back({{{D::N, t[int(D::N)]}}, nodesN});
  if (hasK && nodesK > 1)
    df.gbuf.stacks.push_back({{{D::K, t[int(D::K)]}}, nodesK});
  if (t[int(D::C)] < e[int(D::C)])
    df.gbuf.updates.push_back({{{D::C, t[int(D::C)]}}});
  if (t[int(D::Ho)] < e[int(D::Ho)])
    df.gbuf.updates.push_back(
        {{{D::Ho, t[int(D::Ho)]}, {D::Hi, t[int(D::Ho)] * l.sy}}});
  return df;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  ArchDesc a = *getPreset("multi-node-16x16");
  LayerContext ctx = LayerContext::wholeChip(a);
  std::vector<LayerDesc> layers = {
      conv(3, 64, 112, 7, 2),    conv(64, 64, 56, 1, 1),
      conv(64, 64, 56, 3, 1),    conv(64, 256, 56, 1, 1),
      conv(256, 128, 28, 1, 2),  conv(128, 128, 28, 3, 1),
      conv(512, 256, 14, 1, 2),  conv(256, 256, 14, 3, 1),
      conv(1024, 512, 7, 1, 2),  conv(512, 512, 7, 3, 1),
      conv(32, 32, 112, 3, 1, LayerKind::DWConv),
      conv(512, 512, 14, 3, 1, LayerKind::DWConv)};
  struct Case {
    const LayerDesc *layer;
    LayerDataflow df;
  };
  std::vector<Case> cases;
  for (const LayerDesc &l : layers)
    for (int64_t nn : {4, 16, 64})
      for (int64_t cc : {8, 32})
        for (int64_t hc : {2, 7})
          cases.push_back({&l, makeDataflow(a, l, nn, 256 / nn, cc, hc)});

  // Time the valid dataflows (every step of the model runs) and, apart,
  // the whole mix (invalid ones stop at the first violated rule).
  std::vector<Case> validCases;
  LayerCost out;
  for (const Case &c : cases) {
    evaluateLayer(a, *c.layer, c.df, ctx, out, /*explain=*/true);
    if (out.valid)
      validCases.push_back(c);
    else if (argc > 2)
      std::printf("invalid: %s\n", out.reason.c_str());
  }
  auto run = [&](const std::vector<Case> &set, const char *what) {
  int64_t evals = 0, valid = 0;
  double sink = 0;
  if (set.empty())
    return;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const Case &c : set) {
      evaluateLayer(a, *c.layer, c.df, ctx, out, /*explain=*/false);
      valid += out.valid;
      sink += out.cost.energy.mac;
    }
    evals += int64_t(set.size());
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start).count();
  }
  std::printf("%s: %lld evaluations of %zu dataflows (%.0f%% valid) in "
              "%.2f s: %.0f evaluations per second%s\n",
              what, (long long)evals, set.size(), 100.0 * valid / evals,
              elapsed, evals / elapsed, sink < 0 ? "!" : "");
  };
  run(validCases, "valid dataflows");
  run(cases, "all dataflows");
  return 0;
}
