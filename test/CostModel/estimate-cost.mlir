// RUN: kapla-opt %s -kapla-estimate-cost | FileCheck %s
// RUN: kapla-opt %s -kapla-estimate-cost=report=- -o /dev/null | FileCheck %s --check-prefix=REPORT

// The hand-worked FC case of unittests/CostModelTest.cpp in IR: a 4 -> 4 FC
// at batch 4 on a 1 x 2 chip of 2 x 2 PEs; the nodes split N, the PEs K and
// C. Worked out by hand (docs/CostModel.md, "A worked example"):
//   MACs 64 (no padding); REGF 4 per MAC = 256 accesses;
//   DRAM words: I 16 + W 32 (each node loads all weights) + O 16 = 64;
//   GBUF words toward the PEs: I 16 + W 32 + O 16 = 64; bus 96;
//   NoC: I and O travel 0.5 hops on average (16 + 16 words), W 0: 16;
//   cycles max(compute 8, DRAM 64*2/8 = 16, bus 32/4 = 8) = 16;
//   energy 64*1 + 256*0.5 + 96*2 + 64*3 + 64*100 + 16*10 + 16*0.25 = 7140.

#tiny = #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "row-stationary",
    energy_pj = {mac = 1.0, regf = 0.5, bus = 2.0, gbuf = 3.0, dram = 100.0,
                 noc_hop = 10.0, static_per_cycle = 0.25}>

module attributes {kapla.arch = #tiny} {
  // CHECK-LABEL: func.func @fc
  // CHECK: linalg.matmul
  // CHECK-SAME: kapla.cost = #kapla.cost<energy_pj = 7140.0, cycles = 16.0, mac_pj = 64.0, regf_pj = 128.0, bus_pj = 192.0, gbuf_pj = 192.0, dram_pj = 6400.0, noc_pj = 160.0, static_pj = 4.0, dram_words = 64, gbuf_words = 64, regf_accesses = 256, noc_hops = 16.0>
  func.func @fc(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %o: tensor<4x4xf32>) -> tensor<4x4xf32> {
    %0 = linalg.matmul {
      kapla.layer = #kapla.layer<fc, N = 4, C = 4, K = 4, Ho = 1, Wo = 1, R = 1, S = 1>,
      kapla.name = "fc",
      kapla.constraint = #kapla.constraint<region = [0, 0, 1, 2]>,
      kapla.dataflow = #kapla.dataflow<
        regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [K = 2, C = 2, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 1, K = 2, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [K = 2], repl = 2>,
                          #kapla.stack<shift = [C = 2], repl = 2>],
                updates = [#kapla.update<step = [N = 1]>]>,
        gbuf = <tensors = [#kapla.tensor<I, size = [N = 2, C = 4, Hi = 1, Wi = 1]>,
                           #kapla.tensor<W, size = [K = 4, C = 4, R = 1, S = 1]>,
                           #kapla.tensor<O, size = [N = 2, K = 4, Ho = 1, Wo = 1]>],
                stacks = [#kapla.stack<shift = [N = 2], repl = 2>]>>}
      ins(%x, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%o : tensor<4x4xf32>) -> tensor<4x4xf32>
    return %0 : tensor<4x4xf32>
  }
}

// REPORT: "kapla_report_version": 1,
// REPORT-NEXT: "network": "fc",
// REPORT-NEXT: "networks": [
// REPORT-NEXT:   "fc"
// REPORT-NEXT: ],
// REPORT-NEXT: "arch": {
// REPORT:        "name": "tiny",
// REPORT:      "layers": [
// REPORT:          "name": "fc",
// REPORT-NEXT:     "function": "{{.*}}",
// REPORT-NEXT:     "kind": "FC",
// REPORT:          "macs": 64,
// REPORT:          "segment": 0,
// REPORT-NEXT:     "region": [
// REPORT-NEXT:       0,
// REPORT-NEXT:       0,
// REPORT-NEXT:       1,
// REPORT-NEXT:       2
// REPORT-NEXT:     ],
// REPORT-NEXT:     "energy_pj": 7140,
// REPORT-NEXT:     "cycles": 16,
// REPORT-NEXT:     "breakdown_pj": {
// REPORT-NEXT:       "mac": 64,
// REPORT-NEXT:       "regf": 128,
// REPORT-NEXT:       "bus": 192,
// REPORT-NEXT:       "gbuf": 192,
// REPORT-NEXT:       "dram": 6400,
// REPORT-NEXT:       "noc": 160,
// REPORT-NEXT:       "static": 4
// REPORT-NEXT:     },
// REPORT-NEXT:     "accesses": {
// REPORT-NEXT:       "dram": 64,
// REPORT-NEXT:       "gbuf": 64,
// REPORT-NEXT:       "regf": 256,
// REPORT-NEXT:       "noc_hops": 16
// REPORT-NEXT:     },
// REPORT-NEXT:     "macs_performed": 64,
// Hand-written directives: no search proved them optimal.
// REPORT-NEXT:     "optimal": false,
// REPORT-NEXT:     "gap": null,
// REPORT-NEXT:     "directives": "#kapla.dataflow<regf = <tensors = [#kapla.tensor<I, size = [N = 1, C = 2, Hi = 1, Wi = 1]>
// REPORT:      "segments": [
// REPORT-NEXT:   {
// REPORT-NEXT:     "index": 0,
// REPORT-NEXT:     "function": "fc",
// REPORT-NEXT:     "layers": [
// REPORT-NEXT:       "fc"
// REPORT-NEXT:     ],
// REPORT-NEXT:     "pipeline": "none",
// REPORT-NEXT:     "energy_pj": 7140,
// REPORT-NEXT:     "cycles": 16
// The network bound: 48 compulsory words (all weights, the input, the
// output: the FC reads a network input and its output is returned), 64 MACs
// on the chip's 8 PEs (8 cycles), DRAM 48*2/8 = 12 cycles:
// 64 + 128 + 4800 + 12*0.25 = 4995.
// REPORT:      "totals": {
// REPORT-NEXT:   "macs": 64,
// REPORT-NEXT:   "energy_pj": 7140,
// REPORT-NEXT:   "cycles": 16,
// REPORT:        "lower_bound_energy_pj": 4995,
// REPORT-NEXT:   "lower_bound_cycles": 12
// REPORT:      "search": {
