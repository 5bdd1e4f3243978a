#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on a bundled real
# network (torchvision ResNet-18, exported by torch-mlir): kapla-opt reads and
# verifies it, and prints what it read, op by op.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

net=${1:-test/Inputs/nets/nelli__resnet18.mlir}
echo "== kapla-opt $net"
build/bin/kapla-opt "$net" --print-op-stats -o /dev/null
