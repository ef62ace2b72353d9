"""Feature health: pure rollups (rollups.py) and the service that reads them from the store (report.py).

Importing the package gives the pure rollups only; `ccdash_tests.health.report` is imported by those
that read the store.
"""

from ccdash_tests.health.rollups import (
    SEVERITY_WEIGHTS,
    SPARK_BARS,
    SPARK_GAP,
    UNASSIGNED,
    Assignment,
    LatestResult,
    RunResult,
    Tally,
    below_fail_under,
    domain_tree,
    feature_health,
    filter_features,
    integrity_score,
    open_signal_counts,
    pass_rate,
    sparkline,
    tally,
)

__all__ = [
    "SEVERITY_WEIGHTS",
    "SPARK_BARS",
    "SPARK_GAP",
    "UNASSIGNED",
    "Assignment",
    "LatestResult",
    "RunResult",
    "Tally",
    "below_fail_under",
    "domain_tree",
    "feature_health",
    "filter_features",
    "integrity_score",
    "open_signal_counts",
    "pass_rate",
    "sparkline",
    "tally",
]
