#!/usr/bin/env bash
# Configures ./build-asan: AddressSanitizer and UndefinedBehaviorSanitizer,
# coverage of kapla's own code and the libFuzzer targets, so that
# scripts/test-sanitized.sh and scripts/fuzz.sh share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh libclang-rt-22-dev
cmake -G Ninja -S . -B build-asan \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DLLVM_USE_LINKER=lld \
  "-DLLVM_USE_SANITIZER=Address;Undefined" \
  -DLLVM_USE_SANITIZE_COVERAGE=ON -DKAPLA_BUILD_FUZZERS=ON > /dev/null
