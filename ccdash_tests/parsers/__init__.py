"""Report parsers: one module per format, each with the same `parse(fh, path, max_text) -> ParsedReport`.

`ReportFormat` names every format, `PARSERS` maps each one to its parser (tests/test_parsers_*.py
checks the map is complete), and `parse_report` opens a file, sniffs its format from its first bytes
unless one is given, and hands it to that parser. Cases are read lazily: the returned iterator closes
the file when exhausted (or when closed / garbage-collected).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from ccdash_tests.parsers.common import (
    FORMATS,
    MAX_TEXT,
    ParsedReport,
    ReportError,
    ReportFormat,
    fold_attempts,
    split_nodeid,
)
from ccdash_tests.parsers.opening import as_refusal, guarded, open_content
from ccdash_tests.parsers.sniff import SNIFF_BYTES, sniff_format

__all__ = [
    "FORMATS",
    "MAX_TEXT",
    "PARSERS",
    "ParsedReport",
    "ReportError",
    "ReportFormat",
    "fold_attempts",
    "parse_report",
    "sniff_format",
    "split_nodeid",
]

Parser = Callable[[BinaryIO, str, int], ParsedReport]
# The module of each format's parser, below ccdash_tests.parsers.
_MODULES: dict[ReportFormat, str] = {
    ReportFormat.JUNIT: "junit",
    ReportFormat.PYTEST_JSON: "pytest_json",
    ReportFormat.REPORTLOG: "reportlog",
    ReportFormat.TRX: "trx",
    ReportFormat.JEST_JSON: "jest_json",
    ReportFormat.GO_JSON: "go_json",
    ReportFormat.MOCHA_JSON: "mocha_json",
    ReportFormat.CTRF: "ctrf",
    ReportFormat.NUNIT: "nunit",
    ReportFormat.XUNIT: "xunit",
}


class _Parsers(Mapping[ReportFormat, Parser]):
    """Each format's `parse`, its module imported the first time it is asked for: an ingest of JUnit
    loads the JUnit parser, not nine others (their imports and patterns cost start-up)."""

    def __getitem__(self, fmt: ReportFormat) -> Parser:
        module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
        parse: Parser = module.parse
        return parse

    def __iter__(self) -> Iterator[ReportFormat]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


PARSERS: Mapping[ReportFormat, Parser] = _Parsers()


def report_format(value: str) -> ReportFormat | None:
    """A known `--format` value as its format; None for "auto" (sniff the content)."""
    return None if value == "auto" else ReportFormat(value)


def parse_report(
    path: str | os.PathLike[str], fmt: str = "auto", *, max_text: int = MAX_TEXT
) -> ParsedReport:
    """Open and start reading one report: header problems raise ReportError now, case problems later."""
    name = os.fspath(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise ReportError(name, f"unknown format {fmt!r}; choose one of auto, {', '.join(FORMATS)}")
    if max_text < 1:
        raise ValueError("max_text must be positive")
    try:
        fh: BinaryIO = open(name, "rb")  # noqa: SIM115  # the parser owns the file and closes it
    except OSError as err:
        raise ReportError(name, f"cannot read: {err.strerror or err}") from None
    try:
        if os.path.isdir(name):
            raise ReportError(name, "is a directory")
        fh, head = open_content(fh, name, SNIFF_BYTES)
        chosen = report_format(fmt) or sniff_format(head, name)
        report = PARSERS[chosen](fh, name, max_text)
    except BaseException as err:
        fh.close()
        refusal = as_refusal(err, name)
        if refusal is None:
            raise
        raise refusal from None
    report.cases = guarded(report.cases, name)
    return report
