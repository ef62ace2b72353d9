"""Hostile reports (DESIGN.md §7): refused whole with one plain line naming the problem, or read by a rule.

First the parser on the stored files of tests/data/hostile (each refused with a one-line ReportError);
then `ingest` on hostile files made here (exit 2, the store unchanged, nothing fetched or leaked); last,
odd files that are accepted by a stated rule.
"""

from __future__ import annotations

import codecs
import json
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import Cli, junit_text
from reliability_support import CLI, cli_env, file_state
from typer.testing import Result

from ccdash_tests.commands.common import user_errors
from ccdash_tests.errors import exit_on_interrupt
from ccdash_tests.parsers import ReportError, parse_report

PASSWD = Path("/etc/passwd")
PASSWD_MARKER = "root:x:0:0"
GOOD_CASES = [("pkg.TestGood", "test_one", "passed"), ("pkg.TestGood", "test_two", "failed")]


def deep(depth: int) -> bytes:
    return b"<testsuites>" + b"<testsuite>" * depth + b"</testsuite>" * depth + b"</testsuites>"


# ---- the parser on the stored hostile files -------------------------------------------------------

HOSTILE = Path(__file__).parent / "data" / "hostile"

# file -> words the refusal must contain (the problem, named for a human)
EXPECTED = {
    "entity_bomb.xml": "DTD not allowed",
    "xxe_passwd.xml": "DTD not allowed",
    "xxe_parameter.xml": "DTD not allowed",
    "dtd_external.xml": "DTD not allowed",
    "dtd_plain.xml": "DTD not allowed",
    "truncated.xml": "truncated",
    "broken_tag.xml": "mismatched tag",
    "wrong_root.xml": "not a JUnit report: root <html>",
    "invalid_utf8.xml": "malformed XML",
    "nul_bytes.xml": "malformed XML",
    "binary.bin": "not a test report",
    "empty.xml": "empty file",
    "whitespace.xml": "empty file",
    "json_wrong_shape.json": "Expected `array`, got `object` - at `$.tests`",
    "json_list.json": "Expected `object`, got `array`",
    "json_nan.json": "NaN and Infinity are not JSON",
    "json_unknown_outcome.json": "unknown outcome 'exploded'",
    "json_truncated.json": "truncated",
    "reportlog_nan.jsonl": "NaN and Infinity are not JSON",
    "reportlog_wrong_shape.jsonl": "Expected `str`, got `array` - at `$.nodeid`",
    "reportlog_unknown_outcome.jsonl": "unknown outcome 'vanished'",
    "reportlog_truncated.jsonl": "truncated",
    "json_tests_only.json": "not a pytest-json-report file: no `exitcode` and `root`",
    "json_deep_environment.json": "nested too deep",
    "reportlog_deep_longrepr.jsonl": "nested too deep",
    "archive.zip": "compressed (zip): unpack it first",
    "cut.xml.gz": "compressed file is damaged or cut off",
    "whitespace_long.xml": "empty file (white space only)",
}
EXPECTED_LINE = {
    "entity_bomb.xml": 2,
    "xxe_passwd.xml": 2,
    "truncated.xml": 6,
    "broken_tag.xml": 5,
    "wrong_root.xml": 2,
    "invalid_utf8.xml": 4,
    "nul_bytes.xml": 4,
    "json_nan.json": 1,
    "reportlog_nan.jsonl": 2,
    "reportlog_unknown_outcome.jsonl": 2,
}


def refuse(path: Path, fmt: str = "auto") -> ReportError:
    with pytest.raises(ReportError) as caught:
        report = parse_report(path, fmt)
        for _ in report.cases:
            pass
    return caught.value


def test_every_hostile_file_is_covered() -> None:
    stored = {p.name for p in HOSTILE.iterdir() if p.name != "README.md"}
    assert stored == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_with_a_clear_one_line_error(name: str) -> None:
    path = HOSTILE / name
    err = refuse(path)
    message = str(err)
    assert EXPECTED[name] in message
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert err.path == str(path)
    assert err.line == EXPECTED_LINE.get(name, err.line)
    if name in EXPECTED_LINE:
        assert f": line {EXPECTED_LINE[name]}: " in message
    assert PASSWD_MARKER not in message


@pytest.mark.parametrize("fmt", ["auto", "junit"])
def test_external_entities_are_never_resolved(fmt: str) -> None:
    for name in ("xxe_passwd.xml", "xxe_parameter.xml", "dtd_external.xml"):
        err = refuse(HOSTILE / name, fmt)
        assert PASSWD_MARKER not in str(err) and PASSWD_MARKER not in repr(err.__dict__)


def test_entity_bomb_is_refused_before_any_expansion() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refuse(HOSTILE / "entity_bomb.xml")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB: nothing blew up


def test_forcing_a_format_on_the_wrong_content_is_refused() -> None:
    assert "malformed JSON" in str(refuse(HOSTILE / "wrong_root.xml", "pytest-json"))
    assert "malformed XML" in str(refuse(HOSTILE / "json_nan.json", "junit"))
    assert "not a pytest report-log line" in str(refuse(HOSTILE / "json_unknown_outcome.json", "reportlog"))


@pytest.mark.parametrize("depth", [1_001, 100_000])
def test_deep_nesting_is_refused_without_recursion(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.xml"
    path.write_bytes(deep(depth))
    err = refuse(path)
    assert "nested deeper than 1000 levels" in str(err)


def test_nesting_to_the_limit_is_accepted(tmp_path: Path) -> None:
    depth = 998
    path = tmp_path / "deep.xml"
    inner = '<testcase classname="c" name="n"/>'
    path.write_text(
        "<testsuites>" + '<testsuite name="s">' * depth + inner + "</testsuite>" * depth + "</testsuites>"
    )
    assert len(list(parse_report(path).cases)) == 1


def test_nul_and_binary_after_a_valid_head(tmp_path: Path) -> None:
    path = tmp_path / "tail.xml"
    path.write_bytes(
        b'<testsuites><testsuite name="s"><testcase classname="c" name="n"/>' + bytes(range(256)) * 4
    )
    assert "malformed XML" in str(refuse(path))


def test_unreadable_path_and_directory(tmp_path: Path) -> None:
    assert "cannot read" in str(refuse(tmp_path / "nope.xml"))
    assert "directory" in str(refuse(tmp_path))


# ---- through `ingest`: refused whole, the store unchanged -----------------------------------------


def ingest(db: str, *files: str, extra: tuple[str, ...] = ()) -> Result:
    return Cli(db, "p")("ingest", *files, "--json", *extra)


def show(db: str) -> dict:
    return Cli(db, "p").json("runs", "show")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one committed run; each test works on a copy."""
    folder = tmp_path_factory.mktemp("template")
    good = folder / "good.xml"
    good.write_text(junit_text(GOOD_CASES))
    db = folder / "store.db"
    result = ingest(str(db), str(good))
    assert result.exit_code == 0, result.output
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    return db


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store.db"
    shutil.copyfile(template_db, copy)
    return copy


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP port that records every connection made to it (a fetch of an external DTD would show here)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(1024) or b"<connected>")
            except OSError:
                seen.append(b"<connected>")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def _bomb() -> bytes:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE testsuites [\n' + "\n".join(lines) + "\n]>\n"
        '<testsuites><testsuite name="s"><testcase classname="c" name="&lol9;"/></testsuite></testsuites>\n'
    ).encode()


def _xxe(port: int) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE testsuites [<!ENTITY xxe SYSTEM "file://{PASSWD}">'
        f'<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %remote;]>\n'
        '<testsuites><testsuite name="s"><testcase classname="c" name="t">'
        "<failure>&xxe;</failure></testcase></testsuite></testsuites>\n"
    ).encode()


def _external_dtd(port: int) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE testsuites SYSTEM "http://127.0.0.1:{port}/junit.dtd">\n'
        '<testsuites><testsuite name="s"><testcase classname="c" name="t"/></testsuite></testsuites>\n'
    ).encode()


GOOD_XML = junit_text(GOOD_CASES).encode()

# name -> (content given the listener port, words the one-line refusal must contain)
REFUSED: dict[str, tuple[Callable[[int], bytes], str]] = {
    "entity_bomb.xml": (lambda _: _bomb(), "DTD"),
    "xxe.xml": (_xxe, "DTD"),
    "external_dtd.xml": (_external_dtd, "DTD"),
    "undeclared_entity.xml": (
        lambda _: (
            b'<testsuites><testsuite name="s"><testcase classname="c" name="&xxe;"/></testsuite></testsuites>'
        ),
        "undefined entity",
    ),
    "truncated.xml": (lambda _: GOOD_XML[: len(GOOD_XML) // 2], "truncated"),
    "empty.xml": (lambda _: b"", "empty"),
    "blank.xml": (lambda _: b"  \n\t\n", "empty"),
    "binary.bin": (lambda _: bytes(range(256)) * 64, "binary"),
    "nul_bytes.xml": (lambda _: GOOD_XML.replace(b"test_one", b"test\x00one"), "malformed XML"),
    "latin1_as_utf8.xml": (
        lambda _: GOOD_XML.replace(b"test_one", "tést".encode("latin-1")),
        "malformed XML",
    ),
    "deep.xml": (lambda _: deep(100_000), "deeper than"),
    "html.xml": (lambda _: b"<html><body>hello</body></html>", "not a JUnit report"),
    "wrong_shape.json": (lambda _: b'{"tests": {"a": 1}}', "not a pytest-json-report"),
    "json_list.json": (lambda _: b"[1, 2, 3]", "not a pytest-json-report"),
    "json_nan.json": (
        lambda _: (
            b'{"tests": [{"nodeid": "t.py::t", "outcome": "passed", "call": {"outcome": "passed", '
            b'"duration": NaN}}]}'
        ),
        "NaN",
    ),
    "json_infinity.json": (
        lambda _: b'{"duration": -Infinity, "tests": []}',
        "NaN and Infinity",
    ),
    "json_outcome.json": (
        lambda _: b'{"tests": [{"nodeid": "t.py::t", "outcome": "exploded"}]}',
        "unknown outcome 'exploded'",
    ),
    "json_truncated.json": (lambda _: b'{"tests": [{"nodeid": "t.py::t", "outc', "truncated"),
    "token_17mb.xml": (
        lambda _: GOOD_XML.replace(
            b'name="test_one"', b'name="test_one" message="' + b"x" * (17 << 20) + b'"'
        ),
        "one XML token (a tag with its attributes, or a comment) longer than 16 MiB",
    ),
    "comment_17mb.xml": (
        lambda _: GOOD_XML.replace(b"<testsuite ", b"<!--" + b"x" * (17 << 20) + b"--><testsuite "),
        "longer than 16 MiB",
    ),
    "value_17mb.json": (
        lambda _: (
            b'{"exitcode": 1, "root": "/r", "tests": [{"nodeid": "t.py::t", "outcome": "failed", '
            b'"call": {"outcome": "failed", "longrepr": "' + b"E" * (17 << 20) + b'"}}]}'
        ),
        "one JSON value longer than 16 MiB",
    ),
    "line_17mb.jsonl": (
        lambda _: (
            b'{"pytest_version": "8.3.0", "$report_type": "SessionStart"}\n'
            b'{"$report_type": "TestReport", "nodeid": "t.py::t", "when": "call", "outcome": "failed", '
            b'"location": ["t.py", 0, "t"], "keywords": {}, "longrepr": "' + b"E" * (17 << 20) + b'"}\n'
        ),
        "line longer than 16777216 bytes",
    ),
    "reportlog_outcome.jsonl": (
        lambda _: (
            b'{"pytest_version": "8.3.0", "$report_type": "SessionStart"}\n'
            b'{"$report_type": "TestReport", "nodeid": "t.py::t", "when": "call", "outcome": "vanished", '
            b'"location": ["t.py", 0, "t"], "keywords": {}, "longrepr": null, "duration": 0.1}\n'
        ),
        "unknown outcome",
    ),
}


def assert_refusal(result: Result, name: str, words: str) -> None:
    code, stdout, stderr = result.exit_code, result.stdout, result.stderr
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stdout + stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, stderr
    assert name in stderr
    assert words.lower() in stderr.lower(), stderr


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_file_is_refused_and_the_store_is_unchanged(
    name: str, db: Path, tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, connections = listener
    make, words = REFUSED[name]
    report = tmp_path / name
    report.write_bytes(make(port))
    before = file_state(db)
    result = ingest(str(db), str(report))
    assert_refusal(result, str(report), words)
    assert file_state(db) == before
    assert connections == []
    assert PASSWD_MARKER.encode() not in db.read_bytes()


def test_refused_file_among_good_files_stores_nothing_from_any(db: Path, tmp_path: Path) -> None:
    first = tmp_path / "a_first.xml"
    first.write_text(junit_text([("pkg.A", f"test_{i}", "passed") for i in range(3000)]))
    bad = tmp_path / "b_bad.xml"
    bad.write_bytes(GOOD_XML[:-40])
    last = tmp_path / "c_last.xml"
    last.write_text(junit_text([("pkg.C", "test_c", "passed")]))
    before = file_state(db)
    for order in ((first, bad, last), (bad, first, last), (first, last, bad)):
        result = ingest(str(db), *map(str, order))
        assert_refusal(result, str(bad), "truncated")
        assert file_state(db) == before
    assert sorted(r["name"] for r in show(str(db))["results"]) == ["test_one", "test_two"]


def test_refused_file_on_stdin_is_named_stdin(db: Path, tmp_path: Path) -> None:
    before = file_state(db)
    result = Cli(db, "p")("ingest", "-", input=b"<testsuites><testsuite>")
    assert_refusal(result, "<stdin>", "truncated")
    assert file_state(db) == before


def test_refused_ingest_into_a_blank_store_stores_no_run(tmp_path: Path) -> None:
    report = tmp_path / "deep.xml"
    report.write_bytes(deep(100_000))
    db = tmp_path / "blank.db"
    result = ingest(str(db), str(report))
    assert_refusal(result, str(report), "deeper than")
    assert Cli(db, "p").json("runs", "list") == []


@pytest.mark.postgres
def test_refusal_leaves_a_postgresql_store_unchanged(postgres_schema_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(GOOD_XML)
    assert ingest(postgres_schema_url, str(good)).exit_code == 0

    def snapshot() -> list:
        from ccdash_tests.store import open_store

        with open_store(postgres_schema_url) as store:
            return [
                store.engine.query(f"SELECT * FROM {table} ORDER BY 1")
                for table in (
                    "test_runs",
                    "test_definitions",
                    "test_results",
                    "test_errors",
                    "test_run_sources",
                )
            ]

    before = snapshot()
    many = tmp_path / "many.xml"
    many.write_text(junit_text([("pkg.M", f"test_{i}", "failed") for i in range(5000)]))
    for name in ("truncated.xml", "json_nan.json", "entity_bomb.xml"):
        bad = tmp_path / name
        bad.write_bytes(REFUSED[name][0](9))
        result = ingest(postgres_schema_url, str(many), str(bad))
        assert_refusal(result, str(bad), REFUSED[name][1])
        assert snapshot() == before


def test_xinclude_and_processing_instructions_are_inert(db: Path, tmp_path: Path) -> None:
    """An accepted report that points at local files: nothing is read from them."""
    report = tmp_path / "xinclude.xml"
    report.write_text(
        '<?xml version="1.0"?>\n<?xml-stylesheet href="file:///etc/passwd"?>\n'
        '<testsuites xmlns:xi="http://www.w3.org/2001/XInclude"><testsuite name="s">'
        '<testcase classname="c" name="t"><failure message="m">'
        f'<xi:include href="{PASSWD}" parse="text"/></failure></testcase></testsuite></testsuites>\n'
    )
    result = ingest(str(db), str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_tests"] == 1
    assert PASSWD_MARKER.encode() not in db.read_bytes()
    assert not any(
        PASSWD_MARKER.encode() in path.read_bytes() for path in tmp_path.iterdir() if path.is_file()
    )


def test_hostile_file_never_produces_a_traceback_in_a_real_process(tmp_path: Path) -> None:
    """The installed entry point, not CliRunner: what a CI log would show."""
    report = tmp_path / "deep.xml"
    report.write_bytes(deep(100_000))
    done = subprocess.run(
        [*CLI, "ingest", str(report), "--db", str(tmp_path / "s.db"), "--project", "p"],
        capture_output=True,
        env=cli_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stdout + done.stderr
    assert done.stderr.decode().startswith(f"ccdash-tests: {report}: ")
    assert len(done.stderr.decode().strip().splitlines()) == 1


# ---- files that are accepted by a stated rule ---------------------------------------------------


def test_bad_time_values_become_unknown_durations(db: Path, tmp_path: Path) -> None:
    """Rule: a `time` that is not a finite, non-negative number is stored as no duration; 1,234.5 is read."""
    times = {
        "t_text": "abc",
        "t_empty": "",
        "t_nan": "NaN",
        "t_inf": "inf",
        "t_negative": "-1",
        "t_huge": "1e400",
        "t_thousands": "1,234.5",
        "t_exponent": "2.5e-3",
    }
    cases = "".join(f'<testcase classname="c" name="{n}" time="{t}"/>' for n, t in times.items())
    report = tmp_path / "times.xml"
    report.write_text(f'<testsuites><testsuite name="s">{cases}</testsuite></testsuites>')
    result = ingest(str(db), str(report), extra=("--run-id", "times"))
    assert result.exit_code == 0, result.output
    durations = {r["name"]: r["duration_ms"] for r in show(str(db))["results"]}
    assert durations == {
        "t_text": None,
        "t_empty": None,
        "t_nan": None,
        "t_inf": None,
        "t_negative": None,
        "t_huge": None,
        "t_thousands": 1234500.0,
        "t_exponent": 2.5,
    }
    assert json.loads(result.stdout)["duration_ms"] == pytest.approx(1234502.5)


@pytest.mark.parametrize(
    ("encoding", "declared"), [("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8"), ("iso-8859-1", "ISO-8859-1")]
)
def test_other_encodings_are_read(db: Path, tmp_path: Path, encoding: str, declared: str) -> None:
    text = junit_text([("pkg.Tést", "test_café", "passed")]).replace(
        'encoding="UTF-8"', f'encoding="{declared}"'
    )
    report = tmp_path / f"enc-{encoding}.xml"
    report.write_bytes(text.encode(encoding))
    if encoding == "utf-16":
        assert report.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    result = ingest(str(db), str(report), extra=("--run-id", encoding))
    assert result.exit_code == 0, result.output
    assert [(r["classname"], r["name"]) for r in show(str(db))["results"]] == [("pkg.Tést", "test_café")]


@pytest.mark.parametrize("declared", ["x-no-such-charset", "shift_jis", "utf-32", "utf-7"])
def test_declared_encoding_expat_cannot_read_is_refused_or_read(
    db: Path, tmp_path: Path, declared: str
) -> None:
    """Either rule is acceptable: refuse with exit 2 naming the encoding, or read the names correctly."""
    text = junit_text([("pkg.T", "test_テスト", "passed")]).replace(
        'encoding="UTF-8"', f'encoding="{declared}"'
    )
    report = tmp_path / f"declared-{declared}.xml"
    try:
        report.write_bytes(text.encode(declared))
    except LookupError:
        report.write_bytes(text.encode("utf-8"))
    before = file_state(db)
    result = ingest(str(db), str(report), extra=("--run-id", "enc"))
    assert result.exit_code in (0, 2), (
        f"exit {result.exit_code}: an unhandled error (stderr {result.stderr!r})"
    )
    if result.exit_code == 2:
        assert_refusal(result, str(report), "encoding")
        assert file_state(db) == before
    else:
        assert [r["name"] for r in show(str(db))["results"]] == ["test_テスト"]


def test_ten_megabyte_failure_text_is_stored_bounded_and_marked_truncated(db: Path, tmp_path: Path) -> None:
    huge = "x" * (10 * 1024 * 1024)
    report = tmp_path / "huge.xml"
    report.write_text(
        '<testsuites><testsuite name="s"><testcase classname="c" name="t_huge">'
        f'<failure message="{"m" * (10 * 1024 * 1024)}">{huge}</failure></testcase>'
        '<testcase classname="c" name="t_small"><failure message="small">short</failure></testcase>'
        "</testsuite></testsuites>"
    )
    size_before = db.stat().st_size
    result = ingest(str(db), str(report), extra=("--run-id", "huge"))
    assert result.exit_code == 0, result.output
    results = {r["name"]: r for r in show(str(db))["results"]}
    big = results["t_huge"]
    assert big["error_truncated"] is True
    assert 0 < len(big["error_message"]) <= 1024 * 1024
    assert 0 < len(big["error_details"] or "") <= 1024 * 1024
    assert results["t_small"]["error_truncated"] is False
    assert results["t_small"]["error_details"] == "short"
    assert db.stat().st_size - size_before < 2 * 1024 * 1024


# ---- odd numbers, characters and names: made to fit, said so, the same on both engines ----------

ODD = Path(__file__).parent / "data" / "odd"

# file -> (run status, {name: (status, duration_ms)}, the words each warning line must contain)
ODD_EXPECTED: dict[str, tuple[str, dict[str, tuple[str, float | None]], list[str]]] = {
    "numbers.xml": (
        "failed",
        {
            "t_time_1e300": ("passed", None),
            "t_line_past_64_bits": ("passed", 500.0),
            "t_line_2_31": ("passed", 500.0),
            "t_two_days": ("failed", None),
            "t_fine": ("passed", 1500.0),
        },
        ["2 durations out of range", "2 line numbers out of range"],
    ),
    "counters.xml": ("empty", {}, ["counters say 6 tests, 1 failing, but it holds 0 test cases"]),
    "summary.json": (
        "passed",
        {"test_kept": ("passed", 400.0)},
        ["its summary says 5 tests, 2 failing, but it holds 1, 0 failing"],
    ),
    "nul_and_numbers.json": (
        "failed",
        {"test_a\ufffdb": ("passed", None), "test_line": ("failed", 400.0)},
        ["U+FFFD in 1 field", "1 duration out of range", "1 line number out of range"],
    ),
    "nul_and_numbers.reportlog.jsonl": (
        "passed",
        {"test_\ufffdnul": ("passed", None)},
        ["U+FFFD in 1 field", "1 duration out of range", "1 line number out of range"],
    ),
}


def stored_outcome(cli: Cli, path: Path) -> tuple:
    result = cli("ingest", path, "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)
    results = cli.json("runs", "show", document["run_id"])["results"]
    rows = sorted(
        (r["test_id"], r["name"], r["status"], r["duration_ms"], r["error_message"]) for r in results
    )
    return document["status"], document["status_counts"], document["duration_ms"], document["warnings"], rows


def test_every_odd_file_is_covered() -> None:
    assert {p.name for p in ODD.iterdir() if p.name != "README.md"} == set(ODD_EXPECTED)


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(ODD_EXPECTED))
def test_odd_report_is_stored_the_same_on_both_engines(
    name: str, tmp_path: Path, postgres_schema_url: str
) -> None:
    """Out-of-range times and lines, NUL in names: stored by one rule with a warning, never a traceback
    (SQLite) or a store error (PostgreSQL), and the same answer from both."""
    path = ODD / name
    on_sqlite = stored_outcome(Cli(tmp_path / "s.db", "p"), path)
    on_postgres = stored_outcome(Cli(postgres_schema_url, "p"), path)
    assert on_sqlite == on_postgres
    status, _, _, warnings, rows = on_sqlite
    expected_status, expected_rows, words = ODD_EXPECTED[name]
    assert status == expected_status
    assert {row[1]: (row[2], row[3]) for row in rows} == expected_rows
    assert len(warnings) == len(words)
    for line, word in zip(warnings, words, strict=True):
        assert line.startswith(f"{path}: ") and word in line, warnings


def test_odd_report_warnings_are_in_the_summary(tmp_path: Path) -> None:
    result = Cli(tmp_path / "s.db", "p")("ingest", ODD / "counters.xml", code=0)
    assert f"Warning: {ODD / 'counters.xml'}: its counters say 6 tests, 1 failing" in result.stdout


@pytest.mark.postgres
def test_huge_names_are_cut_with_a_stable_identity(tmp_path: Path, postgres_schema_url: str) -> None:
    """A 4 MB test name is stored cut to 1,000 characters ending in a digest of the whole: the same name
    is the same test in the next run, and two huge names that share their start stay two tests."""
    shared = "n" * (4 * 1024 * 1024)
    cases = [
        ("pkg.Big", shared + "a", "failed"),
        ("pkg.Big", shared + "b", "passed"),
        ("pkg.Big", "ok", "passed"),
    ]
    report = tmp_path / "names.xml"
    report.write_text(junit_text(cases))
    answers = []
    for cli in (Cli(tmp_path / "s.db", "p"), Cli(postgres_schema_url, "p")):
        first = stored_outcome(cli, report)
        again = cli.json("ingest", report, "--run-id", "again")
        second = sorted(r["test_id"] for r in cli.json("runs", "show", again["run_id"])["results"])
        assert sorted(row[0] for row in first[4]) == second
        answers.append(first)
    assert answers[0] == answers[1]
    status, _, _, warnings, rows = answers[0]
    assert status == "failed" and len(rows) == 3
    names = sorted(row[1] for row in rows)
    assert all(len(name) <= 1000 for name in names)
    assert len({name for name in names if name.startswith("nnn")}) == 2
    assert warnings == [f"{report}: 2 names longer than 1,000 characters cut"]


@pytest.mark.postgres
def test_attempts_stop_at_what_the_store_holds(tmp_path: Path, postgres_schema_url: str) -> None:
    """Attempts stop at 32,767 (a SMALLINT) on both engines: one case with 40,000 rerun elements is
    clamped before the store, two reruns of 20,000 each are clamped as they fold."""

    def case(name: str, reruns: int) -> str:
        retries = "<rerunFailure/>" * reruns
        return (
            f'<testcase classname="t.test_a" name="{name}" file="t/test_a.py" line="1">{retries}</testcase>'
        )

    body = case("test_one", 40_000) + case("test_two", 20_000) + case("test_two", 20_000)
    report = tmp_path / "reruns.xml"
    report.write_text(f'<testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')
    for cli in (Cli(tmp_path / "s.db", "p"), Cli(postgres_schema_url, "p")):
        run = cli.json("ingest", report)
        results = {r["name"]: r["attempts"] for r in cli.json("runs", "show", run["run_id"])["results"]}
        assert results == {"test_one": 32_767, "test_two": 32_767}
        assert run["warnings"] == [f"{report}: 1 attempt count out of range clamped"]


# ---- leniency where it is safe: a BOM, white space, gzip --------------------------------------------

LENIENT = Path(__file__).parent / "data" / "lenient"
# copy -> the real report it was made from (tests/data/lenient/generate.sh)
ORIGINALS = {
    "whitespace-9k.xml": "pytest/xunit2.xml",
    "bom-before-declaration.xml": "jest/junit.xml",
    "bom.json": "pytest/pytest.json",
    "bom.reportlog.jsonl": "pytest/reportlog.jsonl",
    "xunit1.xml.gz": "pytest/xunit1.xml",
    "pytest.json.gz": "pytest/pytest.json",
    "reportlog.jsonl.gz": "pytest/reportlog.jsonl",
    "mstest.trx.gz": "trx/mstest.trx",
}


def test_every_lenient_copy_is_covered() -> None:
    assert {p.name for p in LENIENT.iterdir() if p.name not in ("README.md", "generate.sh")} == set(ORIGINALS)


@pytest.mark.parametrize("name", sorted(ORIGINALS))
def test_lenient_copy_reads_as_its_original(name: str, tmp_path: Path) -> None:
    """A BOM or white space before the content (also before `<?xml`, past the 8 KiB a format is told by)
    and gzip-compressed CI artifacts are read exactly as the plain report."""
    original = Path(__file__).parent / "data" / ORIGINALS[name]
    copy = parse_report(LENIENT / name)
    plain = parse_report(original)
    assert (copy.format, copy.framework) == (plain.format, plain.framework)
    assert list(copy.cases) == list(plain.cases)
    run = Cli(tmp_path / "s.db", "p").json("ingest", LENIENT / name)
    assert run["total_tests"] > 0 and run["warnings"] == []


@pytest.mark.parametrize("name", ["xunit1.xml.gz", "bom.json"])
def test_closing_a_lenient_report_early_closes_the_file(name: str) -> None:
    report = parse_report(LENIENT / name)
    inner = report.cases.gi_frame.f_locals["cases"]  # type: ignore[attr-defined]
    fh = inner.gi_frame.f_locals["window"].fh if name.endswith(".json") else inner.gi_frame.f_locals["fh"]
    raw = fh.raw  # the file on disk, under gzip or the view that skips the BOM
    next(report.cases)
    report.cases.close()  # type: ignore[attr-defined]
    assert fh.closed and raw.closed


# ---- Ctrl-C while the command line starts -------------------------------------------------------

STARTING = """
import sys
from ccdash_tests import cli
sys.argv = ["ccdash-tests", *sys.argv[1:]]
print("ready", flush=True)
cli.main()
"""


@pytest.mark.parametrize("delay", [0.01, 0.03, 0.06, 0.1, 0.15, 0.25, 0.4, 0.6])
def test_ctrl_c_while_starting_exits_130_in_one_line(tmp_path: Path, delay: float) -> None:
    """From the moment ccdash-tests' own code runs (imports, building the command, opening the store),
    Ctrl-C prints one line and exits 130: never a KeyboardInterrupt traceback, never "Aborted!"."""
    report = tmp_path / "r.xml"
    report.write_text(junit_text(GOOD_CASES))
    args = ["ingest", str(report), "--db", str(tmp_path / "s.db"), "--project", "p"]
    process = subprocess.Popen(
        [sys.executable, "-c", STARTING, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    stderr = err.decode()
    assert "Traceback" not in stderr and "Aborted" not in stderr, stderr
    if process.returncode == 0:  # it finished before the signal came: a stored run, nothing else
        assert stderr == "" or "Warning" in stderr
        return
    assert process.returncode == 130, (process.returncode, stderr)
    # A warning the ingest printed before the signal came (tests without a file path) is its own
    # output; the interruption itself is one line.
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1 and lines[0].startswith("ccdash-tests: interrupted"), stderr


def test_ctrl_c_after_the_command_answered_is_ignored() -> None:
    """The race the test above can hit: Ctrl-C after the command's work and output, while the process
    leaves. The command line's handler gives way to KeyboardInterrupt for the command, then to nothing."""
    previous = signal.getsignal(signal.SIGINT)
    try:
        exit_on_interrupt()
        with user_errors():
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        signal.signal(signal.SIGINT, previous)  # in-process (as under pytest) nothing is changed
        with user_errors():
            pass
        assert signal.getsignal(signal.SIGINT) is previous
    finally:
        signal.signal(signal.SIGINT, previous)


def test_report_log_test_that_never_ends_keeps_bounded_text(tmp_path: Path) -> None:
    """A test reported failed 5,000 times and never torn down: one case, its details capped."""
    start = '{"pytest_version": "8.3.3", "$report_type": "SessionStart"}\n'
    line = json.dumps(
        {
            "$report_type": "TestReport",
            "nodeid": "t.py::test_open",
            "location": ["t.py", 1, "test_open"],
            "keywords": {},
            "outcome": "failed",
            "longrepr": "E   assert x " * 80,
            "when": "call",
            "duration": 0.1,
        }
    )
    path = tmp_path / "open.jsonl"
    path.write_text(start + (line + "\n") * 5000)
    [case] = list(parse_report(path, max_text=4096).cases)
    assert case.status.value == "failed" and case.truncated
    assert case.message == ("E   assert x " * 80).strip()
    assert len(case.details or "") <= 4096
