#!/bin/bash
# Loads an HTML page in headless Chromium and fails on any console message
# (errors from the page's script) or when fewer plots than expected drew
# something (report.html sets <body data-plots=N> after load). Leaves the
# browser log and a 1400x2400 screenshot (report.png) in OUT_DIR.
#
# Usage: chromium_check.sh PAGE.html EXPECTED_PLOTS OUT_DIR
set -euo pipefail

html="$1"
readonly EXPECTED_PLOTS="$2"
out="$3"

chromium=""
for candidate in chromium chromium-browser; do
  if command -v "${candidate}" >/dev/null 2>&1; then
    chromium="$(command -v "${candidate}")"
    break
  fi
done
if [[ -z "${chromium}" ]]; then
  echo "FAIL: chromium is not installed; this test needs a headless browser." >&2
  echo "      Install it with: apt-get install -y --no-install-recommends chromium" >&2
  echo "      (./orbitfl test installs it)" >&2
  exit 1
fi
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/chromium.XXXXXX")"
mkdir -p "${out}"

# Chromium wants a writable home and profile; /dev/shm may be small in
# containers.
export HOME="${work}/home"
mkdir -p "${HOME}"
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage
       --no-first-run --no-default-browser-check --hide-scrollbars
       --user-data-dir="${work}/profile")

# --virtual-time-budget lets the load handler run before the DOM is dumped.
"${chromium}" "${flags[@]}" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "file://${html}" \
    >"${work}/dom.html" 2>"${work}/chromium.log" || {
  echo "FAIL: chromium exited with an error:" >&2
  cat "${work}/chromium.log" >&2
  exit 1
}
cp "${work}/chromium.log" "${out}/chromium.log"

failed=0
if grep -E "CONSOLE|Uncaught" "${work}/chromium.log" >&2; then
  echo "FAIL: the page logged to the console (lines above)." >&2
  failed=1
fi

body="$(grep -o '<body[^>]*>' "${work}/dom.html" | head -n 1 || true)"
plots="$(sed -n 's/.*data-plots="\([0-9]*\)".*/\1/p' <<<"${body}")"
if [[ -z "${plots}" ]]; then
  echo "FAIL: <body> has no data-plots: the page's script did not run." >&2
  echo "      body: ${body}" >&2
  failed=1
elif (( plots < EXPECTED_PLOTS )); then
  echo "FAIL: ${plots} plots drew something, expected ${EXPECTED_PLOTS}." >&2
  echo "      body: ${body}" >&2
  failed=1
else
  echo "ok: ${plots} plots drawn (${body})"
fi

"${chromium}" "${flags[@]}" --window-size=1400,2400 \
    --screenshot="${out}/report.png" "file://${html}" \
    >/dev/null 2>"${work}/screenshot.log" || {
  echo "FAIL: the screenshot failed:" >&2
  cat "${work}/screenshot.log" >&2
  failed=1
}
if [[ ! -s "${out}/report.png" ]]; then
  echo "FAIL: no screenshot at ${out}/report.png" >&2
  failed=1
fi
exit "${failed}"
