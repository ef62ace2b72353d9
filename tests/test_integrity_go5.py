"""Go skips decided outside a t.Skip (int-py5), each as a small real git repository scanned through the
CLI: a build constraint that excludes the TinyGo compiler, and an early return that logs why it
skips, at the top of a test or inside one of its `if` branches."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


HOOK = """%spackage syslog

import "testing"

func TestLocalhostAddAndPrint(t *testing.T) {
	hook, err := NewHook("udp", "localhost:514")
	if err != nil {
		t.Errorf("Unable to connect: %%v", err)
	}
	if hook == nil {
		t.Error("no hook")
	}
}
"""


def test_a_build_constraint_that_gains_not_tinygo_is_a_skip_of_the_file(cli: Cli, tmp_path: Path) -> None:
    before = {"hooks/syslog_test.go": HOOK % "//go:build !windows && !plan9\n\n"}
    after = {"hooks/syslog_test.go": HOOK % "//go:build !windows && !plan9 && !tinygo\n\n"}
    signals = scan(cli, tmp_path, before, after)
    assert [(s["signal_type"], s["file_path"]) for s in signals] == [
        ("skip_introduced", "hooks/syslog_test.go")
    ]


def test_a_constraint_tinygo_already_failed_or_one_on_gc_alone_changes_nothing_there(
    cli: Cli, tmp_path: Path
) -> None:
    # `cgo` holds with TinyGo as with gc; a constraint TinyGo never met (`!tinygo` respelled) loses nothing.
    before = {"a_test.go": HOOK % "//go:build !tinygo\n\n"}
    after = {"a_test.go": HOOK % "//go:build !tinygo && cgo\n\n"}
    assert scan(cli, tmp_path / "a", before, after) == []
    before = {"b_test.go": HOOK % "// +build !tinygo\n\n"}
    after = {"b_test.go": HOOK % "//go:build !tinygo\n\n"}
    assert scan(cli, tmp_path / "b", before, after) == []


CALLER = """package logrus

import (
	"runtime"
	"testing"
)

func TestSlogHookSource(t *testing.T) {
%s	fields := logSomething(t, "direct")
	if fields["func"] != "TestSlogHookSource" {
		t.Error("wrong caller")
	}
}
"""

LOGGED_RETURN = """	if runtime.Compiler == "tinygo" {
		// no runtime.Caller there, and t.Skip does not stop the test
		t.Log("SKIP: TinyGo does not support runtime.Caller")
		return
	}
"""


def test_an_early_return_that_logs_why_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    before, after = {"slog_test.go": CALLER % ""}, {"slog_test.go": CALLER % LOGGED_RETURN}
    assert kinds(scan(cli, tmp_path, before, after)) == {("skip_introduced", "TestSlogHookSource")}


def test_a_logged_return_inside_an_if_branch_skips_the_test_but_not_inside_a_closure(
    cli: Cli, tmp_path: Path
) -> None:
    nested = "\tif !isTerminal() {\n" + LOGGED_RETURN.replace("\n\t", "\n\t\t").replace("\tif", "\t\tif", 1)
    nested += '\t\tt.Skip("needs a TTY")\n\t}\n'
    before = {"tty_test.go": CALLER % '\tif !isTerminal() {\n\t\tt.Skip("needs a TTY")\n\t}\n'}
    assert kinds(scan(cli, tmp_path / "a", before, {"tty_test.go": CALLER % nested})) == {
        ("skip_introduced", "TestSlogHookSource")
    }
    # In a callback the return ends the callback only, the test goes on to its checks.
    closure = "\tdefer func() {\n" + LOGGED_RETURN.replace("\n\t", "\n\t\t").replace("\tif", "\t\tif", 1)
    closure += "\t}()\n"
    assert scan(cli, tmp_path / "b", {"c_test.go": CALLER % ""}, {"c_test.go": CALLER % closure}) == []
