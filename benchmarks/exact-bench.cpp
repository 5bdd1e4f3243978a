//===- exact-bench.cpp - One layer: kapla against the exact solver --------===//
//
// Solves one layer on one architecture in the whole-chip context with the
// kapla descent and with the exact branch and bound, on one core, and
// prints both energies, whether the optimum was proven (or the certified
// bound), the search nodes and evaluations, and the seconds of each.
//
// Usage: kapla-bench-exact ARCH KIND N C K Ho Wo R S STRIDE [SECONDS]
//   ARCH: a preset name or an architecture JSON file
//   KIND: conv, dwconv, fc, matmul, pool or eltwise
//   SECONDS: time budget of the exact solver (default 60)
//
//===----------------------------------------------------------------------===//

#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/Solver/IntraLayer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir::kapla;

int main(int argc, char **argv) {
  if (argc < 11) {
    std::fprintf(stderr, "usage: %s ARCH KIND N C K Ho Wo R S STRIDE "
                         "[SECONDS]\n", argv[0]);
    return 2;
  }
  std::optional<ArchDesc> arch = getPreset(argv[1]);
  if (!arch) {
    std::string error;
    arch = loadArchFile(argv[1], error);
    if (!arch) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 2;
    }
  }
  std::optional<LayerKind> kind = symbolizeLayerKind(argv[2]);
  if (!kind) {
    std::fprintf(stderr, "error: unknown layer kind '%s'\n", argv[2]);
    return 2;
  }
  LayerDesc l;
  l.kind = *kind;
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
  if (std::optional<std::string> err = validateLayer(l)) {
    std::fprintf(stderr, "error: %s\n", err->c_str());
    return 2;
  }
  double seconds = argc > 11 ? std::atof(argv[11]) : 60;
  LayerContext ctx = LayerContext::wholeChip(*arch);
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
  std::printf("root bound %.6g pJ\n",
              exactLowerBound(*arch, l, ctx, opts.objective, LayerSchedule(), 0));
  std::printf("kapla / %s = %.4f\n", x.complete ? "optimum" : "bound",
              x.bound > 0 ? kv / x.bound : 0.0);
  return 0;
}
