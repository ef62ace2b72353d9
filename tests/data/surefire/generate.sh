#!/usr/bin/env bash
# Rebuilds reports/ and summary.txt with Maven 3.8.7, Java 17, Surefire 3.2.5 (the newest that resolves offline here), JUnit Jupiter 5.11.4,
# offline from the local repository, rerunning failures twice so flaky and rerun elements appear.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/surefire}
rm -rf "$work"
mkdir -p "$work"
cp -r "$here/pom.xml" "$here/src" "$work/"
cd "$work"
# Maven exits 1 because the sample has failures on purpose.
mvn -o -B -ntp -Dstyle.color=never -Dsurefire.rerunFailingTestsCount=2 test >console.txt 2>&1 || true
rm -rf "$here/reports"
mkdir -p "$here/reports"
cp target/surefire-reports/TEST-*.xml "$here/reports/"
sed -n '/^\[INFO\] Results:/,/^\[INFO\] BUILD/p' console.txt | grep -E 'Tests run:|Flakes:|Run [0-9]+:|^\[(ERROR|WARNING)\] +[A-Za-z]' >"$here/summary.txt"
