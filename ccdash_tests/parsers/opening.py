"""Opening a report before any parser reads it: gzip, a BOM or white space before the content, and
the errors a file can raise while it is read, all turned into one-line refusals naming the file.

Leniency where it is safe, as peers (junitparser, test-results-parser) read such files:
  gzip      a file that starts with gzip's magic bytes (`.xml.gz`, `.json.gz` CI artifacts) is read
            through gzip, streamed; a damaged or cut one is refused ("compressed file is damaged").
            Other archives (zip, bzip2, xz, zstd) are refused naming the format: "unpack it first".
  lead-in   a UTF-8 BOM and any amount of white space before the first character are skipped (also
            before `<?xml`, which XML itself forbids, and before JSON, which msgspec refuses), so a
            parser sees the report from its first real byte. UTF-16 and UTF-32 files are left whole:
            their BOM tells the parser the encoding.
A file of white space only is refused as such, however long.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ccdash_tests.parsers.common import ReportError
from ccdash_tests.records import ParsedCase

_GZIP = b"\x1f\x8b"
_ARCHIVES = (
    (b"PK\x03\x04", "zip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_WHITE = b" \t\r\n"
_CHUNK = 64 * 1024


class _Gzip(gzip.GzipFile):
    """gzip over an open file that closes that file too (GzipFile leaves a given fileobj open)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self.raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.raw.close()


class _From(io.RawIOBase):
    """A readable, seekable file seen from byte `start` on (seek(0) goes back to `start`, not to 0)."""

    def __init__(self, inner: BinaryIO, start: int) -> None:
        super().__init__()
        self.inner = inner
        self.start = start
        inner.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = self.start + offset if whence == io.SEEK_SET else offset
        return self.inner.seek(target, whence) - self.start

    def tell(self) -> int:
        return self.inner.tell() - self.start

    def close(self) -> None:
        self.inner.close()
        super().close()


def _is_wide(head: bytes) -> bool:
    """UTF-16/32 (by BOM, or a NUL among the first two bytes): left for the parser to decode whole."""
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 2 and (head[0] == 0 or head[1] == 0)
    )


def open_content(fh: BinaryIO, path: str, sniff_bytes: int) -> tuple[BinaryIO, bytes]:
    """(the file to parse, positioned at its content, and its first `sniff_bytes` bytes from there)."""
    head = fh.read(sniff_bytes)
    if head.startswith(_GZIP):
        fh.seek(0)
        fh = _Gzip(fh)  # type: ignore[assignment]
        head = fh.read(sniff_bytes)
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            raise ReportError(path, f"compressed ({kind}): unpack it first")
    if not head or _is_wide(head):
        fh.seek(0)
        return fh, head
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    skipped = 0  # bytes of the file before `head`
    while True:
        rest = head[start:].lstrip(_WHITE)
        if rest:
            start += len(head) - start - len(rest)
            break
        skipped += len(head)
        start = 0
        head = fh.read(_CHUNK)
        if not head:
            raise ReportError(path, "empty file (white space only)")
    begin = skipped + start
    if begin == 0:
        fh.seek(0)
        return fh, head[:sniff_bytes]
    view = io.BufferedReader(_From(fh, begin), buffer_size=_CHUNK)
    first = view.read(sniff_bytes)
    view.seek(0)
    return view, first


def as_refusal(err: BaseException, path: str) -> ReportError | None:
    """The refusal an error met while reading a file stands for; None for errors that are not the file's."""
    if isinstance(err, ReportError):
        return err if err.path == path else ReportError(path, err.problem, err.line)
    if isinstance(err, RecursionError):
        return ReportError(path, "nested too deep to read (arrays or objects inside one another)")
    if isinstance(err, EOFError | zlib.error | gzip.BadGzipFile):
        return ReportError(path, f"compressed file is damaged or cut off: {err}")
    if isinstance(err, OSError):
        return ReportError(path, f"cannot read: {err.strerror or err}")
    return None


def guarded(cases: Iterator[ParsedCase], path: str) -> Iterator[ParsedCase]:
    """The cases, with what reading them can raise turned into the file's refusal (see `as_refusal`)."""
    try:
        yield from cases
    except Exception as err:
        refusal = as_refusal(err, path)
        if refusal is None or refusal is err:
            raise
        raise refusal from None
    finally:
        close = getattr(cases, "close", None)
        if close is not None:
            close()
