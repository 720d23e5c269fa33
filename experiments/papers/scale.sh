#!/usr/bin/env bash
# How wall time and peak memory grow with the constellation: the kim2025
# study (Walker star, 13 stations, FedAvg, 24 h) at 10, 100 and 1,000
# satellites (or the counts given), each run alone on every core. Local
# training is light here (5 steps, at most every 3 h) so that what grows
# with the constellation (contacts, transfers, tiles, the event loop)
# shows. Prints a Markdown table. Needs GNU time (Debian's `time` package).
#
#   experiments/papers/scale.sh [COUNT...]
source "$(dirname "${BASH_SOURCE[0]}")/../onboard/common.sh"
need_debian time
OUT=$ROOT/runs/papers/scale
mkdir -p "$OUT"
counts=("$@")
((${#counts[@]})) || counts=(10 100 1000)
echo "| satellites | contacts | trainings | wall s | training s | peak memory (GiB) | final accuracy |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for n in "${counts[@]}"; do
  planes=$((n / 10 > 0 ? n / 10 : 1))
  dir=$OUT/$n
  /usr/bin/time -v -o "$OUT/$n.time" "$ORBITFL" run \
    --scenario=experiments/scenarios/papers/kim2025.textproto --out="$dir" \
    --quiet --strategy=fedavg \
    --set="constellation.walker_star.total=$n;constellation.walker_star.planes=$planes;constellation.walker_star.phasing=$((planes > 1 ? 1 : 0));training.local_steps=5;training.min_retrain_interval_s=10800" >/dev/null
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/$n.time")
  /usr/bin/python3 - "$dir/summary.json" "$rss_kb" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("| %d | %d | %d | %.0f | %.0f | %.2f | %.1f%% |" % (
    s["satellites"], s["contacts"], s["training_steps"], s["wall_s"],
    s["train_wall_s"], int(sys.argv[2]) / 2**20, 100 * s["final_accuracy"]))
PY
done
