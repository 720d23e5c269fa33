# Shared by processes_test.sh and namespaces_test.sh: one run as separate
# processes (aggregator, two nodes, coordinator), compared file by file
# with the embedded run. Callers set:
#   orbitfl, work, scenario
#   agg_addr, n1_addr, n2_addr       where the services listen
#   in_agg, in_n1, in_n2, in_coord   command prefixes (arrays) that place
#                                    each process (empty: this host)
#   with_agg, with_n1, with_n2, with_coord   extra flags (arrays, optional)

pids=()
with_agg=() with_n1=() with_n2=() with_coord=()

# free_ports N: N TCP ports free on loopback now, on one line.
free_ports() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}
cleanup_processes() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}

# distributed NAME SETTINGS NODES
distributed() {
  local name=$1 settings=$2 nodes=$3
  local dir="${work}/${name}"
  mkdir -p "${dir}"
  "${in_agg[@]}" "${orbitfl}" aggregator --scenario="${scenario}" \
    --set="${settings}" --listen="${agg_addr}" "${with_agg[@]}" \
    >"${dir}/aggregator.log" 2>&1 &
  local started=($!)
  local n=1
  for addr in "${n1_addr}" "${n2_addr}"; do
    local -n in_node="in_n${n}" with_node="with_n${n}"
    "${in_node[@]}" "${orbitfl}" node --scenario="${scenario}" \
      --set="${settings}" --listen="${addr}" --aggregator="${agg_addr}" \
      --nodes="${nodes}" --threads=1 "${with_node[@]}" \
      >"${dir}/node-${n}.log" 2>&1 &
    started+=($!)
    n=$((n + 1))
  done
  pids+=("${started[@]}")
  "${in_coord[@]}" "${orbitfl}" coordinator --scenario="${scenario}" \
    --set="${settings}" --aggregator="${agg_addr}" --nodes="${nodes}" \
    --quiet --out="${dir}/run" "${with_coord[@]}" >"${dir}/coordinator.txt" || {
    echo "FAIL: ${name}: the coordinator failed; service logs:" >&2
    cat "${dir}"/*.log >&2
    exit 1
  }
  cat "${dir}/coordinator.txt"
  kill "${started[@]}" 2>/dev/null || true
  wait "${started[@]}" 2>/dev/null || true
  same_as_embedded "${name}" "${settings}" "${dir}"
}

# same_as_embedded NAME SETTINGS DIR: DIR/run equals an embedded run.
same_as_embedded() {
  local name=$1 settings=$2 dir=$3
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
