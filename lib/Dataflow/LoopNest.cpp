//===- LoopNest.cpp - The loops a layer's dataflow describes --------------===//

#include "Kapla/Dataflow/LoopNest.h"

#include "llvm/ADT/Twine.h"

#include <string>

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

/// The one loop dim the shifts or steps `list` of `what` move: an error when
/// they move none (only input rows or cols) or several (`together` says why
/// that is no loop).
static llvm::Expected<DimAmount> oneLoopDim(llvm::ArrayRef<DimAmount> list,
                                            const llvm::Twine &what,
                                            const char *together) {
  llvm::SmallVector<DimAmount, 2> dims = loopDimsOf(list);
  if (dims.empty())
    return nestError(what + " moves only input rows or cols, which no loop "
                            "runs over");
  if (dims.size() > 1)
    return nestError(what + " moves " + stringifyDim(dims[0].dim) + " and " +
                     stringifyDim(dims[1].dim) + together);
  return dims[0];
}

/// An error unless `what` moves its dim by the span `covered` of the tiles it
/// moves (`moved`: "shifts", "steps"; `span`: how the span is named).
static llvm::Error checkContiguous(const llvm::Twine &what, const char *moved,
                                   DimAmount by, const char *span,
                                   int64_t covered) {
  if (by.amount == covered)
    return llvm::Error::success();
  return nestError(what + " " + moved + " " + stringifyDim(by.dim) + " by " +
                   llvm::Twine(by.amount) + " but " + span + " " +
                   llvm::Twine(covered) +
                   (by.amount < covered ? " (the tiles overlap)"
                                        : " (the tiles leave gaps)"));
}

/// The loops of one level, outermost first.
static llvm::Error levelLoops(const LevelDirectives &level, MemLevel which,
                              const LevelShape &shape,
                              llvm::SmallVectorImpl<NestLoop> &out) {
  const char *lv = stringifyMemLevel(which);
  std::array<int64_t, kNumDims> covered = shape.tile;
  llvm::SmallVector<NestLoop, 4> stacks;
  for (auto [i, sd] : llvm::enumerate(level.stacks)) {
    if (sd.repl == 1)
      continue;
    std::string what = std::string(lv) + " stack #" + std::to_string(i);
    llvm::Expected<DimAmount> dim = oneLoopDim(
        sd.shifts, what, " together, which is no parallel loop nest");
    if (!dim)
      return dim.takeError();
    int d = int(dim->dim);
    int64_t shift = dim->amount;
    int64_t extent = shape.extent[d];
    // Positions past the extent hold nothing of the layer.
    int64_t positions =
        covered[d] >= extent
            ? 1
            : std::min<int64_t>(sd.repl, (extent + shift - 1) / shift);
    if (positions > 1) {
      if (llvm::Error err = checkContiguous(
              what, "shifts", *dim, "the tile it places spans", covered[d]))
        return err;
      stacks.push_back({which, true, unsigned(i), dim->dim, shift, positions});
    }
    covered[d] += (sd.repl - 1) * shift;
  }
  llvm::SmallVector<NestLoop, 6> updates;
  for (auto [u, ud] : llvm::enumerate(level.updates)) {
    int64_t count = shape.updateCounts[u];
    if (count == 1)
      continue;
    std::string what = std::string(lv) + " update #" + std::to_string(u);
    llvm::Expected<DimAmount> dim =
        oneLoopDim(ud.steps, what,
                   " together (a diagonal loop), which no loop nest expresses");
    if (!dim)
      return dim.takeError();
    int d = int(dim->dim);
    int64_t step = dim->amount;
    if (llvm::Error err = checkContiguous(
            what, "steps", *dim, "the tiles it moves span", covered[d]))
      return err;
    updates.push_back({which, false, unsigned(u), dim->dim, step, count});
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
