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
source "$(dirname "$0")/distributed_lib.sh"
trap cleanup_processes EXIT

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
agg_addr="127.0.0.1:${p_agg}" n1_addr="127.0.0.1:${p_n1}" n2_addr="127.0.0.1:${p_n2}"
in_agg=() in_n1=() in_n2=() in_coord=()

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
