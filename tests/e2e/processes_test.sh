#!/bin/bash
# The same run as separate processes on loopback: `orbitfl aggregator`,
# two `orbitfl node` processes splitting the satellites, and `orbitfl
# coordinator`, all over TCP. Their run directory must equal the embedded
# run's byte for byte (metrics.csv, events.jsonl, updates.csv, ...). Two
# scenarios: the tiny one (4 satellites, 2 stations) and one plane of ten
# with ISLs and hierarchical aggregation, whose relays and model sharing
# cross from one node process to the other. A coordinator given an
# address where nothing listens fails with a message naming it.
#
# Usage (from Bazel): processes_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Four free TCP ports on loopback.
read -r p_agg p_n1 p_n2 p_none < <(/usr/bin/python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)

# distributed NAME SETTINGS NODES: aggregator, two nodes, coordinator.
distributed() {
  local name=$1 settings=$2 nodes=$3
  local dir="${work}/${name}"
  mkdir -p "${dir}"
  "${orbitfl}" aggregator --scenario="${scenario}" --set="${settings}" \
    --listen="127.0.0.1:${p_agg}" >"${dir}/aggregator.log" 2>&1 &
  local agg=$!
  pids+=("${agg}")
  local node_pids=()
  for port in "${p_n1}" "${p_n2}"; do
    "${orbitfl}" node --scenario="${scenario}" --set="${settings}" \
      --listen="127.0.0.1:${port}" --aggregator="127.0.0.1:${p_agg}" \
      --nodes="${nodes}" --threads=1 >"${dir}/node-${port}.log" 2>&1 &
    node_pids+=($!)
    pids+=($!)
  done
  "${orbitfl}" coordinator --scenario="${scenario}" --set="${settings}" \
    --aggregator="127.0.0.1:${p_agg}" --nodes="${nodes}" --quiet \
    --out="${dir}/run" >"${dir}/coordinator.txt"
  cat "${dir}/coordinator.txt"
  kill "${agg}" "${node_pids[@]}"
  wait "${agg}" "${node_pids[@]}" 2>/dev/null || true
  "${orbitfl}" run --scenario="${scenario}" --set="${settings}" --threads=1 \
    --quiet --out="${dir}/embedded" >/dev/null
  for f in contacts.csv metrics.csv events.jsonl updates.csv \
           participation.csv links.csv; do
    cmp "${dir}/run/${f}" "${dir}/embedded/${f}" || {
      echo "FAIL: ${name}: ${f} differs between the processes and the embedded run" >&2
      exit 1
    }
  done
  echo "${name}: every run file identical to the embedded run"
}

# One satellite named, the rest dealt round-robin ("A|B").
distributed tiny "duration_hours=8" \
  "sat-00-00=127.0.0.1:${p_n1},*=127.0.0.1:${p_n2}|127.0.0.1:${p_n1}"

plane='constellation.walker_delta.total=10;constellation.walker_delta.planes=1;constellation.walker_delta.phasing=0;link.isl.topology="same_plane";link.isl.rate_bps=20000;federation.strategy="hierarchical";duration_hours=8'
# Alternate satellites between the two nodes: every ISL hop crosses.
nodes=""
for i in 0 1 2 3 4 5 6 7 8 9; do
  port=$((i % 2 ? p_n2 : p_n1))
  nodes+="sat-00-0${i}=127.0.0.1:${port},"
done
distributed plane "${plane}" "${nodes%,}"
events="${work}/plane/run/events.jsonl"
for e in route merge; do
  grep -q "\"event\":\"${e}\"" "${events}" || {
    echo "FAIL: the plane run has no ${e} events" >&2
    exit 1
  }
done

# Nothing listens: a clear error within the connect timeout.
if "${orbitfl}" coordinator --scenario="${scenario}" \
    --aggregator="127.0.0.1:${p_none}" --nodes="*=127.0.0.1:${p_none}" \
    --connect-timeout=2 --quiet --out="${work}/none" 2>"${work}/none.err"; then
  echo "FAIL: a coordinator with no aggregator succeeded" >&2
  exit 1
fi
grep -q "the aggregator at 127.0.0.1:${p_none} did not answer" "${work}/none.err" || {
  echo "FAIL: unexpected error: $(cat "${work}/none.err")" >&2
  exit 1
}
echo "PASS"
