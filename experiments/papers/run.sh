#!/usr/bin/env bash
# Published satellite-FL studies, reproduced on orbitfl's world (see each
# scenario file in experiments/scenarios/papers/ for the paper, its setup,
# its reported result and what differs here). Prints one Markdown table
# row per run: time to the scenario's target accuracy, final accuracy,
# bytes moved, mean staleness, idle time. Runs land in runs/papers/.
#
#   experiments/papers/run.sh fedisl|kim2025|kim2025-stations|fedspace [SCALE] [light]
#
# SCALE (default: the paper's size) replaces the constellation by a shell
# of that many satellites of the same pattern (e.g. 1000), which no other
# satellite-FL tool reaches. "light" trains 5 local steps instead of the
# scenario's (a quarter of the compute, the same schedule): at 1,000
# satellites a study then takes minutes per run instead of hours.
# STRATEGIES="a b" (environment) runs only those strategies of kim2025 or
# fedspace.
source "$(dirname "${BASH_SOURCE[0]}")/../onboard/common.sh"
OUT=$ROOT/runs/papers
mkdir -p "$OUT"
usage="usage: run.sh fedisl|kim2025|kim2025-stations|fedspace [SCALE] [light]"
study=${1:?$usage}
scale=${2:-}
light=${3:-}
if [[ -n "$light" && "$light" != light ]]; then
  echo "$usage (third argument: \"light\" or nothing, got \"$light\")" >&2
  exit 2
fi
scenario=experiments/scenarios/papers/${study%-stations}.textproto

# The shell scaled to SCALE satellites: same altitude and inclination,
# planes chosen so every plane keeps its pattern.
scaled() {
  [[ -n "$light" ]] && echo -n "training.local_steps=5;"
  [[ -z "$scale" ]] && return 0
  case "${study%-stations}" in
    fedisl) echo "constellation.walker_delta.total=$scale;constellation.walker_delta.planes=$((scale / 40 > 5 ? scale / 40 : 5))" ;;
    kim2025) echo "constellation.walker_star.total=$scale;constellation.walker_star.planes=$((scale / 10))" ;;
    # Planes of 12: 1000 becomes 83 planes, 996 satellites.
    fedspace) echo "constellation.walker_delta.total=$((scale / 12 * 12));constellation.walker_delta.planes=$((scale / 12))" ;;
  esac
}

header() {
  echo "| study | satellites | run | time to target (h) | final accuracy | MB up | MB down | mean staleness | idle | wall s |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
}

row() {  # row LABEL DIR
  local s=$2/summary.json
  /usr/bin/python3 - "$1" "$s" "$study" <<'PY'
import json, sys
label, path, study = sys.argv[1:4]
s = json.load(open(path))
ttt = s.get("time_to_target_h")
print("| %s | %d | %s | %s | %.1f%% | %.1f | %.1f | %.2f | %.0f%% | %.0f |" % (
    study, s["satellites"], label,
    "%.1f" % ttt if ttt is not None else "not reached (%.0f%%)" % (100 * s["target_accuracy"]),
    100 * s["final_accuracy"], s["bytes_up"] / 1e6, s["bytes_down"] / 1e6,
    s["mean_staleness"], 100 * s["idle_fraction"], s["wall_s"]))
PY
}

one() {  # one LABEL SETTINGS FLAGS...: SETTINGS go to --set with the scale's
  local label=$1 settings=$2
  shift 2
  local dir=$OUT/${study}${scale:+_$scale}${light:+_light}/${label// /_}
  # --resume: a run of the same settings that stopped there goes on.
  "$ORBITFL" run --scenario="$scenario" --out="$dir" --quiet --resume \
    --set="$(scaled);$settings" "$@" >/dev/null
  row "$label" "$dir"
}

header
case "$study" in
  fedisl)
    one "FedAvg, ground only" 'link.isl.topology="none"'
    one "FedAvg + intra-plane ISL relaying" ""
    one "hierarchical: updates merged in the plane on board" "" --strategy=hierarchical
    ;;
  kim2025)
    for strategy in ${STRATEGIES:-fedavg fedprox fedbuff}; do one "$strategy" "" --strategy="$strategy"; done
    ;;
  kim2025-stations)
    # FedAvg against the first N stations of the 13-station network.
    for n in 1 3 5 9 13; do
      head -n $((n + 1)) experiments/data/ground_stations_13.csv >"$OUT/stations_$n.csv"
      one "fedavg, $n stations" "" --strategy=fedavg --stations="$OUT/stations_$n.csv"
    done
    ;;
  fedspace)
    for strategy in ${STRATEGIES:-fedavg fedbuff fedspace}; do one "$strategy" "" --strategy="$strategy"; done
    ;;
  *)
    echo "unknown study \"$study\"" >&2
    exit 2
    ;;
esac
