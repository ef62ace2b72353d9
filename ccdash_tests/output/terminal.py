"""Terminal and JSON output. Every name from a report is data: shown literally, never as markup or escapes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.control import strip_control_codes
from rich.style import Style
from rich.table import Table
from rich.text import Span, Text

# Re-exported: the views print JSON and tables through this module; `runs list --json` uses jsonout alone.
from ccdash_tests.output.jsonout import print_json as print_json

# Re-exported: every view declares its columns as terminal.Col.
from ccdash_tests.output.layout import COLUMN_GAP as COLUMN_GAP
from ccdash_tests.output.layout import COMFORTABLE as COMFORTABLE
from ccdash_tests.output.layout import RESULT_COLUMNS as RESULT_COLUMNS
from ccdash_tests.output.layout import CellKind as CellKind
from ccdash_tests.output.layout import Col as Col
from ccdash_tests.output.layout import fit_widths
from ccdash_tests.output.plain import SHA_SHOWN as SHA_SHOWN
from ccdash_tests.output.plain import STATUS_STYLE as STATUS_STYLE
from ccdash_tests.output.plain import counts_pieces, run_header_pieces
from ccdash_tests.output.plain import format_time as format_time
from ccdash_tests.output.plain import safe as safe
from ccdash_tests.output.plain import short_sha as short_sha
from ccdash_tests.records import Status, TestResultDTO, TestRunDTO
from ccdash_tests.text import ELLIPSIS, first_line, format_ms, short_run_id


def plain(value: object, style: str = "", limit: int | None = None) -> Text:
    """A Rich Text that never interprets markup: `[bold]` in a test name stays `[bold]`."""
    return Text(safe(value, limit), style=style)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """A closed pipe ends the command the way every command ends on one (commands/running.py:
        user_errors, exit 141), not with Rich's own exit 1, which would read as a failed gate."""
        self.quiet = True
        raise BrokenPipeError


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    # highlight=False: Rich's auto-highlighter would colour numbers and paths inside report names.
    return _Console(stderr=stderr, highlight=False, width=width, soft_wrap=False)


# ---- tables that fit the terminal -------------------------------------------------------------------


class Grid:
    """A table that never breaks an identifier: it fits the width by cutting identifiers with an
    ellipsis and wrapping free text, and becomes a stacked list of records when even that cannot fit.

    A Rich renderable: the console's width at print time decides (80 in a pipe, $COLUMNS when set).
    """

    def __init__(self, title: str | Text, columns: Sequence[Col]) -> None:
        self.title = title if isinstance(title, Text) else Text(safe(title))
        self.columns = list(columns)
        self.rows: list[list[Text]] = []
        self.notes: list[Text] = []

    def add_row(self, *cells: str | Text) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([cell if isinstance(cell, Text) else Text(cell) for cell in cells])

    def add_note(self, note: str | Text) -> None:
        """A line under the table (what was cut and the command that shows the rest)."""
        self.notes.append(note if isinstance(note, Text) else Text(note, style="dim"))

    def natural_widths(self) -> list[int]:
        widths = [cell_len(column.header) for column in self.columns]
        for row in self.rows:
            for index, cell in enumerate(row):
                longest = max((cell_len(line) for line in cell.plain.split("\n")), default=0)
                widths[index] = max(widths[index], longest)
        return widths

    def fitted_widths(self, width: int) -> list[int] | None:
        """Each column's width within `width` (layout.fit_widths); None when the grid must be stacked."""
        return fit_widths(self.columns, self.natural_widths(), width, measure=cell_len)

    def hidden_note(self, widths: Sequence[int]) -> Iterator[Text]:
        """One dim line naming the optional columns the fit left out (width 0), so nobody misses them."""
        hidden = [
            c.header for c, width in zip(self.columns, widths, strict=True) if c.optional and width == 0
        ]
        if hidden:
            shown = ", ".join(hidden)
            yield Text(f"not shown at this width: {shown} (a wider terminal or --json has them)", style="dim")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self.fitted_widths(options.max_width)
        if widths is None:
            yield from self.stacked(options.max_width)
        else:
            yield self.table(widths)
            yield from self.hidden_note(widths)
        yield from self.notes

    def print_streamed(
        self, console: Console, rows: Iterable[Sequence[str | Text]], chunk: int = 500
    ) -> None:
        """Print `rows` as they come, `chunk` at a time, never holding them all: the first chunk decides
        the column widths (or the stacked layout) for the rest."""
        widths: list[int] | None = None
        first = True
        source = iter(rows)
        while batch := list(islice(source, chunk)):
            self.rows = []
            for cells in batch:
                self.add_row(*cells)
            if first:
                widths = self.fitted_widths(console.width)
            if widths is None:
                for line in self.stacked(console.width, title=first):
                    console.print(line)
            elif first:
                console.print(self.table(widths))
            else:
                self.print_lines(console, widths)
            first = False
        self.rows = []
        if first:
            console.print(self.title)
        if widths is not None and not first:
            for line in self.hidden_note(widths):
                console.print(line)
        for note in self.notes:
            console.print(note)

    def print_lines(self, console: Console, widths: Sequence[int]) -> None:
        """The rows under an already printed header, as the table would print them. A row whose cells
        all fit is laid out as plain strings with its styles as spans, and a run of such rows is printed
        as one Text: a Text per cell and per line costs more than the layout itself (`runs show --all`
        of 200,000 results took 31 CPU s that way). A row with a cell that must wrap goes through a
        headerless table."""
        shown = [i for i, width in enumerate(widths) if width > 0]
        lines: list[str] = []
        spans: list[Span] = []
        size = 0  # characters in `lines`, each with its line end
        for row in self.rows:
            laid = self.laid_out(row, widths, shown)
            if laid is None:
                _print_lines(console, lines, spans)
                lines, spans, size = [], [], 0
                single = Grid(self.title, self.columns)
                single.rows = [row]
                console.print(single.table(widths, header=False))
                continue
            line, line_spans = laid
            spans.extend(Span(size + span.start, size + span.end, span.style) for span in line_spans)
            lines.append(line)
            size += len(line) + 1
        _print_lines(console, lines, spans)

    def laid_out(
        self, row: Sequence[Text], widths: Sequence[int], shown: Sequence[int]
    ) -> tuple[str, list[Span]] | None:
        """One row as a line of plain text and its style spans, each cell fitted to its width as the
        table would fit it; None when a cell must wrap."""
        parts: list[str] = []
        spans: list[Span] = []
        size = 0
        for index in shown:
            cell, column, width = row[index], self.columns[index], widths[index]
            text, cell_spans = cell.plain, _cell_spans(cell)
            if "\n" in text:
                return None
            used = cell_len(text)
            if used > width:
                if column.kind == "text":
                    return None  # it wraps: the table's work
                if cell.spans or not text.isascii():  # several styles or wide characters: Text's cut
                    fitted = fit_cell(cell, column, width)
                    text, cell_spans, used = fitted.plain, _cell_spans(fitted), fitted.cell_len
                    if used > width:
                        return None
                else:
                    text, cell_spans, used = *_cut(text, cell.style, column.kind, width), width
            room = width - used
            start = size + (room if column.justify == "right" else 0)
            spans.extend(Span(start + span.start, start + span.end, span.style) for span in cell_spans)
            parts.append(" " * room + text if column.justify == "right" else text + " " * room)
            parts.append(" " * COLUMN_GAP)
            size += len(parts[-2]) + COLUMN_GAP  # characters, not cells: spans count characters
        line = "".join(parts).rstrip()
        end = len(line)
        return line, [Span(span.start, min(span.end, end), span.style) for span in spans if span.start < end]

    def table(self, widths: Sequence[int], header: bool = True) -> Table:
        table = Table(
            title=self.title if header else None,
            show_header=header,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            show_edge=False,
            padding=(0, 1, 0, 0),
        )
        shown = [i for i, width in enumerate(widths) if width > 0]
        for column, width in ((self.columns[i], widths[i]) for i in shown):
            table.add_column(
                column.header,
                justify=column.justify,
                width=width,
                no_wrap=column.kind != "text",
                overflow="fold" if column.kind == "text" else "ellipsis",
            )
        for row in self.rows:
            table.add_row(*(fit_cell(row[i], self.columns[i], widths[i]) for i in shown))
        return table

    def stacked(self, width: int, title: bool = True) -> Iterator[Text]:
        """One block a row: the first column on its own line, then `header: value` lines, indented."""
        if title:
            yield self.title
        for row in self.rows:
            yield Text("")
            head = row[0].copy()
            head.stylize("bold")
            yield fit_cell(head, self.columns[0], width)
            for column, cell in zip(self.columns[1:], row[1:], strict=True):
                if not cell.plain or cell.plain == "-":
                    continue
                line = Text(f"  {column.header}: ", style="dim")
                room = max(1, width - cell_len(line.plain))
                # A cell of several lines goes on under its first, indented past the labels.
                first, *more = (cell if column.kind == "text" else fit_cell(cell, column, room)).split("\n")
                line.append_text(first)
                yield line
                for rest in more:
                    yield Text("    ") + (
                        rest if column.kind == "text" else fit_cell(rest, column, width - 4)
                    )


def _cell_spans(cell: Text) -> list[Span]:
    """A cell's styles as spans, its own style first (the table applies it under the spans)."""
    own = [Span(0, len(cell.plain), cell.style)] if cell.style else []
    return own + cell.spans


def _cut(text: str, style: str | Style, kind: CellKind, width: int) -> tuple[str, list[Span]]:
    """fit_cell's cut of a one-line, one-style ASCII cell, as plain text and spans."""
    if kind == "name":
        kept = text[len(text) - (width - 1) :]
        return ELLIPSIS + kept, [Span(0, 1, "dim"), *([Span(1, width, style)] if style else [])]
    kept = text[: width - 1]
    return kept + ELLIPSIS, [*([Span(0, width, style)] if style else []), Span(width - 1, width, "dim")]


def _print_lines(console: Console, lines: Sequence[str], spans: list[Span]) -> None:
    """Lines that already fit, printed as one Text with nothing left to wrap or crop; written out as
    they are when there is nothing to style (a pipe or a file), which Rich would render line by line."""
    if not lines:
        return
    text = "\n".join(lines)
    if console.color_system is None and not console.record:
        console.file.write(strip_control_codes(text) + "\n")
    else:
        console.print(Text(text, spans=spans), crop=False, soft_wrap=True)


def fit_line(console: Console, text: Text, kind: CellKind = "name") -> Text:
    """A line that holds an identifier, cut to the console's width behind an ellipsis, never wrapped."""
    return fit_cell(text, Col("", kind), console.width)


def fit_cell(cell: Text, column: Col, width: int) -> Text:
    """`cell` within `width`: ids lose their end, names their start, behind an ellipsis; text is left
    to wrap."""
    if column.kind == "text" or width <= 0:
        return cell
    lines = cell.split("\n")
    fitted = []
    for line in lines:
        if cell_len(line.plain) <= width:
            fitted.append(line)
        elif column.kind == "name":
            kept = line[len(line.plain) - (width - 1) :]
            fitted.append(Text.assemble((ELLIPSIS, "dim"), kept))  # only the ellipsis is dim
        else:
            cut = line[: width - 1]
            cut.append(ELLIPSIS, style="dim")
            fitted.append(cut)
    return Text("\n").join(fitted)


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def format_minute(value: datetime | None) -> str:
    """A time in a table cell: to the minute, UTC."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def counts_line(run: TestRunDTO) -> Text:
    return _assembled(counts_pieces(run))


def _assembled(pieces: Iterable[tuple[str, str]]) -> Text:
    """A Text of (text, style) pieces, each appended as it is."""
    text = Text()
    for piece, style in pieces:
        text.append(piece, style=style)
    return text


def runs_table(runs: Sequence[TestRunDTO]) -> Grid:
    grid = Grid(
        "Runs (newest first)",
        [
            Col("run", "id", min=12),
            Col("time (UTC)"),
            Col("status"),
            *(Col(name, justify="right") for name in ("pass", "fail", "skip")),
            Col("sha"),
            Col("branch", "id", min=8),
            Col("flaky", justify="right", optional=True),
        ],
    )
    for run in runs:
        grid.add_row(
            plain(short_run_id(run.run_id)),
            run.timestamp.strftime("%Y-%m-%d %H:%M"),
            Text(run.status.value, style="red" if run.status.value == "failed" else "green"),
            f"{run.passed_tests:,}",
            f"{run.failed_tests:,}",
            f"{run.skipped_tests:,}",
            short_sha(run.git_sha, 7),
            plain(run.branch or "-"),
            f"{run.flaky_tests:,}",
        )
    return grid


def run_header(run: TestRunDTO) -> Text:
    return _assembled(run_header_pieces(run))


def result_cells(result: TestResultDTO) -> list[str | Text]:
    status = status_text(result.status)
    if result.flaky:
        status.append(" flaky", style="magenta")
    return [
        plain(result.label),
        status,
        format_ms(result.duration_ms),
        str(result.attempts),
        plain(first_line(result.error_message or result.error_details), limit=160),
    ]


def results_table(results: Iterable[TestResultDTO], title: str | Text = "Results") -> Grid:
    grid = Grid(title, RESULT_COLUMNS)
    for result in results:
        grid.add_row(*result_cells(result))
    return grid


def more_note(count: int, command: str) -> Text:
    """The line under a cut listing: how many were left out and the command that shows them."""
    return Text(f"and {count:,} more: {safe(command)}", style="dim")
