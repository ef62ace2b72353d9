#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with CMake/CTest 3.25.1 and gcc 12, repeating failures until pass (3 tries).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/ctest}
rm -rf "$work"
mkdir -p "$work"
cp -r "$here/src/." "$work/src"
cmake -S "$work/src" -B "$work/build" >/dev/null
cmake --build "$work/build" >/dev/null
cd "$work/build"
# ctest exits 8 because the sample has failures on purpose.
ctest --output-junit junit.xml --repeat until-pass:3 >console.txt 2>&1 || true
cp junit.xml "$here/junit.xml"
sed -n '/tests passed,/,$p' console.txt | grep -vE '^\s*$|^Total Test time|^Errors while running|^Output from|^Use ' >"$here/summary.txt"
