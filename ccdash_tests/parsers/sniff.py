"""Tell a report's format from its first bytes, not from its file name."""

from __future__ import annotations

import codecs

from ccdash_tests.parsers.common import ReportError, ReportFormat

SNIFF_BYTES = 8192
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _text_head(head: bytes) -> str:
    """The head decoded as far as it goes: BOM-aware, UTF-16 without BOM guessed from NUL bytes."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "replace")
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return head.decode("utf-16-be", "replace")
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return head.decode("utf-16-le", "replace")
    return head.decode("utf-8", "replace")


def sniff_format(head: bytes, path: str) -> ReportFormat:
    """ "junit", "pytest-json" or "reportlog" from the first few KB; ReportError when it is none of them.

    XML (first non-blank character "<") is JUnit; JSON whose first line holds "$report_type" is a
    report-log; other JSON starting with "{" is pytest-json-report.
    """
    if not head:
        raise ReportError(path, "empty file")
    text = _text_head(head[:SNIFF_BYTES]).lstrip()
    if not text:
        raise ReportError(path, "empty file (white space only)")
    if text.startswith("<"):
        return ReportFormat.JUNIT
    if text.startswith("["):
        return ReportFormat.PYTEST_JSON  # JSON, but of the wrong shape: the JSON reader names the problem
    if text.startswith("{"):
        first_line = text.split("\n", 1)[0]
        return ReportFormat.REPORTLOG if '"$report_type"' in first_line else ReportFormat.PYTEST_JSON
    if "\x00" in text[:64] or "\ufffd" in text[:64]:
        raise ReportError(path, "not a test report: binary content")
    raise ReportError(path, "not a test report: neither XML nor JSON")
