//===- Sweep.cpp - Design-space sweeps over architectures -----------------===//

#include "Kapla/Explore/Sweep.h"
#include "Kapla/Hardware/ArchFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

namespace mlir::kapla {

namespace {

llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// What a sweep key sets: a field of the architecture file, or an energy
/// (`energy_pj.<name>`).
std::optional<ArchField::Kind> keyKind(llvm::StringRef key) {
  if (key.consume_front("energy_pj.")) {
    for (const EnergyField &f : energyFields())
      if (key == f.key)
        return ArchField::Kind::Number;
    return std::nullopt;
  }
  for (const ArchField &f : archFields())
    if (key == f.key && f.kind != ArchField::Kind::String &&
        f.kind != ArchField::Kind::Energy)
      return f.kind;
  return std::nullopt;
}

std::string knownKeys() {
  std::string s;
  for (const ArchField &f : archFields())
    if (f.kind != ArchField::Kind::String && f.kind != ArchField::Kind::Energy)
      s += std::string(s.empty() ? "" : ", ") + f.key;
  for (const EnergyField &f : energyFields())
    s += std::string(", energy_pj.") + f.key;
  return s;
}

/// Whether `v` is a value of a key of `kind`.
bool typed(ArchField::Kind kind, const llvm::json::Value &v) {
  switch (kind) {
  case ArchField::Kind::Pair: {
    const llvm::json::Array *a = v.getAsArray();
    return a && a->size() == 2 && (*a)[0].getAsInteger() &&
           (*a)[1].getAsInteger();
  }
  case ArchField::Kind::Integer:
    return v.getAsInteger().has_value();
  case ArchField::Kind::Number:
    return v.getAsNumber().has_value();
  case ArchField::Kind::Template:
    return v.getAsString().has_value();
  default:
    return false;
  }
}

const char *typeName(ArchField::Kind kind) {
  switch (kind) {
  case ArchField::Kind::Pair:
    return "an array of two integers [rows, cols]";
  case ArchField::Kind::Integer:
    return "an integer";
  case ArchField::Kind::Number:
    return "a number";
  default:
    return "a string";
  }
}

constexpr size_t kMaxAxisValues = 100000;
constexpr uint64_t kMaxPoints = 1000000000;

/// The values of one key: a list, or a range {from, to, step | times} (a
/// pair key's range gives square arrays [v, v]).
llvm::Expected<std::vector<llvm::json::Value>>
axisValues(llvm::StringRef key, ArchField::Kind kind,
           const llvm::json::Value &spec) {
  std::string where = "vary: key '" + key.str() + "'";
  std::vector<llvm::json::Value> out;
  if (const llvm::json::Array *list = spec.getAsArray()) {
    if (list->empty())
      return error(where + " has no values");
    for (const llvm::json::Value &v : *list) {
      if (!typed(kind, v))
        return error(where + ": each value must be " + typeName(kind));
      out.push_back(v);
    }
    return out;
  }
  const llvm::json::Object *range = spec.getAsObject();
  if (!range || kind == ArchField::Kind::Template)
    return error(where + " must be a list of values" +
                 (kind == ArchField::Kind::Template
                      ? ""
                      : " or a range {\"from\", \"to\", \"step\" or "
                        "\"times\"}"));
  for (const auto &[k, v] : *range)
    if (k != "from" && k != "to" && k != "step" && k != "times")
      return error(where + ": unknown range key '" + k.str() +
                   "' (from, to, step, times)");
  std::optional<double> from = range->getNumber("from"),
                        to = range->getNumber("to"),
                        step = range->getNumber("step"),
                        times = range->getNumber("times");
  if (!from || !to)
    return error(where + ": a range needs numbers \"from\" and \"to\"");
  if (step.has_value() == times.has_value())
    return error(where + ": a range needs one of \"step\" (added) or "
                         "\"times\" (multiplied)");
  if (!(*from <= *to))
    return error(where + ": a range needs from <= to");
  if (step && !(*step > 0))
    return error(where + ": step must be positive");
  if (times && !(*times > 1))
    return error(where + ": times must be greater than 1");
  bool integral = kind != ArchField::Kind::Number;
  auto isInt = [](double d) { return std::isfinite(d) && d == std::floor(d); };
  if (integral && (!isInt(*from) || !isInt(*to) || (step && !isInt(*step)) ||
                   (times && !isInt(*times))))
    return error(where + ": from, to and step or times must be integers");
  // Integers past 2^53 are no longer exact in a double (and past 2^63 no
  // longer an int64_t).
  if (integral && (std::fabs(*from) > 9.0e15 || std::fabs(*to) > 9.0e15))
    return error(where + ": a range of integers must stay within 9e15");
  if (!(*from > 0) && times)
    return error(where + ": a range with times needs from > 0");
  // Within a relative 1e-9 of `to` counts as reaching it (sums of steps
  // like 0.1 do not land on it exactly).
  double limit = *to + 1e-9 * std::max(std::fabs(*to), 1.0);
  for (size_t i = 0;; ++i) {
    double v =
        step ? *from + double(i) * *step : *from * std::pow(*times, double(i));
    if (v > limit)
      break;
    if (out.size() == kMaxAxisValues)
      return error(where + ": a range of more than " +
                   llvm::Twine(uint64_t(kMaxAxisValues)) + " values");
    v = std::min(v, *to);
    if (!integral) {
      out.push_back(v);
    } else if (kind == ArchField::Kind::Pair) {
      out.push_back(llvm::json::Array{int64_t(v), int64_t(v)});
    } else {
      out.push_back(int64_t(v));
    }
  }
  return out;
}

llvm::Expected<ArchDesc> baseArch(const llvm::json::Value &v,
                                  llvm::StringRef dir) {
  if (const llvm::json::Object *o = v.getAsObject()) {
    std::string text;
    llvm::raw_string_ostream(text) << llvm::json::Value(llvm::json::Object(*o));
    llvm::Expected<ArchDesc> a = parseArchJson(text);
    if (!a)
      return error("base: " + llvm::toString(a.takeError()));
    return a;
  }
  std::optional<llvm::StringRef> s = v.getAsString();
  if (!s)
    return error("base must be a preset name, an architecture file or an "
                 "architecture object");
  if (std::optional<ArchDesc> preset = getPreset(s->str()))
    return *preset;
  llvm::SmallString<256> path(*s);
  if (llvm::sys::path::is_relative(path) && !dir.empty())
    path = (dir + "/" + *s).str();
  llvm::Expected<ArchDesc> a = loadArchFile(path);
  if (!a)
    return error("base: '" + *s + "' is no preset (" +
                 llvm::join(presetNames(), ", ") +
                 "), and as a file: " + llvm::toString(a.takeError()));
  return a;
}

llvm::Expected<SweepNetwork> network(const llvm::json::Value &v, size_t i,
                                     llvm::StringRef dir) {
  std::string where = "networks[" + std::to_string(i) + "]";
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return error(where + " must be an object");
  for (const auto &[k, val] : *o)
    if (k != "file" && k != "name" && k != "batch" && k != "training" &&
        k != "input" && k != "entry")
      return error(where + ": unknown key '" + k.str() +
                   "' (file, name, batch, training, input, entry)");
  SweepNetwork n;
  std::optional<llvm::StringRef> file = o->getString("file");
  if (!file || file->empty())
    return error(where + " needs \"file\", a path");
  llvm::SmallString<256> path(*file);
  if (llvm::sys::path::is_relative(path) && !dir.empty())
    path = (dir + "/" + *file).str();
  n.file = path.str().str();
  n.name = llvm::sys::path::stem(*file).str();
  if (const llvm::json::Value *name = o->get("name")) {
    if (!name->getAsString() || name->getAsString()->empty())
      return error(where + ": name must be a non-empty string");
    n.name = name->getAsString()->str();
  }
  if (const llvm::json::Value *b = o->get("batch")) {
    if (!b->getAsInteger() || *b->getAsInteger() < 0)
      return error(where + ": batch must be a non-negative integer (0: as "
                           "exported)");
    n.batch = *b->getAsInteger();
  }
  if (const llvm::json::Value *t = o->get("training")) {
    if (!t->getAsBoolean())
      return error(where + ": training must be true or false");
    n.training = *t->getAsBoolean();
  }
  n.input = llvm::StringRef(n.file).ends_with(".onnx") ? "onnx" : "linalg";
  if (const llvm::json::Value *in = o->get("input")) {
    std::optional<llvm::StringRef> s = in->getAsString();
    if (!s || (*s != "linalg" && *s != "tosa" && *s != "onnx"))
      return error(where + ": input must be \"linalg\", \"tosa\" or "
                           "\"onnx\"");
    n.input = s->str();
  }
  if (const llvm::json::Value *e = o->get("entry")) {
    if (!e->getAsString())
      return error(where + ": entry must be a string");
    n.entry = e->getAsString()->str();
  }
  return n;
}

llvm::Expected<SweepSchedule> scheduleOptions(const llvm::json::Value &v) {
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return error("schedule must be an object");
  SweepSchedule s;
  for (const auto &[k, val] : *o) {
    if (k == "objective") {
      std::optional<llvm::StringRef> obj = val.getAsString();
      if (!obj || (*obj != "energy" && *obj != "delay" && *obj != "edp"))
        return error("schedule: objective must be \"energy\", \"delay\" or "
                     "\"edp\"");
      s.objective = obj->str();
    } else if (k == "max_segment_layers") {
      std::optional<int64_t> n = val.getAsInteger();
      if (!n || *n < 1 || *n > 10000)
        return error("schedule: max_segment_layers must be an integer "
                     "between 1 and 10000");
      s.maxSegmentLayers = *n;
    } else if (k == "top_k") {
      std::optional<int64_t> n = val.getAsInteger();
      if (!n || *n < 0 || *n > 1000000)
        return error("schedule: top_k must be an integer between 0 and "
                     "1000000");
      s.topK = *n;
    } else if (k == "effort") {
      std::optional<llvm::StringRef> e = val.getAsString();
      if (!e || (*e != "full" && *e != "quick"))
        return error("schedule: effort must be \"full\" or \"quick\"");
      s.effort = e->str();
    } else {
      return error("schedule: unknown key '" + k.str() +
                   "' (objective, max_segment_layers, top_k, effort)");
    }
  }
  return s;
}

} // namespace

llvm::Expected<Sweep> parseSweep(llvm::StringRef text, llvm::StringRef dir) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return error("not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *top = json->getAsObject();
  if (!top)
    return error("a sweep is a JSON object");
  for (const auto &[k, v] : *top)
    if (k != "base" && k != "vary" && k != "networks" && k != "schedule")
      return error("unknown key '" + k.str() +
                   "' (base, vary, networks, schedule)");
  Sweep sweep;
  const llvm::json::Value *base = top->get("base");
  if (!base)
    return error("missing key 'base' (a preset name, an architecture file "
                 "or object)");
  llvm::Expected<ArchDesc> arch = baseArch(*base, dir);
  if (!arch)
    return arch.takeError();
  sweep.base = std::move(*archToJsonValue(*arch).getAsObject());

  std::set<std::string> seen;
  if (const llvm::json::Value *vary = top->get("vary")) {
    const llvm::json::Array *axes = vary->getAsArray();
    if (!axes)
      return error("vary must be a list of axes, each an object of keys and "
                   "their values");
    for (const llvm::json::Value &a : *axes) {
      const llvm::json::Object *o = a.getAsObject();
      if (!o || o->empty())
        return error("vary: each axis must be an object of keys and their "
                     "values");
      SweepAxis axis;
      // Keys in their sorted order (a JSON object has no other).
      std::vector<std::string> keys;
      for (const auto &[k, v] : *o)
        keys.push_back(k.str());
      llvm::sort(keys);
      std::vector<std::vector<llvm::json::Value>> columns;
      for (const std::string &k : keys) {
        std::optional<ArchField::Kind> kind = keyKind(k);
        if (!kind)
          return error("vary: unknown key '" + k + "' (" + knownKeys() + ")");
        if (!seen.insert(k).second)
          return error("vary: key '" + k + "' is on two axes");
        llvm::Expected<std::vector<llvm::json::Value>> vals =
            axisValues(k, *kind, *o->get(k));
        if (!vals)
          return vals.takeError();
        if (!columns.empty() && vals->size() != columns.front().size())
          return error("vary: the keys of one axis vary together and need "
                       "as many values each ('" +
                       keys.front() + "' has " +
                       llvm::Twine(uint64_t(columns.front().size())) + ", '" +
                       k + "' " + llvm::Twine(uint64_t(vals->size())) + ")");
        columns.push_back(std::move(*vals));
      }
      axis.keys = keys;
      axis.values.resize(columns.front().size());
      for (size_t i = 0; i < axis.values.size(); ++i)
        for (auto &c : columns)
          axis.values[i].push_back(c[i]);
      sweep.axes.push_back(std::move(axis));
    }
  }
  uint64_t points = 1;
  for (const SweepAxis &a : sweep.axes) {
    if (points > kMaxPoints / a.values.size())
      return error("vary: more than " + llvm::Twine(kMaxPoints) + " points");
    points *= a.values.size();
  }

  const llvm::json::Array *nets = top->getArray("networks");
  if (!nets || nets->empty())
    return error("networks must be a non-empty list of {\"file\": ...}");
  std::set<std::string> names;
  for (size_t i = 0; i < nets->size(); ++i) {
    llvm::Expected<SweepNetwork> n = network((*nets)[i], i, dir);
    if (!n)
      return n.takeError();
    if (!names.insert(n->name).second)
      return error("networks[" + llvm::Twine(uint64_t(i)) + "]: the name '" +
                   n->name + "' is taken (set \"name\")");
    sweep.networks.push_back(std::move(*n));
  }
  if (const llvm::json::Value *s = top->get("schedule")) {
    llvm::Expected<SweepSchedule> opts = scheduleOptions(*s);
    if (!opts)
      return opts.takeError();
    sweep.schedule = *opts;
  }
  return sweep;
}

llvm::Expected<Sweep> loadSweepFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return error(path + ": " + buf.getError().message());
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(path));
  llvm::Expected<Sweep> s = parseSweep((*buf)->getBuffer(), dir);
  if (!s)
    return error(path + ": " + llvm::toString(s.takeError()));
  return s;
}

uint64_t Sweep::numPoints() const {
  uint64_t n = 1;
  for (const SweepAxis &a : axes)
    n *= a.values.size();
  return n;
}

std::vector<size_t> Sweep::steps(uint64_t index) const {
  std::vector<size_t> out(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {
    out[i] = index % axes[i].values.size();
    index /= axes[i].values.size();
  }
  return out;
}

llvm::json::Object Sweep::values(uint64_t index) const {
  llvm::json::Object o;
  std::vector<size_t> at = steps(index);
  for (size_t i = 0; i < axes.size(); ++i)
    for (size_t k = 0; k < axes[i].keys.size(); ++k)
      o[axes[i].keys[k]] = axes[i].values[at[i]][k];
  return o;
}

llvm::Expected<ArchDesc> Sweep::arch(uint64_t index) const {
  llvm::json::Object o = base;
  std::string name = o.getString("name").value_or("arch").str();
  o["name"] = name + "-p" + std::to_string(index);
  for (const auto &[key, v] : values(index)) {
    llvm::StringRef k = key;
    if (k.consume_front("energy_pj.")) {
      if (llvm::json::Object *e = o.getObject("energy_pj"))
        (*e)[k] = v;
    } else {
      o[k] = v;
    }
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(o));
  return parseArchJson(text);
}

llvm::Expected<Shard> parseShard(llvm::StringRef text) {
  auto [k, n] = text.split('/');
  Shard s;
  if (k.getAsInteger(10, s.k) || n.getAsInteger(10, s.n) || s.k < 1 ||
      s.n < 1 || s.k > s.n)
    return error("--shard must be K/N with 1 <= K <= N, got '" + text + "'");
  return s;
}

std::pair<int64_t, int64_t> areaProxy(const ArchDesc &arch) {
  int64_t pes = arch.numNodes() * arch.numPEsPerNode();
  return {arch.numNodes() * arch.gbufBytes + pes * arch.regfBytes, pes};
}

void markPareto(std::vector<PointRow> &rows) {
  auto key = [](const PointRow &r) {
    return std::array<double, 4>{r.energyPj, r.cycles, double(r.bufferBytes),
                                 double(r.pes)};
  };
  std::vector<size_t> order;
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].pareto = false;
    if (rows[i].status == "ok")
      order.push_back(i);
  }
  // In lexicographic order a row can be dominated only by rows before it,
  // and a dominated row only by one on the front (dominance is
  // transitive): each row is checked against the front so far.
  llvm::sort(order, [&](size_t a, size_t b) {
    return std::make_pair(key(rows[a]), a) < std::make_pair(key(rows[b]), b);
  });
  std::vector<std::array<double, 4>> front;
  for (size_t i : order) {
    std::array<double, 4> r = key(rows[i]);
    bool dominated = llvm::any_of(front, [&](const std::array<double, 4> &f) {
      return f != r && f[0] <= r[0] && f[1] <= r[1] && f[2] <= r[2] &&
             f[3] <= r[3];
    });
    if (!dominated) {
      rows[i].pareto = true;
      front.push_back(r);
    }
  }
}

llvm::json::Value rowToJson(const PointRow &row, bool journal) {
  llvm::json::Object o{{"point", int64_t(row.index)},
                       {"values", llvm::json::Object(row.values)},
                       {"status", row.status}};
  if (!row.error.empty())
    o["error"] = row.error;
  if (row.status == "ok") {
    o["energy_pj"] = row.energyPj;
    o["cycles"] = row.cycles;
    llvm::json::Array nets;
    for (const NetworkRow &n : row.networks)
      nets.push_back(llvm::json::Object{
          {"name", n.name}, {"energy_pj", n.energyPj}, {"cycles", n.cycles}});
    o["networks"] = std::move(nets);
  }
  if (row.status != "invalid") {
    o["buffer_bytes"] = row.bufferBytes;
    o["pes"] = row.pes;
  }
  if (journal)
    o["seconds"] = row.seconds;
  else
    o["pareto"] = row.pareto;
  o["arch"] = row.arch;
  return o;
}

llvm::Expected<PointRow> rowFromJson(const llvm::json::Value &v) {
  const llvm::json::Object *o = v.getAsObject();
  PointRow r;
  std::optional<int64_t> index = o ? o->getInteger("point") : std::nullopt;
  if (!index || *index < 0 || !o->getObject("values") ||
      !o->getString("status"))
    return error("a row needs point, values and status");
  r.index = uint64_t(*index);
  r.values = *o->getObject("values");
  r.status = o->getString("status")->str();
  r.error = o->getString("error").value_or("").str();
  r.energyPj = o->getNumber("energy_pj").value_or(0);
  r.cycles = o->getNumber("cycles").value_or(0);
  r.bufferBytes = o->getInteger("buffer_bytes").value_or(0);
  r.pes = o->getInteger("pes").value_or(0);
  r.seconds = o->getNumber("seconds").value_or(0);
  if (const llvm::json::Value *a = o->get("arch"))
    r.arch = *a;
  if (const llvm::json::Array *nets = o->getArray("networks"))
    for (const llvm::json::Value &n : *nets) {
      const llvm::json::Object *no = n.getAsObject();
      if (!no || !no->getString("name"))
        return error("a row's network needs a name");
      r.networks.push_back({no->getString("name")->str(),
                            no->getNumber("energy_pj").value_or(0),
                            no->getNumber("cycles").value_or(0)});
    }
  if (r.status == "ok" && r.networks.empty())
    return error("an ok row needs its networks");
  return r;
}

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.12g", v);
  return buf;
}

/// A value of a varied key in a CSV cell: pairs as RxC.
std::string cell(const llvm::json::Value &v) {
  if (const llvm::json::Array *a = v.getAsArray()) {
    if (a->size() == 2 && (*a)[0].getAsInteger() && (*a)[1].getAsInteger())
      return std::to_string(*(*a)[0].getAsInteger()) + "x" +
             std::to_string(*(*a)[1].getAsInteger());
  }
  if (std::optional<int64_t> i = v.getAsInteger())
    return std::to_string(*i);
  if (std::optional<double> d = v.getAsNumber())
    return number(*d);
  if (std::optional<llvm::StringRef> s = v.getAsString())
    return s->str();
  std::string text;
  llvm::raw_string_ostream(text) << v;
  return text;
}

std::string csvQuote(llvm::StringRef s) {
  if (s.find_first_of(",\"\n") == llvm::StringRef::npos)
    return s.str();
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::string> variedKeys(const Sweep &sweep) {
  std::vector<std::string> keys;
  for (const SweepAxis &a : sweep.axes)
    keys.insert(keys.end(), a.keys.begin(), a.keys.end());
  return keys;
}

std::string xmlEscape(llvm::StringRef s) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::printHTMLEscaped(s, os);
  return out;
}

std::string describe(const PointRow &r) {
  std::string s = "point " + std::to_string(r.index);
  for (const auto &[k, v] : r.values)
    s += ", " + k.str() + " " + cell(v);
  return s;
}

} // namespace

void writeCsv(llvm::raw_ostream &os, const Sweep &sweep,
              llvm::ArrayRef<PointRow> rows) {
  std::vector<std::string> keys = variedKeys(sweep);
  os << "point";
  for (const std::string &k : keys)
    os << "," << k;
  os << ",status,energy_pj,cycles,buffer_bytes,pes,pareto";
  for (const SweepNetwork &n : sweep.networks)
    os << "," << csvQuote(n.name + ".energy_pj") << ","
       << csvQuote(n.name + ".cycles");
  os << ",error\n";
  for (const PointRow &r : rows) {
    os << r.index;
    for (const std::string &k : keys) {
      const llvm::json::Value *v = r.values.get(k);
      os << "," << (v ? csvQuote(cell(*v)) : "");
    }
    bool ok = r.status == "ok";
    bool valid = r.status != "invalid";
    os << "," << r.status << "," << (ok ? number(r.energyPj) : "") << ","
       << (ok ? number(r.cycles) : "") << ","
       << (valid ? std::to_string(r.bufferBytes) : "") << ","
       << (valid ? std::to_string(r.pes) : "") << "," << (r.pareto ? "1" : "0");
    for (const SweepNetwork &n : sweep.networks) {
      auto it = llvm::find_if(
          r.networks, [&](const NetworkRow &x) { return x.name == n.name; });
      if (it == r.networks.end())
        os << ",,";
      else
        os << "," << number(it->energyPj) << "," << number(it->cycles);
    }
    os << "," << csvQuote(r.error) << "\n";
  }
}

void writeJson(llvm::raw_ostream &os, const Sweep &sweep,
               llvm::ArrayRef<PointRow> rows) {
  llvm::json::Array points, front;
  int64_t ok = 0;
  for (const PointRow &r : rows) {
    points.push_back(rowToJson(r, /*journal=*/false));
    ok += r.status == "ok";
    if (r.pareto)
      front.push_back(int64_t(r.index));
  }
  llvm::json::Array nets;
  for (const SweepNetwork &n : sweep.networks)
    nets.push_back(llvm::json::Object{
        {"name", n.name}, {"batch", n.batch}, {"training", n.training}});
  llvm::json::Object o{{"points", int64_t(rows.size())},
                       {"ok", ok},
                       {"networks", std::move(nets)},
                       {"varied",
                        [&] {
                          llvm::json::Array a;
                          for (const std::string &k : variedKeys(sweep))
                            a.push_back(k);
                          return a;
                        }()},
                       {"pareto", std::move(front)},
                       {"rows", std::move(points)}};
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o))) << "\n";
}

void writeHtml(llvm::raw_ostream &os, const Sweep &sweep,
               llvm::ArrayRef<PointRow> rows, llvm::StringRef title) {
  std::vector<const PointRow *> ok;
  for (const PointRow &r : rows)
    if (r.status == "ok" && r.energyPj > 0 && r.cycles > 0)
      ok.push_back(&r);
  const int width = 760, height = 460, left = 90, right = 20, top = 20,
            bottom = 60;
  double e0 = 1, e1 = 10, c0 = 1, c1 = 10;
  if (!ok.empty()) {
    e0 = e1 = ok.front()->energyPj;
    c0 = c1 = ok.front()->cycles;
    for (const PointRow *r : ok) {
      e0 = std::min(e0, r->energyPj);
      e1 = std::max(e1, r->energyPj);
      c0 = std::min(c0, r->cycles);
      c1 = std::max(c1, r->cycles);
    }
  }
  // Log scales, a decade's margin when all points share a value.
  double le0 = std::floor(std::log10(e0) * 10) / 10,
         le1 = std::ceil(std::log10(e1) * 10) / 10;
  double lc0 = std::floor(std::log10(c0) * 10) / 10,
         lc1 = std::ceil(std::log10(c1) * 10) / 10;
  if (le1 - le0 < 0.2)
    le0 -= 0.1, le1 += 0.1;
  if (lc1 - lc0 < 0.2)
    lc0 -= 0.1, lc1 += 0.1;
  auto x = [&](double e) {
    return left +
           (std::log10(e) - le0) / (le1 - le0) * double(width - left - right);
  };
  auto y = [&](double c) {
    return double(height - bottom) -
           (std::log10(c) - lc0) / (lc1 - lc0) * double(height - top - bottom);
  };
  auto fmt = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", v);
    return std::string(buf);
  };

  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
     << xmlEscape(title) << "</title>\n<style>body{font-family:sans-serif;"
     << "margin:16px}circle.point{fill:#9aa5b1}circle.front{fill:#d1495b}"
     << "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
     << "padding:2px 6px;text-align:right}</style></head><body>\n";
  os << "<h1>" << xmlEscape(title) << "</h1>\n<p>" << rows.size() << " points, "
     << ok.size() << " scheduled, "
     << llvm::count_if(rows, [](const PointRow &r) { return r.pareto; })
     << " on the Pareto front of energy, cycles, buffer bytes and PEs "
     << "(red). Networks:";
  for (const SweepNetwork &n : sweep.networks)
    os << " " << xmlEscape(n.name) << " (batch " << n.batch
       << (n.training ? ", training" : "") << ")";
  os << ".</p>\n";
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
     << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
     << height << "\">\n";
  os << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height
     << "\" fill=\"white\"/>\n";
  os << "<g class=\"axes\" stroke=\"#333\"><line x1=\"" << left << "\" y1=\""
     << height - bottom << "\" x2=\"" << width - right << "\" y2=\""
     << height - bottom << "\"/><line x1=\"" << left << "\" y1=\"" << top
     << "\" x2=\"" << left << "\" y2=\"" << height - bottom << "\"/></g>\n";
  // Ticks at the decades and the ends.
  os << "<g class=\"ticks\" font-size=\"11\" fill=\"#333\">\n";
  std::set<double> xt{le0, le1}, yt{lc0, lc1};
  for (double d = std::ceil(le0); d <= le1; ++d)
    xt.insert(d);
  for (double d = std::ceil(lc0); d <= lc1; ++d)
    yt.insert(d);
  for (double d : xt)
    os << "<text x=\"" << fmt(x(std::pow(10, d))) << "\" y=\""
       << height - bottom + 16 << "\" text-anchor=\"middle\">"
       << llvm::format("%.3g", std::pow(10, d)) << "</text>\n";
  for (double d : yt)
    os << "<text x=\"" << left - 6 << "\" y=\"" << fmt(y(std::pow(10, d)) + 4)
       << "\" text-anchor=\"end\">" << llvm::format("%.3g", std::pow(10, d))
       << "</text>\n";
  os << "<text x=\"" << (left + width - right) / 2 << "\" y=\"" << height - 16
     << "\" text-anchor=\"middle\">energy (pJ)</text>\n";
  os << "<text x=\"16\" y=\"" << (top + height - bottom) / 2
     << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
     << (top + height - bottom) / 2 << ")\">cycles</text>\n</g>\n";
  os << "<g class=\"points\">\n";
  // The front last, on top.
  for (int pass = 0; pass < 2; ++pass)
    for (const PointRow *r : ok) {
      if (r->pareto != (pass == 1))
        continue;
      os << "<circle class=\"" << (r->pareto ? "front" : "point")
         << "\" data-point=\"" << r->index << "\" cx=\"" << fmt(x(r->energyPj))
         << "\" cy=\"" << fmt(y(r->cycles)) << "\" r=\"" << (r->pareto ? 4 : 3)
         << "\"><title>" << xmlEscape(describe(*r)) << ": "
         << number(r->energyPj) << " pJ, " << number(r->cycles) << " cycles, "
         << r->bufferBytes << " B, " << r->pes << " PEs</title></circle>\n";
    }
  os << "</g>\n</svg>\n";
  std::vector<std::string> keys = variedKeys(sweep);
  os << "<h2>The front</h2>\n<table><tr><th>point</th>";
  for (const std::string &k : keys)
    os << "<th>" << xmlEscape(k) << "</th>";
  os << "<th>energy (pJ)</th><th>cycles</th><th>buffer bytes</th>"
     << "<th>PEs</th></tr>\n";
  for (const PointRow &r : rows) {
    if (!r.pareto)
      continue;
    os << "<tr><td>" << r.index << "</td>";
    for (const std::string &k : keys) {
      const llvm::json::Value *v = r.values.get(k);
      os << "<td>" << (v ? xmlEscape(cell(*v)) : "") << "</td>";
    }
    os << "<td>" << number(r.energyPj) << "</td><td>" << number(r.cycles)
       << "</td><td>" << r.bufferBytes << "</td><td>" << r.pes
       << "</td></tr>\n";
  }
  os << "</table>\n</body></html>\n";
}

} // namespace mlir::kapla
