"""A safe, chunked expat driver for the XML formats other than JUnit (TRX, NUnit, xUnit.net).

The same rules as junit.py: a DOCTYPE or entity declaration is refused the moment expat reports it
(so no entity is ever expanded or fetched), parameter entities are off, nesting deeper than MAX_DEPTH
is refused, and the document is fed in CHUNK-sized pieces so that memory stays flat. Callers give
start/end/text callbacks and collect finished cases in their own list between chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.parsers import expat

from ccdash_tests.parsers.common import ReportError
from ccdash_tests.records import ParsedCase

MAX_DEPTH = 1000
CHUNK = 256 * 1024
_CODES = expat.errors.codes
_CUT_OFF = frozenset(
    {_CODES[expat.errors.XML_ERROR_NO_ELEMENTS], _CODES[expat.errors.XML_ERROR_UNCLOSED_TOKEN]}
)

Start = Callable[[str, dict[str, str]], None]
End = Callable[[str], None]
Text = Callable[[str], None]


class SafeXml:
    """One pass over one XML document: `chunks()` feeds it and yields after each chunk."""

    def __init__(self, fh: BinaryIO, path: str, start: Start, end: End, text: Text | None = None) -> None:
        self.fh = fh
        self.path = path
        self.depth = 0
        self.root: str | None = None
        self._start = start
        self._end = end
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.StartElementHandler = self._on_start
        parser.EndElementHandler = self._on_end
        if text is not None:
            parser.CharacterDataHandler = text
        parser.buffer_text = True
        self.parser = parser

    @property
    def line(self) -> int:
        return self.parser.CurrentLineNumber

    def refuse(self, problem: str) -> ReportError:
        """A refusal naming the line expat is on."""
        return ReportError(self.path, problem, self.parser.CurrentLineNumber)

    def _doctype(self, *_: object) -> None:
        raise self.refuse("DTD not allowed (DOCTYPE declarations are refused)")

    def _entity(self, *_: object) -> None:
        raise self.refuse("entity declarations are not allowed")

    def _on_start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.refuse(f"elements nested deeper than {MAX_DEPTH} levels")
        if self.root is None:
            self.root = tag
        self._start(tag, attrs)

    def _on_end(self, tag: str) -> None:
        self.depth -= 1
        self._end(tag)

    def chunks(self) -> Iterator[None]:
        """Feed the document chunk by chunk; each XML problem becomes a ReportError with its line."""
        while True:
            chunk = self.fh.read(CHUNK)
            try:
                self.parser.Parse(chunk, not chunk)
            except expat.ExpatError as err:
                problem = expat.ErrorString(err.code) or "malformed XML"
                if err.code in _CUT_OFF and self.root is not None:
                    problem = "unexpected end of file (the report is truncated)"
                elif err.code == _CODES[expat.errors.XML_ERROR_NO_ELEMENTS]:
                    problem = "no XML element found"
                raise ReportError(self.path, f"malformed XML: {problem}", err.lineno) from None
            except RecursionError:
                raise ReportError(self.path, "malformed XML: nesting too deep") from None
            except (LookupError, ValueError) as err:
                # an unknown codec in the XML declaration (LookupError) or one expat cannot drive
                raise ReportError(self.path, f"unsupported encoding: {err}") from None
            if not chunk:
                if self.root is None:
                    raise ReportError(self.path, "empty file")
                return
            yield None


def read_root(fh: BinaryIO, path: str, chunks: Iterator[None], seen: Callable[[], bool], what: str) -> None:
    """Feed `chunks` until `seen()` says the root was read, so that a file of another format is refused
    before any case is stored; the file is closed when that fails."""
    try:
        while not seen():
            next(chunks)
    except StopIteration:
        fh.close()
        raise ReportError(path, f"no {what} root element found") from None
    except BaseException:
        fh.close()
        raise


def stream_cases(fh: BinaryIO, out: list[ParsedCase], chunks: Iterator[None]) -> Iterator[ParsedCase]:
    """The cases a reader appends to `out`, handed on after each chunk (memory holds one chunk's cases)."""
    try:
        for _ in chunks:
            ready = out[:]
            out.clear()
            yield from ready
        yield from out
    finally:
        fh.close()


class Capture:
    """Text of one element being read, kept to at most `limit` characters (and whether more came)."""

    __slots__ = ("cut", "limit", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.cut = False

    def add(self, data: str) -> None:
        room = self.limit - self.size
        if room <= 0:
            self.cut = self.cut or bool(data)
            return
        if len(data) > room:
            data, self.cut = data[:room], True
        self.parts.append(data)
        self.size += len(data)

    def text(self) -> str:
        return "".join(self.parts)
