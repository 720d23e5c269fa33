#!/usr/bin/env bash
# One run as separate processes on this machine, over TCP on loopback: an
# aggregator, NODES node processes sharing the satellites round-robin, and
# the coordinator, which writes the run directory (the same files as
# `orbitfl run`). Extra flags (--set=..., --seed=N, --hours=H, --strategy=S)
# go to every process.
#
#   deploy/local.sh --scenario=FILE --out=DIR [--nodes=N] [scenario flags]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scenario="" out="" count=2 flags=()
for a in "$@"; do
  case "$a" in
    --scenario=*) scenario=${a#*=} ;;
    --out=*) out=${a#*=} ;;
    --nodes=*) count=${a#*=} ;;
    *) flags+=("$a") ;;
  esac
done
if [[ -z "$scenario" || -z "$out" || ! "$count" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: deploy/local.sh --scenario=FILE --out=DIR [--nodes=N] [scenario flags]" >&2
  exit 2
fi
./orbitfl setup
bazel build -c opt //sim:orbitfl >/dev/null 2>&1 || bazel build -c opt //sim:orbitfl
orbitfl=$(bazel info -c opt bazel-bin 2>/dev/null)/sim/orbitfl
ports=($(/usr/bin/python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' $((count + 1))))
# Every satellite, round-robin over the node processes.
nodes="*="
for ((n = 1; n <= count; n++)); do nodes+="127.0.0.1:${ports[$n]}|"; done
nodes=${nodes%|}
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$orbitfl" aggregator --scenario="$scenario" "${flags[@]}" \
  --listen="127.0.0.1:${ports[0]}" >"$out/aggregator.log" 2>&1 &
pids+=($!)
for ((n = 1; n <= count; n++)); do
  "$orbitfl" node --scenario="$scenario" "${flags[@]}" --listen="127.0.0.1:${ports[$n]}" \
    --aggregator="127.0.0.1:${ports[0]}" --nodes="$nodes" >"$out/node-$n.log" 2>&1 &
  pids+=($!)
done
# A service that stops at once (a bad flag, a busy port) is reported now,
# not after the coordinator's connect timeout.
sleep 1
for p in "${pids[@]}"; do
  if ! kill -0 "$p" 2>/dev/null; then
    echo "deploy/local.sh: a service exited at start; its log:" >&2
    cat "$out"/aggregator.log "$out"/node-*.log >&2
    exit 1
  fi
done
"$orbitfl" coordinator --scenario="$scenario" "${flags[@]}" \
  --aggregator="127.0.0.1:${ports[0]}" --nodes="$nodes" --out="$out/run"
