"""Integrity detectors: find tests weakened by the change that made them pass (git edge + pure core)."""

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
