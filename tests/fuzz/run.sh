#!/usr/bin/env bash
# Fuzzes the TLE parser, the scenario loader and the delta decoder with
# libFuzzer (clang and AddressSanitizer, built in an output base of their
# own so the gcc build's cache stays as it is), SECONDS each (default 30),
# from the seed corpus in tests/fuzz/corpus/. New inputs are kept in
# runs/fuzz/TARGET/ (so a later run starts where this one stopped); a
# crash leaves its reproducer in runs/fuzz/ and fails the run. One line
# per target: "fuzz TARGET: N runs in S s, OK" (or FAILED).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(tle scenario delta)
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "tests/fuzz/run.sh: SECONDS must be a whole number >= 1, got \"$seconds\"" >&2
  exit 2
fi
if ! command -v clang >/dev/null; then
  echo "tests/fuzz/run.sh: needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
# An output base per checkout (one belongs to one workspace).
base=${ORBITFL_FUZZ_OUTPUT_BASE:-$HOME/.cache/orbitfl-fuzz-bazel/$(echo "$ROOT" | md5sum | cut -c1-12)}
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_fuzzer"); done
log=$(mktemp)
if ! bazel --output_base="$base" build --config=fuzz "${labels[@]}" >"$log" 2>&1; then
  grep -vE "^(Loading|Analyzing|\[)|Cannot export local symbol" "$log" | tail -30 >&2
  rm -f "$log"
  echo "tests/fuzz/run.sh: the clang build failed" >&2
  exit 1
fi
rm -f "$log"
bin=$(bazel --output_base="$base" info --config=fuzz bazel-bin 2>/dev/null)
failed=0
for t in "${targets[@]}"; do
  corpus=$ROOT/runs/fuzz/$t
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  out=$(mktemp)
  "$bin/tests/fuzz/${t}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$ROOT/runs/fuzz/${t}-" "$corpus" >"$out" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
  if ((rc == 0)); then
    echo "fuzz $t: ${runs:-?} runs in $seconds s, OK"
  else
    failed=1
    echo "fuzz $t: FAILED after ${runs:-?} runs (exit $rc)"
    grep -E "Seed:|ERROR|SUMMARY|Test unit written|artifact" "$out" | head -10
  fi
  rm -f "$out"
done
bazel --output_base="$base" shutdown >/dev/null 2>&1 || true
exit "$failed"
