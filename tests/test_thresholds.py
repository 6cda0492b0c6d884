"""Threshold rules on score arrays (aekit.detection.thresholds)."""

import numpy as np
import pytest

from aekit.detection import (best_threshold, compute_threshold, contamination_threshold, iqr_threshold,
                             mad_threshold, resolve_threshold_rule)
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def contaminated():
    """2,000 chi-square normal scores plus 40 (2%) far larger ones."""
    rng = np.random.default_rng(0)
    scores = np.r_[rng.chisquare(5, 2000), rng.uniform(40, 80, 40)]
    labels = np.r_[np.zeros(2000, int), np.ones(40, int)]
    return scores, labels


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.2])
def test_contamination_rule_flags_that_fraction(contaminated, rate):
    scores, _ = contaminated
    assert np.mean(scores > contamination_threshold(scores, rate)) == pytest.approx(rate, abs=1e-3)


def test_auto_rule_is_robust_to_the_anomalies_it_should_catch(contaminated):
    scores, labels = contaminated
    cut = mad_threshold(scores)
    flagged = scores > cut
    assert flagged[labels == 1].all()              # every planted anomaly is above the cut
    assert 0.005 < flagged[labels == 0].mean() < 0.05  # and a small share of normal ones
    # the anomalies barely move it (median and MAD are robust; a mean + 3 sd rule is not)
    assert mad_threshold(scores[labels == 0]) == pytest.approx(cut, rel=0.05)
    normal = scores[labels == 0]
    assert scores.mean() + 3 * scores.std() > 1.3 * (normal.mean() + 3 * normal.std())


def test_iqr_rule_and_k(contaminated):
    scores, labels = contaminated
    q1, q3 = np.percentile(scores, [25, 75])
    assert iqr_threshold(scores) == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert compute_threshold(scores, "iqr", k=3.0) > compute_threshold(scores, "iqr")
    assert compute_threshold(scores, "auto", k=5.0) > compute_threshold(scores, "auto")


def test_rule_resolution_follows_pyod():
    assert resolve_threshold_rule(None, None) == "auto"
    assert resolve_threshold_rule(None, 0.1) == "contamination"
    assert resolve_threshold_rule(2, None) == 2.0
    assert compute_threshold([0.0, 1.0, 5.0], 2.5) == 2.5
    with pytest.raises(ValueError, match="needs contamination"):
        resolve_threshold_rule("contamination", None)
    with pytest.raises(ValueError, match="expected None, a number or one of"):
        resolve_threshold_rule("median", None)
    with pytest.raises(ValueError, match="fraction in"):
        compute_threshold([0.0, 1.0], contamination=0.9)


def test_best_threshold_on_labels(contaminated):
    scores, labels = contaminated
    cut = best_threshold(scores, labels, metric="f1")
    assert ((scores > cut) == labels.astype(bool)).all()  # the planted anomalies separate perfectly
    noisy = np.r_[scores, 45.0]  # one normal sample among the anomalies
    noisy_labels = np.r_[labels, 0]
    cut = best_threshold(noisy, noisy_labels, metric="precision@recall", min_recall=1.0)
    assert (noisy[noisy_labels == 1] > cut).all()


@pytest.mark.parametrize("bad, message", [
    ([], "empty"), ([1.0, np.nan], "NaN or inf at positions \\[1\\]"), ([[1.0, 2.0], [3.0, 4.0]], "1-D"),
    ([0.5] * 10, "all 10 scores equal"),
])
def test_bad_scores_get_one_clear_error(bad, message):
    with pytest.raises(DataError, match=message):
        compute_threshold(bad)


def test_best_threshold_needs_both_labels():
    with pytest.raises(DataError, match="both 0"):
        best_threshold([0.1, 0.2, 0.3], [0, 0, 0])
    with pytest.raises(DataError, match="one per score"):
        best_threshold([0.1, 0.2, 0.3], [0, 1])
