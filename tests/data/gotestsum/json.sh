#!/usr/bin/env bash
# Rebuilds the `go test -json` fixtures with Debian's Go 1.19 and gotestsum 1.8.2 (whose --jsonfile is
# go test -json's own output, and whose console DONE line is the ground truth):
#   test.jsonl   one run of src/ plus json-src/ (a package that does not build, a test that panics);
#   rerun.jsonl  src/ with --rerun-fails=2: every attempt's events in one file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/gotestsum-json}
rm -rf "$work"
mkdir -p "$work/flaky"
cp -r "$here/src/." "$here/json-src/." "$work/"
cd "$work"
export GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$work/.cache" FLAKY_DIR="$work/flaky"
# Exit 1 is expected: the samples fail on purpose. Timings are taken out of the kept lines.
gotestsum --format testname --jsonfile test.jsonl -- -count=1 ./... >console.txt 2>&1 || true
rm -f flaky/*
gotestsum --format testname --jsonfile rerun.jsonl --rerun-fails=2 --packages="./calc ./text" -- -count=1 >rerun.console.txt 2>&1 || true
for name in test rerun; do
  sed -E "s#$work/##g" "$name.jsonl" >"$here/$name.jsonl"
done
{ grep -E '^DONE ' console.txt; grep -E '^DONE ' rerun.console.txt; } | sed -E 's/ in [0-9.]+s$//' >"$here/json.summary.txt"
