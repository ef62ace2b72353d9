#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Vitest 3.2.7 (junit reporter, default options) on Node 20.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/vitest}
mkdir -p "$work/test"
rm -f "$work"/test/*.test.js
cp "$here"/src/*.test.js "$work/test/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund vitest@3.2.7 >/dev/null
rm -f junit.xml
# One run writes both the console summary and the file; exit 1 is expected.
NO_COLOR=1 npx vitest run --reporter=default --reporter=junit --outputFile.junit=junit.xml >console.txt 2>&1 || true
cp junit.xml "$here/junit.xml"
grep -E '^ +(Test Files|Tests) ' console.txt >"$here/summary.txt"
