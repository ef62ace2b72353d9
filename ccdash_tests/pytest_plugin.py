"""pytest plugin: `pytest --ccdash` stores the session's results as one run, with no report file between.

Every phase report pytest emits is serialised exactly as pytest-reportlog writes it and folded by the
report-log parser's own state machine (`parsers.reportlog`), so statuses, attempts, flakiness, messages
and test ids match `ccdash-tests ingest` of a report-log, and the test ids match the session's JUnit XML.
The run is stored through `ingest.ingest_request`, the path every ingest takes.

A store error never changes pytest's exit status: it is shown as one warning line instead. Under
pytest-xdist only the controller stores (workers forward their reports to it), so a distributed
session is still one run. Heavy modules are imported only when --ccdash is given, so having the plugin
installed costs a plain pytest run nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ccdash_tests.ingest import IngestOutcome
    from ccdash_tests.parsers.reportlog import OpenTest
    from ccdash_tests.records import ParsedCase

RECORDER_NAME = "ccdash-tests-recorder"
PREFIX = "ccdash-tests"
MAX_TEXT = 64 * 1024  # the bound `ccdash-tests ingest` applies to failure text
SESSION_SOURCE = "<pytest session>"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ccdash", "ccdash-tests: store this session's results")
    group.addoption(
        "--ccdash",
        action="store_true",
        default=False,
        help="Store this session's results as one ccdash-tests run (no report file needed).",
    )
    group.addoption(
        "--ccdash-db",
        default=None,
        metavar="DB",
        help="Store: a path, sqlite:///file.db or postgresql://... "
        "[default: $CCDASH_TESTS_DB, else ./ccdash-tests.db]",
    )
    group.addoption(
        "--ccdash-project",
        default=None,
        metavar="NAME",
        help="Project [default: $CCDASH_TESTS_PROJECT, else the origin remote's repository name,"
        " else the work tree's folder]",
    )
    group.addoption(
        "--ccdash-run-id",
        default=None,
        metavar="ID",
        help="Run id; give shards of one CI job the same id to make them one run [default: a new id]",
    )
    group.addoption(
        "--ccdash-session", default=None, metavar="ID", help="Agent session id that produced the change."
    )


@dataclass(frozen=True)
class Settings:
    """Where and as what the session is stored, resolved from options, environment and checkout."""

    db: str | None
    project: str
    run_id: str
    session: str | None
    cwd: Path


def settings_from(
    options: Mapping[str, str | None], environ: Mapping[str, str], cwd: Path, new_id: str
) -> Settings:
    """Pure resolution of the plugin's settings; raises UserError for values `ingest` would refuse too."""
    from ccdash_tests import runmeta
    from ccdash_tests.errors import UserError
    from ccdash_tests.ingest import RunOptions, validate_options

    project = (options.get("project") or environ.get("CCDASH_TESTS_PROJECT") or "").strip()
    project = project or runmeta.default_project(cwd)
    if len(project) > 200:
        raise UserError("--ccdash-project: longer than 200 characters")
    run_id, session = options.get("run_id"), options.get("session")
    validate_options(RunOptions(run_id=run_id, session=session))
    db = (options.get("db") or environ.get("CCDASH_TESTS_DB") or "").strip() or None
    return Settings(db=db, project=project, run_id=run_id or new_id, session=session, cwd=cwd)


def absolute_db(db: str | None, cwd: Path) -> str:
    """The store location with a relative SQLite path anchored where pytest was invoked (tests may chdir)."""
    from ccdash_tests.store import DEFAULT_DB_FILE, resolve_location

    if db is None:
        return str(cwd / DEFAULT_DB_FILE)
    location = resolve_location(db, cwd)
    if location.backend != "sqlite":
        return location.target
    return str(cwd / location.target)  # an absolute target stays as it is: Path("/a") / "/b" is "/b"


def pytest_configure(config: pytest.Config) -> None:
    # xdist workers forward every report to the controller, which stores the one run.
    if not config.getoption("ccdash") or hasattr(config, "workerinput"):
        return
    from ccdash_tests.errors import UserError

    options = {name: config.getoption(f"ccdash_{name}") for name in ("db", "project", "run_id", "session")}
    try:
        settings = settings_from(options, os.environ, config.invocation_params.dir, uuid.uuid4().hex)
    except UserError as err:
        raise pytest.UsageError(f"{PREFIX}: {err}") from None
    config.pluginmanager.register(SessionRecorder(config, settings), RECORDER_NAME)


@dataclass
class CaseFolder:
    """Folds phase reports (report-log dicts) into ParsedCases with the report-log parser's state machine."""

    max_text: int = MAX_TEXT
    cases: list[ParsedCase] = field(default_factory=list)
    pending: dict[str, OpenTest] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    reports: int = 0

    def add(self, serialised: dict[str, Any]) -> None:
        import msgspec

        from ccdash_tests.parsers import ReportError
        from ccdash_tests.parsers.reportlog import LogLine, _step

        self.reports += 1
        try:
            record = msgspec.convert(serialised, LogLine)
            case = _step(record, self.pending, SESSION_SOURCE, self.reports, self.max_text, self.metadata)
        except (msgspec.ValidationError, ReportError) as err:
            # A plugin's odd report must not lose the whole session: keep the rest, say what was left out.
            self.ignored.append(str(err))
            return
        if case is not None:
            self.cases.append(case)

    def finish(self) -> list[ParsedCase]:
        """Every case, including tests still open (an interrupted session), in the order they finished."""
        from ccdash_tests.parsers.reportlog import _finish

        for nodeid, state in self.pending.items():
            self.cases.append(_finish(nodeid, state, self.max_text))
        self.pending.clear()
        return self.cases


class SessionRecorder:
    """Registered only with --ccdash: records reports, stores the run at session end, prints one line."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.folder = CaseFolder()
        self.started = datetime.now(UTC)
        self.outcome: IngestOutcome | None = None
        self.store_description: str | None = None
        self.problem: str | None = None

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        serialised = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        if serialised is not None:
            self.folder.add(serialised)

    def pytest_sessionstart(self) -> None:
        self.started = datetime.now(UTC)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._record(report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        cases = self.folder.finish()
        if not cases:
            return
        try:
            self.outcome, self.store_description = store_session(
                self.settings, cases, self.started, {"exitstatus": int(exitstatus)}
            )
        except Exception as exc:  # whatever the store raised, the test outcome must stand
            self.problem = describe_error(exc)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        line, warn = summary_line(self.outcome, self.store_description, self.problem, self.folder.ignored)
        terminalreporter.write_line(line, yellow=warn, bold=warn)


def describe_error(exc: BaseException) -> str:
    """One line naming the problem (a store error's own words, else the exception's class and first line)."""
    from ccdash_tests.store import StoreError

    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if isinstance(exc, StoreError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def store_session(
    settings: Settings, cases: list[ParsedCase], started: datetime, facts: dict[str, Any]
) -> tuple[IngestOutcome, str]:
    """Build the run as `ingest` would (CI env, then git) and store it in one transaction."""
    from ccdash_tests import runmeta
    from ccdash_tests.ingest import RunOptions, build_request, ingest_request
    from ccdash_tests.store import open_store

    options = RunOptions(run_id=settings.run_id, session=settings.session, timestamp=started)
    request = build_request(
        settings.project,
        [],
        options,
        runmeta.detect_ci(os.environ),
        runmeta.detect_git(settings.cwd),
        started,
    )
    env = runmeta.environment({"pytest": pytest.__version__})
    metadata = {**request.metadata, "env": env, "frameworks": {"pytest": pytest.__version__}}
    metadata["pytest"] = {"plugin": "ccdash_tests.pytest_plugin", **facts}
    request = request.replace(results=cases, metadata=metadata, env_fingerprint=runmeta.env_fingerprint(env))
    with open_store(absolute_db(settings.db, settings.cwd)) as store:
        return ingest_request(store, request), store.description


def summary_line(
    outcome: IngestOutcome | None, where: str | None, problem: str | None, ignored: list[str]
) -> tuple[str, bool]:
    """(the line, whether it is a warning)."""
    from ccdash_tests.records import Status

    if problem is not None:
        return (
            f"{PREFIX}: WARNING: results not stored: {problem} (pytest's exit status is unchanged)",
            True,
        )
    if outcome is None:
        return f"{PREFIX}: no test results to store", False
    run = outcome.run
    counts = ", ".join(
        f"{run.status_counts[status]} {status.value}" for status in Status if run.status_counts.get(status)
    )
    flaky = f", {run.flaky_tests} flaky" if run.flaky_tests else ""
    skipped = f"; {len(ignored)} unreadable reports left out ({ignored[0]})" if ignored else ""
    line = (
        f"{PREFIX}: stored run {run.run_id} ({counts or 'no results'}{flaky}; "
        f"{outcome.new_results} new) in {where}{skipped}"
    )
    return line, bool(ignored)
