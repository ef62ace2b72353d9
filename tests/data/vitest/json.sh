#!/usr/bin/env bash
# Rebuilds report.json and json.summary.txt with `vitest run --reporter=json` (Vitest 3.2.7 on Node 20):
# the JUnit sample's suites (src/) plus json-src/ (a suite that fails to run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/vitest-json}
mkdir -p "$work/test"
rm -f "$work"/test/*.test.js
cp "$here"/src/*.test.js "$here"/json-src/*.test.js "$work/test/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund vitest@3.2.7 >/dev/null
rm -f report.json
# One run writes both the console summary and the file; exit 1 is expected.
NO_COLOR=1 npx vitest run --reporter=default --reporter=json --outputFile.json=report.json >console.txt 2>&1 || true
# The file holds absolute paths of this work folder: make them relative so the fixture is stable.
sed "s#$work/##g" report.json | python3 -m json.tool --indent 1 >"$here/report.json"
grep -E '^ +(Test Files|Tests) ' console.txt >"$here/json.summary.txt"
