//===- Arch.cpp - Accelerator architecture description --------------------===//

#include "Kapla/Hardware/Arch.h"

#include <cmath>

namespace mlir::kapla {

bool EnergyTable::operator==(const EnergyTable &o) const {
  return mac == o.mac && regf == o.regf && bus == o.bus && gbuf == o.gbuf &&
         dram == o.dram && nocHop == o.nocHop &&
         staticPerCycle == o.staticPerCycle;
}

bool ArchDesc::operator==(const ArchDesc &o) const {
  return name == o.name && nodeRows == o.nodeRows && nodeCols == o.nodeCols &&
         peRows == o.peRows && peCols == o.peCols && regfBytes == o.regfBytes &&
         gbufBytes == o.gbufBytes && wordBits == o.wordBits &&
         freqMHz == o.freqMHz &&
         dramBwBytesPerCycle == o.dramBwBytesPerCycle && busBits == o.busBits &&
         peTemplate == o.peTemplate && energy == o.energy;
}

static int64_t usableWords(int64_t bytes, int64_t wordBits) {
  // Words are counted in bits so that word sizes other than whole bytes work.
  double words = static_cast<double>(bytes) * 8.0 / static_cast<double>(wordBits);
  return static_cast<int64_t>(std::floor(words * kUsableBufferFraction));
}

int64_t ArchDesc::regfWords() const { return usableWords(regfBytes, wordBits); }
int64_t ArchDesc::gbufWords() const { return usableWords(gbufBytes, wordBits); }

static ArchDesc makeMultiNode(const char *name, int64_t nodes) {
  ArchDesc a;
  a.name = name;
  a.nodeRows = a.nodeCols = nodes;
  a.peRows = a.peCols = 8;
  a.regfBytes = 64;
  a.gbufBytes = 32768;
  a.wordBits = 16;
  a.freqMHz = 500;
  a.dramBwBytesPerCycle = 51.2;
  a.busBits = 128;
  a.peTemplate = PETemplate::RowStationary;
  a.energy = {0.9984, 0.0940885, 1.6416, 2.832545, 401.89, 9.76, 1272.87};
  return a;
}

static ArchDesc makeEdgeSystolic() {
  ArchDesc a;
  a.name = "edge-systolic";
  a.nodeRows = a.nodeCols = 1;
  a.peRows = a.peCols = 16;
  a.regfBytes = 512;
  a.gbufBytes = 262144;
  a.wordBits = 16;
  a.freqMHz = 500;
  a.dramBwBytesPerCycle = 12.8;
  a.busBits = 256;
  a.peTemplate = PETemplate::Systolic;
  a.energy = {0.9984, 0.2507285, 3.2832, 7.4837, 401.89, 9.76, 541.02};
  return a;
}

const std::vector<std::string> &presetNames() {
  static const std::vector<std::string> names = {
      "multi-node-16x16", "multi-node-4x4", "edge-systolic"};
  return names;
}

std::optional<ArchDesc> getPreset(const std::string &name) {
  if (name == "multi-node-16x16")
    return makeMultiNode("multi-node-16x16", 16);
  if (name == "multi-node-4x4")
    return makeMultiNode("multi-node-4x4", 4);
  if (name == "edge-systolic")
    return makeEdgeSystolic();
  return std::nullopt;
}

ArchDesc defaultArch() { return *getPreset(presetNames().front()); }

// Upper limits keep every derived count (PEs, words, cycles) well inside
// 64-bit arithmetic; they are far beyond any real design.
static constexpr int64_t kMaxArrayDim = 1 << 12;
static constexpr int64_t kMaxBufferBytes = int64_t(1) << 40;

llvm::ArrayRef<ArchField> archFields() {
  using K = ArchField::Kind;
  static const ArchField fields[] = {
      {"name", K::String},
      {"nodes", K::Pair, &ArchDesc::nodeRows, &ArchDesc::nodeCols},
      {"pe_array", K::Pair, &ArchDesc::peRows, &ArchDesc::peCols},
      {"regf_bytes", K::Integer, &ArchDesc::regfBytes},
      {"gbuf_bytes", K::Integer, &ArchDesc::gbufBytes},
      {"word_bits", K::Integer, &ArchDesc::wordBits},
      {"freq_mhz", K::Number, nullptr, nullptr, &ArchDesc::freqMHz},
      {"dram_bw_bytes_per_cycle", K::Number, nullptr, nullptr,
       &ArchDesc::dramBwBytesPerCycle},
      {"bus_bits", K::Integer, &ArchDesc::busBits},
      {"pe_template", K::Template},
      {"energy_pj", K::Energy}};
  return fields;
}

llvm::ArrayRef<EnergyField> energyFields() {
  static const EnergyField fields[] = {
      {"mac", &EnergyTable::mac},
      {"regf", &EnergyTable::regf},
      {"bus", &EnergyTable::bus},
      {"gbuf", &EnergyTable::gbuf},
      {"dram", &EnergyTable::dram},
      {"noc_hop", &EnergyTable::nocHop},
      {"static_per_cycle", &EnergyTable::staticPerCycle}};
  return fields;
}

char ArchFieldError::ID = 0;

llvm::Error validateArch(const ArchDesc &a) {
  auto fail = [](std::string field, std::string rule) -> llvm::Error {
    return llvm::make_error<ArchFieldError>(std::move(field), std::move(rule));
  };
  auto inRange = [](int64_t v, int64_t lo, int64_t hi) {
    return v >= lo && v <= hi;
  };
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  auto nonNegative = [](double v) { return std::isfinite(v) && v >= 0; };
  auto arrayMsg = [](const char *what) {
    return std::string(what) + " must be between 1 and 4096";
  };

  if (a.name.empty())
    return fail("name", "must not be empty");
  if (!inRange(a.nodeRows, 1, kMaxArrayDim) ||
      !inRange(a.nodeCols, 1, kMaxArrayDim))
    return fail("nodes", arrayMsg("each node array dimension"));
  if (!inRange(a.peRows, 1, kMaxArrayDim) || !inRange(a.peCols, 1, kMaxArrayDim))
    return fail("pe_array", arrayMsg("each PE array dimension"));
  if (!inRange(a.wordBits, 1, 64))
    return fail("word_bits", "must be between 1 and 64");
  if (!inRange(a.regfBytes, 1, kMaxBufferBytes))
    return fail("regf_bytes", "must be positive");
  if (a.regfWords() < 1)
    return fail("regf_bytes", "must hold at least one usable word");
  if (!inRange(a.gbufBytes, 1, kMaxBufferBytes))
    return fail("gbuf_bytes", "must be positive");
  if (a.gbufWords() < 1)
    return fail("gbuf_bytes", "must hold at least one usable word");
  if (!positive(a.freqMHz))
    return fail("freq_mhz", "must be positive");
  if (!positive(a.dramBwBytesPerCycle))
    return fail("dram_bw_bytes_per_cycle", "must be positive");
  if (!inRange(a.busBits, 1, int64_t(1) << 20))
    return fail("bus_bits", "must be positive");
  if (a.busBits < a.wordBits)
    return fail("bus_bits", "must be at least one word (word_bits)");
  for (const EnergyField &f : energyFields())
    if (!nonNegative(a.energy.*f.value))
      return fail(std::string("energy_pj.") + f.key,
                  "must be a finite, non-negative number");
  return llvm::Error::success();
}

} // namespace mlir::kapla
