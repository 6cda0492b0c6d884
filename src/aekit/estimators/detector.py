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
from aekit.data.tabular import categorical_columns, fit_preprocessing
from aekit.detection.scoring import CodeGaussian, RobustStandardiser, feature_error_scale
from aekit.detection.thresholds import best_threshold, compute_threshold, resolve_threshold_rule
from aekit.estimators.presets import PRESETS, estimator_class
from aekit.exceptions import DataError, DegenerateModelError
from aekit._docs import fill_doc
from aekit.formatting import with_article

RECONSTRUCTION_SCORES = ("mse", "mae")
FEATURE_SCORES = RECONSTRUCTION_SCORES + ("standardized_mse",)  # sums over features: explain() works
SCORE_PARTS = FEATURE_SCORES + ("latent",)  # may be summed, e.g. "standardized_mse+latent"
VARIATIONAL_SCORES = ("elbo", "reconstruction_probability")
# Training reconstruction errors (scaled units) below this share of the scaled data's variance are
# floating-point round-off: the model has learnt the identity map and its scores mean nothing.
ROUND_OFF = 1e-9
ELBO_SAMPLES = 10  # draws of z per sample for the variational scores, from a fixed seed so scores repeat
PROBA_METHODS = ("linear", "unify")
# score="auto" (the default): the reconstruction error where normal rows have little, plus how unusual the
# code is; chosen on the development tables of benchmarks/defaults.py (and the anomaly benchmark's tables).
# Sequence models offer "mse" and "elbo" only.
AUTO_SCORE = "standardized_mse+latent"
SCORE_STATE = ("feature_scale_", "code_gaussian_", "part_scalers_")  # fitted by the score, saved with it
OWN_PARAMS = ("model", "threshold", "contamination", "score", "threshold_k")


@fill_doc
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
    score : str, default="auto"
        Per-sample score. ``"auto"``: ``"standardized_mse+latent"`` (tables and
        images; the reconstruction error where normal rows have little, plus
        how unusual the code is: a row unlike the normal ones along the
        directions the code keeps is reconstructed well, but its code is far
        from the training codes), ``"mse"`` for sequence models; ``score_``
        says which. Otherwise ``"mse"`` / ``"mae"``, the mean squared or absolute
        reconstruction error over features (on the model's scaled data, so
        every feature counts alike); ``"standardized_mse"``, each feature's
        squared error divided by its mean on the training rows (errors where
        normal data has none weigh more); ``"latent"``, the Mahalanobis
        distance of the code under a Gaussian fitted to the training codes;
        or a sum of these parts joined by ``"+"`` (e.g.
        ``"standardized_mse+latent"``), each part's log score first
        standardised by the median and MAD of its training scores. See
        :mod:`aekit.detection.scoring`. Variational models (``"vae"``, ``"conv-vae"``, ...) also offer
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
    score_ : str
        The score in use (``score`` with "auto" resolved).
    feature_scale_ : numpy.ndarray of shape (n_features,)
        Mean squared training error of each feature (``"standardized_mse"`` only).
    code_gaussian_ : aekit.detection.scoring.CodeGaussian
        Mean and precision of the training codes (``"latent"`` only).
    part_scalers_ : dict of str to RobustStandardiser
        Median and MAD of each part's log training scores (sums only).
    threshold_rule_ : str
        The rule that set ``threshold_`` ("auto", "contamination", "iqr",
        "fixed", or "labels:f1" / "labels:precision@recall" after
        :meth:`fit_threshold`).
    labels_ : numpy.ndarray of shape (n_samples,)
        0 (normal) / 1 (anomaly) for the training samples.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Column names seen in ``fit`` (only when fitted on a DataFrame).

    Raises
    ------
    ValueError
        From ``fit``: an unknown ``model`` preset, a parameter the model does
        not have, an unknown ``score`` or threshold rule.
    aekit.exceptions.DataError
        From ``fit``: NaN values, or training rows that are all identical.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.metrics import roc_auc_score
    >>> from aekit import AnomalyDetector
    >>> X, y = load_breast_cancer(return_X_y=True)          # y == 0: malignant
    >>> det = AnomalyDetector("ae", contamination=0.05, hidden=(16,), random_state=0).fit(X[y == 1])
    >>> round(float(det.labels_.mean()), 2), det.estimator_.latent_dim_  # "auto": 8 of 30 columns
    (0.05, 8)
    >>> bool(roc_auc_score(y == 0, det.decision_function(X)) > 0.9)   # malignant rows score higher
    True
    >>> bool(det.predict(X[y == 0]).mean() > 4 * det.labels_.mean())  # and are flagged far more often
    True
    """

    def __init__(self, model="ae", threshold=None, contamination=None, score="auto", threshold_k=None,
                 **model_params):
        self.model = model
        self.threshold = threshold
        self.contamination = contamination
        self.score = score
        self.threshold_k = threshold_k
        self.model_params = model_params

    # -- scikit-learn parameters (the model's parameters are flat, as given) -----
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of the detector and of its model, flat (scikit-learn convention).

        Parameters
        ----------
        deep : bool, default=True
            Ignored: the model's parameters are always included, as given.

        Returns
        -------
        dict
            ``model``, ``threshold``, ``contamination``, ``score``,
            ``threshold_k`` and every model parameter passed to ``__init__``.

        Examples
        --------
        >>> from aekit import AnomalyDetector
        >>> AnomalyDetector("dae", latent_dim=8).get_params()["latent_dim"]
        8
        """
        return {**{name: getattr(self, name) for name in OWN_PARAMS}, **self.model_params}

    def set_params(self, **params) -> AnomalyDetector:
        """Set the detector's or its model's parameters.

        Parameters
        ----------
        **params
            Names of the detector (``model``, ``threshold``, ``contamination``,
            ``score``, ``threshold_k``) or of its model (anything else).

        Returns
        -------
        AnomalyDetector
            ``self``.

        Examples
        --------
        >>> from aekit import AnomalyDetector
        >>> AnomalyDetector("dae").set_params(contamination=0.1, latent_dim=4).get_params()["latent_dim"]
        4
        """
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

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Training rows, mostly normal. For a sequence model (``"lstm-ae"``,
            ...): series, as :class:`~aekit.estimators.sequence.SequenceAutoencoder` takes them.
        y : None
            Ignored.

        Returns
        -------
        AnomalyDetector
            ``self``, fitted: ``decision_scores_``, ``threshold_``, ``labels_``.

        Raises
        ------
        ValueError
            An unknown preset, model parameter, score or threshold rule.
        aekit.exceptions.DataError
            NaN values, or every training row identical.

        Examples
        --------
        %(fit_detector)s
        >>> det.threshold_ > 0
        True
        """
        rule = resolve_threshold_rule(self.threshold, self.contamination)
        estimator = self._make_estimator()
        if _is_sequence_model(estimator):
            return self._fit_series(estimator, X, rule)
        names = feature_names_of(X)
        if categorical_columns(X):  # one-hot encoded by the model's own preprocessing, as in `train`
            X_fit, X_seen = X, fit_preprocessing(X, "none", type(self).__name__, estimator._unknown_policy())[1]
        else:
            X_seen = check_data(X, name="X", estimator_name=type(self).__name__)
            X_fit = X if names is not None else X_seen
        if np.ptp(X_seen, axis=0).max() == 0:
            raise DataError(f"X: all {len(X_seen)} training rows are identical (every column is constant); "
                            "expected varied normal data, there is nothing to learn a normal range from")
        self._refuse_wide_code(X_seen.shape[1])
        estimator.fit(X_fit)
        self._refuse_round_off(estimator, X_fit)
        scores = self._calibrate(estimator, X_fit if names is not None else X_seen)
        self._set_threshold(scores, compute_threshold(scores, rule, contamination=self.contamination,
                                                      k=self.threshold_k),
                            "fixed" if isinstance(rule, float) else rule)
        self.estimator_ = estimator
        self.n_features_in_ = estimator.n_features_in_
        self._set_feature_names(names)
        return self

    def _fit_series(self, estimator, X, rule) -> AnomalyDetector:
        """Fit a sequence autoencoder on series ``X``: one score per series."""
        from aekit.data.series import check_series

        series, _ = check_series(X, None, n_channels=estimator.n_channels, estimator_name=type(self).__name__)
        self._refuse_wide_code(series.shape[1] * series.shape[2])
        estimator.fit(X)
        scores = self._scores(estimator, X)
        self._refuse_flat(scores, "series")
        self._set_threshold(scores, compute_threshold(scores, rule, contamination=self.contamination,
                                                      k=self.threshold_k),
                            "fixed" if isinstance(rule, float) else rule)
        self.estimator_, self.n_features_in_ = estimator, estimator.n_channels_
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Training rows, as in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            0 (normal) / 1 (anomaly) for each training row.

        Raises
        ------
        ValueError, aekit.exceptions.DataError
            As :meth:`fit`.

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from aekit import AnomalyDetector
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> labels = AnomalyDetector("ae", contamination=0.1, latent_dim=4, max_epochs=3,
        ...                          random_state=0).fit_predict(X[y == 1])
        >>> labels.shape
        (357,)
        """
        return self.fit(X, y).labels_

    def fit_threshold(self, X_val, y_val, metric: str = "f1", min_recall: float = 0.9) -> AnomalyDetector:
        """Set ``threshold_`` from a few labelled samples.

        Parameters
        ----------
        X_val : array-like of shape (n_samples, n_features)
            Labelled rows, normal and anomalous.
        y_val : array-like of shape (n_samples,)
            1 for an anomaly, 0 for a normal row.
        metric : {"f1", "precision@recall"}, default="f1"
            ``"f1"`` maximises F1 on them; ``"precision@recall"`` the precision
            among thresholds with recall >= ``min_recall``.
        min_recall : float, default=0.9
            The recall floor of ``"precision@recall"``.

        Returns
        -------
        AnomalyDetector
            ``self``, with ``threshold_``, ``labels_`` and ``threshold_rule_`` updated.

        Raises
        ------
        %(not_fitted)s
        ValueError
            An unknown ``metric``, or ``min_recall`` outside (0, 1].
        aekit.exceptions.DataError
            ``y_val`` is not one label per row, or lacks one of the two classes.

        Examples
        --------
        %(fit_detector)s
        >>> det.fit_threshold(X, 1 - y).threshold_rule_
        'labels:f1'
        """
        scores = self.decision_function(X_val)
        cut = best_threshold(scores, np.asarray(y_val).ravel(), metric=metric, min_recall=min_recall)
        self._set_threshold(self.decision_scores_, cut, f"labels:{metric}")
        return self

    # -- using a fitted detector ------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        """Anomaly score of each sample (higher = more anomalous).

        Parameters
        ----------
        %(X_detector)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            The scores, on the scale of ``decision_scores_`` and ``threshold_``.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_detector)s
        >>> det.decision_function(X).shape
        (569,)
        """
        check_is_fitted(self, "estimator_")
        return self._scores(self.estimator_, X)

    def predict(self, X) -> np.ndarray:
        """Label each sample: 1 (anomaly) when its score is above ``threshold_``, else 0.

        Parameters
        ----------
        %(X_detector)s

        Returns
        -------
        numpy.ndarray of int, shape (n_samples,)
            0 (normal) or 1 (anomaly).

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_detector)s
        >>> flagged = det.predict(X)
        >>> round(float(flagged[y == 1].mean()), 2)  # the benign rows it was fitted on: the contamination
        0.05
        >>> bool(flagged[y == 0].mean() > 0.5)  # malignant rows, never seen in fit: most are flagged
        True
        """
        return self._labels(self.decision_function(X))

    def predict_proba(self, X, method: str = "linear") -> np.ndarray:
        """Probability of [normal, anomaly] for each sample.

        Parameters
        ----------
        %(X_detector)s
        method : {"linear", "unify"}, default="linear"
            ``"linear"`` min-max scales scores by the training scores' range;
            ``"unify"`` is Kriegel et al.'s (2011) Gaussian scaling,
            ``erf((s - mean) / (std * sqrt 2))`` clipped at 0 (as PyOD).

        Returns
        -------
        numpy.ndarray of shape (n_samples, 2)
            Columns [normal, anomaly], each row summing to 1.

        Raises
        ------
        ValueError
            An unknown ``method``.
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_detector)s
        >>> det.predict_proba(X[:2], method="unify").shape
        (2, 2)
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

        Parameters
        ----------
        %(X_detector)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            Confidence in the label :meth:`predict` gives.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_detector)s
        >>> confidence = det.predict_confidence(X)
        >>> bool(((confidence >= 0) & (confidence <= 1)).all())
        True
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
        """Each feature's (pixel's) share of each sample's reconstruction score.

        For the ``"mse"`` / ``"mae"`` / ``"standardized_mse"`` scores, rows sum
        to :meth:`decision_function` (the feature's squared / absolute /
        standardised squared error divided by the number of features). For a
        sum of parts (the default ``"auto"``: ``"standardized_mse+latent"``),
        the shares are those of its reconstruction part (``explained_score_``;
        rows sum to that part's raw score): the ``"latent"`` part, how
        unusual the code is, has no per-feature shares.

        Parameters
        ----------
        %(X_detector)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features)
            The shares.

        Raises
        ------
        %(not_fitted)s
        ValueError
            The score has no reconstruction part (``"latent"`` alone, or a
            variational likelihood), so it has no per-feature shares.
        %(bad_rows)s

        Examples
        --------
        %(fit_detector)s
        >>> shares = det.explain(X[:3])  # the default score: the shares of its standardized_mse part
        >>> det.explained_score_, shares.shape, bool((shares >= 0).all())
        ('standardized_mse', (3, 30), True)
        """
        check_is_fitted(self, "estimator_")
        errors = self._feature_errors(self.estimator_, X, self._require_reconstruction_score("explain"))
        shares = errors / errors.shape[1]  # the score is the mean over the model's (one-hot) inputs
        if not self.estimator_._has_categories():
            return shares
        # a categorical column's share is the sum over its one-hot block
        return np.column_stack([shares[:, part].sum(axis=1) for part in self.estimator_._column_slices().values()])

    def top_features(self, X, n: int = 3, relative: bool = False) -> list[list[tuple[str, float]]]:
        """The ``n`` features with the largest share of each sample's score, largest first.

        Parameters
        ----------
        %(X_detector)s
        n : int, default=3
            How many features per sample.
        relative : bool, default=False
            Each share as a fraction of the sample's whole reconstruction
            error (the shares of all its features sum to 1), instead of the
            raw share of :meth:`explain`.

        Returns
        -------
        list of list of (str, float)
            For each sample, ``n`` pairs (feature name, share of the score).

        Raises
        ------
        %(not_fitted)s
        ValueError
            As :meth:`explain`.

        Examples
        --------
        %(fit_detector)s
        >>> len(det.top_features(X[:2], n=3)[0])
        3
        >>> sum(share for _, share in det.top_features(X[:1], n=30, relative=True)[0])  # doctest: +ELLIPSIS
        1.0...
        """
        shares = self.explain(X)
        if relative:
            shares = shares / np.maximum(shares.sum(axis=1, keepdims=True), np.finfo(shares.dtype).tiny)
        names = self.feature_names_
        order = np.argsort(-shares, axis=1)[:, :n]
        return [[(names[j], float(row[j])) for j in top] for row, top in zip(shares, order)]

    @property
    def score_(self) -> str:
        """The score in use: ``score``, with "auto" resolved (see the class)."""
        check_is_fitted(self, "estimator_")
        return self._resolved_score()

    @property
    def explained_score_(self) -> str | None:
        """The reconstruction part of the score that :meth:`explain` splits by feature, or None."""
        check_is_fitted(self, "estimator_")
        return self._feature_part()

    @property
    def feature_names_(self) -> list[str]:
        """Column names seen in fit, or x0, x1, ... when there were none."""
        check_is_fitted(self, "estimator_")
        names = getattr(self, "feature_names_in_", None)
        return [str(c) for c in names] if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    # -- files -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the detector to one ``.safetensors`` file.

        The file holds its autoencoder, the threshold, its rule and the
        training scores; :func:`aekit.load` gives it back, labelling exactly as before.

        Parameters
        ----------
        %(path_out)s

        Returns
        -------
        %(file_written)s

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_detector)s
        >>> import tempfile
        >>> from aekit import load
        >>> same = load(det.save(f"{tempfile.mkdtemp()}/det.safetensors"))
        >>> bool((same.predict(X) == det.predict(X)).all())
        True
        """
        from aekit.io import save_estimator

        check_is_fitted(self, "estimator_")
        return save_estimator(self.estimator_, path, wrapper=self)

    def _fitted_state(self) -> dict[str, Any]:
        return {"threshold_": self.threshold_, "threshold_rule_": self.threshold_rule_,
                "decision_scores_": self.decision_scores_.tolist(), "n_features_in_": self.n_features_in_,
                "feature_names_in_": list(getattr(self, "feature_names_in_", [])) or None,
                **self._score_state()}

    def _score_state(self) -> dict[str, Any]:
        """What the score needs besides the model: feature scales, code Gaussian, part scalings."""
        state: dict[str, Any] = {}
        if hasattr(self, "feature_scale_"):
            state["feature_scale_"] = self.feature_scale_.tolist()
        if hasattr(self, "code_gaussian_"):
            state["code_gaussian_"] = self.code_gaussian_.to_state()
        if hasattr(self, "part_scalers_"):
            state["part_scalers_"] = {part: scaler.to_state() for part, scaler in self.part_scalers_.items()}
        return state

    def _forget_score_state(self) -> None:
        for name in SCORE_STATE:
            if hasattr(self, name):
                delattr(self, name)

    def _restore_score_state(self, fitted: dict[str, Any], n_features: int, latent_dim: int | None) -> None:
        """Set the score's fitted parts from the file, checking each is there and has its shape."""
        parts = self._score_parts()
        self._forget_score_state()
        if "standardized_mse" in parts:
            scale = np.asarray(fitted["feature_scale_"], dtype=np.float64)
            if scale.shape != (n_features,) or not np.isfinite(scale).all() or (scale <= 0).any():
                raise ValueError(f"feature_scale_: expected {n_features} positive numbers")
            self.feature_scale_ = scale
        if "latent" in parts:
            gaussian = CodeGaussian.from_state(fitted["code_gaussian_"])
            if gaussian.mean.shape != (latent_dim,) or gaussian.precision.shape != (latent_dim, latent_dim) \
                    or not (np.isfinite(gaussian.mean).all() and np.isfinite(gaussian.precision).all()):
                raise ValueError(f"code_gaussian_: expected a finite mean of {latent_dim} and a "
                                 f"{latent_dim}x{latent_dim} precision matrix")
            self.code_gaussian_ = gaussian
        if len(parts) > 1:
            scalers = {part: RobustStandardiser(*fitted["part_scalers_"][part]) for part in parts}
            if not all(np.isfinite([s.center, s.scale]).all() and s.scale > 0 for s in scalers.values()):
                raise ValueError("part_scalers_: expected a finite centre and a positive scale per part")
            self.part_scalers_ = scalers

    def _restore_wrapped(self, estimator, fitted: dict[str, Any]) -> AnomalyDetector:
        scores = np.asarray(fitted["decision_scores_"], dtype=np.float64)
        threshold = float(fitted["threshold_"])
        if scores.ndim != 1 or scores.size == 0 or not np.isfinite(scores).all() or not np.isfinite(threshold):
            raise ValueError("the detector's training scores or threshold are not finite numbers")
        if not isinstance(estimator, self._estimator_class()):
            raise ValueError(f"the file holds {with_article(type(estimator).__name__)}, "
                             f"not the model {self.model!r} needs")
        if int(fitted["n_features_in_"]) != estimator.n_features_in_:
            raise ValueError(f"the detector expects {fitted['n_features_in_']} features, "
                             f"its model {estimator.n_features_in_}")
        self.estimator_ = estimator
        self.n_features_in_ = estimator.n_features_in_
        if not _is_sequence_model(estimator):
            self._restore_score_state(fitted, estimator.scaler_.n_features_, estimator.model_.config.latent_dim)
        self._set_threshold(scores, threshold, str(fitted["threshold_rule_"]))
        self._set_feature_names(fitted.get("feature_names_in_"))
        return self

    # -- internals ----------------------------------------------------------------------
    def _refuse_wide_code(self, width: int) -> None:
        """A code as wide as the input can be the identity map: no use for telling rows apart."""
        latent = self.model_params.get("latent_dim", "auto")
        if not isinstance(latent, str) and latent is not None and int(latent) >= width:
            raise DegenerateModelError(
                f"latent_dim={latent} is as wide as the input ({width} features) or wider: the autoencoder can "
                "learn the identity map and reconstruct anomalies as well as normal rows, so its scores would "
                f"mean nothing; expected a code narrower than {width}: use latent_dim='auto' (the default) "
                "or a smaller int")

    def _refuse_round_off(self, estimator, X) -> None:
        """Training errors at floating-point round-off (the identity map), or all alike, are no scores."""
        errors = self._feature_errors(estimator, X, "mse").mean(axis=1)
        X_scaled = estimator.scaler_.transform(estimator._checked(X))
        variance = float(np.var(X_scaled, axis=0).mean())
        if errors.max() < ROUND_OFF * max(variance, np.finfo(np.float32).tiny):
            raise DegenerateModelError(
                f"the {self.model!r} model reconstructs its {len(errors)} training rows to floating-point "
                f"round-off (largest squared error {errors.max():.2g}, data variance {variance:.2g}): it has "
                f"learnt the identity map (a code of {estimator.latent_dim_} for {X_scaled.shape[1]} inputs), so "
                "every score would be noise; use a narrower code (latent_dim='auto', the default), "
                "input noise (model='dae') or fewer epochs")
        self._refuse_flat(errors, "rows")

    def _refuse_flat(self, scores: np.ndarray, what: str) -> None:
        if np.ptp(scores) <= 0:
            raise DegenerateModelError(
                f"every training {what[:-1]} gets the same score ({float(scores[0]):.6g}): the scores cannot "
                f"tell one {what[:-1]} from another; expected varied training data and a model that "
                "reconstructs it imperfectly (check that the data vary, or use latent_dim='auto')")

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
        self._score_parts()
        sequence, score = _is_sequence_model(cls), self._resolved_score()
        if sequence and score not in ("mse", "elbo"):
            raise ValueError(f"score={score!r} is not offered for the sequence model {self.model!r}; use 'mse'"
                             f"{' or elbo' if hasattr(cls, 'elbo') else ''}")
        if score in VARIATIONAL_SCORES and not hasattr(cls, "elbo" if sequence else "reconstruction_log_prob"):
            raise ValueError(f"score={score!r} needs a variational model (with an ELBO), "
                             f"but {self.model!r} is a {cls.__name__}; use 'mse' or 'mae'")
        return cls

    def _make_estimator(self):
        return self._estimator_class()(**{**PRESETS[self.model].params, **self.model_params})

    def _resolved_score(self) -> str:
        """``score`` with "auto" resolved: AUTO_SCORE, or "mse" for a sequence model."""
        if self.score != "auto":
            return self.score
        sequence = self.model in PRESETS and _is_sequence_model(estimator_class(self.model))
        return "mse" if sequence else AUTO_SCORE

    def _score_parts(self) -> tuple[str, ...]:
        """The parts of ``score`` ("a+b" -> ("a", "b")), checked."""
        score = self._resolved_score()
        if score in VARIATIONAL_SCORES:
            return (score,)
        parts = tuple(str(score).split("+"))
        if not all(part in SCORE_PARTS for part in parts) or len(set(parts)) != len(parts):
            raise ValueError(f"score: expected 'auto', one of {SCORE_PARTS + VARIATIONAL_SCORES}, or distinct parts "
                             f"of {SCORE_PARTS} joined by '+' (e.g. 'standardized_mse+latent'); got {score!r}")
        return parts

    def _feature_errors(self, estimator, X, part: str) -> np.ndarray:
        """Per-feature reconstruction errors on the scaled data, (n_samples, n_features)."""
        if _is_sequence_model(estimator):
            raise ValueError(f"per-feature errors need a tabular model, {self.model!r} is a sequence model; "
                             "use detector.estimator_.score_steps(X) for per-time-step errors")
        X_scaled = estimator.scaler_.transform(estimator._checked(X))
        if estimator._has_categories():  # the model's output itself: decoding one-hot blocks would round them
            reconstruction = estimator._batched(estimator.model_, X_scaled)
        else:
            reconstruction = estimator.scaler_.transform(estimator.reconstruct(X))
        residual = (X_scaled - reconstruction).astype(np.float64)
        if part == "mae":
            return np.abs(residual)
        squared = np.square(residual)
        return squared / self.feature_scale_ if part == "standardized_mse" else squared

    def _part_score(self, estimator, X, part: str) -> np.ndarray:
        if part == "latent":
            return self.code_gaussian_.distance(estimator.transform(X))
        return self._feature_errors(estimator, X, part).mean(axis=1)

    def _calibrate(self, estimator, X) -> np.ndarray:
        """Fit what the score needs on the training rows ``X``; return their scores."""
        self._forget_score_state()
        parts = self._score_parts()
        if "standardized_mse" in parts:
            self.feature_scale_ = feature_error_scale(self._feature_errors(estimator, X, "mse"))
        if "latent" in parts:
            self.code_gaussian_ = CodeGaussian.fit(estimator.transform(X))
        if len(parts) > 1:
            self.part_scalers_ = {part: RobustStandardiser.fit(self._part_score(estimator, X, part))
                                  for part in parts}
        return self._scores(estimator, X)

    def _scores(self, estimator, X) -> np.ndarray:
        if _is_sequence_model(estimator):
            scores = estimator.reconstruction_error(X) if self._resolved_score() == "mse" else -estimator.elbo(X)
            return np.asarray(scores, dtype=np.float64)
        score = self._resolved_score()
        if score in VARIATIONAL_SCORES:
            per_sample = estimator.elbo if score == "elbo" else estimator.reconstruction_log_prob
            return -np.asarray(per_sample(X, n_samples=ELBO_SAMPLES, random_state=0), dtype=np.float64)
        parts = self._score_parts()
        if len(parts) == 1:
            return self._part_score(estimator, X, parts[0])
        return sum(self.part_scalers_[part](self._part_score(estimator, X, part)) for part in parts)

    def _feature_part(self) -> str | None:
        """The part of the score that sums over features ("mse", "mae", "standardized_mse"), or None."""
        score = self._resolved_score()
        if score in VARIATIONAL_SCORES:
            return None
        return next((part for part in self._score_parts() if part in FEATURE_SCORES), None)

    def _require_reconstruction_score(self, what: str) -> str:
        """The score's feature part, which ``what`` needs; a score without one is refused."""
        part = self._feature_part()
        if part is None:
            raise ValueError(f"{what} needs a score with a reconstruction part ('mse', 'mae' or 'standardized_mse', "
                             f"alone or in a sum such as 'standardized_mse+latent'), got {self._resolved_score()!r}")
        return part

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
