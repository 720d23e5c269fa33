#!/usr/bin/env bash
# What single-event upsets in on-board memory do to the global model: the
# demo (land cover, 24 h) at accelerated upset rates, with the model held
# unprotected or scrubbed against per-tensor CRC32C before every training
# step. Prints a Markdown table.
#   experiments/onboard/radiation_upsets.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "| upsets per bit per day | protection | bits flipped | tensors repaired | updates applied | best accuracy | final accuracy |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for rate in 0 1e-5 3e-5 1e-4; do
  for protection in none checksum; do
    [[ $rate == 0 && $protection == checksum ]] && continue
    name=seu_${rate}_${protection}
    run "$name" --set="radiation.upsets_per_bit_per_day=$rate;radiation.protection=\"$protection\""
    s=$OUT/$name/summary.json
    flips=$(field "$s" upsets)
    repaired=$(field "$s" tensors_repaired)
    printf '| %s | %s | %s | %s | %s | %.1f%% | %.1f%% |\n' "$rate" "$protection" \
      "$flips" "$repaired" "$(field "$s" updates_applied)" \
      "$(echo "100 * $(field "$s" best_accuracy)" | bc -l)" \
      "$(echo "100 * $(field "$s" final_accuracy)" | bc -l)"
  done
done
