"""`ccdash-tests domains` and `ccdash-tests health`: feature health judged by the tests that prove it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ccdash_tests import markdown, render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    OutputFormat,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import EXIT_GATE, UserError
from ccdash_tests.health import sparkline
from ccdash_tests.health.report import (
    FeatureTest,
    HealthReport,
    domain_report,
    health_report,
)
from ccdash_tests.models import DomainHealthRollupDTO, FeatureTestHealthDTO, Status
from ccdash_tests.store import open_store
from ccdash_tests.text import format_rate, test_label


def rate_style(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "green" if rate >= 0.95 else "yellow" if rate >= 0.8 else "red"


def node_label(node: DomainHealthRollupDTO) -> Text:
    label = Text()
    label.append(render.safe(node.name), style="bold" if node.kind != "feature" else "")
    if node.kind != "domain":
        label.append(f" ({node.kind})", style="dim")
    label.append(f"  {node.total_tests} tests  ")
    label.append(f"{node.passed} passed", style="green" if node.passed else "dim")
    label.append("  ")
    label.append(f"{node.failed} failed", style="red" if node.failed else "dim")
    label.append(f"  {node.skipped} skipped  ", style="dim" if not node.skipped else "yellow")
    label.append(format_rate(node.pass_rate), style=rate_style(node.pass_rate))
    if node.flaky_count:
        label.append(f"  {node.flaky_count} flaky", style="magenta")
    if node.open_signals:
        label.append(f"  {node.open_signals} open signals", style="bold red")
    label.append(f"  last run {render.format_time(node.last_run_at)}", style="dim")
    return label


def domain_tree_view(roots: Sequence[DomainHealthRollupDTO]) -> Tree:
    tree = Tree(Text("Domains", style="bold"), guide_style="dim")

    def add(parent: Tree, node: DomainHealthRollupDTO) -> None:
        branch = parent.add(node_label(node))
        for child in node.children:
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree


@app.command()
def domains(
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """The domain -> subdomain -> feature tree with each level's test health."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            roots = domain_report(store.engine, name)
        if json_out:
            render.print_json({"project": name, "domains": [root.model_dump(mode="json") for root in roots]})
            return
        console = render.make_console()
        if not roots:
            console.print("No tests stored yet. Store a run with: ccdash-tests ingest REPORT.xml")
            return
        console.print(domain_tree_view(roots))


def feature_document(row: FeatureTestHealthDTO) -> dict:
    document = row.model_dump(mode="json")
    document["sparkline"] = sparkline(row.trend)
    return document


def gate_failures(rows: Sequence[FeatureTestHealthDTO], fail_under: float) -> list[FeatureTestHealthDTO]:
    """Features whose pass rate is below the gate; a feature with no counted result cannot pass it either."""
    return [row for row in rows if row.pass_rate is None or row.pass_rate < fail_under]


def health_table(report: HealthReport) -> Table:
    table = Table(title="Feature health", title_justify="left")
    for column, justify in (
        ("domain", "left"),
        ("feature", "left"),
        ("tests", "right"),
        ("pass rate", "right"),
        (f"trend ({report.trend_runs} runs)", "left"),
        ("flake rate", "right"),
        ("integrity", "right"),
        ("signals", "right"),
        ("last run", "left"),
        ("last good run", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in report.features:
        table.add_row(
            render.plain(row.domain_id or "-"),
            render.plain(row.feature),
            str(row.total_tests),
            Text(format_rate(row.pass_rate), style=rate_style(row.pass_rate)),
            Text(sparkline(row.trend), style="cyan"),
            format_rate(row.flake_rate),
            Text(f"{row.integrity_score:.2f}", style="red" if row.integrity_score < 1 else "green"),
            Text(str(row.open_signals), style="bold red" if row.open_signals else "dim"),
            render.format_time(row.last_run_at),
            render.plain(row.last_good_run_id or "-", limit=16),
        )
    return table


def tests_table(tests: Sequence[FeatureTest]) -> Table:
    table = Table(title="Tests behind the feature", title_justify="left")
    table.add_column("test", overflow="fold")
    table.add_column("path", overflow="fold")
    table.add_column("latest")
    for test in tests:
        status = render.status_text(test.status) if test.status else Text("no result", style="dim")
        if test.flaky:
            status.append(" (flaky)", style="magenta")
        label = test_label(test.classname, test.name)
        table.add_row(render.plain(label), render.plain(test.path or "-"), status)
    return table


def worst_features(rows: Sequence[FeatureTestHealthDTO]) -> list[FeatureTestHealthDTO]:
    """Lowest pass rate first (no counted result before any rate), then lowest integrity score."""
    return sorted(
        rows,
        key=lambda row: (
            -1.0 if row.pass_rate is None else row.pass_rate,
            row.integrity_score,
            row.label,
        ),
    )


def health_markdown(
    project: str,
    report: HealthReport,
    fail_under: float | None,
    with_tests: bool = False,
    limit: int = markdown.MAX_CHARS,
) -> str:
    """Feature health as Markdown, worst first, never longer than `limit` characters."""
    doc = markdown.Document(limit)
    title = f"### Feature health of {markdown.code(project, in_table=False)}"
    if fail_under is not None:
        failed = gate_failures(report.features, fail_under)
        verdict = "❌ failed" if failed else "✅ passed"
        title += f": gate {format_rate(fail_under)} {verdict}"
        if failed:
            title += f" ({len(failed):,} below)"
    doc.add(title)
    if not report.features:
        doc.paragraph("No mapped features yet.")
        return doc.render()
    rows = [
        [
            markdown.code(row.domain_id or "-"),
            markdown.code(row.feature, markdown.NAME_LIMIT),
            str(row.total_tests),
            format_rate(row.pass_rate)
            + (" ❌" if fail_under is not None and row in gate_failures([row], fail_under) else ""),
            markdown.escape(sparkline(row.trend)) or " ",
            format_rate(row.flake_rate),
            f"{row.integrity_score:.2f}",
            str(row.open_signals),
            markdown.code(row.last_good_run_id or "-", 40),
        ]
        for row in worst_features(report.features)
    ]
    headers = ["domain", "feature", "tests", "pass rate", f"trend ({report.trend_runs} runs)", "flake rate"]
    table = markdown.Table(
        [*headers, "integrity", "signals", "last good run"],
        align=["left", "left", "right", "right", "left", "right", "right", "right", "left"],
    )
    budget = doc.remaining - (doc.remaining // 3 if with_tests and report.tests else 0)
    doc.table(table, rows, budget=budget)
    if with_tests and report.tests:
        # A test with no result sorts just before the passed ones.
        tests = sorted(
            report.tests,
            key=lambda t: (t.status.rank if t.status else Status.PASSED.rank - 0.5, t.classname, t.name),
        )
        doc.heading(4, f"Tests behind the feature ({len(tests):,})")
        doc.table(
            markdown.Table(["test", "path", "latest"]),
            [
                [
                    markdown.code(test_label(t.classname, t.name), markdown.NAME_LIMIT),
                    markdown.code(t.path or "-", 200),
                    markdown.escape(
                        (t.status.value if t.status else "no result") + (" flaky" if t.flaky else "")
                    ),
                ]
                for t in tests
            ],
        )
    return doc.render()


@app.command()
def health(
    feature: Annotated[
        str | None, typer.Option("--feature", help="Only this feature (case-insensitive).")
    ] = None,
    domain: Annotated[
        str | None, typer.Option("--domain", help="Only this domain and its subdomains.")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, max=500, help="Runs in the trend sparkline.")] = 10,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            min=0.0,
            max=1.0,
            help="Exit 1 when a selected feature's pass rate is below this (0..1), e.g. 0.95; "
            "a feature with no passed or failed result fails too.",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format", help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 characters)."
        ),
    ] = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One row per feature: pass rate, trend, flake rate, integrity score, open signals, last good run."""
    with user_errors():
        if json_out and fmt is not OutputFormat.TABLE:
            raise UserError(f"--json and --format {fmt.value}: choose one")
        name = resolve_project(project)
        with open_store(db) as store:
            report = health_report(store.engine, name, feature=feature, domain=domain, trend_runs=runs)
        failed = gate_failures(report.features, fail_under) if fail_under is not None else []
        if json_out:
            document: dict = {
                "project": name,
                "runs": runs,
                "features": [feature_document(row) for row in report.features],
            }
            if feature is not None:
                document["tests"] = [test.to_json_dict() for test in report.tests]
            if fail_under is not None:
                document["gate"] = {
                    "fail_under": fail_under,
                    "passed": not failed,
                    "failed_features": [row.label for row in failed],
                }
            render.print_json(document)
        elif fmt is OutputFormat.MARKDOWN:
            sys.stdout.write(health_markdown(name, report, fail_under, with_tests=feature is not None))
        else:
            show_health(report, feature is not None)
        if failed:
            raise gate_failed(failed, fail_under or 0.0)


def show_health(report: HealthReport, with_tests: bool) -> None:
    console = render.make_console()
    if not report.features:
        console.print("No mapped features yet. Ingest a run, then: ccdash-tests map resolve")
        return
    console.print(health_table(report))
    if with_tests:
        console.print(tests_table(report.tests))


def gate_failed(failed: Sequence[FeatureTestHealthDTO], fail_under: float) -> typer.Exit:
    listed = ", ".join(f"{row.label} ({format_rate(row.pass_rate)})" for row in failed[:10])
    more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
    sys.stderr.write(
        render.safe(
            f"ccdash-tests: health gate failed: {len(failed)} feature(s) below {format_rate(fail_under)}"
        )
        + f"\n  {render.safe(listed + more)}\n"
    )
    return typer.Exit(EXIT_GATE)
