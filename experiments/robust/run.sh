#!/usr/bin/env bash
# Robust aggregation against one misbehaving satellite: the demo scenario
# (12 satellites, 4 stations, FedAvg, 24 h) with sat-00-00 sending its
# delta as it is, scaled 10x, or sign-flipped and scaled 4x
# (adversary.kind), aggregated by the plain mean or a defence
# (federation.robust: clipping to the median norm, coordinate-wise
# median, trimmed mean). Prints a Markdown table; runs land in runs/robust/.
#
#   experiments/robust/run.sh
OUT=${OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/runs/robust}
source "$(dirname "${BASH_SOURCE[0]}")/../onboard/common.sh"

attacks=(
  "honest|"
  "scaled 10x|adversary.satellites=\"sat-00-00\";adversary.kind=\"scale\";adversary.factor=10"
  "sign-flipped 4x|adversary.satellites=\"sat-00-00\";adversary.kind=\"sign_flip\";adversary.factor=4"
)
defences=(
  "mean (none)|"
  "clip to median norm|federation.robust.clip_to_median=true"
  "coordinate-wise median|federation.robust.rule=\"median\""
  "trimmed mean (34%)|federation.robust.rule=\"trimmed_mean\";federation.robust.trim_fraction=0.34"
)

echo "| sat-00-00 sends | aggregation | final accuracy | best accuracy | time to 60% (h) |"
echo "| --- | --- | --- | --- | --- |"
for a in "${attacks[@]}"; do
  for d in "${defences[@]}"; do
    name="${a%%|*}__${d%%|*}"
    name=${name//[^A-Za-z0-9_]/_}
    run "$name" --set="${a#*|};${d#*|}"
    dir=$OUT/$name
    /usr/bin/python3 - "$dir/summary.json" "${a%%|*}" "${d%%|*}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ttt = s.get("time_to_target_h")
print("| %s | %s | %.1f%% | %.1f%% | %s |" % (
    sys.argv[2], sys.argv[3], 100 * s["final_accuracy"],
    100 * s["best_accuracy"], "%.1f" % ttt if ttt is not None else "not reached"))
PY
  done
done
