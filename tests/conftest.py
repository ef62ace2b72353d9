"""Shared fixtures: real SQLite files, and a real PostgreSQL server with a database per session."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg  # imported once up front: see below
import pytest
from ccdash_standin import StandIn, serve
from hypothesis import HealthCheck, settings

from ccdash_tests.store import Store, open_store

# pytester's in-process runs drop modules first imported inside them; psycopg's compiled part cannot be
# imported twice, so a psycopg first imported there would raise exceptions of classes the re-imported
# package no longer catches. Importing it here keeps one psycopg for the whole session (and pgserver,
# with its psutil, when it will be needed).
if not os.environ.get("CCDASH_TESTS_POSTGRES_URL"):
    with contextlib.suppress(ImportError):
        import pgserver  # type: ignore[import-not-found]  # noqa: F401

# Property tests check results, not speed: Hypothesis's per-example deadline (200 ms) and its
# slow-generation health check fail on a machine whose cores are busy, so neither applies here.
settings.register_profile("ccdash", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ccdash")

DATA = Path(__file__).parent / "data"
BACKENDS = ("sqlite", "postgresql")
# Read once at import: the autouse fixture below removes CI variables from each test's environment.
UNDER_CI = os.environ.get("CI", "").lower() == "true"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def _with_schema(url: str, schema: str) -> str:
    parts = urlsplit(url)
    option = "options=" + quote(f"-csearch_path={schema}")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(parts._replace(query=query))


def _server_url(tmp_root: Path) -> tuple[str | None, str]:
    """The PostgreSQL server to test against: $CCDASH_TESTS_POSTGRES_URL, else a throwaway pgserver."""
    url = os.environ.get("CCDASH_TESTS_POSTGRES_URL", "").strip()
    if url:
        return url, ""
    try:
        import pgserver  # type: ignore[import-not-found]
    except ImportError:
        return None, "no CCDASH_TESTS_POSTGRES_URL and pgserver is not installed"
    try:
        server = pgserver.get_server(tmp_root / "pgdata", cleanup_mode="stop")
    except Exception as exc:  # pgserver raises several kinds; the reason is what matters here
        return None, f"pgserver could not start a server: {exc}"
    return server.get_uri(), ""


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database on a real server for this test session, dropped at the end."""
    url, reason = _server_url(tmp_path_factory.mktemp("pg"))
    if url is None:
        if UNDER_CI:
            pytest.fail(f"PostgreSQL tests must not skip under CI=true: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")

    database = f"ccdash_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield _with_database(url, database)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped after the test."""
    yield from _fresh_schema(postgres_url)


def _fresh_schema(server: str) -> Iterator[str]:
    """Create a schema on `server`, yield a URL whose search_path is it, drop it afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_schema(server, schema)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A blank store location on the backend under test."""
    if backend == "sqlite":
        return str(tmp_path / "store.db")
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def other_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second blank store location on the same backend (an upgrade test copies one store into another)."""
    if backend == "sqlite":
        yield str(tmp_path / "other.db")
        return
    yield from _fresh_schema(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's store, project or CI variables by accident."""
    for name in (
        "CI",
        "CCDASH_TESTS_DB",
        "CCDASH_TESTS_PROJECT",
        "CCDASH_TEST_VISUALIZER_ENABLED",
        "CCDASH_URL",
        "CCDASH_TOKEN",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "BUILDKITE",
        "CIRCLECI",
        "JENKINS_URL",
        "TF_BUILD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None


@pytest.fixture
def ccdash() -> Iterator[StandIn]:
    """A stand-in CCDash server on 127.0.0.1 that checks every request against the ingest contract."""
    with serve() as state:
        yield state
    assert not state.violations, state.violations
