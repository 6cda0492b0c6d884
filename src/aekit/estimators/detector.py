"""``aekit.AnomalyDetector``: anomaly scores from reconstruction error, with
PyOD's surface so a PyOD user switches by changing the import.

Any autoencoder family is used by its preset name (``"ae"``, ``"dae"``,
``"conv"``, ``"vae"``, ...; see :mod:`aekit.estimators.presets`), the
sequence families too (``"lstm-ae"``, ``"conv1d-ae"``, ``"attention-ae"``,
``"seq-vae"``: one score per series of shape (n, T) or (n, T, C)). The
detector fits it on (mostly) normal data, scores each sample by how badly it
is reconstructed, and picks a threshold with one of the rules of
:mod:`aekit.detection.thresholds`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from aekit.data import check_data, feature_names_of
from aekit.detection.thresholds import best_threshold, compute_threshold, resolve_threshold_rule
from aekit.estimators.presets import PRESETS, estimator_class
from aekit.exceptions import DataError

RECONSTRUCTION_SCORES = ("mse", "mae")
VARIATIONAL_SCORES = ("elbo", "reconstruction_probability")
ELBO_SAMPLES = 10  # draws of z per sample for the variational scores, from a fixed seed so scores repeat
PROBA_METHODS = ("linear", "unify")
OWN_PARAMS = ("model", "threshold", "contamination", "score", "threshold_k")


class AnomalyDetector(BaseEstimator):
    """Anomaly detection by reconstruction error (higher score = more anomalous).

    Parameters
    ----------
    model : str, default="ae"
        Preset name of the autoencoder (``aekit.estimators.presets.PRESETS``).
    threshold : None, "auto", "contamination", "iqr" or float, default=None
        How ``threshold_`` is set from the training scores. ``None`` means
        ``"contamination"`` when ``contamination`` is given, else ``"auto"``
        (``median + threshold_k * 1.4826 * MAD``, robust to the anomalies in
        the training data). A float is used as is. See
        :mod:`aekit.detection.thresholds`.
    contamination : float in (0, 0.5] or None, default=None
        Expected share of anomalies in the training data; with the
        ``"contamination"`` rule that share of training samples is flagged.
    score : {"mse", "mae", "elbo", "reconstruction_probability"}, default="mse"
        Per-sample score: mean squared or absolute reconstruction error over
        features (on the model's scaled data, so every feature counts
        alike). Variational models (``"vae"``, ``"conv-vae"``, ...) also offer
        the negative ELBO, and the reconstruction probability of An & Cho
        (2015): ``-(1/L) sum_l log p(x | z_l)`` over L = 10 draws
        ``z_l ~ q(z | x)`` (the negative ELBO without its KL term, so a
        sample is judged by how well its likely codes explain it, not by how
        far its code lies from the prior). Draws come from a fixed seed, so
        scores repeat exactly, also after reloading.
    threshold_k : float or None, default=None
        Width of the ``"auto"`` (3) or ``"iqr"`` (1.5) rule.
    **model_params
        Passed to the autoencoder (``latent_dim``, ``hidden``,
        ``max_epochs``, ``random_state``, ...); unknown names are an error.

    Attributes
    ----------
    estimator_ : AutoencoderEstimator
        The fitted autoencoder.
    decision_scores_ : numpy.ndarray of shape (n_samples,)
        Scores of the training samples.
    threshold_ : float
        Samples scoring above it are anomalies.
    threshold_rule_ : str
        The rule that set ``threshold_`` ("auto", "contamination", "iqr",
        "fixed", or "labels:f1" / "labels:precision@recall" after
        :meth:`fit_threshold`).
    labels_ : numpy.ndarray of shape (n_samples,)
        0 (normal) / 1 (anomaly) for the training samples.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray, when fitted on a DataFrame

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from aekit import AnomalyDetector
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> det = AnomalyDetector("ae", contamination=0.05, latent_dim=4, hidden=(16,),
    ...                       max_epochs=5, random_state=0).fit(X[y == 1])
    >>> round(float(det.labels_.mean()), 2)
    0.05
    >>> det.predict(X[:3]).tolist() in ([0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1],
    ...                                   [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1])
    True
    """

    def __init__(self, model="ae", threshold=None, contamination=None, score="mse", threshold_k=None,
                 **model_params):
        self.model = model
        self.threshold = threshold
        self.contamination = contamination
        self.score = score
        self.threshold_k = threshold_k
        self.model_params = model_params

    # -- scikit-learn parameters (the model's parameters are flat, as given) -----
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in OWN_PARAMS}, **self.model_params}

    def set_params(self, **params) -> AnomalyDetector:
        for name, value in params.items():
            if name in OWN_PARAMS:
                setattr(self, name, value)
            else:
                self.model_params[name] = value
        return self

    # -- fitting ---------------------------------------------------------------------
    def fit(self, X, y=None) -> AnomalyDetector:
        """Fit the autoencoder on ``X`` (mostly normal samples) and set the threshold.

        ``y`` is ignored (PyOD convention); use :meth:`fit_threshold` to
        tune the threshold on labelled data.
        """
        rule = resolve_threshold_rule(self.threshold, self.contamination)
        estimator = self._make_estimator()
        if _is_sequence_model(estimator):
            return self._fit_series(estimator, X, rule)
        names = feature_names_of(X)
        X_checked = check_data(X, name="X", estimator_name=type(self).__name__)
        if np.ptp(X_checked, axis=0).max() == 0:
            raise DataError(f"X: all {len(X_checked)} training rows are identical (every column is constant); "
                            "expected varied normal data, there is nothing to learn a normal range from")
        estimator.fit(X if names is not None else X_checked)
        scores = self._scores(estimator, X_checked)
        self._set_threshold(scores, compute_threshold(scores, rule, contamination=self.contamination,
                                                      k=self.threshold_k),
                            "fixed" if isinstance(rule, float) else rule)
        self.estimator_ = estimator
        self.n_features_in_ = X_checked.shape[1]
        self._set_feature_names(names)
        return self

    def _fit_series(self, estimator, X, rule) -> AnomalyDetector:
        """Fit a sequence autoencoder on series ``X``: one score per series."""
        estimator.fit(X)
        scores = self._scores(estimator, X)
        self._set_threshold(scores, compute_threshold(scores, rule, contamination=self.contamination,
                                                      k=self.threshold_k),
                            "fixed" if isinstance(rule, float) else rule)
        self.estimator_, self.n_features_in_ = estimator, estimator.n_channels_
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then return ``labels_``."""
        return self.fit(X, y).labels_

    def fit_threshold(self, X_val, y_val, metric: str = "f1", min_recall: float = 0.9) -> AnomalyDetector:
        """Set ``threshold_`` from a few labelled samples (``y_val`` 1 = anomaly).

        ``metric="f1"`` maximises F1 on them; ``"precision@recall"`` the
        precision among thresholds with recall >= ``min_recall``.
        """
        scores = self.decision_function(X_val)
        cut = best_threshold(scores, np.asarray(y_val).ravel(), metric=metric, min_recall=min_recall)
        self._set_threshold(self.decision_scores_, cut, f"labels:{metric}")
        return self

    # -- using a fitted detector ------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        """Anomaly score of each sample of ``X`` (higher = more anomalous)."""
        check_is_fitted(self, "estimator_")
        return self._scores(self.estimator_, X)

    def predict(self, X) -> np.ndarray:
        """0 (normal) or 1 (anomaly) for each sample: score above ``threshold_``."""
        return self._labels(self.decision_function(X))

    def predict_proba(self, X, method: str = "linear") -> np.ndarray:
        """Probability of [normal, anomaly] per sample, shape (n_samples, 2).

        ``"linear"`` min-max scales scores by the training scores' range;
        ``"unify"`` is Kriegel et al.'s (2011) Gaussian scaling,
        ``erf((s - mean) / (std * sqrt 2))`` clipped at 0 (as PyOD).
        """
        from scipy.special import erf

        if method not in PROBA_METHODS:
            raise ValueError(f"method: expected one of {PROBA_METHODS}, got {method!r}")
        scores = self.decision_function(X)
        train = self.decision_scores_
        if method == "linear":
            anomaly = (scores - train.min()) / (train.max() - train.min())
        else:
            anomaly = erf((scores - train.mean()) / (train.std() * np.sqrt(2)))
        anomaly = np.clip(anomaly, 0.0, 1.0)
        return np.column_stack([1.0 - anomaly, anomaly])

    def predict_confidence(self, X) -> np.ndarray:
        """Confidence in each label, in [0, 1] (Perini et al., 2020, as PyOD's).

        The chance that the sample would get the same label if the training
        set were drawn again, from where its score falls among the training
        scores and the share of training samples flagged.
        """
        from scipy.stats import binom

        scores = self.decision_function(X)
        train = np.sort(self.decision_scores_)
        n = train.size
        below = np.searchsorted(train, scores, side="right")
        flagged = max(float(self.labels_.mean()), 1.0 / n)
        confidence = 1.0 - binom.cdf(n - int(n * flagged), n, (1.0 + below) / (2.0 + n))
        return np.where(self._labels(scores) == 1, confidence, 1.0 - confidence)

    def explain(self, X) -> np.ndarray:
        """Each feature's (pixel's) share of each sample's score, shape (n_samples, n_features).

        Rows sum to :meth:`decision_function` (for the ``"mse"`` / ``"mae"``
        scores: the feature's squared / absolute error divided by the number
        of features).
        """
        check_is_fitted(self, "estimator_")
        self._require_reconstruction_score("explain")
        return self._feature_errors(self.estimator_, X) / self.n_features_in_

    def top_features(self, X, n: int = 3) -> list[list[tuple[str, float]]]:
        """The ``n`` features with the largest share of each sample's score, largest first."""
        shares = self.explain(X)
        names = self.feature_names_
        order = np.argsort(-shares, axis=1)[:, :n]
        return [[(names[j], float(row[j])) for j in top] for row, top in zip(shares, order)]

    @property
    def feature_names_(self) -> list[str]:
        """Column names seen in fit, or x0, x1, ... when there were none."""
        check_is_fitted(self, "estimator_")
        names = getattr(self, "feature_names_in_", None)
        return [str(c) for c in names] if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    # -- files -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the detector (its autoencoder, threshold and training scores) to one
        ``.safetensors`` file; :func:`aekit.load` gives it back, labelling exactly as before."""
        from aekit.io import save_estimator

        check_is_fitted(self, "estimator_")
        return save_estimator(self.estimator_, path, wrapper=self)

    def _fitted_state(self) -> dict[str, Any]:
        return {"threshold_": self.threshold_, "threshold_rule_": self.threshold_rule_,
                "decision_scores_": self.decision_scores_.tolist(), "n_features_in_": self.n_features_in_,
                "feature_names_in_": list(getattr(self, "feature_names_in_", [])) or None}

    def _restore_wrapped(self, estimator, fitted: dict[str, Any]) -> AnomalyDetector:
        scores = np.asarray(fitted["decision_scores_"], dtype=np.float64)
        threshold = float(fitted["threshold_"])
        if scores.ndim != 1 or scores.size == 0 or not np.isfinite(scores).all() or not np.isfinite(threshold):
            raise ValueError("the detector's training scores or threshold are not finite numbers")
        if not isinstance(estimator, self._estimator_class()):
            raise ValueError(f"the file holds a {type(estimator).__name__}, not the model {self.model!r} needs")
        if int(fitted["n_features_in_"]) != estimator.n_features_in_:
            raise ValueError(f"the detector expects {fitted['n_features_in_']} features, "
                             f"its model {estimator.n_features_in_}")
        self.estimator_ = estimator
        self.n_features_in_ = estimator.n_features_in_
        self._set_threshold(scores, threshold, str(fitted["threshold_rule_"]))
        self._set_feature_names(fitted.get("feature_names_in_"))
        return self

    # -- internals ----------------------------------------------------------------------
    def _estimator_class(self) -> type:
        """The autoencoder class of ``model``, after checking every parameter against it."""
        if self.model not in PRESETS:
            raise ValueError(f"model: expected a preset name, one of {sorted(PRESETS)}; got {self.model!r}")
        cls = estimator_class(self.model)
        accepted = set(cls._get_param_names())
        unknown = sorted(set(self.model_params) - accepted)
        if unknown:
            raise ValueError(f"{unknown} are not parameters of model {self.model!r} ({cls.__name__}); "
                             f"expected some of {sorted(accepted)}")
        if self.score not in RECONSTRUCTION_SCORES + VARIATIONAL_SCORES:
            raise ValueError(f"score: expected one of {RECONSTRUCTION_SCORES + VARIATIONAL_SCORES}, "
                             f"got {self.score!r}")
        sequence = _is_sequence_model(cls)
        if sequence and self.score not in ("mse", "elbo"):
            raise ValueError(f"score={self.score!r} is not offered for the sequence model {self.model!r}; use 'mse'"
                             f"{' or elbo' if hasattr(cls, 'elbo') else ''}")
        if self.score in VARIATIONAL_SCORES and not hasattr(cls, "elbo" if sequence else "reconstruction_log_prob"):
            raise ValueError(f"score={self.score!r} needs a variational model (with an ELBO), "
                             f"but {self.model!r} is a {cls.__name__}; use 'mse' or 'mae'")
        return cls

    def _make_estimator(self):
        return self._estimator_class()(**{**PRESETS[self.model].params, **self.model_params})

    def _feature_errors(self, estimator, X) -> np.ndarray:
        """Per-feature reconstruction errors on the scaled data, (n_samples, n_features)."""
        if _is_sequence_model(estimator):
            raise ValueError(f"per-feature errors need a tabular model, {self.model!r} is a sequence model; "
                             "use detector.estimator_.score_steps(X) for per-time-step errors")
        X_scaled = estimator.scaler_.transform(estimator._checked(X))
        residual = X_scaled - estimator.scaler_.transform(estimator.reconstruct(X))
        return np.square(residual) if self.score == "mse" else np.abs(residual)

    def _scores(self, estimator, X) -> np.ndarray:
        if _is_sequence_model(estimator):
            scores = estimator.reconstruction_error(X) if self.score == "mse" else -estimator.elbo(X)
            return np.asarray(scores, dtype=np.float64)
        if self.score in VARIATIONAL_SCORES:
            per_sample = estimator.elbo if self.score == "elbo" else estimator.reconstruction_log_prob
            return -np.asarray(per_sample(X, n_samples=ELBO_SAMPLES, random_state=0), dtype=np.float64)
        return self._feature_errors(estimator, X).astype(np.float64).mean(axis=1)

    def _require_reconstruction_score(self, what: str) -> None:
        if self.score not in RECONSTRUCTION_SCORES:
            raise ValueError(f"{what} needs score='mse' or 'mae' (a sum over features), got {self.score!r}")

    def _set_threshold(self, scores: np.ndarray, threshold: float, rule: str) -> None:
        self.decision_scores_ = np.asarray(scores, dtype=np.float64)
        self.threshold_ = float(threshold)
        self.threshold_rule_ = rule
        self.labels_ = self._labels(self.decision_scores_)

    def _labels(self, scores: np.ndarray) -> np.ndarray:
        return (scores > self.threshold_).astype(int)

    def _set_feature_names(self, names) -> None:
        if names is not None and len(names):
            self.feature_names_in_ = np.asarray(list(names), dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_


def _is_sequence_model(model) -> bool:
    """Whether ``model`` (an estimator or its class) is a sequence autoencoder."""
    from aekit.estimators.sequence import SequenceEstimator

    return isinstance(model, SequenceEstimator) or (isinstance(model, type) and issubclass(model, SequenceEstimator))
