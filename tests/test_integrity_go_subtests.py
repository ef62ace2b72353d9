"""Go subtests, table rows and skip helpers, each class as a small real git repository scanned through
the CLI: a loss inside a subtest or a row is named by it (`TestX > title`), layout and equivalent rows
raise nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- rows of a table keyed by name

MAP_TABLE = """package conf

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWrite(t *testing.T) {
	cases := map[string]struct {
		format string
		want   string
	}{
		"json file": {
			format: "json",
			want:   jsonWritten,
		},
		"hcl file": {
			format: "hcl",
			want:   hclWritten,
		},
		"yaml file": {
			format: "yaml",
			want:   yamlWritten,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := Write(tc.format)
			assert.NoError(t, err)
			assert.Equal(t, tc.want, out)
		})
	}
}
"""

HCL_ROW = """		"hcl file": {
			format: "hcl",
			want:   hclWritten,
		},
"""


def test_a_row_deleted_from_a_map_table_is_a_removed_test(cli: Cli, tmp_path: Path) -> None:
    after = MAP_TABLE.replace(HCL_ROW, "")
    signals = scan(cli, tmp_path, {"conf_test.go": MAP_TABLE}, {"conf_test.go": after})
    assert kinds(signals) == {("test_removed", "TestWrite > hcl file")}


def test_a_row_renamed_with_its_values_kept_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = MAP_TABLE.replace('"hcl file": {', '"HCL config file": {')
    assert scan(cli, tmp_path, {"conf_test.go": MAP_TABLE}, {"conf_test.go": after}) == []


def test_a_table_laid_out_again_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = MAP_TABLE.replace(HCL_ROW, '\t\t"hcl file": {format: "hcl", want: hclWritten},\n')
    after = after.replace(
        "\t\tt.Run(name, func(t *testing.T) {", "\t\tt.Run(name, func(t *testing.T) { // each"
    )
    assert scan(cli, tmp_path, {"conf_test.go": MAP_TABLE}, {"conf_test.go": after}) == []


def test_a_row_that_repeats_another_is_not_lost_when_deleted(cli: Cli, tmp_path: Path) -> None:
    twice = MAP_TABLE.replace(HCL_ROW, HCL_ROW + HCL_ROW.replace('"hcl file"', '"hcl file again"'))
    assert scan(cli, tmp_path, {"conf_test.go": twice}, {"conf_test.go": MAP_TABLE}) == []


# ------------------------------------------------- rows of a slice table with a name field

SLICE_TABLE = """package calc

import "testing"

func TestAdd(t *testing.T) {
	tests := []struct {
		name    string
		a, b    int
		want    int
	}{
		{name: "small", a: 1, b: 2, want: 3},
		{name: "negative", a: -4, b: 2, want: -2},
		{"overflow", 9223372036854775807, 1, -9223372036854775808},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Add(tt.a, tt.b); got != tt.want {
				t.Errorf("Add() = %d, want %d", got, tt.want)
			}
		})
	}
}
"""


@pytest.mark.parametrize(
    ("row", "name"),
    [
        ('\t\t{name: "negative", a: -4, b: 2, want: -2},\n', "TestAdd > negative"),
        ('\t\t{"overflow", 9223372036854775807, 1, -9223372036854775808},\n', "TestAdd > overflow"),
    ],
)
def test_a_row_deleted_from_a_slice_table_is_a_removed_test(
    cli: Cli, tmp_path: Path, row: str, name: str
) -> None:
    after = SLICE_TABLE.replace(row, "")
    signals = scan(cli, tmp_path, {"calc_test.go": SLICE_TABLE}, {"calc_test.go": after})
    assert kinds(signals) == {("test_removed", name)}


def test_a_check_dropped_from_the_loop_is_named_by_the_test_not_each_row(cli: Cli, tmp_path: Path) -> None:
    after = SLICE_TABLE.replace(
        """			if got := Add(tt.a, tt.b); got != tt.want {
				t.Errorf("Add() = %d, want %d", got, tt.want)
			}
""",
        "			_ = Add(tt.a, tt.b)\n",
    )
    signals = scan(cli, tmp_path, {"calc_test.go": SLICE_TABLE}, {"calc_test.go": after})
    assert kinds(signals) == {("assertion_removed", "TestAdd")}


SUB_TEST = """
func TestSub(t *testing.T) {
	if Sub(2, 1) != 1 {
		t.Fatal("sub")
	}
}
"""


def test_a_deleted_table_test_is_one_removed_test(cli: Cli, tmp_path: Path) -> None:
    after = 'package calc\n\nimport "testing"\n' + SUB_TEST
    signals = scan(cli, tmp_path, {"calc_test.go": SLICE_TABLE + SUB_TEST}, {"calc_test.go": after})
    assert kinds(signals) == {("test_removed", "TestAdd")}


# ------------------------------------------------- subtests with a literal title

SUBTESTS = """package conf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetConfigFile(t *testing.T) {
	t.Run("config file set", func(t *testing.T) {
		v := New()
		v.SetConfigFile("/etc/viper/config.yaml")
		file, err := v.getConfigFile()
		require.NoError(t, err)
		assert.Equal(t, "/etc/viper/config.yaml", file)
	})

	t.Run("find file", func(t *testing.T) {
		fs := afero.NewMemMapFs()
		v := New()
		v.SetFs(fs)
		v.AddConfigPath("/etc/viper")
		v.SetConfigName("app")
		file, err := v.getConfigFile()
		require.NoError(t, err)
		assert.Equal(t, "/etc/viper/app.yaml", file)
	})
}
"""


def test_a_check_dropped_inside_a_subtest_is_named_by_the_subtest(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS.replace(
        '\t\tv.SetConfigName("app")\n\t\tfile, err := v.getConfigFile()\n\t\trequire.NoError(t, err)\n'
        '\t\tassert.Equal(t, "/etc/viper/app.yaml", file)\n',
        '\t\tv.SetConfigName("app")\n\t\t_, err := v.getConfigFile()\n\t\trequire.NoError(t, err)\n',
    )
    assert after != SUBTESTS
    signals = scan(cli, tmp_path, {"conf_test.go": SUBTESTS}, {"conf_test.go": after})
    assert kinds(signals) == {("assertion_removed", "TestGetConfigFile > find file")}


def test_a_skip_added_inside_a_subtest_is_named_by_the_subtest(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS.replace(
        '\tt.Run("find file", func(t *testing.T) {\n',
        '\tt.Run("find file", func(t *testing.T) {\n\t\tt.Skip("flaky on CI")\n',
    )
    signals = scan(cli, tmp_path, {"conf_test.go": SUBTESTS}, {"conf_test.go": after})
    assert kinds(signals) == {("skip_introduced", "TestGetConfigFile > find file")}


def test_a_deleted_subtest_is_a_removed_test(cli: Cli, tmp_path: Path) -> None:
    start = SUBTESTS.index('\n\tt.Run("find file"')
    after = SUBTESTS[:start] + "\n}\n"
    signals = scan(cli, tmp_path, {"conf_test.go": SUBTESTS}, {"conf_test.go": after})
    assert kinds(signals) == {("test_removed", "TestGetConfigFile > find file")}


def test_a_subtest_renamed_with_its_body_kept_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS.replace('t.Run("find file"', 't.Run("finder"')
    assert scan(cli, tmp_path, {"conf_test.go": SUBTESTS}, {"conf_test.go": after}) == []


# ------------------------------------------------- a helper that skips the test it is handed

SKIPPER = """
func skipWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Skip test on Windows")
	}
}
"""

ABS = """package conf

import (
	"runtime"
	"testing"
)

func TestAbsPathify(t *testing.T) {
	if got := absPathify("$HOME/a"); got != "/home/a" {
		t.Errorf("got %q", got)
	}
}
"""


def test_a_call_of_the_files_skip_helper_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    after = ABS.replace(
        "func TestAbsPathify(t *testing.T) {\n", "func TestAbsPathify(t *testing.T) {\n\tskipWindows(t)\n"
    )
    signals = scan(cli, tmp_path, {"util_test.go": ABS}, {"util_test.go": after + SKIPPER})
    assert kinds(signals) == {("skip_introduced", "TestAbsPathify")}


def test_a_call_of_a_skip_helper_of_another_package_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    after = ABS.replace(
        "func TestAbsPathify(t *testing.T) {\n",
        "func TestAbsPathify(t *testing.T) {\n\ttestutil.SkipIfShort(t)\n",
    )
    signals = scan(cli, tmp_path, {"util_test.go": ABS}, {"util_test.go": after})
    assert kinds(signals) == {("skip_introduced", "TestAbsPathify")}


@pytest.mark.parametrize("helper", ["setHome", "testSkipFlag"])
def test_a_call_handing_t_to_a_helper_that_does_not_skip_is_no_skip(
    cli: Cli, tmp_path: Path, helper: str
) -> None:
    setup = '\nfunc setHome(t *testing.T) {\n\tt.Setenv("HOME", "/home")\n}\n'
    after = ABS.replace(
        "func TestAbsPathify(t *testing.T) {\n", f"func TestAbsPathify(t *testing.T) {{\n\t{helper}(t)\n"
    )
    assert scan(cli, tmp_path, {"util_test.go": ABS + setup}, {"util_test.go": after + setup}) == []


def test_a_skip_helper_call_carries_the_helpers_condition(cli: Cli, tmp_path: Path) -> None:
    # What decides the skip is in the helper: the verdict reads the platform there.
    after = ABS.replace(
        "func TestAbsPathify(t *testing.T) {\n", "func TestAbsPathify(t *testing.T) {\n\tskipWindows(t)\n"
    )
    [signal] = scan(cli, tmp_path, {"util_test.go": ABS}, {"util_test.go": after + SKIPPER})
    assert "runtime.GOOS" in signal["details"]["marker"]
    assert signal["details"]["verdict"] == "likely_deliberate"


# ------------------------------------------------- a test file no longer built by a plain go test

FINDER = """//go:build go1.16
// +build go1.16

package viper

import "testing"

func TestFinder(t *testing.T) {
	if got := find("a"); got != "a.yaml" {
		t.Errorf("got %q", got)
	}
}
"""


@pytest.mark.parametrize(
    "header",
    ["//go:build go1.16 && finder\n// +build go1.16,finder\n", "//go:build go1.16 && !windows\n"],
)
def test_a_build_constraint_that_stops_a_default_build_is_a_skip_of_the_file(
    cli: Cli, tmp_path: Path, header: str
) -> None:
    after = FINDER.replace("//go:build go1.16\n// +build go1.16\n", header)
    signals = scan(cli, tmp_path, {"fs_test.go": FINDER}, {"fs_test.go": after})
    assert kinds(signals) == {("skip_introduced", None)}  # the whole file
    assert signals[0]["file_path"] == "fs_test.go"


@pytest.mark.parametrize(
    "header",
    ["//go:build go1.16\n", "// +build go1.16\n", "//go:build go1.18\n", "//go:build go1.16 || finder\n"],
)
def test_a_build_constraint_rewritten_or_widened_is_not_a_skip(cli: Cli, tmp_path: Path, header: str) -> None:
    after = FINDER.replace("//go:build go1.16\n// +build go1.16\n", header)
    assert scan(cli, tmp_path, {"fs_test.go": FINDER}, {"fs_test.go": after}) == []


# ------------------------------------------------- an equality of two reflect.TypeOf is a type check

TYPE_EQUALITY = """package viper

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNotFoundForMerge(t *testing.T) {
	err := New().MergeInConfig()
	assert.Equal(t, reflect.TypeOf(ConfigFileNotFoundError{}), reflect.TypeOf(err))
}
"""


def test_a_type_equality_ported_to_error_as_is_not_weakened(cli: Cli, tmp_path: Path) -> None:
    after = TYPE_EQUALITY.replace(
        "assert.Equal(t, reflect.TypeOf(ConfigFileNotFoundError{}), reflect.TypeOf(err))",
        "assert.ErrorAs(t, err, &ConfigFileNotFoundError{})",
    )
    assert scan(cli, tmp_path, {"viper_test.go": TYPE_EQUALITY}, {"viper_test.go": after}) == []


def test_a_value_equality_turned_into_error_as_is_still_weakened(cli: Cli, tmp_path: Path) -> None:
    before = TYPE_EQUALITY.replace(
        "reflect.TypeOf(ConfigFileNotFoundError{}), reflect.TypeOf(err)", "ConfigFileNotFoundError{}, err"
    )
    after = before.replace(
        "assert.Equal(t, ConfigFileNotFoundError{}, err)",
        "assert.ErrorAs(t, err, &ConfigFileNotFoundError{})",
    )
    signals = scan(cli, tmp_path, {"viper_test.go": before}, {"viper_test.go": after})
    assert kinds(signals) == {("assertion_weakened", "TestNotFoundForMerge")}


def test_rows_reordered_or_moved_from_a_slice_to_a_map_are_not_flagged(cli: Cli, tmp_path: Path) -> None:
    negative = '\t\t{name: "negative", a: -4, b: 2, want: -2},\n'
    reordered = SLICE_TABLE.replace(negative, "").replace("\t\t{name: ", negative + "\t\t{name: ", 1)
    assert reordered != SLICE_TABLE
    assert scan(cli, tmp_path / "a", {"calc_test.go": SLICE_TABLE}, {"calc_test.go": reordered}) == []
    as_map = (
        SLICE_TABLE.replace("tests := []struct {\n\t\tname    string\n", "tests := map[string]struct {\n")
        .replace('{name: "small", a: 1, b: 2, want: 3}', '"small": {a: 1, b: 2, want: 3}')
        .replace('{name: "negative", a: -4, b: 2, want: -2}', '"negative": {a: -4, b: 2, want: -2}')
        .replace('{"overflow", 9223372036854775807', '"overflow": {9223372036854775807')
        .replace(
            "for _, tt := range tests {\n\t\tt.Run(tt.name,", "for name, tt := range tests {\n\t\tt.Run(name,"
        )
    )
    assert as_map.count('": {') == 3 and "t.Run(name," in as_map
    assert scan(cli, tmp_path / "b", {"calc_test.go": SLICE_TABLE}, {"calc_test.go": as_map}) == []


# ------------------------------------------------- subtests follow their renamed test

RENAMED = """package calc

import "testing"

func TestParseInt(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		if n, err := Parse("12"); err != nil || n != 12 {
			t.Fatalf("got %v, %v", n, err)
		}
	})
	t.Run("error", func(t *testing.T) {
		if _, err := Parse("x"); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestParseHex(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		if n, err := Parse("0x12"); err != nil || n != 18 {
			t.Fatalf("got %v, %v", n, err)
		}
	})
	t.Run("error", func(t *testing.T) {
		if _, err := Parse("0xg"); err == nil {
			t.Fatal("no error")
		}
	})
}
"""


def test_subtests_of_renamed_tests_are_not_removed(cli: Cli, tmp_path: Path) -> None:
    after = RENAMED.replace("TestParseInt(", "TestParseDecimal(").replace("TestParseHex(", "TestParseBase16(")
    assert scan(cli, tmp_path, {"parse_test.go": RENAMED}, {"parse_test.go": after}) == []


# ------------------------------------------------- a row switched off by its own field

SWITCHED = SLICE_TABLE.replace("\t\twant    int\n", "\t\twant    int\n\t\tskip    bool\n").replace(
    "\t\tt.Run(tt.name, func(t *testing.T) {\n",
    "\t\tt.Run(tt.name, func(t *testing.T) {\n"
    '\t\t\tif tt.skip {\n\t\t\t\tt.Skip("not on this platform")\n\t\t\t}\n',
)


def test_a_row_given_its_skip_field_is_a_skip_of_the_row(cli: Cli, tmp_path: Path) -> None:
    after = SWITCHED.replace("a: -4, b: 2, want: -2}", "a: -4, b: 2, want: -2, skip: true}")
    assert after != SWITCHED
    signals = scan(cli, tmp_path, {"calc_test.go": SWITCHED}, {"calc_test.go": after})
    assert kinds(signals) == {("skip_introduced", "TestAdd > negative")}


def test_a_new_row_born_skipped_is_not_flagged(cli: Cli, tmp_path: Path) -> None:
    after = SWITCHED.replace(
        '\t\t{"overflow"',
        '\t\t{name: "huge", a: 1 << 62, b: 1 << 62, want: -1 << 63, skip: true},\n\t\t{"overflow"',
    )
    assert scan(cli, tmp_path, {"calc_test.go": SWITCHED}, {"calc_test.go": after}) == []


def test_a_skip_helper_of_another_file_of_the_package_carries_its_condition(cli: Cli, tmp_path: Path) -> None:
    # skipWindows lives in viper_test.go; fs_test.go only calls it: the verdict still reads its GOOS.
    after = ABS.replace(
        "func TestAbsPathify(t *testing.T) {\n", "func TestAbsPathify(t *testing.T) {\n\tskipWindows(t)\n"
    )
    viper = 'package conf\n\nimport (\n\t"runtime"\n\t"testing"\n)\n' + SKIPPER
    [signal] = scan(cli, tmp_path, {"util_test.go": ABS}, {"util_test.go": after, "viper_test.go": viper})
    assert signal["test_name"] == "TestAbsPathify"
    assert "runtime.GOOS" in signal["details"]["marker"]
    assert signal["details"]["verdict"] == "likely_deliberate"
