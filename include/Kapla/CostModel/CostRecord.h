//===- CostRecord.h - The cost of a schedule --------------------*- C++ -*-===//

#ifndef KAPLA_COSTMODEL_COSTRECORD_H
#define KAPLA_COSTMODEL_COSTRECORD_H

#include <cstdint>

namespace mlir::kapla {

/// Energy by component, in pJ (docs/CostModel.md, energy).
struct EnergyBreakdown {
  double mac = 0, regf = 0, bus = 0, gbuf = 0, dram = 0, noc = 0,
         staticEnergy = 0;
  double total() const {
    return mac + regf + bus + gbuf + dram + noc + staticEnergy;
  }
  bool operator==(const EnergyBreakdown &o) const {
    return mac == o.mac && regf == o.regf && bus == o.bus && gbuf == o.gbuf &&
           dram == o.dram && noc == o.noc && staticEnergy == o.staticEnergy;
  }
};

/// Access counts, in words (docs/CostModel.md, data movement). NoC traffic is
/// in word-hops; it is fractional because distances are averaged over a
/// region's nodes.
struct AccessCounts {
  int64_t dram = 0, gbuf = 0, regf = 0;
  double nocHops = 0;
  bool operator==(const AccessCounts &o) const {
    return dram == o.dram && gbuf == o.gbuf && regf == o.regf &&
           nocHops == o.nocHops;
  }
};

/// The cost of one layer, one segment or a whole network.
struct CostRecord {
  EnergyBreakdown energy;
  double cycles = 0;
  AccessCounts accesses;

  double energyPj() const { return energy.total(); }
  bool operator==(const CostRecord &o) const {
    return energy == o.energy && cycles == o.cycles && accesses == o.accesses;
  }
};

} // namespace mlir::kapla

#endif // KAPLA_COSTMODEL_COSTRECORD_H
