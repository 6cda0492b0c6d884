"""``aekit.ConditionalVAE``: a VAE conditioned on class labels, dense or
convolutional; it generates the classes asked for."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.estimators.labels import ClassLabelsMixin
from aekit.estimators.params import store_params
from aekit.estimators.sampling import check_n_draws
from aekit.estimators.vae import VAE, one_row
from aekit.models.cvae import ConditionalVAEConfig
from aekit._docs import fill_doc


@fill_doc
class ConditionalVAE(ClassLabelsMixin, VAE):
    """A conditional variational autoencoder (Sohn et al. 2015).

    The class label, one-hot encoded, is an input of both the encoder
    (q(z | x, y)) and the decoder (p(x | z, y)); so the code holds what the
    label does not (style, thickness, slant), and ``sample(n, y=c)`` draws
    new examples of class c. Every method that looks at data takes the labels
    too: ``transform(X, y)``, ``reconstruct(X, y)``, ``elbo(X, y)``,
    ``log_likelihood(X, y)``, ``reconstruction_log_prob(X, y)``,
    ``score_samples(X, y)``. A label never seen in ``fit``, or labels
    missing, is one clear error.

    Parameters
    ----------
    beta : float, default=3.0
        Weight of the KL term. 3, not the textbook CVAE's 1: chosen from 1,
        2, 3 and 4 on a validation split of Fashion-MNIST's training images
        by the class accuracy of conditional samples (0.827, 0.889, 0.894,
        0.896; the smallest within 0.005 of the best), at a lower Fréchet
        distance than 1 (docs/benchmarks/generative-sampling.md). Pass
        ``beta=1`` for the standard ELBO.
    latent_dim, architecture, hidden, channels, batch_norm, image_shape,
    activation, likelihood, gaussian_variance, sigma, warmup_epochs,
    free_bits, dynamic_binarization, weight_decay, scaling, learning_rate,
    batch_size, max_epochs, validation_fraction, patience, random_state,
    verbose, checkpoint_dir, resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.VAE`. With ``architecture="conv"`` the label
        joins the flattened conv features (encoder) and the code (decoder).

    Attributes
    ----------
    classes_ : ndarray
        The sorted class labels seen in ``fit`` (stored in the model file).
    model_ : ConditionalVAEModel
    image_shape_, scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.VAE`.

    Raises
    ------
    %(fit_errors_images)s
    aekit.exceptions.DataError
        From ``fit`` with ``likelihood="bernoulli"``: values outside [0, 1] after scaling.
    aekit.exceptions.DataError
        Labels missing where the model needs them, or never seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import ConditionalVAE
    >>> digits = load_digits()
    >>> cvae = ConditionalVAE(latent_dim=4, hidden=(64,), max_epochs=3, random_state=0)
    >>> cvae = cvae.fit(digits.data / 16, digits.target)
    >>> cvae.sample(5, y=3, random_state=0).shape, cvae.classes_.tolist()[:3]
    ((5, 64), [0, 1, 2])
    >>> cvae.transform(digits.data[:2] / 16, digits.target[:2]).shape
    (2, 4)
    """

    family = "cvae"
    conditional = True

    def __init__(self, latent_dim="auto", architecture="dense", hidden=(256,), channels=(32, 64), batch_norm=False,
                 image_shape=None, activation="relu", likelihood="auto", gaussian_variance="fixed",
                 sigma=1.0, beta=3.0, warmup_epochs=0, free_bits=0.0, dynamic_binarization=False,
                 weight_decay=0.0, scaling="auto", learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction=0.1, patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_features: int, scaling: str) -> ConditionalVAEConfig:
        vae = super()._model_config(n_features, scaling)
        return ConditionalVAEConfig(**vae.to_dict(), n_classes=len(self._fit_classes))

    def _model_input(self, X, y=None, what: str = "this"):
        X = self._scaled(X)
        return X, self.onehot(y, len(X), what)

    # -- the VAE's API, with labels ---------------------------------------------------------
    def fit_transform(self, X, y=None, **fit_params):
        """Fit on ``X`` and its labels, then return the codes of ``X``.

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s
        **fit_params
            Passed to ``fit``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim)
            Posterior means.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.fit_transform(data.X_train, data.y_train).shape
        (1437, 4)
        """
        return self.fit(X, y, **fit_params).transform(X, y)

    def transform(self, X, y=None) -> np.ndarray:
        """Posterior means of q(z | x, y).

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim)
            The codes.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.transform(data.X_test, data.y_test).shape
        (360, 4)
        """
        return self._batched(self.model_.encode, self._model_input(X, y, "transform"))

    def reconstruct(self, X, y=None) -> np.ndarray:
        """Decode the posterior means with the same labels, in the training data's units.

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_in_)
            The reconstructions.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.reconstruct(data.X_test, data.y_test).shape
        (360, 64)
        """
        return self._unscaled(self._batched(self.model_, self._model_input(X, y, "reconstruct")))

    def inverse_transform(self, Z, y=None) -> np.ndarray:
        """Decode codes ``Z`` as examples of the classes ``y``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, latent_dim)
            Codes.
        y : array-like of shape (n_samples,)
            The class each code is decoded as.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_in_)
            The decoded rows.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.inverse_transform(cvae.transform(data.X_test, data.y_test), data.y_test).shape
        (360, 64)
        """
        Z = self._checked(Z, name="Z", n_features=self.model_.config.latent_dim)
        labels = self.onehot(y, len(Z), "inverse_transform")
        return self._unscaled(self._batched(lambda b: self.model_.decode(b[0], b), (Z, labels)))

    def elbo(self, X, y=None, n_samples: int = 1, random_state=None) -> np.ndarray:
        """ELBO of log p(x | y) per sample, in nats (see :meth:`aekit.VAE.elbo`).

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s
        n_samples : int, default=1
            Draws z ~ q(z | x, y) per sample.
        %(random_state_draws)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            Higher is better.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s
        %(bad_n_samples)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.elbo(data.X_test[:5], data.y_test[:5]).shape
        (5,)
        """
        return self._elbo(self._model_input(X, y, "elbo"), n_samples, random_state)

    def log_likelihood(self, X, y=None, n_samples: int = 1000, random_state=None) -> np.ndarray:
        """log p(x | y) per sample by importance sampling (see :meth:`aekit.VAE.log_likelihood`).

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s
        n_samples : int, default=1000
            Draws z ~ q(z | x, y) per sample.
        %(random_state_draws)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            In nats.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s
        %(bad_n_samples)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.log_likelihood(data.X_test[:5], data.y_test[:5], n_samples=50).shape
        (5,)
        """
        return self._log_likelihood(self._model_input(X, y, "log_likelihood"), n_samples, random_state)

    def reconstruction_log_prob(self, X, y=None, n_samples: int = 10, random_state=None) -> np.ndarray:
        """``E_q[log p(x | z, y)]`` per sample (see :meth:`aekit.VAE.reconstruction_log_prob`).

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s
        n_samples : int, default=10
            Draws z ~ q(z | x, y) per sample.
        %(random_state_draws)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            In nats; low for anomalies.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s
        %(bad_n_samples)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.reconstruction_log_prob(data.X_test[:5], data.y_test[:5]).shape
        (5,)
        """
        return self._reconstruction_log_prob(self._model_input(X, y, "reconstruction_log_prob"), n_samples,
                                             random_state)

    def score_samples(self, X, y=None) -> np.ndarray:
        """Negative ELBO per sample given its label (nats): high for unlikely data.

        Parameters
        ----------
        %(X_rows)s
        %(y_conditions)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            ``-elbo(X, y)``.

        Raises
        ------
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.score_samples(data.X_test[:5], data.y_test[:5]).shape
        (5,)
        """
        return -self.elbo(X, y)

    def sample(self, n: int = 1, y=None, random_state=None) -> np.ndarray:
        """New rows of the classes ``y``, in the training data's units.

        Parameters
        ----------
        %(n_rows)s
        y : label, array-like of labels, or None, default=None
            One label for all rows, or one per row; with ``None`` the classes take
            turns (``classes_`` repeated), so a grid of n samples shows every class.
        %(random_state_draws)s

        Returns
        -------
        %(samples)s

        Raises
        ------
        %(bad_n)s
        %(not_fitted)s
        aekit.exceptions.DataError
            A label never seen in ``fit``, or as many labels as rows expected.

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.sample(10, y=7, random_state=0).shape
        (10, 64)
        """
        check_is_fitted(self, "model_")
        check_n_draws(n, self.model_.config.input_dim)
        if y is None:
            y = np.resize(self.classes_, int(n))
        labels = self.onehot(y, int(n), "sample")
        return self._sample(n, random_state, condition=(None, torch.from_numpy(labels)))

    def interpolate(self, x1, x2, steps: int = 10, y=None) -> np.ndarray:
        """Rows decoded along the line between the codes of x1 and x2, all as class ``y``.

        Parameters
        ----------
        x1, x2 : array-like of shape (n_features,)
            One sample each.
        steps : int, default=10
            Points on the line, both ends included.
        y : label
            The class every point is encoded and decoded as.

        Returns
        -------
        numpy.ndarray of shape (steps, n_features_in_)
            The decoded points.

        Raises
        ------
        ValueError
            ``steps`` is not an integer >= 2.
        %(not_fitted)s
        %(bad_conditions)s

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.interpolate(data.X_test[0], data.X_test[1], steps=4, y=3).shape
        (4, 64)
        """
        return self._interpolate([self._model_input(one_row(x, self), None if y is None else [y], "interpolate") for x in (x1, x2)],
                                 steps)
