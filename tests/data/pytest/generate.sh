#!/usr/bin/env bash
# Regenerates the real pytest-family reports in this folder from the sample suite in ./suite.
# Usage: tests/data/pytest/generate.sh   (uses the repo's .venv; needs pytest-json-report,
# pytest-reportlog, pytest-rerunfailures, pytest-xdist and unittest-xml-reporting installed there)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
py="$here/../../../.venv/bin/python"
cd "$here/suite"
counter="$(mktemp -d)/counter"
export SAMPLE_COUNTER="$counter"

run() {  # run NAME PYTEST-ARGS...: writes the report(s) and NAME.summary.txt (pytest's final line)
  local name="$1"; shift
  rm -f "$counter"
  "$py" -m pytest -c sample.ini -q -rN --tb=short -p no:randomly "$@" . >"$here/$name.console.txt" 2>&1
  tail -n 1 "$here/$name.console.txt" | sed -e 's/^=* *//' -e 's/ *=*$//' -e 's/ in [0-9.]*s.*$//' >"$here/$name.summary.txt"
  rm -f "$here/$name.console.txt"
}

run xunit1 -o junit_family=xunit1 --junitxml="$here/xunit1.xml"
run xunit2 -o junit_family=xunit2 --junitxml="$here/xunit2.xml"
run xdist -o junit_family=xunit1 -n 2 --junitxml="$here/xdist.xml"
run reruns -o junit_family=xunit1 --reruns 2 --junitxml="$here/reruns.xml" \
  --json-report --json-report-file="$here/reruns.json" --report-log="$here/reruns.reportlog.jsonl"
run json --json-report --json-report-file="$here/pytest.json"
run reportlog --report-log="$here/reportlog.jsonl"

# unittest through unittest-xml-reporting: one real xmlrunner report.
rm -rf "$here/unittest_out"
"$py" -c 'import sys, unittest, xmlrunner
suite = unittest.defaultTestLoader.loadTestsFromName("sample_unittest")
result = xmlrunner.XMLTestRunner(output=sys.argv[1], verbosity=0).run(suite)
print(f"tests={result.testsRun} failures={len(result.failures)} errors={len(result.errors)} "
      f"skipped={len(result.skipped)} expectedFailures={len(result.expectedFailures)} "
      f"unexpectedSuccesses={len(result.unexpectedSuccesses)}")' "$here/unittest_out" \
  >"$here/unittest.summary.txt" 2>/dev/null
mv "$here"/unittest_out/*.xml "$here/unittest.xml"
rm -rf "$here/unittest_out" "$(dirname "$counter")"
# Timestamps, hostnames and absolute paths vary between runs; the tests do not depend on them.
