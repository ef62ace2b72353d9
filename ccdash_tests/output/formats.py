"""The `--format` choices of the commands, one enum per set of choices (each maps to a view)."""

from __future__ import annotations

import enum


class OutputFormat(enum.StrEnum):
    """`--format` of the read commands that also write Markdown for CI summaries."""

    TABLE = "table"
    MARKDOWN = "markdown"


class ShowFormat(enum.StrEnum):
    """`runs show --format`: a table, or one of the CI forms of a run."""

    TABLE = "table"
    MARKDOWN = "markdown"
    GITHUB = "github"
    GITLAB = "gitlab"


class ShowStatus(enum.StrEnum):
    """`runs show --status`: a status, or `flaky` (the tests that passed only on a retry)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    FLAKY = "flaky"


class ListFormat(enum.StrEnum):
    """`--format` of the listings that also go to spreadsheets: flaky, failures, health."""

    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"


class RunsFormat(enum.StrEnum):
    """`runs list --format`."""

    TABLE = "table"
    CSV = "csv"
