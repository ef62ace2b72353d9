"""Terminal text without Rich: safe text, and Rich's own layout of a summary when it shows no colour.

Rich costs a small `ingest` more than the summary it prints (importing it, then building a Text per
cell). When the stream is not a terminal (a CI log, a pipe, a file) Rich writes no escape codes at
all, only its layout: words wrapped at the width, a table's cells padded and folded. `plain_width`
says when that holds, and the functions below write the same bytes from plain strings. Anything they
would have to judge (a character wider or narrower than one cell, a table that must be stacked, a
terminal) is left to Rich: they answer None. tests/test_output_plain.py holds them to Rich's output,
in this process and in real `ingest` processes.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import IO

from ccdash_tests.output.layout import COLUMN_GAP, Col, fit_widths
from ccdash_tests.records import Status, TestRunDTO
from ccdash_tests.text import ELLIPSIS, INVISIBLE, clip, format_ms, stated_wall_time

# C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and the bidi controls and
# invisible characters that can make a name read differently from what it is.
_CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f{INVISIBLE}]")

# Characters one terminal cell wide whatever the font: printable ASCII, and the ellipsis the tool adds.
_ONE_CELL = re.compile(rf"[\x20-\x7e{ELLIPSIS}]*")
# A word as Rich wraps text: the spaces before it, the word, and the spaces after it.
_WORD = re.compile(r"\s*\S+\s*")
# Narrower than this, Rich's own choices (a stacked grid, folded identifiers) are left to Rich.
MIN_WIDTH = 20
# The rule under a table's header (Rich's SIMPLE_HEAD box).
HEAD_RULE = "\u2500"


# Commits are shown by their first 10 hex digits (7 in the runs list), as git does.
SHA_SHOWN = 10

STATUS_STYLE: dict[Status, str] = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "bold red",
    Status.SKIPPED: "yellow",
    Status.XFAILED: "cyan",
    Status.XPASSED: "magenta",
}

# Text and its Rich style ("" for none): what terminal.py assembles into a Text, and what is printed
# here as it is when no style is shown.
Piece = tuple[str, str]


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(
        char, f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"
    )


def safe(value: object, limit: int | None = None) -> str:
    """Text safe for a terminal: control characters shown as escapes, optionally cut to `limit`."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(_visible, clip(text, limit))


def short_sha(sha: str | None, length: int = SHA_SHOWN) -> str:
    return sha[:length] if sha else "-"


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def run_header_pieces(run: TestRunDTO) -> list[Piece]:
    """The run's first line (id, time, verdict), then one `label: value` line per detail it has."""
    pieces = [
        ("run ", "bold"),
        (safe(run.run_id), ""),
        (f"  {format_time(run.timestamp)}  ", ""),
        (run.status.value, "bold red" if run.status.value == "failed" else "bold green"),
    ]
    details = [
        ("sha", short_sha(run.git_sha) if run.git_sha else None),
        ("branch", run.branch),
        ("session", run.agent_session_id),
        ("trigger", run.trigger.value),
        # The run's duration is the sum of its tests' times (what the reports state per case).
        (
            "test time",
            f"{format_ms(run.duration_ms)} (sum of test times)" if run.duration_ms is not None else None,
        ),
        ("wall time", stated_wall_time(run.metadata)),
    ]
    for label, value in details:
        if value:
            pieces += [(f"\n  {label}: ", "dim"), (safe(value), "")]
    return pieces


def counts_pieces(run: TestRunDTO) -> list[Piece]:
    """`949 passed  11 failed  35 skipped`: each status the run has (passed and failed always)."""
    pieces: list[Piece] = []
    for status in Status:
        count = run.status_counts.get(status, 0)
        if count or status in (Status.PASSED, Status.FAILED):
            if pieces:
                pieces.append(("  ", ""))
            pieces.append((f"{count:,} {status.value}", STATUS_STYLE[status] if count else "dim"))
    if run.flaky_tests:
        pieces.append((f"  {run.flaky_tests:,} flaky", "magenta"))
    return pieces


def one_cell(text: str) -> bool:
    """Whether every character of `text` takes exactly one cell (so its width is its length)."""
    return _ONE_CELL.fullmatch(text) is not None


def _styled(stream: IO[str], environ: Mapping[str, str]) -> bool:
    """Whether Rich would treat `stream` as a terminal (and so write colours and styles)."""
    tty_compatible = environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _utf8(stream: IO[str]) -> bool:
    """Whether `stream` takes the ellipsis and the rule (else Rich says how to fix the encoding)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding in ("utf8", "utf8sig")


def plain_width(stream: IO[str], environ: Mapping[str, str] | None = None) -> int | None:
    """The width Rich would lay `stream`'s output out at when it writes no styles to it; None when it
    would style it (a terminal, FORCE_COLOR, TTY_COMPATIBLE=1), on Windows, when the stream is not
    UTF-8, or below MIN_WIDTH."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32" or _styled(stream, env) or not _utf8(stream):
        return None
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    else:
        # Rich asks stdin, stdout and stderr in turn for a terminal's size, even for a piped stream.
        width = 0
        for descriptor in (0, 1, 2):
            try:
                width = os.get_terminal_size(descriptor).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return width if width >= MIN_WIDTH else None


def _breaks(line: str, width: int) -> list[int]:
    """Where a line is broken to fit `width`: before a word that does not fit what is left of the line;
    a word longer than a whole line is cut into pieces of `width`."""
    breaks: list[int] = []
    used = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - used >= length:
            used += len(word)
        elif length > width:
            pieces = [word[at : at + width] for at in range(0, len(word), width)]
            for piece in pieces:
                if start:
                    breaks.append(start)
                start += len(piece)
            used = len(pieces[-1])
        elif used and start:
            breaks.append(start)
            used = len(word)
    return breaks


def wrap(text: str, width: int) -> list[str]:
    """`text` wrapped at `width` as Rich wraps a printed Text: each of its lines broken at words, a
    line keeping its trailing spaces up to the width, nothing padded."""
    out: list[str] = []
    for line in text.split("\n"):
        cuts = [0, *_breaks(line, width), len(line)]
        out.extend(line[a:b][:width] for a, b in pairwise(cuts))
    return out


def _cell(text: str, column: Col, width: int) -> list[str]:
    """One table cell's lines, each padded to `width`: ids lose their end and names their start behind
    an ellipsis; text wraps."""
    if column.kind == "text":
        return [piece.ljust(width) for piece in wrap(text, width)]
    if len(text) > width:
        if column.kind == "name":
            text = ELLIPSIS + text[len(text) - (width - 1) :]
        else:
            text = text[: width - 1] + ELLIPSIS
    return [text.rjust(width) if column.justify == "right" else text.ljust(width)]


def table(title: str, columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> list[str] | None:
    """A Grid's table as Rich prints it at `width` (title, header, rule, rows); None when a cell or
    the title is not all one-cell characters, a cell spans lines, or the grid would be stacked."""
    texts = [title, *(cell for row in rows for cell in row)]
    if not all(one_cell(text) for text in texts) or not all(one_cell(c.header) for c in columns):
        return None
    natural = [max([len(column.header), *(len(row[i]) for row in rows)]) for i, column in enumerate(columns)]
    widths = fit_widths(columns, natural, width)
    if widths is None or any(c.justify not in ("left", "right") for c in columns):
        return None
    if 0 in widths:
        return None  # an optional column left out: the note that names it is the Grid's
    table_width = sum(widths) + COLUMN_GAP * (len(widths) - 1)
    lines = [piece.ljust(table_width) for piece in wrap(title, table_width)]
    lines.extend(_row([c.header for c in columns], columns, widths))
    lines.append(HEAD_RULE * table_width)  # the box's rule under the header
    for row in rows:
        lines.extend(_row(row, columns, widths))
    return lines


def _row(cells: Sequence[str], columns: Sequence[Col], widths: Sequence[int]) -> list[str]:
    """One row's lines: its cells side by side, a cell shorter than the others padded below."""
    laid = [_cell(cell, column, width) for cell, column, width in zip(cells, columns, widths, strict=True)]
    height = max(len(cell) for cell in laid)
    blank = [" " * width for width in widths]
    return [
        (" " * COLUMN_GAP).join(cell[index] if index < len(cell) else blank[i] for i, cell in enumerate(laid))
        for index in range(height)
    ]


def text_lines(text: str, width: int) -> list[str] | None:
    """A printed line of text as Rich wraps it; None when not every character is one cell wide."""
    return wrap(text, width) if one_cell(text.replace("\n", " ")) else None
