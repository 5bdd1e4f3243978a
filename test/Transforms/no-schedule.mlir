// A layer no dataflow fits says which one and why: with a 4-byte REGF (two
// 16-bit words, 99% usable: 1), even one word each of I, W and O (3 words)
// does not fit.
// RUN: kapla-opt %s -split-input-file -kapla-form-segments -verify-diagnostics
// RUN: kapla-opt %s -split-input-file -kapla-solve-layers -verify-diagnostics

module attributes {kapla.arch = #kapla.arch<name = "tiny-regf", nodes = [1, 1], pe_array = [4, 4], regf_bytes = 4, gbuf_bytes = 4096, word_bits = 16, freq_mhz = 200.0, dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "systolic", energy_pj = {mac = 1.0, regf = 0.1, bus = 1.0, gbuf = 2.0, dram = 100.0, noc_hop = 5.0, static_per_cycle = 1.0}>} {
  func.func @net(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
    %w = arith.constant dense<0.5> : tensor<8x4xf32>
    %e = tensor.empty() : tensor<2x4xf32>
    // expected-error-re @+1 {{no valid schedule for layer 'fc' on 'tiny-regf'{{.*}}: even the smallest dataflow (every tile and split 1) is invalid: regf level needs 3 words per buffer; 1 are usable}}
    %y = linalg.matmul {kapla.layer = #kapla.layer<fc, N = 2, C = 8, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>, kapla.name = "fc"} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
}
