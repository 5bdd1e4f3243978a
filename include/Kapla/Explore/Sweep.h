//===- Sweep.h - Design-space sweeps over architectures ---------*- C++ -*-===//
//
// A sweep (docs/Explore.md): a base architecture, axes of values for its
// fields (the keys of the architecture file), and the networks every point
// schedules. The points are the product of the axes, numbered row-major (the
// first axis varies slowest). Plain C++: reading the sweep file, the points,
// the rows of results, their Pareto front and the files they are written to.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_EXPLORE_SWEEP_H
#define KAPLA_EXPLORE_SWEEP_H

#include "Kapla/Hardware/Arch.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kapla {

/// One network of a sweep: every point schedules it.
struct SweepNetwork {
  std::string name;  ///< as the rows name it (default: the file's stem)
  std::string file;  ///< absolute, or relative to the sweep file's folder
  int64_t batch = 0; ///< 0: as exported
  bool training = false;
  std::string input = "linalg"; ///< linalg, tosa or onnx
  std::string entry;            ///< the network function ("": every one)
};

/// One axis: the keys it sets (several keys vary together, value by value)
/// and its values, `values[i][k]` for key `k` at step `i`.
struct SweepAxis {
  std::vector<std::string> keys;
  std::vector<std::vector<llvm::json::Value>> values;
};

/// How every point is scheduled (the options of kapla-schedule).
struct SweepSchedule {
  std::string objective = "energy"; ///< energy, delay or edp
  int64_t maxSegmentLayers = 5;
  int64_t topK = 4;
  std::string effort = "full"; ///< the kapla descent's: full or quick
};

struct Sweep {
  llvm::json::Object base; ///< the base architecture, as its file
  std::vector<SweepAxis> axes;
  std::vector<SweepNetwork> networks;
  SweepSchedule schedule;

  /// The number of points (the product of the axes' lengths).
  uint64_t numPoints() const;
  /// The step of each axis at point `index`.
  std::vector<size_t> steps(uint64_t index) const;
  /// The varied values of point `index`, as `key: value`.
  llvm::json::Object values(uint64_t index) const;
  /// The architecture of point `index` (named after the base, `-p<index>`),
  /// or why it is not one (a value out of its range, the rule and key).
  llvm::Expected<ArchDesc> arch(uint64_t index) const;
};

/// Reads a sweep file's text; relative network paths are resolved against
/// `dir`. An error names the key (an unknown key, an ill-typed value or
/// range, an empty axis, a base that is no preset, file or object).
llvm::Expected<Sweep> parseSweep(llvm::StringRef text, llvm::StringRef dir);

/// The same, from a file (errors start with its path).
llvm::Expected<Sweep> loadSweepFile(llvm::StringRef path);

/// A deterministic slice of a sweep: shard `k` of `n` (1-based) takes the
/// points `k - 1`, `k - 1 + n`, ... (interleaved, so shards take the same
/// mix of small and large points).
struct Shard {
  uint64_t k = 1, n = 1;
  bool contains(uint64_t index) const { return index % n == k - 1; }
};

/// Parses "K/N" (1 <= K <= N).
llvm::Expected<Shard> parseShard(llvm::StringRef text);

/// What one network cost at one point.
struct NetworkRow {
  std::string name;
  double energyPj = 0, cycles = 0;
};

/// The result of one point.
struct PointRow {
  uint64_t index = 0;
  llvm::json::Object values; ///< the varied values
  /// "ok", "invalid" (the architecture breaks a rule) or "unschedulable"
  /// (a network has no valid schedule on it).
  std::string status = "ok";
  std::string error;                ///< why, when not ok
  llvm::json::Value arch = nullptr; ///< the point's architecture file
  /// The sums over the networks (run one after the other).
  double energyPj = 0, cycles = 0;
  /// The area proxy: bytes of on-chip buffers (every GBUF and REGF), PEs.
  int64_t bufferBytes = 0, pes = 0;
  std::vector<NetworkRow> networks;
  double seconds = 0; ///< solve time (in the journal only)
  bool pareto = false;
};

/// The area proxy of `arch`: (GBUF and REGF bytes of all nodes, PEs).
std::pair<int64_t, int64_t> areaProxy(const ArchDesc &arch);

/// Marks the rows on the Pareto front of energy, cycles, buffer bytes and
/// PEs (all minimised): an ok row no other ok row is at least as good as in
/// all four and better in one. Rows that are not ok are never on it.
void markPareto(std::vector<PointRow> &rows);

/// A row as JSON: in the journal with its solve seconds, in the final
/// files with whether it is on the front; and back.
llvm::json::Value rowToJson(const PointRow &row, bool journal);
llvm::Expected<PointRow> rowFromJson(const llvm::json::Value &v);

/// The final files: every row in point order. CSV: one line per point, the
/// varied keys as columns (pairs as `RxC`), then status, energy, cycles, the
/// area proxy, whether on the front, and each network's energy and cycles.
void writeCsv(llvm::raw_ostream &os, const Sweep &sweep,
              llvm::ArrayRef<PointRow> rows);
void writeJson(llvm::raw_ostream &os, const Sweep &sweep,
               llvm::ArrayRef<PointRow> rows);
/// One self-contained HTML page: the points as SVG dots over energy and
/// cycles (log scales), the front drawn and listed.
void writeHtml(llvm::raw_ostream &os, const Sweep &sweep,
               llvm::ArrayRef<PointRow> rows, llvm::StringRef title);

} // namespace mlir::kapla

#endif // KAPLA_EXPLORE_SWEEP_H
