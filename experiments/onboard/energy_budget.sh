#!/usr/bin/env bash
# When the power budget binds: the demo (land cover, 24 h, ion_scv
# computer, 100 Wh battery, 20 W bus) with smaller solar arrays. Below
# about 48 W the array no longer covers bus and idle computer over an orbit
# (~63% sunlit), the battery drains, and satellites stop training at the
# 30% floor. Prints a Markdown table.
#   experiments/onboard/energy_budget.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "| solar array W | lowest state of charge | training steps | steps refused for charge | updates applied | best accuracy | final accuracy |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for solar in 60 45 40 35; do
  name=energy_${solar}w
  run "$name" --set="compute.solar_w=$solar"
  s=$OUT/$name/summary.json
  printf '| %s | %.0f%% | %s | %s | %s | %.1f%% | %.1f%% |\n' "$solar" \
    "$(echo "100 * $(field "$s" min_battery_soc)" | bc -l)" \
    "$(field "$s" training_steps)" "$(field "$s" power_deferrals)" \
    "$(field "$s" updates_applied)" \
    "$(echo "100 * $(field "$s" best_accuracy)" | bc -l)" \
    "$(echo "100 * $(field "$s" final_accuracy)" | bc -l)"
done
