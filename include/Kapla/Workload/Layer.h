//===- Layer.h - Layer descriptors ------------------------------*- C++ -*-===//
//
// The workload model (docs/Dialect.md, layers): one layer is one loop nest over
// the dims N C K Ho Wo R S, reading and writing the data tensors I, W and O.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_WORKLOAD_LAYER_H
#define KAPLA_WORKLOAD_LAYER_H

#include "Kapla/Support/KaplaEnums.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace mlir::kapla {

// The enums LayerKind (docs/Dialect.md), LayerPass (which computation of a
// training step a layer is), Dim (the dims directives talk about) and
// TensorKind (the data tensors of a layer) come from KaplaEnums.td. Tensor
// names always refer to the forward tensors: in a backward-data layer `I` is
// the input gradient (its output), in a backward-weight layer `W` is the
// weight gradient (its output).
constexpr int kNumLayerKinds = getMaxEnumValForLayerKind() + 1;
constexpr int kNumDims = getMaxEnumValForDim() + 1;
constexpr int kNumTensors = getMaxEnumValForTensorKind() + 1;

/// A set of dims as a bit mask.
class DimSet {
public:
  constexpr DimSet() = default;
  constexpr DimSet(std::initializer_list<Dim> dims) {
    for (Dim d : dims)
      bits |= bit(d);
  }
  constexpr bool contains(Dim d) const { return bits & bit(d); }
  constexpr void insert(Dim d) { bits |= bit(d); }
  constexpr bool empty() const { return bits == 0; }
  constexpr DimSet operator|(DimSet o) const { return fromBits(bits | o.bits); }
  constexpr bool operator==(DimSet o) const { return bits == o.bits; }
  constexpr uint16_t raw() const { return bits; }

private:
  static constexpr uint16_t bit(Dim d) { return uint16_t(1u << unsigned(d)); }
  static constexpr DimSet fromBits(uint16_t b) {
    DimSet s;
    s.bits = b;
    return s;
  }
  uint16_t bits = 0;
};

/// Upper-case name used in reports: "CONV", "DWCONV", ...
const char *reportNameOfLayerKind(LayerKind k);
/// Name used in reports: "forward", "backward-data", "backward-weight".
const char *reportNameOfLayerPass(LayerPass p);

/// The input rows (cols) a tile of `out` output rows and `win` filter rows
/// reads: (out - 1) * stride + (win - 1) * dilation + 1. For int64_t counts
/// and for the solvers' real-valued bounds alike.
template <typename T>
constexpr T windowSpan(T out, T win, T stride, T dilation) {
  return (out - 1) * stride + (win - 1) * dilation + 1;
}

/// The filter rows (cols) a tile of `in` input rows holds for a tile of
/// `out` output rows: windowSpan's inverse in `win`, (in - (out - 1) *
/// stride - 1) / dilation + 1, the division truncating. Not clamped: when
/// `in` does not reach the last window's first row it is at most 1 (0 or
/// less too), and the callers clamp it to [1, extent].
constexpr int64_t windowOfSpan(int64_t in, int64_t out, int64_t stride,
                               int64_t dilation) {
  return (in - (out - 1) * stride - 1) / dilation + 1;
}

/// One layer: its kind, training pass and loop extents.
///
/// Conventions: DWCONV, POOL and ELTWISE have one channel dim, C, and keep
/// K == C. FC and MATMUL have Ho = Wo = 1; MATMUL also R = S = 1. ELTWISE has a
/// 1x1 window, unit strides, and `numInputs` operands (1 or more).
struct LayerDesc {
  LayerKind kind = LayerKind::Conv;
  LayerPass pass = LayerPass::Forward;
  int64_t n = 1, c = 1, k = 1, ho = 1, wo = 1, r = 1, s = 1;
  int64_t sy = 1, sx = 1; ///< strides (rows, cols)
  int64_t dy = 1, dx = 1; ///< dilations (rows, cols)
  int64_t numInputs = 1;  ///< operands of an ELTWISE layer; 1 otherwise
  /// A dim that runs over several loops of its op (the heads and rows of a
  /// batched matmul, N = 12 x 512): the extents of those loops, major to
  /// minor, whose product is the dim's extent. Empty for a dim of one loop.
  /// A tile of such a dim is a rectangle of its loops (`tileShape`), so a
  /// dataflow must cut it into tiles that divide the tile around them.
  std::array<llvm::SmallVector<int64_t, 0>, kNumDims> loops{};
  /// Which of N's loops (`loops[N]`, bit i for the i-th, major first) carry
  /// the network's batch: a tile of N keeps the others whole first, so that
  /// batch groups cut the batch (the rows of attention, not its heads).
  uint32_t batchLoops = 0;

  bool operator==(const LayerDesc &o) const;
  bool operator!=(const LayerDesc &o) const { return !(*this == o); }

  /// Input rows: (Ho-1)*sy + (R-1)*dy + 1.
  int64_t hi() const { return windowSpan(ho, r, sy, dy); }
  /// Input cols: (Wo-1)*sx + (S-1)*dx + 1.
  int64_t wi() const { return windowSpan(wo, s, sx, dx); }
  /// The extent of `d` in this layer.
  int64_t extent(Dim d) const {
    switch (d) {
    case Dim::N:
      return n;
    case Dim::C:
      return c;
    case Dim::K:
      return k;
    case Dim::Ho:
      return ho;
    case Dim::Wo:
      return wo;
    case Dim::R:
      return r;
    case Dim::S:
      return s;
    case Dim::Hi:
      return hi();
    case Dim::Wi:
      return wi();
    }
    return 1;
  }
  /// MACs (or ops, for POOL and ELTWISE) of the layer (docs/Dialect.md).
  int64_t macs() const;
  /// Whether some dim runs over several loops (`loops`).
  bool hasMultiLoopDims() const;
};

/// The shape of one tile of `step` of a dim that runs over loops of
/// `extents` (major to minor): each loop takes the largest part of what is
/// left of the step that divides it, first the loops without a bit in
/// `batchMask` (major to minor), then those with one. `extents` itself when
/// the step covers them all; nullopt when the step does not divide their
/// product (no rectangle of the loops is such a tile).
std::optional<llvm::SmallVector<int64_t, 4>>
tileShape(llvm::ArrayRef<int64_t> extents, uint32_t batchMask, int64_t step);

/// The loops of `d` in one tile of `extent` of it (its extent set to that,
/// `loops` to the tile's shape without loops of extent 1, `batchLoops`
/// following them). When the extent does not divide, the loops are left
/// out: every dataflow the layer then gets is refused by the rule the tile
/// breaks in the whole layer.
void cutDim(LayerDesc &layer, Dim d, int64_t extent);

/// Element-wise layers: which of N, C, Ho, Wo each loop of an op over
/// `ranges` runs over. First each dim to one loop of its extent (any
/// layout: NCHW, NHWC), else dims to runs of consecutive loops whose
/// extents multiply to it (a layer whose dims merge several loops). Empty
/// when neither fits.
llvm::SmallVector<std::optional<Dim>, 8>
eltwiseLoopDims(llvm::ArrayRef<int64_t> ranges, const LayerDesc &layer);

/// Sets `layer.loops` from the dim each loop of an op over `ranges` runs
/// over (`loopDims`, by loop number, nullopt for loops of no dim): a dim
/// with several loops of extent above 1 gets their extents; and
/// `layer.batchLoops` from which loops carry the network's batch
/// (`batchLoop`, by loop number; none when empty). Leaves `layer` as it is
/// when the loops do not multiply to its extents.
void setDimLoops(LayerDesc &layer, llvm::ArrayRef<int64_t> ranges,
                 llvm::ArrayRef<std::optional<Dim>> loopDims,
                 llvm::ArrayRef<bool> batchLoop = {});

namespace detail {
/// The dims of each tensor of each kind (tensorDims below).
constexpr DimSet tensorDimsOf(LayerKind k, TensorKind t) {
  using D = Dim;
  switch (k) {
  case LayerKind::Conv:
  case LayerKind::FC:
    switch (t) {
    case TensorKind::I:
      return {D::N, D::C, D::Hi, D::Wi};
    case TensorKind::W:
      return {D::K, D::C, D::R, D::S};
    case TensorKind::O:
      return {D::N, D::K, D::Ho, D::Wo};
    }
    break;
  case LayerKind::MatMul:
    switch (t) {
    case TensorKind::I:
      return {D::N, D::C};
    case TensorKind::W:
      return {D::K, D::C};
    case TensorKind::O:
      return {D::N, D::K};
    }
    break;
  case LayerKind::DWConv:
    switch (t) {
    case TensorKind::I:
      return {D::N, D::C, D::Hi, D::Wi};
    case TensorKind::W:
      return {D::C, D::R, D::S};
    case TensorKind::O:
      return {D::N, D::C, D::Ho, D::Wo};
    }
    break;
  case LayerKind::Pool:
  case LayerKind::Eltwise:
    switch (t) {
    case TensorKind::I:
      return {D::N, D::C, D::Hi, D::Wi};
    case TensorKind::W:
      return {};
    case TensorKind::O:
      return {D::N, D::C, D::Ho, D::Wo};
    }
    break;
  }
  return {};
}

struct TensorDimsTable {
  DimSet dims[kNumLayerKinds][kNumTensors];
  constexpr TensorDimsTable() {
    for (int k = 0; k < kNumLayerKinds; ++k)
      for (int t = 0; t < kNumTensors; ++t)
        dims[k][t] = tensorDimsOf(LayerKind(k), TensorKind(t));
  }
};
// A table, inline: the cost model and the solvers ask for every tensor of
// every point they score.
inline constexpr TensorDimsTable kTensorDims;
} // namespace detail

/// The dims that index tensor `t` of a layer of kind `k` (empty when the kind
/// has no such tensor, e.g. W of a POOL).
constexpr DimSet tensorDims(LayerKind k, TensorKind t) {
  return detail::kTensorDims.dims[int(k)][int(t)];
}
/// Whether kind `k` has tensor `t`.
inline bool hasTensor(LayerKind k, TensorKind t) {
  return !tensorDims(k, t).empty();
}
/// Every dim a directive of a layer of kind `k` may name.
constexpr DimSet knownDims(LayerKind k) {
  DimSet all = tensorDims(k, TensorKind::I) | tensorDims(k, TensorKind::W) |
               tensorDims(k, TensorKind::O);
  // Pooling windows are loops even though no tensor is indexed by them.
  if (k == LayerKind::Pool)
    all = all | DimSet{Dim::R, Dim::S};
  return all;
}
/// Whether tensor `t` is read-modify-written by a layer of pass `p`
/// (O forward, I backward-data, W backward-weight).
bool isReadWrite(LayerPass p, TensorKind t);

/// Checks the structural rules of a layer descriptor (positive extents, the
/// per-kind conventions above, a pass the kind allows). An error naming the
/// rule on failure.
llvm::Error validateLayer(const LayerDesc &layer);

} // namespace mlir::kapla

#endif // KAPLA_WORKLOAD_LAYER_H
