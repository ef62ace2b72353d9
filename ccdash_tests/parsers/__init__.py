"""Report parsers: JUnit XML, pytest-json-report and pytest report-log, read as lazy streams of cases."""

from __future__ import annotations

import os
from typing import BinaryIO

from ccdash_tests.parsers.common import FORMATS, ParsedReport, ReportError, fold_attempts, split_nodeid
from ccdash_tests.parsers.junit import parse_junit
from ccdash_tests.parsers.pytest_json import decode_report, iter_cases, metadata_of
from ccdash_tests.parsers.reportlog import parse_reportlog
from ccdash_tests.parsers.sniff import SNIFF_BYTES, sniff_format

__all__ = [
    "FORMATS",
    "ParsedReport",
    "ReportError",
    "fold_attempts",
    "parse_report",
    "sniff_format",
    "split_nodeid",
]

# pytest JSON is decoded whole; anything larger is not a pytest-json-report a CI job writes.
MAX_JSON_BYTES = 2 * 1024 * 1024 * 1024


def parse_report(
    path: str | os.PathLike[str], fmt: str = "auto", *, max_text: int = 64 * 1024
) -> ParsedReport:
    """Open and start reading one report: header problems raise ReportError now, case problems later.

    The returned `cases` iterator closes the file when exhausted (or when closed / garbage-collected).
    """
    name = os.fspath(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise ReportError(name, f"unknown format {fmt!r}; choose one of auto, {', '.join(FORMATS)}")
    if max_text < 1:
        raise ValueError("max_text must be positive")
    try:
        fh: BinaryIO = open(name, "rb")  # noqa: SIM115  # the cases iterator owns and closes it
    except OSError as err:
        raise ReportError(name, f"cannot read: {err.strerror or err}") from None
    try:
        if os.path.isdir(name):
            raise ReportError(name, "is a directory")
        head = fh.read(SNIFF_BYTES)
        fh.seek(0)
        detected = sniff_format(head, name)
    except OSError as err:
        fh.close()
        raise ReportError(name, f"cannot read: {err.strerror or err}") from None
    except BaseException:
        fh.close()
        raise
    fmt = detected if fmt == "auto" else fmt
    if fmt == "junit":
        metadata, framework, cases = parse_junit(fh, name, max_text)
        return ParsedReport(name, fmt, framework, metadata, cases)
    if fmt == "reportlog":
        metadata, cases = parse_reportlog(fh, name, max_text)
        return ParsedReport(name, fmt, "pytest", metadata, cases)
    with fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ReportError(name, "pytest JSON report larger than 2 GiB")
    report = decode_report(data, name)
    del data
    return ParsedReport(name, fmt, "pytest", metadata_of(report), iter_cases(report, name, max_text))
