"""``aekit.ConvAutoencoder``: the convolutional autoencoder behind a
scikit-learn transformer."""

from __future__ import annotations

import dataclasses

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.images import ImageInputMixin
from aekit.estimators.params import store_params
from aekit.models import ConvAutoencoderConfig
from aekit._docs import fill_doc


@fill_doc
class ConvAutoencoder(ImageInputMixin, Autoencoder):
    """A convolutional autoencoder for images of any size and channel count.

    The encoder is a stack of 3x3, stride-2 convolutions (each halves height
    and width, rounding up, so odd sizes such as 7x7 or 28x28 work), then a
    dense layer to the code; the decoder mirrors it with transposed
    convolutions. The dense family's regularisers apply: denoising noise,
    sparse codes, contractive penalty, weight decay.

    Input: images as (N, H, W) or (N, C, H, W) arrays, or flat rows
    (N, C*H*W) with ``image_shape=(C, H, W)``. Outputs (``transform``,
    ``reconstruct``, ``inverse_transform``) are flat rows; later inputs must
    have the image shape seen in ``fit``.

    Parameters
    ----------
    latent_dim : int or "auto", default="auto"
        Size of the code; "auto" as for :class:`aekit.Autoencoder`.
    channels : tuple of int, default=(32, 64)
        Output channels of the encoder's conv blocks; the decoder mirrors them.
    batch_norm : bool, default=False
        Batch normalisation after each hidden convolution.
    image_shape : tuple (C, H, W) or (H, W), or None
        How to view flat rows as images; not needed for 3-D / 4-D input.
    activation, latent_activation, output_activation, loss, noise, noise_level,
    sparsity, sparsity_weight, sparsity_target, contractive_weight,
    weight_decay, scaling, learning_rate, batch_size, max_epochs,
    validation_fraction, patience, random_state, verbose, checkpoint_dir,
    resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder`.

    Attributes
    ----------
    model_ : ConvAutoencoderModel
    image_shape_ : tuple (C, H, W)
        The image shape seen in ``fit``.
    scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.Autoencoder`.

    Raises
    ------
    %(fit_errors_images)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import ConvAutoencoder
    >>> images = load_digits().images / 16          # (1797, 8, 8)
    >>> ae = ConvAutoencoder(latent_dim=8, channels=(8, 16), max_epochs=2, random_state=0).fit(images)
    >>> ae.transform(images[:3]).shape, ae.image_shape_
    ((3, 8), (1, 8, 8))
    """

    family = "conv"
    hidden: tuple[int, ...] = ()  # no dense hidden layers: not a parameter here
    tied = False

    def __init__(self, latent_dim="auto", channels=(32, 64), batch_norm=False, image_shape=None,
                 activation="relu", latent_activation="auto", output_activation="auto", loss="mse",
                 noise=None, noise_level=0.0, sparsity=None, sparsity_weight=1e-3, sparsity_target=0.05,
                 contractive_weight=0.0, weight_decay=0.0, scaling="auto", learning_rate=1e-3,
                 batch_size="auto", max_epochs="auto", validation_fraction=0.1, patience="auto", random_state=None,
                 verbose=0, checkpoint_dir=None, resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_features: int, scaling: str) -> ConvAutoencoderConfig:
        dense = super()._model_config(n_features, scaling)
        return ConvAutoencoderConfig(**dataclasses.asdict(dense), image_shape=self._fit_image_shape,
                                     channels=tuple(self.channels), batch_norm=self.batch_norm)
