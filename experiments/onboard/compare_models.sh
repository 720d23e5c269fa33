#!/usr/bin/env bash
# The communication picture of on-board models: cloud detection on the demo
# constellation (12 satellites, 4 stations, 24 h) with the default CNN, a
# ResNet, and the flight-proven frozen encoder + 129-parameter head, and
# the CNN's deltas compressed. Prints a Markdown table.
#   experiments/onboard/compare_models.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "| model | delta codec | trainable parameters | MB up (updates) | updates | best accuracy | final accuracy | wall s |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for spec in small_cnn:fp32 small_cnn:int8 small_cnn:topk resnet:fp32 encoder_head:fp32; do
  model=${spec%%:*}
  codec=${spec##*:}
  name=cloud_${model}_${codec}
  run "$name" --task=cloud --model="$model" --delta-codec="$codec"
  s=$OUT/$name/summary.json
  printf '| %s | %s | %s | %.3f | %s | %.1f%% | %.1f%% | %.0f |\n' \
    "$model" "$codec" "$(field "$s" trainable_parameters)" \
    "$(echo "$(field "$s" bytes_up) / 1000000" | bc -l)" \
    "$(field "$s" updates_applied)" \
    "$(echo "100 * $(field "$s" best_accuracy)" | bc -l)" \
    "$(echo "100 * $(field "$s" final_accuracy)" | bc -l)" \
    "$(field "$s" wall_s)"
done
