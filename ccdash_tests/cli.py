"""The `ccdash-tests` command line: the Typer app; each command's module is imported when it runs."""

from __future__ import annotations

from ccdash_tests.commands.common import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="ccdash-tests")
