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
