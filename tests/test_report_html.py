"""`report --html`: one self-contained file, parsed with html.parser; content, escaping, charts, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import Cli, junit_xml, tagged_case

from ccdash_tests.models import SignalSeverity, TestIntegritySignalDTO, TestRunDTO
from ccdash_tests.output.html import chart_floor, esc, render_html, runs_svg, trend_svg
from ccdash_tests.report import ReportData
from ccdash_tests.store import open_store

PROJECT = "shop"
SCRIPT_NAME = "test_<script>alert(1)</script>"
FEATURE = 'checkout "<b>fast</b>"'


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each element id'd section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.titles: list[str] = []
        self._in_title = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "title":
            self._in_title += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.titles.append(data)

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def assert_self_contained(page: Page) -> None:
    names = page.names()
    for tag in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert tag not in names, tag
    for tag, attrs in page.tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), (tag, key)
            if key in ("src", "href", "xlink:href", "action"):
                assert value is not None and value.startswith("#"), (tag, key, value)
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


# --- pure parts -------------------------------------------------------------------------------------


def test_esc_escapes_markup_quotes_and_control_characters() -> None:
    assert esc('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert esc("bell\x07") == "bell\\x07"
    assert esc("x" * 50, limit=10) == "x" * 9 + "…"


def test_trend_svg_draws_points_and_splits_at_gaps() -> None:
    page = parse(trend_svg([1.0, 0.5, None, 0.0, 0.25], width=100, height=20, label='a "<b>"'))
    svg = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert svg[0]["aria-label"] == 'a "<b>"'
    lines = [attrs["points"] for tag, attrs in page.tags if tag == "polyline"]
    # Two segments: [1.0, 0.5] and [0.0, 0.25]; a pass rate of 1.0 sits at the top, right of the axis.
    assert len(lines) == 2
    assert lines[0] is not None and lines[0].startswith("30.0,5.0 ")
    assert len([tag for tag, _ in page.tags if tag == "circle"]) == 4
    assert page.titles == ["run 1 of 5: 100.0%", "run 2 of 5: 50.0%", "run 4 of 5: 0.0%", "run 5 of 5: 25.0%"]


def test_trend_svg_shows_a_small_drop_and_rings_the_shown_run() -> None:
    assert chart_floor([1.0, 0.98, 1.0]) == 0.95 and chart_floor([1.0, 0.2]) == 0.0
    page = parse(trend_svg([1.0, 0.98, 1.0], height=64, shown=2))
    circles = [attrs for tag, attrs in page.tags if tag == "circle"]
    # 98% sits 40% of the way down a 95%..100% scale: far from the 100% points, and marked.
    ys = [float(c["cy"] or 0) for c in circles[:2]]
    assert ys[1] - ys[0] > 20
    assert circles[1]["class"] == "pt-warn" and circles[0]["class"] == "pt-ok"
    assert circles[-1]["class"] == "shown"
    axis = [d for d in page.text if d.endswith("%")]
    assert "100%" in axis and "95%" in axis


def test_runs_svg_has_one_bar_per_run_with_escaped_titles() -> None:
    runs = [
        TestRunDTO(
            run_id=f"<r{i}>",
            project_id=PROJECT,
            timestamp=datetime(2026, 1, i + 1, tzinfo=UTC),
            passed_tests=i,
            failed_tests=1,
        )
        for i in range(3)
    ]
    page = parse(runs_svg(runs))
    assert len([tag for tag, _ in page.tags if tag == "rect"]) == 3
    assert page.titles[2] == "<r2> 2026-01-03 00:00:00: 66.7% (2 passed, 1 failed)"


def test_empty_report_is_complete() -> None:
    text = render_html(ReportData(project="<p>", generated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    page = parse(text)
    assert_self_contained(page)
    assert "No runs stored yet." in page.all_text
    assert "Test report: <p>" in page.titles


# --- through the CLI, on both backends -------------------------------------------------------------

CASES = {
    "total": ("tests.test_cart", "test_total", "cart"),
    "hostile": ("tests.test_cart", SCRIPT_NAME, FEATURE),
    "pay": ("tests.test_pay", "test_pay", "payments"),
}
FAILURE = {"message": "expected <img src=x onerror=alert(1)>", "text": "trace"}
# r1 and r2 test one commit, so the hostile test that passed in r1 and failed in r2 is flaky (same_sha).
RUNS = [
    ("r1", "2026-01-01T00:00:00Z", "a1b2c3d4e5", {"total": "passed", "hostile": "passed", "pay": "passed"}),
    ("r2", "2026-01-02T00:00:00Z", "a1b2c3d4e5", {"total": "passed", "hostile": "failed", "pay": "flaky"}),
    ("r3", "2026-01-03T00:00:00Z", "f6e5d4c3b2", {"total": "passed", "hostile": "failed", "pay": "passed"}),
]


def report_xml(outcomes: dict[str, str]) -> str:
    return junit_xml(
        *(
            tagged_case(
                *CASES[key], "shop/web", status, time="0.5", **(FAILURE if status == "failed" else {})
            )
            for key, status in outcomes.items()
        )
    )


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    for run_id, stamp, sha, outcomes in RUNS:
        path = tmp_path / f"{run_id}.xml"
        path.write_text(report_xml(outcomes), encoding="utf-8")
        args = ("--run-id", run_id, "--timestamp", stamp, "--git-sha", sha, "--quiet")
        result = Cli(db_url, PROJECT)("ingest", str(path), *args)
        assert result.exit_code == 0, result.output
    assert Cli(db_url, PROJECT)("map", "resolve").exit_code == 0
    with open_store(db_url) as store:
        hostile = next(d for d in store.definitions.all(PROJECT) if d.name == SCRIPT_NAME)
        store.signals.insert(
            TestIntegritySignalDTO(
                signal_id="sig-1",
                project_id=PROJECT,
                git_sha="abc1234def",
                file_path="tests/test_cart.py",
                test_id=hostile.test_id,
                test_name=SCRIPT_NAME,
                signal_type="assertion_removed",
                severity=SignalSeverity.HIGH,
                details={"removed": ["assert '<script>' in page"]},
            )
        )
    return db_url


def write(db: str, path: Path, *args: str) -> Page:
    result = Cli(db, PROJECT)("report", "--html", str(path), *args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {path}" in result.stdout
    return parse(path.read_text(encoding="utf-8"))


def test_report_holds_every_section_with_names_escaped(db: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    page = write(db, target)
    text = target.read_text(encoding="utf-8")
    assert_self_contained(page)
    # The hostile name appears literally as text and never as markup.
    assert SCRIPT_NAME in page.all_text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "expected <img src=x onerror=alert(1)>" in page.all_text
    ids = {attrs.get("id") for _, attrs in page.tags}
    assert {"run", "domains", "features", "flaky", "integrity"} <= ids
    body = page.all_text
    assert "Failures (1)" in body  # the latest run, r3
    assert "Feature health (3)" in body
    assert FEATURE in body
    assert "Flaky tests (2, last 3 runs)" in body  # test_pay retried; the hostile test flipped on a1b2c3d4e5
    assert "same_sha" in body and "retry" in body
    assert "Open integrity signals (1)" in body
    assert "- assert '<script>' in page" in body
    # The domain tree nests shop -> web -> features.
    assert "shop" in body and "web" in body
    # One trend chart per feature plus the runs chart; the failing feature's line goes down.
    svgs = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert len([a for a in svgs if a.get("class") == "trend"]) == 3
    assert len([a for a in svgs if a.get("class") == "runs"]) == 1
    assert f"{FEATURE} pass rate, last 3 runs" in [a.get("aria-label") for a in svgs]
    assert "run 3 of 3: 0.0%" in page.titles
    assert "r2 2026-01-02 00:00:00: 66.7% (2 passed, 1 failed)" in page.titles


def test_report_for_a_chosen_run_and_json(db: str, tmp_path: Path) -> None:
    target = tmp_path / "r2.html"
    result = Cli(db, PROJECT)("report", "--html", str(target), "--run", "r2", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["run_id"] == "r2" and document["open_signals"] == 1 and document["features"] == 3
    assert document["bytes"] == target.stat().st_size
    page = parse(target.read_text(encoding="utf-8"))
    assert "Passed after a retry (1)" in page.all_text
    assert "tests.test_pay::test_pay" in page.all_text


def test_report_errors_exit_2_and_write_nothing(db: str, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "report.html"
    result = Cli(db, PROJECT)("report", "--html", str(missing))
    assert result.exit_code == 2 and "does not exist" in result.output
    result = Cli(db, PROJECT)("report", "--html", str(tmp_path))
    assert result.exit_code == 2 and "is a folder" in result.output
    target = tmp_path / "x.html"
    result = Cli(db, PROJECT)("report", "--html", str(target), "--run", "nope")
    assert result.exit_code == 2 and "no run 'nope'" in result.output
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".x.html")] == []


def test_report_on_an_empty_store(db_url: str, tmp_path: Path) -> None:
    page = write(db_url, tmp_path / "empty.html")
    assert_self_contained(page)
    for line in ("No runs stored yet.", "No mapped features yet.", "No flaky tests.", "No open integrity"):
        assert line in page.all_text
