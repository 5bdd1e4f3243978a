#!/usr/bin/env bash
# Builds kapla's libFuzzer targets in ./build-asan (AddressSanitizer,
# UndefinedBehaviorSanitizer, coverage of kapla's own code) and runs each
# for SECONDS (default 60) from a seed corpus written from test/, docs/ and
# arch/. Any crash, sanitizer report, hang (over 20 s on one input) or
# memory blow-up fails; the input is left in build-asan/fuzz/<target>/.
#   bash scripts/fuzz.sh [SECONDS [TARGET...]]
# Targets: attr (the #kapla.* attributes), arch (architecture files),
# schedule (import and scheduling of modules), onnx (ONNX import), sweep
# (kapla-explore's sweep files). The runs start from seed
# KAPLA_FUZZ_SEED (default 1), so a run of the same length on the same
# machine repeats itself; pick another seed for a new exploration.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(attr arch schedule onnx sweep)

bash scripts/configure-asan.sh
cmake --build build-asan -j "${KAPLA_JOBS:-2}" --target \
  $(printf 'kapla-fuzz-%s ' "${targets[@]}")

export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
work=build-asan/fuzz
rm -rf "$work/seeds"
python3 fuzz/seeds.py "$work/seeds"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus"
  echo "fuzz: $t for ${seconds} s"
  log="$work/$t/log"
  if ! build-asan/bin/kapla-fuzz-$t -max_total_time="$seconds" -timeout=20 \
      -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
      -seed="${KAPLA_FUZZ_SEED:-1}" \
      -artifact_prefix="$work/$t/" "$work/$t/corpus" "$work/seeds/$t" \
      > "$log" 2>&1; then
    status=1
    tail -n 40 "$log"
    echo "fuzz: $t FAILED (input in $work/$t/)"
  else
    grep -E "stat::number_of_executed_units|cov:" "$log" | tail -n 2
  fi
done
exit $status
