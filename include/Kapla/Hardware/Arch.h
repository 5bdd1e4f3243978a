//===- Arch.h - Accelerator architecture description ------------*- C++ -*-===//
//
// The hardware template (docs/Dialect.md, architecture): a mesh of nodes, each
// with a PE array, one register file per PE and one global buffer per node.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_HARDWARE_ARCH_H
#define KAPLA_HARDWARE_ARCH_H

#include "Kapla/Support/KaplaEnums.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kapla {

// How a layer is laid onto the PE array of one node: PETemplate
// (KaplaEnums.td), "row-stationary" or "systolic".

/// Energy per access, in pJ: per word (`wordBits`) for the memories, per
/// operation for the MAC, per word per hop for the NoC, per cycle for static
/// energy.
struct EnergyTable {
  double mac = 0;
  double regf = 0;
  double bus = 0;
  double gbuf = 0;
  double dram = 0;
  double nocHop = 0;
  double staticPerCycle = 0;

  bool operator==(const EnergyTable &o) const;
  bool operator!=(const EnergyTable &o) const { return !(*this == o); }
};

/// A complete accelerator description (the keys of the architecture file).
struct ArchDesc {
  std::string name;
  int64_t nodeRows = 1, nodeCols = 1;
  int64_t peRows = 1, peCols = 1;
  int64_t regfBytes = 0;
  int64_t gbufBytes = 0;
  int64_t wordBits = 16;
  double freqMHz = 0;
  double dramBwBytesPerCycle = 0;
  int64_t busBits = 0;
  PETemplate peTemplate = PETemplate::RowStationary;
  EnergyTable energy;

  bool operator==(const ArchDesc &o) const;
  bool operator!=(const ArchDesc &o) const { return !(*this == o); }

  int64_t numNodes() const { return nodeRows * nodeCols; }
  int64_t numPEsPerNode() const { return peRows * peCols; }
  /// Usable capacity (99% of nominal) of one register file, in words.
  int64_t regfWords() const;
  /// Usable capacity (99% of nominal) of one global buffer, in words.
  int64_t gbufWords() const;
};

/// One key of an architecture description, as the architecture file and the
/// `#kapla.arch` attribute spell it, in their order, and the field of
/// ArchDesc it is. The one table both read and write.
struct ArchField {
  enum class Kind : uint8_t {
    String,   ///< `name`
    Pair,     ///< `[rows, cols]`
    Integer,  ///< an int64_t
    Number,   ///< a double
    Template, ///< the PE template, a string
    Energy    ///< the energy table, an object of `energyFields()`
  };
  const char *key;
  Kind kind;
  int64_t ArchDesc::*first = nullptr;  ///< Integer; Pair: rows
  int64_t ArchDesc::*second = nullptr; ///< Pair: cols
  double ArchDesc::*number = nullptr;  ///< Number
};
/// The keys of an architecture, in order.
llvm::ArrayRef<ArchField> archFields();

/// One key of the energy table (under `energy_pj`).
struct EnergyField {
  const char *key;
  double EnergyTable::*value;
};
/// The keys of the energy table, in order.
llvm::ArrayRef<EnergyField> energyFields();

/// A rectangle of the node array.
struct NodeRegion {
  int64_t row0 = 0, col0 = 0, rows = 1, cols = 1;
  bool operator==(const NodeRegion &o) const {
    return row0 == o.row0 && col0 == o.col0 && rows == o.rows &&
           cols == o.cols;
  }
  int64_t numNodes() const { return rows * cols; }
  /// Whether the rectangle lies inside the node array of `arch`.
  bool fitsIn(const ArchDesc &arch) const {
    return row0 >= 0 && col0 >= 0 && rows >= 1 && cols >= 1 &&
           row0 + rows <= arch.nodeRows && col0 + cols <= arch.nodeCols;
  }
  /// Whether two rectangles share a node.
  bool overlaps(const NodeRegion &o) const {
    return row0 < o.row0 + o.rows && o.row0 < row0 + rows &&
           col0 < o.col0 + o.cols && o.col0 < col0 + cols;
  }
};

/// The fraction of a buffer's nominal size that data may occupy.
constexpr double kUsableBufferFraction = 0.99;

/// Names of the built-in presets, in a fixed order; the first is the default.
const std::vector<std::string> &presetNames();
/// The preset called `name`, or nullopt if there is none.
std::optional<ArchDesc> getPreset(const std::string &name);
/// The default preset ("multi-node-16x16").
ArchDesc defaultArch();

/// One violated range rule of an architecture description: the field, as
/// named in the JSON schema, and what it must be. Its message is
/// "<field> <rule>".
class ArchFieldError : public llvm::ErrorInfo<ArchFieldError> {
public:
  static char ID;
  ArchFieldError(std::string field, std::string rule)
      : field(std::move(field)), rule(std::move(rule)) {}
  const std::string &getField() const { return field; }
  const std::string &getRule() const { return rule; }
  void log(llvm::raw_ostream &os) const override { os << field << " " << rule; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string field, rule;
};

/// Checks every field of `arch` against its allowed range: the first
/// violation (an ArchFieldError), or success when the description is
/// usable.
llvm::Error validateArch(const ArchDesc &arch);

} // namespace mlir::kapla

#endif // KAPLA_HARDWARE_ARCH_H
