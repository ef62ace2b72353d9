"""Linking scan candidates to stored tests: which stored definitions (or one run's results) a changed test is.

A detector names a test as its source reads (`TestA::test_x`, `describe > it`, `Class::method`); a
report names it as the framework wrote it. `StoredTestIndex` buckets stored tests by the name forms
`scan.candidate_matches` compares, so linking stays about linear in the number of tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ccdash_tests.identity import base_name
from ccdash_tests.integrity.scan import LinkableTest, candidate_matches, pytest_classname
from ccdash_tests.records import Status
from ccdash_tests.store import Store
from ccdash_tests.store.queries import integrity as q


@dataclass(frozen=True, slots=True)
class StoredTest:
    """A test definition as linking needs it; `status` is set when it comes from one run's results."""

    test_id: str
    classname: str
    name: str
    path: str | None
    status: Status | None = None


def _stored_keys(name: str) -> set[str]:
    # The name forms candidate_matches compares for each language (pytest params, JUnit 5 "m()",
    # PHPUnit data sets, Go subtests, JS full titles).
    return {
        name,
        base_name(name),
        name.split("(", 1)[0].split(" with data set", 1)[0].strip(),
        name.split("/", 1)[0],
    }


def _class_tail(classname: str) -> str:
    return classname.replace("\\", ".").replace("$", ".").rsplit(".", 1)[-1]


def _candidate_keys(test: LinkableTest) -> set[str]:
    titles = test.test_name.split(" > ")
    keys = {test.test_name, test.test_name.rsplit("::", 1)[-1], titles[-1], " ".join(titles)}
    if test.language == "go":
        keys.add(titles[0])  # a subtest `TestX > title` is stored as `TestX/title`, bucketed by `TestX`
    return keys


def _candidate_tail(test: LinkableTest) -> str | None:
    """The last classname segment a match must have, for languages whose match checks the class."""
    if test.language == "python":
        return _class_tail(pytest_classname(test.file_path, test.test_name))
    if test.language in ("java", "php"):
        return test.test_name.rpartition("::")[0]
    return None


class StoredTestIndex:
    """Stored tests bucketed by name (and class, where the language's match checks it), so linking k
    candidates to n tests costs about O(n + k) rather than O(n·k), even when every class has a test_0."""

    def __init__(self, tests: Iterable[StoredTest], wanted: Iterable[LinkableTest] | None = None) -> None:
        """With `wanted`, only tests that could match one of them are kept (a cheap name check)."""
        names = None if wanted is None else {key for test in wanted for key in _candidate_keys(test)}
        self._by_name: dict[str, list[StoredTest]] = {}
        self._by_class: dict[tuple[str, str], list[StoredTest]] = {}
        for test in tests:
            keys = _stored_keys(test.name)
            if names is not None and keys.isdisjoint(names):
                continue
            tail = _class_tail(test.classname)
            for key in keys:
                self._by_name.setdefault(key, []).append(test)
                self._by_class.setdefault((key, tail), []).append(test)

    def matches(self, test: LinkableTest) -> list[StoredTest]:
        """Stored tests that are `test`: those in its file first, then by test id."""
        tail = _candidate_tail(test)
        seen: dict[str, StoredTest] = {}
        for key in _candidate_keys(test):
            bucket = self._by_name.get(key, ()) if tail is None else self._by_class.get((key, tail), ())
            for stored in bucket:
                if stored.test_id not in seen and candidate_matches(test, stored.classname, stored.name):
                    seen[stored.test_id] = stored
        return sorted(seen.values(), key=lambda s: (s.path != test.file_path, s.test_id))


def load_definitions(store: Store, project: str, wanted: Sequence[LinkableTest]) -> StoredTestIndex:
    """Every stored definition of the project that could be one of `wanted`."""
    rows = q.definition_links(store.engine, project)
    return StoredTestIndex((StoredTest(*row) for row in rows), wanted)


def load_run_results(
    store: Store, project: str, run_id: str, wanted: Sequence[LinkableTest]
) -> StoredTestIndex:
    """The tests of one run, with their status, that could be one of `wanted`."""
    rows = q.run_result_links(store.engine, project, run_id)
    tests = (StoredTest(row[0], row[1], row[2], row[3], Status.from_code(row[4])) for row in rows)
    return StoredTestIndex(tests, wanted)


def statuses_by_nodeid(results: StoredTestIndex, tests: Iterable[LinkableTest]) -> dict[str, Status]:
    """Statuses keyed the way the detectors expect: every stored case of a test as "nodeid[test_id]",
    so a parametrized test folds all of its cases (see detectors._aggregate)."""
    statuses: dict[str, Status] = {}
    for test in tests:
        for stored in results.matches(test):
            if stored.status is not None:
                statuses[f"{test.nodeid}[{stored.test_id}]"] = stored.status
    return statuses
