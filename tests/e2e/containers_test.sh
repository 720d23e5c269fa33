#!/bin/bash
# The tiny scenario as a compose-like set of containers of the orbitfl
# image (deploy/build_image.sh): the aggregator, two nodes and the
# coordinator, each in its own container, on the host's network (no
# container network plugin is needed), the coordinator writing its run
# directory to a mounted folder. The run must equal the embedded run
# byte for byte. Skipped, saying so, where podman cannot run or the image
# was not built.
#
# Usage (from Bazel): containers_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$(readlink -f "$1")"
work="${TEST_TMPDIR:-$(mktemp -d)}"
scenario=experiments/scenarios/tiny.textproto
image=localhost/orbitfl:latest
source "$(dirname "$0")/distributed_lib.sh"

if ! command -v podman >/dev/null; then
  echo "SKIPPED: podman is not installed (deploy/build_image.sh installs it and builds ${image})"
  exit 0
fi
if ! podman image exists "${image}" 2>/dev/null; then
  echo "SKIPPED: the image ${image} is not built here (deploy/build_image.sh)"
  exit 0
fi

tag="orbitfl-test-$$"
containers=()
cleanup() {
  for c in "${containers[@]}"; do podman rm -f "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

read -r p_agg p_n1 p_n2 < <(free_ports 3)
settings="duration_hours=8"
nodes="*=127.0.0.1:${p_n1}|127.0.0.1:${p_n2}"
# start NAME ARGS...: one detached container of the image.
start() {
  local name="${tag}-$1"
  shift
  podman run -d --rm --runtime /usr/sbin/runc --network=host --name "${name}" \
    "${image}" "$@" --scenario="${scenario}" --set="${settings}" >/dev/null
  containers+=("${name}")
}
start aggregator aggregator --listen="127.0.0.1:${p_agg}"
start node-0 node --listen="127.0.0.1:${p_n1}" --aggregator="127.0.0.1:${p_agg}" \
  --nodes="${nodes}" --threads=1
start node-1 node --listen="127.0.0.1:${p_n2}" --aggregator="127.0.0.1:${p_agg}" \
  --nodes="${nodes}" --threads=1
mkdir -p "${work}/containers"
podman run --rm --runtime /usr/sbin/runc --network=host --name "${tag}-coordinator" \
  -v "${work}/containers:/runs" "${image}" coordinator --scenario="${scenario}" \
  --set="${settings}" --aggregator="127.0.0.1:${p_agg}" --nodes="${nodes}" \
  --quiet --out=/runs/run || {
  echo "FAIL: the coordinator container failed; logs:" >&2
  for c in "${containers[@]}"; do podman logs "$c" >&2 || true; done
  exit 1
}
same_as_embedded containers "${settings}" "${work}/containers"
echo "PASS"
