//===- PEMapping.cpp - PE mapping templates -------------------------------===//

#include "Kapla/CostModel/PEMapping.h"

#include <algorithm>

namespace mlir::kapla {

std::array<int64_t, kNumDims> layerExtents(const LayerDesc &layer) {
  std::array<int64_t, kNumDims> e;
  for (int d = 0; d < kNumDims; ++d)
    e[d] = layer.extent(Dim(d));
  return e;
}

namespace {
using D = Dim;

/// Builds a unit from tiles and a list of moves; every step that moves an
/// output row or filter row moves the input rows with it (and likewise for
/// columns), so the input tile always holds what its window needs.
class UnitBuilder {
public:
  UnitBuilder(const LayerDesc &l, const std::array<int64_t, kNumDims> &extent)
      : l(l), extent(extent) {
    tile.fill(1);
    // A pooling window indexes no tensor: each step covers all of it.
    if (l.kind == LayerKind::Pool) {
      tile[int(D::R)] = extent[int(D::R)];
      tile[int(D::S)] = extent[int(D::S)];
    }
  }

  void setTile(D d, int64_t v) { tile[int(d)] = std::min(v, extent[int(d)]); }

  /// The input rows/cols one buffer needs for its output and filter tiles.
  void deriveInputTile() {
    tile[int(D::Hi)] = std::min(
        extent[int(D::Hi)],
        windowSpan(tile[int(D::Ho)], tile[int(D::R)], l.sy, l.dy));
    tile[int(D::Wi)] = std::min(
        extent[int(D::Wi)],
        windowSpan(tile[int(D::Wo)], tile[int(D::S)], l.sx, l.dx));
    span = tile;
  }

  llvm::SmallVector<DimAmount, 2> moves(D d, int64_t by) const {
    llvm::SmallVector<DimAmount, 2> v{{d, by}};
    bool window = knownDims(l.kind).contains(D::Hi);
    if (window && d == D::Ho)
      v.push_back({D::Hi, by * l.sy});
    if (window && d == D::R)
      v.push_back({D::Hi, by * l.dy});
    if (window && d == D::Wo)
      v.push_back({D::Wi, by * l.sx});
    if (window && d == D::S)
      v.push_back({D::Wi, by * l.dx});
    return v;
  }

  /// Spreads dim `d` over up to `avail` PEs; returns how many it used.
  int64_t stack(D d, int64_t avail) {
    if (!knownDims(l.kind).contains(d))
      return 1;
    int64_t repl = std::min(avail, ceilDiv(extent[int(d)], tile[int(d)]));
    if (repl <= 1)
      return 1;
    unit.regf.stacks.push_back({moves(d, tile[int(d)]), repl});
    for (const DimAmount &da : unit.regf.stacks.back().shifts)
      span[int(da.dim)] += (repl - 1) * da.amount;
    unit.pesUsed *= repl;
    return repl;
  }

  /// Loops over dim `d` in steps of its current span, if it is not covered.
  void update(D d) {
    if (!knownDims(l.kind).contains(d) || span[int(d)] >= extent[int(d)])
      return;
    unit.regf.updates.push_back({moves(d, span[int(d)])});
    int64_t n = 1 + ceilDiv(extent[int(d)] - span[int(d)], span[int(d)]);
    for (const DimAmount &da : unit.regf.updates.back().steps)
      span[int(da.dim)] += (n - 1) * da.amount;
  }

  PEUnit finish() {
    DimSet known = knownDims(l.kind);
    appendTensorTiles(l.kind, tile, unit.regf);
    unit.macsPerStep = 1;
    for (D d : {D::N, D::C, D::K, D::Ho, D::Wo, D::R, D::S})
      if (known.contains(d))
        unit.macsPerStep *= tile[int(d)];
    if (l.kind == LayerKind::Eltwise && l.numInputs > 1)
      unit.macsPerStep *= l.numInputs - 1;
    return std::move(unit);
  }

private:
  static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

  const LayerDesc &l;
  const std::array<int64_t, kNumDims> &extent;
  std::array<int64_t, kNumDims> tile{}, span{};
  PEUnit unit;
};

bool isChannelwise(LayerKind k) {
  return k == LayerKind::DWConv || k == LayerKind::Pool ||
         k == LayerKind::Eltwise;
}
} // namespace

PEUnit makePEUnit(const ArchDesc &arch, const LayerDesc &layer,
                  const std::array<int64_t, kNumDims> &extent) {
  UnitBuilder b(layer, extent);
  if (arch.peTemplate == PETemplate::RowStationary) {
    // One filter row per PE, slid along one input row.
    b.setTile(D::S, extent[int(D::S)]);
    b.deriveInputTile();
    b.stack(D::R, arch.peRows);
    b.stack(D::Ho, arch.peCols);
    b.update(D::Wo); // the 1-D convolution along the row
    b.update(D::R);  // filter rows beyond the array's rows
    b.update(D::Ho); // output rows beyond its columns
  } else {
    // Weight-stationary: one weight per PE.
    b.deriveInputTile();
    if (isChannelwise(layer.kind)) {
      b.stack(D::C, arch.peCols);
      b.stack(D::R, arch.peRows);
    } else {
      b.stack(D::C, arch.peRows);
      b.stack(D::K, arch.peCols);
    }
    // Activations stream through; the window and the folds are outer.
    b.update(D::Wo);
    b.update(D::Ho);
    b.update(D::N);
    b.update(D::S);
    b.update(D::R);
  }
  b.update(D::N);
  b.update(D::C);
  b.update(D::K);
  return b.finish();
}

} // namespace mlir::kapla
