#!/bin/bash
# Faults in a distributed run on loopback. The aggregator journals what it
# acknowledges (--journal) and is restarted on the same journal:
#  - crashed twice at chosen ticks (journaled, not yet applied or
#    answered): every run file equals the uninterrupted embedded run's,
#    so no acknowledged update was lost or applied twice;
#  - killed with SIGKILL at arbitrary moments: the run completes, and no
#    update is applied twice.
# The coordinator waits for the restarted aggregator (virtual time stands
# still meanwhile).
#
# Usage (from Bazel): faults_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
source "$(dirname "$0")/distributed_lib.sh"
trap cleanup_processes EXIT

read -r p_agg p_n1 p_n2 < <(free_ports 3)
agg_addr="127.0.0.1:${p_agg}"
nodes="*=127.0.0.1:${p_n1}|127.0.0.1:${p_n2}"
settings="duration_hours=10"

# run_with NAME SUPERVISOR: nodes, the aggregator under SUPERVISOR (a
# function given the journal and log prefix), and the coordinator.
run_with() {
  local name=$1 supervisor=$2
  local dir="${work}/${name}"
  mkdir -p "${dir}"
  "${supervisor}" "${dir}/journal" "${dir}/aggregator" &
  local sup=$!
  pids+=("${sup}")
  local started=()
  for port in "${p_n1}" "${p_n2}"; do
    "${orbitfl}" node --scenario="${scenario}" --set="${settings}" \
      --listen="127.0.0.1:${port}" --aggregator="${agg_addr}" \
      --nodes="${nodes}" --threads=1 >"${dir}/node-${port}.log" 2>&1 &
    started+=($!)
  done
  pids+=("${started[@]}")
  "${orbitfl}" coordinator --scenario="${scenario}" --set="${settings}" \
    --aggregator="${agg_addr}" --nodes="${nodes}" --quiet \
    --out="${dir}/run" >"${dir}/coordinator.txt" || {
    echo "FAIL: ${name}: the coordinator failed; logs:" >&2
    cat "${dir}"/*.log >&2
    exit 1
  }
  cat "${dir}/coordinator.txt"
  kill "${started[@]}" "${sup}" 2>/dev/null || true
  pkill -f -- "--listen=${agg_addr}" 2>/dev/null || true
  wait "${started[@]}" "${sup}" 2>/dev/null || true
}

aggregator() {  # aggregator JOURNAL LOG [FLAGS...]: this shell becomes it
  local journal=$1 log=$2
  shift 2
  exec "${orbitfl}" aggregator --scenario="${scenario}" --set="${settings}" \
    --listen="${agg_addr}" --journal="${journal}" "$@" >>"${log}.log" 2>&1
}

# Crashes at the 6th and the 15th tick, then runs to the end.
crash_twice() {
  (aggregator "$1" "$2" --exit-after-ticks=6) || true
  (aggregator "$1" "$2" --exit-after-ticks=15) || true
  aggregator "$1" "$2"
}
run_with crashes crash_twice
grep -c "replayed" "${work}/crashes/aggregator.log" | grep -qx 2 || {
  echo "FAIL: the aggregator did not restart twice from its journal" >&2
  cat "${work}/crashes/aggregator.log" >&2
  exit 1
}
same_as_embedded crashes "${settings}" "${work}/crashes"

# SIGKILL twice mid-run (once the journal has grown past 40 kB, then past
# 120 kB), whatever the aggregator is doing then.
kill_twice() {
  local journal=$1 log=$2
  for bytes in 40000 120000; do
    (aggregator "${journal}" "${log}") &
    local a=$!  # the aggregator itself (the subshell exec'd it)
    until [[ $(stat -c %s "${journal}" 2>/dev/null || echo 0) -gt ${bytes} ]]; do
      kill -0 "${a}" 2>/dev/null || break
      sleep 0.02
    done
    kill -9 "${a}" 2>/dev/null || true
    wait "${a}" 2>/dev/null || true
  done
  aggregator "${journal}" "${log}"
}
run_with sigkill kill_twice
grep -q "[1-9][0-9]* calls retried" "${work}/sigkill/coordinator.txt" || {
  echo "FAIL: the aggregator was not killed mid-run" >&2
  exit 1
}
# No update applied twice: (satellite, base version) pairs are unique
# among the applied updates (FedAvg applies each once per round).
dups=$(tail -n +2 "${work}/sigkill/run/updates.csv" | cut -d, -f2,3 | sort | uniq -d)
[[ -z "${dups}" ]] || { echo "FAIL: updates applied twice: ${dups}" >&2; exit 1; }
[[ $(wc -l <"${work}/sigkill/run/metrics.csv") -gt 2 ]] || {
  echo "FAIL: the killed run published no model" >&2
  exit 1
}
echo "sigkill: the run completed, no update applied twice"
echo "PASS"
