"""One self-contained HTML report: a run, domain tree, feature health with SVG trends, flaky tests, signals.

The file needs nothing from the network: CSS is inline, charts are inline SVG, and there is no script at
all (a Content-Security-Policy meta tag forbids scripts, so even a missed escape could not run one).
Every string that came from a report or the store goes through `esc`, which makes control characters
visible (terminal.safe) and then applies html.escape with quotes, so it is safe in text and attributes.
`render_html` is pure over the ReportData that report.collect_report reads from the store.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from ccdash_tests import __version__
from ccdash_tests.integrity.service import SEVERITY_RANK
from ccdash_tests.models import (
    DomainHealthRollupDTO,
    Status,
    TestIntegritySignalDTO,
    TestResultDTO,
    TestRunDTO,
)
from ccdash_tests.output import terminal
from ccdash_tests.report import ReportData
from ccdash_tests.text import (
    first_line,
    format_ms,
    format_rate,
    plural,
    signal_place,
    stated_wall_time,
)

MAX_ROWS = 500
MESSAGE_LIMIT = 160
DETAIL_LIMIT = 8_000
NAME_LIMIT = 400

CSS = """
:root{--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d0d7de;--head:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;
--warn:#9a6700;--accent:#0969da;--purple:#8250df;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;
--head:#151b23;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--accent:#4493f8;--purple:#ab7df8}}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;
max-width:1280px;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
h1{font-size:1.5rem;margin:0 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .25rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1.25rem 0 .25rem}
.frame{color:var(--muted);margin:0 0 .5rem;font-size:.9em}
.meta{color:var(--muted);margin:.25rem 0 1rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:var(--head)}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;overflow-wrap:anywhere}
pre{white-space:pre-wrap;background:var(--head);padding:.5rem;margin:.25rem 0;max-height:24rem;overflow:auto}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0}
.passed,.ok{color:var(--ok)}.failed,.error,.high,.bad{color:var(--bad);font-weight:600}
.skipped,.medium{color:var(--warn)}.xfailed,.low{color:var(--muted)}.xpassed{color:var(--purple)}
.verdict-failed{color:var(--bad)}.verdict-passed{color:var(--ok)}
ul.tree{list-style:none;padding-left:1.25rem;margin:0}ul.tree li{margin:.15rem 0}
.more{color:var(--muted);font-style:italic}.empty{color:var(--muted)}
details.failure{border:1px solid var(--line);border-radius:4px;margin:.35rem 0;padding:.25rem .5rem}
details.failure summary{cursor:pointer;overflow-wrap:anywhere}
.features{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,300px),1fr));gap:.75rem}
.feature{border:1px solid var(--line);border-radius:4px;padding:.5rem}
.feature h3{margin:0 0 .25rem;overflow-wrap:anywhere}
svg{max-width:100%;height:auto;vertical-align:middle}
svg .grid{stroke:var(--line);stroke-width:1}svg .axis{fill:var(--muted);font-size:9px}
svg .line{fill:none;stroke:var(--accent);stroke-width:1.5}svg .bg{fill:var(--head)}
svg .pt-ok{fill:var(--ok)}svg .pt-bad{fill:var(--bad)}svg .pt-warn{fill:var(--warn)}
svg .shown{fill:none;stroke:var(--fg);stroke-width:1.5}
svg .bar-ok{fill:var(--ok)}svg .bar-warn{fill:var(--warn)}svg .bar-bad{fill:var(--bad)}
svg .bar-none{fill:var(--muted)}
"""


def esc(value: object, limit: int | None = None) -> str:
    """Report text made safe for HTML text and quoted attributes."""
    return html.escape(terminal.safe(value, limit), quote=True)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


# --- charts -----------------------------------------------------------------------------------------


def chart_floor(values: Sequence[float | None]) -> float:
    """The bottom of a trend chart's scale: 0%, or a 5% step under the lowest value when every value is
    high, so a drop from 100% to 98% takes a visible part of the height."""
    known = [v for v in values if v is not None]
    low = min(known, default=1.0)
    if low < 0.5:
        return 0.0
    return max(0.0, math.floor((min(low, 1.0) - 0.01) * 20) / 20)


def trend_svg(
    values: Sequence[float | None],
    width: int = 280,
    height: int = 64,
    label: str = "",
    shown: int | None = None,
) -> str:
    """Pass rates (0..1, None a gap), oldest left, on a scale from chart_floor to 100% (both labelled);
    runs below 100% are marked red or amber, and the point at index `shown` is ringed."""
    left, pad = 30, 5
    count = len(values)
    step = (width - left - pad) / max(1, count - 1)
    bottom = chart_floor(values)

    def point(index: int, value: float) -> tuple[float, float]:
        share = (min(1.0, max(bottom, value)) - bottom) / (1.0 - bottom)
        return left + index * step, pad + (1 - share) * (height - 2 * pad)

    segments: list[list[tuple[float, float]]] = [[]]
    marks = []
    for index, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x, y = point(index, value)
        segments[-1].append((x, y))
        kind = "ok" if value >= 1.0 else "warn" if value >= 0.95 else "bad"
        radius = 2 if value >= 1.0 else 3.5
        marks.append(
            f'<circle class="pt-{kind}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}">'
            f"<title>run {index + 1} of {count}: {format_rate(value)}</title></circle>"
        )
        if index == shown:
            marks.append(f'<circle class="shown" cx="{x:.1f}" cy="{y:.1f}" r="6"/>')
    lines = [
        '<polyline class="line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in segment) + '"/>'
        for segment in segments
        if len(segment) > 1
    ]
    top_y, low_y = pad, height - pad
    axis = (
        f'<line class="grid" x1="{left}" y1="{top_y}" x2="{width - pad}" y2="{top_y}"/>'
        f'<line class="grid" x1="{left}" y1="{low_y}" x2="{width - pad}" y2="{low_y}"/>'
        f'<text class="axis" x="{left - 3}" y="{top_y + 3}" text-anchor="end">100%</text>'
        f'<text class="axis" x="{left - 3}" y="{low_y + 3}" text-anchor="end">{bottom:.0%}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}">'
        + axis
        + "".join(lines)
        + "".join(marks)
        + "</svg>"
    )


def run_pass_rate(run: TestRunDTO) -> float | None:
    counted = run.passed_tests + run.failed_tests
    return run.passed_tests / counted if counted else None


def runs_svg(runs: Sequence[TestRunDTO], height: int = 80, shown: str | None = None) -> str:
    """One bar per run (oldest left): its height the run's pass rate, red when the run failed; the run
    `shown` in detail is outlined."""
    bar, gap = 14, 4
    width = max(1, len(runs)) * (bar + gap) + gap
    bars = []
    for index, run in enumerate(runs):
        value = run_pass_rate(run)
        tall = max(2.0, (value or 0.0) * (height - 4))
        kind = "bad" if run.status.value == "failed" else bar_kind(value)
        x = gap + index * (bar + gap)
        bars.append(
            f'<rect class="bar-{kind}" x="{x}" y="{height - tall:.1f}" '
            f'width="{bar}" height="{tall:.1f}">'
            f"<title>{esc(run.run_id, 80)} {when(run.timestamp)}: {format_rate(value)} "
            f"({run.passed_tests} passed, {run.failed_tests} failed)</title></rect>"
        )
        if run.run_id == shown:
            bars.append(f'<rect class="shown" x="{x - 1.5}" y="1" width="{bar + 3}" height="{height - 2}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="runs" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="pass rate of the last {len(runs)} runs">'
        + "".join(bars)
        + "</svg>"
    )


def bar_kind(value: float | None) -> str:
    if value is None:
        return "none"
    return "ok" if value >= 1.0 else "warn" if value >= 0.95 else "bad"


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
    # A wide table scrolls inside its own box; the page itself never gets wider than the screen.
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>{more}'


def status_cell(status: Status, flaky: bool = False) -> str:
    return f'<span class="{status.value}">{status.value}</span>' + (" flaky" if flaky else "")


def frame(text: str) -> str:
    """The time frame a section speaks of, under its heading: sections show different moments."""
    return f'<p class="frame">{esc(text)}</p>'


def rate_span(rate: float | None) -> str:
    kind = "empty" if rate is None else "ok" if rate >= 0.95 else "medium" if rate >= 0.8 else "bad"
    return f'<span class="{kind}">{format_rate(rate)}</span>'


def latest_run(data: ReportData) -> TestRunDTO | None:
    return data.runs[-1] if data.runs else None


def run_section(data: ReportData) -> str:
    run = data.run
    if run is None:
        return '<h2 id="run">Latest run</h2><p class="empty">No runs stored yet.</p>'
    latest = latest_run(data)
    is_latest = latest is None or latest.run_id == run.run_id
    facts = [
        ("run", f"<code>{esc(run.run_id)}</code>"),
        ("time (UTC)", when(run.timestamp)),
        ("status", f'<span class="verdict-{esc(run.status.value)}">{esc(run.status.value)}</span>'),
        ("commit", f"<code>{esc(run.git_sha or '-')}</code>"),
        ("branch", esc(run.branch or "-")),
        ("session", esc(run.agent_session_id or "-")),
        ("trigger", esc(run.trigger.value)),
        ("test time", esc(f"{format_ms(run.duration_ms)} (sum of test times)")),
        ("wall time", esc(stated_wall_time(run.metadata) or "-")),
    ]
    counts = [(s.value, run.status_counts.get(s, 0)) for s in Status] + [("flaky", run.flaky_tests)]
    heading = "Latest run" if is_latest else "Run"
    parts = [
        f'<h2 id="run">{heading}</h2>',
        frame(
            f"This run, as stored at {when(run.timestamp)} UTC."
            + (
                ""
                if is_latest
                else f" Newer runs exist; the sections below are as of the latest, "
                f"{latest.run_id if latest else ''} at {when(latest.timestamp if latest else None)} UTC."
            )
        ),
        '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>",
        '<p class="counts">'
        + "".join(f'<span class="{esc(k) if n else "empty"}">{n:,} {esc(k)}</span>' for k, n in counts)
        + f"<span>{run.total_tests:,} total</span></p>",
    ]
    if data.runs:
        parts.append(
            f"<h3>Pass rate of the last {len(data.runs)} runs</h3>"
            + frame("Oldest left; red: a run with failures; the run shown here is outlined.")
            + runs_svg(data.runs, shown=run.run_id)
        )
    parts.append(f"<h3>Failures ({len(data.failures):,})</h3>")
    if data.failures:
        parts.append(frame("Of this run, worst first: open one for its message, place and stored details."))
        parts.extend(failure_details(data, result) for result in data.failures[:MAX_ROWS])
        if len(data.failures) > MAX_ROWS:
            parts.append(f'<p class="more">... and {len(data.failures) - MAX_ROWS:,} more</p>')
    else:
        parts.append('<p class="empty">No failures.</p>')
    if data.retried:
        parts.append(f"<h3>Passed after a retry ({len(data.retried):,})</h3>")
        rows = ([f"<code>{esc(t.label, NAME_LIMIT)}</code>", str(t.attempts)] for t in data.retried)
        parts.append(table(["test", "attempts"], rows, len(data.retried), {1}))
    return "".join(parts)


def failure_details(data: ReportData, result: TestResultDTO) -> str:
    """One failure, collapsed to its name, status and first line; open: message, file:line, details."""
    path, line = data.locations.get(result.test_id, (result.path, None))
    place = f"{path}:{line}" if path and line else path or "unknown file"
    message = result.error_message or ""
    stored = result.error_details or ""
    body = [f"<p>at <code>{esc(place)}</code> · {esc(format_ms(result.duration_ms))}</p>"]
    if message:
        body.append(f"<pre>{esc(message, DETAIL_LIMIT)}</pre>")
    if stored and stored.strip() != message.strip():
        body.append(f"<pre>{esc(stored, DETAIL_LIMIT)}</pre>")
    summary = (
        f"<code>{esc(result.label, NAME_LIMIT)}</code> {status_cell(result.status)} "
        f"{esc(first_line(message or stored), MESSAGE_LIMIT)}"
    )
    return f'<details class="failure"><summary>{summary}</summary>{"".join(body)}</details>'


def domain_node(node: DomainHealthRollupDTO) -> str:
    kind = "" if node.kind == "domain" else f" <small>({esc(node.kind)})</small>"
    figures = (
        f" — {plural(node.total_tests, 'test')}, {node.passed:,} passed, {node.failed:,} failed, "
        f"{node.skipped:,} skipped, "
        f"{rate_span(node.pass_rate)}"
    )
    if node.flaky_count:
        figures += f", {node.flaky_count} flaky"
    if node.open_signals:
        figures += f', <span class="high">{plural(node.open_signals, "open signal")}</span>'
    children = "".join(domain_node(child) for child in node.children)
    nested = f'<ul class="tree">{children}</ul>' if children else ""
    return f"<li><strong>{esc(node.name)}</strong>{kind}{figures}{nested}</li>"


def domains_section(data: ReportData) -> str:
    head = '<h2 id="domains">Domains</h2>' + frame("Now: each test's latest result.")
    if not data.domains:
        return head + '<p class="empty">No tests stored yet.</p>'
    return head + '<ul class="tree">' + "".join(domain_node(node) for node in data.domains) + "</ul>"


def features_section(data: ReportData) -> str:
    head = f'<h2 id="features">Feature health ({len(data.features):,})</h2>' + frame(
        f"Now: pass rates from each test's latest result; each chart is the last {data.trend_runs} runs, "
        "oldest left, scaled so any drop shows (red: a run below 95%)."
    )
    if not data.features:
        return head + '<p class="empty">No mapped features yet.</p>'
    ordered = sorted(
        data.features,
        key=lambda r: (-1.0 if r.pass_rate is None else r.pass_rate, r.integrity_score, r.feature),
    )
    latest = latest_run(data)
    shows_latest = data.run is not None and latest is not None and data.run.run_id == latest.run_id
    cards = []
    for row in ordered:
        shown = len(row.trend) - 1 if shows_latest and row.trend else None
        chart = trend_svg(
            row.trend, label=f"{row.feature} pass rate, last {len(row.trend)} runs", shown=shown
        )
        numbers = (
            f"{row.total_tests:,} tests · pass {rate_span(row.pass_rate)}"
            f" · flaky {format_rate(row.flake_rate)} · integrity {row.integrity_score:.2f}"
            + (f' · <span class="high">{row.open_signals:,} open signals</span>' if row.open_signals else "")
            + f" · last good run <code>{esc(row.last_good_run_id or '-', 40)}</code>"
        )
        domain = f'<p class="frame">{esc(row.domain_id)}</p>' if row.domain_id else ""
        cards.append(
            f'<div class="feature"><h3><code>{esc(row.feature, NAME_LIMIT)}</code></h3>{domain}'
            f"<p>{numbers}</p>{chart}</div>"
        )
    return head + f'<div class="features">{"".join(cards)}</div>'


def flaky_section(data: ReportData) -> str:
    head = f'<h2 id="flaky">Flaky tests ({len(data.flaky):,}, last {data.flaky_runs} runs)</h2>' + frame(
        f"The last {data.flaky_runs} runs, up to now."
    )
    if not data.flaky:
        return head + '<p class="empty">No flaky tests.</p>'
    rows = (
        [
            f"<code>{esc(t.label, NAME_LIMIT)}</code>",
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
    head = f'<h2 id="integrity">Open integrity signals ({len(data.signals):,})</h2>' + frame(
        "Now: every signal not acknowledged, whichever run it came with."
    )
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
