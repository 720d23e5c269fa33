# Shared by the on-board experiments: an optimised orbitfl and a table row
# per run read from its summary.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=../bench/common.sh
source "$ROOT/experiments/bench/common.sh"
ORBITFL=$(orbitfl_opt)
OUT=${OUT:-$ROOT/runs/onboard}
mkdir -p "$OUT"

field() {  # field FILE KEY: a number or string from summary.json
  /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v)' "$1" "$2"
}

# run NAME ARGS...: runs the demo scenario with extra flags into $OUT/NAME
# (picking up a run of the same settings that stopped there).
run() {
  local name=$1
  shift
  "$ORBITFL" run --scenario=experiments/scenarios/demo.textproto \
    --out="$OUT/$name" --quiet --resume "$@" >/dev/null
}
