#!/usr/bin/env bash
# Rebuilds ctrf-report.json and summary.txt with Jest 29.7.0 + jest-ctrf-json-reporter 0.0.11 on Node 20,
# over the Jest sample's suites (../jest/src, ../jest/json-src: retries, a todo, a suite that fails to run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/jest-ctrf}
mkdir -p "$work/__tests__"
rm -f "$work"/__tests__/*.test.js
cp "$here"/../jest/src/*.test.js "$here"/../jest/json-src/*.test.js "$work/__tests__/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund jest@29.7.0 jest-ctrf-json-reporter@0.0.11 >/dev/null
rm -rf ctrf
# Jest exits 1 because the sample has failures on purpose; the default reporter prints the summary.
npx jest --ci --reporters=default --reporters=jest-ctrf-json-reporter >console.txt 2>&1 || true
sed "s#$work/##g" ctrf/ctrf-report.json | python3 -m json.tool --indent 1 >"$here/ctrf-report.json"
grep -E '^(Test Suites|Tests):' console.txt >"$here/summary.txt"
