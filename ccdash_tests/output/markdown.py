"""GitHub-flavoured Markdown output with escaping and a length budget ($GITHUB_STEP_SUMMARY, MR comments).

Generic part: `escape` and `code` make report text render literally (a test named `<script>`, `a|b` or
`*x*` cannot open HTML, split a table cell or start emphasis); `Document` collects blocks under a
character budget; `Document.table` adds rows while they fit and then says "... and N more". Budgets
count characters (GitHub limits comments to 65,536 characters). Consumers below: `run_summary`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccdash_tests.records import Status, TestResultDTO, TestRunDTO, failures_worst_first
from ccdash_tests.text import INVISIBLE, LINE_BREAKS, first_line, format_ms, one_line, stated_wall_time

if TYPE_CHECKING:
    from ccdash_tests.runs import RunDelta

MAX_CHARS = 65_000

# Punctuation that Markdown (CommonMark, GFM tables and strikethrough, GitHub math) interprets anywhere
# in a line; a backslash before ASCII punctuation is always a literal in CommonMark.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]|~$])")
# What starts a block only at the beginning of a line: headings, lists, setext underlines, ordered lists.
_BLOCK_START = re.compile(r"^([#+\-=]|\d+[.)])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BACKTICKS = re.compile(r"`+")


# What GitHub and GitLab turn into a notification or a link in a comment: @mentions, #123 and !123
# references, bare URLs and www. links. Inside a code span they stay literal text.
_LIVE = re.compile(
    r"(?:https?://|www\.)[^\s|<>`]*[^\s|<>`.,;:!?)'\"]|(?<![\w`])[@#!][\w./-]*\w", re.IGNORECASE
)


def escape(value: object, limit: int | None = None) -> str:
    """Inline Markdown that renders exactly as the text reads, on one line (`limit` cuts the source text):
    no markup, and no mention, issue reference or autolink (those are put in code spans)."""
    text = one_line(value, limit)
    pieces, start = [], 0
    for match in _LIVE.finditer(text):
        pieces.append(_escape_plain(text[start : match.start()]))
        pieces.append(code(match.group(0)))
        start = match.end()
    pieces.append(_escape_plain(text[start:]))
    return "".join(pieces)


def _escape_plain(text: str) -> str:
    text = "".join(_HTML.get(char, char) for char in text)
    # Entities were produced above, so their "&" and ";" must stay as they are: only punctuation is escaped.
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def code(value: object, limit: int | None = None, in_table: bool = True) -> str:
    """A code span holding the text literally; in a table cell `|` is escaped, as GFM requires there."""
    text = one_line(value, limit)
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    # GFM splits table cells before it parses code spans, so `|` needs its backslash even here.
    return f"{fence}{padded.replace('|', chr(92) + '|') if in_table else padded}{fence}"


@dataclass(frozen=True)
class Table:
    """Column headers (plain text, escaped here) and alignments ("left", "right" or "center")."""

    headers: Sequence[str]
    align: Sequence[str] = ()

    def head(self) -> str:
        marks = {"left": ":---", "right": "---:", "center": ":---:"}
        aligns = [marks.get(a, "---") for a in self.align] + ["---"] * (len(self.headers) - len(self.align))
        return f"{self.row([escape(h) for h in self.headers])}\n{self.row(aligns)}"

    def row(self, cells: Sequence[str]) -> str:
        """One row from cells that are already Markdown (built with `escape`/`code`); line breaks folded."""
        if len(cells) != len(self.headers):
            raise ValueError(f"row has {len(cells)} cells, the table {len(self.headers)} columns")
        return "| " + " | ".join(LINE_BREAKS.sub(" ", cell) or " " for cell in cells) + " |"


def more_line(count: int) -> str:
    return f"... and {count:,} more"


@dataclass
class Document:
    """Markdown blocks joined by blank lines, never longer than `limit` characters once rendered."""

    limit: int = MAX_CHARS
    blocks: list[str] = field(default_factory=list)
    used: int = 0

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def _cost(self, block: str) -> int:
        # render() ends the first block with a newline and puts a blank line before each later one.
        return len(block) + (2 if self.blocks else 1)

    def add(self, block: str) -> bool:
        """Add a block of Markdown whole if it fits; False (and nothing added) when it does not."""
        cost = self._cost(block)
        if cost > self.remaining:
            return False
        self.blocks.append(block)
        self.used += cost
        return True

    def heading(self, level: int, text: str) -> bool:
        return self.add(f"{'#' * max(1, min(level, 6))} {escape(text)}")

    def paragraph(self, markdown: str) -> bool:
        return self.add(markdown)

    def table(
        self,
        table: Table,
        rows: Iterable[Sequence[str]],
        total: int | None = None,
        budget: int | None = None,
    ) -> int:
        """Add rows in order while they fit in `budget` (default: what is left); returns how many were added.

        When rows are left out, a "... and N more" paragraph follows, N counted against `total`
        (default: the number of rows given; pass it when `rows` is only a prefix of the list).
        """
        rows = list(rows)
        total = len(rows) if total is None else total
        budget = self.remaining if budget is None else min(budget, self.remaining)
        reserve = len(more_line(total)) + 2
        lines = [table.head()]
        size = self._cost(lines[0])
        if size + (reserve if rows else 0) > budget:
            return self._more_only(total)
        for index, cells in enumerate(rows):
            line = table.row(cells)
            last = index == len(rows) - 1 and total == len(rows)
            if size + len(line) + 1 + (0 if last else reserve) > budget:
                break
            lines.append(line)
            size += len(line) + 1
        written = len(lines) - 1
        self.add("\n".join(lines))
        if written < total:
            self.add(more_line(total - written))
        return written

    def _more_only(self, total: int) -> int:
        if total:
            self.add(more_line(total))
        return 0

    def render(self) -> str:
        return "\n\n".join(self.blocks) + "\n" if self.blocks else ""


# --- reports built on the generic part ------------------------------------------------------------------

NAME_LIMIT = 300
MESSAGE_LIMIT = 240


DETAIL_LINES = 12
DETAILS_SHOWN = 50
CHANGES_SHOWN = 25
_UNSEEN = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}]")


def signed(value: float | None, unit: str = "") -> str:
    """A change with its sign: `+3`, `−1` (a minus sign, which no Markdown reads as a list), `±0`;
    durations as `+1.20 s`."""
    if value is None:
        return "-"
    if unit == "ms":
        text = format_ms(abs(value))
        return "±0" if value == 0 else ("+" if value > 0 else "\u2212") + text
    return "±0" if value == 0 else f"{value:+,.0f}".replace("-", "\u2212")


def links_line(links: Mapping[str, str]) -> str:
    """`[commit](url) · [CI run](url)`: links the tool builds from the CI environment (never report text)."""
    safe = {name: url for name, url in links.items() if not re.search(r"[\s()<>]", url)}
    return " · ".join(f"[{escape(name)}]({url})" for name, url in safe.items())


def literal_block(text: str) -> str:
    """Text as a fenced code block: shown literally (no markup, mention or link), invisible
    characters escaped; the fence is longer than any backtick run in the text."""
    shown = _UNSEEN.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    longest = max((len(run) for run in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{shown}\n{fence}"


def failure_block(result: TestResultDTO, place: str | None) -> str:
    """One failure as a collapsed section: the test and status, then its first lines and `file:line`."""
    message, details = (result.error_message or "").strip(), (result.error_details or "").strip()
    lines = message.splitlines()
    if details and details != message:
        lines += details.splitlines()
    shown = lines[:DETAIL_LINES]
    if len(lines) > DETAIL_LINES:
        shown.append(f"... {len(lines) - DETAIL_LINES:,} more lines")
    if place:
        shown.append(f"at {place}")
    summary = f"<code>{html_text(result.label, NAME_LIMIT)}</code> {html_text(result.status.value)}"
    return f"<details><summary>{summary}</summary>\n\n{literal_block(chr(10).join(shown))}\n\n</details>"


def html_text(value: object, limit: int | None = None) -> str:
    """Text for raw HTML inside Markdown (a <summary>): one line, markup escaped."""
    return "".join(_HTML.get(char, char) for char in one_line(value, limit)).replace('"', "&quot;")


def delta_tables(doc: Document, run: TestRunDTO, delta: RunDelta) -> None:
    """The run against its base run: the counts with their change, then the tests that changed."""
    change = delta.change(run)
    base = delta.base
    table = Table(["", "tests", "passed", "failed", "skipped", "duration"], align=["left"] + ["right"] * 5)

    def figures(r: TestRunDTO) -> list[str]:
        numbers = (r.total_tests, r.passed_tests, r.failed_tests, r.skipped_tests)
        return [f"{n:,}" for n in numbers] + [format_ms(r.duration_ms)]

    doc.table(
        table,
        [
            ["this run", *figures(run)],
            [f"base {code(base.run_id, 40)}", *figures(base)],
            [
                "change",
                *(signed(change[k]) for k in ("tests", "passed", "failed", "skipped")),
                signed(change["duration_ms"], "ms"),
            ],
        ],
    )
    for title, labels in (
        ("New failures", delta.new_failures),
        ("Fixed", delta.fixed),
        ("Removed tests", delta.removed),
        ("Newly skipped", delta.newly_skipped),
    ):
        if not labels:
            continue
        if not doc.heading(4, f"{title} ({len(labels):,})"):
            return
        items = [f"- {code(label, NAME_LIMIT, in_table=False)}" for label in labels[:CHANGES_SHOWN]]
        if len(labels) > CHANGES_SHOWN:
            items.append(f"- {more_line(len(labels) - CHANGES_SHOWN)}")
        doc.add("\n".join(items))


def run_summary(
    run: TestRunDTO,
    failures: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
    limit: int = MAX_CHARS,
    delta: RunDelta | None = None,
    links: Mapping[str, str] | None = None,
    places: Mapping[str, str] | None = None,
    base_branch: str | None = None,
) -> str:
    """One run as Markdown: header, links, counts (with the change against the base run), what changed,
    failures worst first with their first message line and their details collapsed, flaky tests."""
    doc = Document(limit)
    verdict = {"failed": "❌ failed", "passed": "✅ passed"}.get(run.status.value, run.status.value)
    doc.add(f"### Test run {code(run.run_id, in_table=False)} {verdict}")
    if links:
        doc.paragraph(links_line(links))
    facts = [
        ("project", code(run.project_id)),
        ("time (UTC)", run.timestamp.strftime("%Y-%m-%d %H:%M:%S")),
        ("commit", code(run.git_sha[:12]) if run.git_sha else ""),
        ("branch", code(run.branch) if run.branch else ""),
        ("session", code(run.agent_session_id) if run.agent_session_id else ""),
        ("trigger", escape(run.trigger.value)),
        ("test time", f"{format_ms(run.duration_ms)} (sum)"),
        ("wall time", stated_wall_time(run.metadata) or ""),
    ]
    shown = [(name, value) for name, value in facts if value]
    doc.table(Table([name for name, _ in shown]), [[value for _, value in shown]])
    statuses = list(Status)
    counts = Table([*(s.value for s in statuses), "flaky", "total"], align=["right"] * (len(statuses) + 2))
    doc.table(
        counts,
        [
            [
                *(f"{run.status_counts.get(s, 0):,}" for s in statuses),
                f"{run.flaky_tests:,}",
                f"{run.total_tests:,}",
            ]
        ],
    )
    if delta is not None:
        delta_tables(doc, run, delta)
    elif base_branch is not None:
        doc.paragraph(f"No earlier run of branch {code(base_branch, 200, in_table=False)} to compare with.")
    ordered = failures_worst_first(failures)
    if ordered:
        doc.heading(4, f"Failures ({len(ordered):,})")
        # Keep a third of what is left for the flaky list, so a flood of failures cannot hide it.
        budget = doc.remaining - (doc.remaining // 3 if flaky else 0)
        rows = [
            [code(r.label, NAME_LIMIT), escape(r.status.value), escape(_message(r), MESSAGE_LIMIT)]
            for r in ordered
        ]
        doc.table(Table(["test", "status", "message"]), rows, budget=budget // 2)
        reserve = doc.remaining // 3 if flaky else 0
        for result in ordered[:DETAILS_SHOWN]:
            block = failure_block(result, (places or {}).get(result.test_id))
            if len(block) + 2 > doc.remaining - reserve or not doc.add(block):
                break
    if flaky:
        doc.heading(4, f"Flaky tests ({len(flaky):,})")
        rows = [
            [code(r.label, NAME_LIMIT), str(r.attempts), escape(format_ms(r.duration_ms))]
            for r in sorted(flaky, key=lambda r: r.label)
        ]
        doc.table(Table(["test", "attempts", "time"], align=["left", "right", "right"]), rows)
    return doc.render()


def _message(result: TestResultDTO) -> str:
    return first_line(result.error_message) or first_line(result.error_details)
