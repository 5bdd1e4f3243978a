//===- SweepFuzzer.cpp - libFuzzer target: sweep files --------------------===//
//
// Parses the input as a sweep file (docs/Explore.md) and builds the
// architectures of its first points; each point's row goes through the
// journal's JSON and back, and the rows through the Pareto front and the
// CSV, JSON and HTML writers. Errors are expected; crashes, sanitizer
// reports, hangs and a row that does not survive its JSON are bugs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Explore/Sweep.h"
#include "Kapla/Hardware/ArchFile.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::kapla;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Sweep> sweep = parseSweep(text, "");
  if (!sweep) {
    llvm::consumeError(sweep.takeError());
    return 0;
  }
  std::vector<PointRow> rows;
  uint64_t points = std::min<uint64_t>(sweep->numPoints(), 64);
  for (uint64_t i = 0; i < points; ++i) {
    PointRow row;
    row.index = i;
    row.values = sweep->values(i);
    llvm::Expected<ArchDesc> arch = sweep->arch(i);
    if (!arch) {
      row.status = "invalid";
      row.error = llvm::toString(arch.takeError());
    } else {
      row.arch = archToJsonValue(*arch);
      std::tie(row.bufferBytes, row.pes) = areaProxy(*arch);
      // Made-up costs that tie and trade off.
      row.energyPj = double((i * 7) % 5 + 1) * 1e6;
      row.cycles = double((i * 3) % 4 + 1) * 1e3;
      for (const SweepNetwork &n : sweep->networks)
        row.networks.push_back({n.name, row.energyPj, row.cycles});
    }
    llvm::Expected<PointRow> back =
        rowFromJson(rowToJson(row, /*journal=*/true));
    if (!back || back->index != row.index || back->status != row.status ||
        back->energyPj != row.energyPj)
      std::abort(); // a row must survive its own JSON
    rows.push_back(std::move(row));
  }
  markPareto(rows);
  std::string out;
  llvm::raw_string_ostream os(out);
  writeCsv(os, *sweep, rows);
  writeJson(os, *sweep, rows);
  writeHtml(os, *sweep, rows, "fuzz");
  return 0;
}
