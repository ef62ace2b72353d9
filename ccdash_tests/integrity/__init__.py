"""Integrity detectors: find tests weakened by the change that made them pass (git edge + pure core).

The names below load on first use (PEP 562), not with the package: the ingest hook imports
`integrity.service`, and a first ingest, or one without a commit, needs none of the detectors.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccdash_tests.integrity.detectors import (
        ChangedTest,
        Detection,
        SignalCandidate,
        SignalType,
        SourceChange,
        apply_previous_status,
        detect,
        detect_changes,
        edited_before_green,
    )
    from ccdash_tests.integrity.git import (
        GitError,
        GitUnavailable,
        InvalidRevision,
        NotARepository,
        ShallowHistory,
        UnknownRevision,
    )
    from ccdash_tests.integrity.scan import ScanReport, candidate_matches, pytest_classname, scan, scan_change

__all__ = [
    "ChangedTest",
    "Detection",
    "GitError",
    "GitUnavailable",
    "InvalidRevision",
    "NotARepository",
    "ScanReport",
    "ShallowHistory",
    "SignalCandidate",
    "SignalType",
    "SourceChange",
    "UnknownRevision",
    "apply_previous_status",
    "candidate_matches",
    "detect",
    "detect_changes",
    "edited_before_green",
    "pytest_classname",
    "scan",
    "scan_change",
]

# The submodule that defines each name of __all__ (detectors, git or scan).
_EXPORTS = {
    "ChangedTest": "detectors",
    "Detection": "detectors",
    "GitError": "git",
    "GitUnavailable": "git",
    "InvalidRevision": "git",
    "NotARepository": "git",
    "ScanReport": "scan",
    "ShallowHistory": "git",
    "SignalCandidate": "detectors",
    "SignalType": "detectors",
    "SourceChange": "detectors",
    "UnknownRevision": "git",
    "apply_previous_status": "detectors",
    "candidate_matches": "scan",
    "detect": "detectors",
    "detect_changes": "detectors",
    "edited_before_green": "detectors",
    "pytest_classname": "scan",
    "scan": "scan",
    "scan_change": "scan",
}


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose `scan` is the function even once the submodule `scan` is imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        # The import system binds each submodule it loads on its package; an exported name that is also
        # a submodule's name keeps the export, as when this package imported them all eagerly.
        if _EXPORTS.get(name) == name and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
