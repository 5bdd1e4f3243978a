//===- kapla-explore.cpp - Design-space sweeps ----------------------------===//
//
// Schedules every point of a sweep (docs/Explore.md) over its networks, in
// parallel, with progress on stderr. Each finished point is appended to a
// journal (OUT.jsonl), so a stopped run resumes where it stopped; when every
// point is done it writes OUT.csv, OUT.json and OUT.html with the Pareto
// front of energy, cycles and the area proxy. `--shard K/N` runs one
// deterministic slice (its journal only); `--merge` joins the journals of
// all slices into the same files an unsharded run writes.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/Explore/Sweep.h"
#include "Kapla/Hardware/ArchFile.h"
#include "Kapla/IR/KaplaDialect.h"
#include "Kapla/Import/OnnxImport.h"
#include "Kapla/Pipelines/Pipelines.h"
#include "Kapla/Solver/Scheduler.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorInferTypeOpInterfaceImpl.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>

using namespace mlir;
using namespace mlir::kapla;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("kapla-explore options");

cl::list<std::string> positional(cl::Positional, cl::OneOrMore,
                                 cl::desc("<sweep.json> [journals (--merge)]"),
                                 cl::cat(category));
cl::opt<std::string>
    outPrefix("o", cl::Required, cl::value_desc("prefix"),
              cl::desc("Write PREFIX.jsonl (the journal), and when every "
                       "point is done PREFIX.csv, PREFIX.json, PREFIX.html"),
              cl::cat(category));
cl::opt<std::string> shardText("shard", cl::init("1/1"), cl::value_desc("K/N"),
                               cl::desc("Run only slice K of N of the points"),
                               cl::cat(category));
cl::opt<bool> merge("merge",
                    cl::desc("Join the journals named after the sweep (one "
                             "per shard) into the final files"),
                    cl::cat(category));
cl::opt<unsigned> jobs("j", cl::init(0), cl::value_desc("N"),
                       cl::desc("Points scheduled at once (0: one per core)"),
                       cl::cat(category));
cl::opt<double> timeBudget(
    "time-budget", cl::init(0), cl::value_desc("seconds"),
    cl::desc("Start no point after this many seconds (0: no limit); run "
             "again to resume"),
    cl::cat(category));
enum class Progress { Auto, Never };
cl::opt<Progress> progressMode(
    "progress", cl::init(Progress::Auto), cl::desc("Progress on stderr"),
    cl::values(clEnumValN(Progress::Auto, "auto",
                          "A bar on a terminal, else a line every 10 s"),
               clEnumValN(Progress::Never, "never", "None")),
    cl::cat(category));

[[noreturn]] void fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "kapla-explore") << msg << "\n";
  std::exit(1);
}

/// What every point schedules: the layer graphs of one network (one per
/// network function).
struct LoadedNetwork {
  std::string name;
  std::vector<LayerGraph> graphs;
};

std::vector<LoadedNetwork> loadNetworks(const Sweep &sweep) {
  DialectRegistry registry;
  registry.insert<KaplaDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                  tensor::TensorDialect, tosa::TosaDialect>();
  func::registerInlinerExtension(registry);
  tensor::registerInferTypeOpInterfaceExternalModels(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  std::vector<LoadedNetwork> out;
  for (const SweepNetwork &n : sweep.networks) {
    std::string errorMessage;
    std::unique_ptr<llvm::MemoryBuffer> buf =
        openInputFile(n.file, &errorMessage);
    if (!buf)
      fail("network '" + n.name + "': " + errorMessage);
    llvm::SourceMgr sourceMgr;
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    OwningOpRef<ModuleOp> module;
    if (n.input == "onnx") {
      module = importOnnxModel(buf->getBuffer(), n.file, &context);
    } else {
      sourceMgr.AddNewSourceBuffer(std::move(buf), llvm::SMLoc());
      module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    }
    if (!module)
      fail("network '" + n.name + "': cannot read " + n.file);
    PassManager pm(&context);
    KaplaImportPipelineOptions opts;
    opts.input = n.input == "tosa" ? InputForm::Tosa : InputForm::Linalg;
    opts.batch = n.batch;
    opts.entry = n.entry;
    buildKaplaImportPipeline(pm, opts, /*requireLayers=*/true);
    if (n.training)
      pm.addPass(createKaplaBuildTrainingGraphPass());
    if (failed(pm.run(*module)))
      fail("network '" + n.name + "': the import failed");
    LoadedNetwork loaded{n.name, {}};
    module->walk([&](func::FuncOp f) {
      LayerGraphAnalysis lg(f);
      if (!lg.getGraph().layers.empty())
        loaded.graphs.push_back(lg.getGraph());
    });
    out.push_back(std::move(loaded));
  }
  return out;
}

/// The sweep file and every network file, hashed: a journal belongs to
/// one sweep of the same inputs.
std::string fingerprint(llvm::StringRef sweepPath, const Sweep &sweep) {
  std::string all;
  std::vector<std::string> paths = {sweepPath.str()};
  for (const SweepNetwork &n : sweep.networks)
    paths.push_back(n.file);
  for (const std::string &path : paths)
    if (auto buf = llvm::MemoryBuffer::getFile(path))
      all += (*buf)->getBuffer();
  return llvm::utohexstr(llvm::xxh3_64bits(llvm::arrayRefFromStringRef(all)),
                         /*LowerCase=*/true, /*Width=*/16);
}

PointRow schedulePoint(const Sweep &sweep,
                       const std::vector<LoadedNetwork> &networks,
                       uint64_t index) {
  auto start = std::chrono::steady_clock::now();
  PointRow row;
  row.index = index;
  row.values = sweep.values(index);
  llvm::Expected<ArchDesc> arch = sweep.arch(index);
  if (!arch) {
    row.status = "invalid";
    row.error = llvm::toString(arch.takeError());
    return row;
  }
  row.arch = archToJsonValue(*arch);
  std::tie(row.bufferBytes, row.pes) = areaProxy(*arch);
  SegmentSearchOptions opts;
  opts.maxSegmentLayers = int(sweep.schedule.maxSegmentLayers);
  opts.topK = int(sweep.schedule.topK);
  opts.solve.objective = sweep.schedule.objective == "delay" ? Objective::Delay
                         : sweep.schedule.objective == "edp"
                             ? Objective::EDP
                             : Objective::Energy;
  opts.solve.effort =
      sweep.schedule.effort == "quick" ? Effort::Quick : Effort::Full;
  for (const LoadedNetwork &n : networks) {
    NetworkRow nr{n.name, 0, 0};
    for (const LayerGraph &g : n.graphs) {
      // What a layer's user fixed (kapla.fix) must hold on this point.
      for (const LayerNode &l : g.layers)
        if (l.pins)
          if (llvm::Error err = checkPins(*arch, l.desc, *l.pins)) {
            row.status = "unschedulable";
            row.error = "network '" + n.name + "': the kapla.fix of layer '" +
                        l.name +
                        "' cannot hold: " + llvm::toString(std::move(err));
            row.networks.clear();
            return row;
          }
      LayerSolverOptions solverOpts;
      solverOpts.solve = opts.solve;
      LayerSolveCache cache(*arch, solverOpts);
      NetworkSchedule sched = scheduleNetwork(g, opts, cache);
      if (!sched.found) {
        row.status = "unschedulable";
        row.error = "no valid schedule for network '" + n.name + "'";
        LayerContext whole = LayerContext::wholeChip(*arch);
        for (const LayerNode &l : g.layers)
          if (!cache.solve(l.desc, whole).found) {
            row.error += ": layer '" + l.name + "', even alone on the chip: " +
                         explainNoSchedule(*arch, l.desc, whole);
            break;
          }
        row.networks.clear();
        return row;
      }
      CostRecord cost = scheduleCost(g, sched, cache);
      nr.energyPj += cost.energyPj();
      nr.cycles += cost.cycles;
    }
    row.energyPj += nr.energyPj;
    row.cycles += nr.cycles;
    row.networks.push_back(nr);
  }
  row.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return row;
}

std::string duration(double s) {
  if (!(s >= 0) || std::isinf(s))
    return "?";
  int64_t t = int64_t(std::lround(s));
  if (t >= 3600)
    return std::to_string(t / 3600) + "h" + std::to_string(t / 60 % 60) + "m";
  if (t >= 60)
    return std::to_string(t / 60) + "m" + std::to_string(t % 60) + "s";
  return std::to_string(t) + "s";
}

/// Progress on stderr: a bar redrawn on a terminal, else a line every 10 s.
class ProgressLine {
public:
  ProgressLine(uint64_t total, uint64_t already)
      : total(total), already(already),
        enabled(progressMode != Progress::Never),
        tty(llvm::sys::Process::StandardErrIsDisplayed()),
        start(std::chrono::steady_clock::now()), last(start) {}

  void update(uint64_t done, bool final = false) {
    if (!enabled)
      return;
    auto now = std::chrono::steady_clock::now();
    double since = std::chrono::duration<double>(now - last).count();
    if (!final && since < (tty ? 0.1 : 10.0))
      return;
    last = now;
    double elapsed = std::chrono::duration<double>(now - start).count();
    double rate = elapsed > 0 ? double(done) / elapsed : 0;
    uint64_t all = already + done;
    std::string line;
    llvm::raw_string_ostream os(line);
    if (tty) {
      const int width = 30;
      int filled = total ? int(width * all / total) : width;
      os << "[" << std::string(filled, '#') << std::string(width - filled, '.')
         << "] ";
    }
    os << all << "/" << total << " points, " << llvm::format("%.2f", rate)
       << " points/s, "
       << (done < total - already
               ? duration(rate > 0 ? double(total - all) / rate : -1) + " left"
               : duration(elapsed) + " in all");
    if (tty)
      llvm::errs() << "\r" << line << "\033[K" << (final ? "\n" : "");
    else
      llvm::errs() << "kapla-explore: " << line << "\n";
    llvm::errs().flush();
  }

private:
  uint64_t total, already;
  bool enabled, tty;
  std::chrono::steady_clock::time_point start, last;
};

/// Reads a journal: its header must name this sweep (and, when `shard` is
/// given, this shard). A last line cut short (a run stopped while writing)
/// is dropped.
std::vector<PointRow> readJournal(llvm::StringRef path, llvm::StringRef print,
                                  const std::optional<std::string> &shard,
                                  uint64_t points, bool &truncated) {
  truncated = false;
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    fail(path + ": " + buf.getError().message());
  llvm::SmallVector<llvm::StringRef> lines;
  (*buf)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
  std::vector<PointRow> rows;
  for (size_t i = 0; i < lines.size(); ++i) {
    llvm::Expected<llvm::json::Value> v = llvm::json::parse(lines[i]);
    if (!v) {
      llvm::consumeError(v.takeError());
      if (i + 1 == lines.size() && i > 0 &&
          !(*buf)->getBuffer().ends_with("\n")) {
        truncated = true;
        break;
      }
      fail(path + ":" + llvm::Twine(uint64_t(i + 1)) + ": not a JSON line");
    }
    if (i == 0) {
      const llvm::json::Object *h = v->getAsObject();
      if (!h || h->getString("sweep") != print ||
          h->getInteger("points") != int64_t(points))
        fail(path + ": a journal of another sweep (or of other network "
                    "files); remove it or choose another -o");
      if (shard && h->getString("shard") != *shard)
        fail(path + ": the journal of shard " +
             h->getString("shard").value_or("?") + ", not " + *shard);
      continue;
    }
    llvm::Expected<PointRow> r = rowFromJson(*v);
    if (!r)
      fail(path + ":" + llvm::Twine(uint64_t(i + 1)) + ": " +
           llvm::toString(r.takeError()));
    if (r->index >= points)
      fail(path + ":" + llvm::Twine(uint64_t(i + 1)) + ": point " +
           llvm::Twine(r->index) + " is not in the sweep");
    rows.push_back(std::move(*r));
  }
  return rows;
}

void writeFinal(const Sweep &sweep, std::vector<PointRow> rows,
                llvm::StringRef title) {
  llvm::sort(rows, [](const PointRow &a, const PointRow &b) {
    return a.index < b.index;
  });
  markPareto(rows);
  auto write = [&](llvm::StringRef ext, auto &&body) {
    std::string path = (outPrefix + ext).str();
    std::string errorMessage;
    auto file = openOutputFile(path, &errorMessage);
    if (!file)
      fail(errorMessage);
    body(file->os());
    file->keep();
  };
  write(".csv", [&](llvm::raw_ostream &os) { writeCsv(os, sweep, rows); });
  write(".json", [&](llvm::raw_ostream &os) { writeJson(os, sweep, rows); });
  write(".html",
        [&](llvm::raw_ostream &os) { writeHtml(os, sweep, rows, title); });
  int64_t ok = 0, invalid = 0, unschedulable = 0, front = 0;
  for (const PointRow &r : rows) {
    ok += r.status == "ok";
    invalid += r.status == "invalid";
    unschedulable += r.status == "unschedulable";
    front += r.pareto;
  }
  llvm::errs() << "kapla-explore: " << rows.size() << " points (" << ok
               << " scheduled, " << invalid << " invalid, " << unschedulable
               << " unschedulable), " << front << " on the Pareto front; wrote "
               << outPrefix << ".csv, " << outPrefix << ".json, " << outPrefix
               << ".html\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "kapla design-space sweeps: every architecture of a sweep file over "
      "its networks\n");
  const std::string sweepPath = positional.front();
  llvm::Expected<Sweep> loaded = loadSweepFile(sweepPath);
  if (!loaded)
    fail(llvm::toString(loaded.takeError()));
  const Sweep &sweep = *loaded;
  llvm::Expected<Shard> shard = parseShard(shardText);
  if (!shard)
    fail(llvm::toString(shard.takeError()));
  if (!(timeBudget >= 0) || std::isinf(timeBudget))
    fail("--time-budget must be a finite, non-negative number of seconds");
  // No output may overwrite an input (`-o sweep` next to sweep.json).
  for (llvm::StringRef ext : {".jsonl", ".csv", ".json", ".html"}) {
    std::string out = outPrefix + ext.str();
    std::vector<std::string> inputs = {sweepPath};
    for (const SweepNetwork &n : sweep.networks)
      inputs.push_back(n.file);
    for (const std::string &in : inputs)
      if (llvm::sys::fs::equivalent(out, in))
        fail("-o " + outPrefix + " would write " + out + ", which is an input");
  }
  const uint64_t points = sweep.numPoints();
  const std::string print = fingerprint(sweepPath, sweep);
  const std::string title = "kapla-explore: " + sweepPath;

  if (merge) {
    if (shardText != "1/1")
      fail("--merge joins the journals of all shards; --shard does not go "
           "with it");
    if (positional.size() < 2)
      fail("--merge needs the journals to join after the sweep file");
    std::map<uint64_t, PointRow> byIndex;
    for (size_t i = 1; i < positional.size(); ++i) {
      bool truncated = false;
      for (PointRow &r :
           readJournal(positional[i], print, std::nullopt, points, truncated)) {
        auto [it, inserted] = byIndex.try_emplace(r.index, r);
        if (!inserted && (it->second.status != r.status ||
                          it->second.energyPj != r.energyPj ||
                          it->second.cycles != r.cycles))
          fail("point " + llvm::Twine(r.index) +
               " has two different results in the journals");
      }
      if (truncated)
        fail(positional[i] + ": its last line is cut short (a stopped "
                             "shard): run that shard again to finish it");
    }
    for (uint64_t i = 0; i < points; ++i)
      if (!byIndex.count(i))
        fail("point " + llvm::Twine(i) + " of " + llvm::Twine(points) +
             " is in none of the journals: " +
             llvm::Twine(points - byIndex.size()) + " points are missing");
    std::vector<PointRow> rows;
    for (auto &[i, r] : byIndex)
      rows.push_back(std::move(r));
    writeFinal(sweep, std::move(rows), title);
    return 0;
  }
  if (positional.size() > 1)
    fail("journals are named only with --merge");

  std::vector<LoadedNetwork> networks = loadNetworks(sweep);
  const std::string shardName =
      std::to_string(shard->k) + "/" + std::to_string(shard->n);
  const std::string journalPath = outPrefix + ".jsonl";
  std::vector<PointRow> done;
  if (llvm::sys::fs::exists(journalPath)) {
    bool truncated = false;
    done = readJournal(journalPath, print, shardName, points, truncated);
    // Rewrite it without a line cut short, so appends start clean.
    std::string errorMessage;
    auto file = openOutputFile(journalPath, &errorMessage);
    if (!file)
      fail(errorMessage);
    file->os() << llvm::json::Value(
                      llvm::json::Object{{"sweep", print},
                                         {"points", int64_t(points)},
                                         {"shard", shardName}})
               << "\n";
    for (const PointRow &r : done)
      file->os() << rowToJson(r, /*journal=*/true) << "\n";
    file->keep();
  } else {
    std::error_code ec;
    llvm::raw_fd_ostream os(journalPath, ec);
    if (ec)
      fail(journalPath + ": " + ec.message());
    os << llvm::json::Value(llvm::json::Object{{"sweep", print},
                                               {"points", int64_t(points)},
                                               {"shard", shardName}})
       << "\n";
  }
  std::vector<bool> have(points, false);
  for (const PointRow &r : done)
    have[r.index] = true;
  std::vector<uint64_t> todo;
  uint64_t inShard = 0;
  for (uint64_t i = 0; i < points; ++i)
    if (shard->contains(i)) {
      ++inShard;
      if (!have[i])
        todo.push_back(i);
    }
  if (!done.empty())
    llvm::errs() << "kapla-explore: resuming " << journalPath << ": "
                 << inShard - todo.size() << " of " << inShard
                 << " points done\n";

  std::error_code ec;
  llvm::raw_fd_ostream journal(journalPath, ec, llvm::sys::fs::OF_Append);
  if (ec)
    fail(journalPath + ": " + ec.message());
  std::mutex lock;
  ProgressLine progress(inShard, inShard - todo.size());
  uint64_t finished = 0, skipped = 0;
  auto start = std::chrono::steady_clock::now();
  auto outOfTime = [&] {
    return timeBudget > 0 && std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                     .count() >= timeBudget;
  };
  {
    llvm::StdThreadPool pool(llvm::hardware_concurrency(jobs));
    for (uint64_t i : todo)
      pool.async([&, i] {
        if (outOfTime()) {
          std::lock_guard<std::mutex> g(lock);
          ++skipped;
          return;
        }
        PointRow row = schedulePoint(sweep, networks, i);
        std::string line;
        llvm::raw_string_ostream(line)
            << rowToJson(row, /*journal=*/true) << "\n";
        std::lock_guard<std::mutex> g(lock);
        journal << line;
        journal.flush();
        done.push_back(std::move(row));
        progress.update(++finished);
      });
    pool.wait();
  }
  progress.update(finished, /*final=*/true);
  if (skipped > 0) {
    llvm::errs() << "kapla-explore: --time-budget="
                 << llvm::format("%g", double(timeBudget))
                 << " s ended the run with " << skipped << " of " << inShard
                 << " points not scheduled; run the same command again to "
                    "resume from "
                 << journalPath << "\n";
    return 0;
  }
  if (shard->n > 1) {
    llvm::errs() << "kapla-explore: shard " << shardName << " done (" << inShard
                 << " points in " << journalPath
                 << "); join the shards' journals with --merge\n";
    return 0;
  }
  writeFinal(sweep, std::move(done), title);
  return 0;
}
