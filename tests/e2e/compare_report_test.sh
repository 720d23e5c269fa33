#!/bin/bash
# `orbitfl compare` end to end: two strategies on the tiny scenario through
# the real command line, then the comparison's report.html and one run's
# own report.html in headless Chromium (no console errors, every plot drawn).
#
# Usage (from Bazel): compare_report_test.sh ORBITFL_BINARY
set -euo pipefail

orbitfl="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}"

"${orbitfl}" compare --scenario=experiments/scenarios/tiny.textproto \
    --strategies=fedavg,fedasync --hours=8 --threads=2 --quiet \
    --out="${work}/compare" >"${work}/compare.txt"
cat "${work}/compare.txt"

for f in compare.csv report.html fedavg/report.html fedasync/report.html \
         fedavg/updates.csv fedasync/links.csv; do
  [[ -s "${work}/compare/${f}" ]] || { echo "FAIL: no ${f}" >&2; exit 1; }
done
# One row per strategy, in the order given.
rows="$(cut -d, -f1 "${work}/compare/compare.csv" | tail -n +2 | tr '\n' ' ')"
[[ "${rows}" == "fedavg fedasync " ]] || {
  echo "FAIL: compare.csv rows are '${rows}'" >&2
  exit 1
}
# Both strategies appear in the comparison page.
for s in fedavg fedasync; do
  grep -q ">${s}<" "${work}/compare/report.html" || {
    echo "FAIL: ${s} missing from report.html" >&2
    exit 1
  }
done

tests/chromium_check.sh "${work}/compare/report.html" 6 "${out}/compare"
tests/chromium_check.sh "${work}/compare/fedavg/report.html" 6 "${out}/fedavg"
