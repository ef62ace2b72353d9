#!/usr/bin/env bash
# Rebuilds report.json and json.summary.txt with `mocha --reporter json` (Mocha 10.8.2 on Node 20): the
# JUnit sample's suites (src/) plus json-src/ (a test that passes on retry).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/mocha-json}
mkdir -p "$work/test"
rm -f "$work"/test/*.spec.js
cp "$here"/src/*.spec.js "$here"/json-src/*.spec.js "$work/test/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund mocha@10.8.2 >/dev/null
rm -f report.json
# Mocha 10 runs one reporter at a time: the JSON run writes the file, a spec run (same deterministic
# suites) prints the summary. Exit 1 is expected.
npx mocha --reporter json --reporter-option output=report.json 'test/*.spec.js' >/dev/null 2>&1 || true
npx mocha --reporter spec 'test/*.spec.js' >console.txt 2>&1 || true
sed "s#$work/##g" report.json >"$here/report.json"
grep -E '^ +[0-9]+ (passing|failing|pending)' console.txt | sed 's/ ([0-9]*ms)//' >"$here/json.summary.txt"
