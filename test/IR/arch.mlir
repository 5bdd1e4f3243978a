// RUN: kapla-opt %s -split-input-file | FileCheck %s
// RUN: kapla-opt %s -split-input-file | kapla-opt -split-input-file | FileCheck %s

// The three presets expand to their full descriptions.

// CHECK-LABEL: module @default_preset
// CHECK-SAME: kapla.arch = #kapla.arch<name = "multi-node-16x16", nodes = [16, 16], pe_array = [8, 8], regf_bytes = 64, gbuf_bytes = 32768, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 51.2, bus_bits = 128, pe_template = "row-stationary", energy_pj = {mac = 0.9984, regf = 0.0940885, bus = 1.6416, gbuf = 2.832545, dram = 401.89, noc_hop = 9.76, static_per_cycle = 1272.87}>
module @default_preset attributes {kapla.arch = #kapla.arch<"multi-node-16x16">} {}

// -----

// CHECK-LABEL: module @small_preset
// CHECK-SAME: #kapla.arch<name = "multi-node-4x4", nodes = [4, 4], pe_array = [8, 8], regf_bytes = 64, gbuf_bytes = 32768, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 51.2, bus_bits = 128, pe_template = "row-stationary", energy_pj = {mac = 0.9984, regf = 0.0940885, bus = 1.6416, gbuf = 2.832545, dram = 401.89, noc_hop = 9.76, static_per_cycle = 1272.87}>
module @small_preset attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} {}

// -----

// CHECK-LABEL: module @edge_preset
// CHECK-SAME: #kapla.arch<name = "edge-systolic", nodes = [1, 1], pe_array = [16, 16], regf_bytes = 512, gbuf_bytes = 262144, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 12.8, bus_bits = 256, pe_template = "systolic", energy_pj = {mac = 0.9984, regf = 0.2507285, bus = 3.2832, gbuf = 7.4837, dram = 401.89, noc_hop = 9.76, static_per_cycle = 541.02}>
module @edge_preset attributes {kapla.arch = #kapla.arch<"edge-systolic">} {}

// -----

// Keys after a preset override its values, including nested energies.
// CHECK-LABEL: module @override
// CHECK-SAME: #kapla.arch<name = "bigger-gbuf", nodes = [16, 16], pe_array = [8, 8], regf_bytes = 64, gbuf_bytes = 65536, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 51.2, bus_bits = 128, pe_template = "row-stationary", energy_pj = {mac = 0.9984, regf = 0.0940885, bus = 1.6416, gbuf = 4.0, dram = 401.89, noc_hop = 9.76, static_per_cycle = 1272.87}>
module @override attributes {kapla.arch = #kapla.arch<"multi-node-16x16", gbuf_bytes = 65536, name = "bigger-gbuf", energy_pj = {gbuf = 4.0}>} {}

// -----

// Every key spelled out, in any order; integers are accepted for numbers.
// CHECK-LABEL: module @full
// CHECK-SAME: #kapla.arch<name = "tiny", nodes = [1, 2], pe_array = [2, 2], regf_bytes = 64, gbuf_bytes = 1024, word_bits = 8, freq_mhz = 1000.0, dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "systolic", energy_pj = {mac = 1.0, regf = 0.1, bus = 1.5, gbuf = 3.0, dram = 400.0, noc_hop = 10.0, static_per_cycle = 0.0}>
module @full attributes {kapla.arch = #kapla.arch<
    pe_template = "systolic", name = "tiny", nodes = [1, 2], pe_array = [2, 2],
    regf_bytes = 64, gbuf_bytes = 1024, word_bits = 8, freq_mhz = 1000,
    dram_bw_bytes_per_cycle = 8.0, bus_bits = 64,
    energy_pj = {static_per_cycle = 0, mac = 1.0, regf = 0.1, bus = 1.5,
                 gbuf = 3.0, dram = 400.0, noc_hop = 10.0}>} {}
