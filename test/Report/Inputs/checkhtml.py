#!/usr/bin/env python3
"""Checks the HTML page of kapla-estimate-cost{html=...} against the report
of the same run.

Usage: checkhtml.py PAGE REPORT [SCREENSHOT.png]

The page must be self-contained (no scripts, no address but the SVG
namespace) and hold, per network: one node-array drawing per segment whose
region rectangles are its layers, each at the layer's region of the report
(cells of the drawn size; layers sharing a region split it into columns,
in order); one timeline bar per layer, where the layers of
a `none` or `temporal` segment follow one another from the segment's start,
each as long as its cycles, over a plot of the network's cycles; one energy
row per layer whose component bars add up to its energy against the
largest; one GBUF-occupancy mark per layer whose own words are the sum of
the layer's GBUF tiles in its directives (each tensor's size product over
its sharing, rounded up). With a screenshot (a PNG, as headless Chromium
writes it), the page must not be blank: at least 2% of its pixels not white
and at least 6 of the layer colours present. Prints a summary and the
errors.
"""
import html.parser
import json
import math
import re
import struct
import sys
import zlib

LABEL, PLOT, BARS = 170.0, 760.0, 620.0
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []  # open elements: (tag, attrs)
        self.networks = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        cls = set((a.get("class") or "").split())
        if tag == "section" and "network" in cls:
            self.networks.append({"name": a["data-network"], "segments": [],
                                  "layers": [], "energy": [],
                                  "occupancy": []})
        net = self.networks[-1] if self.networks else None
        if tag == "svg" and "segment" in cls:
            net["segments"].append([])
        elif tag == "rect" and "region" in cls:
            net["segments"][-1].append(a)
        elif tag == "rect" and "layer" in cls:
            net["layers"].append(a)
        elif tag == "g" and "energy" in cls:
            net["energy"].append({"name": a["data-layer"], "bars": []})
        elif tag == "rect" and self.stack and self.stack[-1][0] == "g" and \
                "energy" in self.stack[-1][1]:
            net["energy"][-1]["bars"].append(float(a["width"]))
        elif tag == "g" and "occupancy" in cls:
            net["occupancy"].append(a)
        if tag not in ("line", "meta", "br"):
            self.stack.append((tag, cls))

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass


def own_words(directives):
    """The GBUF words of a layer's tiles, from its directives' text."""
    gbuf = directives[directives.index("gbuf = "):]
    total = 0
    for sizes, shr in re.findall(
            r"#kapla.tensor<\w+, size = \[([^\]]*)\](?:, shr = (\d+))?>", gbuf):
        words = 1
        for amount in re.findall(r"= (\d+)", sizes):
            words *= int(amount)
        total += -(-words // int(shr or 1))
    return total


def png_pixels(path):
    """The RGB(A) rows of a non-interlaced 8-bit PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(
                ">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    report = json.load(open(sys.argv[2], encoding="utf-8"))
    errors = []
    page = Page()
    page.feed(text)
    if page.scripts:
        errors.append("the page has scripts")
    for url in re.findall(r"https?://[^\"' )]+", text):
        if url != "http://www.w3.org/2000/svg":
            errors.append(f"the page refers to {url}")
    arch = report["arch"]
    rows, cols = arch["nodes"]
    cell = min(max(120.0 / max(rows, cols), 4.0), 24.0)
    layers = {l["name"]: l for l in report["layers"]}
    counts = {"segments": 0, "layers": 0, "bars": 0, "occupancy": 0}
    for net in page.networks:
        name = net["name"]
        segs = [s for s in report["segments"] if s["function"] == name]
        mine = [l for l in report["layers"] if l["function"] == name]
        total = sum(s["cycles"] for s in segs)
        if len(net["segments"]) != len(segs):
            errors.append(f"{name}: {len(net['segments'])} segment drawings, "
                          f"{len(segs)} segments")
        for drawn, seg in zip(net["segments"], segs):
            if [r["data-layer"] for r in drawn] != seg["layers"]:
                errors.append(f"{name}: segment {seg['index']} draws "
                              f"{[r['data-layer'] for r in drawn]}")
            # Layers sharing a region split it into columns, in order.
            sharing, drawn_on = {}, {}
            for r in drawn:
                reg = tuple(layers[r["data-layer"]]["region"])
                sharing[reg] = sharing.get(reg, 0) + 1
            for r in drawn:
                reg = tuple(layers[r["data-layer"]]["region"])
                row0, col0, nr, nc = reg
                k = drawn_on.get(reg, 0)
                drawn_on[reg] = k + 1
                w = cell * nc / sharing[reg]
                want = (1 + cell * col0 + k * w, 1 + cell * row0, w, cell * nr)
                got = tuple(float(r[k]) for k in ("x", "y", "width", "height"))
                if any(abs(a - b) > 0.06 for a, b in zip(want, got)):
                    errors.append(f"{name}: {r['data-layer']} drawn at {got}, "
                                  f"its region is at {want}")
            counts["segments"] += 1
        bars = {r["data-layer"]: r for r in net["layers"]}
        if sorted(bars) != sorted(l["name"] for l in mine) or \
                len(net["layers"]) != len(mine):
            errors.append(f"{name}: timeline bars {len(net['layers'])} for "
                          f"{len(mine)} layers")
        start = 0.0
        for seg in segs:
            at = start
            for lname in seg["layers"]:
                l, bar = layers[lname], bars.get(lname)
                if bar is None:
                    continue
                counts["layers"] += 1
                if seg["pipeline"] == "spatial":
                    continue  # groups wait for producers (checktrace.py)
                x = LABEL + at / total * PLOT
                w = max(l["cycles"] / total * PLOT, 0.5)
                if abs(float(bar["x"]) - x) > 0.06 or \
                        abs(float(bar["width"]) - w) > 0.06:
                    errors.append(f"{name}: {lname} at x {bar['x']} width "
                                  f"{bar['width']}, should be {x:.1f} {w:.1f}")
                at += l["cycles"]
            start += seg["cycles"]
        most = max(l["energy_pj"] for l in mine)
        if len(net["energy"]) != len(mine):
            errors.append(f"{name}: {len(net['energy'])} energy rows")
        for row in net["energy"]:
            want = layers[row["name"]]["energy_pj"] / most * BARS
            if abs(sum(row["bars"]) - want) > 0.06 * max(len(row["bars"]), 1):
                errors.append(f"{name}: {row['name']} bars add up to "
                              f"{sum(row['bars']):.1f}, not {want:.1f}")
            counts["bars"] += 1
        if len(net["occupancy"]) != len(mine):
            errors.append(f"{name}: {len(net['occupancy'])} occupancy marks")
        for mark in net["occupancy"]:
            l = layers[mark["data-layer"]]
            if l["kind"] != "ELTWISE" and \
                    int(mark["data-own-words"]) != own_words(l["directives"]):
                errors.append(f"{name}: {l['name']} holds "
                              f"{mark['data-own-words']} words, its tiles "
                              f"{own_words(l['directives'])}")
            counts["occupancy"] += 1
    if len(page.networks) != len(report["networks"]):
        errors.append(f"{len(page.networks)} networks drawn")
    if len(sys.argv) > 3:
        width, height, channels, pix = png_pixels(sys.argv[3])
        busy, colours = 0, set()
        want = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in PALETTE}
        for line in pix:
            for i in range(0, len(line), channels):
                rgb = tuple(line[i:i + 3])
                if rgb != (255, 255, 255):
                    busy += 1
                if rgb in want:
                    colours.add(rgb)
        share = busy / (width * height)
        if share < 0.02 or len(colours) < 6:
            errors.append(f"the screenshot is nearly blank: {share:.1%} of "
                          f"it drawn, {len(colours)} layer colours")
        print(f"screenshot {width}x{height}: {share:.0%} drawn, "
              f"{len(colours)} layer colours")
    print(f"{counts['segments']} segment drawings, {counts['layers']} "
          f"timeline bars, {counts['bars']} energy rows, "
          f"{counts['occupancy']} occupancy marks; {len(errors)} errors")
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
