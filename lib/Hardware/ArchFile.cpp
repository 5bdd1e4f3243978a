//===- ArchFile.cpp - Architecture descriptions as JSON -------------------===//

#include "Kapla/Hardware/ArchFile.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::kapla {

namespace {
/// Reads typed keys of one JSON object, remembering the first error.
class KeyReader {
public:
  KeyReader(const llvm::json::Object &obj, std::string prefix,
            std::string &error)
      : obj(obj), prefix(std::move(prefix)), error(error) {}

  const llvm::json::Value *get(llvm::StringRef key) {
    if (!error.empty())
      return nullptr;
    const llvm::json::Value *v = obj.get(key);
    if (!v)
      error = "missing key '" + prefix + key.str() + "'";
    return v;
  }
  void typeError(llvm::StringRef key, const char *what) {
    if (error.empty())
      error = "key '" + prefix + key.str() + "' must be " + what;
  }
  void integer(llvm::StringRef key, int64_t &out) {
    if (const llvm::json::Value *v = get(key)) {
      if (std::optional<int64_t> i = v->getAsInteger())
        out = *i;
      else
        typeError(key, "an integer");
    }
  }
  void number(llvm::StringRef key, double &out) {
    if (const llvm::json::Value *v = get(key)) {
      if (std::optional<double> d = v->getAsNumber())
        out = *d;
      else
        typeError(key, "a number");
    }
  }
  void string(llvm::StringRef key, std::string &out) {
    if (const llvm::json::Value *v = get(key)) {
      if (std::optional<llvm::StringRef> s = v->getAsString())
        out = s->str();
      else
        typeError(key, "a string");
    }
  }
  void pair(llvm::StringRef key, int64_t &a, int64_t &b) {
    const llvm::json::Value *v = get(key);
    if (!v)
      return;
    const llvm::json::Array *arr = v->getAsArray();
    if (!arr || arr->size() != 2 || !(*arr)[0].getAsInteger() ||
        !(*arr)[1].getAsInteger()) {
      typeError(key, "an array of two integers [rows, cols]");
      return;
    }
    a = *(*arr)[0].getAsInteger();
    b = *(*arr)[1].getAsInteger();
  }
  const llvm::json::Object *object(llvm::StringRef key) {
    const llvm::json::Value *v = get(key);
    if (!v)
      return nullptr;
    if (const llvm::json::Object *o = v->getAsObject())
      return o;
    typeError(key, "an object");
    return nullptr;
  }

private:
  const llvm::json::Object &obj;
  std::string prefix;
  std::string &error;
};
} // namespace

static llvm::Error archError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<ArchDesc> parseArchJson(llvm::StringRef text) {
  std::string error;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return archError("invalid JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return archError("an architecture file must hold a JSON object");
  ArchDesc a;
  KeyReader r(*root, "", error);
  r.string("name", a.name);
  r.pair("nodes", a.nodeRows, a.nodeCols);
  r.pair("pe_array", a.peRows, a.peCols);
  r.integer("regf_bytes", a.regfBytes);
  r.integer("gbuf_bytes", a.gbufBytes);
  r.integer("word_bits", a.wordBits);
  r.number("freq_mhz", a.freqMHz);
  r.number("dram_bw_bytes_per_cycle", a.dramBwBytesPerCycle);
  r.integer("bus_bits", a.busBits);
  std::string tmpl;
  r.string("pe_template", tmpl);
  if (error.empty()) {
    std::optional<PETemplate> t = parsePETemplate(tmpl);
    if (!t)
      error = "key 'pe_template' must be \"row-stationary\" or \"systolic\", "
              "got \"" + tmpl + "\"";
    else
      a.peTemplate = *t;
  }
  if (const llvm::json::Object *e = r.object("energy_pj")) {
    KeyReader er(*e, "energy_pj.", error);
    er.number("mac", a.energy.mac);
    er.number("regf", a.energy.regf);
    er.number("bus", a.energy.bus);
    er.number("gbuf", a.energy.gbuf);
    er.number("dram", a.energy.dram);
    er.number("noc_hop", a.energy.nocHop);
    er.number("static_per_cycle", a.energy.staticPerCycle);
  }
  if (!error.empty())
    return archError(error);
  if (llvm::Error bad = validateArch(a)) {
    llvm::handleAllErrors(std::move(bad), [&](const ArchFieldError &e) {
      error = "key '" + e.getField() + "' " + e.getRule();
    });
    return archError(error);
  }
  return a;
}

llvm::Expected<ArchDesc> loadArchFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return archError("cannot read '" + path + "': " + buf.getError().message());
  llvm::Expected<ArchDesc> a = parseArchJson((*buf)->getBuffer());
  if (!a)
    return archError(path + ": " + llvm::toString(a.takeError()));
  return a;
}

llvm::json::Value archToJsonValue(const ArchDesc &a) {
  llvm::json::Object energy{{"mac", a.energy.mac},
                            {"regf", a.energy.regf},
                            {"bus", a.energy.bus},
                            {"gbuf", a.energy.gbuf},
                            {"dram", a.energy.dram},
                            {"noc_hop", a.energy.nocHop},
                            {"static_per_cycle", a.energy.staticPerCycle}};
  llvm::json::Object obj{
      {"name", a.name},
      {"nodes", llvm::json::Array{a.nodeRows, a.nodeCols}},
      {"pe_array", llvm::json::Array{a.peRows, a.peCols}},
      {"regf_bytes", a.regfBytes},
      {"gbuf_bytes", a.gbufBytes},
      {"word_bits", a.wordBits},
      {"freq_mhz", a.freqMHz},
      {"dram_bw_bytes_per_cycle", a.dramBwBytesPerCycle},
      {"bus_bits", a.busBits},
      {"pe_template", stringifyPETemplate(a.peTemplate)},
      {"energy_pj", std::move(energy)}};
  return llvm::json::Value(std::move(obj));
}

std::string archToJson(const ArchDesc &a) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::formatv("{0:2}", archToJsonValue(a));
  return out;
}

} // namespace mlir::kapla
