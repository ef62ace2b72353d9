#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Mocha 10 + mocha-junit-reporter 2 on Node 20 (includePending=true: by default pending tests are left out of the file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/mocha}
mkdir -p "$work/test"
rm -f "$work"/test/*.spec.js
cp "$here"/src/*.spec.js "$work/test/"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --no-audit --no-fund mocha@10.8.2 mocha-junit-reporter@2.2.1 >/dev/null
rm -f junit.xml
# The spec reporter prints the summary; mocha-junit-reporter writes the file. Exit 1 is expected.
npx mocha --reporter-option 'mochaFile=junit.xml,includePending=true' --reporter mocha-junit-reporter 'test/*.spec.js' >/dev/null 2>&1 || true
npx mocha --reporter spec 'test/*.spec.js' >console.txt 2>&1 || true
cp junit.xml "$here/junit.xml"
grep -E '^ +[0-9]+ (passing|failing|pending)' console.txt | sed 's/ ([0-9]*ms)//' >"$here/summary.txt"
