"""parsers/bounds.py: the quick check for a case that already fits agrees with the full fitting, field by
field, for every kind of value the full fitting changes and for values it leaves alone."""

from __future__ import annotations

import copy
import math

import pytest

from ccdash_tests.models import ParsedCase, Status
from ccdash_tests.parsers.bounds import MAX_ATTEMPTS, MAX_LINE, MAX_NAME, CaseBounds, clean

MAX_TEXT = 50


def plain() -> ParsedCase:
    return ParsedCase(
        suite="s",
        classname="tests.test_a.TestA",
        name="test_x[1]",
        status=Status.FAILED,
        duration_ms=1.5,
        file="tests/test_a.py",
        line=3,
        message="boom",
        error_type="AssertionError",
        details="trace",
        properties={"k": "v"},
        framework="pytest",
    )


def variants() -> list[tuple[str, ParsedCase]]:
    """One case per value the fitting must change, and some it must keep."""
    found = [("plain", plain())]
    for attr in ("suite", "classname", "name", "file", "error_type", "framework", "message", "details"):
        for label, value in (
            ("nul", "a\x00b"),
            ("surrogate", "a\ud800b"),
            ("non-ascii", "ünïcødé ✓"),
            ("long", "x" * (MAX_NAME + 1)),
            ("at bound", "y" * MAX_NAME),
            ("text bound", "z" * MAX_TEXT),
            ("over text bound", "z" * (MAX_TEXT + 1)),
        ):
            item = plain()
            setattr(item, attr, value)
            found.append((f"{attr} {label}", item))
    for attr in ("file", "error_type", "framework", "message", "details"):
        item = plain()
        setattr(item, attr, None)
        found.append((f"{attr} None", item))
    for label, properties in (
        ("empty", {}),
        ("nul key", {"a\x00": "v"}),
        ("surrogate value", {"k": "\udfff"}),
        ("long key", {"k" * (MAX_NAME + 1): "v"}),
        ("long value", {"k": "v" * (MAX_TEXT + 1)}),
        ("non-ascii", {"ключ": "значение"}),
    ):
        item = plain()
        item.properties = properties
        found.append((f"properties {label}", item))
    for duration in (None, 0, 0.0, -1.0, math.nan, math.inf, -math.inf, 3e9, True, 12):
        item = plain()
        item.duration_ms = duration  # type: ignore[assignment]
        found.append((f"duration {duration!r}", item))
    for line in (None, 0, -1, MAX_LINE, MAX_LINE + 1, True):
        item = plain()
        item.line = line  # type: ignore[assignment]
        found.append((f"line {line!r}", item))
    for attempts in (0, 1, MAX_ATTEMPTS, MAX_ATTEMPTS + 1, -5):
        item = plain()
        item.attempts = attempts
        found.append((f"attempts {attempts}", item))
    long_names = plain()  # together past the bound, each within it
    long_names.classname, long_names.name = "c" * (MAX_NAME - 1), "n" * (MAX_NAME - 1)
    found.append(("names long together", long_names))
    return found


@pytest.mark.parametrize(("label", "item"), variants(), ids=[label for label, _ in variants()])
def test_fit_equals_the_full_fitting_and_counts_the_same(label: str, item: ParsedCase) -> None:
    quick, full = CaseBounds(MAX_TEXT), CaseBounds(MAX_TEXT)
    expected = full._fit(copy.deepcopy(item))
    fitted = quick.fit(copy.deepcopy(item))
    assert repr(fitted) == repr(expected)  # repr: NaN is dropped by both, and NaN != NaN
    assert quick.changed == full.changed
    assert quick.warnings() == full.warnings()
    # The quick check says "fits" only when the full fitting changes nothing, and says it for every
    # such case but a bool where a number belongs (which the full fitting then looks at).
    unchanged = repr(expected) == repr(item)
    assert CaseBounds(MAX_TEXT)._fits(copy.deepcopy(item)) == (unchanged and "True" not in label)


def test_clean_replaces_only_nul_and_unpaired_surrogates() -> None:
    assert clean("plain ascii") == "plain ascii"
    assert clean("a\x00b") == "a\ufffdb"
    assert clean("ünï\ud800") == "ünï\ufffd"
    assert clean("emoji 🐍 stays") == "emoji 🐍 stays"
    text = "unchanged ✓"
    assert clean(text) is text
