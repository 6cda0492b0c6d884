"""Anomalies in one long series: a sequence autoencoder fitted on sliding
windows of normal data, per-time-step scores, a threshold and flagged segments.

Each window's per-step reconstruction errors are mapped back to the steps of
the long series by averaging the windows that cover each step, so a spike at
step t raises the score at t (not over a whole window).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from aekit.data.series import flagged_segments, sliding_windows, windows_to_steps
from aekit.detection.thresholds import compute_threshold
from aekit.exceptions import DataError


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
    threshold : None, "auto", "contamination", "iqr" or float, default=None
        The same rules as :class:`aekit.AnomalyDetector`, applied to the
        per-step scores of the training series. None means "auto" (median +
        3 * 1.4826 * MAD) unless ``contamination`` is given.
    contamination : float or None
        Expected anomaly fraction for the "contamination" rule.
    latent_dim, max_epochs, random_state, verbose :
        Passed to a preset model.

    Attributes
    ----------
    model_ : the fitted sequence estimator
    threshold_ : float
    train_scores_ : numpy.ndarray of shape (T_train,)
    n_channels_ : int

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(2000)
    >>> series = np.sin(2 * np.pi * t / 50)
    >>> det = SeriesAnomalyDetector(window=50, stride=10, max_epochs=2, random_state=0)
    >>> det = det.fit(series[:1500])
    >>> det.score_steps(series).shape
    (2000,)
    """

    def __init__(self, model="conv1d-ae", window=64, stride=8, threshold=None, contamination=None,
                 latent_dim=8, max_epochs=30, random_state=None, verbose=0):
        self.model = model
        self.window = window
        self.stride = stride
        self.threshold = threshold
        self.contamination = contamination
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.verbose = verbose

    def _new_model(self):
        if not isinstance(self.model, str):
            return clone(self.model)
        from aekit.estimators.presets import make_estimator
        return make_estimator(self.model, latent_dim=self.latent_dim, max_epochs=self.max_epochs,
                              random_state=self.random_state, verbose=self.verbose)

    def fit(self, series, y=None):
        """Fit on one long, (mostly) normal series (T,) or (T, C)."""
        windows = sliding_windows(series, self.window, self.stride)
        windows = windows[..., None] if windows.ndim == 2 else windows
        self.model_ = self._new_model().fit(windows)
        self.n_channels_ = windows.shape[2]
        self.train_scores_ = self.score_steps(series)
        self.threshold_ = compute_threshold(self.train_scores_, self.threshold, contamination=self.contamination)
        return self

    def score_steps(self, series) -> np.ndarray:
        """Anomaly score of every time step (T,): the mean over the windows
        covering it of that step's reconstruction error."""
        check_is_fitted(self, "model_")
        windows = sliding_windows(series, self.window, self.stride)
        windows = windows[..., None] if windows.ndim == 2 else windows
        if windows.shape[2] != self.n_channels_:
            raise DataError(f"series has {windows.shape[2]} channels, but the detector was fitted on "
                            f"{self.n_channels_}; expected shape (T, {self.n_channels_})")
        errors = self.model_.score_steps(windows)
        return windows_to_steps(errors, len(np.asarray(series)), self.window, self.stride)

    def predict(self, series) -> np.ndarray:
        """1 for each step whose score is above ``threshold_``, else 0."""
        return (self.score_steps(series) > self.threshold_).astype(np.int64)

    def segments(self, series) -> list[tuple[int, int]]:
        """Flagged stretches as ``(start, end)`` step ranges (end exclusive)."""
        return flagged_segments(self.predict(series))
