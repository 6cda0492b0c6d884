"""Anomaly detection helpers that work on plain score arrays (NumPy only).

:mod:`aekit.detection.thresholds` turns anomaly scores (higher = more
anomalous) into a cut-off. It knows nothing about models, so the tabular
detector (:class:`aekit.AnomalyDetector`) and per-time-step sequence scores
use the same rules.
"""

from aekit.detection.thresholds import (
    THRESHOLD_RULES,
    best_threshold,
    compute_threshold,
    contamination_threshold,
    iqr_threshold,
    mad_threshold,
    resolve_threshold_rule,
)

__all__ = [
    "THRESHOLD_RULES",
    "best_threshold",
    "compute_threshold",
    "contamination_threshold",
    "iqr_threshold",
    "mad_threshold",
    "resolve_threshold_rule",
]
