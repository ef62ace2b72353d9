"""CI annotations for a run's failures: GitHub workflow commands and a GitLab Code Quality report.

GitHub: one `::error file=F,line=L,title=T::message` line per failure. As GitHub's toolkit does, the
message escapes %, CR and LF, and property values also escape ":" and ","; so no report text can end
the line and start a command of its own. GitLab: a Code Quality JSON array, one issue per failure
placed in a repository file, with a fingerprint stable across runs (the test's id), so merge requests
show new and fixed failures; a failure without such a file is left out (docs/DESIGN-NOTES.md, Output).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ccdash_tests.models import Status, TestDefinitionDTO, TestResultDTO
from ccdash_tests.text import INVISIBLE, first_line

MESSAGE_LIMIT = 4_000
TITLE_LIMIT = 300
# C0 controls other than TAB, CR and LF (those three are escaped), DEL and C1: ESC would colour a log;
# bidi controls and invisible characters would make an annotation read differently from what it is.
_CONTROL = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{INVISIBLE}]")
SEVERITY = {Status.ERROR: "critical", Status.FAILED: "major"}


@dataclass(frozen=True)
class Annotation:
    """One failure placed in the source: `path` and `line` (1-based) are None when not known."""

    test_id: str
    test: str
    title: str
    message: str
    status: Status
    path: str | None = None
    line: int | None = None


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def clean(text: str, limit: int) -> str:
    text = _CONTROL.sub(_visible, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message escapes plus the delimiters ":" and ","."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations_for(
    results: Iterable[TestResultDTO], definitions: Mapping[str, TestDefinitionDTO]
) -> list[Annotation]:
    """Failures and errors as annotations, placed by their definition's file and line where known."""
    found = []
    for result in results:
        if not result.status.is_bad:
            continue
        definition = definitions.get(result.test_id)
        message = (result.error_message or result.error_details or "").strip()
        found.append(
            Annotation(
                test_id=result.test_id,
                test=clean(result.label, TITLE_LIMIT),
                title=clean(f"{result.label} {result.status.value}", TITLE_LIMIT),
                message=clean(message or f"test {result.status.value} without a message", MESSAGE_LIMIT),
                status=result.status,
                path=clean(path, TITLE_LIMIT)
                if (path := (definition.path if definition else None) or result.path)
                else None,
                line=definition.line if definition and definition.line and definition.line > 0 else None,
            )
        )
    return found


def github_commands(annotations: Iterable[Annotation]) -> Iterator[str]:
    """One workflow command line per annotation (no newline at the end)."""
    for item in annotations:
        properties = []
        if item.path:
            properties.append(f"file={escape_property(item.path)}")
            if item.line is not None:
                properties.append(f"line={item.line}")
        properties.append(f"title={escape_property(item.title)}")
        yield f"::error {','.join(properties)}::{escape_data(item.message)}"


def fingerprint(test_id: str, status: Status) -> str:
    """Stable across runs for one test and kind of failure, unique within one report."""
    canonical = f"ccdash-tests:codequality:v1\x1f{test_id}\x1f{status.value}"
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


_ABSOLUTE = re.compile(r"^(?:/|\\\\|[A-Za-z]:[\\/])")


def repository_path(path: str | None) -> str | None:
    """`path` as GitLab places an issue: relative to the repository, `/`-separated, without `./`; None
    when there is none (no file known, or an absolute path of the machine that ran the tests)."""
    if not path or _ABSOLUTE.match(path):
        return None
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path or None


def gitlab_code_quality(annotations: Iterable[Annotation]) -> list[dict]:
    """The Code Quality report (a JSON array of issues), one per failure placed in a repository file.
    GitLab requires `location.path`, a file of the repository, and stops reading the report at the
    first entry its schema refuses; a failure without a file is left out (see `unplaced`)."""
    return [
        {
            "description": f"{item.title}: {first_line(item.message)}",
            "check_name": f"ccdash-tests.{item.status.value}",
            "fingerprint": fingerprint(item.test_id, item.status),
            "severity": SEVERITY[item.status],
            "location": {"path": path, "lines": {"begin": item.line or 1}},
        }
        for item in annotations
        if (path := repository_path(item.path)) is not None
    ]


def unplaced(annotations: Iterable[Annotation]) -> list[Annotation]:
    """The failures the Code Quality report leaves out: no repository file is known for them."""
    return [item for item in annotations if repository_path(item.path) is None]
