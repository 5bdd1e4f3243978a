//===- LoopNest.h - The loops a layer's dataflow describes ------*- C++ -*-===//
//
// A layer's dataflow read as a program (docs/Materialization.md): the GBUF
// updates are loops over the whole layer, the GBUF stacks spread each of
// their tiles over nodes, the REGF updates loop over one node's GBUF tile
// and the REGF stacks spread those tiles over PEs. kapla-materialize tiles
// the layer's op along this nest.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_DATAFLOW_LOOPNEST_H
#define KAPLA_DATAFLOW_LOOPNEST_H

#include "Kapla/Dataflow/Directives.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

namespace mlir::kapla {

/// One loop of a layer's nest.
struct NestLoop {
  MemLevel level = MemLevel::Gbuf;
  /// A stack (the tiles side by side in buffers: a parallel loop over nodes
  /// at the GBUF, over PEs at the REGF) or an update (a sequential loop).
  bool spatial = false;
  /// Which stack or update of its level (as listed in the directives).
  unsigned index = 0;
  /// The loop dim it moves (N, C, K, Ho, Wo, R or S).
  Dim dim = Dim::N;
  /// The tile one iteration covers: the stack's shift or the update's step.
  int64_t step = 1;
  /// Iterations over the full extent: the update's count, or the stack
  /// positions that hold part of the extent (at most its replication).
  int64_t trips = 1;
};

/// The loops of `dataflow` for `layer`, outermost first: at the GBUF then
/// the REGF level, the updates (outermost first), then the stacks (as
/// listed). A stack or update of one iteration is no loop and is left out.
/// An error names the directive that is not a loop nest: one that moves two
/// loop dims together (a diagonal loop), only input rows or cols, or a
/// tile by other than the span inside it (overlapping or interleaved tiles,
/// which would compute an output twice or leave it out).
llvm::Expected<llvm::SmallVector<NestLoop, 12>>
buildLoopNest(const LayerDesc &layer, const LayerDataflow &dataflow);

/// Whether `d` is a dim a loop runs over (not the input rows or cols).
inline bool isLoopDim(Dim d) { return d != Dim::Hi && d != Dim::Wi; }

} // namespace mlir::kapla

#endif // KAPLA_DATAFLOW_LOOPNEST_H
