#!/usr/bin/env bash
# Rebuilds report.xml and summary.txt with Debian's GoogleTest 1.12.1 (libgtest-dev), CMake 3.25.1, g++ 12.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/gtest}
rm -rf "$work"
mkdir -p "$work"
cp -r "$here/src/." "$work/src"
cmake -S "$work/src" -B "$work/build" >/dev/null
cmake --build "$work/build" >/dev/null
cd "$work/build"
# The binary exits 1 because the sample has failures on purpose.
./sample_tests --gtest_output=xml:report.xml --gtest_color=no >console.txt 2>&1 || true
cp report.xml "$here/report.xml"
sed -n '/Global test environment tear-down/,$p' console.txt | grep -vE '^\[==========\] [0-9]+ tests? from' | grep -vE '^\s*$' >"$here/summary.txt"
