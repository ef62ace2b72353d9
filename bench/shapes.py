"""Peak memory and CPU seconds of `ccdash-tests ingest` on hostile report shapes (issue: flat memory).

Each shape is written to a scratch folder (streamed, so the generator stays small), then ingested by the
real CLI in its own process into a new SQLite store, under GNU time: maximum RSS (MB) and user + system
CPU seconds. The goal is a peak under 150 MB whatever the shape, and CPU that grows linearly with the
file (compare a shape's CPU seconds to the plain 100,000-case report's, a ratio, not a wall clock).

    .venv/bin/python bench/shapes.py                 # the sizes of the issue (300 MB bodies, 100 MB token)
    .venv/bin/python bench/shapes.py --scale 0.1     # a tenth of each size, for a quick look
    .venv/bin/python bench/shapes.py --only huge_failure_body token_100mb

Exit status 1 when a shape peaks at 150 MB or more, or the ingest exits with anything but 0 or 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / ".venv" / "bin" / "ccdash-tests"
GNU_TIME = "/usr/bin/time"
LIMIT_MB = 150
MB = 1024 * 1024
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="s">\n'
TAIL = b"\n</testsuite></testsuites>\n"


def _write(path: Path, parts: Iterator[bytes]) -> None:
    with path.open("wb") as out:
        for part in parts:
            out.write(part)


def _repeat(piece: bytes, total: int) -> Iterator[bytes]:
    """`piece` repeated to about `total` bytes, in 1 MiB blocks."""
    block = piece * max(1, MB // len(piece))
    written = 0
    while written < total:
        yield block
        written += len(block)


def plain_cases(path: Path, scale: float) -> None:
    """The reference: 100,000 ordinary cases (a few failing), what CPU ratios are taken against."""
    count = int(100_000 * scale)

    def cases() -> Iterator[bytes]:
        yield HEAD
        for index in range(count):
            if index % 50 == 0:
                yield b'<testcase classname="pkg.mod.T%d" name="test_%d" time="0.01">' % (index // 10, index)
                yield b'<failure message="assert 1 == 2">trace line\ntrace line</failure></testcase>\n'
            else:
                yield b'<testcase classname="pkg.mod.T%d" name="test_%d"/>\n' % (index // 10, index)
        yield TAIL

    _write(path, cases())


def huge_failure_body(path: Path, scale: float) -> None:
    """One <failure> whose text is 300 MB (one stack trace that never ends)."""
    line = b'  File "/src/app/deep.py", line 12, in recurse\n    return recurse(n - 1)\n'
    _write(
        path,
        iter(
            [
                HEAD + b'<testcase classname="pkg.T" name="test_deep"><failure message="RecursionError">',
                *_repeat(line, int(300 * MB * scale)),
                b"</failure></testcase>" + TAIL,
            ]
        ),
    )


def many_failure_children(path: Path, scale: float) -> None:
    """Three million <failure> elements in one case."""
    count = int(3_000_000 * scale)
    _write(
        path,
        iter(
            [
                HEAD + b'<testcase classname="pkg.T" name="test_many">',
                *_repeat(b'<failure message="m">t</failure>', count * 32),
                b"</testcase>" + TAIL,
            ]
        ),
    )


def token_100mb(path: Path, scale: float) -> None:
    """One attribute of 100 MB (a failure message written into the `message` attribute)."""
    _write(
        path,
        iter(
            [
                HEAD + b'<testcase classname="pkg.T" name="test_token"><failure message="',
                *_repeat(b"x" * 1024, int(100 * MB * scale)),
                b'">t</failure></testcase>' + TAIL,
            ]
        ),
    )


def text_node_100mb(path: Path, scale: float) -> None:
    """One <system-out> text node of 100 MB inside a case (captured output nobody reads)."""
    _write(
        path,
        iter(
            [
                HEAD + b'<testcase classname="pkg.T" name="test_out"><system-out>',
                *_repeat(b"log line of a chatty test\n", int(100 * MB * scale)),
                b"</system-out></testcase>" + TAIL,
            ]
        ),
    )


def reportlog_no_teardown(path: Path, scale: float) -> None:
    """A report-log test whose call phase is reported failed over and over and that never reaches teardown."""
    start = b'{"pytest_version": "8.3.3", "$report_type": "SessionStart"}\n'
    line = (
        b'{"$report_type": "TestReport", "nodeid": "t.py::test_open", "location": ["t.py", 1, "test_open"], '
        b'"keywords": {}, "outcome": "failed", "longrepr": "' + b"E   assert x " * 40 + b'", '
        b'"when": "call", "duration": 0.1}\n'
    )
    _write(path, iter([start, *_repeat(line, int(300 * MB * scale))]))


def pytest_json_huge_longrepr(path: Path, scale: float) -> None:
    """A pytest-json-report test whose longrepr is 300 MB."""
    head = (
        b'{"created": 1.0, "duration": 1.0, "exitcode": 1, "root": "/r", "environment": {}, '
        b'"summary": {"total": 1}, "tests": [{"nodeid": "t.py::test_big", "lineno": 1, "outcome": "failed", '
        b'"keywords": [], "call": {"duration": 0.1, "outcome": "failed", "longrepr": "'
    )
    _write(path, iter([head, *_repeat(b"E   assert x\\n" * 64, int(300 * MB * scale)), b'"}}]}\n']))


SHAPES: dict[str, tuple[str, Callable[[Path, float], None]]] = {
    "plain_100k_cases": ("report.xml", plain_cases),
    "huge_failure_body": ("report.xml", huge_failure_body),
    "many_failure_children": ("report.xml", many_failure_children),
    "token_100mb": ("report.xml", token_100mb),
    "text_node_100mb": ("report.xml", text_node_100mb),
    "reportlog_no_teardown": ("report.jsonl", reportlog_no_teardown),
    "pytest_json_huge_longrepr": ("report.json", pytest_json_huge_longrepr),
}


def measure(report: Path, folder: Path) -> dict:
    """Peak RSS (MB), CPU seconds and exit code of one `ccdash-tests ingest` of `report` into a new store."""
    stats = folder / "time.txt"
    db = folder / "store.db"
    db.unlink(missing_ok=True)
    done = subprocess.run(
        [GNU_TIME, "-q", "-f", "%M %U %S", "-o", str(stats), str(CLI), "ingest", str(report), f"--db={db}"],
        capture_output=True,
        text=True,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "CCDASH_TESTS_PROJECT": "bench", "HOME": str(folder)},
    )
    rss_kb, user, system = stats.read_text().split()[-3:]
    return {
        "exit": done.returncode,
        "peak_mb": round(int(rss_kb) / 1024, 1),
        "cpu_s": round(float(user) + float(system), 2),
        "file_mb": round(report.stat().st_size / MB, 1),
        "said": (done.stderr.strip().splitlines() or [""])[-1][:120],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each shape's size (default 1)")
    parser.add_argument("--only", nargs="*", choices=sorted(SHAPES), help="measure these shapes only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ccdash-shapes-") as name:
        folder = Path(name)
        for shape in args.only or list(SHAPES):
            file_name, make = SHAPES[shape]
            report = folder / file_name
            make(report, args.scale)
            results[shape] = measure(report, folder)
            report.unlink()
            if not args.json:
                row = results[shape]
                print(
                    f"{shape:28} {row['file_mb']:>8.1f} MB file  peak {row['peak_mb']:>7.1f} MB  "
                    f"cpu {row['cpu_s']:>7.2f} s  exit {row['exit']}  {row['said']}",
                    flush=True,
                )
    if args.json:
        print(json.dumps(results, indent=2))
    bad = [s for s, row in results.items() if row["peak_mb"] >= LIMIT_MB or row["exit"] not in (0, 2)]
    if bad:
        print(f"over {LIMIT_MB} MB or not exit 0/2: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
