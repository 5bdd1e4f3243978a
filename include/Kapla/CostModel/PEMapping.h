//===- PEMapping.h - PE mapping templates -----------------------*- C++ -*-===//
//
// How a layer is laid onto the PE array of one node (docs/Dialect.md, dataflow
// directives): the row-stationary template (Eyeriss-like) and the systolic
// template (TPU-like, weight-stationary). Each gives the REGF-level unit the
// intra-layer solver starts from.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_COSTMODEL_PEMAPPING_H
#define KAPLA_COSTMODEL_PEMAPPING_H

#include "Kapla/Dataflow/Directives.h"
#include "Kapla/Hardware/Arch.h"

#include <array>

namespace mlir::kapla {

/// The REGF-level unit of a template for one layer.
struct PEUnit {
  /// Tensors, base stacks and base updates: a complete REGF level whose
  /// loops cover `extent`.
  LevelDirectives regf;
  /// PEs the base stacks use, of the node's array.
  int64_t pesUsed = 1;
  /// MACs (ops) one PE performs per step.
  int64_t macsPerStep = 1;
};

/// Builds the unit of `arch.peTemplate` for `layer`, whose REGF loops range
/// over `extent` (a GBUF tile; pass the layer's extents for a whole layer).
///
/// Row-stationary: PE rows take filter rows (R), PE columns output rows (Ho);
/// each PE runs a 1-D convolution of one filter row along one input row
/// (its REGF holds S weights and the input row segment they see) and slides
/// along the row; rows and columns beyond the array fold into updates.
/// Systolic: PE rows take input channels (the reduction), columns output
/// channels; weights stay, one per PE, while activations (N, Ho, Wo) stream
/// through; the filter window and folded channels are outer updates.
/// Channel-wise kinds (dwconv, pool, eltwise) put channels on the columns
/// and, when they have a window, filter rows on the rows.
PEUnit makePEUnit(const ArchDesc &arch, const LayerDesc &layer,
                  const std::array<int64_t, kNumDims> &extent);

/// The layer's own extents, for makePEUnit.
std::array<int64_t, kNumDims> layerExtents(const LayerDesc &layer);

} // namespace mlir::kapla

#endif // KAPLA_COSTMODEL_PEMAPPING_H
