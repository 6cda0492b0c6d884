"""Anomalies in one long series: a sequence autoencoder fitted on sliding
windows of normal data, per-time-step scores, a threshold and flagged segments.

Each window's per-step reconstruction errors are mapped back to the steps of
the long series by averaging the windows that cover each step, so a spike at
step t raises the error at t (not over a whole window): :meth:`step_errors`.

Those per-step squared errors are heavy-tailed: thresholding them directly
flags hundreds of one-step blips in normal stretches. The anomaly score of a
step (:meth:`score_steps`) is therefore their moving average over ``smooth``
steps centred on it, and the "auto" / "iqr" rules are applied to the
logarithm of the training scores (a multiplicative, robust scale for
positive, skewed scores), then mapped back: ``threshold_`` is in score units.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from aekit.data.series import flagged_segments, sliding_windows, windows_to_steps
from aekit.detection.thresholds import compute_threshold, resolve_threshold_rule
from aekit.estimators.params import store_params
from aekit.exceptions import DataError
from aekit._docs import fill_doc
from aekit.formatting import with_article

LOG_SCALE_RULES = ("auto", "iqr")  # rules on spread: applied to log scores


@fill_doc
class SeriesAnomalyDetector(BaseEstimator):
    """Per-time-step anomaly scores and flagged segments for a long series.

    Parameters
    ----------
    model : str or estimator, default="conv1d-ae"
        A sequence preset name (``lstm-ae``, ``conv1d-ae``, ``attention-ae``,
        ``seq-vae``) or an unfitted sequence estimator; it is cloned and
        fitted on windows of the training series.
    window : int, default=64
        Window length in steps.
    stride : int, default=8
        Steps between window starts (smaller: smoother scores, slower).
    smooth : int or "auto", default="auto"
        Width (steps) of the centred moving average that turns per-step
        errors into scores; "auto" is ``window // 4``, 1 turns it off.
    threshold : None, "auto", "contamination", "iqr" or float, default=None
        The rules of :class:`aekit.AnomalyDetector`, applied to the scores of
        the training series: "auto" and "iqr" on their logarithm (then
        exponentiated), "contamination" as the quantile, a float as is.
        None means "auto" (a factor exp(3 * 1.4826 * MAD) of log scores
        above their median) unless ``contamination`` is given.
    contamination : float or None
        Expected anomaly fraction for the "contamination" rule.
    latent_dim : int, default=8
        Code size of a preset model.
    max_epochs : int or "auto", default="auto"
        Training budget of a preset model.
    random_state : int or None, default=None
        Seed of a preset model.
    verbose : int, default=0
        Progress output of a preset model.

    Attributes
    ----------
    model_ : SequenceAutoencoder
        The fitted sequence estimator.
    threshold_ : float
        Steps scoring above it are flagged.
    train_scores_ : numpy.ndarray of shape (T_train,)
        Scores of the training series' steps.
    smooth_ : int
        The moving-average width used.
    n_channels_ : int
        Channels of the series.

    Raises
    ------
    ValueError
        From ``fit``: an unknown preset or threshold rule.
    %(bad_windows)s

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(2000)
    >>> series = np.sin(2 * np.pi * t / 50)
    >>> det = SeriesAnomalyDetector(window=50, stride=10, max_epochs=2, random_state=0)
    >>> det = det.fit(series[:1500])
    >>> det.score_steps(series).shape
    (2000,)
    >>> det.save("series-detector.safetensors").name  # doctest: +SKIP
    'series-detector.safetensors'
    """

    def __init__(self, model="conv1d-ae", window=64, stride=8, smooth="auto", threshold=None, contamination=None,
                 latent_dim=8, max_epochs="auto", random_state=None, verbose=0):
        store_params(self, locals())

    def _new_model(self):
        if not isinstance(self.model, str):
            return clone(self.model)
        from aekit.estimators.presets import make_estimator
        return make_estimator(self.model, latent_dim=self.latent_dim, max_epochs=self.max_epochs,
                              random_state=self.random_state, verbose=self.verbose)

    def fit(self, series, y=None):
        """Fit on one long, (mostly) normal series, cut into sliding windows.

        Parameters
        ----------
        %(long_series)s
        y : None
            Ignored.

        Returns
        -------
        self
            The fitted detector: ``threshold_``, ``train_scores_``.

        Raises
        ------
        ValueError
            An unknown preset or threshold rule.
        %(bad_windows)s

        Examples
        --------
        %(fit_series_detector)s
        >>> det.train_scores_.shape
        (1500,)
        """
        rule = resolve_threshold_rule(self.threshold, self.contamination)
        self.smooth_ = self._smooth_width()
        windows = _windows(series, self.window, self.stride)
        self.model_ = self._new_model().fit(windows)
        self.n_channels_ = windows.shape[2]
        self.train_scores_ = self.score_steps(series)
        self.threshold_ = threshold_of(self.train_scores_, rule, self.contamination)
        return self

    def _smooth_width(self) -> int:
        if self.smooth == "auto":
            return max(1, int(self.window) // 4)
        if isinstance(self.smooth, bool) or not isinstance(self.smooth, (int, np.integer)) or self.smooth < 1:
            raise ValueError(f"smooth must be 'auto' or an integer >= 1 (steps), got {self.smooth!r}")
        return int(self.smooth)

    def step_errors(self, series) -> np.ndarray:
        """Reconstruction error of every time step: the mean, over the windows covering it, of that step's squared error (scaled units).

        Parameters
        ----------
        %(long_series)s

        Returns
        -------
        numpy.ndarray of shape (T,)
            One error per step.

        Raises
        ------
        %(not_fitted)s
        %(bad_windows)s

        Examples
        --------
        %(fit_series_detector)s
        >>> det.step_errors(series).shape
        (2000,)
        """
        check_is_fitted(self, "model_")
        windows = _windows(series, self.window, self.stride)
        if windows.shape[2] != self.n_channels_:
            raise DataError(f"series has {windows.shape[2]} channels, but the detector was fitted on "
                            f"{self.n_channels_}; expected shape (T, {self.n_channels_})")
        errors = self.model_.score_steps(windows)
        return windows_to_steps(errors, len(np.asarray(series)), self.window, self.stride)

    def score_steps(self, series) -> np.ndarray:
        """Anomaly score of every time step: :meth:`step_errors` averaged over the ``smooth_`` steps centred on it.

        Parameters
        ----------
        %(long_series)s

        Returns
        -------
        numpy.ndarray of shape (T,)
            Higher = more anomalous.

        Raises
        ------
        %(not_fitted)s
        %(bad_windows)s

        Examples
        --------
        %(fit_series_detector)s
        >>> det.score_steps(series).shape
        (2000,)
        """
        errors = self.step_errors(series)
        return uniform_filter1d(errors, self.smooth_, mode="nearest") if self.smooth_ > 1 else errors

    def predict(self, series) -> np.ndarray:
        """1 for each step whose score is above ``threshold_``, else 0.

        Parameters
        ----------
        %(long_series)s

        Returns
        -------
        numpy.ndarray of int, shape (T,)
            The flags.

        Raises
        ------
        %(not_fitted)s
        %(bad_windows)s

        Examples
        --------
        %(fit_series_detector)s
        >>> det.predict(series).shape
        (2000,)
        """
        return (self.score_steps(series) > self.threshold_).astype(np.int64)

    def segments(self, series) -> list[tuple[int, int]]:
        """Flagged stretches as ``(start, end)`` step ranges (end exclusive).

        Parameters
        ----------
        %(long_series)s

        Returns
        -------
        list of (int, int)
            One pair per run of flagged steps, in order.

        Raises
        ------
        %(not_fitted)s
        %(bad_windows)s

        Examples
        --------
        %(fit_series_detector)s
        >>> all(start < end for start, end in det.segments(series))
        True
        """
        return flagged_segments(self.predict(series))

    # -- files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the detector to one ``.safetensors`` file.

        The file holds its sequence autoencoder, threshold and training scores;
        :func:`aekit.load` gives it back with identical scores and segments.

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
        %(fit_series_detector)s
        >>> import tempfile
        >>> from aekit import load
        >>> same = load(det.save(f"{tempfile.mkdtemp()}/series.safetensors"))
        >>> bool((same.score_steps(series) == det.score_steps(series)).all())
        True
        """
        from aekit.io import save_estimator

        check_is_fitted(self, "model_")
        return save_estimator(self.model_, path, wrapper=self)

    def _saved_params(self) -> dict[str, Any]:
        """Parameters for the model file: a model given as an estimator is
        stored by the file's own model (see :meth:`_restore_wrapped`)."""
        params = self.get_params(deep=False)
        return params if isinstance(self.model, str) else {**params, "model": None}

    def _fitted_state(self) -> dict[str, Any]:
        return {"threshold_": self.threshold_, "train_scores_": self.train_scores_.tolist(),
                "smooth_": self.smooth_, "n_channels_": self.n_channels_}

    def _restore_wrapped(self, estimator, fitted: dict[str, Any]) -> SeriesAnomalyDetector:
        from aekit.estimators.sequence import SequenceEstimator

        scores = np.asarray(fitted["train_scores_"], dtype=np.float64)
        threshold = float(fitted["threshold_"])
        if scores.ndim != 1 or scores.size == 0 or not np.isfinite(scores).all() or not np.isfinite(threshold):
            raise ValueError("the series detector's training scores or threshold are not finite numbers")
        if not isinstance(estimator, SequenceEstimator):
            raise ValueError(f"the file holds {with_article(type(estimator).__name__)}, not a sequence autoencoder")
        if int(fitted["n_channels_"]) != estimator.n_channels_:
            raise ValueError(f"the detector expects {fitted['n_channels_']} channels, its model "
                             f"{estimator.n_channels_}")
        if int(fitted["smooth_"]) < 1:
            raise ValueError(f"smooth_ must be >= 1, got {fitted['smooth_']}")
        if self.model is None:
            self.model = clone(estimator)
        self.model_, self.n_channels_ = estimator, estimator.n_channels_
        self.train_scores_, self.threshold_, self.smooth_ = scores, threshold, int(fitted["smooth_"])
        return self


def _windows(series, window: int, stride: int) -> np.ndarray:
    """Windows (n, window, C) of a long series (T,) or (T, C)."""
    windows = sliding_windows(series, window, stride)
    return windows[..., None] if windows.ndim == 2 else windows


def threshold_of(scores: np.ndarray, rule, contamination: float | None) -> float:
    """The cut-off of a resolved threshold rule for positive, skewed step
    scores: spread rules work on log scores (see the module doc)."""
    if rule not in LOG_SCALE_RULES:
        return compute_threshold(scores, rule, contamination=contamination)
    floor = max(float(np.max(scores)) * 1e-12, np.finfo(np.float64).tiny)
    return float(np.exp(compute_threshold(np.log(np.maximum(scores, floor)), rule)))
