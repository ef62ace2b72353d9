"""The listings in their other forms: Markdown for CI summaries (flaky, failures, domains, history) and
CSV for spreadsheets and sqlite-utils (runs, flaky, failures, health). Pure functions returning text."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ccdash_tests.output import markdown as md
from ccdash_tests.text import format_ms, format_rate, plural

if TYPE_CHECKING:  # the types only: `runs list --format csv` must not load the forensics modules
    from ccdash_tests.forensics import FailuresReport, FlakyReport, HistoryReport
    from ccdash_tests.forensics.failures import ClusterTest
    from ccdash_tests.health.report import HealthReport
    from ccdash_tests.models import DomainHealthRollupDTO, TestRunDTO


# A text cell that starts like a formula is run by spreadsheets on opening (CSV injection, OWASP): a test
# name or a failure message is report data, so such a cell gets a leading apostrophe, which spreadsheets
# show as text. Numbers (`-3`, `+1.5`) and the lone "-" placeholder are left as they are.
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?%?")


def csv_cell(value: object) -> object:
    """One cell: None is empty; text that a spreadsheet would run as a formula is made inert."""
    if value is None:
        return ""
    if (
        isinstance(value, str)
        and _FORMULA_START.match(value)
        and value != "-"
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV with a header row; None is an empty cell; no cell is a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------------


def runs_csv(runs: Sequence[TestRunDTO]) -> str:
    return csv_text(
        ["run_id", "timestamp", "status", "passed", "failed", "skipped", "flaky", "total", "git_sha",
         "branch", "trigger", "duration_ms"],
        (
            [r.run_id, r.timestamp.isoformat(), r.status.value, r.passed_tests, r.failed_tests,
             r.skipped_tests, r.flaky_tests, r.total_tests, r.git_sha, r.branch, r.trigger.value,
             r.duration_ms]
            for r in runs
        ),
    )  # fmt: skip


def flaky_csv(report: FlakyReport) -> str:
    return csv_text(
        ["test", "test_id", "flake_rate", "reasons", "flips", "passed", "failed", "retried", "shas"],
        (
            [t.label, t.test_id, t.flake_rate, " ".join(t.reasons),
             t.flips, t.passed, t.failed, t.retried, " ".join(t.shas)]
            for t in report.tests
        ),
    )  # fmt: skip


def failures_csv(report: FailuresReport) -> str:
    return csv_text(
        ["fingerprint", "count", "tests", "runs", "message", "first_seen_run", "first_seen_at", "test_names"],
        (
            [c.fingerprint, c.count, c.test_count, c.run_count, c.message,
             c.first_seen.run_id if c.first_seen else None,
             c.first_seen.timestamp.isoformat() if c.first_seen else None,
             "; ".join(t.label for t in c.tests)]
            for c in report.clusters
        ),
    )  # fmt: skip


def health_csv(report: HealthReport) -> str:
    return csv_text(
        ["domain", "feature", "tests", "pass_rate", "flake_rate", "integrity_score", "open_signals",
         "last_run_at", "last_good_run_id", "trend"],
        (
            [r.domain_id, r.feature, r.total_tests, r.pass_rate, r.flake_rate, r.integrity_score,
             r.open_signals, r.last_run_at.isoformat() if r.last_run_at else None, r.last_good_run_id,
             " ".join("" if v is None else f"{v:.4f}" for v in r.trend)]
            for r in report.features
        ),
    )  # fmt: skip


# --- Markdown ----------------------------------------------------------------------------------------


def flaky_markdown(report: FlakyReport, limit: int = md.MAX_CHARS) -> str:
    doc = md.Document(limit)
    doc.add(f"### Flaky tests over the last {plural(report.runs, 'run')} ({len(report.tests):,})")
    if not report.tests:
        doc.paragraph("No flaky tests.")
        return doc.render()
    doc.table(
        md.Table(["test", "flake rate", "why", "flips", "retried", "passed/counted"],
                 align=["left", "right", "left", "right", "right", "right"]),
        (
            [md.code(t.label, md.NAME_LIMIT), format_rate(t.flake_rate),
             md.escape(", ".join(t.reasons)), f"{t.flips:,}", f"{t.retried:,}", f"{t.passed:,}/{t.results:,}"]
            for t in report.tests
        ),
    )  # fmt: skip
    return doc.render()


def failures_markdown(report: FailuresReport, limit: int = md.MAX_CHARS) -> str:
    doc = md.Document(limit)
    scope = f"run {md.code(report.run.run_id, in_table=False)}" if report.run else plural(report.runs, "run")
    counted = plural(report.failing_results, "failing result")
    doc.add(f"### {counted} in {plural(len(report.clusters), 'cluster')}: {scope}")
    if not report.clusters:
        doc.paragraph("No failed or errored results.")
        return doc.render()
    doc.table(
        md.Table(["count", "tests", "runs", "message"], align=["right", "left", "right", "left"]),
        (
            [f"{c.count:,}", cluster_tests(c.tests), f"{c.run_count:,}",
             md.escape(c.message or "(no message)", md.MESSAGE_LIMIT)]
            for c in report.clusters
        ),
    )  # fmt: skip
    return doc.render()


def cluster_tests(tests: Sequence[ClusterTest], shown: int = 3) -> str:
    names = [md.code(t.label, md.NAME_LIMIT) for t in tests[:shown]]
    more = [f"and {len(tests) - shown:,} more"] if len(tests) > shown else []
    return "<br>".join(names + more)


def history_markdown(report: HistoryReport, limit: int = md.MAX_CHARS) -> str:
    doc = md.Document(limit)
    doc.add(f"### History of {md.code(report.test.label, md.NAME_LIMIT, in_table=False)}")
    if report.first_bad_run is not None:
        doc.paragraph(
            f"Failing for {plural(report.failing_streak, 'run')}; first bad run "
            f"{md.code(report.first_bad_run.run_id, in_table=False)}"
            + (
                f", last good run {md.code(report.last_good_run.run_id, in_table=False)}"
                if report.last_good_run
                else ""
            )
            + "."
        )
    doc.table(
        md.Table(["run", "time (UTC)", "status", "commit", "time", "message", "mark"]),
        (
            [md.code(r.run_id, 80), r.timestamp.strftime("%Y-%m-%d %H:%M"), md.escape(r.status.value),
             md.code(r.git_sha[:10]) if r.git_sha else "-", format_ms(r.duration_ms),
             md.escape(r.message or "", md.MESSAGE_LIMIT), md.escape((r.mark or "").replace("_", " "))]
            for r in report.runs
        ),
    )  # fmt: skip
    return doc.render()


def domains_markdown(project: str, roots: Sequence[DomainHealthRollupDTO], limit: int = md.MAX_CHARS) -> str:
    """The domain tree as one table, each level indented by its depth."""
    doc = md.Document(limit)
    doc.add(f"### Domains of {md.code(project, in_table=False)}")
    if not roots:
        doc.paragraph("No tests stored yet.")
        return doc.render()
    rows: list[list[str]] = []

    def walk(node: DomainHealthRollupDTO, depth: int) -> None:
        name = (
            "&nbsp;" * (4 * depth) + md.code(node.name) + ("" if node.kind == "domain" else f" ({node.kind})")
        )
        counts = (node.total_tests, node.passed, node.failed, node.skipped)
        rates = [format_rate(node.pass_rate), f"{node.flaky_count:,}", f"{node.open_signals:,}"]
        rows.append([name, *(f"{n:,}" for n in counts), *rates])
        for child in node.children:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    doc.table(
        md.Table(["", "tests", "passed", "failed", "skipped", "pass rate", "flaky", "signals"],
                 align=["left"] + ["right"] * 7),
        rows,
    )  # fmt: skip
    return doc.render()
