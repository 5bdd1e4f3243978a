//===- Noc.cpp - Distances on the mesh network-on-chip --------------------===//

#include "Kapla/Hardware/Noc.h"

#include <algorithm>
#include <cmath>

namespace mlir::kapla {

/// Sum over i in [0, m) of min(i, size-1-i), 0 <= m <= size: the first
/// a = floor((size-1)/2) + 1 terms are i, the rest count down to 0.
static int64_t prefixNearestEnd(int64_t m, int64_t size) {
  auto tri = [](int64_t x) { return x * (x - 1) / 2; }; // 0 + ... + (x-1)
  int64_t a = (size - 1) / 2 + 1;
  if (m <= a)
    return tri(m);
  return tri(a) + tri(size - a) - tri(size - m);
}

/// Sum over i in [lo, lo+n) of min(i, size-1-i): distance to the nearer end.
static double sumNearestEnd(int64_t lo, int64_t n, int64_t size) {
  return static_cast<double>(prefixNearestEnd(lo + n, size) -
                             prefixNearestEnd(lo, size));
}

double meanHopsToNearestChannel(const ArchDesc &arch, const NodeRegion &r) {
  // The nearest corner is the nearer end in each dimension independently.
  return sumNearestEnd(r.row0, r.rows, arch.nodeRows) / double(r.rows) +
         sumNearestEnd(r.col0, r.cols, arch.nodeCols) / double(r.cols);
}

double meanHopsToAllChannels(const ArchDesc &arch) {
  return double(arch.nodeRows - 1) / 2 + double(arch.nodeCols - 1) / 2;
}

double hopsBetween(const NodeRegion &a, const NodeRegion &b) {
  double ar = a.row0 + double(a.rows - 1) / 2, ac = a.col0 + double(a.cols - 1) / 2;
  double br = b.row0 + double(b.rows - 1) / 2, bc = b.col0 + double(b.cols - 1) / 2;
  return std::fabs(ar - br) + std::fabs(ac - bc);
}

} // namespace mlir::kapla
