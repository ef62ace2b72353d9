#!/usr/bin/env bash
# Rebuilds report.json and json.summary.txt with `jest --json` (Jest 29.7.0 on Node 20): the JUnit
# sample's suites (src/) plus json-src/ (a retried test, a todo, a suite that fails to run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/jest-json}
mkdir -p "$work/__tests__"
rm -f "$work"/__tests__/*.test.js
cp "$here"/src/*.test.js "$here"/json-src/*.test.js "$work/__tests__/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund jest@29.7.0 >/dev/null
# Jest exits 1 because the sample has failures on purpose; the console summary goes to stderr.
npx jest --ci --json --outputFile=report.json >console.txt 2>&1 || true
# The file holds absolute paths of this work folder: make them relative so the fixture is stable.
sed "s#$work/##g" report.json | python3 -m json.tool --indent 1 >"$here/report.json"
grep -E '^(Test Suites|Tests):' console.txt >"$here/json.summary.txt"
