"""Losses judged by what a check means, on real git repositories: a semantic equality that replaces
an exact one, and losses the change itself forces or that never checked anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, scan_change, signal_kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


RENDER_TEST = """package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRenderJSON(t *testing.T) {
	body := Render(map[string]string{"html": "<b>"})
	assert.Equal(t, 201, Status())
	assert.Equal(t, "{\\"html\\":\\"\\\\u003cb\\\\u003e\\"}", body)
}
"""


def test_exact_text_equality_to_json_equality_is_weakened(cli: Cli, tmp_path: Path) -> None:
    # JSONEq accepts any text of the same document: the escaping the test pinned is no longer checked.
    after = RENDER_TEST.replace('assert.Equal(t, "{', 'assert.JSONEq(t, "{')
    assert after != RENDER_TEST
    signals = scan_change(cli, tmp_path, {"render_test.go": RENDER_TEST}, {"render_test.go": after})
    assert [(s["signal_type"], s["test_name"], s["severity"]) for s in signals] == [
        ("assertion_weakened", "TestRenderJSON", "low")
    ]


def test_yaml_equality_to_exact_text_equality_is_no_loss(cli: Cli, tmp_path: Path) -> None:
    before = RENDER_TEST.replace('assert.Equal(t, "{', 'assert.YAMLEq(t, "{')
    signals = scan_change(cli, tmp_path, {"render_test.go": before}, {"render_test.go": RENDER_TEST})
    assert signal_kinds(signals) == set()


# ------------------------------------------------------------ a deleted test that checked only `true`

HELLO = """"use strict";

const assert = require("assert");

describe("hello world", function () {
    it("hello world test", function () {
        // a placeholder from the project's start
        assert(true);
    });
});
"""
SUM = """const assert = require("assert");
const { sum } = require("../lib/sum");

describe("sum", function () {
    it("adds", function () {
        assert.ok(true);
        assert.strictEqual(sum(1, 2), 3);
    });
});
"""


def test_deleting_a_test_that_checks_only_true_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    before = {"test/hello-world-test.js": HELLO, "test/sum-test.js": SUM}
    assert signal_kinds(scan_change(cli, tmp_path, before, {"test/hello-world-test.js": None})) == set()
    # a test that also checks real code is a loss, however trivial its other check
    assert signal_kinds(scan_change(cli, tmp_path / "real", before, {"test/sum-test.js": None})) == {
        ("test_removed", "sum > adds")
    }


PLACEHOLDER_PY = '''import pytest


def test_placeholder():
    """Keeps the suite non-empty."""
    assert True


def test_parse():
    assert parse("1") == 1
'''


def test_deleting_a_python_placeholder_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    after = PLACEHOLDER_PY.replace(
        'def test_placeholder():\n    """Keeps the suite non-empty."""\n    assert True\n\n\n', ""
    )
    assert after != PLACEHOLDER_PY
    before = {"tests/test_parse.py": PLACEHOLDER_PY}
    assert signal_kinds(scan_change(cli, tmp_path, before, {"tests/test_parse.py": after})) == set()


# ----------------------------------------------- checks dropped with a strict expected-failure mark

XFAIL_BEFORE = """import pytest


@pytest.mark.xfail(strict=True)
def test_invalid_entrypoint_fails(tmp_path):
    with pytest.raises(InstallationError) as e:
        install(make_wheel(tmp_path, "hello = hello"))
    assert "hello = hello" in str(e.value)
    assert "simple-0.1.0" in str(e.value)
"""
XFAIL_AFTER = """import pytest


def test_invalid_entrypoint_fails(tmp_path):
    with pytest.raises(InstallationError):
        install(make_wheel(tmp_path, "hello = hello"))
"""


def test_checks_dropped_with_a_strict_xfail_never_held(cli: Cli, tmp_path: Path) -> None:
    before = {"tests/test_wheel.py": XFAIL_BEFORE}
    assert signal_kinds(scan_change(cli, tmp_path, before, {"tests/test_wheel.py": XFAIL_AFTER})) == set()


def test_checks_dropped_with_a_lenient_xfail_are_a_loss(cli: Cli, tmp_path: Path) -> None:
    # a non-strict xfail may pass: its checks may have held, so dropping them is still judged
    before = {"tests/test_wheel.py": XFAIL_BEFORE.replace("xfail(strict=True)", "xfail(reason='crash')")}
    assert signal_kinds(scan_change(cli, tmp_path, before, {"tests/test_wheel.py": XFAIL_AFTER})) == {
        ("assertion_removed", "test_invalid_entrypoint_fails")
    }


def test_deleting_a_test_that_asserts_false_of_true_is_still_judged(cli: Cli, tmp_path: Path) -> None:
    # `assertFalse(true)` always fails: it is no placeholder, whatever else it is
    before = {"test/hello-world-test.js": HELLO.replace("assert(true)", "assert.isFalse(true)")}
    assert signal_kinds(scan_change(cli, tmp_path, before, {"test/hello-world-test.js": None})) == {
        ("test_removed", "hello world > hello world test")
    }
