#!/usr/bin/env bash
# Rebuilds junit.xml and summary.txt with Debian's TestNG 7.5 (libtestng7-java) on the default JDK:
# TestNG's own JUnitReportReporter (test-output/junitreports), the console summary as ground truth.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/producers/testng}
rm -rf "$work"
mkdir -p "$work/classes"
cp="/usr/share/java/testng.jar:/usr/share/java/jcommander.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar"
javac -d "$work/classes" -cp "$cp" "$here"/src/com/example/*.java
cd "$work"
# Debian strips the HTML reporter's jquery, so only the JUnit reporter is listed. TestNG exits 1 because the sample has failures on purpose.
java -cp "$cp:classes" org.testng.TestNG -d test-output -usedefaultlisteners false -listener org.testng.reporters.JUnitReportReporter -testclass com.example.RowsTest >console.txt 2>&1 || true
cp test-output/junitreports/TEST-com.example.RowsTest.xml "$here/junit.xml"
grep -E '^Total tests run' console.txt >"$here/summary.txt"
