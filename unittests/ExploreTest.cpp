//===- ExploreTest.cpp - Sweep files, points, shards, the front -----------===//

#include "Kapla/Explore/Sweep.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace mlir::kapla;

namespace {

Sweep parse(llvm::StringRef text) {
  llvm::Expected<Sweep> s = parseSweep(text, "/nets");
  if (!s) {
    ADD_FAILURE() << llvm::toString(s.takeError());
    return Sweep();
  }
  return std::move(*s);
}

std::string parseError(llvm::StringRef text) {
  llvm::Expected<Sweep> s = parseSweep(text, "/nets");
  if (s)
    return "";
  return llvm::toString(s.takeError());
}

constexpr const char *kNet = R"("networks": [{"file": "a.mlir"}])";

std::string sweepText(llvm::StringRef vary) {
  return (R"({"base": "multi-node-4x4", "vary": )" + vary + ", " + kNet + "}")
      .str();
}

} // namespace

TEST(Explore, RangesListsAndZippedAxes) {
  // 2 x 4 x 3 points: nodes 2x2 and 4x4 (a pair range gives squares), GBUF
  // 16 KiB to 128 KiB doubling, and two energies that vary together.
  Sweep s = parse(sweepText(
      R"([{"nodes": {"from": 2, "to": 4, "step": 2}},
          {"gbuf_bytes": {"from": 16384, "to": 131072, "times": 2}},
          {"regf_bytes": [32, 64, 128], "energy_pj.regf": [0.05, 0.09, 0.2]}])"));
  ASSERT_EQ(s.axes.size(), 3u);
  EXPECT_EQ(s.numPoints(), 24u);
  EXPECT_EQ(s.networks[0].file, "/nets/a.mlir");
  EXPECT_EQ(s.networks[0].name, "a");
  EXPECT_EQ(s.networks[0].input, "linalg");
  // Row-major: the last axis varies fastest. Point 17 = (1, 1, 2).
  EXPECT_EQ(s.steps(17), (std::vector<size_t>{1, 1, 2}));
  llvm::Expected<ArchDesc> a = s.arch(17);
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->nodeRows, 4);
  EXPECT_EQ(a->nodeCols, 4);
  EXPECT_EQ(a->gbufBytes, 32768);
  EXPECT_EQ(a->regfBytes, 128);
  EXPECT_DOUBLE_EQ(a->energy.regf, 0.2);
  EXPECT_EQ(a->name, "multi-node-4x4-p17");
  // What the sweep leaves alone is the base's.
  ArchDesc base = *getPreset("multi-node-4x4");
  EXPECT_EQ(a->peRows, base.peRows);
  EXPECT_DOUBLE_EQ(a->energy.dram, base.energy.dram);
  llvm::json::Object v = s.values(17);
  EXPECT_EQ(v.getInteger("gbuf_bytes"), 32768);
  EXPECT_EQ(v.size(), 4u);
}

TEST(Explore, NumberRangesReachTheirEnd) {
  // 0.1 + 0.1 + 0.1 is not 0.3 in doubles; the range still ends there.
  Sweep s = parse(sweepText(
      R"([{"dram_bw_bytes_per_cycle": {"from": 0.1, "to": 0.3, "step": 0.1}}])"));
  ASSERT_EQ(s.numPoints(), 3u);
  EXPECT_DOUBLE_EQ(*s.values(2).getNumber("dram_bw_bytes_per_cycle"), 0.3);
  // No axes: one point, the base.
  Sweep one = parse(sweepText("[]"));
  EXPECT_EQ(one.numPoints(), 1u);
  EXPECT_EQ(one.arch(0)->numNodes(), 16);
}

TEST(Explore, AnInvalidPointSaysWhy) {
  // One byte holds no 16-bit word: the point is invalid, the sweep is not.
  Sweep s = parse(sweepText(R"([{"regf_bytes": [1, 64]}])"));
  llvm::Expected<ArchDesc> bad = s.arch(0);
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("regf_bytes"),
            std::string::npos);
  EXPECT_TRUE(bool(s.arch(1)));
}

TEST(Explore, ErrorsNameTheKey) {
  EXPECT_NE(
      parseError(sweepText(R"([{"gbuf": [1]}])")).find("unknown key 'gbuf'"),
      std::string::npos);
  EXPECT_NE(
      parseError(sweepText(R"([{"name": ["x"]}])")).find("unknown key 'name'"),
      std::string::npos);
  EXPECT_NE(parseError(sweepText(R"([{"gbuf_bytes": [1.5]}])"))
                .find("'gbuf_bytes': each value must be an integer"),
            std::string::npos);
  EXPECT_NE(parseError(sweepText(R"([{"nodes": [4]}])"))
                .find("an array of two integers"),
            std::string::npos);
  EXPECT_NE(
      parseError(sweepText(R"([{"gbuf_bytes": [1, 2], "regf_bytes": [1]}])"))
          .find("as many values each"),
      std::string::npos);
  EXPECT_NE(
      parseError(sweepText(R"([{"gbuf_bytes": [1]}, {"gbuf_bytes": [2]}])"))
          .find("on two axes"),
      std::string::npos);
  EXPECT_NE(
      parseError(
          sweepText(R"([{"gbuf_bytes": {"from": 8, "to": 4, "step": 1}}])"))
          .find("from <= to"),
      std::string::npos);
  EXPECT_NE(parseError(sweepText(R"([{"gbuf_bytes": {"from": 8, "to": 64}}])"))
                .find("one of \"step\""),
            std::string::npos);
  EXPECT_NE(
      parseError(
          sweepText(R"([{"gbuf_bytes": {"from": 8, "to": 64, "times": 1}}])"))
          .find("times must be greater than 1"),
      std::string::npos);
  EXPECT_NE(
      parseError(sweepText(R"([{"gbuf_bytes": []}])")).find("has no values"),
      std::string::npos);
  EXPECT_NE(
      parseError(R"({"base": "nowhere-preset", "networks": [{"file": "a"}]})")
          .find("no preset"),
      std::string::npos);
  EXPECT_NE(parseError(R"({"base": "edge-systolic"})").find("networks"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"base": "edge-systolic", "networks": [{"file": "a"},
            {"file": "b/a"}]})")
                .find("name 'a' is taken"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"base": "edge-systolic", "networks": [{"file": "a"}],
            "schedule": {"objective": "area"}})")
                .find("objective"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"base": "edge-systolic", "net": []})")
                .find("unknown key 'net'"),
            std::string::npos);
  // Past 2^53 integers are not exact in a double.
  EXPECT_NE(
      parseError(
          sweepText(R"([{"gbuf_bytes": {"from": 1, "to": 1e300, "step": 1}}])"))
          .find("within 9e15"),
      std::string::npos);
}

TEST(Explore, ShardsPartitionThePoints) {
  ASSERT_FALSE(bool(parseShard("0/3")));
  ASSERT_FALSE(bool(parseShard("4/3")));
  ASSERT_FALSE(bool(parseShard("x")));
  std::vector<int> owners(10, 0);
  for (uint64_t k = 1; k <= 3; ++k) {
    Shard s = *parseShard(std::to_string(k) + "/3");
    for (uint64_t i = 0; i < owners.size(); ++i)
      owners[i] += s.contains(i) ? int(k) : 0;
  }
  EXPECT_EQ(owners, (std::vector<int>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1}));
}

TEST(Explore, AreaProxy) {
  // multi-node-4x4: 16 nodes of 8x8 PEs; 16 x GBUF + 1024 x REGF bytes.
  ArchDesc a = *getPreset("multi-node-4x4");
  auto [bytes, pes] = areaProxy(a);
  EXPECT_EQ(pes, 1024);
  EXPECT_EQ(bytes, 16 * a.gbufBytes + 1024 * a.regfBytes);
}

TEST(Explore, ParetoFront) {
  // (energy, cycles, buffer bytes, PEs) per row, worked by hand: row 1 is
  // dominated by row 0 (no better anywhere, worse in energy); row 3 equals
  // row 2 (both stay); row 4 is not ok; row 5 trades cycles for energy.
  std::vector<std::array<double, 4>> vals = {
      {10, 10, 100, 4}, {11, 10, 100, 4}, {9, 12, 100, 4}, {9, 12, 100, 4},
      {1, 1, 1, 1},     {12, 9, 100, 4},  {10, 10, 50, 8}};
  std::vector<PointRow> rows(vals.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].index = i;
    rows[i].energyPj = vals[i][0];
    rows[i].cycles = vals[i][1];
    rows[i].bufferBytes = int64_t(vals[i][2]);
    rows[i].pes = int64_t(vals[i][3]);
  }
  rows[4].status = "invalid";
  markPareto(rows);
  std::vector<bool> front;
  for (const PointRow &r : rows)
    front.push_back(r.pareto);
  EXPECT_EQ(front,
            (std::vector<bool>{true, false, true, true, false, true, true}));
}

TEST(Explore, RowsRoundTrip) {
  PointRow r;
  r.index = 7;
  r.values["nodes"] = llvm::json::Array{2, 2};
  r.energyPj = 1.25e9;
  r.cycles = 3.5;
  r.bufferBytes = 4096;
  r.pes = 64;
  r.networks = {{"mlp", 1.25e9, 3.5}};
  r.seconds = 0.5;
  llvm::Expected<PointRow> back = rowFromJson(rowToJson(r, /*journal=*/true));
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->index, 7u);
  EXPECT_EQ(back->energyPj, 1.25e9);
  EXPECT_EQ(back->networks.size(), 1u);
  EXPECT_EQ(back->seconds, 0.5);
  // The final rows carry the front, not the seconds (they are the same on
  // every run).
  llvm::json::Value final = rowToJson(r, /*journal=*/false);
  EXPECT_FALSE(final.getAsObject()->get("seconds"));
  EXPECT_TRUE(final.getAsObject()->get("pareto"));
}
