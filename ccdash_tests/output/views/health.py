"""The views of `domains` and `health`: a Rich tree and table, Markdown for CI summaries, JSON."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.text import Text
from rich.tree import Tree

from ccdash_tests.errors import GateFailed
from ccdash_tests.health import below_fail_under, sparkline
from ccdash_tests.health.report import Coverage, FeatureTest, HealthReport
from ccdash_tests.models import DomainHealthRollupDTO, FeatureTestHealthDTO, Status
from ccdash_tests.output import listings, markdown, terminal
from ccdash_tests.output.formats import ListFormat, OutputFormat
from ccdash_tests.text import feature_label, format_rate, plural, short_run_id

# The gate's failure line names at most this many features.
GATE_NAMED = 10


def rate_style(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "green" if rate >= 0.95 else "yellow" if rate >= 0.8 else "red"


def node_label(node: DomainHealthRollupDTO) -> Text:
    """The node's name, then its numbers on a line of their own that is cut, never wrapped."""
    label = Text()
    label.append(terminal.safe(node.name), style="bold" if node.kind != "feature" else "")
    if node.kind != "domain":
        label.append(f" ({node.kind})", style="dim")
    stats = Text(no_wrap=True, overflow="ellipsis")
    stats.append(plural(node.total_tests, "test"))
    stats.append("  ")
    stats.append(format_rate(node.pass_rate), style=rate_style(node.pass_rate))
    for count, word, style in (
        (node.passed, "passed", "green"),
        (node.failed, "failed", "red"),
        (node.skipped, "skipped", "yellow"),
        (node.flaky_count, "flaky", "magenta"),
    ):
        if count:
            stats.append(f"  {count:,} {word}", style=style)
    if node.open_signals:
        stats.append(f"  {plural(node.open_signals, 'open signal')}", style="bold red")
    stats.append(f"  last run {terminal.format_minute(node.last_run_at)}", style="dim")
    return Text("\n").join([label, stats])


def domain_tree_view(roots: Sequence[DomainHealthRollupDTO]) -> Tree:
    tree = Tree(Text("Domains", style="bold"), guide_style="dim")

    def add(parent: Tree, node: DomainHealthRollupDTO) -> None:
        branch = parent.add(node_label(node))
        for child in node.children:
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree


def feature_document(row: FeatureTestHealthDTO) -> dict:
    document = row.model_dump(mode="json")
    document["sparkline"] = sparkline(row.trend)
    return document


def health_table(report: HealthReport) -> terminal.Grid:
    grid = terminal.Grid(
        Text("Feature health", style="bold"),
        [
            terminal.Col("feature", "name", min=16),
            terminal.Col("tests", justify="right"),
            terminal.Col("pass", justify="right"),
            terminal.Col(f"trend ({report.trend_runs})"),
            terminal.Col("flaky", justify="right"),
            terminal.Col("integrity", justify="right"),
            terminal.Col("signals", justify="right"),
            terminal.Col("last good run", "id", min=10, optional=True),
            terminal.Col("last run", optional=True),
        ],
    )
    for row in report.features:
        grid.add_row(
            terminal.plain(feature_label(row.feature, row.domain_id)),
            f"{row.total_tests:,}",
            Text(format_rate(row.pass_rate), style=rate_style(row.pass_rate)),
            trend_text(row.trend),
            format_rate(row.flake_rate),
            Text(f"{row.integrity_score:.2f}", style="red" if row.integrity_score < 1 else "green"),
            Text(f"{row.open_signals:,}", style="bold red" if row.open_signals else "dim"),
            terminal.plain(short_run_id(row.last_good_run_id) if row.last_good_run_id else "-"),
            terminal.format_minute(row.last_run_at),
        )
    return grid


def trend_text(trend: Sequence[float | None]) -> Text:
    """The sparkline, each bar red when its run had a failure, so a drop from 100% to 98% shows."""
    line = sparkline(trend)
    text = Text()
    for bar, rate in zip(line, trend, strict=False):
        text.append(bar, style="cyan" if rate is None or rate >= 1 else "red")
    return text


def tests_table(tests: Sequence[FeatureTest]) -> terminal.Grid:
    grid = terminal.Grid(
        Text("Tests behind the feature", style="bold"),
        [
            terminal.Col("test", "name", min=24),
            terminal.Col("latest"),
            terminal.Col("path", "name", min=16, optional=True),
        ],
    )
    for test in tests:
        status = terminal.status_text(test.status) if test.status else Text("no result", style="dim")
        if test.flaky:
            status.append(" (flaky)", style="magenta")
        grid.add_row(terminal.plain(test.label), status, terminal.plain(test.path or "-"))
    return grid


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
        failed = below_fail_under(report.features, fail_under)
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
            + (" ❌" if fail_under is not None and row in below_fail_under([row], fail_under) else ""),
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
                    markdown.code(t.label, markdown.NAME_LIMIT),
                    markdown.code(t.path or "-", 200),
                    markdown.escape(
                        (t.status.value if t.status else "no result") + (" flaky" if t.flaky else "")
                    ),
                ]
                for t in tests
            ],
        )
    return doc.render()


def empty_reasons(project: str, coverage: Coverage) -> list[str]:
    """Why no test has a primary feature, and what to do about it, one sentence per cause."""
    if coverage.tests == 0:
        return [f"No tests stored for project {project!r} yet. Store a run: ccdash-tests ingest REPORT.xml"]
    reasons = []
    if coverage.guesses_only:
        reasons.append(
            f"{plural(coverage.guesses_only, 'test')} {'has' if coverage.guesses_only == 1 else 'have'} only"
            " path guesses, which are never primary: confirm them with a rules file"
            " (ccdash-tests map suggest writes one to edit, then map import FILE) or feature tags."
        )
    if coverage.without_path:
        reasons.append(
            f"{plural(coverage.without_path, 'test')} {'has' if coverage.without_path == 1 else 'have'} no"
            " file path, so path rules cannot match them: ingest from the checkout or with --root."
        )
    unmapped = coverage.tests - coverage.guesses_only
    if not reasons or unmapped == coverage.tests:
        reasons.append(
            f"{plural(unmapped, 'test')} {'is' if unmapped == 1 else 'are'} not mapped to any feature:"
            " ccdash-tests map resolve, then a rules file (ccdash-tests map suggest) or tags."
        )
    return reasons


def show_domains(
    project: str,
    roots: Sequence[DomainHealthRollupDTO],
    coverage: Coverage | None,
    json_out: bool,
    fmt: OutputFormat = OutputFormat.TABLE,
) -> None:
    if json_out:
        terminal.print_json({"project": project, "domains": [root.model_dump(mode="json") for root in roots]})
        return
    if fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(listings.domains_markdown(project, roots))
        return
    console = terminal.make_console()
    if roots:
        console.print(domain_tree_view(roots))
    if coverage is not None:
        for reason in empty_reasons(project, coverage):
            console.print(terminal.plain(reason, style="yellow"))


def show_health(
    project: str,
    report: HealthReport,
    fmt: ListFormat,
    json_out: bool,
    fail_under: float | None,
    with_tests: bool,
) -> None:
    """`health` in the form asked for: JSON (with the gate's verdict when asked), Markdown or tables."""
    if json_out:
        terminal.print_json(health_document(project, report, fail_under, with_tests))
    elif fmt is ListFormat.MARKDOWN:
        sys.stdout.write(health_markdown(project, report, fail_under, with_tests=with_tests))
    elif fmt is ListFormat.CSV:
        sys.stdout.write(listings.health_csv(report))
    else:
        show_health_tables(project, report, with_tests)


def health_document(project: str, report: HealthReport, fail_under: float | None, with_tests: bool) -> dict:
    document: dict = {
        "project": project,
        "runs": report.trend_runs,
        "features": [feature_document(row) for row in report.features],
    }
    if with_tests:
        document["tests"] = [test.to_json_dict() for test in report.tests]
    if fail_under is not None:
        failed = below_fail_under(report.features, fail_under)
        document["gate"] = {
            "fail_under": fail_under,
            "passed": not failed,
            "failed_features": [row.label for row in failed],
        }
    return document


def show_health_tables(project: str, report: HealthReport, with_tests: bool) -> None:
    console = terminal.make_console()
    if not report.features:
        reasons = empty_reasons(project, report.coverage) if report.coverage else []
        console.print("No feature has a primary mapping yet.")
        for reason in reasons:
            console.print(terminal.plain(reason, style="yellow"))
        return
    console.print(health_table(report))
    if with_tests:
        console.print(tests_table(report.tests))


def health_gate_failed(failed: Sequence[FeatureTestHealthDTO], fail_under: float) -> GateFailed:
    """`health --fail-under`'s failure: how many features, then the first of them with their rates."""
    listed = ", ".join(f"{row.label} ({format_rate(row.pass_rate)})" for row in failed[:GATE_NAMED])
    more = f" and {len(failed) - GATE_NAMED} more" if len(failed) > GATE_NAMED else ""
    return GateFailed(
        f"health gate failed: {plural(len(failed), 'feature')} below {format_rate(fail_under)}",
        [listed + more],
    )
