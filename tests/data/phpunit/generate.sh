#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Debian's PHPUnit 9.6.7 on PHP 8.2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/phpunit}
rm -rf "$work"
mkdir -p "$work"
cp -r "$here/src/." "$work/"
cd "$work"
# PHPUnit exits 2 because the sample has failures and errors on purpose.
phpunit --colors=never --log-junit junit.xml tests >console.txt 2>&1 || true
cp junit.xml "$here/junit.xml"
grep -E '^(Tests: |OK|FAILURES!|ERRORS!)' console.txt >"$here/summary.txt"
