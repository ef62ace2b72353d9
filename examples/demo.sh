#!/usr/bin/env bash
# The main job on examples/: store six runs of the example shop's test suite in an embedded SQLite
# file and ask the questions the tool is for; then, in a throwaway git repository, watch a commit that
# weakens a test get flagged at ingest, the gate fail on it and pass after the fix; last, write the
# HTML report. Each command is echoed under a heading saying what it answers. Run from the repository
# root after installing (`make demo` does both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CCDASH_TESTS_DB="${CCDASH_TESTS_DB:-$PWD/ccdash-demo.db}"
export CCDASH_TESTS_PROJECT="${CCDASH_TESTS_PROJECT:-shop}"
cli="${CCDASH_TESTS_CLI:-ccdash-tests}"
report_html="${CCDASH_DEMO_HTML:-$PWD/ccdash-demo-report.html}"
# The demo's output is the same in a pipe and in a terminal, at 100 columns unless told otherwise.
export COLUMNS="${COLUMNS:-100}"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
heading() { printf '\n%s## %s%s\n' "$bold" "$1" "$plain"; }
# show QUESTION ARGS...: the question, the command line, then what the command answers.
show() {
  heading "$1"
  shift
  printf '$ ccdash-tests %s\n' "$*"
  "$cli" "$@"
}

heading "Store six CI runs of the shop's test suite (one summary shown, the rest quietly)"
shas=(1111111 2222222 3333333 4444444 5555555 6666666)
for run in 1 2 3 4 5 6; do
  report="$(ls "$here"/reports/run-$run.* | head -1)"
  args=(ingest "$report" --root "$here/shop" --run-id "shop-run-$run" --branch main --trigger ci
        --git-sha "${shas[$((run - 1))]}" --timestamp "2026-11-2${run}T09:00:00Z" --session "agent-session-$run")
  if [ "$run" = 2 ]; then
    printf '$ ccdash-tests %s\n' "${args[*]/#$here/examples}"
    "$cli" "${args[@]}"
  else
    "$cli" "${args[@]}" > /dev/null
    echo "stored run $run from $(basename "$report")"
  fi
done
"$cli" map import "$here/mapping.yaml" > /dev/null
echo "mapped the tests to features with examples/mapping.yaml"

show "Which runs are stored, and how did each go?" runs list
show "What broke in the latest run? (counts, then errors, failures and flaky tests)" runs show
show "How healthy is each domain, subdomain and feature?" domains
show "Which features are healthy, and which dropped? (trend: one bar a run)" health
show "Which tests prove the refunds feature?" health --feature refunds
show "When did test_partial_refund start failing, and what was the last good run?" \
  history test_partial_refund
show "Which tests are flaky?" flaky
show "What fails, grouped by root cause?" failures --all

# --- integrity: a commit that makes a red test green by weakening it --------------------------------
heading "Integrity: a throwaway git repository where a commit weakens a test"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
repo="$scratch/cart"
mkdir -p "$repo/tests"
cd "$repo"
git init -q -b main
git config user.name "Agent Smith"
git config user.email agent@example.com
git config commit.gpgsign false
junit() {  # junit FILE STATUS TIME: a JUnit report for tests/test_cart.py::test_total
  local body="<testcase classname=\"tests.test_cart\" name=\"test_total\" file=\"tests/test_cart.py\" time=\"$3\""
  if [ "$2" = failed ]; then body+='><failure message="assert 110 == 120">assert 110 == 120</failure></testcase>'
  else body+='/>'; fi
  printf '<?xml version="1.0"?>\n<testsuites><testsuite name="pytest">%s</testsuite></testsuites>\n' "$body" > "$1"
}
cat > tests/test_cart.py <<'PY'
def total(prices, tax):
    return sum(prices) * (1 + tax) - 10  # the bug: a stray discount


def test_total():
    assert total([100], 0.2) == 120
    assert total([], 0.2) == 0
PY
git add -A && git commit -q -m "cart: total with tax, and its test"
junit "$repo/red.xml" failed 0.012
export CCDASH_TESTS_PROJECT=cart
"$cli" ingest "$repo/red.xml" --branch main --session agent-1 > /dev/null
echo "commit 1: the test fails (stored quietly)"

cat > tests/test_cart.py <<'PY'
def total(prices, tax):
    return sum(prices) * (1 + tax) - 10  # the bug: a stray discount


def test_total():
    total([100], 0.2)  # "fixed" by no longer checking the result
PY
git commit -q -am "make the cart tests pass"
junit "$repo/green.xml" passed 0.003
echo "commit 2: an agent makes the test pass by removing its assertions"
show "Ingest the green run: the change behind it is checked for weakened tests" \
  ingest "$repo/green.xml" --branch main --session agent-2
show "The gate on integrity fails (exit 1) while a high-severity signal is open" \
  gate --fail-on-integrity high || echo "(exit $?: the gate failed, as it should)"

cat > tests/test_cart.py <<'PY'
def total(prices, tax):
    return sum(prices) * (1 + tax)


def test_total():
    assert total([100], 0.2) == 120
    assert total([], 0.2) == 0
PY
git commit -q -am "cart: fix the total, restore the test's assertions"
junit "$repo/fixed.xml" passed 0.011
echo "commit 3: the bug is fixed and the assertions are back"
show "Ingest the fixed run: restoring the assertions resolves the signal" \
  ingest "$repo/fixed.xml" --branch main --session agent-3
show "The gate passes now" gate --fail-on-integrity high
cd - > /dev/null
export CCDASH_TESTS_PROJECT=shop

show "One HTML page for CI artifacts: the run, domains, feature trends, flaky tests, signals" \
  report --html "$report_html"
echo "open it: file://$report_html"
