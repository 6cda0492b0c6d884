"""``aekit.MarginalizedDenoisingAutoencoder``: mSDA behind a scikit-learn
transformer. Fitted in closed form (no training loop); accepts dense arrays
and scipy sparse matrices (bag-of-words)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.data import Scaler, feature_names_of
from aekit.data.tabular import fit_preprocessing
from aekit.estimators.base import PREDICT_BATCH, SCALINGS, AutoencoderEstimator
from aekit.estimators.params import store_params
from aekit.exceptions import DataError
from aekit.models import MSDA, MSDAConfig
from aekit._docs import fill_doc


def check_sparse(X, n_features: int | None, estimator_name: str) -> scipy.sparse.csr_matrix:
    """A finite, non-empty 2-D scipy sparse matrix as float64 CSR."""
    X = scipy.sparse.csr_matrix(X)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"X has shape {X.shape}; expected at least one row and one column")
    if np.iscomplexobj(X.data) or X.dtype.kind not in "biuf":
        raise DataError(f"X has dtype {X.dtype}; expected real numbers")
    X = X.astype(np.float64)
    if not np.isfinite(X.data).all():
        raise DataError("X contains NaN or infinity; expected finite numbers (no NaN or inf)")
    if n_features is not None and X.shape[1] != n_features:
        raise DataError(f"X has {X.shape[1]} features, but {estimator_name} is expecting {n_features} "
                        "features as input.")
    return X


@fill_doc
class MarginalizedDenoisingAutoencoder(AutoencoderEstimator):
    """Marginalized stacked denoising autoencoder (mSDA; Chen et al., ICML 2012).

    Each layer is the linear map that best reconstructs the input from
    copies of it with each feature masked (set to 0) with probability
    ``noise_level``, with the expectation over all such corruptions taken
    in closed form: ``W = P Q^-1`` (float64, a linear solve with a small
    ridge on Q's diagonal). The layer's codes are ``activation(W [x; 1])``;
    the next layer is solved on them. Fitting is one pass over the data and
    a (d + 1) x (d + 1) solve per layer.

    Parameters
    ----------
    n_layers : int, default=3
        Number of stacked mDA layers (each as wide as the input).
    noise_level : float, default=0.5
        Masking probability p, in [0, 1). p = 0 gives the least-squares
        reconstruction.
    ridge : float, default=1e-5
        Added to Q's diagonal (not the bias entry) for a stable solve.
    activation : str, default="tanh"
        Nonlinearity applied to each layer's output.
    output : {"concat", "top"}, default="concat"
        ``transform`` returns the input and every layer's codes side by side
        (as in the paper), or only the top layer's codes.
    scaling : {"auto", "minmax", "standard", "none"}, default="auto"
        As in :class:`aekit.Autoencoder` for dense input. Sparse input is
        used as it is (``"auto"`` or ``"none"`` only), so it stays sparse.

    Attributes
    ----------
    model_ : aekit.models.MSDA
        Its ``weights[k]`` is layer k's W, shape (d, d + 1), bias last.
    scaler_ : aekit.data.Scaler
    n_features_in_ : int
    history_ : pandas.DataFrame
        Empty: there are no epochs.
    best_epoch_, n_epochs_ : int
        0.

    Raises
    ------
    %(bad_param)s
    NotImplementedError
        From ``inverse_transform``: always (the codes of an mSDA are not decoded).
    %(bad_data)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import MarginalizedDenoisingAutoencoder
    >>> X = load_digits().data / 16
    >>> msda = MarginalizedDenoisingAutoencoder(n_layers=2, noise_level=0.3).fit(X)
    >>> msda.transform(X[:3]).shape
    (3, 192)
    """

    family = "msda"

    def __init__(self, n_layers=3, noise_level=0.5, ridge=1e-5, activation="tanh", output="concat",
                 scaling="auto"):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _model_config(self, n_features: int, scaling: str) -> MSDAConfig:
        return MSDAConfig(input_dim=n_features, n_layers=self.n_layers, noise_level=self.noise_level,
                          ridge=self.ridge, activation=self.activation, output=self.output)

    def fit(self, X, y=None):
        """Solve every layer on ``X`` in closed form; ``y`` is ignored.

        Parameters
        ----------
        X : array-like, scipy sparse matrix or DataFrame, shape (n_samples, n_features)
            Training rows; sparse input (bag-of-words) stays sparse for the
            d x d statistics.
        y : None
            Ignored.

        %(returns_self)s

        Raises
        ------
        ValueError
            A parameter outside its allowed values.
        aekit.exceptions.DataError
            Empty or non-numeric data, NaN or infinite values.

        Examples
        --------
        %(fit_msda)s
        >>> msda.n_features_in_
        64
        """
        names = feature_names_of(X)
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        if scipy.sparse.issparse(X):
            if self.scaling not in ("auto", "none"):
                raise ValueError(f"sparse X is used unscaled (scaling='auto' or 'none'), got scaling={self.scaling!r}")
            X = check_sparse(X, None, type(self).__name__)
            # Scaling "none" ignores the data; a zero row gives it the width.
            scaler = Scaler("none").fit(np.zeros((1, X.shape[1])))
        else:
            scaler, X = fit_preprocessing(X, self.scaling, type(self).__name__, copy=False)  # only read
        config = self._model_config(X.shape[1], scaler.kind)
        config.validate()
        self.model_ = MSDA(config).fit_closed_form(X).eval()
        self.scaler_ = scaler
        self._remember_input(getattr(scaler, "n_features_in_", X.shape[1]), names)
        self.history_ = pd.DataFrame({"epoch": [], "train_loss": []})
        self.best_epoch_ = self.n_epochs_ = 0
        self.stopped_early_ = False
        return self

    @torch.no_grad()
    def _apply(self, fn, X) -> np.ndarray:
        """``fn`` on scaled rows of X; sparse X is densified one batch at a time."""
        if not scipy.sparse.issparse(X):
            return self._batched(fn, self.scaler_.transform(self._checked(X)))
        check_is_fitted(self, "model_")
        X = check_sparse(X, self.n_features_in_, type(self).__name__)
        parts = [fn(torch.from_numpy(X[i:i + PREDICT_BATCH].toarray().astype(np.float32))).numpy()
                 for i in range(0, X.shape[0], PREDICT_BATCH)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def transform(self, X) -> np.ndarray:
        """Codes of ``X``: the input and every layer's tanh codes side by side, or the top layer's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) scipy sparse matrix or DataFrame
            Rows with the features seen in ``fit``.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples, n_features * (n_layers + 1)) for ``output="concat"``,
            else (n_samples, n_features).

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_msda)s
        >>> msda.transform(data.X_test).shape
        (360, 192)
        """
        return self._apply(self.model_.encode, X)

    def reconstruct(self, X) -> np.ndarray:
        """The first layer's denoised reconstruction, in the units of the training data.

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_in_)
            The reconstructions.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_msda)s
        >>> msda.reconstruct(data.X_test).shape
        (360, 64)
        """
        return self._unscaled(self._apply(self.model_, X))

    def score_samples(self, X) -> np.ndarray:
        """Per-sample mean squared error of the first layer's reconstruction (scaled units).

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            One error per row.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_msda)s
        >>> msda.score_samples(data.X_test).shape
        (360,)
        """
        return self._apply(self.model_.reconstruction_error, X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Not available: mSDA codes are not decoded back to inputs.

        Parameters
        ----------
        Z : array-like
            Ignored.

        Returns
        -------
        numpy.ndarray
            Never returns.

        Raises
        ------
        NotImplementedError
            Always; use :meth:`reconstruct` for the first layer's denoised reconstruction.

        Examples
        --------
        %(fit_msda)s
        >>> msda.inverse_transform(msda.transform(data.X_test))
        Traceback (most recent call last):
            ...
        NotImplementedError: mSDA codes are not decoded back to inputs; use reconstruct(X) for the first layer's denoised reconstruction
        """
        raise NotImplementedError("mSDA codes are not decoded back to inputs; use reconstruct(X) for the "
                                  "first layer's denoised reconstruction")

