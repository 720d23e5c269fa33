#!/bin/bash
# Checkpoint and resume of an embedded run (sim/run_checkpoint.h): a run
# killed with SIGKILL mid-run, then killed again while resuming, and
# resumed with `orbitfl run --resume` writes every run file byte for byte
# as an uninterrupted run does. A completed run leaves no checkpoint;
# resuming where there is none, or with a flag that would change the
# scenario, is refused with a clear error. `orbitfl compare` killed and
# started again replays and resumes its runs into the same comparison.
#
# Usage (from Bazel): checkpoint_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
fail() { echo "FAIL: $*" >&2; exit 1; }

# kill_past PID FILE BYTES: SIGKILL PID once FILE has grown past BYTES.
kill_past() {
  local pid=$1 file=$2 bytes=$3
  until [[ $(stat -c %s "${file}" 2>/dev/null || echo 0) -gt ${bytes} ]]; do
    kill -0 "${pid}" 2>/dev/null || fail "the run ended before ${file} reached ${bytes} bytes"
    sleep 0.01
  done
  kill -9 "${pid}"
  wait "${pid}" 2>/dev/null || true
}

# killed_run DIR: a 24 h run into DIR, killed once its checkpoint holds
# some trainings.
killed_run() {
  "${orbitfl}" run --scenario="${scenario}" --hours=24 --threads=1 --quiet \
    --out="$1" >/dev/null 2>&1 &
  kill_past $! "$1/checkpoint.log" 60000
}

"${orbitfl}" run --scenario="${scenario}" --hours=24 --threads=1 --quiet \
  --out="${work}/whole" >/dev/null
[[ ! -e "${work}/whole/checkpoint.log" ]] ||
  fail "a completed run left its checkpoint"

dir="${work}/killed"
killed_run "${dir}"
[[ -s "${dir}/checkpoint.log" ]] || fail "the killed run left no checkpoint"
# Resumed, and killed again once it trains past what it replayed.
"${orbitfl}" run --resume="${dir}" --threads=1 --quiet >/dev/null 2>&1 &
kill_past $! "${dir}/checkpoint.log" 150000
"${orbitfl}" run --resume="${dir}" --threads=2 >"${work}/resumed.txt" 2>&1 || {
  cat "${work}/resumed.txt" >&2
  fail "the resume failed"
}
grep -qE "resumed at .*: [1-9][0-9]* trainings and [1-9][0-9]* evaluations replayed" \
  "${work}/resumed.txt" || {
  cat "${work}/resumed.txt" >&2
  fail "the resume replayed nothing"
}
for f in contacts.csv metrics.csv events.jsonl updates.csv participation.csv \
         links.csv; do
  cmp "${work}/whole/${f}" "${dir}/${f}" ||
    fail "${f} differs between the resumed and the uninterrupted run"
done
[[ ! -e "${dir}/checkpoint.log" && ! -e "${dir}/checkpoint.log.resuming" ]] ||
  fail "the resumed run left its checkpoint"
echo "killed twice and resumed: every run file identical to the uninterrupted run"

# A bare --resume (for scripts): the run --out names is resumed when it
# stopped with these very settings, else started afresh.
dir="${work}/picked-up"
killed_run "${dir}"
"${orbitfl}" run --scenario="${scenario}" --hours=12 --threads=1 --quiet \
  --out="${dir}" --resume >/dev/null 2>"${work}/afresh.txt"
grep -q "holds a checkpoint of other settings: starting afresh" "${work}/afresh.txt" ||
  fail "run --resume with other settings did not start afresh"
killed_run "${dir}"
"${orbitfl}" run --scenario="${scenario}" --hours=24 --threads=1 --quiet \
  --out="${dir}" --resume >/dev/null 2>"${work}/picked.txt"
grep -q "holds a checkpoint of this run: resuming it" "${work}/picked.txt" ||
  fail "run --resume did not resume the stopped run"
cmp "${work}/whole/metrics.csv" "${dir}/metrics.csv" ||
  fail "the run picked up with --resume differs from the uninterrupted run"
echo "a bare --resume picks up a stopped run of the same settings only"

# `orbitfl compare` killed in its second run and started again with the
# same flags: it replays the first from its kept checkpoint, resumes the
# second, and writes the same comparison (but for wall-clock seconds).
compare() {  # compare OUT: this shell becomes it
  exec "${orbitfl}" compare --scenario="${scenario}" --hours=12 --threads=1 \
    --quiet --strategies=fedavg,fedasync --out="$1"
}
(compare "${work}/compare-whole") >/dev/null 2>&1
(compare "${work}/compare") >/dev/null 2>&1 &
kill_past $! "${work}/compare/fedasync/checkpoint.log" 30000
(compare "${work}/compare") >/dev/null 2>"${work}/compare.txt" || {
  cat "${work}/compare.txt" >&2
  fail "the comparison did not complete when started again"
}
[[ $(grep -c "holds a checkpoint of this run: resuming it" "${work}/compare.txt") -eq 2 ]] || {
  cat "${work}/compare.txt" >&2
  fail "the comparison did not resume both runs"
}
cmp <(cut -d, -f1-11 "${work}/compare-whole/compare.csv") \
    <(cut -d, -f1-11 "${work}/compare/compare.csv") ||
  fail "compare.csv differs from the uninterrupted comparison's"
for s in fedavg fedasync; do
  for f in metrics.csv events.jsonl updates.csv; do
    cmp "${work}/compare-whole/${s}/${f}" "${work}/compare/${s}/${f}" ||
      fail "${s}/${f} differs from the uninterrupted comparison's"
  done
  [[ ! -e "${work}/compare/${s}/checkpoint.log" ]] ||
    fail "the comparison left ${s}/checkpoint.log"
done
echo "compare killed and started again: the same comparison"

# Refusals, each naming what is wrong.
expect_error() {
  local want=$1
  shift
  if "${orbitfl}" run "$@" >"${work}/err.txt" 2>&1; then
    fail "orbitfl run $* succeeded"
  fi
  grep -q -- "${want}" "${work}/err.txt" || {
    cat "${work}/err.txt" >&2
    fail "orbitfl run $*: expected an error saying \"${want}\""
  }
}
expect_error "holds no checkpoint" --resume="${work}/whole"
expect_error "drop --seed" --resume="${dir}" --seed=3
expect_error "expected on or off" --scenario="${scenario}" --out="${work}/x" \
  --checkpoint=maybe
echo "PASS"
