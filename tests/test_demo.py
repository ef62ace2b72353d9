"""`make demo` (examples/demo.sh) runs end to end and shows what the README says it shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "ccdash-tests"


def test_demo_shows_questions_integrity_gate_and_report(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CCDASH_TESTS_CLI": str(CLI),
        "CCDASH_TESTS_DB": str(tmp_path / "demo.db"),
        "CCDASH_DEMO_HTML": str(tmp_path / "report.html"),
        "COLUMNS": "100",
    }
    env.pop("CCDASH_TESTS_PROJECT", None)
    done = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    headings = re.findall(r"^## (.+)$", out, re.M)
    assert len(headings) >= 12 and all(h.strip() for h in headings)
    # Every command is echoed before its output, under a heading.
    assert out.count("\n$ ccdash-tests ") >= 12
    assert "$ ccdash-tests runs show\n" in out and "Errors and failures (1)" in out
    assert out.count("new results, 0 already stored.") == 3  # one shop summary, two in the scene
    assert re.search(r"high\s+assertion_removed\s+tests/test_cart\.py::test_total", out)
    failed, passed = out.index("Gate FAILED for run"), out.index("Gate passed for run")
    assert "(exit 1: the gate failed, as it should)" in out and failed < passed
    assert "1 resolved" in out
    assert f"open it: file://{tmp_path / 'report.html'}" in out and (tmp_path / "report.html").stat().st_size
    assert "\x1b[" not in out  # no escape codes in a pipe
