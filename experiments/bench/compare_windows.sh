#!/usr/bin/env bash
# Ground windows, orbitfl against Skyfield (Debian python3-skyfield), side by
# side on the same TLEs and stations in one run:
#
#   experiments/bench/compare_windows.sh [SATELLITES] [SKYFIELD_SATELLITES]
#
# Defaults: the 2025 satellite-FL study's shell (Walker star 100/10/1,
# 506.4 km, 90 deg) over its 13 stations (0 deg mask) for one day.
# Skyfield runs find_events on the first SKYFIELD_SATELLITES (default 20)
# satellites; both are compared per satellite-station-day, and Skyfield's
# edges (bisected on its exact altaz) are matched against orbitfl's.
# orbitfl's search is timed by orbitfl itself (best of 5 runs: it takes
# tens of milliseconds, so scheduling noise is large), on one thread and on
# every core (the windows are the same either way).
source "$(dirname "$0")/common.sh"
SATS=${1:-100}
SKY_SATS=${2:-20}
need_debian python3-skyfield bc
BIN=$(orbitfl_opt)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STATIONS=experiments/data/ground_stations_13.csv
"$BIN" constellation --walker="$SATS/10/1" --pattern=star --altitude-km=506.4 \
  --inclination-deg=90 > "$WORK/shell.tle" 2>/dev/null
START=2026-03-20T00:00:00Z
STOP=2026-03-21T00:00:00Z

run_contacts() {  # run_contacts THREADS: the search's best seconds of 5 runs
  local best="" t i
  for i in 1 2 3 4 5; do
    "$BIN" contacts --threads="$1" --tle="$WORK/shell.tle" --stations=$STATIONS \
      --start=$START --stop=$STOP > "$WORK/contacts.csv" 2> "$WORK/log"
    t=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$WORK/log" | head -1)
    if [[ -z $best ]] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
  done
  cat "$WORK/log" >&2
  echo "$best"
}
cores=$(nproc)
all_s=$(run_contacts "$cores")
one_s=$(run_contacts 1)
/usr/bin/python3 "$BENCH/windows_skyfield.py" "$WORK/shell.tle" $STATIONS $START $STOP \
  "$WORK/contacts.csv" "$(echo "$one_s / $SATS * $SKY_SATS" | bc -l)" "$SKY_SATS" |
  sed 's/^orbitfl contacts: /orbitfl, 1 thread:    /; s/^ratio (skyfield \/ orbitfl)/ratio, 1 thread/'
echo "orbitfl, $cores threads:  $(echo "1000 * $all_s / ($SATS * 13)" | bc -l | xargs printf %.4f) ms per satellite-station-day ($(echo "$one_s / $all_s" | bc -l | xargs printf %.1f)x the single thread)"
