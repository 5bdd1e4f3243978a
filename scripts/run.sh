#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: schedule a bundled
# real network (torchvision ResNet-18, exported by torch-mlir) at batch 64 on
# the default preset (multi-node-16x16) and print the schedule.
# Usage: scripts/run.sh [NETWORK.mlir [BATCH [ARCH [training]]]]
# (`training` schedules a whole training step instead of inference.)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

net=${1:-test/Inputs/nets/nelli__resnet18.mlir}
batch=${2:-64}
arch=${3:-multi-node-16x16}
extra=""
if [ "${4:-}" = training ]; then
  extra=" training=true"
fi
out=build/run
mkdir -p "$out"
echo "== kapla-opt $net --kapla-schedule=\"arch=$arch batch=$batch$extra report=$out/report.json\""
start=$(date +%s.%N)
build/bin/kapla-opt "$net" \
  --kapla-schedule="arch=$arch batch=$batch$extra report=$out/report.json" \
  -o "$out/scheduled.mlir"
end=$(date +%s.%N)
python3 scripts/summarize-report.py "$out/report.json"
echo "  solved in $(python3 -c "print(f'{$end - $start:.2f}')") s"
echo
# The schedule as loops: kapla-materialize at the batch the IR computes
# (docs/Materialization.md), the nest of the first layer.
echo "== its first layer as loops (kapla-materialize, scheduled at the exported batch)"
if build/bin/kapla-opt "$net" --kapla-schedule="arch=$arch$extra" \
    --kapla-materialize --kapla-verify-dataflow \
    -o "$out/materialized.mlir" 2> "$out/materialize.log"; then
  python3 scripts/show-nest.py "$out/materialized.mlir"
else
  echo "  not materialised: see $out/materialize.log"
fi
echo
echo "scheduled IR: $out/scheduled.mlir; report: $out/report.json;" \
  "materialised IR: $out/materialized.mlir"
