//===- Layer.cpp - Layer descriptors --------------------------------------===//

#include "Kapla/Workload/Layer.h"

#include "llvm/ADT/STLExtras.h"

#include <iterator>
#include <numeric>

namespace mlir::kapla {

namespace {
const char *const kKindReportNames[] = {"CONV",   "DWCONV", "FC",
                                        "MATMUL", "POOL",   "ELTWISE"};
const char *const kPassReportNames[] = {"forward", "backward-data",
                                        "backward-weight"};
} // namespace

const char *reportNameOfLayerKind(LayerKind k) {
  return kKindReportNames[int(k)];
}
const char *reportNameOfLayerPass(LayerPass p) {
  return kPassReportNames[int(p)];
}

bool LayerDesc::operator==(const LayerDesc &o) const {
  return kind == o.kind && pass == o.pass && n == o.n && c == o.c && k == o.k &&
         ho == o.ho && wo == o.wo && r == o.r && s == o.s && sy == o.sy &&
         sx == o.sx && dy == o.dy && dx == o.dx && numInputs == o.numInputs &&
         loops == o.loops && batchLoops == o.batchLoops;
}

bool LayerDesc::hasMultiLoopDims() const {
  for (const auto &l : loops)
    if (!l.empty())
      return true;
  return false;
}

std::optional<llvm::SmallVector<int64_t, 4>>
tileShape(llvm::ArrayRef<int64_t> extents, uint32_t batchMask, int64_t step) {
  llvm::SmallVector<int64_t, 4> shape(extents.begin(), extents.end());
  int64_t product = 1;
  for (int64_t e : extents)
    product *= e;
  if (step >= product)
    return shape;
  if (step < 1 || product % step != 0)
    return std::nullopt;
  // Per prime, each loop in turn takes as much of the step as it holds:
  // whatever divides the product is placed.
  int64_t rest = step;
  for (bool batch : {false, true})
    for (size_t i = 0; i < shape.size(); ++i)
      if ((i < 32 && (batchMask >> i & 1)) == batch) {
        shape[i] = std::gcd(rest, extents[i]);
        rest /= shape[i];
      }
  return shape;
}

void cutDim(LayerDesc &layer, Dim d, int64_t extent) {
  llvm::SmallVector<int64_t, 0> &loops = layer.loops[int(d)];
  if (!loops.empty()) {
    uint32_t mask = d == Dim::N ? layer.batchLoops : 0;
    std::optional<llvm::SmallVector<int64_t, 4>> shape =
        tileShape(loops, mask, extent);
    loops.clear();
    uint32_t kept = 0;
    if (shape)
      for (auto [i, e] : llvm::enumerate(*shape))
        if (e != 1) {
          if (i < 32 && (mask >> i & 1) && loops.size() < 32)
            kept |= 1u << loops.size();
          loops.push_back(e);
        }
    if (loops.size() < 2) {
      loops.clear();
      kept = 0;
    }
    if (d == Dim::N)
      layer.batchLoops = kept;
  }
  // The field of a loop dim (Hi and Wi follow from the others).
  int64_t *fields[] = {&layer.n,  &layer.c, &layer.k, &layer.ho,
                       &layer.wo, &layer.r, &layer.s};
  if (int(d) < int(std::size(fields)))
    *fields[int(d)] = extent;
}

llvm::SmallVector<std::optional<Dim>, 8>
eltwiseLoopDims(llvm::ArrayRef<int64_t> ranges, const LayerDesc &layer) {
  const Dim order[] = {Dim::N, Dim::C, Dim::Ho, Dim::Wo};
  llvm::SmallVector<std::optional<Dim>, 8> dims(ranges.size(), std::nullopt);
  bool matched = true;
  for (Dim d : order) {
    int64_t e = layer.extent(d);
    if (e == 1)
      continue;
    size_t j = 0;
    while (j < ranges.size() && (dims[j] || ranges[j] != e))
      ++j;
    if (j == ranges.size()) {
      matched = false;
      break;
    }
    dims[j] = d;
  }
  if (matched)
    return dims;
  dims.assign(ranges.size(), std::nullopt);
  size_t j = 0;
  for (Dim d : order) {
    int64_t e = layer.extent(d), product = 1;
    while (j < ranges.size() && product < e) {
      if (ranges[j] != 1)
        dims[j] = d;
      product *= ranges[j++];
    }
    if (product != e)
      return {};
  }
  return dims;
}

void setDimLoops(LayerDesc &layer, llvm::ArrayRef<int64_t> ranges,
                 llvm::ArrayRef<std::optional<Dim>> loopDims,
                 llvm::ArrayRef<bool> batchLoop) {
  if (ranges.size() != loopDims.size() ||
      (!batchLoop.empty() && batchLoop.size() != ranges.size()))
    return;
  std::array<llvm::SmallVector<int64_t, 0>, kNumDims> loops;
  uint32_t batch = 0;
  for (auto [j, r] : llvm::enumerate(ranges)) {
    std::optional<Dim> d = loopDims[j];
    if (!d || r == 1)
      continue;
    if (*d == Dim::N && !batchLoop.empty() && batchLoop[j])
      batch |= 1u << loops[int(*d)].size();
    loops[int(*d)].push_back(r);
  }
  for (int d = 0; d < kNumDims; ++d) {
    int64_t product = 1;
    for (int64_t r : loops[d])
      product *= r;
    if (!loops[d].empty() && product != layer.extent(Dim(d)))
      return;
    if (loops[d].size() < 2)
      loops[d].clear();
  }
  if (loops[int(Dim::N)].empty() || loops[int(Dim::N)].size() > 32)
    batch = 0;
  layer.loops = std::move(loops);
  layer.batchLoops = batch;
}

int64_t LayerDesc::macs() const {
  switch (kind) {
  case LayerKind::Conv:
  case LayerKind::FC:
  case LayerKind::MatMul:
    return n * k * c * ho * wo * r * s;
  case LayerKind::DWConv:
  case LayerKind::Pool:
    return n * c * ho * wo * r * s;
  case LayerKind::Eltwise:
    // m inputs take m-1 combining ops per element; a single-input eltwise
    // (e.g. a scaling) still takes one op per element.
    return (numInputs > 1 ? numInputs - 1 : 1) * n * c * ho * wo;
  }
  return 0;
}

bool isReadWrite(LayerPass p, TensorKind t) {
  switch (p) {
  case LayerPass::Forward:
    return t == TensorKind::O;
  case LayerPass::BackwardData:
    return t == TensorKind::I;
  case LayerPass::BackwardWeight:
    return t == TensorKind::W;
  }
  return false;
}

/// The first rule of a layer descriptor `l` breaks, or nullopt.
static std::optional<std::string> brokenLayerRule(const LayerDesc &l) {
  const std::pair<const char *, int64_t> extents[] = {
      {"N", l.n},       {"C", l.c},       {"K", l.k},       {"Ho", l.ho},
      {"Wo", l.wo},     {"R", l.r},       {"S", l.s},       {"stride rows", l.sy},
      {"stride cols", l.sx}, {"dilation rows", l.dy}, {"dilation cols", l.dx},
      {"inputs", l.numInputs}};
  for (const auto &[name, v] : extents)
    if (v < 1)
      return std::string(name) + " must be positive, got " + std::to_string(v);

  // Keep every product the model forms inside 64 bits.
  int64_t acc = 1;
  for (int64_t v : {l.n, l.c, l.k, l.ho, l.wo, l.r, l.s, l.numInputs, l.sy,
                    l.sx, l.dy, l.dx})
    if (__builtin_mul_overflow(acc, v, &acc) || acc > (int64_t(1) << 56))
      return std::string("layer is too large: the product of its extents "
                         "exceeds 2^56");

  const char *kind = stringifyLayerKind(l.kind);
  auto err = [&](const std::string &what) {
    return std::string(kind) + " layer requires " + what;
  };
  bool channelwise = l.kind == LayerKind::DWConv ||
                     l.kind == LayerKind::Pool ||
                     l.kind == LayerKind::Eltwise;
  if (channelwise && l.k != l.c)
    return err("K == C (got C = " + std::to_string(l.c) +
               ", K = " + std::to_string(l.k) + ")");
  if ((l.kind == LayerKind::FC || l.kind == LayerKind::MatMul) &&
      (l.ho != 1 || l.wo != 1))
    return err("Ho = Wo = 1");
  if (l.kind == LayerKind::MatMul &&
      (l.r != 1 || l.s != 1 || l.sy != 1 || l.sx != 1 || l.dy != 1 ||
       l.dx != 1))
    return err("R = S = 1 and unit strides and dilations");
  if (l.kind == LayerKind::Eltwise &&
      (l.r != 1 || l.s != 1 || l.sy != 1 || l.sx != 1 || l.dy != 1 ||
       l.dx != 1))
    return err("a 1x1 window with unit strides and dilations");
  if (l.kind != LayerKind::Eltwise && l.numInputs != 1)
    return err("inputs = 1 (only eltwise layers combine several inputs)");
  if (l.pass == LayerPass::BackwardWeight && !hasTensor(l.kind, TensorKind::W))
    return std::string("a backward-weight pass needs a layer with weights; ") +
           kind + " has none";
  for (int d = 0; d < kNumDims; ++d) {
    const llvm::SmallVector<int64_t, 0> &loops = l.loops[d];
    if (loops.empty())
      continue;
    std::string name = stringifyDim(Dim(d));
    if (Dim(d) == Dim::Hi || Dim(d) == Dim::Wi ||
        (channelwise && Dim(d) == Dim::K))
      return "loops: " + name + " is no dim a loop of the " + kind +
             " layer runs over" +
             (channelwise && Dim(d) == Dim::K ? " (its channels are C)" : "");
    if (loops.size() < 2)
      return "loops: " + name +
             " lists one loop; only a dim of several "
             "loops is listed";
    int64_t product = 1;
    for (int64_t e : loops) {
      if (e < 2)
        return "loops: the loops of " + name +
               " must have extents of at least 2, got " + std::to_string(e);
      if (__builtin_mul_overflow(product, e, &product))
        product = -1;
    }
    if (product != l.extent(Dim(d)))
      return "loops: the loops of " + name + " multiply to " +
             std::to_string(product) + " but " + name + " = " +
             std::to_string(l.extent(Dim(d)));
  }
  size_t nLoops = l.loops[int(Dim::N)].size();
  if (nLoops < 32 && (l.batchLoops >> nLoops) != 0)
    return "batch_loops: N has " + std::to_string(nLoops) +
           " loops listed in loops; the batch loops must be among them";
  return std::nullopt;
}

llvm::Error validateLayer(const LayerDesc &l) {
  if (std::optional<std::string> why = brokenLayerRule(l))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  return llvm::Error::success();
}

} // namespace mlir::kapla
