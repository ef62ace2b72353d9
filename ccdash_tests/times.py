"""Times given on the command line or read from reports: one ISO-8601 reading and one `--since` grammar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import overload

from ccdash_tests.errors import UserError

_AGE = re.compile(r"(\d{1,6})\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_iso(text: str) -> datetime | None:
    """An ISO-8601 date or time (UTC when it names no zone; a trailing Z accepted), else None."""
    value = text.strip()
    try:
        stamp = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_timestamp(value: str | None, option: str = "--timestamp") -> datetime | None:
    """An option's ISO-8601 time; None when the option was not given."""
    if value is None:
        return None
    stamp = parse_iso(value)
    if stamp is None:
        raise UserError(f"{option} {value!r}: not an ISO-8601 time such as 2026-11-30T12:00:00Z")
    return stamp


@overload
def parse_since(value: str, now: datetime | None = None) -> datetime: ...


@overload
def parse_since(value: None, now: datetime | None = None) -> None: ...


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`--since`: an ISO-8601 date or time, or an age before `now` such as 30m, 12h, 7d or 2w."""
    if value is None:
        return None
    age = _AGE.fullmatch(value.strip())
    if age:
        span = timedelta(**{_UNITS[age.group(2).lower()]: int(age.group(1))})
        return (now or datetime.now(UTC)) - span
    stamp = parse_iso(value)
    if stamp is None:
        raise UserError(
            f"--since {value!r}: give an ISO date or time (2026-11-01) or an age (30m, 12h, 7d, 2w)"
        )
    return stamp
