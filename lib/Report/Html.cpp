//===- Html.cpp - The schedule as one self-contained HTML page ------------===//
//
// One page, SVG only (no scripts, nothing fetched): per network its totals
// against the lower bound, the node array of each segment with the region
// of each layer, the timeline of Timeline.h (a row per node region), the
// energy of each layer by component with its lower bound, and the GBUF
// occupancy of each layer's nodes while it runs.
//
//===----------------------------------------------------------------------===//

#include "Kapla/Analysis/CostModelAnalysis.h"
#include "Kapla/Analysis/LayerGraphAnalysis.h"
#include "Kapla/Report/Report.h"
#include "Timeline.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <string>

using namespace mlir;
using namespace mlir::kapla;

namespace {

// Layer colours (by position in the network, cycling) and energy
// components.
constexpr const char *kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                    "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                    "#9c755f", "#bab0ac"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

struct Component {
  const char *name, *colour;
  double EnergyBreakdown::*value;
};
constexpr Component kComponents[] = {
    {"MAC", "#4e79a7", &EnergyBreakdown::mac},
    {"REGF", "#76b7b2", &EnergyBreakdown::regf},
    {"bus", "#59a14f", &EnergyBreakdown::bus},
    {"GBUF", "#edc948", &EnergyBreakdown::gbuf},
    {"DRAM", "#e15759", &EnergyBreakdown::dram},
    {"NoC", "#b07aa1", &EnergyBreakdown::noc},
    {"static", "#bab0ac", &EnergyBreakdown::staticEnergy}};

std::string num(double v, const char *format = "%.4g") {
  char buf[48];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}
std::string px(double v) { return num(v, "%.1f"); }

std::string escaped(llvm::StringRef s) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::printHTMLEscaped(s, os);
  return out;
}

const char *colourOf(int layer) { return kPalette[layer % kPaletteSize]; }

class PageWriter {
public:
  explicit PageWriter(llvm::raw_ostream &os) : os(os) {}

  void network(const ReportNetwork &n) {
    const CostModelAnalysis &costs = *n.costs;
    const LayerGraph &g = n.graph->getGraph();
    Timeline t = buildTimeline(n);
    os << "<section class=\"network\" data-network=\"" << escaped(n.name)
       << "\">\n<h2>" << escaped(n.name) << "</h2>\n";
    totals(costs, g, t);
    segments(costs, g, t);
    timeline(costs, g, t);
    energies(costs, g);
    occupancy(costs, g, t);
    os << "</section>\n";
  }

private:
  void totals(const CostModelAnalysis &costs, const LayerGraph &g,
              const Timeline &t) {
    const CostRecord &c = costs.getTotal(), &lb = costs.getTotalLowerBound();
    os << "<table class=\"totals\"><tr><th></th><th>schedule</th>"
       << "<th>lower bound</th><th>schedule / bound</th></tr>\n"
       << "<tr><td>energy (pJ)</td><td>" << num(c.energyPj()) << "</td><td>"
       << num(lb.energyPj()) << "</td><td>"
       << (lb.energyPj() > 0 ? num(c.energyPj() / lb.energyPj(), "%.3f")
                             : std::string("-"))
       << "</td></tr>\n<tr><td>cycles</td><td>" << num(c.cycles) << "</td><td>"
       << num(lb.cycles) << "</td><td>"
       << (lb.cycles > 0 ? num(c.cycles / lb.cycles, "%.3f") : std::string("-"))
       << "</td></tr>\n</table>\n<p>" << g.layers.size() << " layers in "
       << t.segments.size() << " segments.</p>\n";
  }

  /// The node array of each segment, each layer's region drawn on it.
  void segments(const CostModelAnalysis &costs, const LayerGraph &g,
                const Timeline &t) {
    const ArchDesc &arch = costs.getArch();
    double cell = std::clamp(
        120.0 / double(std::max(arch.nodeRows, arch.nodeCols)), 4.0, 24.0);
    double w = cell * double(arch.nodeCols) + 2,
           h = cell * double(arch.nodeRows) + 2;
    os << "<h3>Node regions per segment</h3>\n<div class=\"segments\">\n";
    for (size_t i = 0; i < t.segments.size(); ++i) {
      const SegmentSlice &s = t.segments[i];
      os << "<figure><svg class=\"segment\" data-segment=\"" << i
         << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(w)
         << "\" height=\"" << px(h) << "\">\n";
      for (int64_t r = 0; r < arch.nodeRows; ++r)
        for (int64_t c = 0; c < arch.nodeCols; ++c)
          os << "<rect class=\"node\" x=\"" << px(1 + cell * double(c))
             << "\" y=\"" << px(1 + cell * double(r)) << "\" width=\""
             << px(cell) << "\" height=\"" << px(cell) << "\"/>\n";
      // Layers sharing a region (a temporal segment) split its drawing
      // into side-by-side columns, in order.
      std::vector<int> sharing(t.regions.size(), 0), drawn(t.regions.size(), 0);
      for (const LayerSlice &l : s.layers)
        ++sharing[l.track];
      for (const LayerSlice &l : s.layers) {
        const NodeRegion &r = t.regions[l.track];
        double width = cell * double(r.cols) / double(sharing[l.track]);
        os << "<rect class=\"region\" data-layer=\""
           << escaped(g.layers[l.layer].name) << "\" x=\""
           << px(1 + cell * double(r.col0) + width * drawn[l.track]++)
           << "\" y=\"" << px(1 + cell * double(r.row0)) << "\" width=\""
           << px(width) << "\" height=\"" << px(cell * double(r.rows))
           << "\" fill=\"" << colourOf(l.layer) << "\"><title>"
           << escaped(g.layers[l.layer].name) << ": " << regionName(r)
           << "</title></rect>\n";
      }
      os << "</svg><figcaption>segment " << i << " ("
         << stringifyPipelineKind(s.pipeline) << "): ";
      for (size_t k = 0; k < s.layers.size(); ++k)
        os << (k ? ", " : "") << escaped(g.layers[s.layers[k].layer].name);
      os << "</figcaption></figure>\n";
    }
    os << "</div>\n";
  }

  // The label column, the plot's width (the energy bars take less, to
  // leave room for their labels) and a row's height, in px.
  static constexpr double kLabel = 170, kPlot = 760, kBars = 620, kRow = 18;

  double x(const Timeline &t, double cycles) const {
    return kLabel + (t.cycles > 0 ? cycles / t.cycles : 0) * kPlot;
  }

  void axis(const Timeline &t, double y) {
    os << "<line class=\"axis\" x1=\"" << px(kLabel) << "\" y1=\"" << px(y)
       << "\" x2=\"" << px(kLabel + kPlot) << "\" y2=\"" << px(y) << "\"/>\n";
    for (int k = 0; k <= 4; ++k) {
      double c = t.cycles * k / 4;
      os << "<text class=\"tick\" x=\"" << px(x(t, c)) << "\" y=\""
         << px(y + 13) << "\" text-anchor=\"middle\">" << num(c, "%.3g")
         << "</text>\n";
    }
    os << "<text class=\"tick\" x=\"" << px(kLabel + kPlot / 2) << "\" y=\""
       << px(y + 27) << "\" text-anchor=\"middle\">cycles</text>\n";
  }

  /// A row per node region; each layer a bar while it runs.
  void timeline(const CostModelAnalysis &costs, const LayerGraph &g,
                const Timeline &t) {
    double h = kRow * double(t.regions.size() + 1) + 34;
    os << "<h3>Timeline</h3>\n<svg class=\"timeline\" "
          "xmlns=\"http://www.w3.org/2000/svg\" width=\""
       << px(kLabel + kPlot + 10) << "\" height=\"" << px(h) << "\">\n";
    // Segments as alternating bands over every row.
    for (size_t i = 0; i < t.segments.size(); ++i) {
      const SegmentSlice &s = t.segments[i];
      os << "<rect class=\"band" << (i % 2 ? " odd" : "") << "\" x=\""
         << px(x(t, s.begin)) << "\" y=\"0\" width=\""
         << px(std::max(x(t, s.begin + s.cycles) - x(t, s.begin), 0.5))
         << "\" height=\"" << px(kRow * double(t.regions.size() + 1))
         << "\"><title>segment " << i << " ("
         << stringifyPipelineKind(s.pipeline) << "): " << num(s.cycles)
         << " cycles, " << num(s.entry->cost.energyPj())
         << " pJ</title></rect>\n";
    }
    os << "<text class=\"label\" x=\"4\" y=\"" << px(kRow - 5)
       << "\">segments</text>\n";
    for (size_t r = 0; r < t.regions.size(); ++r)
      os << "<text class=\"label\" x=\"4\" y=\"" << px(kRow * double(r + 2) - 5)
         << "\">" << escaped(regionName(t.regions[r])) << "</text>\n";
    for (size_t i = 0; i < t.segments.size(); ++i) {
      const SegmentSlice &s = t.segments[i];
      for (const LayerSlice &l : s.layers) {
        const LayerNode &node = g.layers[l.layer];
        const LayerCost *c = costs.getLayerCost(l.layer);
        os << "<rect class=\"layer\" data-layer=\"" << escaped(node.name)
           << "\" x=\"" << px(x(t, l.begin)) << "\" y=\""
           << px(kRow * double(l.track + 1) + 2) << "\" width=\""
           << px(std::max(x(t, l.begin + l.span) - x(t, l.begin), 0.5))
           << "\" height=\"" << px(kRow - 4) << "\" fill=\""
           << colourOf(l.layer) << "\"><title>" << escaped(node.name) << " ("
           << reportNameOfLayerKind(node.desc.kind) << ", "
           << reportNameOfLayerPass(node.desc.pass) << "), segment " << i
           << ": " << num(l.cycles) << " cycles"
           << (l.groups > 1 ? " in " + std::to_string(l.groups) + " groups"
                            : std::string())
           << ", " << (c ? num(c->cost.energyPj()) : std::string("?"))
           << " pJ</title></rect>\n";
      }
    }
    axis(t, kRow * double(t.regions.size() + 1) + 2);
    os << "</svg>\n";
  }

  /// A bar per layer, split by component, with its lower bound marked.
  void energies(const CostModelAnalysis &costs, const LayerGraph &g) {
    double most = 0;
    for (size_t i = 0; i < g.layers.size(); ++i)
      if (const LayerCost *c = costs.getLayerCost(int(i)))
        most = std::max(most, c->cost.energyPj());
    double h = kRow * double(g.layers.size()) + 40;
    os << "<h3>Energy per layer</h3>\n<svg class=\"energy-chart\" "
          "xmlns=\"http://www.w3.org/2000/svg\" width=\""
       << px(kLabel + kPlot + 10) << "\" height=\"" << px(h) << "\">\n";
    double lx = kLabel;
    for (const Component &k : kComponents) {
      os << "<rect x=\"" << px(lx) << "\" y=\"4\" width=\"10\" "
         << "height=\"10\" fill=\"" << k.colour << "\"/><text class=\"tick\" "
         << "x=\"" << px(lx + 14) << "\" y=\"13\">" << k.name << "</text>\n";
      lx += 70;
    }
    os << "<line x1=\"" << px(lx) << "\" y1=\"3\" x2=\"" << px(lx)
       << "\" y2=\"15\" class=\"bound\"/><text class=\"tick\" x=\""
       << px(lx + 5) << "\" y=\"13\">lower bound</text>\n";
    for (size_t i = 0; i < g.layers.size(); ++i) {
      const LayerNode &node = g.layers[i];
      const LayerCost *c = costs.getLayerCost(int(i));
      double y = 24 + kRow * double(i);
      os << "<g class=\"energy\" data-layer=\"" << escaped(node.name)
         << "\"><text class=\"label\" x=\"4\" y=\"" << px(y + kRow - 6) << "\">"
         << escaped(node.name) << "</text>\n";
      if (c && most > 0) {
        double at = kLabel;
        for (const Component &k : kComponents) {
          double part = c->cost.energy.*(k.value) / most * kBars;
          if (part <= 0)
            continue;
          os << "<rect x=\"" << px(at) << "\" y=\"" << px(y + 2)
             << "\" width=\"" << px(part) << "\" height=\"" << px(kRow - 4)
             << "\" fill=\"" << k.colour << "\"><title>" << escaped(node.name)
             << " " << k.name << ": " << num(c->cost.energy.*(k.value))
             << " pJ</title></rect>\n";
          at += part;
        }
        double bound = costs.getLowerBound(int(i)).energyPj();
        double bx = kLabel + bound / most * kBars;
        os << "<line class=\"bound\" x1=\"" << px(bx) << "\" y1=\"" << px(y + 1)
           << "\" x2=\"" << px(bx) << "\" y2=\"" << px(y + kRow - 1)
           << "\"/>\n<text class=\"tick\" x=\"" << px(at + 4) << "\" y=\""
           << px(y + kRow - 6) << "\">" << num(c->cost.energyPj(), "%.3g")
           << " pJ"
           << (bound > 0
                   ? ", " + num(c->cost.energyPj() / bound, "%.2f") + "x bound"
                   : std::string())
           << "</text>\n";
      }
      os << "</g>\n";
    }
    os << "</svg>\n";
  }

  /// Per node region, while each layer runs: the share of a GBUF its own
  /// tiles take and the share forwarded data of its segment holds.
  void occupancy(const CostModelAnalysis &costs, const LayerGraph &g,
                 const Timeline &t) {
    const double row = 30;
    double words = double(costs.getArch().gbufWords());
    double h = row * double(t.regions.size()) + 34;
    os << "<h3>GBUF occupancy</h3>\n<p>Per node region, while each layer "
          "runs: its own tiles (solid) and data its segment forwards "
          "(light), as a share of one GBUF ("
       << costs.getArch().gbufBytes << " bytes).</p>\n"
       << "<svg class=\"occupancy-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
          "width=\""
       << px(kLabel + kPlot + 10) << "\" height=\"" << px(h) << "\">\n";
    for (size_t r = 0; r < t.regions.size(); ++r) {
      double y = row * double(r);
      os << "<text class=\"label\" x=\"4\" y=\"" << px(y + row - 8) << "\">"
         << escaped(regionName(t.regions[r])) << "</text><line class=\"full\" "
         << "x1=\"" << px(kLabel) << "\" y1=\"" << px(y + 2) << "\" x2=\""
         << px(kLabel + kPlot) << "\" y2=\"" << px(y + 2) << "\"/>\n";
    }
    for (const SegmentSlice &s : t.segments)
      for (const LayerSlice &l : s.layers) {
        const LayerCost *c = costs.getLayerCost(l.layer);
        if (!c || !(words > 0))
          continue;
        double own = double(c->gbufWordsUsed) / words;
        double held = double(costs.getContext(l.layer).gbufReserved) / words;
        double bottom = row * double(l.track + 1);
        double x0 = x(t, l.begin),
               w = std::max(x(t, l.begin + l.span) - x0, 0.5);
        double hOwn = std::min(own, 1.0) * (row - 2);
        double hHeld = std::min(held, std::max(1.0 - own, 0.0)) * (row - 2);
        os << "<g class=\"occupancy\" data-layer=\""
           << escaped(g.layers[l.layer].name) << "\" data-own-words=\""
           << c->gbufWordsUsed << "\" data-held-words=\""
           << costs.getContext(l.layer).gbufReserved << "\"><title>"
           << escaped(g.layers[l.layer].name) << ": " << num(own * 100, "%.1f")
           << "% own tiles, " << num(held * 100, "%.1f")
           << "% forwarded data</title>"
           << "<rect x=\"" << px(x0) << "\" y=\"" << px(bottom - hOwn)
           << "\" width=\"" << px(w) << "\" height=\"" << px(hOwn)
           << "\" fill=\"" << colourOf(l.layer) << "\"/>";
        if (hHeld > 0)
          os << "<rect x=\"" << px(x0) << "\" y=\"" << px(bottom - hOwn - hHeld)
             << "\" width=\"" << px(w) << "\" height=\"" << px(hHeld)
             << "\" fill=\"" << colourOf(l.layer)
             << "\" fill-opacity=\"0.35\"/>";
        os << "</g>\n";
      }
    axis(t, row * double(t.regions.size()) + 2);
    os << "</svg>\n";
  }

  llvm::raw_ostream &os;
};

} // namespace

LogicalResult mlir::kapla::writeScheduleHtml(ModuleOp module, StringRef path,
                                             ArrayRef<ReportNetwork> networks) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return module.emitError()
           << "cannot write the HTML page to '" << path << "': " << error;
  llvm::raw_ostream &os = file->os();
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
     << "<title>kapla schedule</title>\n<style>"
     << "body{font-family:sans-serif;margin:16px;color:#222}"
     << "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
     << "padding:2px 8px;text-align:right}"
     << ".segments{display:flex;flex-wrap:wrap;gap:8px}"
     << "figure{margin:0;max-width:220px;font-size:11px}"
     << "rect.node{fill:#f4f4f4;stroke:#ccc;stroke-width:0.5}"
     << "rect.region{stroke:#222;stroke-width:0.5}"
     << "rect.band{fill:#fafafa}rect.band.odd{fill:#eef1f5}"
     << "rect.layer{stroke:#222;stroke-width:0.3}"
     << "line.axis,line.full{stroke:#999;stroke-width:0.5}"
     << "line.bound{stroke:#000;stroke-width:1.5}"
     << "text.label,text.tick{font-size:10px;fill:#333}"
     << "</style></head><body>\n<h1>kapla schedule</h1>\n";
  bool first = true;
  for (const ReportNetwork &n : networks) {
    if (!n.costs)
      continue;
    if (first) {
      const ArchDesc &a = n.costs->getArch();
      os << "<p>Architecture " << escaped(a.name) << ": " << a.nodeRows << "x"
         << a.nodeCols << " nodes of " << a.peRows << "x" << a.peCols << " "
         << stringifyPETemplate(a.peTemplate) << " PEs, " << a.regfBytes
         << " B REGF, " << a.gbufBytes << " B GBUF, " << a.wordBits
         << "-bit words, " << num(a.freqMHz) << " MHz.</p>\n";
      first = false;
    }
    PageWriter(os).network(n);
  }
  os << "</body></html>\n";
  file->keep();
  return success();
}
