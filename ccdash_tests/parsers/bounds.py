"""What every parsed case must fit before the store, whatever parser read it: one rule for both engines.

SQLite stores almost anything (a NUL in a name, a line of 2^40, a lone surrogate it then cannot encode);
PostgreSQL refuses NUL in text, integers past its column types and unpaired surrogates. So the ingest
makes each case fit here, before either engine sees it, and says what it changed (`CaseBounds.warnings`):

  text      NUL and unpaired surrogates become U+FFFD in every text field (names, paths, messages,
            properties); a report cannot mean them, and PostgreSQL cannot store them.
  names     suite, classname and name longer than MAX_NAME characters are cut, and the cut one ends with
            "…" and 16 hex digits of the whole name's sha256, so two long names that share a start stay
            two tests and the same long name is the same test in every run. A path or error type longer
            than MAX_NAME is cut.
  durations a duration that is not a finite number in [0, MAX_DURATION_MS] is dropped (unknown): a
            test that ran more than a day is a broken clock, and the sum of a run must fit 64 bits.
  line      outside [0, MAX_LINE] (PostgreSQL's INTEGER) is dropped.
  attempts  at least 1, at most MAX_ATTEMPTS (the stored SMALLINT).
  texts     message and details at most max_text characters (parsers cap them; this holds for all).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

from ccdash_tests.records import ParsedCase
from ccdash_tests.text import plural

MAX_NAME = 1000
MAX_DURATION_MS = 86_400_000.0 * 1.25  # thirty hours
MAX_LINE = 2**31 - 1
MAX_ATTEMPTS = 32_767
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """The text with NUL and unpaired surrogates replaced by U+FFFD (the text itself when it has none)."""
    return text if _clean(text) else _BAD_CHARS.sub(_REPLACEMENT, text)


def _clean(text: str) -> bool:
    """True when `text` holds no NUL and no unpaired surrogate (ASCII text is checked without the
    pattern, several times faster)."""
    if text.isascii():
        return "\x00" not in text
    return _BAD_CHARS.search(text) is None


def bounded_name(name: str) -> str:
    """A name of at most MAX_NAME characters; a longer one cut, keeping a digest of the whole."""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return name[: MAX_NAME - 17] + "…" + digest


class CaseBounds:
    """Makes cases fit (in place) and counts what it changed, for one file's warnings."""

    def __init__(self, max_text: int) -> None:
        self.max_text = max_text
        self.changed: Counter[str] = Counter()

    def fit(self, case: ParsedCase) -> ParsedCase:
        """The case made to fit the store (in place; see the module docstring), counting what changed."""
        if self._fits(case):
            return case
        return self._fit(case)

    def _fits(self, case: ParsedCase) -> bool:
        """True when `_fit` would change nothing: the common case, checked with one pattern search over
        all the names at once instead of one call per field (a million cases pay this a million times)."""
        suite, classname, name, file = case.suite, case.classname, case.name, case.file
        names = f"{suite}\n{classname}\n{name}\n{file}\n{case.error_type}\n{case.framework}"
        if len(names) > MAX_NAME:  # their sum is too long; is one of them?
            fields = (suite, classname, name, file, case.error_type, case.framework)
            if any(value is not None and len(value) > MAX_NAME for value in fields):
                return False
        if names.isascii():  # _clean, inline: ASCII names need no pattern
            if "\x00" in names:
                return False
        elif _BAD_CHARS.search(names) is not None:
            return False
        message, details, max_text = case.message, case.details, self.max_text
        if message is not None and (len(message) > max_text or not _clean(message)):
            return False
        if details is not None and (len(details) > max_text or not _clean(details)):
            return False
        if case.properties and not self._properties_fit(case.properties):
            return False
        duration, line = case.duration_ms, case.line
        return (
            (duration is None or (type(duration) in (float, int) and 0 <= duration <= MAX_DURATION_MS))
            and (line is None or (type(line) is int and 0 <= line <= MAX_LINE))
            and 1 <= case.attempts <= MAX_ATTEMPTS
        )

    def _properties_fit(self, properties: dict[str, str]) -> bool:
        return all(
            len(key) <= MAX_NAME and len(value) <= self.max_text and _clean(key) and _clean(value)
            for key, value in properties.items()
        )

    def _fit(self, case: ParsedCase) -> ParsedCase:
        changed = self.changed
        for attr in ("suite", "classname", "name", "file", "error_type", "framework"):
            value = getattr(case, attr)
            if value is None:
                continue
            fitted = clean(value)
            if fitted is not value:
                changed["characters"] += 1
            if len(fitted) > MAX_NAME:
                changed["names"] += 1
                # the identity's parts keep a digest of the whole; a path or type is only cut
                fitted = bounded_name(fitted) if attr in ("suite", "classname", "name") else fitted[:MAX_NAME]
            if fitted is not value:
                setattr(case, attr, fitted)
        for attr in ("message", "details"):
            value = getattr(case, attr)
            if value is not None:
                fitted = clean(value)
                if len(fitted) > self.max_text:
                    fitted = fitted[: self.max_text]
                    case.truncated = True
                if fitted != value:
                    setattr(case, attr, fitted)
        if case.properties:
            limit = self.max_text
            properties = {
                clean(key)[:MAX_NAME]: clean(value)[:limit] for key, value in case.properties.items()
            }
            if properties != case.properties:
                changed["characters"] += 1
                case.properties = properties
        duration = case.duration_ms
        if duration is not None and not (
            isinstance(duration, int | float) and math.isfinite(duration) and 0 <= duration <= MAX_DURATION_MS
        ):
            changed["durations"] += 1
            case.duration_ms = None
        line = case.line
        if line is not None and not (isinstance(line, int) and 0 <= line <= MAX_LINE):
            changed["lines"] += 1
            case.line = None
        if not 1 <= case.attempts <= MAX_ATTEMPTS:
            changed["attempts"] += 1
            case.attempts = min(max(case.attempts, 1), MAX_ATTEMPTS)
        return case

    def warnings(self) -> list[str]:
        """One line per kind of change, in a fixed order."""
        said = []
        changed = self.changed
        if changed["names"]:
            said.append(f"{plural(changed['names'], 'name')} longer than {MAX_NAME:,} characters cut")
        if changed["characters"]:
            fields = plural(changed["characters"], "field")
            said.append(f"NUL or unpaired surrogate characters replaced by U+FFFD in {fields}")
        if changed["durations"]:
            said.append(
                f"{plural(changed['durations'], 'duration')} out of range (negative, not finite or over"
                " thirty hours) dropped"
            )
        if changed["lines"]:
            said.append(f"{plural(changed['lines'], 'line number')} out of range dropped")
        if changed["attempts"]:
            said.append(f"{plural(changed['attempts'], 'attempt count')} out of range clamped")
        return said
