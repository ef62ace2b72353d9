"""`map suggest`: a starter rules file from the path guesses and tags, for a user to edit and import.

Path guesses (0.6) are never primary on their own; a rule that says the same (0.8) makes them
primary (0.92 together). The starter file groups the tests by the feature their tag or path guess
names and writes one rule per group: the file's path when the group is one file, else the group's
common folder with `/*`, else (no path stored) the dotted module with `*`. Pure: tests and candidates
in, YAML text out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ccdash_tests.mapping.base import MappingCandidate, ProviderName, TestRef, feature_key

SOURCES = (ProviderName.METADATA.value, ProviderName.PATHS.value)


@dataclass(frozen=True, slots=True)
class SuggestedRule:
    pattern: str
    feature: str
    domain: str | None
    tests: int
    source: str  # the provider the feature came from: metadata (a tag) or paths (a guess)


def suggest_rules(tests: Sequence[TestRef], candidates: Iterable[MappingCandidate]) -> list[SuggestedRule]:
    """One rule per (feature, domain) that the tags or path guesses name, ordered by domain and feature."""
    best: dict[str, MappingCandidate] = {}
    for candidate in candidates:
        if candidate.provider not in SOURCES:
            continue
        held = best.get(candidate.test_id)
        if held is None or SOURCES.index(candidate.provider) < SOURCES.index(held.provider):
            best[candidate.test_id] = candidate
    by_id = {test.test_id: test for test in tests}
    groups: dict[tuple[str, str], list[tuple[TestRef, MappingCandidate]]] = {}
    for test_id, candidate in best.items():
        if test_id in by_id:
            key = (feature_key(candidate.feature), (candidate.domain or "").lower())
            groups.setdefault(key, []).append((by_id[test_id], candidate))
    rules = []
    for members in groups.values():
        first = members[0][1]
        rules.append(
            SuggestedRule(
                _pattern([test for test, _ in members]),
                first.feature,
                first.domain,
                len(members),
                "tag" if first.provider == ProviderName.METADATA else "path guess",
            )
        )
    return sorted(rules, key=lambda r: ((r.domain or "").lower(), r.feature.lower(), r.pattern))


def _pattern(tests: Sequence[TestRef]) -> str:
    paths = sorted({test.path for test in tests if test.path})
    if all(test.path for test in tests):
        if len(paths) == 1:
            return paths[0]
        folder = os.path.commonpath(paths).replace("\\", "/")
        return f"{folder}/*" if folder else "*"
    modules = sorted({test.classname for test in tests if test.classname})
    if len(modules) == 1:
        return f"{modules[0]}*"
    shared: list[str] = []
    for parts in zip(*(module.split(".") for module in modules), strict=False):
        if len(set(parts)) > 1:
            break
        shared.append(parts[0])
    return ".".join(shared) + ".*" if shared else "*"


def rules_yaml(rules: Sequence[SuggestedRule], project: str) -> str:
    """The starter file: a header saying what to do with it, then the rules with their test counts."""
    import yaml  # here, not at import: only `map suggest` writes YAML

    lines = [
        f"# Starter mapping rules for project {project!r}, written by `ccdash-tests map suggest`.",
        "# Each rule maps the tests whose path, node id, class::name or test_id matches `pattern`",
        "# (a glob, `*` also crosses '/'; or `re:<regex>`) to a feature. Rename features, merge or",
        "# split rules, delete what is wrong, then: ccdash-tests map import <this file>",
        "rules:",
    ]
    if not rules:
        lines[-1] = "rules: []  # no tag or path guess names a feature yet"
    for rule in rules:
        body = {"pattern": rule.pattern, "feature": rule.feature}
        if rule.domain:
            body["domain"] = rule.domain
        dumped = yaml.safe_dump([body], allow_unicode=True, sort_keys=False, width=1000).rstrip("\n")
        noun = "test" if rule.tests == 1 else "tests"
        lines.append(f"  # {rule.tests:,} {noun}, from a {rule.source}")
        lines += ["  " + line for line in dumped.splitlines()]
    return "\n".join(lines) + "\n"
