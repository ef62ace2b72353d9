#!/usr/bin/env bash
# Rebuilds xunit.xml and summary.txt with Robot Framework (pip robotframework 7.5, Python 3.11): robot --xunit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/robot}
robot=${ROBOT:-robot}
rm -rf "$work"
mkdir -p "$work"
cp -r "$here/src/." "$work/"
cd "$work"
# robot exits with the number of failed tests, so non-zero is expected.
"$robot" --xunit xunit.xml --output NONE --report NONE --log NONE --consolecolors off Shop >console.txt 2>&1 || true
cp xunit.xml "$here/xunit.xml"
grep -E '^[0-9]+ tests?, [0-9]+ passed' console.txt >"$here/summary.txt"
