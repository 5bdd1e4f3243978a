//===- Noc.h - Distances on the mesh network-on-chip ------------*- C++ -*-===//
//
// The node array is a 2-D mesh; a word moves one hop per link (Manhattan
// distance). DRAM channels sit at the four corner nodes.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_HARDWARE_NOC_H
#define KAPLA_HARDWARE_NOC_H

#include "Kapla/Hardware/Arch.h"

namespace mlir::kapla {

/// Mean hops between a node of `region` and the nearest DRAM channel (where
/// weights come from), averaged over the region's nodes.
double meanHopsToNearestChannel(const ArchDesc &arch, const NodeRegion &region);

/// Mean hops between a node and the four channels (feature maps are
/// interleaved over all channels). On a mesh with corner channels this is
/// (rows-1)/2 + (cols-1)/2 for every node.
double meanHopsToAllChannels(const ArchDesc &arch);

/// Hops between the centres of two regions (forwarding between pipelined
/// layers); 0 for the same region.
double hopsBetween(const NodeRegion &a, const NodeRegion &b);

} // namespace mlir::kapla

#endif // KAPLA_HARDWARE_NOC_H
