"""Forensics: one test's history, flaky tests, failure clusters and a feature's timeline.

Definitions (the README may quote them):

- **good / bad / neutral**: a `passed` result is good, `failed` and `error` are bad; `skipped`,
  `xfailed` and `xpassed` are neutral: they neither start nor end a failing streak.
- **current failing streak**: when the latest non-neutral result is bad, the bad results back to
  the previous good one. **first bad run** = the earliest run of that streak; **last good run** =
  the run of the good result just before it. When the latest non-neutral result is good there is no
  streak: first bad is None and last good is that latest good run.
- **flaky** (over the latest N runs of the project): a test is flaky when it both passed and failed
  on one commit (`same_sha`), passed only after a retry in a run (`retry`), or flipped between good
  and bad more than `threshold` times (`flips`). Its **flake rate** = unstable results / results
  that counted (good or bad), where a result is unstable when it passed after a retry or its
  outcome differs from the test's previous counted outcome in the window.
- **failure cluster**: the failed and errored results that share one error fingerprint (identity.py);
  results without failure text form one cluster with fingerprint None. **first seen** = the earliest
  run of the project in which a failing result carried that fingerprint (all of history, not only the
  runs asked about).
- **timeline**: the feature's tests are those whose primary mapping names it. A run is good for the
  feature when at least one of its tests passed and none failed or errored, bad when any failed or
  errored, neutral otherwise; a day takes the verdict of its last non-neutral run.
"""

from ccdash_tests.forensics.common import (
    MESSAGE_LIMIT,
    VERDICTS,
    RunRefDoc,
    Streak,
    Verdict,
    current_streak,
    message_line,
    run_ref_doc,
    verdict,
)
from ccdash_tests.forensics.failures import (
    ClusterDraft,
    ClusterTest,
    FailureCluster,
    FailuresReport,
    build_failures,
    cluster_failures,
    failure_clusters,
)
from ccdash_tests.forensics.flaky import (
    DEFAULT_FLAKY_RUNS,
    DEFAULT_FLIP_THRESHOLD,
    EvidenceDoc,
    FlakyAssessment,
    FlakyReport,
    FlakyTest,
    assess_flaky,
    build_flaky,
    flaky_tests,
)
from ccdash_tests.forensics.history import (
    HistoryReport,
    RunResultDoc,
    build_history,
    history_doc,
    history_report,
    history_window,
)
from ccdash_tests.forensics.timeline import (
    FeatureTimeline,
    TimelineBucket,
    build_timeline,
    feature_timeline,
)
from ccdash_tests.lookup import AmbiguousTestError, UnknownTestError, pick_test, resolve_test

__all__ = [
    "DEFAULT_FLAKY_RUNS",
    "DEFAULT_FLIP_THRESHOLD",
    "MESSAGE_LIMIT",
    "VERDICTS",
    "AmbiguousTestError",
    "ClusterDraft",
    "ClusterTest",
    "EvidenceDoc",
    "FailureCluster",
    "FailuresReport",
    "FeatureTimeline",
    "FlakyAssessment",
    "FlakyReport",
    "FlakyTest",
    "HistoryReport",
    "RunRefDoc",
    "RunResultDoc",
    "Streak",
    "TimelineBucket",
    "UnknownTestError",
    "Verdict",
    "assess_flaky",
    "build_failures",
    "build_flaky",
    "build_history",
    "build_timeline",
    "cluster_failures",
    "current_streak",
    "failure_clusters",
    "feature_timeline",
    "flaky_tests",
    "history_doc",
    "history_report",
    "history_window",
    "message_line",
    "pick_test",
    "resolve_test",
    "run_ref_doc",
    "verdict",
]
