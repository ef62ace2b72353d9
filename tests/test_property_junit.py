"""Property: generated JUnit documents (nested suites, odd names, reruns) are stored as their model says."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import Cli, junit_case, xml_attr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccdash_tests.parsers import fold_attempts, parse_report

# `time` text -> the duration the stored result must carry (ms); the stated rule for unreadable values.
TIMES: list[tuple[str | None, float | None]] = [
    (None, None),
    ("0.5", 500.0),
    ("0", 0.0),
    ("", None),
    ("abc", None),
    ("1,234.5", 1234500.0),
    ("2e-3", 2.0),
    ("-1", None),
    ("NaN", None),
]
STATUSES = ["passed", "failed", "error", "skipped", "xfailed"]

# XML 1.0 characters (no surrogates, controls or non-characters), plus the white space it allows.
xml_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Cn")),
        st.sampled_from(["\n", "\t", "\r", "&", "<", ">", '"', "'", "[bold]", "]]>", " ", "&amp;", "::"]),
    ),
    max_size=12,
).map("".join)


@dataclass(frozen=True)
class CaseSpec:
    classname: str
    name: str
    status: str
    reruns: int
    time: int  # index into TIMES
    message: str

    @property
    def attempts(self) -> int:
        return 1 + (self.reruns if self.status in ("passed", "failed") else 0)

    @property
    def flaky(self) -> bool:
        return self.status == "passed" and self.reruns > 0

    def xml(self) -> str:
        text, _ = TIMES[self.time]
        time_attr = "" if text is None else f" time={xml_attr(text)}"
        head = f"<testcase classname={xml_attr(self.classname)} name={xml_attr(self.name)}{time_attr}>"
        body = ""
        message = xml_attr(self.message)
        if self.status == "passed":
            body = "".join(
                f'<flakyFailure message="try {i}" type="E"><stackTrace>at x</stackTrace></flakyFailure>'
                for i in range(self.reruns)
            )
        elif self.status == "failed":
            body = f"<failure message={message}>trace</failure>" + "".join(
                f'<rerunFailure message="again {i}"/>' for i in range(self.reruns)
            )
        elif self.status == "error":
            body = f'<error message={message} type="RuntimeError"/>'
        elif self.status == "skipped":
            body = f"<skipped message={message}/>"
        else:
            body = f'<skipped type="pytest.xfail" message={message}/>'
        return head + body + "</testcase>"


case_specs = st.builds(
    CaseSpec,
    classname=xml_text.filter(lambda s: s.strip() and "$" not in s),
    name=xml_text,
    status=st.sampled_from(STATUSES),
    reruns=st.integers(0, 3),
    time=st.integers(0, len(TIMES) - 1),
    message=xml_text.filter(lambda s: s.strip()),
)
suite_names = xml_text.filter(lambda s: s != "pytest")


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[CaseSpec]]:
    """A document and its cases: a random suite tree, the cases dealt out over its suites in order."""
    cases = draw(st.lists(case_specs, max_size=25, unique_by=lambda c: (c.classname, c.name)))
    remaining = list(cases)

    def suite(depth: int, take_all: bool = False) -> str:
        own = len(remaining) if take_all else draw(st.integers(0, len(remaining)))
        taken = [remaining.pop(0) for _ in range(own)]
        children = draw(st.integers(0, 2)) if depth < 4 else 0
        # Counters are deliberately wrong: the parser must count cases itself.
        counts = f' tests="{draw(st.integers(0, 99))}" failures="{draw(st.integers(0, 9))}"'
        inner = "".join(case.xml() for case in taken) + "".join(suite(depth + 1) for _ in range(children))
        return f"<testsuite name={xml_attr(draw(suite_names))}{counts}>{inner}</testsuite>"

    body = "".join(suite(1) for _ in range(draw(st.integers(1, 3))))
    if remaining:
        body += suite(4, take_all=True)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="prop">{body}</testsuites>\n', cases


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_stored_run_matches_the_generated_document(document: tuple[str, list[CaseSpec]]) -> None:
    text, cases = document
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        report.write_text(text, encoding="utf-8")
        db = str(Path(folder) / "store.db")
        store = Cli(db, "p")
        run = store.json("ingest", report)
        results = store.json("runs", "show", run["run_id"])["results"]

    counts = Counter(case.status for case in cases)
    assert run["total_tests"] == len(cases)
    assert run["status_counts"] == {status: counts.get(status, 0) for status in run["status_counts"]}
    assert run["failed_tests"] == counts["failed"] + counts["error"]
    assert run["skipped_tests"] == counts["skipped"]
    assert run["flaky_tests"] == sum(case.flaky for case in cases)
    assert run["status"] == ("empty" if not cases else "failed" if run["failed_tests"] else "passed")
    known = [TIMES[case.time][1] for case in cases if TIMES[case.time][1] is not None]
    if known:
        assert run["duration_ms"] == pytest.approx(sum(known))
    else:
        assert run["duration_ms"] is None

    expected = {
        (case.classname, case.name): (case.status, case.attempts, case.flaky, TIMES[case.time][1])
        for case in cases
    }
    stored = {
        (r["classname"], r["name"]): (r["status"], r["attempts"], r["flaky"], r["duration_ms"])
        for r in results
    }
    assert stored == expected
    messages = {(r["classname"], r["name"]): r["error_message"] for r in results}
    for case in cases:
        if case.status in ("failed", "error"):
            assert messages[(case.classname, case.name)] == case.message


# ---- repeated names: attempts only where the producer writes attempts ------------------------------

repeated_cases = st.lists(
    st.tuples(
        st.sampled_from(["t_a", "t_b", "t_c"]), st.sampled_from(["passed", "failed", "error", "skipped"])
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(cases=repeated_cases, producer=st.sampled_from(["pytest", "gotestsum", "jest", "unknown"]))
def test_repeated_names_fold_only_for_producers_that_write_attempts(
    cases: list[tuple[str, str]], producer: str
) -> None:
    """pytest and gotestsum: a repeated name is another attempt (the last decides, a passing rerun is
    flaky). Everyone else: a repeated name is another test, so every failing case stays failing."""
    body = "".join(
        junit_case(
            name, status, classname="pkg.mod", message="boom" if status in ("failed", "error") else None
        )
        for name, status in cases
    )
    roots = {
        "pytest": ("", "pytest"),
        "gotestsum": ("", "pkg"),
        "jest": (' name="jest tests"', "pkg"),
        "unknown": ("", "pkg"),
    }
    root, suite = roots[producer]
    props = (
        '<properties><property name="go.version" value="go1.19"/></properties>'
        if producer == "gotestsum"
        else ""
    )
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "r.xml"
        report.write_text(
            f'<testsuites{root}><testsuite name="{suite}">{props}{body}</testsuite></testsuites>'
        )
        stored = fold_attempts(list(parse_report(report).cases))
    if producer in ("pytest", "gotestsum"):
        last: dict[str, str] = {}
        seen: Counter[str] = Counter()
        for name, status in cases:
            last[name] = status
            seen[name] += 1
        assert sorted((c.name, c.status.value, c.attempts) for c in stored) == sorted(
            (name, status, seen[name]) for name, status in last.items()
        )
        for case in stored:
            assert case.flaky == (case.status.value == "passed" and seen[case.name] > 1)
    else:
        assert len(stored) == len(cases)
        assert Counter(c.status.value for c in stored) == Counter(status for _, status in cases)
        assert not any(c.flaky for c in stored)
