//===- LoopNest.cpp - The loops a layer's dataflow describes --------------===//

#include "Kapla/Dataflow/LoopNest.h"

#include "llvm/ADT/Twine.h"

namespace mlir::kapla {

static llvm::Error nestError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

/// The loop dims `list` names (input rows and cols ride along).
static llvm::SmallVector<DimAmount, 2>
loopDimsOf(llvm::ArrayRef<DimAmount> list) {
  llvm::SmallVector<DimAmount, 2> out;
  for (const DimAmount &da : list)
    if (isLoopDim(da.dim))
      out.push_back(da);
  return out;
}

/// The loops of one level, outermost first.
static llvm::Error levelLoops(const LevelDirectives &level, MemLevel which,
                              const LevelShape &shape,
                              llvm::SmallVectorImpl<NestLoop> &out) {
  const char *lv = stringifyMemLevel(which);
  std::array<int64_t, kNumDims> covered = shape.tile;
  llvm::SmallVector<NestLoop, 4> stacks;
  for (auto [i, sd] : llvm::enumerate(level.stacks)) {
    llvm::SmallVector<DimAmount, 2> dims = loopDimsOf(sd.shifts);
    if (sd.repl == 1)
      continue;
    if (dims.empty())
      return nestError(llvm::Twine(lv) + " stack #" + llvm::Twine(i) +
                       " moves only input rows or cols, which no loop "
                       "runs over");
    if (dims.size() > 1)
      return nestError(llvm::Twine(lv) + " stack #" + llvm::Twine(i) +
                       " moves " + stringifyDim(dims[0].dim) + " and " +
                       stringifyDim(dims[1].dim) +
                       " together, which is no parallel loop nest");
    int d = int(dims[0].dim);
    int64_t shift = dims[0].amount;
    int64_t extent = shape.extent[d];
    // Positions past the extent hold nothing of the layer.
    int64_t positions =
        covered[d] >= extent
            ? 1
            : std::min<int64_t>(sd.repl, (extent + shift - 1) / shift);
    if (positions > 1) {
      if (shift != covered[d])
        return nestError(llvm::Twine(lv) + " stack #" + llvm::Twine(i) +
                         " shifts " + stringifyDim(dims[0].dim) + " by " +
                         llvm::Twine(shift) + " but the tile it places spans " +
                         llvm::Twine(covered[d]) +
                         (shift < covered[d] ? " (the tiles overlap)"
                                             : " (the tiles leave gaps)"));
      stacks.push_back(
          {which, true, unsigned(i), dims[0].dim, shift, positions});
    }
    covered[d] += (sd.repl - 1) * shift;
  }
  llvm::SmallVector<NestLoop, 6> updates;
  for (auto [u, ud] : llvm::enumerate(level.updates)) {
    int64_t count = shape.updateCounts[u];
    if (count == 1)
      continue;
    llvm::SmallVector<DimAmount, 2> dims = loopDimsOf(ud.steps);
    if (dims.empty())
      return nestError(llvm::Twine(lv) + " update #" + llvm::Twine(u) +
                       " moves only input rows or cols, which no loop runs "
                       "over");
    if (dims.size() > 1)
      return nestError(llvm::Twine(lv) + " update #" + llvm::Twine(u) +
                       " moves " + stringifyDim(dims[0].dim) + " and " +
                       stringifyDim(dims[1].dim) +
                       " together (a diagonal loop), which no loop nest "
                       "expresses");
    int d = int(dims[0].dim);
    int64_t step = dims[0].amount;
    if (step != covered[d])
      return nestError(llvm::Twine(lv) + " update #" + llvm::Twine(u) +
                       " steps " + stringifyDim(dims[0].dim) + " by " +
                       llvm::Twine(step) + " but the tiles it moves span " +
                       llvm::Twine(covered[d]) +
                       (step < covered[d] ? " (the tiles overlap)"
                                          : " (the tiles leave gaps)"));
    updates.push_back({which, false, unsigned(u), dims[0].dim, step, count});
    covered[d] += (count - 1) * step;
  }
  out.append(updates.rbegin(), updates.rend());
  out.append(stacks.begin(), stacks.end());
  return llvm::Error::success();
}

llvm::Expected<llvm::SmallVector<NestLoop, 12>>
buildLoopNest(const LayerDesc &layer, const LayerDataflow &dataflow) {
  std::array<LevelShape, kNumLevels> shapes;
  if (llvm::Error err = checkDataflowStructure(layer, dataflow, &shapes))
    return std::move(err);
  llvm::SmallVector<NestLoop, 12> loops;
  for (MemLevel l : {MemLevel::Gbuf, MemLevel::Regf})
    if (llvm::Error err =
            levelLoops(dataflow.level(l), l, shapes[int(l)], loops))
      return std::move(err);
  return loops;
}

} // namespace mlir::kapla
