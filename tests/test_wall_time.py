"""A run's wall time as its one report states it, beside the sum of its tests' times, in every run view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import Cli, junit_case, write_report

from ccdash_tests.parsers import parse_report
from ccdash_tests.parsers.common import WALL_TIME_MS

DATA = Path(__file__).parent / "data"


def stated(path: Path) -> str | None:
    report = parse_report(path)
    for _ in report.cases:
        pass
    return report.metadata.get(WALL_TIME_MS)


def test_reports_state_the_session_wall_time(tmp_path: Path) -> None:
    # pytest-json-report's `duration`, pytest's JUnit: the only top-level suite's `time`.
    duration = json.loads((DATA / "pytest" / "pytest.json").read_text())["duration"]
    from_json = float(stated(DATA / "pytest" / "pytest.json") or "nan")
    assert from_json == pytest.approx(duration * 1000, abs=0.001)
    assert stated(DATA / "pytest" / "xdist.xml") == "1403.000"
    case = junit_case("t", classname="k")
    root = '<?xml version="1.0"?>\n<testsuites time="9.5">{}</testsuites>\n'
    two = "".join(f'<testsuite name="s{i}" time="2">{case}</testsuite>' for i in range(2))
    assert stated(write_report(tmp_path, "root.xml", root.format(two))) == "9500.000"
    # Two top-level suites may have run side by side: neither time, nor their sum, is the wall time.
    assert stated(write_report(tmp_path, "two.xml", root.replace(' time="9.5"', "").format(two))) is None
    absurd = root.replace("9.5", "1e300").format("")
    assert stated(write_report(tmp_path, "absurd.xml", absurd)) is None


def test_views_show_the_stated_wall_time_beside_the_sum(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "s.db", "p")
    cli("ingest", DATA / "pytest" / "xdist.xml", "--run-id", "one", code=0)
    assert cli.json("runs", "show", "one")["run"]["metadata"]["report_wall_ms"] == 1403.0
    shown = cli("runs", "show", "one", code=0).stdout
    assert "wall time: 1.40 s (as the report states)" in shown and "(sum of test times)" in shown
    markdown = cli("runs", "show", "one", "--format", "markdown", code=0).stdout
    assert "1.40 s (as the report states)" in markdown
    # A run of two reports (shards) states no wall time of its own.
    cli("ingest", DATA / "pytest" / "xdist.xml", DATA / "pytest" / "reruns.xml", "--run-id", "two", code=0)
    assert "report_wall_ms" not in cli.json("runs", "show", "two")["run"]["metadata"]
    assert "wall time" not in cli("runs", "show", "two", code=0).stdout
