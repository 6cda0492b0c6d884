"""``aekit.VAE``: the variational autoencoder (and beta-VAE), dense or
convolutional, behind a scikit-learn transformer with sampling and
likelihoods."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.data.blocks import is_block_source
from aekit.estimators.base import PREDICT_BATCH, AutoencoderEstimator, tensor_batches
from aekit.estimators.images import ImageInputMixin
from aekit.estimators.params import store_params
from aekit.estimators.sampling import check_n_draws, seed_of
from aekit.exceptions import DataError
from aekit.models import VAEConfig
from aekit._docs import fill_doc

# Rows per importance-sampling pass: k samples of each are decoded in chunks.
LIKELIHOOD_BATCH = 256


@fill_doc
class VAE(ImageInputMixin, AutoencoderEstimator):
    """A variational autoencoder: dense or convolutional, VAE or beta-VAE.

    The encoder gives a diagonal Gaussian q(z | x) (log-variance clamped to
    [-10, 10]), the prior is N(0, I), and training maximises the ELBO
    ``E_q[log p(x | z)] - beta * KL(q || prior)`` with the reparameterisation
    trick. Likelihoods are in nats, on the scaled data.

    Parameters
    ----------
    latent_dim : int or "auto", default="auto"
        As for :class:`aekit.Autoencoder`, at most 16 (``auto_latent_max``).
    architecture : {"dense", "conv"}, default="dense"
        "conv" takes images: (N, H, W), (N, C, H, W), or flat rows with ``image_shape``.
    hidden : tuple of int, default=(256,)
        Dense layers (architecture="dense"); the decoder mirrors them.
    channels : tuple of int, default=(32, 64)
        Conv blocks (architecture="conv").
    batch_norm : bool, default=False
    image_shape : tuple (C, H, W) or (H, W), or None
    activation : str, default="relu"
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        p(x | z). Bernoulli needs data in [0, 1] after scaling (images);
        Gaussian takes any data (tables). "auto" picks Bernoulli when every
        scaled training value lies in [0, 1] (images, or data already in
        [0, 1]; with data read block by block, when the scaling is "minmax"),
        else Gaussian; ``likelihood_`` says which.
    gaussian_variance : {"fixed", "learned"}, default="fixed"
        Fixed std ``sigma``, or one std per feature learned from ``sigma``.
    sigma : float, default=1.0
    beta : float, default=1.0
        Weight of the KL term; > 1 is a beta-VAE (more disentangled, blurrier).
    warmup_epochs : int, default=0
        The KL weight rises linearly from beta/W to beta over the first W epochs.
    free_bits : float, default=0.0
        Minimum KL per latent unit (nats, batch average) charged in training,
        so units are not pushed to the prior early (posterior collapse).
    dynamic_binarization : bool, default=False
        Train on x ~ Bernoulli(pixel), redrawn every batch (Bernoulli only).
    weight_decay, scaling, learning_rate, batch_size, max_epochs,
    validation_fraction, patience, random_state, verbose, checkpoint_dir,
    resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder`. ``random_state`` also seeds the
        Monte-Carlo draws of ``elbo`` / ``score_samples`` (0 when None).

    Attributes
    ----------
    model_ : VAEModel
    image_shape_ : tuple (C, H, W) or None
    likelihood_ : {"bernoulli", "gaussian"}
        The likelihood trained (what "auto" picked); also in ``training_settings_``.
    scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.Autoencoder`; ``history_`` holds the negative
        ELBO (with beta) per epoch.

    Raises
    ------
    %(fit_errors_images)s
    aekit.exceptions.DataError
        Also from ``fit`` with ``likelihood="bernoulli"``: values outside [0, 1] after scaling.
    ValueError
        From ``fit``: ``likelihood`` not one of "auto", "bernoulli", "gaussian".

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import VAE
    >>> X = load_digits().data / 16
    >>> vae = VAE(latent_dim=4, hidden=(64,), max_epochs=3, random_state=0).fit(X)
    >>> vae.transform(X[:2]).shape, vae.sample(5, random_state=0).shape
    ((2, 4), (5, 64))
    >>> bool(vae.log_likelihood(X[:10], n_samples=100).mean() >= vae.elbo(X[:10], n_samples=100).mean())
    True
    >>> from sklearn.datasets import load_breast_cancer
    >>> table = VAE(hidden=(16,), max_epochs=1, random_state=0).fit(load_breast_cancer().data)
    >>> vae.likelihood_, table.likelihood_   # "auto": pixels in [0, 1]; a standardised table
    ('bernoulli', 'gaussian')
    """

    family = "vae"
    auto_latent_max = 16

    def __init__(self, latent_dim="auto", architecture="dense", hidden=(256,), channels=(32, 64), batch_norm=False,
                 image_shape=None, activation="relu", likelihood="auto", gaussian_variance="fixed",
                 sigma=1.0, beta=1.0, warmup_epochs=0, free_bits=0.0, dynamic_binarization=False,
                 weight_decay=0.0, scaling="auto", learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction=0.1, patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _requires_image_shape(self) -> bool:
        return self.architecture == "conv"

    def _model_config(self, n_features: int, scaling: str) -> VAEConfig:
        conv = self.architecture == "conv"
        return VAEConfig(
            input_dim=n_features, latent_dim=self._code_size(n_features), architecture=self.architecture,
            hidden=tuple(self.hidden), activation=self.activation,
            image_shape=self._fit_image_shape if conv else None, channels=tuple(self.channels),
            batch_norm=self.batch_norm, likelihood=self._fit_likelihood or self.likelihood,
            gaussian_variance=self.gaussian_variance,
            sigma=self.sigma, beta=self.beta, warmup_epochs=self.warmup_epochs, free_bits=self.free_bits,
            dynamic_binarization=self.dynamic_binarization)

    _fit_likelihood = None  # the likelihood of the fit in progress (what "auto" picked)

    def _fit_scaled(self, data, scaler, n_features, names):
        rows = data[0] if isinstance(data, tuple) else data  # (rows, one-hot labels) for a conditional model
        self._fit_likelihood = choose_likelihood(self.likelihood, rows, scaler.kind)
        try:
            super()._fit_scaled(data, scaler, n_features, names)
        finally:
            self._fit_likelihood = None
        self.training_settings_["likelihood"] = self.likelihood_
        return self

    @property
    def likelihood_(self) -> str:
        """The likelihood the fitted model was trained with ("bernoulli" or "gaussian"; what "auto" picked)."""
        check_is_fitted(self, "model_")
        return self.model_.config.likelihood

    def _check_scaled(self, X_scaled: np.ndarray, name: str) -> np.ndarray:
        # In fit, before the likelihood is picked: only an explicit Bernoulli one is checked here.
        return check_bernoulli_range(X_scaled, name) if self.likelihood == "bernoulli" else X_scaled

    # -- likelihoods -----------------------------------------------------------------------
    def _scaled(self, X) -> np.ndarray:
        X_scaled = self.scaler_.transform(self._checked(X))
        if self.likelihood_ != "bernoulli":
            return X_scaled
        # New rows of data scaled to [0, 1] in fit step a little outside it (a held-out row
        # beyond the training minimum): clipped. Far outside, they are refused below.
        inside = (X_scaled >= -BERNOULLI_MARGIN) & (X_scaled <= 1 + BERNOULLI_MARGIN)
        X_scaled = np.where(inside, np.clip(X_scaled, 0.0, 1.0), X_scaled).astype(np.float32, copy=False)
        return check_bernoulli_range(X_scaled, "X")

    def _model_input(self, X, y=None):
        """What the model takes for rows X: the scaled rows (a conditional model adds its labels)."""
        return self._scaled(X)

    def _generator(self, random_state) -> torch.Generator:
        return torch.Generator().manual_seed(seed_of(random_state, seed_of(self.random_state)))

    @torch.no_grad()
    def _per_row(self, fn, data, batch: int = PREDICT_BATCH) -> np.ndarray:
        self.model_.eval()
        return torch.cat([fn(b) for b in tensor_batches(data, batch)]).numpy().astype(np.float64)

    def elbo(self, X, n_samples: int = 1, random_state=None) -> np.ndarray:
        """Evidence lower bound per sample, in nats (beta = 1, no free bits).

        Parameters
        ----------
        %(X_rows)s
        n_samples : int, default=1
            Draws z ~ q(z | x) per sample.
        random_state : int or None, default=None
            Seed of the draws (None: the estimator's ``random_state``, or 0), so
            the same call gives the same numbers.

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
            ``E_q[log p(x|z)]`` from ``n_samples`` draws, minus the analytic KL; higher is better.

        Raises
        ------
        %(bad_n_samples)s
        %(not_fitted)s
        %(bad_vae_rows)s

        Examples
        --------
        %(fit_vae)s
        >>> vae.elbo(data.X_test[:5]).shape
        (5,)
        """
        return self._elbo(self._model_input(X), n_samples, random_state)

    def _elbo(self, data, n_samples, random_state) -> np.ndarray:
        return self._monte_carlo_per_row(self.model_.elbo, data, n_samples, random_state)

    def _monte_carlo_per_row(self, model_method, data, n_samples, random_state,
                             batch: int = PREDICT_BATCH) -> np.ndarray:
        """``model_method(batch, n_samples, generator)`` on every batch of ``data``, seeded by ``random_state``."""
        _check_n_samples(n_samples)
        generator = self._generator(random_state)
        return self._per_row(lambda b: model_method(b, n_samples, generator), data, batch)

    def reconstruction_log_prob(self, X, n_samples: int = 10, random_state=None) -> np.ndarray:
        """``E_q[log p(x|z)]`` per sample, in nats, from ``n_samples`` draws z ~ q(z | x).

        Parameters
        ----------
        %(X_rows)s
        n_samples : int, default=10
            Draws z ~ q(z | x) per sample.
        random_state : int or None, default=None
            Seed of the draws (None: the estimator's ``random_state``, or 0), so
            the same call gives the same numbers.

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
            The reconstruction probability of An & Cho (2015) on the log scale: the ELBO without its KL term (low for anomalies).

        Raises
        ------
        %(bad_n_samples)s
        %(not_fitted)s
        %(bad_vae_rows)s

        Examples
        --------
        %(fit_vae)s
        >>> bool((vae.reconstruction_log_prob(data.X_test[:5]) >= vae.elbo(data.X_test[:5], n_samples=10)).all())
        True
        """
        return self._reconstruction_log_prob(self._model_input(X), n_samples, random_state)

    def _reconstruction_log_prob(self, data, n_samples, random_state) -> np.ndarray:
        return self._monte_carlo_per_row(self.model_.reconstruction_log_prob, data, n_samples, random_state)

    def log_likelihood(self, X, n_samples: int = 1000, random_state=None) -> np.ndarray:
        """log p(x) per sample, in nats, by importance sampling (Burda et al. 2016).

        Parameters
        ----------
        %(X_rows)s
        n_samples : int, default=1000
            Draws z ~ q(z | x) per sample.
        random_state : int or None, default=None
            Seed of the draws (None: the estimator's ``random_state``, or 0), so
            the same call gives the same numbers.

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
            The importance-sampled bound: >= the ELBO on average and tighter as ``n_samples`` grows. Memory does not grow with ``n_samples``.

        Raises
        ------
        %(bad_n_samples)s
        %(not_fitted)s
        %(bad_vae_rows)s

        Examples
        --------
        %(fit_vae)s
        >>> vae.log_likelihood(data.X_test[:5], n_samples=100).shape
        (5,)
        """
        return self._log_likelihood(self._model_input(X), n_samples, random_state)

    def _log_likelihood(self, data, n_samples, random_state) -> np.ndarray:
        return self._monte_carlo_per_row(self.model_.importance_log_likelihood, data, n_samples, random_state,
                                         LIKELIHOOD_BATCH)

    def score_samples(self, X) -> np.ndarray:
        """Negative ELBO per sample (nats): high for data the model finds unlikely.

        Parameters
        ----------
        %(X_rows)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            ``-elbo(X)``.

        Raises
        ------
        %(not_fitted)s
        %(bad_vae_rows)s

        Examples
        --------
        %(fit_vae)s
        >>> bool((vae.score_samples(data.X_test[:5]) == -vae.elbo(data.X_test[:5])).all())
        True
        """
        return -self.elbo(X)

    # -- generation ---------------------------------------------------------------------------
    def sample(self, n: int = 1, random_state=None) -> np.ndarray:
        """New rows: means of p(x | z) for z ~ N(0, I), in the training data's units.

        Parameters
        ----------
        %(n_rows)s
        %(random_state_draws)s

        Returns
        -------
        numpy.ndarray of shape (n, n_features_in_)
            The samples (flat rows, also for images).

        Raises
        ------
        %(bad_n)s
        %(not_fitted)s

        Examples
        --------
        %(fit_vae)s
        >>> vae.sample(3, random_state=0).shape
        (3, 64)
        """
        return self._sample(n, random_state)

    def _sample(self, n, random_state, condition=None) -> np.ndarray:
        check_is_fitted(self, "model_")
        check_n_draws(n, self.model_.config.input_dim)
        self.model_.eval()
        X = self.model_.sample(int(n), self._generator(random_state), condition).numpy()
        return self.scaler_.inverse_transform(X.astype(np.float32, copy=False))

    def interpolate(self, x1, x2, steps: int = 10) -> np.ndarray:
        """Rows decoded along the line between the codes of two samples.

        Parameters
        ----------
        x1, x2 : array-like of shape (n_features,)
            One sample each (a row, or one image).
        steps : int, default=10
            Points on the line, both ends included.

        Returns
        -------
        numpy.ndarray of shape (steps, n_features_in_)
            The decoded points, in the training data's units.

        Raises
        ------
        ValueError
            ``steps`` is not an integer >= 2.
        %(not_fitted)s
        %(bad_vae_rows)s

        Examples
        --------
        %(fit_vae)s
        >>> vae.interpolate(data.X_test[0], data.X_test[1], steps=5).shape
        (5, 64)
        """
        return self._interpolate([self._model_input(one_row(x, self)) for x in (x1, x2)], steps)

    def _interpolate(self, ends: list, steps) -> np.ndarray:
        if not isinstance(steps, numbers.Integral) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
        self.model_.eval()
        path = self.model_.interpolate(*(next(tensor_batches(e, 1)) for e in ends), int(steps)).numpy()
        return self.scaler_.inverse_transform(path.astype(np.float32, copy=False))


BERNOULLI_MARGIN = 0.1  # how far outside [0, 1] (after scaling) new rows may be and still be clipped
LIKELIHOODS = ("auto", "bernoulli", "gaussian")


def choose_likelihood(likelihood: str, X_scaled, scaling: str) -> str:
    """The likelihood a VAE trains with: ``likelihood`` itself, or for "auto" Bernoulli when every
    scaled training value lies in [0, 1] (images; data read block by block: when ``scaling`` is
    "minmax"), else Gaussian.

    Parameters
    ----------
    likelihood : {"auto", "bernoulli", "gaussian"}
        The estimator's parameter.
    X_scaled : numpy.ndarray or BlockSource
        The scaled training rows.
    scaling : str
        The scaling fitted on them ("minmax", "standard", "none").

    Returns
    -------
    str
        "bernoulli" or "gaussian".

    Raises
    ------
    ValueError
        ``likelihood`` not one of "auto", "bernoulli", "gaussian".

    Examples
    --------
    >>> import numpy as np
    >>> choose_likelihood("auto", np.array([[0.0, 0.5], [1.0, 0.2]]), "none")
    'bernoulli'
    >>> choose_likelihood("auto", np.array([[-1.2, 0.5], [1.3, 0.2]]), "standard")
    'gaussian'
    >>> choose_likelihood("poisson", np.zeros((2, 2)), "none")
    Traceback (most recent call last):
    ValueError: likelihood must be one of ('auto', 'bernoulli', 'gaussian'), got 'poisson'
    """
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
    if likelihood != "auto":
        return likelihood
    if is_block_source(X_scaled):
        return "bernoulli" if scaling == "minmax" else "gaussian"
    X_scaled = np.asarray(X_scaled)
    inside = X_scaled.size and float(np.nanmin(X_scaled)) >= 0.0 and float(np.nanmax(X_scaled)) <= 1.0
    return "bernoulli" if inside else "gaussian"


def check_bernoulli_range(X_scaled: np.ndarray, name: str) -> np.ndarray:
    """``X_scaled`` if it lies in [0, 1] (what a Bernoulli likelihood takes), else a DataError."""
    low, high = float(X_scaled.min()), float(X_scaled.max())
    if low < 0.0 or high > 1.0:
        raise DataError(
            f"{name} has values in [{low:.4g}, {high:.4g}] after scaling, but likelihood='bernoulli' "
            "needs data in [0, 1] (pixel intensities); scale the data to [0, 1] "
            "(scaling='minmax') or use likelihood='gaussian' (or 'auto', which picks it for such data)")
    return X_scaled


def _check_n_samples(n_samples) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise DataError(f"n_samples must be a positive integer, got {n_samples!r}")


def one_row(x, estimator: VAE) -> np.ndarray:
    """One sample (a flat row or one image) as a batch of one."""
    check_is_fitted(estimator, "model_")
    x = np.asarray(x, dtype=np.float32)
    shape = estimator.image_shape_
    if shape is not None and x.shape in (shape, shape[1:]):
        return x.reshape(1, -1)
    return x.reshape(1, -1) if x.ndim == 1 else x
