//===- HardwareTest.cpp - Architecture presets and validation -------------===//

#include "Kapla/Hardware/Arch.h"
#include "Kapla/Hardware/ArchFile.h"

#include "ErrorText.h"
#include "gtest/gtest.h"

using namespace mlir::kapla;

TEST(Arch, PresetNamesInOrder) {
  ASSERT_EQ(presetNames().size(), 3u);
  EXPECT_EQ(presetNames()[0], "multi-node-16x16");
  EXPECT_EQ(presetNames()[1], "multi-node-4x4");
  EXPECT_EQ(presetNames()[2], "edge-systolic");
  EXPECT_EQ(defaultArch().name, "multi-node-16x16");
  EXPECT_FALSE(getPreset("multi-node-8x8").has_value());
}

TEST(Arch, MultiNode16x16MatchesSpecTable) {
  ArchDesc a = *getPreset("multi-node-16x16");
  EXPECT_EQ(a.nodeRows, 16);
  EXPECT_EQ(a.nodeCols, 16);
  EXPECT_EQ(a.peRows, 8);
  EXPECT_EQ(a.peCols, 8);
  EXPECT_EQ(a.regfBytes, 64);
  EXPECT_EQ(a.gbufBytes, 32768);
  EXPECT_EQ(a.wordBits, 16);
  EXPECT_EQ(a.freqMHz, 500);
  EXPECT_EQ(a.dramBwBytesPerCycle, 51.2);
  EXPECT_EQ(a.busBits, 128);
  EXPECT_EQ(a.peTemplate, PETemplate::RowStationary);
  EXPECT_EQ(a.energy.mac, 0.9984);
  EXPECT_EQ(a.energy.regf, 0.0940885);
  EXPECT_EQ(a.energy.bus, 1.6416);
  EXPECT_EQ(a.energy.gbuf, 2.832545);
  EXPECT_EQ(a.energy.dram, 401.89);
  EXPECT_EQ(a.energy.nocHop, 9.76);
  EXPECT_EQ(a.energy.staticPerCycle, 1272.87);
  EXPECT_EQ(a.numNodes(), 256);
  EXPECT_EQ(a.numPEsPerNode(), 64);
  // 64 B = 32 words, 99% usable = 31.68 -> 31 whole words.
  EXPECT_EQ(a.regfWords(), 31);
  // 32768 B = 16384 words, 99% = 16220.16 -> 16220.
  EXPECT_EQ(a.gbufWords(), 16220);
  EXPECT_EQ(errorText(validateArch(a)), "");
}

TEST(Arch, FourByFourKeepsTheStaticFigure) {
  ArchDesc a = *getPreset("multi-node-4x4");
  ArchDesc big = *getPreset("multi-node-16x16");
  EXPECT_EQ(a.nodeRows, 4);
  EXPECT_EQ(a.nodeCols, 4);
  EXPECT_EQ(a.energy, big.energy);
  EXPECT_EQ(errorText(validateArch(a)), "");
}

TEST(Arch, EdgeSystolicMatchesSpecTable) {
  ArchDesc a = *getPreset("edge-systolic");
  EXPECT_EQ(a.numNodes(), 1);
  EXPECT_EQ(a.peRows, 16);
  EXPECT_EQ(a.peCols, 16);
  EXPECT_EQ(a.regfBytes, 512);
  EXPECT_EQ(a.gbufBytes, 262144);
  EXPECT_EQ(a.dramBwBytesPerCycle, 12.8);
  EXPECT_EQ(a.busBits, 256);
  EXPECT_EQ(a.peTemplate, PETemplate::Systolic);
  EXPECT_EQ(a.energy.regf, 0.2507285);
  EXPECT_EQ(a.energy.bus, 3.2832);
  EXPECT_EQ(a.energy.gbuf, 7.4837);
  EXPECT_EQ(a.energy.staticPerCycle, 541.02);
  // 512 B = 256 words -> 253.44 -> 253; 262144 B = 131072 words -> 129761.28.
  EXPECT_EQ(a.regfWords(), 253);
  EXPECT_EQ(a.gbufWords(), 129761);
}

TEST(Arch, ValidationNamesTheField) {
  auto fieldOf = [](ArchDesc a) {
    std::string field = "<valid>";
    llvm::handleAllErrors(validateArch(a), [&](const ArchFieldError &e) {
      field = e.getField();
    });
    return field;
  };
  ArchDesc base = defaultArch();
  ArchDesc a = base;
  a.nodeRows = 0;
  EXPECT_EQ(fieldOf(a), "nodes");
  a = base;
  a.peCols = 5000;
  EXPECT_EQ(fieldOf(a), "pe_array");
  a = base;
  a.wordBits = 65;
  EXPECT_EQ(fieldOf(a), "word_bits");
  a = base;
  a.regfBytes = 1; // 8 bits = half a word
  EXPECT_EQ(fieldOf(a), "regf_bytes");
  a = base;
  a.gbufBytes = -4;
  EXPECT_EQ(fieldOf(a), "gbuf_bytes");
  a = base;
  a.freqMHz = 0;
  EXPECT_EQ(fieldOf(a), "freq_mhz");
  a = base;
  a.dramBwBytesPerCycle = -1;
  EXPECT_EQ(fieldOf(a), "dram_bw_bytes_per_cycle");
  a = base;
  a.busBits = 8; // narrower than a 16-bit word
  EXPECT_EQ(fieldOf(a), "bus_bits");
  a = base;
  a.energy.nocHop = -0.5;
  EXPECT_EQ(fieldOf(a), "energy_pj.noc_hop");
  a = base;
  a.name.clear();
  EXPECT_EQ(fieldOf(a), "name");
}

TEST(Arch, PETemplateNames) {
  EXPECT_STREQ(stringifyPETemplate(PETemplate::Systolic), "systolic");
  EXPECT_EQ(symbolizePETemplate("row-stationary"), PETemplate::RowStationary);
  EXPECT_FALSE(symbolizePETemplate("weight-stationary").has_value());
}

TEST(Arch, OneTableOfKeys) {
  // The architecture file has exactly the keys of the table, in every
  // preset, and reads back to the same description.
  ASSERT_EQ(archFields().size(), 11u);
  ASSERT_EQ(energyFields().size(), 7u);
  for (const std::string &name : presetNames()) {
    ArchDesc a = *getPreset(name);
    llvm::json::Value v = archToJsonValue(a);
    const llvm::json::Object *o = v.getAsObject();
    ASSERT_TRUE(o);
    EXPECT_EQ(o->size(), archFields().size()) << name;
    for (const ArchField &f : archFields())
      EXPECT_TRUE(o->get(f.key)) << name << ": " << f.key;
    const llvm::json::Object *e = o->getObject("energy_pj");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->size(), energyFields().size());
    llvm::Expected<ArchDesc> back = parseArchJson(archToJson(a));
    ASSERT_TRUE(bool(back)) << errorText(back.takeError());
    EXPECT_EQ(*back, a) << name;
  }
  // A key missing from the file is named.
  llvm::json::Value v = archToJsonValue(defaultArch());
  v.getAsObject()->erase("bus_bits");
  std::string text;
  llvm::raw_string_ostream os(text);
  os << v;
  llvm::Expected<ArchDesc> missing = parseArchJson(text);
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(errorText(missing.takeError()), "missing key 'bus_bits'");
}
