#!/bin/bash
# Faults in a distributed run on loopback. The aggregator and the nodes
# journal what they acknowledge (--journal) and are restarted on the same
# journal. The aggregator,
#  - crashed twice at chosen ticks (journaled, not yet applied or
#    answered): every run file equals the uninterrupted embedded run's,
#    so no acknowledged update was lost or applied twice;
#  - killed with SIGKILL at arbitrary moments: the run completes, and no
#    update is applied twice.
# The nodes, one killing itself with SIGKILL mid-upload, the other killed
# with SIGKILL from outside twice at arbitrary moments: the transfers
# resume, the run completes and every run file equals the embedded run's.
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

# coordinator DIR [FLAGS...]: this shell becomes the coordinator, its
# output in DIR/coordinator.txt.
coordinator() {
  local dir=$1
  shift
  exec "${orbitfl}" coordinator --aggregator="${agg_addr}" --nodes="${nodes}" \
    --quiet "$@" >"${dir}/coordinator.txt" 2>&1
}
run_coordinator() {  # the coordinator run once, writing DIR/run
  (coordinator "$1" --scenario="${scenario}" --set="${settings}" --out="$1/run")
}

# run_with NAME AGGREGATOR NODE1 NODE2 [COORDINATOR]: the aggregator and
# the two nodes each under a supervisor (a function given the journal and
# the log prefix, and for a node its port), and the coordinator (a
# function given the directory; default run_coordinator).
run_with() {
  local name=$1 run_coord=${5:-run_coordinator}
  local dir="${work}/${name}"
  mkdir -p "${dir}"
  "$2" "${dir}/journal" "${dir}/aggregator" &
  local sups=($!)
  "$3" "${p_n1}" "${dir}/node-1.journal" "${dir}/node-1" &
  sups+=($!)
  "$4" "${p_n2}" "${dir}/node-2.journal" "${dir}/node-2" &
  sups+=($!)
  pids+=("${sups[@]}")
  "${run_coord}" "${dir}" || {
    echo "FAIL: ${name}: the coordinator failed; logs:" >&2
    cat "${dir}/coordinator.txt" "${dir}"/*.log >&2
    exit 1
  }
  cat "${dir}/coordinator.txt"
  kill "${sups[@]}" 2>/dev/null || true
  for addr in "${agg_addr}" "127.0.0.1:${p_n1}" "127.0.0.1:${p_n2}"; do
    pkill -f -- "--listen=${addr}" 2>/dev/null || true
  done
  wait "${sups[@]}" 2>/dev/null || true
}

# The aggregator snapshots its state every 4 ticks: a restart restores the
# newest snapshot and replays the journal after it.
aggregator() {  # aggregator JOURNAL LOG [FLAGS...]: this shell becomes it
  local journal=$1 log=$2
  shift 2
  exec "${orbitfl}" aggregator --scenario="${scenario}" --set="${settings}" \
    --listen="${agg_addr}" --journal="${journal}" --snapshot-every-ticks=4 \
    "$@" >>"${log}.log" 2>&1
}

node() {  # node PORT JOURNAL LOG [FLAGS...]: this shell becomes it
  local port=$1 journal=$2 log=$3
  shift 3
  exec "${orbitfl}" node --scenario="${scenario}" --set="${settings}" \
    --listen="127.0.0.1:${port}" --aggregator="${agg_addr}" \
    --nodes="${nodes}" --threads=1 --journal="${journal}" "$@" >>"${log}.log" 2>&1
}

# kill_past PID FILE BYTES: SIGKILL PID once FILE has grown past BYTES (or
# PID has ended).
kill_past() {
  local pid=$1 file=$2 bytes=$3
  until [[ $(stat -c %s "${file}" 2>/dev/null || echo 0) -gt ${bytes} ]]; do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.02
  done
  kill -9 "${pid}" 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
}

# Crashes at the 6th and the 15th tick, then runs to the end.
crash_twice() {
  (aggregator "$1" "$2" --exit-after-ticks=6) || true
  (aggregator "$1" "$2" --exit-after-ticks=15) || true
  aggregator "$1" "$2"
}
run_with crashes crash_twice node node
grep -c "restored the snapshot of tick [0-9]*, replayed" \
  "${work}/crashes/aggregator.log" | grep -qx 2 || {
  echo "FAIL: the aggregator did not restart twice from its snapshot and journal" >&2
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
    kill_past $! "${journal}" "${bytes}"  # the subshell exec'd the aggregator
  done
  aggregator "${journal}" "${log}"
}
run_with sigkill kill_twice node node
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

# Node 1 kills itself with SIGKILL after its 45th update chunk (inside its
# second upload), node 2 is killed from outside once its journal passes
# 60 kB, then 150 kB; each is restarted on its journal.
kill_mid_upload() {
  (node "$1" "$2" "$3" --kill-after-upload-chunks=45) || true
  node "$1" "$2" "$3"
}
kill_node_twice() {
  local port=$1 journal=$2 log=$3
  for bytes in 60000 150000; do
    (node "${port}" "${journal}" "${log}") &
    kill_past $! "${journal}" "${bytes}"
  done
  node "${port}" "${journal}" "${log}"
}
run_with nodes aggregator kill_mid_upload kill_node_twice
grep -q "killing itself mid-upload" "${work}/nodes/node-1.log" || {
  echo "FAIL: node 1 did not kill itself mid-upload" >&2
  cat "${work}/nodes/node-1.log" >&2
  exit 1
}
for n in 1 2; do
  want=$((n == 1 ? 1 : 2))
  got=$(grep -c "replayed [1-9][0-9]* journaled calls" "${work}/nodes/node-${n}.log" || true)
  [[ ${got} -eq ${want} ]] || {
    echo "FAIL: node ${n} restarted from its journal ${got} times, expected ${want}" >&2
    cat "${work}/nodes/node-${n}.log" >&2
    exit 1
  }
done
grep -q "[1-9][0-9]* calls retried" "${work}/nodes/coordinator.txt" || {
  echo "FAIL: no call was retried: the nodes were not killed mid-run" >&2
  exit 1
}
same_as_embedded nodes "${settings}" "${work}/nodes"

# The coordinator killed with SIGKILL once its checkpoint passes 40 kB,
# resumed with --resume and killed again past 150 kB, then resumed to the
# end; the journaled services keep running.
kill_coordinator_twice() {
  local dir=$1
  (coordinator "${dir}" --scenario="${scenario}" --set="${settings}" \
    --out="${dir}/run") &
  kill_past $! "${dir}/run/checkpoint.log" 40000  # the subshell exec'd it
  (coordinator "${dir}" --resume="${dir}/run") &
  kill_past $! "${dir}/run/checkpoint.log" 150000
  (coordinator "${dir}" --resume="${dir}/run")
}
run_with coordinator aggregator node node kill_coordinator_twice
grep -q "resumed after [1-9][0-9]* answers" "${work}/coordinator/coordinator.txt" || {
  echo "FAIL: the coordinator did not resume from its checkpoint" >&2
  exit 1
}
same_as_embedded coordinator "${settings}" "${work}/coordinator"
echo "PASS"
