//===- Directives.cpp - Tensor-centric dataflow directives ----------------===//

#include "Kapla/Dataflow/Directives.h"

#include <algorithm>

namespace mlir::kapla {

const TensorDirective *LevelDirectives::findTensor(TensorKind t) const {
  for (const TensorDirective &td : tensors)
    if (td.tensor == t)
      return &td;
  return nullptr;
}

void appendTensorTiles(LayerKind kind, const std::array<int64_t, kNumDims> &tile,
                       LevelDirectives &level) {
  for (int t = 0; t < kNumTensors; ++t) {
    DimSet dims = tensorDims(kind, TensorKind(t));
    if (dims.empty())
      continue;
    TensorDirective td;
    td.tensor = TensorKind(t);
    for (int d = 0; d < kNumDims; ++d)
      if (dims.contains(Dim(d)))
        td.sizes.push_back({Dim(d), tile[d]});
    level.tensors.push_back(std::move(td));
  }
}

/// The dims tensor `t` may have in some layer kind.
static DimSet anyKindDims(TensorKind t) {
  DimSet s;
  for (int k = 0; k < kNumLayerKinds; ++k)
    s = s | tensorDims(static_cast<LayerKind>(k), t);
  return s;
}

static std::string str(int64_t v) { return std::to_string(v); }

/// Checks one dim/amount list: known dims, positive amounts, no repeats.
static std::optional<std::string>
checkAmounts(llvm::ArrayRef<DimAmount> list, const char *what,
             const char *amountName) {
  if (list.empty())
    return std::string(what) + " must name at least one dim";
  DimSet seen;
  for (const DimAmount &da : list) {
    if (seen.contains(da.dim))
      return std::string(what) + " lists dim " + stringifyDim(da.dim) +
             " twice";
    seen.insert(da.dim);
    if (da.amount < 1)
      return std::string(what) + " " + amountName + " of " +
             stringifyDim(da.dim) + " must be positive, got " + str(da.amount);
  }
  return std::nullopt;
}

/// checkAmounts without a message: whether the list passes.
static bool amountsOk(llvm::ArrayRef<DimAmount> list) {
  if (list.empty())
    return false;
  DimSet seen;
  for (const DimAmount &da : list) {
    if (seen.contains(da.dim) || da.amount < 1)
      return false;
    seen.insert(da.dim);
  }
  return true;
}

/// The first rule `level` breaks, or nullopt.
static std::optional<std::string>
brokenLevelRule(const LevelDirectives &level) {
  bool seen[kNumTensors] = {false, false, false};
  for (const TensorDirective &td : level.tensors) {
    // The message prefix, built only on the error path (this check runs
    // for every point a solver evaluates).
    auto what = [&] {
      return std::string("tensor ") + stringifyTensorKind(td.tensor);
    };
    if (seen[int(td.tensor)])
      return what() + " is listed twice";
    seen[int(td.tensor)] = true;
    if (!amountsOk(td.sizes))
      return checkAmounts(td.sizes, what().c_str(), "size");
    DimSet allowed = anyKindDims(td.tensor);
    for (const DimAmount &da : td.sizes)
      if (!allowed.contains(da.dim))
        return what() + " cannot be indexed by dim " + stringifyDim(da.dim);
    if (td.shr < 1)
      return what() + " sharing factor shr must be at least 1, got " +
             str(td.shr);
  }
  for (const StackDirective &sd : level.stacks) {
    if (sd.repl < 1)
      return "stack replication must be at least 1, got " + str(sd.repl);
    if (auto e = checkAmounts(sd.shifts, "stack", "shift"))
      return e;
  }
  for (const UpdateDirective &ud : level.updates)
    if (auto e = checkAmounts(ud.steps, "update", "step"))
      return e;
  return std::nullopt;
}

static std::optional<std::string>
checkLevelForLayer(const LayerDesc &layer, const LevelDirectives &level,
                   MemLevel which, const std::array<int64_t, kNumDims> &extent,
                   LevelShape &shape) {
  auto lv = [which] { return std::string(stringifyMemLevel(which)); };
  if (auto e = brokenLevelRule(level))
    return lv() + " level: " + *e;

  DimSet known = knownDims(layer.kind);
  const char *kind = stringifyLayerKind(layer.kind);
  shape.extent = extent;
  shape.tile.fill(0);
  for (const TensorDirective &td : level.tensors) {
    DimSet dims = tensorDims(layer.kind, td.tensor);
    const char *tn = stringifyTensorKind(td.tensor);
    if (dims.empty())
      return lv() + " level: " + kind + " layers have no tensor " + tn;
    DimSet listed;
    for (const DimAmount &da : td.sizes) {
      if (!dims.contains(da.dim))
        return lv() + " level: tensor " + tn + " of " + kind +
               " layers has no dim " + stringifyDim(da.dim);
      listed.insert(da.dim);
      int d = int(da.dim);
      if (shape.tile[d] != 0 && shape.tile[d] != da.amount)
        return lv() + " level: tensors disagree on the tile of " +
               stringifyDim(da.dim) + " (" + str(shape.tile[d]) + " vs " +
               str(da.amount) + ")";
      shape.tile[d] = da.amount;
      if (da.amount > extent[d])
        return lv() + " level: tensor " + tn + " tile of " +
               stringifyDim(da.dim) + " is " + str(da.amount) +
               ", larger than the " + str(extent[d]) + " it tiles";
    }
    if (!(listed == dims)) {
      for (int d = 0; d < kNumDims; ++d)
        if (dims.contains(Dim(d)) && !listed.contains(Dim(d)))
          return lv() + " level: tensor " + tn + " must give a size for dim " +
                 stringifyDim(Dim(d));
    }
  }
  for (int t = 0; t < kNumTensors; ++t)
    if (hasTensor(layer.kind, TensorKind(t)) && !level.findTensor(TensorKind(t)))
      return lv() + " level: tensor " + stringifyTensorKind(TensorKind(t)) +
             " of the " + kind + " layer is missing";
  // A pooling window indexes no tensor: the input tile says how much of it
  // one buffer holds, (Hi - (Ho-1)*sy - 1) / dy + 1 rows, likewise cols.
  auto windowTile = [&](Dim w, Dim in, Dim out, int64_t stride, int64_t dil) {
    int d = int(w);
    if (shape.tile[d] != 0 || !known.contains(w) || shape.tile[int(in)] == 0 ||
        shape.tile[int(out)] == 0)
      return;
    shape.tile[d] = std::clamp<int64_t>(
        windowOfSpan(shape.tile[int(in)], shape.tile[int(out)], stride, dil), 1,
        extent[d]);
  };
  windowTile(Dim::R, Dim::Hi, Dim::Ho, layer.sy, layer.dy);
  windowTile(Dim::S, Dim::Wi, Dim::Wo, layer.sx, layer.dx);
  for (int d = 0; d < kNumDims; ++d)
    if (shape.tile[d] == 0)
      shape.tile[d] = extent[d];

  shape.span = shape.tile;
  for (const StackDirective &sd : level.stacks)
    for (const DimAmount &da : sd.shifts) {
      if (!known.contains(da.dim))
        return lv() + " level: stack over dim " + stringifyDim(da.dim) +
               ", which " + kind + " layers do not have";
      shape.span[int(da.dim)] += (sd.repl - 1) * da.amount;
    }

  shape.covered = shape.span;
  shape.updateCounts.clear();
  for (size_t u = 0; u < level.updates.size(); ++u) {
    const UpdateDirective &ud = level.updates[u];
    for (const DimAmount &da : ud.steps)
      if (!known.contains(da.dim))
        return lv() + " level: update over dim " + stringifyDim(da.dim) +
               ", which " + kind + " layers do not have";
    // An update is one loop: its loop dims must agree on the count. Input
    // rows and cols ride along with the output and filter dims that move
    // them; they set the count only in an update of their own.
    bool hasLoopDim = false;
    for (const DimAmount &da : ud.steps)
      hasLoopDim |= da.dim != Dim::Hi && da.dim != Dim::Wi;
    int64_t count = -1;
    Dim first = ud.steps.front().dim;
    for (const DimAmount &da : ud.steps) {
      if (hasLoopDim && (da.dim == Dim::Hi || da.dim == Dim::Wi))
        continue;
      int d = int(da.dim);
      int64_t n = loopIterations(extent[d], shape.covered[d], da.amount);
      if (count >= 0 && n != count)
        return lv() + " level: update #" + str(int64_t(u)) +
               " gives different iteration counts for its dims (" +
               stringifyDim(first) + ": " + str(count) + ", " +
               stringifyDim(da.dim) + ": " + str(n) + ")";
      if (count < 0)
        first = da.dim;
      count = n;
    }
    for (const DimAmount &da : ud.steps)
      shape.covered[int(da.dim)] += (count - 1) * da.amount;
    shape.updateCounts.push_back(count);
  }
  return std::nullopt;
}

/// A dim of several loops (`LayerDesc::loops`) is cut into rectangles of
/// them: the loops of the dataflow over it, outermost first (at each level
/// the updates from the outermost, then the stacks; those of one iteration
/// are no loops), each move by a tile that divides the tile they loop
/// within (a partial tile would be no rectangle). The first that does not,
/// or nullopt.
static std::optional<std::string>
brokenTileRule(const LayerDesc &layer, const LayerDataflow &dataflow,
               const std::array<LevelShape, kNumLevels> &shapes) {
  for (int d = 0; d < kNumDims; ++d) {
    if (layer.loops[d].empty())
      continue;
    int64_t around = layer.extent(Dim(d));
    auto cut = [&](int64_t step, const char *lv, const char *what,
                   size_t i) -> std::optional<std::string> {
      if (step >= around)
        return std::nullopt;
      if (around % step == 0) {
        around = step;
        return std::nullopt;
      }
      std::string loops;
      for (int64_t e : layer.loops[d])
        loops += (loops.empty() ? "" : " x ") + str(e);
      return std::string(lv) + " " + what + " #" + str(int64_t(i)) + " moves " +
             stringifyDim(Dim(d)) + " by " + str(step) +
             ", which does not divide the " + str(around) +
             " it tiles: a dim of several loops (" + loops +
             ") is cut into whole tiles";
    };
    auto amountOf = [&](llvm::ArrayRef<DimAmount> list) -> int64_t {
      for (const DimAmount &da : list)
        if (int(da.dim) == d)
          return da.amount;
      return 0;
    };
    for (MemLevel which : {MemLevel::Gbuf, MemLevel::Regf}) {
      const LevelDirectives &level = dataflow.level(which);
      const LevelShape &shape = shapes[int(which)];
      const char *lv = stringifyMemLevel(which);
      for (size_t u = level.updates.size(); u-- > 0;) {
        int64_t step = amountOf(level.updates[u].steps);
        if (step && shape.updateCounts[u] > 1)
          if (auto e = cut(step, lv, "update", u))
            return e;
      }
      for (auto [i, st] : llvm::enumerate(level.stacks)) {
        int64_t shift = amountOf(st.shifts);
        if (shift && st.repl > 1)
          if (auto e = cut(shift, lv, "stack", i))
            return e;
      }
    }
  }
  return std::nullopt;
}

/// The first rule `dataflow` breaks for `layer`, or nullopt.
static std::optional<std::string>
brokenDataflowRule(const LayerDesc &layer, const LayerDataflow &dataflow,
                   std::array<LevelShape, kNumLevels> *shapes) {
  std::array<LevelShape, kNumLevels> local;
  std::array<LevelShape, kNumLevels> &s = shapes ? *shapes : local;
  std::array<int64_t, kNumDims> top;
  for (int d = 0; d < kNumDims; ++d)
    top[d] = layer.extent(Dim(d));
  LevelShape &g = s[int(MemLevel::Gbuf)];
  if (auto e = checkLevelForLayer(layer, dataflow.gbuf, MemLevel::Gbuf, top, g))
    return e;
  // The REGF loops run over one GBUF tile.
  if (auto e = checkLevelForLayer(layer, dataflow.regf, MemLevel::Regf, g.tile,
                                  s[int(MemLevel::Regf)]))
    return e;
  if (layer.hasMultiLoopDims())
    return brokenTileRule(layer, dataflow, s);
  return std::nullopt;
}

llvm::Error checkLevelStructure(const LevelDirectives &level) {
  if (std::optional<std::string> why = brokenLevelRule(level))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  return llvm::Error::success();
}

llvm::Error checkDataflowStructure(const LayerDesc &layer,
                                   const LayerDataflow &dataflow,
                                   std::array<LevelShape, kNumLevels> *shapes) {
  if (std::optional<std::string> why =
          brokenDataflowRule(layer, dataflow, shapes))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  return llvm::Error::success();
}

} // namespace mlir::kapla
