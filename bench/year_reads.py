"""CPU seconds of each read command on a year store, in-process (Typer's CliRunner), median of N.

    .venv/bin/python bench/year_reads.py YEAR.db [REPEATS]

run.py's year mode times the same commands by the clock, which a loaded machine inflates; this
prints, per command, the CPU (time.process_time) and wall medians, the JSON size and a digest of the
JSON, so two checkouts (PYTHONPATH=TREE) can be compared on one store for time and for equal answers.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run
import year


def main(argv: list[str]) -> int:
    from typer.testing import CliRunner

    from ccdash_tests.cli import app

    db = Path(argv[0])
    repeats = int(argv[1]) if len(argv) > 1 else 3
    runner = CliRunner()
    rows = {}
    for label, (_, command) in run.read_commands(year.shapes()[year.BROKEN_TEST].test_id).items():
        args = [*command, "--json", "--db", str(db), "--project", year.PROJECT]
        probe = runner.invoke(app, args)
        cpu, wall = [], []
        for _ in range(repeats):
            started_cpu, started = time.process_time(), time.perf_counter()
            runner.invoke(app, args)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        rows[label] = {
            "exit": probe.exit_code,
            "cpu_s": round(statistics.median(cpu), 4),
            "wall_s": round(statistics.median(wall), 4),
            "json_kb": round(len(probe.stdout.encode()) / 1024, 1),
            "sha256": hashlib.sha256(probe.stdout.encode()).hexdigest()[:12],
        }
        print(label, rows[label], file=sys.stderr, flush=True)
    print(json.dumps({"file_mb": round(db.stat().st_size / 1e6, 1), "commands": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
