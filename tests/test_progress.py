"""The ingest progress counter: on a terminal for big reports, never in pipes or --json output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import junit_case, write_junit

CLI = str(Path(sys.executable).parent / "ccdash-tests")


def big_report(path: Path, cases: int = 70_000) -> Path:
    write_junit(
        path,
        (junit_case(f"test_case_{i}", classname=f"pkg.module_{i // 100}.TestLongName") for i in range(cases)),
    )
    assert path.stat().st_size > 5_000_000
    return path


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux `script` gives the pseudo-terminal")
def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    report = big_report(tmp_path / "big.xml")
    typescript = tmp_path / "typescript"
    command = f"{CLI} ingest {report} --db {tmp_path / 'tty.db'} --project p"
    subprocess.run(["script", "-qec", command, str(typescript)], check=True, capture_output=True, timeout=300)
    assert "cases read" in typescript.read_text(errors="replace")

    piped = subprocess.run(
        [CLI, "ingest", str(report), "--db", str(tmp_path / "pipe.db"), "--project", "p"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "cases read" not in piped.stderr + piped.stdout
