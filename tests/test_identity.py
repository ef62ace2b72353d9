"""The hashing contract of identity.py, pinned by fixed values: a change here changes every stored id."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccdash_tests.identity import (
    base_name,
    error_fingerprint,
    error_text_hash,
    normalise_message,
    run_id,
    test_id,
    test_id_hasher,
)
from ccdash_tests.parsers import parse_report

DATA = Path(__file__).parent / "data" / "pytest"


@pytest.mark.parametrize(
    ("project", "suite", "classname", "name", "expected"),
    [
        ("demo", "", "tests.test_x.TestA", "test_x", "ef054c9e789c956d01fa3547be587daa"),
        ("demo", "", "tests.test_x.TestB", "test_x", "a1fae39369d9c7bb39d21875ece7572e"),
        ("demo", "", "sample_basic", "test_double[3-7]", "e67aef035d551536e1bd843763c9713e"),
        ("demo", "Cart", "", "Cart totals sums prices", "bdfc38bdff5fe67778a33c62a70a2414"),
        ("other", "", "tests.test_x.TestA", "test_x", "e03b152739b5e293a62860a15613d631"),
        ("démo", "", "pkg.Ünï", "grüße", "dc46372082ec32dfded457c68372d9a4"),
    ],
)
def test_test_id_fixed_values(project: str, suite: str, classname: str, name: str, expected: str) -> None:
    assert test_id(project, suite, classname, name) == expected


def test_test_id_separates_its_parts() -> None:
    assert test_id("p", "", "a.b", "c") != test_id("p", "", "a", "b.c")
    assert test_id("p", "s", "", "n") != test_id("p", "", "s", "n")
    assert test_id("p", "", "c", "n") != test_id("p2", "", "c", "n")


def test_run_id_fixed_values_and_file_order() -> None:
    digests = ["b" * 64, "a" * 64]
    assert run_id("demo", digests) == "dadb2449d88cebb6d33c0d10320b0e1d"
    assert run_id("demo", reversed(digests)) == run_id("demo", digests)
    assert run_id("demo", []) == "a582c61c355c205e20ae208199e1de7c"
    assert run_id("other", digests) != run_id("demo", digests)


def test_error_fingerprint_fixed_values() -> None:
    assert error_fingerprint("AssertionError: assert 3 == 4") == "e623b9f1d9e4eb81"
    assert error_fingerprint("bad value 42 at 0xdeadbeef", "ValueError") == "e9efc250fbfc059b"
    assert error_fingerprint(None) is None
    assert error_fingerprint("", None) is None


def test_error_fingerprint_groups_one_cause_and_splits_others() -> None:
    one = error_fingerprint("ValueError: bad value 42 at 0xdeadbeef")
    assert one == error_fingerprint("ValueError: bad value 7 at 0x1f2e3d4c")
    assert one != error_fingerprint("KeyError: bad value 42 at 0xdeadbeef")
    assert error_fingerprint("boom", "RuntimeError") != error_fingerprint("boom", "OSError")


def test_error_text_hash_fixed_values() -> None:
    # The dedupe key of stored failure texts: a change would store every known text a second time.
    assert error_text_hash("ValueError", "boom", "tb", False) == "b025aab65d82e05ced73f77407c8cc04"
    assert error_text_hash(None, None, None, True) == "7d0dedc2268295a400b11679d7819e9b"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("object at 0x7f3a2b1c9d00 failed", "object at <addr> failed"),
        ("got 42 expected 17.5", "got <n> expected <n>"),
        ("-3 != +1,000.25 and 1e-9", "<n> != <n> and <n>"),
        ("timeout at 2024-03-01T10:00:00.123Z after 3.5s", "timeout at <time> after <n>s"),
        ("stamp 2024-03-01 10:00:00+02:00 seen", "stamp <time> seen"),
        ("at 12:30:45 today", "at <time> today"),
        ("cannot open /tmp/pytest-of-root/pytest-3/test_a0/file.txt", "cannot open <tmp>"),
        ("/var/folders/xy/T/tmpab12 gone", "<tmp> gone"),
        ("basetemp pytest-of-ci/pytest-12/x0/y missing", "basetemp <tmp> missing"),
        ("id 123e4567-e89b-12d3-a456-426614174000 missing", "id <uuid> missing"),
        ("sha deadbeefcafe1234 differs", "sha <hex> differs"),
        ("\n\n  first   line  \nsecond", "first line"),
        ("test_a0 and v2 keep their digits", "test_a0 and v2 keep their digits"),
        ("", ""),
    ],
)
def test_normalise_message(message: str, expected: str) -> None:
    assert normalise_message(message) == expected


def test_normalise_message_is_bounded() -> None:
    assert len(normalise_message("word " * 1000)) == 500


def test_base_name() -> None:
    assert base_name("test_x[a-1]") == "test_x"
    assert base_name("test_x") == "test_x"
    assert base_name("[only]") == "[only]"
    assert base_name("test_x[a]\n") == "test_x\n"  # `$` also matches before a final newline
    assert base_name("test_x[a] tail") == "test_x[a] tail"


@pytest.mark.parametrize(
    ("project", "suite", "classname", "name"),
    [
        ("p", "", "tests.test_a.TestA", "test_x[1]"),
        ("proj with spaces", "Suite", "", "ünïcødé ✓"),
        ("p", "s", "c", "lone \ud800 surrogate"),
        ("", "", "", ""),
    ],
)
def test_the_bound_hasher_gives_test_ids(project: str, suite: str, classname: str, name: str) -> None:
    assert test_id_hasher(project)(suite, classname, name) == test_id(project, suite, classname, name)


def test_two_classes_with_the_same_method_get_different_ids_from_a_real_report() -> None:
    cases = [c for c in parse_report(DATA / "xunit2.xml").cases if c.name == "test_same"]
    assert len(cases) == 2
    assert test_id("demo", cases[0].suite, cases[0].classname, cases[0].name) != test_id(
        "demo", cases[1].suite, cases[1].classname, cases[1].name
    )


def test_same_id_for_a_pytest_test_from_every_format() -> None:
    expected = test_id("demo", "", "sample_basic.TestBeta", "test_same")
    for name in ("xunit1.xml", "xunit2.xml", "pytest.json", "reportlog.jsonl", "reruns.xml"):
        found = {test_id("demo", c.suite, c.classname, c.name) for c in parse_report(DATA / name).cases}
        assert expected in found, name
