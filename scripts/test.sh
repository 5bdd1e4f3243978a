#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the lit suite
# (test/) and the GoogleTest unit tests (unittests/, run through lit).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

log=$(mktemp)
status=0
/usr/lib/llvm-22/bin/lit -sv build/test build/test/Unit 2>&1 | tee "$log" || status=$?
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
rm -f "$log"
echo "lit: ${passed:-0} passed, ${failed:-0} failed"
exit $status
