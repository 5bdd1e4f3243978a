#!/usr/bin/env bash
# Builds kapla with AddressSanitizer and UndefinedBehaviorSanitizer into
# ./build-asan (scripts/configure-asan.sh) and runs the lit suite (unit
# tests included) on that build.
# Any sanitizer report fails the test that triggered it. The install test is
# left out: the project it builds against the installed package is not
# instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/configure-asan.sh
cmake --build build-asan -j "${KAPLA_JOBS:-2}"

# Debian's LLVM libraries are not instrumented; their own poisoning of
# memory (MLIR's allocators) would confuse ASan.
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$(mktemp)
status=0
/usr/lib/llvm-22/bin/lit -sv --filter-out 'Integration/install' \
  build-asan/test build-asan/test/Unit 2>&1 | tee "$log" || status=$?
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
rm -f "$log"
echo "sanitized: ${passed:-0} passed, ${failed:-0} failed"
exit $status
