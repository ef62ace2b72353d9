"""Pure scoring of integrity signals against hand labels: matching rule, precision, recall, verdicts.

No git and no CLI here: `run.py` feeds it the labels document and the signals each commit's scan
printed. The matching rule is documented in bench/integrity/README.md; keep the two in step.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Signal type (as the detector names it) -> the family a label names.
FAMILIES = {
    "assertion_removed": "removed",
    "assertion_weakened": "weakened",
    "skip_introduced": "skip",
    "xfail_added": "xfail",
    "broad_exception": "broad_exception",
    "test_removed": "test_removed",
}
LABEL_FAMILIES = frozenset(FAMILIES.values())
# Needs stored runs (failed before, passes now); a scan of history alone cannot produce a true one.
UNSCORED_TYPES = frozenset({"edited_before_green"})
SEVERITIES = ("high", "medium", "low")
DELIBERATE = "likely_deliberate"
SUSPICIOUS = "suspicious"
WHOLE = "*"
_PARAMS = re.compile(r"\[.*\]$")
_JAVA_ARGS = re.compile(r"\(.*\)$")


def family(signal_type: str) -> str:
    """The label family of a signal type; an unknown type is its own family (so it never matches)."""
    return FAMILIES.get(signal_type, signal_type)


def _flat(text: str) -> str:
    return " ".join(text.split())


def split_name(name: str, language: str) -> tuple[tuple[str, ...], str]:
    """(scope components, leaf) of a test name as a detector or a labeller writes it.

    `describe > it`, `Class::method`, `Class.method` (not for JavaScript, whose titles hold dots),
    `test_x[param]` and `method(int)` all reduce to their last component without parameters.
    """
    text = name.strip()
    if " > " in text:
        parts = text.split(" > ")
    elif "::" in text:
        parts = text.split("::")
    elif language in ("python", "java") and "." in text and " " not in text:
        parts = text.split(".")
    else:
        parts = [text]
    leaf = _PARAMS.sub("", parts[-1].strip())
    if language == "java":
        leaf = _JAVA_ARGS.sub("", leaf)
    return tuple(_flat(part) for part in parts[:-1] if part.strip()), _flat(leaf)


def split_scope(scope: str | None, language: str) -> tuple[str, ...]:
    if not scope:
        return ()
    scope_parts, leaf = split_name(scope, language)
    return (*scope_parts, leaf)


def scopes_agree(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Both empty-tolerant: when both sides name a scope, one must be a tail of the other."""
    if not one or not other:
        return True
    shorter, longer = (one, other) if len(one) <= len(other) else (other, one)
    return longer[len(longer) - len(shorter) :] == shorter


@dataclass(frozen=True)
class Label:
    """One judged change to one test. `weakening` False records a look-alike judged harmless."""

    repository: str
    commit: str
    file: str
    test: str
    signal: str
    weakening: bool
    deliberate: bool
    reason: str
    scope: str | None = None
    old_file: str | None = None
    accept: frozenset[str] = frozenset()
    index: int = 0

    @property
    def families(self) -> frozenset[str]:
        return frozenset({self.signal, *self.accept})

    def key(self) -> str:
        scope = f"{self.scope} > " if self.scope else ""
        return f"{self.repository}@{self.commit[:10]} {self.file}::{scope}{self.test} [{self.signal}]"


@dataclass(frozen=True)
class Signal:
    """One signal a scan printed, reduced to what scoring needs (the raw document kept for the report)."""

    repository: str
    commit: str
    file: str
    test: str
    signal_type: str
    severity: str
    verdict: str | None
    tests: tuple[str, ...] | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def family(self) -> str:
        return family(self.signal_type)

    def key(self) -> str:
        listed = f" ({len(self.tests)} tests)" if self.tests is not None else ""
        return (
            f"{self.repository}@{self.commit[:10]} {self.file}::{self.test or '-'} "
            f"[{self.signal_type}, {self.severity}{', ' + self.verdict if self.verdict else ''}]{listed}"
        )


def _test_entry_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        for key in ("test", "test_name", "name", "qualname"):
            if isinstance(entry.get(key), str):
                return str(entry[key])
    return None


def signal_from_document(repository: str, commit: str, document: Mapping[str, Any]) -> Signal:
    """A signal from the JSON the scan prints; tolerant of fields that come and go."""
    details = document.get("details") if isinstance(document.get("details"), Mapping) else {}
    assert isinstance(details, Mapping)
    verdict = details.get("verdict", document.get("verdict"))
    listed = details.get("tests")
    tests = None
    if isinstance(listed, list) and listed:
        names = [_test_entry_name(entry) for entry in listed]
        tests = tuple(name for name in names if name)
    severity = document.get("severity")
    return Signal(
        repository=repository,
        commit=commit,
        file=str(document.get("file_path") or ""),
        test=str(document.get("test_name") or ""),
        signal_type=str(document.get("signal_type") or ""),
        severity=str(severity.get("value") if isinstance(severity, Mapping) else severity or ""),
        verdict=str(verdict) if isinstance(verdict, str) else None,
        tests=tests,
        raw=document,
    )


def labels_from_document(document: Mapping[str, Any]) -> tuple[list[Label], list[dict[str, Any]]]:
    """Every label of the labels file, and its commit entries (repository, commit, merge, note)."""
    labels: list[Label] = []
    commits: list[dict[str, Any]] = []
    for entry in document["commits"]:
        commits.append(entry)
        for item in entry.get("labels", []):
            signal = item["signal"]
            if signal not in LABEL_FAMILIES:
                raise ValueError(f"{entry['repository']}@{entry['commit']}: unknown signal family {signal!r}")
            labels.append(
                Label(
                    repository=entry["repository"],
                    commit=entry["commit"],
                    file=item["file"],
                    old_file=item.get("old_file"),
                    test=item["test"],
                    scope=item.get("scope"),
                    signal=signal,
                    accept=frozenset(item.get("accept", [])),
                    weakening=bool(item.get("weakening", True)),
                    deliberate=bool(item.get("deliberate", False)),
                    reason=item.get("reason", ""),
                    index=len(labels),
                )
            )
    return labels, commits


def name_matches(label: Label, name: str, language: str) -> bool:
    scope, leaf = split_name(name, language)
    label_scope = split_scope(label.scope, language)
    if label.test == WHOLE:
        # A whole file, class or describe block (module-level skip, class @Disabled, a file or block of
        # tests deleted): any test in it, nested blocks included, or a signal naming the scope itself.
        if not label_scope or not scope:
            return True
        path = (*scope, leaf)
        return any(scopes_agree(label_scope, path[:end]) for end in range(1, len(path) + 1))
    label_parts, label_leaf = split_name(label.test, language)
    return leaves_agree(label_leaf, leaf) and scopes_agree((*label_scope, *label_parts), scope)


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def leaves_agree(label_leaf: str, leaf: str) -> bool:
    """Equal, or the signal's title is built at run time (`should include ${method}`) and the label
    names one instance of it (`should include QUERY`): each `${...}` stands for any text."""
    if label_leaf == leaf:
        return True
    pieces = _PLACEHOLDER.split(leaf)
    if len(pieces) == 1:
        return False
    pattern = ".+?".join(re.escape(piece) for piece in pieces)
    return re.fullmatch(pattern, label_leaf) is not None


def file_matches(label: Label, path: str) -> bool:
    return path in (label.file, label.old_file)


def matches(label: Label, signal: Signal, name: str, language: str) -> bool:
    return (
        label.repository == signal.repository
        and label.commit == signal.commit
        and signal.family in label.families
        and file_matches(label, signal.file)
        and name_matches(label, name, language)
    )


@dataclass
class Judged:
    """One scored signal: true or false, the labels it matched, and a false label it resembles."""

    signal: Signal
    true: bool
    labels: list[Label]
    duplicate: bool = False
    resembles: Label | None = None
    grouped_true: int = 0


def judge_signal(
    signal: Signal, truths: Sequence[Label], traps: Sequence[Label], language: str, found: set[int]
) -> Judged:
    """Score one signal. A grouped signal (details["tests"]) is true when most listed tests are true."""
    if signal.tests is not None:
        hit: list[Label] = []
        true_names = 0
        for name in signal.tests:
            named = [label for label in truths if matches(label, signal, name, language)]
            if named:
                true_names += 1
                hit.extend(label for label in named if label not in hit)
        found.update(label.index for label in hit)
        return Judged(signal, true_names * 2 > len(signal.tests), hit, grouped_true=true_names)
    named = [label for label in truths if matches(label, signal, signal.test, language)]
    if named:
        fresh = [label for label in named if label.index not in found or label.test == WHOLE]
        found.update(label.index for label in named)
        return Judged(signal, True, named, duplicate=not fresh)
    resembles = next((label for label in traps if matches(label, signal, signal.test, language)), None)
    return Judged(signal, False, [], resembles=resembles)


@dataclass
class CommitResult:
    repository: str
    commit: str
    judged: list[Judged]
    truths: list[Label]
    found: set[int]
    unscored: int = 0
    error: str | None = None

    @property
    def missed(self) -> list[Label]:
        return [label for label in self.truths if label.index not in self.found]


def score_commit(
    repository: str,
    commit: str,
    language: str,
    labels: Sequence[Label],
    signals: Iterable[Signal],
    error: str | None = None,
) -> CommitResult:
    truths = [label for label in labels if label.weakening]
    traps = [label for label in labels if not label.weakening]
    found: set[int] = set()
    judged, unscored = [], 0
    for signal in signals:
        if signal.signal_type in UNSCORED_TYPES:
            unscored += 1
            continue
        judged.append(judge_signal(signal, truths, traps, language, found))
    return CommitResult(repository, commit, judged, truths, found, unscored, error)


@dataclass
class Tally:
    """Counts behind one row of the report."""

    signals: int = 0
    true: int = 0
    high: int = 0
    high_true: int = 0
    duplicates: int = 0
    labels: int = 0
    labels_found: int = 0
    weak_commits: int = 0
    weak_commits_found: int = 0
    commits: int = 0
    errors: int = 0
    verdicts: int = 0
    verdicts_agree: int = 0
    actionable_true: int = 0

    @staticmethod
    def ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def precision(self) -> float | None:
        return self.ratio(self.true, self.signals)

    @property
    def high_precision(self) -> float | None:
        return self.ratio(self.high_true, self.high)

    @property
    def recall(self) -> float | None:
        return self.ratio(self.labels_found, self.labels)

    @property
    def commit_recall(self) -> float | None:
        return self.ratio(self.weak_commits_found, self.weak_commits)

    @property
    def verdict_agreement(self) -> float | None:
        return self.ratio(self.verdicts_agree, self.verdicts)

    def as_dict(self) -> dict[str, Any]:
        return {
            **{key: value for key, value in vars(self).items()},
            "precision": self.precision,
            "high_precision": self.high_precision,
            "recall": self.recall,
            "commit_recall": self.commit_recall,
            "verdict_agreement": self.verdict_agreement,
        }


def verdict_agrees(judged: Judged) -> bool | None:
    """Whether a true signal's verdict says what its labels say (deliberate or not); None: no verdict."""
    verdict = judged.signal.verdict
    if verdict not in (DELIBERATE, SUSPICIOUS) or not judged.labels:
        return None
    deliberate = sum(1 for label in judged.labels if label.deliberate) * 2 > len(judged.labels)
    return (verdict == DELIBERATE) == deliberate


def add_signal(tally: Tally, judged: Judged) -> None:
    tally.signals += 1
    tally.true += judged.true
    tally.duplicates += judged.duplicate
    if judged.signal.severity == "high":
        tally.high += 1
        tally.high_true += judged.true
    if judged.true and not all(label.deliberate for label in judged.labels):
        tally.actionable_true += 1
    agreement = verdict_agrees(judged) if judged.true else None
    if agreement is not None:
        tally.verdicts += 1
        tally.verdicts_agree += agreement


def add_label(tally: Tally, label: Label, found: bool) -> None:
    tally.labels += 1
    tally.labels_found += found


def tally_results(results: Iterable[CommitResult], group: Mapping[str, str], by: str) -> dict[str, Tally]:
    """Tallies keyed by `by`: "all", "set", "language", "type" (signal family) or "set/type" etc.

    `group` maps a repository to its set and language: {"click:set": "dev", "click:language": "python"}.
    """
    tallies: dict[str, Tally] = defaultdict(Tally)

    def keys(repository: str, kind: str | None) -> list[str]:
        parts = {
            "all": "all",
            "set": group[f"{repository}:set"],
            "language": group[f"{repository}:language"],
            "type": kind or "-",
        }
        return ["/".join(parts[name] for name in by.split("/"))]

    for result in results:
        for key in keys(result.repository, None) if "type" not in by else []:
            tallies[key].commits += 1
            tallies[key].errors += result.error is not None
        for judged in result.judged:
            for key in keys(result.repository, judged.signal.family):
                add_signal(tallies[key], judged)
        for label in result.truths:
            for key in keys(result.repository, label.signal):
                add_label(tallies[key], label, label.index in result.found)
        if result.truths and "type" not in by:
            for key in keys(result.repository, None):
                tallies[key].weak_commits += 1
                tallies[key].weak_commits_found += bool(result.found)
    return dict(tallies)


def verdict_table(results: Iterable[CommitResult]) -> dict[str, int]:
    """Counts of (true or false signal, verdict) pairs, e.g. "false/suspicious": 3."""
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        for judged in result.judged:
            counts[f"{'true' if judged.true else 'false'}/{judged.signal.verdict or 'none'}"] += 1
    return dict(counts)


@dataclass(frozen=True)
class Disagreement:
    """A true signal whose verdict says the opposite of its labels' `deliberate`.

    `hidden` is the worse direction: called likely_deliberate while the labels say a reviewer should
    look (the gate counts only suspicious signals, so such a weakening passes it unseen)."""

    judged: Judged

    @property
    def hidden(self) -> bool:
        return self.judged.signal.verdict == DELIBERATE

    def line(self) -> str:
        signal = self.judged.signal
        labels = "; ".join(
            f"{'deliberate' if label.deliberate else 'look'}: {label.reason}" for label in self.judged.labels
        )
        details = signal.raw.get("details")
        evidence = details.get("verdict_evidence") if isinstance(details, Mapping) else None
        why = f" <- {evidence[0]}" if isinstance(evidence, list) and evidence else ""
        return f"{signal.key()}{why} | labels {labels}"


def verdict_disagreements(results: Iterable[CommitResult]) -> list[Disagreement]:
    """Every true signal whose verdict disagrees with its labels, the hidden ones (deliberate, labels
    say look) first, each group in the order of the results."""
    found = [
        Disagreement(judged)
        for result in results
        for judged in result.judged
        if judged.true and verdict_agrees(judged) is False
    ]
    return sorted(found, key=lambda one: not one.hidden)
