"""Run `ccdash-tests ARGS` or bench/floor.py in this process; write its CPU seconds, and its server's.

    python bench/cpu_child.py OUT.json cli ARGS...      (as `ccdash-tests ARGS`)
    python bench/cpu_child.py OUT.json floor ARGS...    (as `python bench/floor.py ARGS`)

OUT.json gets {"process_cpu_s", "server_cpu_s", "exit"}: user + system CPU of this whole process
(interpreter start-up and imports included, as a user pays them), and the user + system CPU of every
PostgreSQL backend process it connected to, read from /proc/<backend pid>/stat just before each
connection closes (the server runs on this machine; the bench runs as a user who may read it). CPU is
what a shared, loaded machine distorts least; wall time rises with every other process.
"""

from __future__ import annotations

import json
import os
import resource
import runpy
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
_server_seconds = 0.0


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, from /proc (fields 14 and 15, after the command name)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def watch_postgres() -> None:
    """Count the CPU of each backend a psycopg connection of this process used, as it closes."""
    import psycopg

    original_close = psycopg.Connection.close

    def close(self: Any) -> None:
        global _server_seconds
        if not self.closed:
            _server_seconds += backend_cpu(self.info.backend_pid)
        original_close(self)

    psycopg.Connection.close = close  # type: ignore[method-assign]


def main() -> None:
    out, kind, *args = sys.argv[1:]
    if any(arg.startswith("postgresql://") for arg in args):
        watch_postgres()
    code: Any = 0
    try:
        if kind == "cli":
            from ccdash_tests.cli import main as cli_main

            sys.argv = ["ccdash-tests", *args]
            cli_main()
        else:
            sys.argv = [str(BENCH / "floor.py"), *args]
            runpy.run_path(str(BENCH / "floor.py"), run_name="__main__")
    except SystemExit as exit:
        code = exit.code
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(out).write_text(
        json.dumps(
            {
                "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
                "server_cpu_s": round(_server_seconds, 4),
                "exit": code if isinstance(code, int) else 1,
            }
        )
    )
    sys.exit(code)


if __name__ == "__main__":
    main()
