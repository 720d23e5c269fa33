#!/bin/bash
# The same run across several "hosts": one network namespace each for the
# coordinator, the aggregator and two nodes, joined by veth pairs to a
# bridge in a fifth namespace, on a private 10.x subnet. Only these
# namespaces' own addresses are used. The run directory must equal the
# embedded run's byte for byte. Needs root and iproute2 (`ip netns`);
# elsewhere it says so and passes without running.
#
# Usage (from Bazel): namespaces_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$(readlink -f "$1")"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
source "$(dirname "$0")/distributed_lib.sh"

if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null ||
   ! ip netns add "orbitfl-probe-$$" 2>/dev/null; then
  echo "SKIPPED: network namespaces need root and iproute2 (ip netns); not available here"
  exit 0
fi
ip netns del "orbitfl-probe-$$"

tag="ofl$$"
hosts=(coord agg n1 n2)
subnet="10.$((200 + $$ % 50)).$((($$ / 50) % 250)).0"
prefix=${subnet%.0}
cleanup() {
  cleanup_processes
  for h in "${hosts[@]}" sw; do ip netns del "${tag}-${h}" 2>/dev/null || true; done
}
trap cleanup EXIT

ip netns add "${tag}-sw"
ip -n "${tag}-sw" link add br0 type bridge
ip -n "${tag}-sw" link set br0 up
i=10
for h in "${hosts[@]}"; do
  ns="${tag}-${h}"
  ip netns add "${ns}"
  ip -n "${ns}" link set lo up
  # veth: eth0 in the host, its peer on the switch's bridge.
  ip link add "${tag}${i}a" type veth peer name "${tag}${i}b"
  ip link set "${tag}${i}a" netns "${ns}"
  ip link set "${tag}${i}b" netns "${tag}-sw"
  ip -n "${ns}" link set "${tag}${i}a" name eth0
  ip -n "${ns}" addr add "${prefix}.${i}/24" dev eth0
  ip -n "${ns}" link set eth0 up
  ip -n "${tag}-sw" link set "${tag}${i}b" master br0
  ip -n "${tag}-sw" link set "${tag}${i}b" up
  eval "addr_${h}=${prefix}.${i}"
  i=$((i + 1))
done
# Each host sees only its own address and loopback.
ip -n "${tag}-coord" -4 -o addr show | grep -q "${addr_coord}/24"

agg_addr="${addr_agg}:7000" n1_addr="${addr_n1}:7001" n2_addr="${addr_n2}:7001"
in_agg=(ip netns exec "${tag}-agg")
in_n1=(ip netns exec "${tag}-n1")
in_n2=(ip netns exec "${tag}-n2")
in_coord=(ip netns exec "${tag}-coord")

distributed hosts "duration_hours=8" "*=${n1_addr}|${n2_addr}"
echo "PASS"
