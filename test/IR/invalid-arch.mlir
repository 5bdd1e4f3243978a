// RUN: kapla-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{unknown architecture preset 'multi-node-8x8'; expected one of multi-node-16x16, multi-node-4x4, edge-systolic}}
module attributes {kapla.arch = #kapla.arch<"multi-node-8x8">} {}

// -----

// expected-error @+1 {{missing architecture key 'bus_bits'}}
module attributes {kapla.arch = #kapla.arch<name = "x", nodes = [1, 1], pe_array = [2, 2], regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 8.0, pe_template = "systolic", energy_pj = {mac = 1.0, regf = 0.1, bus = 1.5, gbuf = 3.0, dram = 400.0, noc_hop = 10.0, static_per_cycle = 0.0}>} {}

// -----

// expected-error @+1 {{missing key 'energy_pj.noc_hop'}}
module attributes {kapla.arch = #kapla.arch<name = "x", nodes = [1, 1], pe_array = [2, 2], regf_bytes = 64, gbuf_bytes = 1024, word_bits = 16, freq_mhz = 500.0, dram_bw_bytes_per_cycle = 8.0, bus_bits = 64, pe_template = "systolic", energy_pj = {mac = 1.0, regf = 0.1, bus = 1.5, gbuf = 3.0, dram = 400.0, static_per_cycle = 0.0}>} {}

// -----

// expected-error @+1 {{unknown architecture key 'gbuf_kb'}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", gbuf_kb = 64>} {}

// -----

// expected-error @+1 {{architecture key 'nodes' given twice}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", nodes = [2, 2], nodes = [4, 4]>} {}

// -----

// expected-error @+1 {{unknown pe_template 'output-stationary'; expected "row-stationary" or "systolic"}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", pe_template = "output-stationary">} {}

// -----

// expected-error @+1 {{unknown key 'energy_pj.sram'}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", energy_pj = {sram = 1.0}>} {}

// -----

// expected-error @+1 {{architecture field 'nodes' each node array dimension must be between 1 and 4096}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", nodes = [0, 4]>} {}

// -----

// expected-error @+1 {{architecture field 'pe_array' each PE array dimension must be between 1 and 4096}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", pe_array = [8, 5000]>} {}

// -----

// expected-error @+1 {{architecture field 'regf_bytes' must hold at least one usable word}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", regf_bytes = 2>} {}

// -----

// expected-error @+1 {{architecture field 'gbuf_bytes' must be positive}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", gbuf_bytes = 0>} {}

// -----

// expected-error @+1 {{architecture field 'word_bits' must be between 1 and 64}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", word_bits = 128>} {}

// -----

// expected-error @+1 {{architecture field 'freq_mhz' must be positive}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", freq_mhz = 0.0>} {}

// -----

// expected-error @+1 {{architecture field 'dram_bw_bytes_per_cycle' must be positive}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", dram_bw_bytes_per_cycle = -1.5>} {}

// -----

// expected-error @+1 {{architecture field 'bus_bits' must be at least one word (word_bits)}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", bus_bits = 8>} {}

// -----

// expected-error @+1 {{architecture field 'energy_pj.dram' must be a finite, non-negative number}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", energy_pj = {dram = -401.89}>} {}

// -----

// expected-error @+1 {{architecture field 'name' must not be empty}}
module attributes {kapla.arch = #kapla.arch<"multi-node-4x4", name = "">} {}

// -----

// expected-error @+1 {{'kapla.arch' belongs on a builtin.module}}
func.func @f() attributes {kapla.arch = #kapla.arch<"multi-node-4x4">} { return }

// -----

// expected-error @+1 {{'kapla.arch' must be a #kapla.arch attribute}}
module attributes {kapla.arch = "multi-node-4x4"} {}
