//===- KaplaAttrs.cpp - kapla attributes ----------------------------------===//

#include "Kapla/IR/KaplaAttrs.h"
#include "Kapla/IR/KaplaDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::kapla;

//===----------------------------------------------------------------------===//
// Parameter parsers and printers
//===----------------------------------------------------------------------===//

FailureOr<F64> mlir::kapla::parseF64(AsmParser &parser) {
  // Accept integers too: `freq_mhz = 500` is what people write.
  bool negative = succeeded(parser.parseOptionalMinus());
  double sign = negative ? -1.0 : 1.0;
  uint64_t i;
  OptionalParseResult intResult = parser.parseOptionalInteger(i);
  if (intResult.has_value()) {
    if (failed(*intResult))
      return failure();
    return F64(sign * static_cast<double>(i));
  }
  double d;
  if (parser.parseFloat(d))
    return failure();
  return F64(sign * d);
}

/// The shortest decimal form of `v` that reads back exactly, always with a
/// '.' so that MLIR lexes it as a float literal. Plain notation is used for
/// magnitudes people write that way (500.0, not 5.0e+02).
static std::string formatF64(double v) {
  if (!std::isfinite(v))
    return std::isnan(v) ? "0x7FF8000000000000"
                         : (v > 0 ? "0x7FF0000000000000" : "0xFFF0000000000000");
  char buf[64];
  double mag = std::fabs(v);
  bool plain = mag == 0 || (mag >= 1e-4 && mag < 1e16);
  for (int prec = plain ? 0 : 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), plain ? "%.*f" : "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  std::string s = buf;
  if (s.find('.') == std::string::npos) {
    size_t e = s.find_first_of("eE");
    s.insert(e == std::string::npos ? s.size() : e, ".0");
  }
  return s;
}

void mlir::kapla::printF64(AsmPrinter &printer, double value) {
  printer << formatF64(value);
}

FailureOr<bool> mlir::kapla::parseBool(AsmParser &parser) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  StringRef kw;
  if (parser.parseKeyword(&kw))
    return failure();
  if (kw == "true")
    return true;
  if (kw == "false")
    return false;
  return parser.emitError(loc) << "expected 'true' or 'false', got '" << kw
                               << "'";
}

FailureOr<llvm::SmallVector<DimAmount>>
mlir::kapla::parseDimAmounts(AsmParser &parser) {
  llvm::SmallVector<DimAmount> list;
  auto parseOne = [&]() -> ParseResult {
    llvm::SMLoc loc = parser.getCurrentLocation();
    StringRef name;
    int64_t amount;
    if (parser.parseKeyword(&name))
      return failure();
    std::optional<Dim> dim = symbolizeDim(name.str());
    if (!dim)
      return parser.emitError(loc)
             << "unknown dim '" << name
             << "'; expected one of N, C, K, Ho, Wo, R, S, Hi, Wi";
    if (parser.parseEqual() || parser.parseInteger(amount))
      return failure();
    list.push_back({*dim, amount});
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseOne))
    return failure();
  return list;
}

void mlir::kapla::printDimAmounts(AsmPrinter &printer,
                                  llvm::ArrayRef<DimAmount> list) {
  printer << '[';
  llvm::interleaveComma(list, printer, [&](const DimAmount &d) {
    printer << stringifyDim(d.dim) << " = " << d.amount;
  });
  printer << ']';
}

//===----------------------------------------------------------------------===//
// ArchAttr: custom syntax (preset name, then overrides; or every key)
//===----------------------------------------------------------------------===//

namespace {
/// The energy table's field called `key`, or null.
double *energyField(EnergyTable &e, StringRef key) {
  for (const EnergyField &f : energyFields())
    if (key == f.key)
      return &(e.*f.value);
  return nullptr;
}

/// The architecture key called `key`, or null.
const ArchField *archField(StringRef key) {
  for (const ArchField &f : archFields())
    if (key == f.key)
      return &f;
  return nullptr;
}

ParseResult parsePair(AsmParser &p, int64_t &a, int64_t &b) {
  return failure(p.parseLSquare() || p.parseInteger(a) || p.parseComma() ||
                 p.parseInteger(b) || p.parseRSquare());
}

ParseResult parseF64Into(AsmParser &p, double &out) {
  FailureOr<F64> v = parseF64(p);
  if (failed(v))
    return failure();
  out = *v;
  return success();
}

/// Parses `{key = value, ...}` into the energy table. With `requireAll`,
/// every key must appear.
ParseResult parseEnergy(AsmParser &p, EnergyTable &e, bool requireAll) {
  llvm::SMLoc start = p.getCurrentLocation();
  llvm::StringSet<> seen;
  auto parseOne = [&]() -> ParseResult {
    llvm::SMLoc loc = p.getCurrentLocation();
    StringRef key;
    if (p.parseKeyword(&key))
      return failure();
    double *field = energyField(e, key);
    if (!field)
      return p.emitError(loc) << "unknown key 'energy_pj." << key << "'";
    if (!seen.insert(key).second)
      return p.emitError(loc) << "key 'energy_pj." << key << "' given twice";
    return failure(p.parseEqual() || parseF64Into(p, *field));
  };
  if (p.parseCommaSeparatedList(AsmParser::Delimiter::Braces, parseOne))
    return failure();
  if (requireAll)
    for (const EnergyField &f : energyFields())
      if (!seen.contains(f.key))
        return p.emitError(start) << "missing key 'energy_pj." << f.key << "'";
  return success();
}

/// Parses `key = value` for one architecture key into `a`.
ParseResult parseArchKey(AsmParser &p, const ArchField &f, ArchDesc &a,
                         bool energyRequireAll) {
  switch (f.kind) {
  case ArchField::Kind::String: {
    std::string s;
    if (p.parseString(&s))
      return failure();
    a.name = s;
    return success();
  }
  case ArchField::Kind::Pair:
    return parsePair(p, a.*f.first, a.*f.second);
  case ArchField::Kind::Integer:
    return p.parseInteger(a.*f.first);
  case ArchField::Kind::Number:
    return parseF64Into(p, a.*f.number);
  case ArchField::Kind::Template: {
    llvm::SMLoc loc = p.getCurrentLocation();
    std::string s;
    if (p.parseString(&s))
      return failure();
    std::optional<PETemplate> t = symbolizePETemplate(s);
    if (!t)
      return p.emitError(loc) << "unknown pe_template '" << s
                              << "'; expected \"row-stationary\" or "
                                 "\"systolic\"";
    a.peTemplate = *t;
    return success();
  }
  case ArchField::Kind::Energy:
    return parseEnergy(p, a.energy, energyRequireAll);
  }
  llvm_unreachable("every kind of key");
}
} // namespace

Attribute ArchAttr::parse(AsmParser &p, Type) {
  llvm::SMLoc start = p.getCurrentLocation();
  if (p.parseLess())
    return {};
  ArchDesc a;
  llvm::StringSet<> seen;
  bool fromPreset = false;
  std::string preset;
  if (succeeded(p.parseOptionalString(&preset))) {
    std::optional<ArchDesc> base = getPreset(preset);
    if (!base) {
      std::string names;
      for (const std::string &n : presetNames())
        names += (names.empty() ? "" : ", ") + n;
      p.emitError(start) << "unknown architecture preset '" << preset
                         << "'; expected one of " << names;
      return {};
    }
    a = *base;
    fromPreset = true;
  }
  auto parseOne = [&]() -> ParseResult {
    llvm::SMLoc loc = p.getCurrentLocation();
    StringRef key;
    if (p.parseKeyword(&key))
      return failure();
    const ArchField *field = archField(key);
    if (!field)
      return p.emitError(loc) << "unknown architecture key '" << key << "'";
    if (!seen.insert(key).second)
      return p.emitError(loc) << "architecture key '" << key
                              << "' given twice";
    return failure(p.parseEqual() || parseArchKey(p, *field, a, !fromPreset));
  };
  if (fromPreset) {
    while (succeeded(p.parseOptionalComma()))
      if (parseOne())
        return {};
  } else {
    // An empty list has no good meaning; require at least the keys.
    do {
      if (parseOne())
        return {};
    } while (succeeded(p.parseOptionalComma()));
    for (const ArchField &f : archFields())
      if (!seen.contains(f.key)) {
        p.emitError(start) << "missing architecture key '" << f.key << "'";
        return {};
      }
  }
  if (p.parseGreater())
    return {};
  const EnergyTable &e = a.energy;
  return getChecked([&] { return p.emitError(start); }, p.getContext(),
                    a.name, a.nodeRows, a.nodeCols, a.peRows, a.peCols,
                    a.regfBytes, a.gbufBytes, a.wordBits, a.freqMHz,
                    a.dramBwBytesPerCycle, a.busBits, a.peTemplate, e.mac,
                    e.regf, e.bus, e.gbuf, e.dram, e.nocHop, e.staticPerCycle);
}

void ArchAttr::print(AsmPrinter &p) const {
  ArchDesc a = toCore(*this);
  p << "<";
  llvm::interleaveComma(archFields(), p, [&](const ArchField &f) {
    p << f.key << " = ";
    switch (f.kind) {
    case ArchField::Kind::String:
      p.printString(a.name);
      break;
    case ArchField::Kind::Pair:
      p << "[" << a.*f.first << ", " << a.*f.second << "]";
      break;
    case ArchField::Kind::Integer:
      p << a.*f.first;
      break;
    case ArchField::Kind::Number:
      printF64(p, a.*f.number);
      break;
    case ArchField::Kind::Template:
      p << "\"" << stringifyPETemplate(a.peTemplate) << "\"";
      break;
    case ArchField::Kind::Energy:
      p << "{";
      llvm::interleaveComma(energyFields(), p, [&](const EnergyField &ef) {
        p << ef.key << " = ";
        printF64(p, a.energy.*ef.value);
      });
      p << "}";
      break;
    }
  });
  p << ">";
}

LogicalResult
ArchAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                 StringRef name, int64_t nodeRows, int64_t nodeCols,
                 int64_t peRows, int64_t peCols, int64_t regfBytes,
                 int64_t gbufBytes, int64_t wordBits, F64 freqMHz,
                 F64 dramBw, int64_t busBits, PETemplate peTemplate,
                 F64 eMac, F64 eRegf, F64 eBus, F64 eGbuf,
                 F64 eDram, F64 eNocHop, F64 eStatic) {
  ArchDesc a;
  a.name = name.str();
  a.nodeRows = nodeRows;
  a.nodeCols = nodeCols;
  a.peRows = peRows;
  a.peCols = peCols;
  a.regfBytes = regfBytes;
  a.gbufBytes = gbufBytes;
  a.wordBits = wordBits;
  a.freqMHz = freqMHz;
  a.dramBwBytesPerCycle = dramBw;
  a.busBits = busBits;
  a.peTemplate = peTemplate;
  a.energy = {eMac, eRegf, eBus, eGbuf, eDram, eNocHop, eStatic};
  if (llvm::Error err = validateArch(a)) {
    InFlightDiagnostic diag = emitError();
    llvm::handleAllErrors(std::move(err), [&](const ArchFieldError &e) {
      diag << "architecture field '" << e.getField() << "' " << e.getRule();
    });
    return diag;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Verifiers: each calls the core check the solver uses
//===----------------------------------------------------------------------===//

LogicalResult LayerAttr::verify(
    llvm::function_ref<InFlightDiagnostic()> emitError, LayerKind kind,
    LayerPass pass, int64_t n, int64_t c, int64_t k, int64_t ho, int64_t wo,
    int64_t r, int64_t s, int64_t sy, int64_t sx, int64_t dy, int64_t dx,
    int64_t inputs, ArrayRef<DimAmount> loops, ArrayRef<int64_t> batchLoops) {
  LayerDesc l{kind, pass, n, c, k, ho, wo, r, s, sy, sx, dy, dx, inputs};
  for (int64_t b : batchLoops) {
    if (b < 0 || b >= 32)
      return emitError() << "invalid layer: batch_loops: " << b
                         << " is no position of a loop of N";
    if (l.batchLoops >> b & 1)
      return emitError() << "invalid layer: batch_loops lists " << b
                         << " twice";
    l.batchLoops |= 1u << b;
  }
  // One dim's loops are listed together, major to minor.
  for (size_t i = 1; i < loops.size(); ++i)
    if (loops[i].dim != loops[i - 1].dim &&
        llvm::any_of(loops.take_front(i - 1),
                     [&](const DimAmount &a) { return a.dim == loops[i].dim; }))
      return emitError() << "invalid layer: loops: the loops of "
                         << stringifyDim(loops[i].dim)
                         << " must be listed together";
  for (const DimAmount &a : loops)
    l.loops[int(a.dim)].push_back(a.amount);
  if (llvm::Error err = validateLayer(l))
    return emitError() << "invalid layer: " << llvm::toString(std::move(err));
  return success();
}

static LogicalResult verifyLevel(
    llvm::function_ref<InFlightDiagnostic()> emitError,
    const LevelDirectives &level) {
  if (llvm::Error err = checkLevelStructure(level))
    return emitError() << "invalid directive: "
                       << llvm::toString(std::move(err));
  return success();
}

LogicalResult
TensorAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                   TensorKind tensor, ArrayRef<DimAmount> size, int64_t shr) {
  LevelDirectives level;
  level.tensors.push_back({tensor, {size.begin(), size.end()}, shr});
  return verifyLevel(emitError, level);
}

LogicalResult
StackAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                  ArrayRef<DimAmount> shift, int64_t repl) {
  LevelDirectives level;
  level.stacks.push_back({{shift.begin(), shift.end()}, repl});
  return verifyLevel(emitError, level);
}

LogicalResult
UpdateAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                   ArrayRef<DimAmount> step) {
  LevelDirectives level;
  level.updates.push_back({{step.begin(), step.end()}});
  return verifyLevel(emitError, level);
}

LogicalResult
LevelAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                  ArrayRef<TensorAttr> tensors, ArrayRef<StackAttr> stacks,
                  ArrayRef<UpdateAttr> updates) {
  // Parameters can be null when built from C++ with missing pieces.
  for (Attribute a : tensors)
    if (!a)
      return emitError() << "invalid directive: null tensor";
  for (Attribute a : stacks)
    if (!a)
      return emitError() << "invalid directive: null stack";
  for (Attribute a : updates)
    if (!a)
      return emitError() << "invalid directive: null update";
  LevelDirectives level;
  for (TensorAttr t : tensors)
    level.tensors.push_back(toCore(t));
  for (StackAttr s : stacks)
    level.stacks.push_back(toCore(s));
  for (UpdateAttr u : updates)
    level.updates.push_back(toCore(u));
  return verifyLevel(emitError, level);
}

/// A region [row0, col0, rows, cols] with batch and channel groups, checked
/// as a segment constraint; `what` names the attribute in the message.
static LogicalResult
verifyRegion(llvm::function_ref<InFlightDiagnostic()> emitError,
             const char *what, ArrayRef<int64_t> region, int64_t batchGroups,
             int64_t channelGroups) {
  if (region.size() != 4)
    return emitError() << "invalid " << what
                       << ": region must be [row0, col0, rows, cols], got "
                       << region.size() << " values";
  SegmentConstraint c;
  c.region = {region[0], region[1], region[2], region[3]};
  c.batchGroups = batchGroups;
  c.channelGroups = channelGroups;
  if (llvm::Error err = checkConstraint(c))
    return emitError() << "invalid " << what << ": "
                       << llvm::toString(std::move(err));
  return success();
}

LogicalResult
ConstraintAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> region, int64_t batchGroups,
                       int64_t channelGroups, bool, bool) {
  return verifyRegion(emitError, "constraint", region, batchGroups,
                      channelGroups);
}

LogicalResult
FixAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                ArrayRef<DimAmount> regfTile, ArrayRef<DimAmount> peSplit,
                ArrayRef<DimAmount> gbufTile, ArrayRef<DimAmount> nodeSplit,
                ArrayRef<Dim> regfOrder, ArrayRef<Dim> gbufOrder,
                ArrayRef<int64_t> region) {
  for (auto [name, list] : {std::make_pair("regf_tile", regfTile),
                            std::make_pair("pe_split", peSplit),
                            std::make_pair("gbuf_tile", gbufTile),
                            std::make_pair("node_split", nodeSplit)}) {
    DimSet seen;
    for (const DimAmount &da : list) {
      if (da.amount < 1)
        return emitError() << "invalid fix: " << name << " "
                           << stringifyDim(da.dim)
                           << " must be at least 1, got " << da.amount;
      if (seen.contains(da.dim))
        return emitError() << "invalid fix: " << name << " names "
                           << stringifyDim(da.dim) << " twice";
      seen.insert(da.dim);
    }
  }
  for (auto [name, list] : {std::make_pair("regf_order", regfOrder),
                            std::make_pair("gbuf_order", gbufOrder)}) {
    DimSet seen;
    for (Dim d : list) {
      if (seen.contains(d))
        return emitError() << "invalid fix: " << name << " names "
                           << stringifyDim(d) << " twice";
      seen.insert(d);
    }
  }
  if (!region.empty())
    return verifyRegion(emitError, "fix", region, /*batchGroups=*/0,
                        /*channelGroups=*/0);
  return success();
}

LogicalResult
CostAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                 F64 energyPj, F64 cycles, F64 mac, F64 regf,
                 F64 bus, F64 gbuf, F64 dram, F64 noc,
                 F64 staticPj, int64_t dramWords, int64_t gbufWords,
                 int64_t regfAccesses, F64 nocHops) {
  const std::pair<const char *, double> values[] = {
      {"energy_pj", energyPj}, {"cycles", cycles},   {"mac_pj", mac},
      {"regf_pj", regf},       {"bus_pj", bus},       {"gbuf_pj", gbuf},
      {"dram_pj", dram},       {"noc_pj", noc},       {"static_pj", staticPj},
      {"noc_hops", nocHops}};
  for (const auto &[name, v] : values)
    if (!std::isfinite(v) || v < 0)
      return emitError() << "invalid cost: " << name
                         << " must be a finite, non-negative number";
  const std::pair<const char *, int64_t> counts[] = {
      {"dram_words", dramWords},
      {"gbuf_words", gbufWords},
      {"regf_accesses", regfAccesses}};
  for (const auto &[name, v] : counts)
    if (v < 0)
      return emitError() << "invalid cost: " << name
                         << " must be non-negative, got " << v;
  double sum = mac + regf + bus + gbuf + dram + noc + staticPj;
  if (std::fabs(sum - energyPj) > 1e-9 * std::max(1.0, std::fabs(sum)))
    return emitError() << "invalid cost: energy_pj (" << formatF64(energyPj)
                       << ") is not the sum of its components ("
                       << formatF64(sum) << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

ArchDesc mlir::kapla::toCore(ArchAttr attr) {
  ArchDesc a;
  a.name = attr.getName().str();
  a.nodeRows = attr.getNodeRows();
  a.nodeCols = attr.getNodeCols();
  a.peRows = attr.getPeRows();
  a.peCols = attr.getPeCols();
  a.regfBytes = attr.getRegfBytes();
  a.gbufBytes = attr.getGbufBytes();
  a.wordBits = attr.getWordBits();
  a.freqMHz = attr.getFreqMHz();
  a.dramBwBytesPerCycle = attr.getDramBwBytesPerCycle();
  a.busBits = attr.getBusBits();
  a.peTemplate = attr.getPeTemplate();
  a.energy = {attr.getEMac(),  attr.getERegf(),   attr.getEBus(),
              attr.getEGbuf(), attr.getEDram(),   attr.getENocHop(),
              attr.getEStaticPerCycle()};
  return a;
}

ArchAttr mlir::kapla::toAttr(MLIRContext *ctx, const ArchDesc &a) {
  const EnergyTable &e = a.energy;
  return ArchAttr::get(ctx, a.name, a.nodeRows, a.nodeCols, a.peRows, a.peCols,
                       a.regfBytes, a.gbufBytes, a.wordBits, a.freqMHz,
                       a.dramBwBytesPerCycle, a.busBits, a.peTemplate, e.mac,
                       e.regf, e.bus, e.gbuf, e.dram, e.nocHop,
                       e.staticPerCycle);
}

LayerDesc mlir::kapla::toCore(LayerAttr attr) {
  LayerDesc l{attr.getKind(), attr.getPass(),  attr.getN(),  attr.getC(),
              attr.getK(),    attr.getHo(),    attr.getWo(), attr.getR(),
              attr.getS(),    attr.getSy(),    attr.getSx(), attr.getDy(),
              attr.getDx(),   attr.getInputs()};
  for (const DimAmount &a : attr.getLoops())
    l.loops[int(a.dim)].push_back(a.amount);
  for (int64_t b : attr.getBatchLoops())
    l.batchLoops |= 1u << b;
  return l;
}

LayerAttr mlir::kapla::toAttr(MLIRContext *ctx, const LayerDesc &l) {
  SmallVector<DimAmount> loops;
  for (int d = 0; d < kNumDims; ++d)
    for (int64_t e : l.loops[d])
      loops.push_back({Dim(d), e});
  SmallVector<int64_t> batch;
  for (int b = 0; b < 32; ++b)
    if (l.batchLoops >> b & 1)
      batch.push_back(b);
  return LayerAttr::get(ctx, l.kind, l.pass, l.n, l.c, l.k, l.ho, l.wo, l.r,
                        l.s, l.sy, l.sx, l.dy, l.dx, l.numInputs, loops, batch);
}

TensorDirective mlir::kapla::toCore(TensorAttr attr) {
  ArrayRef<DimAmount> size = attr.getSize();
  return {attr.getTensor(), {size.begin(), size.end()}, attr.getShr()};
}
TensorAttr mlir::kapla::toAttr(MLIRContext *ctx, const TensorDirective &t) {
  return TensorAttr::get(ctx, t.tensor, t.sizes, t.shr);
}
StackDirective mlir::kapla::toCore(StackAttr attr) {
  ArrayRef<DimAmount> shift = attr.getShift();
  return {{shift.begin(), shift.end()}, attr.getRepl()};
}
StackAttr mlir::kapla::toAttr(MLIRContext *ctx, const StackDirective &s) {
  return StackAttr::get(ctx, s.shifts, s.repl);
}
UpdateDirective mlir::kapla::toCore(UpdateAttr attr) {
  ArrayRef<DimAmount> step = attr.getStep();
  return {{step.begin(), step.end()}};
}
UpdateAttr mlir::kapla::toAttr(MLIRContext *ctx, const UpdateDirective &u) {
  return UpdateAttr::get(ctx, u.steps);
}

LevelDirectives mlir::kapla::toCore(LevelAttr attr) {
  LevelDirectives level;
  for (TensorAttr t : attr.getTensors())
    level.tensors.push_back(toCore(t));
  for (StackAttr s : attr.getStacks())
    level.stacks.push_back(toCore(s));
  for (UpdateAttr u : attr.getUpdates())
    level.updates.push_back(toCore(u));
  return level;
}

LevelAttr mlir::kapla::toAttr(MLIRContext *ctx, const LevelDirectives &l) {
  llvm::SmallVector<TensorAttr> tensors;
  llvm::SmallVector<StackAttr> stacks;
  llvm::SmallVector<UpdateAttr> updates;
  for (const TensorDirective &t : l.tensors)
    tensors.push_back(toAttr(ctx, t));
  for (const StackDirective &s : l.stacks)
    stacks.push_back(toAttr(ctx, s));
  for (const UpdateDirective &u : l.updates)
    updates.push_back(toAttr(ctx, u));
  return LevelAttr::get(ctx, tensors, stacks, updates);
}

LayerDataflow mlir::kapla::toCore(DataflowAttr attr) {
  return {toCore(attr.getRegf()), toCore(attr.getGbuf())};
}
DataflowAttr mlir::kapla::toAttr(MLIRContext *ctx, const LayerDataflow &d) {
  return DataflowAttr::get(ctx, toAttr(ctx, d.regf), toAttr(ctx, d.gbuf));
}

SegmentConstraint mlir::kapla::toCore(ConstraintAttr attr) {
  SegmentConstraint c;
  ArrayRef<int64_t> r = attr.getRegion();
  c.region = {r[0], r[1], r[2], r[3]};
  c.batchGroups = attr.getBatchGroups();
  c.channelGroups = attr.getChannelGroups();
  c.inputOnChip = attr.getInputOnChip();
  c.outputOnChip = attr.getOutputOnChip();
  return c;
}

ConstraintAttr mlir::kapla::toAttr(MLIRContext *ctx,
                                   const SegmentConstraint &c) {
  const NodeRegion &r = c.region;
  int64_t region[4] = {r.row0, r.col0, r.rows, r.cols};
  return ConstraintAttr::get(ctx, region, c.batchGroups, c.channelGroups,
                             c.inputOnChip, c.outputOnChip);
}

LayerPins mlir::kapla::toCore(FixAttr attr) {
  LayerPins p;
  auto fill = [](std::array<int64_t, kNumDims> &to, ArrayRef<DimAmount> from) {
    for (const DimAmount &da : from)
      to[int(da.dim)] = da.amount;
  };
  fill(p.regfTile, attr.getRegfTile());
  fill(p.peSplit, attr.getPeSplit());
  fill(p.gbufTile, attr.getGbufTile());
  fill(p.nodeSplit, attr.getNodeSplit());
  p.regfOrder.assign(attr.getRegfOrder().begin(), attr.getRegfOrder().end());
  p.gbufOrder.assign(attr.getGbufOrder().begin(), attr.getGbufOrder().end());
  if (ArrayRef<int64_t> r = attr.getRegion(); r.size() == 4)
    p.region = NodeRegion{r[0], r[1], r[2], r[3]};
  return p;
}

FixAttr mlir::kapla::toAttr(MLIRContext *ctx, const LayerPins &p) {
  auto list = [](const std::array<int64_t, kNumDims> &from) {
    llvm::SmallVector<DimAmount> out;
    for (int d = 0; d < kNumDims; ++d)
      if (from[d])
        out.push_back({Dim(d), from[d]});
    return out;
  };
  llvm::SmallVector<int64_t, 4> region;
  if (p.region)
    region = {p.region->row0, p.region->col0, p.region->rows, p.region->cols};
  return FixAttr::get(ctx, list(p.regfTile), list(p.peSplit), list(p.gbufTile),
                      list(p.nodeSplit), p.regfOrder, p.gbufOrder, region);
}

CostRecord mlir::kapla::toCore(CostAttr attr) {
  CostRecord c;
  c.energy = {attr.getMacPj(),  attr.getRegfPj(), attr.getBusPj(),
              attr.getGbufPj(), attr.getDramPj(), attr.getNocPj(),
              attr.getStaticPj()};
  c.cycles = attr.getCycles();
  c.accesses = {attr.getDramWords(), attr.getGbufWords(),
                attr.getRegfAccesses(), attr.getNocHops()};
  return c;
}

CostAttr mlir::kapla::toAttr(MLIRContext *ctx, const CostRecord &c) {
  const EnergyBreakdown &e = c.energy;
  return CostAttr::get(ctx, e.total(), c.cycles, e.mac, e.regf, e.bus, e.gbuf,
                       e.dram, e.noc, e.staticEnergy, c.accesses.dram,
                       c.accesses.gbuf, c.accesses.regf, c.accesses.nocHops);
}

#define GET_ATTRDEF_CLASSES
#include "Kapla/IR/KaplaAttrs.cpp.inc"

// A node or PE forall dim is identified by its stack: the stacks of one
// level are distinct, so one forall maps each dim once.
int64_t NodeMappingAttr::getMappingId() const { return getStack(); }
bool NodeMappingAttr::isLinearMapping() const { return false; }
int64_t NodeMappingAttr::getRelativeIndex() const { return getStack(); }
int64_t PEMappingAttr::getMappingId() const { return getStack(); }
bool PEMappingAttr::isLinearMapping() const { return false; }
int64_t PEMappingAttr::getRelativeIndex() const { return getStack(); }

void KaplaDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Kapla/IR/KaplaAttrs.cpp.inc"
      >();
}
