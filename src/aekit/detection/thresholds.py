"""Threshold rules: from anomaly scores on (mostly) normal data to a cut-off.

Scores are "higher = more anomalous"; a sample is flagged when its score is
strictly above the threshold (as in PyOD). The rules:

``"auto"`` (:func:`mad_threshold`)
    ``median + k * 1.4826 * MAD`` of the training scores, ``k = 3`` by
    default. MAD (the median absolute deviation) scaled by 1.4826 estimates
    the standard deviation of normal data without being dragged by the
    anomalies themselves, so the rule holds up when the training data are
    somewhat contaminated and needs no guess of the anomaly rate.
``"contamination"`` (:func:`contamination_threshold`)
    The ``1 - contamination`` quantile of the training scores: exactly that
    fraction of training samples is flagged. What PyOD does with
    ``contamination=0.1``.
``"iqr"`` (:func:`iqr_threshold`)
    Tukey's fence ``Q3 + k * (Q3 - Q1)``, ``k = 1.5``.
a float
    A fixed threshold.

:func:`best_threshold` picks the cut-off on a labelled validation set (best
F1, or the best precision at a required recall).

Examples
--------
>>> import numpy as np
>>> scores = np.r_[np.linspace(0.0, 1.0, 99), 50.0]
>>> compute_threshold(scores, "contamination", contamination=0.01) < 50.0
True
>>> bool(mad_threshold(scores) < 50.0)
True
"""

from __future__ import annotations

import numbers

import numpy as np

from aekit.exceptions import DataError
from aekit._docs import fill_doc

__all__ = [
    "THRESHOLD_RULES",
    "best_threshold",
    "compute_threshold",
    "contamination_threshold",
    "iqr_threshold",
    "mad_threshold",
    "resolve_threshold_rule",
]

THRESHOLD_RULES = ("auto", "contamination", "iqr")
MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation
DEFAULT_MAD_K = 3.0
DEFAULT_IQR_K = 1.5
SELECTION_METRICS = ("f1", "precision@recall")


def check_scores(scores, name: str = "scores") -> np.ndarray:
    """Scores as a finite float64 vector with at least two distinct values."""
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        values = values.reshape(-1) if values.ndim == 2 and 1 in values.shape else values
    if values.ndim != 1:
        raise DataError(f"{name}: expected a 1-D array of scores, got shape {values.shape}")
    if values.size == 0:
        raise DataError(f"{name}: expected at least one score, got an empty array")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError(f"{name}: expected finite scores, got NaN or inf at positions {bad[:5].tolist()}"
                        f"{' ...' if bad.size > 5 else ''}")
    if np.ptp(values) == 0:
        raise DataError(f"{name}: all {values.size} scores equal {values[0]:.6g}, so no threshold can separate "
                        "anything (is the training data constant, or the model reconstructing it perfectly?)")
    return values


@fill_doc
def mad_threshold(scores, k: float = DEFAULT_MAD_K) -> float:
    """``median + k * 1.4826 * MAD`` of ``scores`` (the ``"auto"`` rule).

    If more than half the scores are equal (MAD = 0) the mean absolute
    deviation from the median, scaled to a standard deviation (x 1.2533),
    stands in for it.

    Parameters
    ----------
    %(scores)s
    k : float, default=3.0
        How many robust standard deviations above the median.

    Returns
    -------
    float
        The cut-off: scores strictly above it are anomalies.

    Raises
    ------
    ValueError
        ``k`` is not a positive number.
    %(bad_scores)s

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.detection.thresholds import mad_threshold
    >>> scores = np.r_[np.linspace(0.0, 1.0, 99), 50.0]   # one outlier
    >>> round(mad_threshold(scores), 3)
    1.64
    """
    values = check_scores(scores)
    _check_positive(k, "k")
    median = np.median(values)
    deviations = np.abs(values - median)
    spread = MAD_TO_SIGMA * np.median(deviations)
    if spread == 0:
        spread = np.sqrt(np.pi / 2) * deviations.mean()
    return float(median + k * spread)


@fill_doc
def contamination_threshold(scores, contamination: float) -> float:
    """The ``1 - contamination`` quantile of ``scores``: flags that fraction of them.

    Parameters
    ----------
    %(scores)s
    contamination : float in (0, 0.5]
        Expected share of anomalies.

    Returns
    -------
    float
        The cut-off.

    Raises
    ------
    ValueError
        ``contamination`` outside (0, 0.5].
    %(bad_scores)s

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.detection.thresholds import contamination_threshold
    >>> scores = np.r_[np.linspace(0.0, 1.0, 99), 50.0]   # one outlier
    >>> int((scores > contamination_threshold(scores, 0.01)).sum())
    1
    """
    values = check_scores(scores)
    _check_contamination(contamination)
    return float(np.percentile(values, 100.0 * (1.0 - contamination)))


@fill_doc
def iqr_threshold(scores, k: float = DEFAULT_IQR_K) -> float:
    """Tukey's upper fence ``Q3 + k * (Q3 - Q1)`` of ``scores``.

    Parameters
    ----------
    %(scores)s
    k : float, default=1.5
        The fence's width in interquartile ranges.

    Returns
    -------
    float
        The cut-off.

    Raises
    ------
    ValueError
        ``k`` is not a positive number.
    %(bad_scores)s

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.detection.thresholds import iqr_threshold
    >>> scores = np.r_[np.linspace(0.0, 1.0, 99), 50.0]   # one outlier
    >>> round(iqr_threshold(scores), 3)
    1.515
    """
    values = check_scores(scores)
    _check_positive(k, "k")
    q1, q3 = np.percentile(values, [25.0, 75.0])
    return float(q3 + k * (q3 - q1))


def resolve_threshold_rule(threshold, contamination) -> str | float:
    """The rule that ``threshold`` and ``contamination`` ask for (PyOD's convention).

    ``threshold=None`` means ``"contamination"`` when a contamination is
    given, else ``"auto"``. A number is a fixed threshold.

    Parameters
    ----------
    threshold : None, "auto", "contamination", "iqr" or float
        The rule asked for.
    contamination : float in (0, 0.5] or None
        Expected share of anomalies.

    Returns
    -------
    str or float
        One of ``THRESHOLD_RULES``, or the fixed threshold.

    Raises
    ------
    ValueError
        An unknown rule, a non-finite number, ``"contamination"`` without a
        contamination, or a contamination outside (0, 0.5].

    Examples
    --------
    >>> from aekit.detection.thresholds import resolve_threshold_rule
    >>> resolve_threshold_rule(None, 0.05), resolve_threshold_rule(None, None), resolve_threshold_rule(2.5, None)
    ('contamination', 'auto', 2.5)
    """
    if contamination is not None:
        _check_contamination(contamination)
    if threshold is None:
        return "auto" if contamination is None else "contamination"
    if isinstance(threshold, numbers.Real) and not isinstance(threshold, bool):
        if not np.isfinite(threshold):
            raise ValueError(f"threshold: expected a finite number or one of {THRESHOLD_RULES}, got {threshold}")
        return float(threshold)
    if threshold not in THRESHOLD_RULES:
        raise ValueError(f"threshold: expected None, a number or one of {THRESHOLD_RULES}, got {threshold!r}")
    if threshold == "contamination" and contamination is None:
        raise ValueError("threshold='contamination' needs contamination= (the expected anomaly fraction, e.g. 0.05)")
    return threshold


@fill_doc
def compute_threshold(scores, threshold=None, *, contamination: float | None = None,
                      k: float | None = None) -> float:
    """Apply a rule (see the module doc) to ``scores`` and return the cut-off.

    Parameters
    ----------
    %(scores)s
    threshold : None, "auto", "contamination", "iqr" or float
        The rule; resolved with :func:`resolve_threshold_rule`.
    contamination : float in (0, 0.5], optional
        Expected anomaly fraction, for the ``"contamination"`` rule.
    k : float, optional
        Width of the ``"auto"`` (default 3) or ``"iqr"`` (default 1.5) rule.

    Returns
    -------
    float
        The cut-off: scores strictly above it are anomalies.

    Raises
    ------
    ValueError
        An unknown rule, or a parameter outside its range.
    %(bad_scores)s

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.r_[np.linspace(0.0, 1.0, 99), 50.0]
    >>> compute_threshold(scores, "iqr") == iqr_threshold(scores)
    True
    """
    rule = resolve_threshold_rule(threshold, contamination)
    if isinstance(rule, float):
        check_scores(scores)
        return rule
    if rule == "contamination":
        return contamination_threshold(scores, contamination)
    if rule == "iqr":
        return iqr_threshold(scores, DEFAULT_IQR_K if k is None else k)
    return mad_threshold(scores, DEFAULT_MAD_K if k is None else k)


def best_threshold(scores, y_true, metric: str = "f1", min_recall: float = 0.9) -> float:
    """The cut-off that does best on a labelled set.

    ``metric="f1"`` maximises F1; ``metric="precision@recall"`` maximises
    precision among the cut-offs whose recall is at least ``min_recall``.
    The cut-off is placed halfway between the chosen score and the next
    lower one, so it is not balanced on a sample.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Anomaly scores of labelled samples.
    y_true : array-like of shape (n_samples,)
        1 for an anomaly, 0 for a normal sample; both must occur.
    metric : {"f1", "precision@recall"}, default="f1"
        What to maximise.
    min_recall : float in (0, 1], default=0.9
        The recall floor of ``"precision@recall"``.

    Returns
    -------
    float
        The cut-off.

    Raises
    ------
    ValueError
        An unknown ``metric``, or ``min_recall`` outside (0, 1].
    aekit.exceptions.DataError
        Bad scores, labels of another length, or labels without both classes.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.detection.thresholds import best_threshold
    >>> scores = np.array([0.1, 0.2, 0.3, 0.9, 1.0])
    >>> best_threshold(scores, [0, 0, 0, 1, 1])
    0.6
    """
    from sklearn.metrics import precision_recall_curve

    values = check_scores(scores)
    labels = np.asarray(y_true)
    if labels.shape != values.shape:
        raise DataError(f"y_true: expected {values.shape[0]} labels (one per score), got shape {labels.shape}")
    if not np.isin(labels, (0, 1)).all() or np.unique(labels).size != 2:
        raise DataError(f"y_true: expected both 0 (normal) and 1 (anomaly) labels, got values {np.unique(labels)[:5]}")
    if metric not in SELECTION_METRICS:
        raise ValueError(f"metric: expected one of {SELECTION_METRICS}, got {metric!r}")
    precision, recall, cuts = precision_recall_curve(labels, values)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no cut-off
    if metric == "f1":
        with np.errstate(invalid="ignore", divide="ignore"):
            goal = np.nan_to_num(2 * precision * recall / (precision + recall))
    else:
        if not 0.0 < min_recall <= 1.0:
            raise ValueError(f"min_recall: expected a value in (0, 1], got {min_recall}")
        goal = np.where(recall >= min_recall, precision, -1.0)
    best = cuts[int(np.argmax(goal))]  # flagged: score >= best
    below = values[values < best]
    return float((best + below.max()) / 2 if below.size else np.nextafter(best, -np.inf))


def _check_contamination(contamination) -> None:
    if isinstance(contamination, bool) or not isinstance(contamination, numbers.Real) \
            or not 0.0 < contamination <= 0.5:
        raise ValueError(f"contamination: expected a fraction in (0, 0.5], got {contamination!r}")


def _check_positive(k, name: str) -> None:
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not k > 0:
        raise ValueError(f"{name}: expected a positive number, got {k!r}")
