#!/usr/bin/env bash
# SGP4 throughput, orbitfl against satellite.js (npm), side by side on the
# same TLEs and time grid in one run:
#
#   experiments/bench/compare_sgp4.sh [SATELLITES] [HOURS] [STEP_S]
#
# Defaults: a 1,000-satellite Walker shell, 24 h, 60 s steps (1.44 M
# states). Both sides report the sum of x+y+z over all states, which must
# agree. Each side times its own propagation loop (orbitfl's process also
# spends about a second loading LibTorch, which the orbit commands do not
# use; that is printed too).
source "$(dirname "$0")/common.sh"
SATS=${1:-1000}
command -v bc >/dev/null || need_debian bc
HOURS=${2:-24}
STEP=${3:-60}
command -v node >/dev/null && command -v npm >/dev/null || need_debian nodejs npm
NPM_DIR=$BENCH/.npm
if [[ ! -d $NPM_DIR/node_modules/satellite.js ]]; then
  echo "[bench] installing satellite.js from npm into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent satellite.js@7 >&2)
fi
BIN=$(orbitfl_opt)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$BIN" constellation --walker="$SATS/$((SATS / 50 > 0 ? SATS / 50 : 1))/1" \
  --altitude-km=550 --inclination-deg=53 > "$WORK/shell.tle" 2>/dev/null
START=2026-03-20T00:00:00Z
STOP=$(date -u -d "2026-03-20 00:00:00 UTC + $HOURS hours" +%Y-%m-%dT%H:%M:%SZ)

t0=$(now_s)
ours=$("$BIN" propagate --tle="$WORK/shell.tle" --start=$START --stop="$STOP" --step="$STEP" --checksum 2> "$WORK/log")
t1=$(now_s)
process_s=$(echo "$t1 - $t0" | bc -l)
ours_s=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$WORK/log")
cp "$BENCH/sgp4_satellitejs.mjs" "$NPM_DIR/"
theirs=$(node "$NPM_DIR/sgp4_satellitejs.mjs" "$WORK/shell.tle" $START "$STOP" "$STEP")

states=${ours#states=}; states=${states%% *}
theirs_s=${theirs##*seconds=}
echo "grid: $SATS satellites, $HOURS h at $STEP s"
echo "orbitfl:      $ours  seconds=$(printf %.4f "$ours_s") (whole process $(printf %.2f "$process_s") s)  ($(echo "$states / $ours_s / 1000000" | bc -l | xargs printf %.2f) M states/s)"
echo "satellite.js: $theirs  ($(echo "$states / $theirs_s / 1000000" | bc -l | xargs printf %.2f) M states/s)"
echo "ratio (orbitfl / satellite.js throughput): $(echo "$theirs_s / $ours_s" | bc -l | xargs printf %.1f)x"
