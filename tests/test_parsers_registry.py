"""Every report format maps to a parser, and each parser reads a real file of its format the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccdash_tests.parsers import FORMATS, PARSERS, ReportFormat, parse_report, sniff_format

DATA = Path(__file__).parent / "data"
# One file per format and the framework that wrote it: by the real producer where it installs here
# (tests/data/<producer>/generate.sh), else hand-written after its dialect (tests/data/README.md).
SAMPLES = {
    ReportFormat.JUNIT: (DATA / "pytest" / "xunit2.xml", "pytest"),
    ReportFormat.PYTEST_JSON: (DATA / "pytest" / "pytest.json", "pytest"),
    ReportFormat.REPORTLOG: (DATA / "pytest" / "reportlog.jsonl", "pytest"),
    ReportFormat.TRX: (DATA / "trx" / "mstest.trx", "mstest"),
    ReportFormat.JEST_JSON: (DATA / "jest" / "report.json", "jest"),
    ReportFormat.GO_JSON: (DATA / "gotestsum" / "test.jsonl", "go"),
    ReportFormat.MOCHA_JSON: (DATA / "mocha" / "report.json", "mocha"),
    ReportFormat.CTRF: (DATA / "ctrf" / "ctrf-report.json", "jest"),
    ReportFormat.NUNIT: (DATA / "nunit" / "nunit3.xml", "nunit"),
    ReportFormat.XUNIT: (DATA / "xunit" / "xunit.xml", "xunit"),
}


def test_every_format_has_a_parser_and_a_sample() -> None:
    assert set(PARSERS) == set(ReportFormat)
    assert set(SAMPLES) == set(ReportFormat)
    assert tuple(fmt.value for fmt in ReportFormat) == FORMATS


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_each_parser_reads_its_format_as_parse_report_does(fmt: ReportFormat) -> None:
    path, framework = SAMPLES[fmt]
    assert sniff_format(path.read_bytes()[:8192], str(path)) is fmt
    with path.open("rb") as fh:
        direct = PARSERS[fmt](fh, str(path), 64 * 1024)
        direct_cases = list(direct.cases)
    via = parse_report(path)
    via_cases = list(via.cases)
    assert (direct.format, via.format) == (fmt, fmt)
    assert direct.framework == via.framework == framework
    # Metadata may grow while cases stream (report-log's exit status comes last): compare after reading.
    assert direct.metadata == via.metadata
    assert direct_cases == via_cases
    assert len(direct_cases) > 0
