#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Debian's gotestsum 1.8.2 and Go 1.19, rerunning failures twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/gotestsum}
rm -rf "$work"
mkdir -p "$work/flaky"
cp -r "$here/src/." "$work/"
cd "$work"
export GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$work/.cache" FLAKY_DIR="$work/flaky"
# The DONE lines lose their wall-clock time so that summary.txt only changes when the counts do.
# gotestsum exits 1 because the sample has failures on purpose.
gotestsum --format testname --junitfile junit.xml --rerun-fails=2 --packages=./... -- -count=1 >console.txt 2>&1 || true
cp junit.xml "$here/junit.xml"
grep -E '^DONE ' console.txt | sed -E 's/ in [0-9.]+s$//' >"$here/summary.txt"
