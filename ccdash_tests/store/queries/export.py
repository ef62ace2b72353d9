"""A run's results with everything an exported report needs, streamed and grouped by suite."""

from __future__ import annotations

from collections.abc import Iterator

from ccdash_tests.records import ParsedCase
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import ATTEMPTS, RUN_RESULTS_ALL, from_json, is_flaky, status_of

EXPORT_SELECT = (
    f"""
    SELECT d.suite, d.classname, d.name, d.path, d.line, d.framework, d.tags,
           x.status, x.duration_us, {ATTEMPTS},
           e.error_type, e.message, e.details, e.truncated"""
    + RUN_RESULTS_ALL
    + """
    ORDER BY d.suite, d.classname, d.name
"""
)


def export_cases(engine: Engine, project_id: str, run_id: str) -> Iterator[ParsedCase]:
    """Every result of the run as the case a parser would have read, one at a time, suite by suite."""
    for row in engine.stream(EXPORT_SELECT, [project_id, run_id]):
        (suite, classname, name, path, line, framework, tags, status, duration_us, attempts) = row[:10]
        error_type, message, details, truncated = row[10:]
        yield ParsedCase(
            suite=suite,
            classname=classname,
            name=name,
            status=status_of(status),
            duration_ms=None if duration_us is None else duration_us / 1000,
            file=path,
            line=line,
            attempts=attempts,
            flaky=is_flaky(status),
            message=message,
            error_type=error_type,
            details=details,
            truncated=bool(truncated),
            properties=from_json(tags, {}),
            framework=framework,
        )
