"""The pytest plugin, driven by real pytest sessions (pytester) into real SQLite and PostgreSQL stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status, TestResultDTO
from ccdash_tests.pytest_plugin import absolute_db, settings_from, summary_line
from ccdash_tests.store import open_store

pytest_plugins = ["pytester"]

# Entry points are off in the inner sessions, so that the plugin loads exactly once (by -p), whether or not
# the package is installed with its pytest11 entry point, and the other plugins only when a test asks.
PLUGIN = ("-p", "ccdash_tests.pytest_plugin")
RERUNS = ("-p", "pytest_rerunfailures")
REPORTLOG = ("-p", "pytest_reportlog.plugin")

SUITE = """
import os
import pytest

COUNTER = os.path.join(os.path.dirname(__file__), "flaky-counter")


def test_pass():
    pass


def test_fail():
    assert 1 == 2, "numbers differ"


@pytest.fixture
def broken():
    raise RuntimeError("setup broke")


def test_setup_error(broken):
    pass


@pytest.fixture
def bad_teardown():
    yield
    raise OSError("teardown broke")


def test_teardown_error(bad_teardown):
    pass


@pytest.mark.skip(reason="not today")
def test_skip():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="known bug")
def test_xpass():
    pass


@pytest.mark.xfail(reason="known bug", strict=True)
def test_strict_xpass():
    pass


def test_flaky():
    seen = int(open(COUNTER).read()) if os.path.exists(COUNTER) else 0
    with open(COUNTER, "w") as out:
        out.write(str(seen + 1))
    assert seen >= 1, "first attempt fails"


class TestGroup:
    @pytest.mark.parametrize("value", [1, "a|b", "<script>"])
    def test_param(self, value):
        pass
"""

EXPECTED = {
    "test_pass": (Status.PASSED, 1, False),
    "test_fail": (Status.FAILED, 2, False),
    "test_setup_error": (Status.ERROR, 2, False),
    "test_teardown_error": (Status.ERROR, 2, False),
    "test_skip": (Status.SKIPPED, 1, False),
    "test_xfail": (Status.XFAILED, 1, False),
    "test_xpass": (Status.XPASSED, 1, False),
    "test_strict_xpass": (Status.FAILED, 2, False),
    "test_flaky": (Status.PASSED, 2, True),
    "test_param[1]": (Status.PASSED, 1, False),
    "test_param[a|b]": (Status.PASSED, 1, False),
    "test_param[<script>]": (Status.PASSED, 1, False),
}


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def stored(db: str, project: str) -> tuple[object, dict[str, TestResultDTO]]:
    with open_store(db) as store:
        run = store.runs.latest(project)
        assert run is not None
        results = store.results.by_run(project, run.run_id)
    return run, {r.name: r for r in results if r.name}


def test_every_status_rerun_and_flaky_are_stored(pytester: pytest.Pytester, db_url: str) -> None:
    pytester.makepyfile(test_sample=SUITE)
    result = pytester.runpytest(
        *PLUGIN, *RERUNS, "--ccdash", f"--ccdash-db={db_url}", "--ccdash-project=demo", "--reruns=1"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "ccdash-tests: stored run * (5 passed, 2 failed, 2 error, 1 skipped, 1 xfailed, 1 xpassed, "
            "1 flaky; 12 new) in *",
        ]
    )
    assert result.stdout.str().count("ccdash-tests:") == 1
    run, by_name = stored(db_url, "demo")
    assert {name: (r.status, r.attempts, r.flaky) for name, r in by_name.items()} == EXPECTED
    assert by_name["test_fail"].error_message == "AssertionError: numbers differ\nassert 1 == 2"
    assert by_name["test_setup_error"].error_message == "RuntimeError: setup broke"
    assert by_name["test_teardown_error"].error_message == "OSError: teardown broke"
    assert by_name["test_param[<script>]"].classname == "test_sample.TestGroup"
    assert by_name["test_pass"].path == "test_sample.py"
    assert run.metadata["pytest"]["exitstatus"] == 1  # type: ignore[attr-defined]
    assert run.metadata["frameworks"] == {"pytest": pytest.__version__}  # type: ignore[attr-defined]


def ingest_cli(report: Path, db: Path) -> None:
    Cli(db, "demo")("ingest", report, code=0)


def test_same_ids_and_outcomes_as_ingesting_the_sessions_reports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SUITE)
    plugin_db, junit_db, log_db = (pytester.path / name for name in ("plugin.db", "junit.db", "log.db"))
    result = pytester.runpytest(
        *PLUGIN,
        *RERUNS,
        *REPORTLOG,
        "--ccdash",
        f"--ccdash-db={plugin_db}",
        "--ccdash-project=demo",
        "--reruns=1",
        "--junitxml=session.xml",
        "--report-log=session.jsonl",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    ingest_cli(pytester.path / "session.xml", junit_db)
    ingest_cli(pytester.path / "session.jsonl", log_db)
    _, plugin = stored(str(plugin_db), "demo")
    _, junit = stored(str(junit_db), "demo")
    _, log = stored(str(log_db), "demo")

    def ids(results: dict[str, TestResultDTO]) -> dict[str, str]:
        return {name: r.test_id for name, r in results.items()}

    assert ids(plugin) == ids(junit) == ids(log)
    assert len(plugin) == len(EXPECTED)

    def outcome(r: TestResultDTO) -> tuple:
        return (r.status, r.attempts, r.flaky, r.error_fingerprint, r.error_message, r.error_details)

    # The plugin folds exactly what the report-log parser folds.
    assert {n: outcome(r) for n, r in plugin.items()} == {n: outcome(r) for n, r in log.items()}
    # JUnit XML cannot tell a non-strict XPASS from a pass; every other status agrees.
    statuses = {n: r.status for n, r in plugin.items()}
    assert {n: r.status for n, r in junit.items()} == {**statuses, "test_xpass": Status.PASSED}


@pytest.mark.parametrize(
    "db",
    ["{tmp}/no-such-folder/store.db", "postgresql://ccdash@127.0.0.1:1/none?connect_timeout=2"],
    ids=["missing-folder", "unreachable-server"],
)
@pytest.mark.parametrize("outcome", ["passing", "failing"])
def test_a_store_error_is_a_warning_and_leaves_the_exit_status(
    pytester: pytest.Pytester, db: str, outcome: str
) -> None:
    body = (
        "def test_it():\n    assert True\n" if outcome == "passing" else "def test_it():\n    assert False\n"
    )
    pytester.makepyfile(test_one=body)
    result = pytester.runpytest(*PLUGIN, "--ccdash", f"--ccdash-db={db.format(tmp=pytester.path)}")
    expected = pytest.ExitCode.OK if outcome == "passing" else pytest.ExitCode.TESTS_FAILED
    assert result.ret == expected
    result.stdout.fnmatch_lines(
        ["ccdash-tests: WARNING: results not stored: * (pytest's exit status is unchanged)"]
    )
    assert "Traceback" not in result.stdout.str()


def test_store_error_in_a_real_subprocess_keeps_exit_status(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_it():\n    pass\n")
    result = pytester.runpytest_subprocess(
        *PLUGIN, "--ccdash", f"--ccdash-db={pytester.path / 'missing' / 'x.db'}"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["ccdash-tests: WARNING: results not stored: *does not exist*"])


def test_environment_variables_name_the_store_and_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_one="def test_it():\n    pass\n")
    db = pytester.path / "from-env.db"
    monkeypatch.setenv("CCDASH_TESTS_DB", str(db))
    monkeypatch.setenv("CCDASH_TESTS_PROJECT", "env-project")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-run-id=ci-42", "--ccdash-session=agent-7")
    assert result.ret == 0
    run, by_name = stored(str(db), "env-project")
    assert run.run_id == "ci-42"  # type: ignore[attr-defined]
    assert run.agent_session_id == "agent-7"  # type: ignore[attr-defined]
    assert by_name["test_it"].status is Status.PASSED


def test_options_win_over_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_one="def test_it():\n    pass\n")
    monkeypatch.setenv("CCDASH_TESTS_DB", str(pytester.path / "env.db"))
    monkeypatch.setenv("CCDASH_TESTS_PROJECT", "env-project")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-db=opt.db", "--ccdash-project=opt-project")
    assert result.ret == 0
    assert not (pytester.path / "env.db").exists()
    stored(str(pytester.path / "opt.db"), "opt-project")


def test_a_test_that_changes_folder_does_not_move_the_store(pytester: pytest.Pytester) -> None:
    elsewhere = pytester.mkdir("elsewhere")
    pytester.makepyfile(test_cd=f"import os\n\ndef test_cd():\n    os.chdir({str(elsewhere)!r})\n")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-project=p")
    assert result.ret == 0
    assert not (elsewhere / "ccdash-tests.db").exists()
    stored(str(pytester.path / "ccdash-tests.db"), "p")


def test_without_the_switch_nothing_is_stored_or_printed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_it():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--ccdash-db=store.db")
    assert result.ret == 0
    assert not (pytester.path / "store.db").exists()
    assert "ccdash-tests" not in result.stdout.str()


def test_bad_run_id_is_a_usage_error_and_nothing_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_it():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-db=store.db", "--ccdash-run-id= ")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ccdash-tests: --run-id: must not be empty*"])
    assert not (pytester.path / "store.db").exists()


def test_shards_with_one_run_id_form_one_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n", test_b="def test_b():\n    assert 0\n")
    common = (*PLUGIN, "--ccdash", "--ccdash-db=store.db", "--ccdash-project=p", "--ccdash-run-id=job-1")
    assert pytester.runpytest(*common, "test_a.py").ret == 0
    assert pytester.runpytest(*common, "test_b.py").ret == 1
    run, by_name = stored(str(pytester.path / "store.db"), "p")
    assert run.run_id == "job-1"  # type: ignore[attr-defined]
    assert {n: r.status for n, r in by_name.items()} == {"test_a": Status.PASSED, "test_b": Status.FAILED}
    with sqlite3.connect(pytester.path / "store.db") as con:
        assert con.execute("SELECT COUNT(*) FROM test_runs").fetchone() == (1,)


def test_each_session_without_a_run_id_is_a_new_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    for _ in range(2):
        assert pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-db=store.db", "--ccdash-project=p").ret == 0
    with sqlite3.connect(pytester.path / "store.db") as con:
        assert con.execute("SELECT COUNT(*) FROM test_runs").fetchone() == (2,)


def test_collection_error_is_stored_as_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken="import no_such_module_anywhere\n\ndef test_x():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-db=store.db", "--ccdash-project=p")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    _, by_name = stored(str(pytester.path / "store.db"), "p")
    assert [(r.classname, r.name, r.status) for r in by_name.values()] == [("", "test_broken", Status.ERROR)]
    assert "no_such_module_anywhere" in (by_name["test_broken"].error_details or "")


def test_collect_only_stores_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest(*PLUGIN, "--ccdash", "--ccdash-db=store.db", "--collect-only")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["ccdash-tests: no test results to store"])
    assert not (pytester.path / "store.db").exists()


def test_xdist_controller_stores_one_run(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_sample=SUITE)
    result = pytester.runpytest_subprocess(
        *PLUGIN,
        *RERUNS,
        "-p",
        "xdist.plugin",
        "-n",
        "2",
        "--ccdash",
        "--ccdash-db=store.db",
        "--ccdash-project=demo",
        "--reruns=1",
    )
    assert result.ret == 1
    _, by_name = stored(str(pytester.path / "store.db"), "demo")
    assert {name: (r.status, r.attempts, r.flaky) for name, r in by_name.items()} == EXPECTED
    with sqlite3.connect(pytester.path / "store.db") as con:
        assert con.execute("SELECT COUNT(*) FROM test_runs").fetchone() == (1,)


# --- the pure parts --------------------------------------------------------------------------------------


def test_settings_resolution(tmp_path: Path) -> None:
    env = {"CCDASH_TESTS_DB": "env.db", "CCDASH_TESTS_PROJECT": "env-p"}
    given = settings_from({"db": None, "project": None, "run_id": None, "session": None}, env, tmp_path, "n1")
    assert (given.db, given.project, given.run_id, given.session) == ("env.db", "env-p", "n1", None)
    options = {"db": "o.db", "project": " o-p ", "run_id": "r", "session": "s"}
    given = settings_from(options, env, tmp_path, "n1")
    assert (given.db, given.project, given.run_id, given.session) == ("o.db", "o-p", "r", "s")
    plain = tmp_path / "my-folder"
    plain.mkdir()
    assert settings_from({}, {}, plain, "n").project == "my-folder"


def test_relative_sqlite_paths_are_anchored_where_pytest_started(tmp_path: Path) -> None:
    assert absolute_db(None, tmp_path) == str(tmp_path / "ccdash-tests.db")
    assert absolute_db("a/b.db", tmp_path) == str(tmp_path / "a" / "b.db")
    assert absolute_db("sqlite:///rel.db", tmp_path) == str(tmp_path / "rel.db")
    assert absolute_db("sqlite:////abs/x.db", tmp_path) == "/abs/x.db"
    assert absolute_db("postgresql://u@h/db", tmp_path) == "postgresql://u@h/db"


def test_summary_line_without_results_and_with_a_problem() -> None:
    assert summary_line(None, None, None, []) == ("ccdash-tests: no test results to store", False)
    line, warn = summary_line(None, None, "SQLite file x: locked", [])
    assert warn and "results not stored: SQLite file x: locked" in line
