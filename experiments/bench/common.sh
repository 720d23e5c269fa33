# Shared by the comparison scripts: packages, an optimised orbitfl, a clock.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/experiments/bench
cd "$ROOT"

need_debian() {  # need_debian PACKAGE...: installs the missing ones
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "[bench] installing Debian packages: ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
}

orbitfl_opt() {  # builds //sim:orbitfl with -c opt; prints its path
  ./orbitfl setup >&2  # installs the build's packages if missing
  bazel build -c opt //sim:orbitfl 2>/dev/null || bazel build -c opt //sim:orbitfl >&2
  echo "$(bazel info -c opt bazel-bin 2>/dev/null)/sim/orbitfl"
}

now_s() { date +%s.%N; }
