"""Pieces the one-document JSON formats share (Jest/Vitest, Mocha, CTRF): whole-file decode, paths, ANSI.

These formats are one JSON document with no line structure to stream by, so the file is decoded whole
into typed msgspec Structs (about a third of the stdlib json's memory), and every case is built and
checked before the first is handed out: a bad status anywhere refuses the file whole.
"""

from __future__ import annotations

import os
import re
from typing import BinaryIO, TypeVar

import msgspec

from ccdash_tests.parsers.common import ReportError, json_problem

T = TypeVar("T")
# A CI job writes nothing this large; the limit keeps a stray file from exhausting memory.
MAX_JSON_BYTES = 2 * 1024 * 1024 * 1024
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def decode_file(fh: BinaryIO, path: str, kind: type[T], what: str) -> T:
    """The whole file decoded as `kind`, or ReportError naming the problem (and its line when known)."""
    with fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ReportError(path, f"{what} larger than 2 GiB")
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError as err:
        raise ReportError(path, f"not a {what}: {err}") from None
    except msgspec.DecodeError as err:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
            raise ReportError(path, f"malformed JSON: a {what} must be UTF-8") from None
        problem, line = json_problem(err, data)
        raise ReportError(path, problem, line) from None


def relative_file(name: str | None, cwd: str | None = None) -> str | None:
    """A test file path as JavaScript reporters write it (absolute), relative to the working directory
    when it lies under it, with "/" separators: the ingest runs at the project root in CI, so this is
    the path Vitest's and Mocha's own relative output would show."""
    if not name:
        return None
    here = cwd or os.getcwd()
    path = name
    if os.path.isabs(name):
        try:
            relative = os.path.relpath(name, here)
        except ValueError:  # another drive on Windows
            relative = name
        if not relative.startswith(".."):
            path = relative
    return path.replace("\\", "/")


def plain(text: str) -> str:
    """Text without terminal colour codes (Jest and Mocha colour failure messages on a TTY)."""
    return _ANSI.sub("", text) if "\x1b" in text else text
