"""One self-contained HTML report: a run, domain tree, feature health with SVG trends, flaky tests, signals.

The file needs nothing from the network: CSS is inline, charts are inline SVG, and there is no script at
all (a Content-Security-Policy meta tag forbids scripts, so even a missed escape could not run one).
Every string that came from a report or the store goes through `esc`, which makes control characters
visible (terminal.safe) and then applies html.escape with quotes, so it is safe in text and attributes.
`render_html` is pure over the ReportData that report.collect_report reads from the store.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from ccdash_tests import __version__
from ccdash_tests.health import sparkline
from ccdash_tests.integrity.service import SEVERITY_RANK
from ccdash_tests.models import (
    DomainHealthRollupDTO,
    Status,
    TestIntegritySignalDTO,
    TestRunDTO,
)
from ccdash_tests.output import terminal
from ccdash_tests.report import ReportData
from ccdash_tests.text import first_line, format_ms, format_rate, signal_place, test_label

MAX_ROWS = 500
MESSAGE_LIMIT = 300
NAME_LIMIT = 400

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1f2328;
background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de}
.meta{color:#59636e;margin:.25rem 0 1rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.passed{color:#1a7f37}.failed,.error,.high{color:#cf222e;font-weight:600}.skipped,.medium{color:#9a6700}
.xfailed,.low{color:#59636e}.xpassed{color:#8250df}.verdict-failed{color:#cf222e}.verdict-passed{color:#1a7f37}
ul.tree{list-style:none;padding-left:1.25rem;margin:0}ul.tree li{margin:.15rem 0}
.more{color:#59636e;font-style:italic}.empty{color:#59636e}
svg{vertical-align:middle}
"""


def esc(value: object, limit: int | None = None) -> str:
    """Report text made safe for HTML text and quoted attributes."""
    return html.escape(terminal.safe(value, limit), quote=True)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


# --- charts -----------------------------------------------------------------------------------------


def trend_svg(values: Sequence[float | None], width: int = 140, height: int = 28, label: str = "") -> str:
    """A line of pass rates (0..1, None a gap) on a fixed 0-100% scale, oldest left."""
    pad = 3
    count = len(values)
    step = (width - 2 * pad) / max(1, count - 1)

    def point(index: int, value: float) -> tuple[float, float]:
        share = min(1.0, max(0.0, value))
        return pad + index * step, pad + (1 - share) * (height - 2 * pad)

    segments: list[list[tuple[float, float]]] = [[]]
    marks = []
    for index, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x, y = point(index, value)
        segments[-1].append((x, y))
        marks.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour(value)}">'
            f"<title>run {index + 1} of {count}: {format_rate(value)}</title></circle>"
        )
    lines = [
        '<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
        + '"/>'
        for segment in segments
        if len(segment) > 1
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f8fa"/>'
        + "".join(lines)
        + "".join(marks)
        + "</svg>"
    )


def colour(value: float | None) -> str:
    if value is None:
        return "#8c959f"
    return "#1a7f37" if value >= 0.95 else "#9a6700" if value >= 0.8 else "#cf222e"


def run_pass_rate(run: TestRunDTO) -> float | None:
    counted = run.passed_tests + run.failed_tests
    return run.passed_tests / counted if counted else None


def runs_svg(runs: Sequence[TestRunDTO], height: int = 80) -> str:
    """One bar per run (oldest left): its height the run's pass rate, red when the run failed."""
    bar, gap = 14, 4
    width = max(1, len(runs)) * (bar + gap) + gap
    bars = []
    for index, run in enumerate(runs):
        value = run_pass_rate(run)
        tall = max(2.0, (value or 0.0) * (height - 4))
        fill = "#cf222e" if run.status.value == "failed" else colour(value)
        bars.append(
            f'<rect x="{gap + index * (bar + gap)}" y="{height - tall:.1f}" '
            f'width="{bar}" height="{tall:.1f}" '
            f'fill="{fill}"><title>{esc(run.run_id, 80)} {when(run.timestamp)}: {format_rate(value)} '
            f"({run.passed_tests} passed, {run.failed_tests} failed)</title></rect>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="runs" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="pass rate of the last {len(runs)} runs">'
        + "".join(bars)
        + "</svg>"
    )


# --- sections ---------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], total: int, numeric: set[int]) -> str:
    """An HTML table from cells that are already HTML; at most MAX_ROWS rows, then a "more" line."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for shown, cells in enumerate(rows):
        if shown >= MAX_ROWS:
            break
        body.append(
            "<tr>"
            + "".join(
                f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                for i, cell in enumerate(cells)
            )
            + "</tr>"
        )
    more = f'<p class="more">... and {total - len(body):,} more</p>' if total > len(body) else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def status_cell(status: Status, flaky: bool = False) -> str:
    return f'<span class="{status.value}">{status.value}</span>' + (" flaky" if flaky else "")


def run_section(data: ReportData) -> str:
    run = data.run
    if run is None:
        return '<h2 id="run">Latest run</h2><p class="empty">No runs stored yet.</p>'
    facts = [
        ("run", f"<code>{esc(run.run_id)}</code>"),
        ("time (UTC)", when(run.timestamp)),
        ("status", f'<span class="verdict-{esc(run.status.value)}">{esc(run.status.value)}</span>'),
        ("commit", f"<code>{esc(run.git_sha or '-')}</code>"),
        ("branch", esc(run.branch or "-")),
        ("session", esc(run.agent_session_id or "-")),
        ("trigger", esc(run.trigger.value)),
        ("duration", esc(format_ms(run.duration_ms))),
    ]
    counts = [(s.value, run.status_counts.get(s, 0)) for s in Status] + [("flaky", run.flaky_tests)]
    parts = [
        '<h2 id="run">Run</h2>',
        table([name for name, _ in facts], [[value for _, value in facts]], 1, set()),
        table(
            [name for name, _ in counts] + ["total"],
            [[*(str(n) for _, n in counts), str(run.total_tests)]],
            1,
            set(range(len(counts) + 1)),
        ),
    ]
    if data.runs:
        parts.append(f"<p>Pass rate of the last {len(data.runs)} runs, oldest first</p>{runs_svg(data.runs)}")
    parts.append(f"<h3>Failures ({len(data.failures):,})</h3>")
    if data.failures:
        rows = (
            [
                f"<code>{esc(r.label, NAME_LIMIT)}</code>",
                status_cell(r.status),
                esc(format_ms(r.duration_ms)),
                esc(first_line(r.error_message or r.error_details), MESSAGE_LIMIT),
            ]
            for r in data.failures
        )
        parts.append(table(["test", "status", "time", "message"], rows, len(data.failures), {2}))
    else:
        parts.append('<p class="empty">No failures.</p>')
    if data.retried:
        parts.append(f"<h3>Passed after a retry ({len(data.retried):,})</h3>")
        rows = ([f"<code>{esc(t.label, NAME_LIMIT)}</code>", str(t.attempts)] for t in data.retried)
        parts.append(table(["test", "attempts"], rows, len(data.retried), {1}))
    return "".join(parts)


def domain_node(node: DomainHealthRollupDTO) -> str:
    kind = "" if node.kind == "domain" else f" <small>({esc(node.kind)})</small>"
    figures = (
        f" — {node.total_tests} tests, {node.passed} passed, {node.failed} failed, {node.skipped} skipped, "
        f'<span style="color:{colour(node.pass_rate)}">{format_rate(node.pass_rate)}</span>'
    )
    if node.flaky_count:
        figures += f", {node.flaky_count} flaky"
    if node.open_signals:
        figures += f', <span class="high">{node.open_signals} open signals</span>'
    children = "".join(domain_node(child) for child in node.children)
    nested = f'<ul class="tree">{children}</ul>' if children else ""
    return f"<li><strong>{esc(node.name)}</strong>{kind}{figures}{nested}</li>"


def domains_section(data: ReportData) -> str:
    if not data.domains:
        return '<h2 id="domains">Domains</h2><p class="empty">No tests stored yet.</p>'
    return (
        '<h2 id="domains">Domains</h2><ul class="tree">'
        + "".join(domain_node(node) for node in data.domains)
        + "</ul>"
    )


def features_section(data: ReportData) -> str:
    head = f'<h2 id="features">Feature health ({len(data.features):,})</h2>'
    if not data.features:
        return head + '<p class="empty">No mapped features yet.</p>'
    ordered = sorted(
        data.features,
        key=lambda r: (-1.0 if r.pass_rate is None else r.pass_rate, r.integrity_score, r.feature),
    )
    rows = (
        [
            esc(row.domain_id or "-"),
            f"<code>{esc(row.feature, NAME_LIMIT)}</code>",
            str(row.total_tests),
            f'<span style="color:{colour(row.pass_rate)}">{format_rate(row.pass_rate)}</span>',
            trend_svg(row.trend, label=f"{row.feature} pass rate, last {len(row.trend)} runs")
            + f" <small>{esc(sparkline(row.trend))}</small>",
            format_rate(row.flake_rate),
            f"{row.integrity_score:.2f}",
            str(row.open_signals),
            f"<code>{esc(row.last_good_run_id or '-', 40)}</code>",
        ]
        for row in ordered
    )
    headers = ["domain", "feature", "tests", "pass rate", f"trend ({data.trend_runs} runs)", "flake rate"]
    return head + table(
        [*headers, "integrity", "signals", "last good run"], rows, len(ordered), {2, 3, 5, 6, 7}
    )


def flaky_section(data: ReportData) -> str:
    head = f'<h2 id="flaky">Flaky tests ({len(data.flaky):,}, last {data.flaky_runs} runs)</h2>'
    if not data.flaky:
        return head + '<p class="empty">No flaky tests.</p>'
    rows = (
        [
            f"<code>{esc(test_label(t.classname, t.name), NAME_LIMIT)}</code>",
            esc(", ".join(t.reasons)),
            format_rate(t.flake_rate),
            str(t.flips),
            str(t.retried),
            f"{t.passed}/{t.results}",
        ]
        for t in data.flaky
    )
    return head + table(
        ["test", "why", "flake rate", "flips", "retried", "passed/counted"],
        rows,
        len(data.flaky),
        {2, 3, 4, 5},
    )


def signals_section(data: ReportData) -> str:
    head = f'<h2 id="integrity">Open integrity signals ({len(data.signals):,})</h2>'
    if not data.signals:
        return head + '<p class="empty">No open integrity signals.</p>'
    ordered = sorted(
        data.signals,
        key=lambda s: (-SEVERITY_RANK[s.severity], -(s.created_at.timestamp() if s.created_at else 0.0)),
    )
    rows = (
        [
            f'<span class="{s.severity.value}">{s.severity.value}</span>',
            esc(s.signal_type),
            f"<code>{esc(signal_place(s.file_path, s.test_name), NAME_LIMIT)}</code>",
            f"<code>{esc(s.git_sha[:12])}</code>",
            esc(s.agent_session_id or "-", 60),
            "<br>".join(esc(line, 200) for line in evidence_lines(s)) or "-",
        ]
        for s in ordered
    )
    return head + table(
        ["severity", "signal", "test", "commit", "session", "evidence"], rows, len(ordered), set()
    )


def evidence_lines(signal: TestIntegritySignalDTO) -> list[str]:
    details = signal.details
    lines = [f"- {line}" for line in list(details.get("removed", []))[:3]]
    lines += [f"+ {line}" for line in list(details.get("added", []))[:3]]
    if "assertions_before" in details and "assertions_after" in details:
        lines.append(f"assertions {details['assertions_before']} -> {details['assertions_after']}")
    return lines


def render_html(data: ReportData) -> str:
    """The whole report as one HTML document."""
    title = f"Test report: {data.project}"
    subtitle = f"generated {when(data.generated_at)} UTC by ccdash-tests {__version__}"
    nav = " · ".join(
        f'<a href="#{anchor}">{name}</a>'
        for anchor, name in (
            ("run", "Run"),
            ("domains", "Domains"),
            ("features", "Features"),
            ("flaky", "Flaky"),
            ("integrity", "Integrity"),
        )
    )
    body = "".join(
        (
            run_section(data),
            domains_section(data),
            features_section(data),
            flaky_section(data),
            signals_section(data),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{esc(title)}</h1><p class="meta">{esc(subtitle)}</p><nav>{nav}</nav>'
        f"{body}</body></html>\n"
    )


def write_report(path: Path, text: str) -> int:
    """Write the file whole or not at all (a temporary file beside it, then a rename); returns its bytes."""
    data = text.encode("utf-8")
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(data)
