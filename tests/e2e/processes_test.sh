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
# With mutual TLS the same run gives the same files; a coordinator
# without a certificate from the run's CA is never served, and a node
# presenting another node's certificate cannot upload for its own
# satellites.
#
# Usage (from Bazel): processes_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
make_certs="$(dirname "$0")/../../deploy/make_certs.sh"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
source "$(dirname "$0")/distributed_lib.sh"
trap cleanup_processes EXIT

read -r p_agg p_n1 p_n2 p_none < <(free_ports 4)
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

# Mutual TLS: every process presents a certificate from one CA; each
# node's names the satellites it hosts.
certs="${work}/certs"
"${make_certs}" "${certs}" aggregator coordinator n1=sat-00-00,sat-01-00 \
  n2=sat-00-01,sat-01-01 >/dev/null
tls_nodes="sat-00-00=${n1_addr},sat-01-00=${n1_addr},*=${n2_addr}"
with_agg=(--tls="${certs}") with_coord=(--tls="${certs}")
with_n1=(--tls="${certs}" --tls-name=n1) with_n2=(--tls="${certs}" --tls-name=n2)
distributed tls "duration_hours=8" "${tls_nodes}"

# start_services NODE1_CERT: aggregator and nodes over TLS, node 1 with
# the given certificate.
start_services() {
  "${orbitfl}" aggregator --scenario="${scenario}" --listen="${agg_addr}" \
    --tls="${certs}" >"${work}/agg2.log" 2>&1 &
  pids+=($!)
  "${orbitfl}" node --scenario="${scenario}" --listen="${n1_addr}" \
    --aggregator="${agg_addr}" --nodes="${tls_nodes}" --threads=1 \
    --tls="${certs}" --tls-name="$1" >"${work}/n1b.log" 2>&1 &
  pids+=($!)
  "${orbitfl}" node --scenario="${scenario}" --listen="${n2_addr}" \
    --aggregator="${agg_addr}" --nodes="${tls_nodes}" --threads=1 \
    --tls="${certs}" --tls-name=n2 >"${work}/n2b.log" 2>&1 &
  pids+=($!)
}
# expect_failure NAME PATTERN FLAGS...: the coordinator fails naming it.
expect_failure() {
  local name=$1 pattern=$2
  shift 2
  if "${orbitfl}" coordinator --scenario="${scenario}" --quiet \
      --set="duration_hours=8" --out="${work}/${name}" "$@" 2>"${work}/${name}.err"; then
    echo "FAIL: ${name}: the coordinator succeeded" >&2
    exit 1
  fi
  grep -q "${pattern}" "${work}/${name}.err" || {
    echo "FAIL: ${name}: unexpected error: $(cat "${work}/${name}.err")" >&2
    exit 1
  }
  echo "${name}: refused ($(grep -o "${pattern}" "${work}/${name}.err" | head -1))"
}
# Node 1 presents node 2's certificate: its uploads for sat-00-00 and
# sat-01-00 are refused.
start_services n2
expect_failure impostor 'does not name satellite "sat-0[01]-00"' \
  --aggregator="${agg_addr}" --nodes="${tls_nodes}" --tls="${certs}"
# A coordinator without a certificate is never served.
expect_failure no_cert 'did not answer' --aggregator="${agg_addr}" \
  --nodes="${tls_nodes}" --connect-timeout=3
# Nor with one from another CA.
"${make_certs}" "${work}/other" coordinator >/dev/null
expect_failure other_ca 'did not answer' --aggregator="${agg_addr}" \
  --nodes="${tls_nodes}" --connect-timeout=3 --tls="${work}/other"
cleanup_processes

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
