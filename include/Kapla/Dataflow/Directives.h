//===- Directives.h - Tensor-centric dataflow directives --------*- C++ -*-===//
//
// Spec section 4: per memory level, the tiles held in one buffer (tensor), the
// spatial replication over buffers (stack) and the temporal loop nest
// (update). A layer's dataflow is its REGF level plus its GBUF level.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_DATAFLOW_DIRECTIVES_H
#define KAPLA_DATAFLOW_DIRECTIVES_H

#include "Kapla/Workload/Layer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <array>
#include <optional>
#include <string>

namespace mlir::kapla {

/// A dim with an amount: a tile size, a stack shift or an update step.
struct DimAmount {
  Dim dim;
  int64_t amount;
  bool operator==(const DimAmount &o) const {
    return dim == o.dim && amount == o.amount;
  }
};

/// `tensor`: the tile of one data tensor held in one buffer of a level,
/// optionally spread over `shr` buffers by buffer sharing.
struct TensorDirective {
  TensorKind tensor = TensorKind::I;
  llvm::SmallVector<DimAmount, 4> sizes;
  int64_t shr = 1;
  bool operator==(const TensorDirective &o) const {
    return tensor == o.tensor && sizes == o.sizes && shr == o.shr;
  }
};

/// `stack`: `repl` buffers of a level, each holding the level's tiles offset
/// by `shifts` from its neighbour.
struct StackDirective {
  llvm::SmallVector<DimAmount, 2> shifts;
  int64_t repl = 1;
  bool operator==(const StackDirective &o) const {
    return shifts == o.shifts && repl == o.repl;
  }
};

/// `update`: one temporal loop of a level; every tile moves by `steps`.
struct UpdateDirective {
  llvm::SmallVector<DimAmount, 2> steps;
  bool operator==(const UpdateDirective &o) const { return steps == o.steps; }
};

/// The directives of one memory level. Updates are listed innermost first.
struct LevelDirectives {
  llvm::SmallVector<TensorDirective, 3> tensors;
  llvm::SmallVector<StackDirective, 2> stacks;
  llvm::SmallVector<UpdateDirective, 6> updates;
  bool operator==(const LevelDirectives &o) const {
    return tensors == o.tensors && stacks == o.stacks && updates == o.updates;
  }
  /// The tile of `t`, or null if the level does not list it.
  const TensorDirective *findTensor(TensorKind t) const;
};

/// The memory levels of the hardware template, innermost first: MemLevel
/// (KaplaEnums.td), regf and gbuf.
constexpr int kNumLevels = getMaxEnumValForMemLevel() + 1;

/// A layer's dataflow: one bundle of directives per memory level.
struct LayerDataflow {
  LevelDirectives regf;
  LevelDirectives gbuf;
  bool operator==(const LayerDataflow &o) const {
    return regf == o.regf && gbuf == o.gbuf;
  }
  const LevelDirectives &level(MemLevel l) const {
    return l == MemLevel::Regf ? regf : gbuf;
  }
};

/// Checks the rules of one level that need no layer: positive sizes, shifts
/// and steps, shr >= 1, repl >= 1, no tensor or dim listed twice, tiles only
/// over dims that can index the tensor in some layer kind, no empty stack or
/// update. An error naming the rule otherwise.
llvm::Error checkLevelStructure(const LevelDirectives &level);

/// Per-dim quantities of one level of a dataflow for one layer.
struct LevelShape {
  std::array<int64_t, kNumDims> extent{}; ///< range the level's loops cover
  std::array<int64_t, kNumDims> tile{};   ///< tile size in one buffer
  std::array<int64_t, kNumDims> span{};   ///< tile span over the stacks
  std::array<int64_t, kNumDims> covered{}; ///< range covered after all updates
  /// Iteration count of each update (innermost first).
  llvm::SmallVector<int64_t, 6> updateCounts;
};

/// Checks `dataflow` against `layer`: the level rules above, every tensor the
/// kind has listed at every level with exactly its dims, only dims the kind
/// knows in stacks and updates, tiles of one dim agreeing across tensors, and
/// the dims of one update agreeing on the iteration count. On success fills
/// `shapes` (REGF then GBUF) if given. Errors name the level and rule.
llvm::Error
checkDataflowStructure(const LayerDesc &layer, const LayerDataflow &dataflow,
                       std::array<LevelShape, kNumLevels> *shapes = nullptr);

/// Appends to `level` the tensor directives of a `kind` layer, each tensor
/// with all its dims at the sizes of `tile` (indexed by Dim).
void appendTensorTiles(LayerKind kind, const std::array<int64_t, kNumDims> &tile,
                       LevelDirectives &level);

/// Iterations of a loop with `step` over `extent`, starting from a tile
/// spanning `span`: 1 if span >= extent, else 1 + ceil((extent-span)/step).
inline int64_t loopIterations(int64_t extent, int64_t span, int64_t step) {
  if (span >= extent)
    return 1;
  return 1 + (extent - span + step - 1) / step;
}

} // namespace mlir::kapla

#endif // KAPLA_DATAFLOW_DIRECTIVES_H
