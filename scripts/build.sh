#!/usr/bin/env bash
# Configures (once) and builds kapla in ./build with clang-22 and lld.
# KAPLA_JOBS sets the parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld
fi
cmake --build build -j "${KAPLA_JOBS:-2}"
