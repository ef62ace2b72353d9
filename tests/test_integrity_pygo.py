"""Classes of real Python and Go commits that misled the integrity detectors, each as a small real git
repository scanned through the CLI: the look-alikes raise nothing, the real losses are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- a racy deadline pinned between two clock reads

RACY = """
from math import ceil


def test_deadline(loop):
    deadline = loop.time() + 0.1
    handle = start(loop, 0.1)
    assert handle.when() == ceil(deadline)
"""

BRACKETED = """
from math import ceil


def test_deadline(loop):
    before = loop.time()
    handle = start(loop, 0.1)
    after = loop.time()
    assert ceil(before + 0.1) <= handle.when() <= ceil(after + 0.1)
"""


def test_equality_to_a_racy_deadline_becomes_bounds_from_reads_around_the_call(
    cli: Cli, tmp_path: Path
) -> None:
    assert scan(cli, tmp_path, {"tests/test_timer.py": RACY}, {"tests/test_timer.py": BRACKETED}) == []


def test_equality_widened_to_a_range_of_other_values_is_still_weakened(cli: Cli, tmp_path: Path) -> None:
    # The ends differ in names, but not one expression read twice: a range of two limits accepts more.
    ranged = BRACKETED.replace("before = loop.time()", "before = 0")
    ranged = ranged.replace("after = loop.time()", "after = 5")
    signals = scan(cli, tmp_path, {"tests/test_timer.py": RACY}, {"tests/test_timer.py": ranged})
    assert kinds(signals) == {("assertion_weakened", "test_deadline")}


# ------------------------------------------------- Go examples whose output comment go test checks

EXAMPLES = """package spew_test

import "fmt"

func ExampleDump() {
	fmt.Println(Dump(1))
	// Output:
	// (int) 1
}

func ExampleSdump() {
	s := Sdump(1)
	_ = s
}

func TestDump(t *testing.T) {
	if Dump(1) != "(int) 1" {
		t.Error("wrong")
	}
}
"""


def test_a_deleted_go_example_with_an_output_comment_is_a_removed_test(cli: Cli, tmp_path: Path) -> None:
    dump = EXAMPLES[EXAMPLES.index("func ExampleDump") : EXAMPLES.index("func TestDump")]
    after = EXAMPLES.replace(dump, "")
    signals = scan(cli, tmp_path, {"spew/example_test.go": EXAMPLES}, {"spew/example_test.go": after})
    # ExampleSdump has no output comment: go test only compiles it, so deleting it loses no check.
    assert kinds(signals) == {("test_removed", "ExampleDump")}


def test_an_example_whose_output_changes_with_the_code_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = EXAMPLES.replace("// (int) 1", "// (int64) 1")
    assert scan(cli, tmp_path, {"spew/example_test.go": EXAMPLES}, {"spew/example_test.go": after}) == []


# ------------------------------------------------- assertion functions called without a package

SAME_PACKAGE = """package assert

import "testing"

func TestSubsetMessage(t *testing.T) {
	mockT := new(mockTestingT)
	Subset(mockT, []int{1}, []int{2})
	Contains(t, mockT.errorString(), "[1] does not contain 2")
	Equal(t, 1, mockT.calls)
}
"""


def test_a_check_dropped_from_a_test_of_testify_itself_is_named(cli: Cli, tmp_path: Path) -> None:
    # In testify's own package (or under a dot import) `Equal(t, ...)` is the check; `Subset(mockT, ...)`
    # with a mock is the code under test.
    after = SAME_PACKAGE.replace('\tContains(t, mockT.errorString(), "[1] does not contain 2")\n', "")
    signals = scan(cli, tmp_path, {"assert/a_test.go": SAME_PACKAGE}, {"assert/a_test.go": after})
    assert kinds(signals) == {("assertion_removed", "TestSubsetMessage")}


# ------------------------------------------------- a test of a dependency's function, deleted

DEPENDENCY_TEST = """
import pytest

from depcore.utils.helpers import parse_requires
from demo.utils import ensure_path


def test_parse_requires():
    assert parse_requires("a>=1\\n") == ["a>=1"]


def test_ensure_path():
    assert ensure_path("x").name == "x"
"""


PARSE_TEST = 'def test_parse_requires():\n    assert parse_requires("a>=1\\n") == ["a>=1"]\n'


def _without_parse_test(source: str) -> str:
    return source.replace("from depcore.utils.helpers import parse_requires\n", "").replace(PARSE_TEST, "")


def test_a_deleted_test_of_another_packages_function_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    code = {"src/demo/__init__.py": "", "src/demo/utils.py": "def ensure_path(p): ...\n"}
    before = {**code, "tests/test_helpers.py": DEPENDENCY_TEST}
    after = {**code, "tests/test_helpers.py": _without_parse_test(DEPENDENCY_TEST)}
    assert scan(cli, tmp_path, before, after) == []


def test_a_deleted_test_of_the_projects_own_module_is_flagged(cli: Cli, tmp_path: Path) -> None:
    # The same deletion where the module is a file of the repository: the project's code lost a test.
    code = {"src/demo/__init__.py": "", "src/depcore/utils/helpers.py": "def parse_requires(s): ...\n"}
    before = {**code, "tests/test_helpers.py": DEPENDENCY_TEST}
    after = {**code, "tests/test_helpers.py": _without_parse_test(DEPENDENCY_TEST)}
    assert kinds(scan(cli, tmp_path, before, after)) == {("test_removed", "test_parse_requires")}


def test_a_deleted_test_whose_dependency_import_stays_is_flagged(cli: Cli, tmp_path: Path) -> None:
    # The file keeps importing the package: the deletion is of one test, not of a dependency's tests.
    before = {"tests/test_helpers.py": DEPENDENCY_TEST}
    after = DEPENDENCY_TEST.replace(PARSE_TEST, "")
    signals = scan(cli, tmp_path, before, {"tests/test_helpers.py": after})
    assert kinds(signals) == {("test_removed", "test_parse_requires")}


# ------------------------------------------------- Go: a tolerance accepts more than equality

FLOAT = """package gin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGetFloat32(t *testing.T) {
	c := newContext()
	c.Set("float32", float32(4.2))
	assert.Equal(t, float32(4.2), c.GetFloat32("float32"))
}
"""


def test_go_equality_of_a_float_becoming_indelta_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = FLOAT.replace(
        'assert.Equal(t, float32(4.2), c.GetFloat32("float32"))',
        'assert.InDelta(t, float32(4.2), c.GetFloat32("float32"), 0.01)',
    )
    signals = scan(cli, tmp_path, {"context_test.go": FLOAT}, {"context_test.go": after})
    assert kinds(signals) == {("assertion_weakened", "TestGetFloat32")}


# ------------------------------------------------- two removed look-alikes, one new test

TAGGED_OLD = """//go:build !go1.19

package gin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormFileFailed18(t *testing.T) {
	c := newContext()
	assert.Panics(t, func() {
		f, err := c.FormFile("file")
		assert.Error(t, err)
		assert.Nil(t, f)
	})
}
"""

TAGGED_NEW = """//go:build go1.19

package gin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormFileFailed19(t *testing.T) {
	c := newContext()
	f, err := c.FormFile("file")
	assert.Error(t, err)
	assert.Nil(t, f)
}
"""

UNTAGGED = """package gin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormFileFailed(t *testing.T) {
	c := newContext()
	f, err := c.FormFile("file")
	assert.Error(t, err)
	assert.Nil(t, f)
}
"""


def test_the_closest_removed_test_is_the_renamed_one(cli: Cli, tmp_path: Path) -> None:
    # Go 1.18 support dropped: the 1.19 variant becomes the untagged test, the 1.18 one is gone. Pairing
    # the new test with the first look-alike instead would read it as the 1.18 test losing its Panics.
    before: dict[str, str | None] = {"context_1.18_test.go": TAGGED_OLD, "context_1.19_test.go": TAGGED_NEW}
    after: dict[str, str | None] = {"context_1.18_test.go": None, "context_1.19_test.go": None}
    after["context_test.go"] = UNTAGGED
    signals = scan(cli, tmp_path, before, after)
    assert {(s["signal_type"], s["file_path"], s["test_name"]) for s in signals} == {
        ("test_removed", "context_1.18_test.go", "TestFormFileFailed18")
    }


# ------------------------------------------------- Go: a new early return before the test's checks

SERVE = """package gin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFileDescriptor(t *testing.T) {
	listener := listen()
	socketFile, err := listener.File()
	assert.NoError(t, err)
	serve(socketFile)
	assert.Equal(t, "it worked", get())
}
"""


def test_go_early_return_before_the_checks_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    after = SERVE.replace(
        "\tassert.NoError(t, err)\n",
        "\tif isWindows() {\n\t\tassert.Error(t, err)\n\t} else {\n\t\tassert.NoError(t, err)\n\t}\n"
        "\tif socketFile == nil {\n\t\treturn\n\t}\n",
    )
    signals = scan(cli, tmp_path, {"serve_test.go": SERVE}, {"serve_test.go": after})
    assert kinds(signals) == {("skip_introduced", "TestFileDescriptor")}


@pytest.mark.parametrize(
    "guard",
    [
        # The value was just checked: returning spares a nil dereference of a test that already failed.
        "\tassert.NotNil(t, socketFile)\n\tif socketFile == nil {\n\t\treturn\n\t}\n",
        # The condition is the check.
        "\tif !assert.NotNil(t, socketFile) {\n\t\treturn\n\t}\n",
    ],
)
def test_go_return_guarding_a_failed_check_is_not_a_skip(cli: Cli, tmp_path: Path, guard: str) -> None:
    after = SERVE.replace("\tserve(socketFile)\n", guard + "\tserve(socketFile)\n")
    signals = scan(cli, tmp_path, {"serve_test.go": SERVE}, {"serve_test.go": after})
    assert signals == []


# ------------------------------------------------- Go: a containment check narrowed into its sibling's text

ANCHORED = """package assert

import "testing"

func TestNotSubsetMessage(t *testing.T) {
	mockT := new(mockTestingT)
	NotSubset(mockT, []int{1, 2}, []int{1})
	Contains(t, mockT.errorString(), `Error:      	[1 2]`)
	Contains(t, mockT.errorString(), `[1] is a subset of [1 2]`)
}
"""


def test_a_containment_check_losing_its_anchor_is_weakened(cli: Cli, tmp_path: Path) -> None:
    # The first check now asks only for text the second one already demands: it checks nothing more.
    after = ANCHORED.replace("`Error:      \t[1 2]`", '"[]int{1, 2}"').replace(
        "`[1] is a subset of [1 2]`", '"[]int{1} is a subset of []int{1, 2}"'
    )
    signals = scan(cli, tmp_path, {"assert/a_test.go": ANCHORED}, {"assert/a_test.go": after})
    assert kinds(signals) == {("assertion_weakened", "TestNotSubsetMessage")}


def test_containment_checks_following_a_new_format_are_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = ANCHORED.replace("`Error:      \t[1 2]`", '"Error:      \t[]int{1, 2}"').replace(
        "`[1] is a subset of [1 2]`", '"[]int{1} is a subset of []int{1, 2}"'
    )
    assert scan(cli, tmp_path, {"assert/a_test.go": ANCHORED}, {"assert/a_test.go": after}) == []
