"""Python skips written through pytest idioms the scan read past: a mark bound to a module-level name
(`skip_non_linux = pytest.mark.skipif(...)`, used as `marks=skip_non_linux` or `@skip_non_linux`), a
parametrized case newly given a mark, a mark whose condition widens by other means than an added
alternative, and `pytest.importorskip` inside a test (uvicorn e5f3663925 and 4fdfec4adf, pluggy
45b64240dc). Each case is a small real git repository scanned through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


RELOAD = """import platform
import sys

import pytest

%s


@pytest.mark.parametrize("reloader", [%s])
def test_reload_on_change(reloader):
    assert reload(reloader) is True


@pytest.mark.parametrize("reloader", [pytest.param(Watcher, marks=%s)])
def test_override_defaults(reloader):
    assert defaults(reloader) == ["*.py"]
"""
M1 = (
    'skip_if_m1 = pytest.mark.skipif(sys.platform == "darwin" and platform.processor() == "arm", reason="M1")'
)
NON_LINUX = 'skip_non_linux = pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="flaky")'
FILE = "tests/test_reload.py"


def covered(signals: list[dict[str, object]]) -> set[tuple[str, str]]:
    """(signal type, test) for each test a signal names, one by one or as a group."""
    found = set()
    for signal in signals:
        details = signal.get("details") or {}
        assert isinstance(details, dict)
        names = details.get("tests") or [signal["test_name"]]
        found |= {(str(signal["signal_type"]), str(name)) for name in names}
    return found


def test_a_case_given_a_named_mark_is_skipped(cli: Cli, tmp_path: Path) -> None:
    before = RELOAD % (M1, "Stat, Watcher", "skip_if_m1")
    after = RELOAD % (M1, "Stat, pytest.param(Watcher, marks=skip_if_m1)", "skip_if_m1")
    found = scan(cli, tmp_path, {FILE: before}, {FILE: after})
    assert kinds(found) == {("skip_introduced", "test_reload_on_change")}


def test_a_named_mark_renamed_and_widened_skips_every_test_using_it(cli: Cli, tmp_path: Path) -> None:
    before = RELOAD % (M1, "Stat, Watcher", "skip_if_m1")
    after = RELOAD % (NON_LINUX, "Stat, Watcher", "skip_non_linux")
    found = scan(cli, tmp_path, {FILE: before}, {FILE: after})
    assert covered(found) == {("skip_introduced", "test_override_defaults")}


def test_a_named_mark_narrowed_or_kept_raises_nothing(cli: Cli, tmp_path: Path) -> None:
    before = RELOAD % (NON_LINUX, "Stat, Watcher", "skip_non_linux")
    narrowed = RELOAD % (M1, "Stat, Watcher", "skip_if_m1")
    assert scan(cli, tmp_path, {FILE: before}, {FILE: narrowed}) == []
    other = NON_LINUX.replace("skip_non_linux", "flaky_off_linux")
    renamed = RELOAD % (other, "Stat, Watcher", "flaky_off_linux")
    assert scan(cli, tmp_path / "2", {FILE: before}, {FILE: renamed}) == []


def test_a_named_mark_widened_in_place_skips_its_tests(cli: Cli, tmp_path: Path) -> None:
    wider = 'skip_if_m1 = pytest.mark.skipif(sys.platform == "darwin", reason="M1")'
    before = RELOAD % (M1, "Stat, Watcher", "skip_if_m1")
    after = RELOAD % (wider, "Stat, Watcher", "skip_if_m1")
    found = scan(cli, tmp_path, {FILE: before}, {FILE: after})
    assert covered(found) == {("skip_introduced", "test_override_defaults")}


def test_a_new_case_born_with_a_named_mark_raises_nothing(cli: Cli, tmp_path: Path) -> None:
    before = RELOAD % (M1, "Stat", "skip_if_m1")
    after = RELOAD % (M1, "Stat, pytest.param(Watcher, marks=skip_if_m1)", "skip_if_m1")
    assert scan(cli, tmp_path, {FILE: before}, {FILE: after}) == []


def test_a_named_mark_as_a_decorator_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    before = RELOAD % (M1, "Stat", "skip_if_m1")
    after = before.replace("\n\n@pytest.mark.parametrize", "\n\n@skip_if_m1\n@pytest.mark.parametrize", 1)
    found = scan(cli, tmp_path, {FILE: before}, {FILE: after})
    assert kinds(found) == {("skip_introduced", "test_reload_on_change")}


PLUGINS = """import pytest


def test_load_entrypoints(pm):
%s    assert pm.load_setuptools_entrypoints("hello") == 1
"""


def test_importorskip_inside_a_test_skips_it(cli: Cli, tmp_path: Path) -> None:
    path = "testing/test_pluginmanager.py"
    before = PLUGINS % ""
    after = PLUGINS % '    pkg_resources = pytest.importorskip("pkg_resources")\n'
    found = scan(cli, tmp_path, {path: before}, {path: after})
    assert kinds(found) == {("skip_introduced", "test_load_entrypoints")}
    assert found[0]["details"]["marker"] == "pytest.importorskip('pkg_resources')"
