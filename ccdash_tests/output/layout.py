"""How a table's columns share a width: the fitting rules of every listing, with no Rich in them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

# Between two columns: one space of padding and the box's one-space separator.
COLUMN_GAP = 2

CellKind = Literal["fixed", "id", "name", "text"]
Justify = Literal["default", "left", "center", "right", "full"]
# Below these widths a test name or a message is hard to read; optional columns make room first.
COMFORTABLE: dict[str, int] = {"name": 36, "text": 32}


@dataclass(frozen=True)
class Col:
    """One column of a Grid. `fixed` never shrinks (numbers, statuses, times); `id` is cut at its end
    with an ellipsis (run ids, branches); `name` is cut at its start, so a test's own name stays visible;
    `text` wraps at spaces (messages). `min` is the narrowest an id, name or text column may become
    before the grid is printed stacked, one record a block; an optional column is left out first."""

    header: str
    kind: CellKind = "fixed"
    justify: Justify = "left"
    min: int = 10
    optional: bool = False  # left out (last first) when the table would otherwise be stacked


# A listing of results: `runs show`, `failures`, the ingest summary.
RESULT_COLUMNS = (
    Col("test", "name", min=24),
    Col("status"),
    Col("time", justify="right"),
    Col("tries", justify="right"),
    Col("message", "text", min=16),
)


def needed(sizes: Sequence[int], kept: Sequence[int]) -> int:
    """The width the `kept` columns take side by side."""
    return sum(sizes[i] for i in kept) + COLUMN_GAP * (len(kept) - 1)


def fit_widths(
    columns: Sequence[Col], natural: Sequence[int], width: int, measure: Callable[[str], int] = len
) -> list[int] | None:
    """Each column's width within `width`, from the widths its cells need (`natural`): text columns
    give way first, then names and ids, down to their minimum; None when the minimums alone do not fit.
    Optional columns are left out (the last first, width 0) when the rest would not fit, and also when
    a test name or a message would otherwise be squeezed below a comfortable width: a readable message
    is worth more than a first-seen date. `measure` gives a header's width in cells."""
    floors = [
        w if column.kind == "fixed" else min(w, max(column.min, measure(column.header)))
        for column, w in zip(columns, natural, strict=True)
    ]
    kept = list(range(len(natural)))
    optional = [i for i, column in enumerate(columns) if column.optional]
    while needed(floors, kept) > width and optional:
        kept.remove(optional.pop())  # the last optional column goes first
    if needed(floors, kept) > width:
        return None
    widths = _shrunk(columns, natural, floors, kept, width)
    while optional and _squeezed(columns, widths, natural, kept):
        kept.remove(optional.pop())
        widths = _shrunk(columns, natural, floors, kept, width)
    return widths


def _shrunk(
    columns: Sequence[Col], natural: Sequence[int], floors: Sequence[int], kept: Sequence[int], width: int
) -> list[int]:
    """The natural widths of the `kept` columns (0 for the others), narrowed to `width`."""
    widths = [w if i in kept else 0 for i, w in enumerate(natural)]
    excess = needed(widths, kept) - width
    while excess > 0:
        # A little at a time from the widest column that may give way, so they shrink together.
        candidates = [i for i in kept if columns[i].kind != "fixed" and widths[i] > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        step = min(excess, widths[widest] - floors[widest], max(1, widths[widest] // 16))
        widths[widest] -= step
        excess -= step
    return widths


def _squeezed(
    columns: Sequence[Col], widths: Sequence[int], natural: Sequence[int], kept: Sequence[int]
) -> bool:
    """Whether a name or text column got narrower than is comfortable to read (or than it needs)."""
    return any(
        widths[i] < min(natural[i], COMFORTABLE[columns[i].kind])
        for i in kept
        if columns[i].kind in COMFORTABLE
    )
