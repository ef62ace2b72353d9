"""Classes of real Python commits that misled the integrity detectors (second round), each as a small
real git repository scanned through the CLI: the look-alikes raise nothing, the real losses are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- a private helper's checks ported to the public API

PRIVATE = """
import demo
from demo._utils import obfuscate, same_origin


@pytest.mark.parametrize("headers, output", [([("Authorization", "s")], [("Authorization", "[secure]")])])
def test_obfuscate(headers, output):
    raw = [(k.encode(), v.encode()) for k, v in headers]
    assert list(obfuscate(headers)) == output
    assert list(obfuscate(raw)) == [(k.encode(), v.encode()) for k, v in output]


def test_same_origin():
    assert same_origin("https://a", "https://a")
"""

PUBLIC = """
import demo
from demo._utils import same_origin


@pytest.mark.parametrize("headers, output", [([("Authorization", "s")], [("Authorization", "[secure]")])])
def test_obfuscate(headers, output):
    shown = dict(output)
    assert repr(demo.Headers(dict(headers))) == f"Headers({shown!r})"


def test_same_origin():
    assert same_origin("https://a", "https://a")
"""


def test_checks_of_a_helper_the_file_stops_importing_ported_to_the_public_api(
    cli: Cli, tmp_path: Path
) -> None:
    assert scan(cli, tmp_path, {"tests/test_utils.py": PRIVATE}, {"tests/test_utils.py": PUBLIC}) == []


def test_a_check_deleted_with_its_import_and_nothing_in_its_place_is_removed(
    cli: Cli, tmp_path: Path
) -> None:
    # The import goes because nothing calls it any more; the test gained no check: a plain loss.
    after = PRIVATE.replace(
        "from demo._utils import obfuscate, same_origin", "from demo._utils import same_origin"
    )
    after = after.replace("    assert list(obfuscate(headers)) == output\n", "")
    after = after.replace(
        "    assert list(obfuscate(raw)) == [(k.encode(), v.encode()) for k, v in output]\n", ""
    )
    signals = scan(cli, tmp_path, {"tests/test_utils.py": PRIVATE}, {"tests/test_utils.py": after})
    assert kinds(signals) == {("assertion_removed", "test_obfuscate")}


def test_a_helper_still_imported_keeps_its_checks_counted(cli: Cli, tmp_path: Path) -> None:
    # `obfuscate` is still imported (another test calls it): the checks dropped here are lost.
    after = PUBLIC.replace(
        "from demo._utils import same_origin", "from demo._utils import obfuscate, same_origin"
    )
    after += "\n\ndef test_obfuscate_empty():\n    assert list(obfuscate([])) == []\n"
    signals = scan(cli, tmp_path, {"tests/test_utils.py": PRIVATE}, {"tests/test_utils.py": after})
    assert kinds(signals) == {("assertion_removed", "test_obfuscate")}


def test_checks_of_a_dropped_import_replaced_by_a_weaker_check_still_count(cli: Cli, tmp_path: Path) -> None:
    weaker = PUBLIC.replace(
        '    assert repr(demo.Headers(dict(headers))) == f"Headers({shown!r})"',
        "    assert demo.Headers(dict(headers))",
    )
    signals = scan(cli, tmp_path, {"tests/test_utils.py": PRIVATE}, {"tests/test_utils.py": weaker})
    assert ("assertion_removed", "test_obfuscate") in kinds(signals) or (
        "assertion_weakened",
        "test_obfuscate",
    ) in kinds(signals)


# ------------------------------------------------- a removed test duplicating a parametrized case

SHOW = '''
@pytest.mark.parametrize(
    "options, expected",
    [
        ("--without main", """\\
pytest 3.7.3 Pytest package
"""),
        ("--with time", """\\
cachy    0.1.0 Cachy package
pendulum 2.0.0 Pendulum package
pytest   3.7.3 Pytest package
"""),
    ],
)
def test_show_with_group_options(options, expected, tester, poetry):
    configure_groups(poetry)
    tester.execute(options)
    assert tester.io.fetch_output() == expected


def test_show_with_group_only(tester, poetry):
    poetry.add("pytest", group="dev")
    assert isinstance(poetry.locker, TestLocker)
    tester.execute("--only dev")
    expected = """\\
pytest 3.7.3 Pytest package
"""
    assert tester.io.fetch_output() == expected


def test_show_with_optional_group(tester, poetry):
    poetry.add_optional("pytest", group="dev")
    tester.execute("--with dev")
    expected = """\\
cachy    0.1.0 Cachy package
pendulum 2.0.0 Pendulum package
pytest   3.7.3 Pytest package
"""
    assert tester.io.fetch_output() == expected
'''


def _without(source: str, name: str) -> str:
    start = source.index(f"def {name}(")
    end = source.find("\ndef ", start + 1)
    return source[:start] + (source[end + 1 :] if end != -1 else "")


def test_removed_tests_whose_expected_output_a_parametrized_case_checks_are_duplicates(
    cli: Cli, tmp_path: Path
) -> None:
    after = _without(_without(SHOW, "test_show_with_group_only"), "test_show_with_optional_group")
    assert scan(cli, tmp_path, {"tests/test_show.py": SHOW}, {"tests/test_show.py": after}) == []


def test_a_removed_test_whose_output_no_case_checks_is_removed(cli: Cli, tmp_path: Path) -> None:
    # The same shape of check, but an output no case of the parametrized test expects.
    before = SHOW.replace(
        'pytest 3.7.3 Pytest package\n"""\n    assert', 'pytest 3.7.3 Pytest (dev)\n"""\n    assert'
    )
    after = _without(before, "test_show_with_group_only")
    signals = scan(cli, tmp_path, {"tests/test_show.py": before}, {"tests/test_show.py": after})
    assert kinds(signals) == {("test_removed", "test_show_with_group_only")}


def test_a_removed_test_of_a_short_common_value_is_not_a_duplicate(cli: Cli, tmp_path: Path) -> None:
    # `"ok"` is what many commands print: the same short value checked elsewhere is not this test's case.
    before = SHOW.replace(
        '"--without main", """\\\npytest 3.7.3 Pytest package\n"""', '"--without main", "ok"'
    )
    before = before.replace('expected = """\\\npytest 3.7.3 Pytest package\n"""', 'expected = "ok"')
    assert before.count('"ok"') == 2
    after = _without(before, "test_show_with_group_only")
    signals = scan(cli, tmp_path, {"tests/test_show.py": before}, {"tests/test_show.py": after})
    assert kinds(signals) == {("test_removed", "test_show_with_group_only")}


# ------------------------------------------------- checks in helpers of the suite and snapshots

INLINE = """
from demo import fetch


def test_fetch():
    response = fetch("/")
    assert response.status == 200
    assert response.body == "hello"
"""

HELPER = """
from demo import fetch

from tests.helpers import check_response


def test_fetch():
    check_response(fetch("/"), 200, "hello")
"""


def test_checks_moved_into_a_check_helper_of_the_suite_are_kept(cli: Cli, tmp_path: Path) -> None:
    helpers = (
        "def check_response(response, status, body):\n"
        "    assert (response.status, response.body) == (status, body)\n"
    )
    before = {"tests/test_fetch.py": INLINE}
    after = {"tests/test_fetch.py": HELPER, "tests/helpers.py": helpers}
    assert scan(cli, tmp_path, before, after) == []


def test_a_helper_of_another_package_named_like_a_check_is_no_check(cli: Cli, tmp_path: Path) -> None:
    # `subprocess.check_output` runs a command; it checks nothing of the test's values.
    after = HELPER.replace("from tests.helpers import check_response", "from subprocess import check_output")
    after = after.replace('check_response(fetch("/"), 200, "hello")', 'check_output(fetch("/"))')
    signals = scan(cli, tmp_path, {"tests/test_fetch.py": INLINE}, {"tests/test_fetch.py": after})
    assert kinds(signals) == {("assertion_removed", "test_fetch")}


SNAPSHOT = """
from demo import render


def test_render(snapshot):
    assert render("title") == snapshot
"""


def test_part_checks_replaced_by_a_snapshot_of_the_whole_output_are_kept(cli: Cli, tmp_path: Path) -> None:
    before = """
from demo import render


def test_render(snapshot):
    out = render("title")
    assert out.startswith("<h1>")
    assert out.count("\\n") == 3
"""
    assert scan(cli, tmp_path, {"tests/test_render.py": before}, {"tests/test_render.py": SNAPSHOT}) == []


def test_a_regression_fixture_check_is_a_check_and_deleting_it_is_named(cli: Cli, tmp_path: Path) -> None:
    before = "def test_data(data_regression):\n    data_regression.check(load())\n    assert load()\n"
    after = "def test_data(data_regression):\n    assert load()\n"
    signals = scan(cli, tmp_path, {"tests/test_data.py": before}, {"tests/test_data.py": after})
    assert kinds(signals) == {("assertion_removed", "test_data")}


# ------------------------------------------------- pytester's output matchers

PYTESTER = """
def test_plugin(pytester):
    pytester.makepyfile("def test_inner():\\n    assert 1 == 2\\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*1 failed*"])
    assert result.ret == 1
"""


def test_pytester_output_matchers_are_checks(cli: Cli, tmp_path: Path) -> None:
    after = PYTESTER.replace('    result.stdout.fnmatch_lines(["*1 failed*"])\n', "")
    signals = scan(cli, tmp_path, {"testing/test_plugin.py": PYTESTER}, {"testing/test_plugin.py": after})
    assert kinds(signals) == {("assertion_removed", "test_plugin")}


def test_a_text_check_ported_to_an_output_matcher_is_kept(cli: Cli, tmp_path: Path) -> None:
    before = PYTESTER.replace(
        'result.stdout.fnmatch_lines(["*1 failed*"])', 'assert "1 failed" in result.stdout.str()'
    )
    assert scan(cli, tmp_path, {"testing/test_plugin.py": before}, {"testing/test_plugin.py": PYTESTER}) == []


# ------------------------------------------------- a parametrized case born skipped

BACKENDS = """
@pytest.mark.parametrize(
    "backend",
    ["asyncio", pytest.param("trio", marks=pytest.mark.skipif(NO_TRIO, reason="trio missing"))],
)
def test_run(backend):
    assert run(backend) == 1
"""


def test_a_new_case_born_skipped_is_no_skip_of_the_test(cli: Cli, tmp_path: Path) -> None:
    after = BACKENDS.replace(
        '"trio missing"))]',
        '"trio missing")), pytest.param("curio", marks=pytest.mark.skipif(NO_CURIO, reason="x"))]',
    )
    assert scan(cli, tmp_path, {"tests/test_run.py": BACKENDS}, {"tests/test_run.py": after}) == []


def test_an_old_case_switched_off_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    after = BACKENDS.replace(
        '["asyncio",', '[pytest.param("asyncio", marks=pytest.mark.skipif(WIN, reason="x")),'
    )
    signals = scan(cli, tmp_path, {"tests/test_run.py": BACKENDS}, {"tests/test_run.py": after})
    assert kinds(signals) == {("skip_introduced", "test_run")}


# ------------------------------------------------- checks of a local rewritten as one of what it holds

LOCAL = """
def test_collect():
    out = collect("a", "b")
    assert len(out) == 2
    assert out[0] == "a"
    assert out[1] == "b"
"""


def test_checks_of_a_local_merged_into_one_check_of_its_value_are_kept(cli: Cli, tmp_path: Path) -> None:
    after = 'def test_collect():\n    assert collect("a", "b") == ["a", "b"]\n'
    assert scan(cli, tmp_path, {"tests/test_collect.py": LOCAL}, {"tests/test_collect.py": after}) == []


def test_checks_of_a_local_replaced_by_a_truthiness_check_are_lost(cli: Cli, tmp_path: Path) -> None:
    after = 'def test_collect():\n    assert collect("a", "b")\n'
    signals = scan(cli, tmp_path, {"tests/test_collect.py": LOCAL}, {"tests/test_collect.py": after})
    # `out` was built from `collect(...)` and is gone: its exact checks became a truthiness check of the
    # same call, the same value accepting more (weakened), not a check of something else (removed).
    assert kinds(signals) == {("assertion_weakened", "test_collect")}


def test_checks_of_a_local_replaced_by_a_check_of_something_else_are_lost(cli: Cli, tmp_path: Path) -> None:
    after = 'def test_collect():\n    assert count("a", "b") == 2\n'
    signals = scan(cli, tmp_path, {"tests/test_collect.py": LOCAL}, {"tests/test_collect.py": after})
    assert kinds(signals) == {("assertion_removed", "test_collect")}


def test_checks_of_a_copy_are_not_taken_over_by_a_check_of_its_original(cli: Cli, tmp_path: Path) -> None:
    # `new` is what `copy_with` returned: a check of `url` itself does not check it.
    before = (
        "def test_url():\n    url = URL('https://a:1/')\n    assert url.port == 1\n"
        "    new = url.copy_with(scheme='http', port=None)\n    assert new == URL('http://a/')\n"
        "    assert new.scheme == 'http'\n"
    )
    after = "def test_url():\n    url = URL('https://a:1/')\n    assert url.port == 1\n    assert str(url) == 'https://a:1/'\n"
    signals = scan(cli, tmp_path, {"tests/test_url.py": before}, {"tests/test_url.py": after})
    assert kinds(signals) == {("assertion_removed", "test_url")}
