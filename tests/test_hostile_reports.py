"""Hostile report files (DESIGN.md §7): each is refused whole with a one-line ReportError, nothing leaks."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from ccdash_tests.parsers import ReportError, parse_report

HOSTILE = Path(__file__).parent / "data" / "hostile"
PASSWD_MARKER = "root:x:0:0"

# file -> words the refusal must contain (the problem, named for a human)
EXPECTED = {
    "entity_bomb.xml": "DTD not allowed",
    "xxe_passwd.xml": "DTD not allowed",
    "xxe_parameter.xml": "DTD not allowed",
    "dtd_external.xml": "DTD not allowed",
    "dtd_plain.xml": "DTD not allowed",
    "truncated.xml": "truncated",
    "broken_tag.xml": "mismatched tag",
    "wrong_root.xml": "not a JUnit report: root <html>",
    "invalid_utf8.xml": "malformed XML",
    "nul_bytes.xml": "malformed XML",
    "binary.bin": "not a test report",
    "empty.xml": "empty file",
    "whitespace.xml": "empty file",
    "json_wrong_shape.json": "Expected `array`, got `object` - at `$.tests`",
    "json_list.json": "Expected `object`, got `array`",
    "json_nan.json": "NaN and Infinity are not JSON",
    "json_unknown_outcome.json": "unknown outcome 'exploded'",
    "json_truncated.json": "truncated",
    "reportlog_nan.jsonl": "NaN and Infinity are not JSON",
    "reportlog_wrong_shape.jsonl": "Expected `str`, got `array` - at `$.nodeid`",
    "reportlog_unknown_outcome.jsonl": "unknown outcome 'vanished'",
    "reportlog_truncated.jsonl": "truncated",
}
EXPECTED_LINE = {
    "entity_bomb.xml": 2,
    "xxe_passwd.xml": 2,
    "truncated.xml": 6,
    "broken_tag.xml": 5,
    "wrong_root.xml": 2,
    "invalid_utf8.xml": 4,
    "nul_bytes.xml": 4,
    "json_nan.json": 1,
    "reportlog_nan.jsonl": 2,
    "reportlog_unknown_outcome.jsonl": 2,
}


def refuse(path: Path, fmt: str = "auto") -> ReportError:
    with pytest.raises(ReportError) as caught:
        report = parse_report(path, fmt)
        for _ in report.cases:
            pass
    return caught.value


def test_every_hostile_file_is_covered() -> None:
    stored = {p.name for p in HOSTILE.iterdir() if p.name != "README.md"}
    assert stored == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_with_a_clear_one_line_error(name: str) -> None:
    path = HOSTILE / name
    err = refuse(path)
    message = str(err)
    assert EXPECTED[name] in message
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert err.path == str(path)
    assert err.line == EXPECTED_LINE.get(name, err.line)
    if name in EXPECTED_LINE:
        assert f": line {EXPECTED_LINE[name]}: " in message
    assert PASSWD_MARKER not in message


@pytest.mark.parametrize("fmt", ["auto", "junit"])
def test_external_entities_are_never_resolved(fmt: str) -> None:
    for name in ("xxe_passwd.xml", "xxe_parameter.xml", "dtd_external.xml"):
        err = refuse(HOSTILE / name, fmt)
        assert PASSWD_MARKER not in str(err) and PASSWD_MARKER not in repr(err.__dict__)


def test_entity_bomb_is_refused_before_any_expansion() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refuse(HOSTILE / "entity_bomb.xml")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB: nothing blew up


def test_forcing_a_format_on_the_wrong_content_is_refused() -> None:
    assert "malformed JSON" in str(refuse(HOSTILE / "wrong_root.xml", "pytest-json"))
    assert "malformed XML" in str(refuse(HOSTILE / "json_nan.json", "junit"))
    assert "not a pytest report-log line" in str(refuse(HOSTILE / "json_unknown_outcome.json", "reportlog"))


@pytest.mark.parametrize("depth", [1_001, 100_000])
def test_deep_nesting_is_refused_without_recursion(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.xml"
    path.write_text("<testsuites>" + "<testsuite>" * depth + "</testsuite>" * depth + "</testsuites>")
    err = refuse(path)
    assert "nested deeper than 1000 levels" in str(err)


def test_nesting_to_the_limit_is_accepted(tmp_path: Path) -> None:
    depth = 998
    path = tmp_path / "deep.xml"
    inner = '<testcase classname="c" name="n"/>'
    path.write_text(
        "<testsuites>" + '<testsuite name="s">' * depth + inner + "</testsuite>" * depth + "</testsuites>"
    )
    assert len(list(parse_report(path).cases)) == 1


def test_nul_and_binary_after_a_valid_head(tmp_path: Path) -> None:
    path = tmp_path / "tail.xml"
    path.write_bytes(
        b'<testsuites><testsuite name="s"><testcase classname="c" name="n"/>' + bytes(range(256)) * 4
    )
    assert "malformed XML" in str(refuse(path))


def test_unreadable_path_and_directory(tmp_path: Path) -> None:
    assert "cannot read" in str(refuse(tmp_path / "nope.xml"))
    assert "directory" in str(refuse(tmp_path))
