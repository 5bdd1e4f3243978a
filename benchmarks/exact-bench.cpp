//===- exact-bench.cpp - One layer: kapla against the exact solver --------===//
//
// Solves one layer on one architecture in the whole-chip context with the
// kapla descent and with the exact branch and bound, on one core, and
// prints both energies, whether the optimum was proven (or the certified
// bound), the search nodes and evaluations, and the seconds of each.
//
// Usage: kapla-bench-exact [--show] [--context SPEC] ARCH KIND N C K Ho Wo R S STRIDE [SECONDS]
//   ARCH: a preset name or an architecture JSON file
//   KIND: conv, dwconv, fc, matmul, pool or eltwise; conv, dwconv and fc
//         also as KIND.bwd_data or KIND.bwd_weight (the backward passes)
//   SECONDS: time budget of the exact solver (default 60)
//   --show: also print both schedules (tiles, splits, loop orders,
//           sharing) and their energy by component
//   --context SPEC: the layer in a segment's context instead of alone on
//           the chip, SPEC a comma-separated list of batch-groups=G,
//           channel-groups=G, input-on-chip, output-on-chip (forwarded
//           from or to the same nodes) and reserved=WORDS (GBUF words per
//           node that forwarded data holds), as the report of a schedule
//           gives them
//
//        kapla-bench-exact --random COUNT [SEED]
//   COUNT random small architectures (node array up to 2x2, PE array up to
//   4x4, REGF 16-128 B, GBUF 256 B-4 KiB, 8- or 16-bit words, random
//   energies) with a random small layer each, whole chip: the distribution
//   of kapla / optimum over the layers the exact solver proves in 10 s.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/Solver/IntraLayer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace mlir::kapla;

static int randomRun(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const LayerKind kinds[] = {LayerKind::Conv, LayerKind::DWConv, LayerKind::FC,
                             LayerKind::MatMul, LayerKind::Pool};
  std::vector<double> ratios;
  int unproven = 0;
  for (int i = 0; i < count; ++i) {
    ArchDesc a = *getPreset(pick(0, 1) ? "multi-node-4x4" : "edge-systolic");
    a.name = "random";
    a.nodeRows = pick(1, 2);
    a.nodeCols = pick(1, 2);
    a.peRows = pick(1, 4);
    a.peCols = pick(1, 4);
    a.wordBits = pick(0, 1) ? 8 : 16;
    a.regfBytes = 16 << pick(0, 3);
    a.gbufBytes = 256 << pick(0, 4);
    a.energy.staticPerCycle = pick(0, 1) ? 0 : double(pick(1, 500));
    LayerDesc l;
    l.kind = kinds[pick(0, 4)];
    l.n = int64_t(1) << pick(0, 3);
    l.c = pick(1, 3) * (int64_t(1) << pick(0, 4));
    l.k = l.kind == LayerKind::Conv || l.kind == LayerKind::FC ||
                  l.kind == LayerKind::MatMul
              ? pick(1, 3) * (int64_t(1) << pick(0, 4))
              : l.c;
    bool spatial = l.kind != LayerKind::FC && l.kind != LayerKind::MatMul;
    l.ho = l.wo = spatial ? pick(1, 14) : 1;
    l.r = l.s = spatial ? pick(1, 3) : 1;
    l.sy = l.sx = spatial ? pick(1, 2) : 1;
    LayerContext ctx = LayerContext::wholeChip(a);
    LayerSolution k = solveLayerKapla(a, l, ctx, SolveOptions());
    SolveOptions opts;
    opts.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    LayerSolution x = solveLayerExact(a, l, ctx, opts);
    if (!x.complete || !k.found) {
      ++unproven;
      continue;
    }
    double r = k.cost.cost.energyPj() / x.cost.cost.energyPj();
    ratios.push_back(r);
    if (r > 1.05)
      std::printf("above 1.05: %.4f %s N%lld C%lld K%lld H%lld R%lld s%lld on "
                  "%lldx%lld nodes of %lldx%lld PEs, regf %lld B, gbuf %lld B, "
                  "%lld-bit\n",
                  r, stringifyLayerKind(l.kind), (long long)l.n, (long long)l.c,
                  (long long)l.k, (long long)l.ho, (long long)l.r,
                  (long long)l.sy, (long long)a.nodeRows, (long long)a.nodeCols,
                  (long long)a.peRows, (long long)a.peCols,
                  (long long)a.regfBytes, (long long)a.gbufBytes,
                  (long long)a.wordBits);
  }
  std::sort(ratios.begin(), ratios.end());
  auto at = [&](double q) {
    return ratios.empty() ? 0.0 : ratios[size_t(q * double(ratios.size() - 1))];
  };
  size_t within = std::count_if(ratios.begin(), ratios.end(),
                                [](double r) { return r <= 1.05; });
  std::printf("%zu proven of %d (%d not proven in 10 s): kapla/optimum median "
              "%.4f, 90th percentile %.4f, worst %.4f; %zu within 1.05\n",
              ratios.size(), count, unproven, at(0.5), at(0.9), at(1.0),
              within);
  return 0;
}

static void show(const char *name, const LayerSolution &sol) {
  const LayerSchedule &s = sol.schedule;
  auto dims = [](const std::array<int64_t, kNumDims> &v) {
    std::string out;
    for (int d = 0; d < kNumDims; ++d)
      if (v[d] != 1)
        out += std::string(out.empty() ? "" : " ") + stringifyDim(Dim(d)) +
               std::to_string(v[d]);
    return out.empty() ? std::string("-") : out;
  };
  auto order = [](const std::array<uint8_t, 3> &o) {
    return std::to_string(o[0]) + std::to_string(o[1]) + std::to_string(o[2]);
  };
  std::printf("%s: regf tile [%s] pe split [%s] order %s | gbuf tile [%s] "
              "node split [%s] order %s | shared",
              name, dims(s.regfTile).c_str(), dims(s.peSplit).c_str(),
              order(s.regfOrder).c_str(), dims(s.gbufTile).c_str(),
              dims(s.nodeSplit).c_str(), order(s.gbufOrder).c_str());
  for (int t = 0; t < kNumTensors; ++t)
    if (s.share[t])
      std::printf(" %s", stringifyTensorKind(TensorKind(t)));
  const EnergyBreakdown &e = sol.cost.cost.energy;
  std::printf("\n  pJ: mac %.4g regf %.4g bus %.4g gbuf %.4g dram %.4g noc "
              "%.4g static %.4g\n",
              e.mac, e.regf, e.bus, e.gbuf, e.dram, e.noc, e.staticEnergy);
}

/// Applies a --context SPEC to `ctx`; false on a malformed SPEC.
static bool parseContext(llvm::StringRef spec, LayerContext &ctx) {
  llvm::SmallVector<llvm::StringRef> items;
  spec.split(items, ',', -1, false);
  for (llvm::StringRef item : items) {
    auto [key, value] = item.split('=');
    int64_t v = 0;
    bool number = !value.empty() && !value.getAsInteger(10, v) && v >= 0;
    if (key == "batch-groups" && number)
      ctx.batchGroups = v;
    else if (key == "channel-groups" && number)
      ctx.channelGroups = v;
    else if (key == "reserved" && number)
      ctx.gbufReserved = v;
    else if (key == "input-on-chip" && value.empty())
      ctx.inputOnChip = true, ctx.inputFrom = ctx.region;
    else if (key == "output-on-chip" && value.empty())
      ctx.outputOnChip = true, ctx.outputTo = ctx.region;
    else
      return false;
  }
  return true;
}

int main(int argc, char **argv) {
  bool showSchedules = false;
  std::string contextSpec;
  while (argc > 1 && llvm::StringRef(argv[1]).starts_with("--") &&
         std::string(argv[1]) != "--random") {
    if (std::string(argv[1]) == "--show") {
      showSchedules = true;
      --argc;
      ++argv;
    } else if (std::string(argv[1]) == "--context" && argc > 2) {
      contextSpec = argv[2];
      argc -= 2;
      argv += 2;
    } else {
      std::fprintf(stderr, "error: unknown option '%s'\n", argv[1]);
      return 2;
    }
  }
  if (argc >= 3 && std::string(argv[1]) == "--random")
    return randomRun(std::atoi(argv[2]),
                     argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
  if (argc < 11) {
    std::fprintf(stderr, "usage: %s [--show] [--context SPEC] ARCH KIND N C "
                         "K Ho Wo R S STRIDE [SECONDS]\n", argv[0]);
    return 2;
  }
  std::optional<ArchDesc> arch = getPreset(argv[1]);
  if (!arch) {
    llvm::Expected<ArchDesc> loaded = loadArchFile(argv[1]);
    if (!loaded) {
      std::fprintf(stderr, "error: %s\n",
                   llvm::toString(loaded.takeError()).c_str());
      return 2;
    }
    arch = std::move(*loaded);
  }
  // KIND.bwd_data and KIND.bwd_weight: the layer's backward passes.
  std::string kindName = argv[2];
  LayerPass pass = LayerPass::Forward;
  for (auto [suffix, p] :
       {std::make_pair(".bwd_data", LayerPass::BackwardData),
        std::make_pair(".bwd_weight", LayerPass::BackwardWeight)})
    if (llvm::StringRef(kindName).ends_with(suffix)) {
      kindName.resize(kindName.size() - std::strlen(suffix));
      pass = p;
    }
  std::optional<LayerKind> kind = symbolizeLayerKind(kindName);
  if (!kind) {
    std::fprintf(stderr, "error: unknown layer kind '%s'\n", argv[2]);
    return 2;
  }
  LayerDesc l;
  l.kind = *kind;
  l.pass = pass;
  l.n = std::atoll(argv[3]);
  l.c = std::atoll(argv[4]);
  l.k = std::atoll(argv[5]);
  l.ho = std::atoll(argv[6]);
  l.wo = std::atoll(argv[7]);
  l.r = std::atoll(argv[8]);
  l.s = std::atoll(argv[9]);
  l.sy = l.sx = std::atoll(argv[10]);
  if (l.kind == LayerKind::Eltwise)
    l.numInputs = 2;
  if (llvm::Error err = validateLayer(l)) {
    std::fprintf(stderr, "error: %s\n", llvm::toString(std::move(err)).c_str());
    return 2;
  }
  double seconds = argc > 11 ? std::atof(argv[11]) : 60;
  LayerContext ctx = LayerContext::wholeChip(*arch);
  if (!parseContext(contextSpec, ctx)) {
    std::fprintf(stderr, "error: --context takes batch-groups=G, "
                         "channel-groups=G, input-on-chip, output-on-chip and "
                         "reserved=WORDS, got '%s'\n", contextSpec.c_str());
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  LayerSolution k = solveLayerKapla(*arch, l, ctx, SolveOptions());
  auto t1 = Clock::now();
  SolveOptions opts;
  opts.deadline = t1 + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(seconds));
  LayerSolution x = solveLayerExact(*arch, l, ctx, opts);
  auto t2 = Clock::now();
  double ks = std::chrono::duration<double>(t1 - t0).count();
  double xs = std::chrono::duration<double>(t2 - t1).count();
  double kv = k.cost.cost.energyPj(), xv = x.cost.cost.energyPj();
  std::printf("kapla %.6g pJ in %.3f s (%lld evaluations)\n", kv, ks,
              (long long)k.evaluations);
  std::printf("exact %.6g pJ in %.3f s (%lld nodes, %lld evaluations): %s\n",
              xv, xs, (long long)x.nodes, (long long)x.evaluations,
              x.complete ? "optimal" : "stopped");
  if (showSchedules) {
    show("kapla", k);
    show("exact", x);
  }
  std::printf("root bound %.6g pJ\n",
              exactLowerBound(*arch, l, ctx, opts.objective, LayerSchedule(), 0));
  if (showSchedules)
    std::printf("floors below the GBUF: bus %.6g pJ, GBUF reads and bus "
                "%.6g pJ\n",
                exactBusFloor(*arch, l, ctx),
                exactDeliveryFloor(*arch, l, ctx));
  if (showSchedules && x.found) {
    // How the bound tightens along the best schedule: its dims chosen one
    // at a time (the search's dim order), and every dim but one.
    const char *names[] = {"N", "C", "K", "Ho", "Wo", "R", "S", "Hi", "Wi"};
    const Dim dims[] = {Dim::N,  Dim::C, Dim::K, Dim::Ho,
                        Dim::Wo, Dim::R, Dim::S};
    unsigned all = 0;
    for (Dim d : dims)
      all |= 1u << unsigned(d);
    unsigned mask = 0;
    std::printf("bound / best along its dims:");
    for (Dim d : dims) {
      mask |= 1u << unsigned(d);
      std::printf(
          " +%s %.4f", names[int(d)],
          exactLowerBound(*arch, l, ctx, opts.objective, x.schedule, mask) /
              xv);
    }
    std::printf("\nbound / best with one dim free:");
    for (Dim d : dims)
      std::printf(" %s %.4f", names[int(d)],
                  exactLowerBound(*arch, l, ctx, opts.objective, x.schedule,
                                  all & ~(1u << unsigned(d))) /
                      xv);
    std::printf("\n");
  }
  std::printf("kapla / %s = %.4f\n", x.complete ? "optimum" : "bound",
              x.bound > 0 ? kv / x.bound : 0.0);
  return 0;
}
