//===- SpecExample.h - The example layer of the KAPLA paper ----*- C++ -*-===//
//
// The condensed CONV example of the KAPLA paper, in kapla's dim names
// (Hi/Wi input rows/cols, R/S filter rows/cols): the paper's Xi/Yi are Wi/Hi
// and its filter width R / height S are kapla's S / R.
//
//===----------------------------------------------------------------------===//

#ifndef KAPLA_UNITTESTS_SPECEXAMPLE_H
#define KAPLA_UNITTESTS_SPECEXAMPLE_H

#include "Kapla/Dataflow/Directives.h"

namespace mlir::kapla::test {

/// A 5x5 convolution over a 19x19 input, batch 64, 8 -> 48 channels.
inline LayerDesc specExampleLayer() {
  LayerDesc l;
  l.kind = LayerKind::Conv;
  l.n = 64, l.c = 8, l.k = 48, l.ho = 15, l.wo = 15, l.r = 5, l.s = 5;
  return l;
}

inline LayerDataflow specExampleDataflow() {
  using D = Dim;
  LayerDataflow df;
  df.regf.tensors = {
      {TensorKind::I, {{D::N, 1}, {D::C, 2}, {D::Hi, 1}, {D::Wi, 5}}, 1},
      {TensorKind::W, {{D::K, 3}, {D::C, 2}, {D::R, 1}, {D::S, 5}}, 1},
      {TensorKind::O, {{D::N, 1}, {D::K, 3}, {D::Ho, 1}, {D::Wo, 1}}, 1}};
  df.regf.stacks = {{{{D::Hi, 1}, {D::Ho, 1}}, 8}, {{{D::R, 1}, {D::Hi, 1}}, 5}};
  df.regf.updates = {{{{D::Wi, 1}, {D::Wo, 1}}}, {{{D::Hi, 8}, {D::Ho, 8}}},
                     {{{D::N, 1}}},              {{{D::C, 2}}},
                     {{{D::K, 3}}}};
  df.gbuf.tensors = {
      {TensorKind::I, {{D::N, 4}, {D::C, 4}, {D::Hi, 19}, {D::Wi, 19}}, 4},
      {TensorKind::W, {{D::K, 6}, {D::C, 4}, {D::R, 5}, {D::S, 5}}, 1},
      {TensorKind::O, {{D::N, 4}, {D::K, 6}, {D::Ho, 15}, {D::Wo, 15}}, 1}};
  df.gbuf.stacks = {{{{D::K, 6}}, 4}, {{{D::N, 4}}, 16}};
  df.gbuf.updates = {{{{D::C, 4}}}, {{{D::K, 24}}}, {{{D::N, 64}}}};
  return df;
}

} // namespace mlir::kapla::test

#endif // KAPLA_UNITTESTS_SPECEXAMPLE_H
