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
  for (const ArchField &f : archFields()) {
    switch (f.kind) {
    case ArchField::Kind::String:
      r.string(f.key, a.name);
      break;
    case ArchField::Kind::Pair:
      r.pair(f.key, a.*f.first, a.*f.second);
      break;
    case ArchField::Kind::Integer:
      r.integer(f.key, a.*f.first);
      break;
    case ArchField::Kind::Number:
      r.number(f.key, a.*f.number);
      break;
    case ArchField::Kind::Template: {
      std::string tmpl;
      r.string(f.key, tmpl);
      if (error.empty()) {
        std::optional<PETemplate> t = symbolizePETemplate(tmpl);
        if (!t)
          error = "key 'pe_template' must be \"row-stationary\" or "
                  "\"systolic\", got \"" +
                  tmpl + "\"";
        else
          a.peTemplate = *t;
      }
      break;
    }
    case ArchField::Kind::Energy:
      if (const llvm::json::Object *e = r.object(f.key)) {
        KeyReader er(*e, std::string(f.key) + ".", error);
        for (const EnergyField &ef : energyFields())
          er.number(ef.key, a.energy.*ef.value);
      }
      break;
    }
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
  llvm::json::Object obj;
  for (const ArchField &f : archFields()) {
    switch (f.kind) {
    case ArchField::Kind::String:
      obj[f.key] = a.name;
      break;
    case ArchField::Kind::Pair:
      obj[f.key] = llvm::json::Array{a.*f.first, a.*f.second};
      break;
    case ArchField::Kind::Integer:
      obj[f.key] = a.*f.first;
      break;
    case ArchField::Kind::Number:
      obj[f.key] = a.*f.number;
      break;
    case ArchField::Kind::Template:
      obj[f.key] = stringifyPETemplate(a.peTemplate);
      break;
    case ArchField::Kind::Energy: {
      llvm::json::Object energy;
      for (const EnergyField &ef : energyFields())
        energy[ef.key] = a.energy.*ef.value;
      obj[f.key] = std::move(energy);
      break;
    }
    }
  }
  return llvm::json::Value(std::move(obj));
}

std::string archToJson(const ArchDesc &a) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::formatv("{0:2}", archToJsonValue(a));
  return out;
}

} // namespace mlir::kapla
