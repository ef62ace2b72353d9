"""The README tells the truth: every command is documented, and its quick start runs on examples/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer

from ccdash_tests.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[str]:
    """Every command of the CLI as typed: `ingest`, `runs list`, `db info`, ..."""
    click_app = typer.main.get_command(app)
    paths: list[str] = []

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            if getattr(command, "commands", None):
                walk(command, f"{prefix}{name} ")
            else:
                paths.append(f"{prefix}{name}")

    walk(click_app, "")
    return paths


def test_every_command_is_in_the_readme() -> None:
    missing = [path for path in command_paths() if f"ccdash-tests {path}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_names_the_two_setup_commands() -> None:
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_quick_start_runs_on_examples(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["CCDASH_TESTS_DB"] = str(tmp_path / "demo.db")
    done = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "shop-run-6" in done.stdout
    assert "Traceback" not in done.stderr
    assert re.search(r"stored run 6 from run-6\.xml", done.stdout)
