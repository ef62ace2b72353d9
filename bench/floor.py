"""The floor: the least work that stores a report's results, against which the real CLI is compared.

Streaming parse (ElementTree.iterparse, clearing as it goes; pytest JSON: one typed msgspec decode),
a sha256 test id per case, then in ONE transaction: a run row, definitions (integer keys assigned in
the process, test id), failure texts deduplicated by their sha256 (integer keys, message and details),
and results clustered by (test, run) (integer keys, status code, duration, failure text key), written
with executemany (SQLite, WAL, synchronous=NORMAL) or COPY (PostgreSQL).
Nothing else: no validation, no idempotence, no mapping.
Run as its own process, like the CLI: `python bench/floor.py FORMAT REPORT (--sqlite FILE | --pg URL)`.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import islice

import msgspec

US = "\x1f"
STATUS = {"passed": 0, "failed": 1, "error": 2, "skipped": 3, "xfailed": 4, "xpassed": 5}
BATCH = 10_000
Row = tuple[str, int, int | None, str | None]  # (test id, status code, duration in microseconds, failure)


def test_key(classname: str, name: str) -> str:
    text = US.join(("ccdash-test:v1", "bench", "", classname, name))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


test_key.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def _micros(seconds: str | float | None) -> int | None:
    return None if seconds in (None, "") else round(float(seconds) * 1_000_000)  # type: ignore[arg-type]


def junit_rows(path: str) -> Iterator[Row]:
    stack: list[ET.Element] = []
    for event, element in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        if element.tag != "testcase":
            continue
        status = 0
        failure = None
        for child in element:
            if child.tag in ("failure", "error"):
                status = STATUS["failed" if child.tag == "failure" else "error"]
                failure = (child.get("message") or "") + "\n" + (child.text or "")
            elif child.tag == "skipped":
                status = STATUS["xfailed" if child.get("type") == "pytest.xfail" else "skipped"]
        yield (
            test_key(element.get("classname", ""), element.get("name", "")),
            status,
            _micros(element.get("time")),
            failure,
        )
        # Clearing the parent drops the finished case from the tree, so memory stays flat.
        (stack[-1] if stack else element).clear()


class Stage(msgspec.Struct):
    duration: float | None = None
    longrepr: str | None = None


class JsonCase(msgspec.Struct):
    nodeid: str
    outcome: str
    call: Stage | None = None


class Report(msgspec.Struct):
    tests: list[JsonCase]


def json_rows(path: str) -> Iterator[Row]:
    with open(path, "rb") as handle:
        report = msgspec.json.decode(handle.read(), type=Report)
    for test in report.tests:
        head, bracket, params = test.nodeid.partition("[")
        parts = head.split("::")
        parts[0] = parts[0].removesuffix(".py").replace("/", ".")
        name = parts[-1] + bracket + params
        duration = _micros(test.call.duration) if test.call else None
        failure = test.call.longrepr if test.call and test.outcome == "failed" else None
        yield test_key(".".join(parts[:-1]), name), STATUS.get(test.outcome, 1), duration, failure


def numbered(rows: Iterator[Row]) -> Iterator[list[tuple[int, Row]]]:
    counter = iter(range(1, 1 << 62))
    while batch := list(zip(counter, islice(rows, BATCH), strict=False)):
        yield batch


class Texts:
    """Failure texts deduplicated by sha256: integer keys assigned here, new texts handed out per batch."""

    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.new: list[tuple[int, str, str]] = []

    def key(self, text: str | None) -> int | None:
        if text is None:
            return None
        digest = hashlib.sha256(text.encode()).hexdigest()
        key = self.keys.get(digest)
        if key is None:
            key = self.keys[digest] = len(self.keys) + 1
            self.new.append((key, digest, text))
        return key

    def take(self) -> list[tuple[int, str, str]]:
        new, self.new = self.new, []
        return new


RUN = ("bench", "floor-run", "2026-01-01T00:00:00+00:00")


def to_sqlite(file: str, rows: Iterator[Row]) -> int:
    conn = sqlite3.connect(file, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, project TEXT, run_id TEXT, timestamp TEXT)")
    conn.execute("CREATE TABLE defs (id INTEGER PRIMARY KEY, test_id TEXT NOT NULL UNIQUE)")
    conn.execute("CREATE TABLE texts (id INTEGER PRIMARY KEY, text_hash TEXT NOT NULL UNIQUE, message TEXT)")
    conn.execute(
        "CREATE TABLE results (test_pk INTEGER NOT NULL, run_pk INTEGER NOT NULL, status INTEGER NOT NULL,"
        " duration_us INTEGER, error_pk INTEGER, PRIMARY KEY (test_pk, run_pk)) WITHOUT ROWID"
    )
    count = 0
    texts = Texts()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO runs VALUES (1, ?, ?, ?)", RUN)
    for batch in numbered(rows):
        conn.executemany("INSERT INTO defs VALUES (?, ?)", [(pk, row[0]) for pk, row in batch])
        results = [(pk, row[1], row[2], texts.key(row[3])) for pk, row in batch]
        conn.executemany("INSERT INTO texts VALUES (?, ?, ?)", texts.take())
        conn.executemany("INSERT INTO results VALUES (?, 1, ?, ?, ?)", results)
        count += len(batch)
    conn.execute("COMMIT")
    conn.close()
    return count


def to_postgres(url: str, rows: Iterator[Row]) -> int:
    import psycopg

    count = 0
    texts = Texts()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE runs (id BIGINT PRIMARY KEY, project TEXT, run_id TEXT, timestamp TEXT)")
        conn.execute("CREATE TABLE defs (id BIGINT PRIMARY KEY, test_id TEXT NOT NULL UNIQUE)")
        conn.execute(
            "CREATE TABLE texts (id BIGINT PRIMARY KEY, text_hash TEXT NOT NULL UNIQUE, message TEXT)"
        )
        conn.execute(
            "CREATE TABLE results (test_pk BIGINT NOT NULL, run_pk BIGINT NOT NULL, status SMALLINT NOT NULL,"
            " duration_us BIGINT, error_pk BIGINT, PRIMARY KEY (test_pk, run_pk))"
        )
        conn.execute("INSERT INTO runs VALUES (1, %s, %s, %s)", RUN)
        with conn.cursor() as cur:
            for batch in numbered(rows):
                with cur.copy("COPY defs (id, test_id) FROM STDIN") as copy:
                    for pk, row in batch:
                        copy.write_row((pk, row[0]))
                results = [(pk, 1, row[1], row[2], texts.key(row[3])) for pk, row in batch]
                with cur.copy("COPY texts (id, text_hash, message) FROM STDIN") as copy:
                    for text_row in texts.take():
                        copy.write_row(text_row)
                with cur.copy(
                    "COPY results (test_pk, run_pk, status, duration_us, error_pk) FROM STDIN"
                ) as copy:
                    for result in results:
                        copy.write_row(result)
                count += len(batch)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=("junit", "pytest-json"))
    parser.add_argument("report")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite")
    target.add_argument("--pg")
    args = parser.parse_args()
    rows = junit_rows(args.report) if args.format == "junit" else json_rows(args.report)
    count = to_sqlite(args.sqlite, rows) if args.sqlite else to_postgres(args.pg, rows)
    print(count)


if __name__ == "__main__":
    main()
