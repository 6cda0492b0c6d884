"""Score parts beyond the raw reconstruction error (NumPy and scikit-learn only).

:class:`aekit.AnomalyDetector` builds its ``score`` from these parts:

``"standardized_mse"``
    Each feature's squared error divided by that feature's mean squared
    error on the training rows (:func:`feature_error_scale`), then averaged.
    A pixel that is hard to reconstruct even on normal images (an edge that
    moves from image to image) counts less than one that normal images
    always get right, so an error where normal data has none weighs more.
``"latent"``
    The Mahalanobis distance of the sample's code under a Gaussian fitted to
    the training codes (:class:`CodeGaussian`, Ledoit-Wolf shrinkage so a
    small training set still gives a well-conditioned covariance). It sees
    what the reconstruction error misses: an input the decoder redraws well
    from a code that normal data never produce.
``"A+B"``
    A sum of parts, each first put on one scale: the log of the part's
    score, centred by the median and divided by 1.4826 * MAD of the training
    rows' log scores (:class:`RobustStandardiser`), so neither part
    dominates by its units.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CodeGaussian", "RobustStandardiser", "feature_error_scale"]

ERROR_FLOOR = 1e-3  # share of the mean error a feature's scale never falls below (no division by ~0)
LOG_EPS = 1e-12
MAD_TO_SIGMA = 1.4826


def feature_error_scale(train_errors: np.ndarray) -> np.ndarray:
    """Mean error of each feature over the training rows, floored at
    ``ERROR_FLOOR`` times the mean over all features (a constant pixel the model
    always gets right would otherwise make any error there infinite)."""
    scale = np.asarray(train_errors, dtype=np.float64).mean(axis=0)
    return np.maximum(scale, ERROR_FLOOR * max(float(scale.mean()), LOG_EPS))


class CodeGaussian:
    """A Gaussian over training codes; scores are Mahalanobis distances."""

    def __init__(self, mean: np.ndarray, precision: np.ndarray):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.precision = np.asarray(precision, dtype=np.float64)

    @classmethod
    def fit(cls, codes: np.ndarray) -> CodeGaussian:
        from sklearn.covariance import LedoitWolf

        fitted = LedoitWolf().fit(np.asarray(codes, dtype=np.float64))
        return cls(fitted.location_, fitted.precision_)

    def distance(self, codes: np.ndarray) -> np.ndarray:
        centred = np.asarray(codes, dtype=np.float64) - self.mean
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", centred, self.precision, centred), 0.0))

    def to_state(self) -> dict:
        return {"mean": self.mean.tolist(), "precision": self.precision.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> CodeGaussian:
        return cls(state["mean"], state["precision"])


class RobustStandardiser:
    """``(log(s) - median) / (1.4826 * MAD)`` with the median and MAD of the training scores' logs."""

    def __init__(self, center: float, scale: float):
        self.center, self.scale = float(center), float(scale)

    @classmethod
    def fit(cls, train_scores: np.ndarray) -> RobustStandardiser:
        logs = _log(train_scores)
        center = float(np.median(logs))
        mad = float(np.median(np.abs(logs - center))) * MAD_TO_SIGMA
        return cls(center, mad if mad > 0 else max(float(logs.std()), 1.0))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return (_log(scores) - self.center) / self.scale

    def to_state(self) -> list[float]:
        return [self.center, self.scale]


def _log(scores: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(scores, dtype=np.float64), LOG_EPS))
