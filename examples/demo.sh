#!/usr/bin/env bash
# The main job on examples/: store six runs of the example shop's test suite in an embedded SQLite
# file, then ask the questions the tool is for. Run from the repository root after installing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CCDASH_TESTS_DB="${CCDASH_TESTS_DB:-$PWD/ccdash-demo.db}"
export CCDASH_TESTS_PROJECT="${CCDASH_TESTS_PROJECT:-shop}"
cli="${CCDASH_TESTS_CLI:-ccdash-tests}"

shas=(1111111 2222222 3333333 4444444 5555555 6666666)
for run in 1 2 3 4 5 6; do
  report="$(ls "$here"/reports/run-$run.* | head -1)"
  "$cli" ingest "$report" --root "$here/shop" --run-id "shop-run-$run" --branch main --trigger ci \
    --git-sha "${shas[$((run - 1))]}" --timestamp "2026-11-2${run}T09:00:00Z" --session "agent-session-$run" \
    > /dev/null
  echo "stored run $run from $(basename "$report")"
done

"$cli" map import "$here/mapping.yaml" > /dev/null

echo; "$cli" runs list
echo; "$cli" runs show
echo; "$cli" domains
echo; "$cli" health
echo; "$cli" health --feature refunds
echo; "$cli" history test_partial_refund
echo; "$cli" flaky
echo; "$cli" failures --all
echo; "$cli" db info
