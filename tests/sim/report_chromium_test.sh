#!/bin/bash
# report.html in a real browser: renders the fixture comparison, loads it in
# headless Chromium, and fails on any console message (errors from the
# page's script) or when fewer plots than expected drew something (the page
# sets <body data-plots=N> after load). Leaves a 1400x2400 screenshot and
# the page in $TEST_UNDECLARED_OUTPUTS_DIR.
#
# Usage (from Bazel): report_chromium_test.sh RENDER_BINARY FIXTURE_DIR
set -euo pipefail

readonly EXPECTED_PLOTS=6
render="$1"
fixture="$2"

work="${TEST_TMPDIR:-$(mktemp -d)}"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}"
html="${out}/report.html"
"${render}" --fixture="${fixture}" --out="${html}"
exec tests/chromium_check.sh "${html}" "${EXPECTED_PLOTS}" "${out}"
