#!/usr/bin/env bash
# Rebuilds the lenient copies of real reports: the same bytes behind a BOM, white space or gzip.
# tests/test_hostile_reports.py::test_lenient_copy_reads_as_its_original checks each one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
cd "$here"
# more than 8 KiB of white space before the root: a valid XML document once the declaration is
# dropped (XML allows white space before the root, but not before a declaration)
{ head -c 9000 /dev/zero | tr '\0' ' '; sed 's/^<?xml[^>]*?>//' "$data/pytest/xunit2.xml"; } >whitespace-9k.xml
# a UTF-8 BOM and blank lines before the XML declaration
{ printf '\xef\xbb\xbf\n\n  '; cat "$data/jest/junit.xml"; } >bom-before-declaration.xml
# a UTF-8 BOM before JSON, and before a report-log
{ printf '\xef\xbb\xbf'; cat "$data/pytest/pytest.json"; } >bom.json
{ printf '\xef\xbb\xbf'; cat "$data/pytest/reportlog.jsonl"; } >bom.reportlog.jsonl
# gzip-compressed CI artifacts (-n: no name or time in the header, so the bytes are reproducible)
gzip -9 -n -c "$data/pytest/xunit1.xml" >xunit1.xml.gz
gzip -9 -n -c "$data/pytest/pytest.json" >pytest.json.gz
gzip -9 -n -c "$data/pytest/reportlog.jsonl" >reportlog.jsonl.gz
gzip -9 -n -c "$data/trx/mstest.trx" >mstest.trx.gz
