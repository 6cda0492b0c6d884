"""``aekit.AdversarialAutoencoder``: an autoencoder whose codes are matched to a
prior by a discriminator (Makhzani et al. 2016), so that decoding prior
samples generates new data."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.images import ImageInputMixin
from aekit.estimators.labels import ClassLabelsMixin
from aekit.estimators.params import store_params
from aekit.estimators.sampling import check_n_draws, seed_of
from aekit.models.aae import AdversarialAutoencoderConfig
from aekit._docs import fill_doc

DEFAULT_COMPONENTS = 10  # mixture components when no labels say how many


@fill_doc
class AdversarialAutoencoder(ClassLabelsMixin, ImageInputMixin, Autoencoder):
    """An adversarial autoencoder (AAE): a deterministic encoder, a decoder, and a
    discriminator on the code that makes the codes look like prior samples.

    Training alternates, on every batch, a reconstruction phase (encoder and
    decoder), a discriminator phase (prior samples vs codes) and a generator
    phase (the encoder fools the discriminator), each with its own Adam
    optimiser. ``sample(n)`` decodes prior samples.

    With ``prior="mixture"`` and labels (``fit(X, y)``), class i is matched to
    mixture component i (the discriminator sees the one-hot label, Makhzani et
    al.'s figure 6), so ``sample(n, y=c)`` generates class c; the mixture then
    needs at least as many components as classes. Without labels ``y`` is
    ignored.

    Parameters
    ----------
    latent_dim : int or "auto", default="auto"
        As for :class:`aekit.Autoencoder`, at most 8 (``auto_latent_max``).
    architecture : {"dense", "conv"}, default="dense"
    hidden : tuple of int, default=(256,)
        Dense layers (architecture="dense"); the decoder mirrors them.
    channels : tuple of int, default=(32, 64)
        Conv blocks (architecture="conv").
    batch_norm : bool, default=False
    image_shape : tuple (C, H, W) or (H, W), or None
    prior : {"gaussian", "mixture"}, default="gaussian"
        N(0, I), or a mixture of Gaussians with means at ``component_radius``
        on the code axes (component k at +radius on axis k, then -radius), or
        on a circle in the first two code dimensions when there are more than
        2 * latent_dim components.
    n_components : int or None, default=None
        Mixture components; None: one per class when labels are given, else 10.
    component_radius : float, default=4.0
    component_std : float, default=0.5
        Standard deviation of each mixture component, in every dimension.
    discriminator_hidden : tuple of int, default=(256, 256)
        Hidden layers of the discriminator (leaky ReLU).
    linear_path : bool or "auto", default="auto"
        As for :class:`aekit.Autoencoder`, with the PCA start *whitened*: its
        codes have mean 0 and unit variance, the first two moments of the
        N(0, I) prior, and it reconstructs as PCA does. Training (the three
        phases) starts there; as for the autoencoder, the start is kept when
        training never lowers the validation reconstruction loss below it
        (``best_epoch_ == 0``, with a ``StartKeptWarning``). "auto": on for
        the dense architecture with a linear output (tables) and the Gaussian
        prior without labels; off for images, the conv architecture and the
        mixture prior (whose components PCA's codes do not match).
    activation, output_activation, loss, noise, noise_level, weight_decay,
    scaling, learning_rate, batch_size, max_epochs, validation_fraction,
    patience, random_state, verbose, checkpoint_dir, resume, log_dir,
    accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder` (weight decay applies to the
        autoencoder's optimiser only). Early stopping watches the
        reconstruction loss.

    Attributes
    ----------
    classes_ : ndarray or None
        Class labels the mixture components stand for (None without labels).
    model_ : AdversarialAutoencoderModel
    image_shape_, scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.ConvAutoencoder`; ``history_`` holds the
        reconstruction loss per epoch.

    Raises
    ------
    %(fit_errors)s
    aekit.exceptions.DataError
        A mixture prior with fewer components than classes, or a label never seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import AdversarialAutoencoder
    >>> digits = load_digits()
    >>> aae = AdversarialAutoencoder(latent_dim=2, hidden=(64,), prior="mixture", max_epochs=2, random_state=0)
    >>> aae = aae.fit(digits.data / 16, digits.target)
    >>> aae.transform(digits.data[:3] / 16).shape, aae.sample(4, y=7, random_state=0).shape
    ((3, 2), (4, 64))
    """

    family = "aae"
    auto_latent_max = 8
    # Autoencoder options that do not apply here (not parameters of this class)
    tied, latent_activation, sparsity, contractive_weight = False, "identity", None, 0.0
    sparsity_weight, sparsity_target = 1e-3, 0.05

    def __init__(self, latent_dim="auto", architecture="dense", hidden=(256,), channels=(32, 64), batch_norm=False,
                 image_shape=None, prior="gaussian", n_components=None, component_radius=4.0, component_std=0.5,
                 discriminator_hidden=(256, 256), linear_path="auto", activation="relu", output_activation="auto",
                 loss="mse", noise=None, noise_level=0.0, weight_decay=0.0, scaling="auto", learning_rate=1e-3,
                 batch_size="auto", max_epochs="auto", validation_fraction="auto", patience="auto", random_state=None,
                 verbose=0, checkpoint_dir=None, resume=False, log_dir=None, accelerator="auto", devices=1,
                 num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _requires_image_shape(self) -> bool:
        return self.architecture == "conv"

    def _needs_labels(self, y) -> bool:
        return self.prior == "mixture" and y is not None

    def _linear_path(self, output_activation: str) -> bool:
        """"auto": the whitened PCA start for a dense model of a table with the Gaussian prior, no labels."""
        if isinstance(self.linear_path, str) and self.linear_path == "auto":
            return (self.architecture == "dense" and output_activation == "identity" and self.prior == "gaussian"
                    and self._fit_classes is None)
        return super()._linear_path(output_activation)

    def _linear_path_scale(self, pca) -> np.ndarray:
        """Whitened: each code unit divided by its component's standard deviation (the prior's unit variance)."""
        return np.sqrt(np.maximum(pca.explained_variance_, np.finfo(np.float32).tiny))

    def _start_description(self) -> str:
        return f"its whitened PCA start (PCA with {self.latent_dim_} components, codes of unit variance)"

    def _model_config(self, n_features: int, scaling: str) -> AdversarialAutoencoderConfig:
        dense = super()._model_config(n_features, scaling)
        n_classes = 0 if self._fit_classes is None else len(self._fit_classes)
        conv = self.architecture == "conv"
        return AdversarialAutoencoderConfig(
            **dataclasses.asdict(dense), architecture=self.architecture,
            image_shape=self._fit_image_shape if conv else None, channels=tuple(self.channels),
            batch_norm=self.batch_norm, prior=self.prior,
            n_components=self.n_components or n_classes or DEFAULT_COMPONENTS,
            component_radius=self.component_radius, component_std=self.component_std, n_classes=n_classes,
            discriminator_hidden=tuple(self.discriminator_hidden))

    def sample(self, n: int = 1, y=None, random_state=None) -> np.ndarray:
        """New rows decoded from prior samples, in the training data's units.

        Parameters
        ----------
        %(n_rows)s
        y : label, array-like of labels, or None, default=None
            For a model fitted with labels: the class of each sample, one for all
            or one per row; with ``None`` the classes take turns. Without labels
            the mixture's components are drawn uniformly (and ``y`` must be None).
        %(random_state_draws)s

        Returns
        -------
        %(samples)s

        Raises
        ------
        %(bad_n)s
        aekit.exceptions.DataError
            ``y`` given to a model fitted without labels, or a label not seen in ``fit``.
        %(not_fitted)s

        Examples
        --------
        >>> from aekit import AdversarialAutoencoder
        >>> from aekit.data import load_dataset
        >>> data = load_dataset("digits")
        >>> aae = AdversarialAutoencoder(latent_dim=4, prior="mixture", max_epochs=2,
        ...                              random_state=0).fit(data.X_train, data.y_train)
        >>> aae.sample(4, y=3, random_state=0).shape
        (4, 64)
        """
        check_is_fitted(self, "model_")
        check_n_draws(n, self.model_.config.input_dim)
        components = None
        if self.classes_ is not None:
            labels = np.resize(self.classes_, int(n)) if y is None else y
            components = torch.from_numpy(self.onehot(labels, int(n), "sample").argmax(axis=1))
        elif y is not None:
            self.onehot(y, int(n), "sample")  # explains that this model has no classes
        generator = torch.Generator().manual_seed(seed_of(random_state, seed_of(self.random_state)))
        codes = self.model_.sample_prior(int(n), components, generator)
        return self.inverse_transform(codes.numpy())
