#!/usr/bin/env bash
# Rebuild examples/reports from the example project: six runs of its real pytest suite.
# Needs pytest and pytest-rerunfailures (pip install -e '.[test]'). The reports are committed,
# so the demo does not run this.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
out="$here/reports"
rm -rf "$out" && mkdir -p "$out"
flaky_dir="$(mktemp -d)"
cd "$here/shop"
for run in 1 2 3 4 5 6; do
  # Runs 2 and 4 have a flaky test: pytest's report-log keeps every attempt (JUnit XML does not say
  # which attempt failed), so those two runs are written as report-logs, the others as JUnit XML.
  if [ "$run" = 2 ] || [ "$run" = 4 ]; then report=(--report-log="$out/run-$run.jsonl")
  else report=(--junitxml="$out/run-$run.xml"); fi
  RUN_NO=$run FLAKY_DIR="$flaky_dir" "$python" -m pytest -q --rootdir . --reruns 1 "${report[@]}" tests || true
done
rm -rf "$flaky_dir"
