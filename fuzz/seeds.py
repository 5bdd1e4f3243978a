#!/usr/bin/env python3
"""Writes the seed corpora of kapla's fuzzers from the repository's tests.

    python3 fuzz/seeds.py OUT_DIR

OUT_DIR/attr: every `#kapla.<name><...>` attribute written in test/ and docs/
(balanced angle brackets); OUT_DIR/arch: the architecture files;
OUT_DIR/schedule: every small module of test/ (one per `// -----` chunk,
comment lines dropped, at most 6 kB); OUT_DIR/onnx: the ONNX models of
test/Inputs/onnx of at most 8 kB; OUT_DIR/sweep: the sweep files of test/
and benchmarks/, and the JSON blocks of docs/Explore.md.
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def attributes(text):
    i = 0
    while True:
        i = text.find("#kapla.", i)
        if i < 0:
            return
        j = text.find("<", i)
        if j < 0:
            return
        depth = 0
        for k in range(j, len(text)):
            if text[k] == "<":
                depth += 1
            elif text[k] == ">" and text[k - 1] != "-":
                depth -= 1
                if depth == 0:
                    yield text[i:k + 1]
                    break
        i = j


def main():
    out = pathlib.Path(sys.argv[1])
    for sub in ("attr", "arch", "schedule", "onnx", "sweep"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    sources = sorted(ROOT.glob("test/**/*.mlir")) + sorted(ROOT.glob("docs/*.md"))
    seen = set()
    for path in sources:
        for attr in attributes(path.read_text()):
            if attr not in seen and len(attr) < 4000:
                seen.add(attr)
                (out / "attr" / f"{len(seen):04d}").write_text(attr)
    archs = sorted(ROOT.glob("arch/*.json")) + sorted(ROOT.glob("benchmarks/arch/*.json"))
    for n, path in enumerate(archs):
        (out / "arch" / f"{n:04d}").write_text(path.read_text())
    count = 0
    for path in sorted(ROOT.glob("test/**/*.mlir")):
        if "Inputs/nets" in str(path):
            continue
        for chunk in path.read_text().split("// -----"):
            body = "\n".join(l for l in chunk.splitlines()
                             if not l.lstrip().startswith("//"))
            if body.strip() and len(body) <= 6000:
                count += 1
                (out / "schedule" / f"{count:04d}").write_text(body + "\n")
    models = [p for p in sorted(ROOT.glob("test/Inputs/onnx/*.onnx"))
              if p.stat().st_size <= 8192]
    for n, path in enumerate(models):
        (out / "onnx" / f"{n:04d}").write_bytes(path.read_bytes())
    sweeps = [p.read_text() for p in sorted(ROOT.glob("test/Explore/Inputs/*.json"))
              + sorted(ROOT.glob("benchmarks/sweeps/*.json"))]
    doc = (ROOT / "docs" / "Explore.md").read_text()
    sweeps += [b.split("```", 1)[0] for b in doc.split("```json\n")[1:]]
    for n, text in enumerate(sweeps):
        (out / "sweep" / f"{n:04d}").write_text(text)
    print(f"seeds: {len(seen)} attributes, {len(archs)} architectures, "
          f"{count} modules, {len(models)} ONNX models, {len(sweeps)} sweeps")


if __name__ == "__main__":
    main()
