#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Jest 29.7.0 + jest-junit 16.0.0 on Node 20 (default templates).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/jest}
mkdir -p "$work/__tests__"
rm -f "$work"/__tests__/*.test.js
cp "$here"/src/*.test.js "$work/__tests__/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund jest@29.7.0 jest-junit@16.0.0 >/dev/null
rm -rf out
# Jest exits 1 because the sample has failures on purpose.
JEST_JUNIT_OUTPUT_DIR=out JEST_JUNIT_OUTPUT_NAME=junit.xml \
  npx jest --ci --reporters=default --reporters=jest-junit >console.txt 2>&1 || true
cp out/junit.xml "$here/junit.xml"
grep -E '^(Test Suites|Tests):' console.txt >"$here/summary.txt"
