#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on a bundled real
# network (torchvision ResNet-18, exported by torch-mlir) at batch 64:
# kapla-import recognises its layers, and their graph is printed.
# Usage: scripts/run.sh [NETWORK.mlir [BATCH]]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

net=${1:-test/Inputs/nets/nelli__resnet18.mlir}
batch=${2:-64}
out=build/run
mkdir -p "$out"
echo "== kapla-opt $net --kapla-import=\"batch=$batch report=$out/report.json\""
build/bin/kapla-opt "$net" --kapla-import="batch=$batch report=$out/report.json" \
  -o "$out/imported.mlir"
python3 scripts/summarize-report.py "$out/report.json"
echo
echo "annotated IR: $out/imported.mlir; report: $out/report.json"
