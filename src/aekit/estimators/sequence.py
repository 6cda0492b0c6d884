"""``aekit.SequenceAutoencoder``: LSTM / GRU / 1-D conv / self-attention
autoencoders for time series behind a scikit-learn transformer.

Series come as (N, T, C), (N, T) for one channel (or C channels flattened
time-major, given ``n_channels``), or a list of arrays of different
lengths; ``lengths=`` marks the real steps of zero- or NaN-padded rows.
Scaling is per channel, fitted on the real steps of the training series
and stored in the model file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.data import Scaler
from aekit.data.series import check_series
from aekit.estimators.base import AutoencoderEstimator, finite_result
from aekit.estimators.params import store_params
from aekit.estimators.sampling import check_n_draws
from aekit.exceptions import DataError
from aekit.models.sequence import SequenceAutoencoderConfig
from aekit.training import fit_model
from aekit._docs import fill_doc

SERIES_SCALINGS = ("auto", "standard", "none")  # "auto": per-channel standardisation
PREDICT_SERIES = 512  # series per forward pass when predicting


@fill_doc
class SequenceEstimator(AutoencoderEstimator):
    """What the sequence estimators share: series validation, per-channel
    scaling, masked batches and outputs shaped like the input."""

    # -- fitting -------------------------------------------------------------
    def fit(self, X, y=None, lengths=None):
        """Fit on series ``X`` (see the class docstring); ``y`` is ignored.

        Parameters
        ----------
        %(X_series)s
        %(lengths)s
        %(y_ignored)s

        %(returns_self)s

        Raises
        ------
        %(bad_series)s
        aekit.exceptions.TrainingDivergedError
            The loss became NaN or infinite.

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.n_channels_
        1
        """
        X, lengths = check_series(X, lengths, n_channels=self.n_channels, estimator_name=type(self).__name__)
        if self.scaling not in SERIES_SCALINGS:
            raise ValueError(f"scaling must be one of {SERIES_SCALINGS}, got {self.scaling!r}")
        train_cfg = self._train_config()
        train_cfg.validate()
        scaling = "standard" if self.scaling == "auto" else self.scaling
        scaler = Scaler(scaling).fit(X[_real(lengths, X.shape[1])])
        X_scaled = _scale(scaler, X, lengths)
        # the code size looks at whole series: width = steps x channels
        self._fit_latent = self._choose_latent_dim(X_scaled.reshape(len(X), -1), X.shape[1] * X.shape[2],
                                                   train_cfg.seed)
        try:
            model_cfg = self._model_config(X.shape[2], scaling)
        finally:
            self._fit_latent = None
        model_cfg.validate()
        with torch.random.fork_rng():
            torch.manual_seed(train_cfg.seed)
            model = self._model_class()(model_cfg)
        result = fit_model(model, (X_scaled, lengths), train_cfg)
        self.scaler_, self.model_ = scaler, model.eval()
        self.n_features_in_ = self.n_channels_ = X.shape[2]
        self.series_length_ = X.shape[1]
        self._remember_training(result, model_cfg.latent_dim, train_cfg.sized_for(len(X)))
        return self

    def _model_class(self):
        from aekit.models import MODEL_FAMILIES
        return MODEL_FAMILIES[self.family]

    # -- using a fitted model --------------------------------------------------
    def _series(self, X, lengths, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
        """Validated series in scaled units, and their lengths."""
        check_is_fitted(self, "model_")
        X, lengths = check_series(X, lengths, n_channels=self.n_channels_, name=name,
                                  estimator_name=type(self).__name__)
        return _scale(self.scaler_, X, lengths), lengths

    def _model_inputs(self, X, lengths=None) -> tuple[np.ndarray, np.ndarray]:
        """Series scaled, and their lengths: what the model trains on."""
        return self._series(X, lengths)

    @torch.no_grad()
    def _predict(self, fn, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        self.model_.eval()
        parts = []
        for i in range(0, len(X), PREDICT_SERIES):
            rows = lengths[i:i + PREDICT_SERIES]
            x = torch.from_numpy(X[i:i + PREDICT_SERIES, : int(rows.max())])
            parts.append(fn(x, torch.from_numpy(rows)).numpy())
        if parts[0].ndim == 1 or all(p.shape[1:] == parts[0].shape[1:] for p in parts):
            result = np.concatenate(parts).astype(np.float32, copy=False)
        else:
            result = np.concatenate([_pad_steps(p, X.shape[1]) for p in parts]).astype(np.float32, copy=False)
        return finite_result(result, type(self).__name__)

    def transform(self, X, lengths=None) -> np.ndarray:
        """Codes of the series; deterministic (no noise).

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series, latent_dim)
            One code per series.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.transform(X).shape
        (64, 4)
        """
        X, lengths = self._series(X, lengths)
        return self._predict(self.model_.encode, X, lengths)

    def reconstruct(self, X, lengths=None):
        """Reconstructions in the units of the data, shaped like ``X``.

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray or list of numpy.ndarray
            Shaped like ``X`` (a list of arrays for a list input; padded steps are zero).

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.reconstruct(X[:3]).shape
        (3, 40)
        """
        original = X
        X, lengths = self._series(X, lengths)
        X_rec = _pad_steps(self._predict(self.model_, X, lengths), X.shape[1])
        return self._like_input(_unscale(self.scaler_, X_rec, lengths), lengths, original)

    def inverse_transform(self, Z, length: int | None = None) -> np.ndarray:
        """Decode codes into series, in the units of the data.

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)
            Codes, e.g. from :meth:`transform`.
        length : int, optional
            Steps of each series (default: the longest training series).

        Returns
        -------
        numpy.ndarray of shape (n, length, n_channels)
            The decoded series.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            ``Z`` does not have ``latent_dim`` columns.
        ValueError
            ``length`` is not positive.

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.inverse_transform(ae.transform(X[:2]), length=10).shape
        (2, 10, 1)
        """
        check_is_fitted(self, "model_")
        from aekit.data import check_data
        Z = check_data(Z, name="Z", n_features=self.model_.config.latent_dim, estimator_name=type(self).__name__)
        length = self.series_length_ if length is None else int(length)
        if length < 1:
            raise DataError(f"length must be >= 1, got {length}")
        with torch.no_grad():
            X = self.model_.eval().decode(torch.from_numpy(Z), length).numpy()
        return _unscale(self.scaler_, X, np.full(len(Z), length))

    def reconstruction_error(self, X, lengths=None) -> np.ndarray:
        """Per-series reconstruction error: mean squared error over the real steps and channels, in scaled units.

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series,)
            One error per series.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.reconstruction_error(X).shape
        (64,)
        """
        X, lengths = self._series(X, lengths)
        return self._predict(self.model_.reconstruction_error, X, lengths)

    def score_samples(self, X, lengths=None) -> np.ndarray:
        """Anomaly score per series: :meth:`reconstruction_error` (for the VAE: the negative ELBO).

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series,)
            Higher = more anomalous.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_ae)s
        >>> bool((ae.score_samples(X) == ae.reconstruction_error(X)).all())
        True
        """
        return self.reconstruction_error(X, lengths)

    def score_steps(self, X, lengths=None) -> np.ndarray:
        """Per-time-step reconstruction error (mean over channels, scaled units).

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series, T)
            NaN after each series' end.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_ae)s
        >>> ae.score_steps(X[:2]).shape
        (2, 40)
        """
        X, lengths = self._series(X, lengths)
        errors = _pad_steps(self._predict(self.model_.step_errors, X, lengths), X.shape[1])
        errors[~_real(lengths, X.shape[1])] = np.nan
        return errors

    def _like_input(self, X: np.ndarray, lengths: np.ndarray, original) -> Any:
        if isinstance(original, (list, tuple)) and len({np.shape(s)[0] for s in original}) > 1:
            return [x[:n, 0] if np.ndim(s) == 1 else x[:n] for x, n, s in zip(X, lengths, original)]
        return X.reshape(len(X), -1) if np.ndim(original) == 2 else X

    # -- files -------------------------------------------------------------------
    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "series_length_": int(self.series_length_)}

    def _restore(self, model, scaler, fitted):
        super()._restore(model, scaler, fitted)
        self.n_channels_ = self.n_features_in_
        self.series_length_ = int(fitted["series_length_"])
        return self


def _real(lengths: np.ndarray, steps: int) -> np.ndarray:
    return np.arange(steps)[None, :] < lengths[:, None]


def _scale(scaler: Scaler, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per-channel scaling of the real steps; padding stays zero."""
    out = np.zeros_like(X)
    real = _real(lengths, X.shape[1])
    out[real] = scaler.transform(X[real])
    return out


def _unscale(scaler: Scaler, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    out = np.zeros_like(X)
    real = _real(lengths, X.shape[1])
    out[real] = scaler.inverse_transform(X[real])
    return out


def _pad_steps(values: np.ndarray, steps: int) -> np.ndarray:
    """Zero-pad axis 1 of (n, t, ...) to ``steps``."""
    if values.shape[1] == steps:
        return values
    pad = [(0, 0), (0, steps - values.shape[1])] + [(0, 0)] * (values.ndim - 2)
    return np.pad(values, pad)


@fill_doc
class SequenceAutoencoder(SequenceEstimator):
    """An autoencoder for time series with an LSTM, GRU, 1-D convolution or
    self-attention encoder and a matching decoder.

    Parameters
    ----------
    encoder : {"lstm", "gru", "conv1d", "attention"}, default="lstm"
        "attention" is a small Transformer encoder (self-attention with
        sinusoidal positions) averaged over time.
    latent_dim : int or "auto", default="auto"
        Size of the code of each series; "auto" as for
        :class:`aekit.Autoencoder` on the flattened scaled series (width
        steps x channels), at most 16 (``auto_latent_max``).
    hidden : tuple of int, default=(64,)
        Recurrent sizes / convolution channels per layer; for "attention"
        ``hidden[0]`` is the width and ``len(hidden)`` the number of layers.
    kernel_size : int, default=5
        Width of the 1-D convolutions (odd).
    n_heads : int, default=4
        Attention heads (must divide ``hidden[0]``).
    activation : str, default="relu"
        Activation of the convolution layers.
    noise : {None, "gaussian", "masking", "salt_pepper"}, default=None
        Denoising: corruption of the (scaled) inputs while training.
    noise_level : float, default=0.0
    weight_decay : float, default=0.0
        L2 weight decay.
    scaling : {"standard", "auto", "none"}, default="standard"
        Per-channel standardisation fitted on the training series' real steps
        ("auto" is the same: what `aekit train` asks every family for).
    n_channels : int or None, default=None
        Channels of 2-D input flattened time-major, ``X.reshape(n, T * C)``;
        None reads 2-D input as one channel.
    learning_rate, batch_size, max_epochs, validation_fraction, patience :
        Training settings (Adam, early stopping on the validation loss).
        ``"auto"`` (the default of batch_size, max_epochs and patience) counts
        training in optimiser steps, as for :class:`aekit.Autoencoder`:
        batches of training series / 20 in [16, 128], enough epochs for
        about 4,000 steps (50 to 500), patience of 500 steps. A UCR training
        split of 30 series thus gets 500 epochs of 2 steps, not 50 epochs.
    random_state : int or None
    verbose : int, default=0
    checkpoint_dir, resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder`.

    Attributes
    ----------
    model_ : aekit.models.SequenceAutoencoderModel
    scaler_ : aekit.data.Scaler
        Per-channel statistics.
    n_channels_, n_features_in_ : int
        Channels per time step.
    series_length_ : int
        Longest training series (the default length of ``inverse_transform``).
    history_ : pandas.DataFrame
    best_epoch_, n_epochs_ : int
    stopped_early_ : bool

    Raises
    ------
    %(bad_param)s
    aekit.exceptions.DataError
        NaN or inf inside a series, NaN padding without ``lengths``, a ragged
        table without a length column, or another channel count than in ``fit``.
    %(diverged)s

    Examples
    --------
    %(fit_sequence_ae)s
    >>> ae.transform(X[:3]).shape, ae.reconstruct(X[:3]).shape
    ((3, 4), (3, 40))
    """

    family = "sequence"
    auto_latent_max = 16

    def __init__(self, encoder="lstm", latent_dim="auto", hidden=(64,), kernel_size=5, n_heads=4,
                 activation="relu", noise=None, noise_level=0.0, weight_decay=0.0, scaling="standard",
                 n_channels=None, learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction=0.1, patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_channels: int, scaling: str) -> SequenceAutoencoderConfig:
        hidden = (self.hidden,) if isinstance(self.hidden, int) else tuple(self.hidden)
        return SequenceAutoencoderConfig(
            n_channels=n_channels, latent_dim=self._code_size(n_channels), encoder=self.encoder, hidden=hidden,
            kernel_size=self.kernel_size, n_heads=self.n_heads, activation=self.activation,
            noise=self.noise, noise_level=self.noise_level)


@fill_doc
class SequenceVAE(SequenceAutoencoder):
    """A variational autoencoder for time series: the encoders of
    :class:`SequenceAutoencoder` give a Gaussian posterior q(z | x) (the shared
    machinery of :mod:`aekit.models.latent`), the decoder a Gaussian p(x | z)
    per step and channel of the standardised series.

    Parameters
    ----------
    encoder, latent_dim, hidden, kernel_size, n_heads, activation, noise, noise_level :
        As for :class:`SequenceAutoencoder`.
    beta : float, default=1.0
        Weight of the KL term (> 1: beta-VAE).
    warmup_epochs : int, default=0
        The KL weight ramps up linearly over these first epochs.
    free_bits : float, default=0.0
        Minimum KL per latent unit charged in training (nats).
    gaussian_variance : {"fixed", "learned"}, default="learned"
        One std per channel, fixed at ``sigma`` or learned from it.
    sigma : float, default=1.0
    weight_decay, scaling, n_channels, learning_rate, batch_size, max_epochs,
    validation_fraction, patience, random_state, verbose, checkpoint_dir, resume, log_dir,
    accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`SequenceAutoencoder`.

    Attributes
    ----------
    model_ : aekit.models.SequenceVAEModel
        The fitted model; the other fitted attributes are those of
        :class:`SequenceAutoencoder`.

    Raises
    ------
    %(bad_param)s
    aekit.exceptions.DataError
        NaN or inf inside a series, NaN padding without ``lengths``, a ragged
        table without a length column, or another channel count than in ``fit``.
    %(diverged)s

    Examples
    --------
    %(fit_sequence_vae)s
    >>> vae.sample(3, length=50, random_state=0).shape
    (3, 50, 1)
    """

    family = "sequence-vae"

    def __init__(self, encoder="lstm", latent_dim="auto", hidden=(64,), kernel_size=5, n_heads=4,
                 activation="relu", noise=None, noise_level=0.0, beta=1.0, warmup_epochs=0, free_bits=0.0,
                 gaussian_variance="learned", sigma=1.0, weight_decay=0.0, scaling="standard",
                 n_channels=None, learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction=0.1, patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        super().__init__(encoder, latent_dim, hidden, kernel_size, n_heads, activation, noise, noise_level,
                         weight_decay, scaling, n_channels, learning_rate, batch_size, max_epochs,
                         validation_fraction, patience, random_state, verbose, checkpoint_dir, resume, log_dir,
                         accelerator, devices, num_nodes, strategy, precision, num_threads)
        self.beta = beta
        self.warmup_epochs = warmup_epochs
        self.free_bits = free_bits
        self.gaussian_variance = gaussian_variance
        self.sigma = sigma

    def _model_config(self, n_channels: int, scaling: str):
        from aekit.models import SequenceVAEConfig

        base = super()._model_config(n_channels, scaling).to_dict()
        return SequenceVAEConfig(**base, beta=self.beta, warmup_epochs=self.warmup_epochs,
                                 free_bits=self.free_bits, gaussian_variance=self.gaussian_variance,
                                 sigma=self.sigma)

    def elbo(self, X, lengths=None) -> np.ndarray:
        """ELBO per series in nats (on the scaled series; one seeded posterior draw).

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series,)
            Higher = more likely.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_vae)s
        >>> vae.elbo(X[:3]).shape
        (3,)
        """
        return -self.score_samples(X, lengths)

    def score_samples(self, X, lengths=None) -> np.ndarray:
        """Negative ELBO per series (nats): higher = more anomalous.

        Parameters
        ----------
        %(X_series)s
        %(lengths)s

        Returns
        -------
        numpy.ndarray of shape (n_series,)
            ``-elbo(X)``.

        Raises
        ------
        %(not_fitted)s
        %(bad_series)s

        Examples
        --------
        %(fit_sequence_vae)s
        >>> bool((vae.score_samples(X[:3]) == -vae.elbo(X[:3])).all())
        True
        """
        X, lengths = self._series(X, lengths)
        return self._predict(self.model_.negative_elbo, X, lengths)

    def sample(self, n: int = 1, length: int | None = None, random_state=None) -> np.ndarray:
        """New series decoded from z ~ N(0, I), in the units of the data.

        Parameters
        ----------
        n : int, default=1
            How many series.
        length : int, optional
            Steps of each series (default: the training length).
        %(random_state_draws)s

        Returns
        -------
        numpy.ndarray of shape (n, length, n_channels)
            The series.

        Raises
        ------
        %(not_fitted)s
        ValueError
            ``n`` is below 1.

        Examples
        --------
        %(fit_sequence_vae)s
        >>> vae.sample(3, length=50, random_state=0).shape
        (3, 50, 1)
        """
        check_is_fitted(self, "model_")
        steps = self.series_length_ if length is None else length
        check_n_draws(n, (steps if isinstance(steps, int) and steps > 0 else 1) * self.model_.config.n_channels)
        seed = random_state if isinstance(random_state, int) else 0
        z = torch.randn((int(n), self.model_.config.latent_dim), generator=torch.Generator().manual_seed(seed))
        return self.inverse_transform(z.numpy(), length)
