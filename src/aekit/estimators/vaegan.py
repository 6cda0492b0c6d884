"""``aekit.VAEGAN``: a VAE whose decoder is also a GAN's generator, with the
reconstruction measured in the discriminator's features (Larsen et al. 2016)."""

from __future__ import annotations

import dataclasses

from aekit.estimators.params import store_params
from aekit.estimators.vae import VAE
from aekit.models.vaegan import VAEGANConfig


class VAEGAN(VAE):
    """A VAE-GAN: a variational autoencoder, a discriminator on the data, and a
    reconstruction loss in the discriminator's features ("learned similarity").

    The reconstruction is ``pixel_weight`` times the VAE's pixel likelihood
    plus ``0.5 * ||Dis_l(x~) - Dis_l(x)||^2`` in the discriminator's last
    hidden layer. Training steps three Adam optimisers in turn on every batch (Adam's
    beta1 = 0.5, as usual for GANs): the encoder (KL + feature reconstruction),
    the decoder (gamma * feature reconstruction + the non-saturating GAN loss
    on reconstructions and on decoded prior samples) and the discriminator
    (real rows against both). Samples are sharper than a VAE's; the encoder
    still gives codes and the posterior, so everything of :class:`aekit.VAE`
    (``transform``, ``sample``, ``interpolate``, ``elbo``, ...) works.

    Parameters
    ----------
    latent_dim, architecture, hidden, channels, batch_norm, image_shape, activation,
    likelihood, gaussian_variance, sigma, beta, warmup_epochs, free_bits, dynamic_binarization :
        As for :class:`aekit.VAE` (the encoder and decoder are the VAE's).
    discriminator_hidden : tuple of int, default=(256, 256)
        Dense discriminator (architecture="dense"): leaky-ReLU layers; the
        last one is the layer whose features measure the reconstruction.
    discriminator_channels : tuple of int, default=(32, 64)
        Conv discriminator (architecture="conv"): stride-2 blocks; the last
        block's features measure the reconstruction.
    gamma : float, default=1.0
        Weight of the reconstruction against the GAN loss in the decoder's objective.
    pixel_weight : float, default=1.0
        Weight of the pixel likelihood added to the feature reconstruction
        (0: features only, as in the paper). Validation watches the negative
        ELBO, which a features-only model does not minimise, so with 0 the
        epoch kept may be an early one.
    weight_decay, scaling, learning_rate, batch_size, max_epochs,
    validation_fraction, patience, random_state, verbose, checkpoint_dir,
    resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder` (weight decay applies to the
        encoder's optimiser only). Early stopping and the best epoch kept
        watch the VAE's negative ELBO on the held-out rows (the adversarial
        losses cannot be compared from one epoch to the next).

    Attributes
    ----------
    model_ : VAEGANModel
    image_shape_, scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.VAE`; ``history_`` holds the encoder's loss
        (``train_loss``: KL + feature reconstruction) and the negative ELBO
        on held-out rows (``val_loss``) per epoch.

    Raises
    ------
    ValueError
        From ``fit``: a parameter outside its allowed values.
    aekit.exceptions.DataError
        From ``fit`` and every method taking data: empty or non-numeric data,
        NaN or infinite values, another number of features (or image size) than in
        ``fit``, or (Bernoulli likelihood) values outside [0, 1] after scaling.
    aekit.exceptions.TrainingDivergedError
        From ``fit``: a loss of any of the three networks became NaN or infinite.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import VAEGAN
    >>> X = load_digits().data / 16
    >>> model = VAEGAN(latent_dim=4, hidden=(64,), discriminator_hidden=(64,), max_epochs=2,
    ...                random_state=0).fit(X)
    >>> model.transform(X[:2]).shape, model.sample(5, random_state=0).shape
    ((2, 4), (5, 64))
    """

    family = "vae-gan"

    def __init__(self, latent_dim="auto", architecture="dense", hidden=(256,), channels=(32, 64), batch_norm=False,
                 image_shape=None, discriminator_hidden=(256, 256), discriminator_channels=(32, 64), gamma=1.0,
                 pixel_weight=1.0, activation="relu", likelihood="auto", gaussian_variance="fixed", sigma=1.0,
                 beta=1.0, warmup_epochs=0, free_bits=0.0, dynamic_binarization=False, weight_decay=0.0,
                 scaling="auto", learning_rate=1e-3, batch_size="auto", max_epochs="auto", validation_fraction=0.1,
                 patience="auto", random_state=None, verbose=0, checkpoint_dir=None, resume=False, log_dir=None,
                 accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_features: int, scaling: str) -> VAEGANConfig:
        vae = super()._model_config(n_features, scaling)
        return VAEGANConfig(**dataclasses.asdict(vae), discriminator_hidden=tuple(self.discriminator_hidden),
                            discriminator_channels=tuple(self.discriminator_channels), gamma=self.gamma,
                            pixel_weight=self.pixel_weight)
