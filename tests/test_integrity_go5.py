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


TABLES = """package mux

import "testing"

type routeTest struct {
	title string
	route *Route
}

func testRoute(t *testing.T, test routeTest) {
	if !test.route.Match(test.request) {
		t.Errorf("no match: %%v", test.title)
	}
}

func testTemplate(t *testing.T, test routeTest) {
	if test.route.Template() != test.template {
		t.Errorf("template: %%v", test.title)
	}
}

func TestQueries(t *testing.T) {
	tests := []routeTest{
		{title: "Queries route, match", route: new(Route).Queries("foo", "bar")},
		{title: "Queries route, bad query", route: new(Route).Queries("foo", "baz")},
	}
	for _, test := range tests {
%s
	}
}

func TestSchemes(t *testing.T) {
	tests := []routeTest{
		{title: "Schemes route, match https", route: new(Route).Schemes("https")},
		{title: "Schemes route, bad scheme", route: new(Route).Schemes("ftp")},
	}
	for _, test := range tests {
%s
	}
}
"""

QUERIES = "\t\ttestRoute(t, test)\n\t\ttestTemplate(t, test)"
SCHEMES = "\t\ttestRoute(t, test)\n\t\ttestTemplate(t, test)"


def _run(body: str) -> str:
    return "\t\tt.Run(test.title, func(t *testing.T) {\n" + body.replace("\t\t", "\t\t\t") + "\n\t\t})"


def test_a_shared_check_dropped_from_one_table_test_while_all_are_wrapped_in_subtests_is_lost(
    cli: Cli, tmp_path: Path
) -> None:
    # The other tests' new subtests make `testRoute` too, but TestSchemes made it before: wrapped, not
    # moved, so it does not stand in for the call TestQueries dropped.
    before = {"mux_test.go": TABLES % (QUERIES, SCHEMES)}
    dropped = QUERIES.replace("\t\ttestRoute(t, test)\n", "")
    after = {"mux_test.go": TABLES % (_run(dropped), _run(SCHEMES))}
    assert kinds(scan(cli, tmp_path / "a", before, after)) == {("assertion_removed", "TestQueries")}
    wrapped = {"mux_test.go": TABLES % (_run(QUERIES), _run(SCHEMES))}
    assert scan(cli, tmp_path / "b", before, wrapped) == []


SEQUENTIAL = """package mux

import "testing"

func TestMiddleware(t *testing.T) {
	router := NewRouter()
	router.Use(counter)
%s
}

func TestMiddlewareSubrouter(t *testing.T) {
	router := NewRouter().PathPrefix("/sub").Subrouter()
	router.Use(counter)
%s
}
"""

STEPS = '\tif calls(router, "/") != 1 {\n\t\tt.Fatal("not called")\n\t}'


def test_checks_moved_into_titled_subtests_do_move(cli: Cli, tmp_path: Path) -> None:
    # A titled subtest's checks are not its parent's, so the parent's sequential checks wrapped in
    # `t.Run("name", ...)` moved there: nothing is lost, in either test.
    def titled(title: str) -> str:
        return (
            f'\tt.Run("{title}", func(t *testing.T) {{\n'
            + STEPS.replace("\n\t", "\n\t\t").replace("\tif", "\t\tif", 1)
            + "\n\t})"
        )

    before = {"middleware_test.go": SEQUENTIAL % (STEPS, STEPS)}
    after = {"middleware_test.go": SEQUENTIAL % (titled("regular middleware call"), titled("subrouter call"))}
    assert scan(cli, tmp_path, before, after) == []
