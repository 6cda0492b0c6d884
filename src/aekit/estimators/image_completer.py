"""``aekit.ImageCompleter``: fill holes in images with a convolutional masked autoencoder or a VAEAC."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.estimators.base import AutoencoderEstimator, seed_from
from aekit.estimators.images import ImageInputMixin, image_rows
from aekit.estimators.params import store_params
from aekit.estimators.sizing import FillsHiddenInput
from aekit.exceptions import DataError
from aekit.memory import check_fits_in_memory
from aekit.models.imputation import ConvImputerConfig, ImageImputerConfig, VAEACConfig
from aekit.training.devices import model_device
from aekit._docs import fill_doc


MODELS = {"masked-ae": "masked-conv", "vaeac": "vaeac"}  # the ``model`` parameter -> the model family


def check_samples_fit(n_values: int, n_samples: int, name: str = "n_samples") -> None:
    """Refuse :meth:`ImageCompleter.sample` of ``n_samples`` fills of images holding ``n_values``
    pixel values in all when they would not fit in the memory available now (float32 fills,
    plus one fill's working copies), before any is drawn: a clear error, not the OS killing
    the process. ``aekit complete --n-imputations`` asks before it fits (``name``: the option)."""
    check_fits_in_memory((int(n_samples) + 6) * int(n_values) * 4,
                         f"drawing {name}={n_samples} fills of {int(n_values):,} pixel values",
                         "draw fewer fills, or fill fewer images at a time")


@fill_doc
class ImageCompleter(FillsHiddenInput, ImageInputMixin, AutoencoderEstimator):
    """Fill in missing regions of images (inpainting) with a convolutional masked autoencoder or a VAEAC.

    Trained on complete images: each training image gets a random hole (a
    rectangle, half of the image, or random pixels at a rate from 20% to 90%),
    and the network, given the rest of the image and the mask, learns to
    rebuild the hidden pixels (masked denoising, as the tables'
    :class:`aekit.AutoencoderImputer`). :meth:`complete` keeps every observed
    pixel exactly as given and fills only the holes.

    ``model="vaeac"`` trains a VAEAC instead (Ivanov, Figurnov & Vetrov 2019,
    a VAE conditioned on the observed pixels and the mask) on the same random
    holes: :meth:`sample` then gives several plausible fills of one hole.

    Parameters
    ----------
    model : {"masked-ae", "vaeac"}, default="masked-ae"
        "masked-ae": one fill per hole (the masked autoencoder). "vaeac": a
        proposal network sees the whole image, a prior network only the
        observed pixels and the mask, the decoder fills the hole from a code
        z; trained on the hidden pixels' likelihood plus KL(proposal || prior).
        :meth:`complete` decodes the prior's mean code, :meth:`sample` codes
        drawn from the prior.
    latent_dim : int or "auto", default=64
        Size of the code between the conv encoder and decoder (the VAEAC's z).
        A code as wide as the image (8x8 digits: 64 pixels) is not warned
        about: the network fills pixels hidden from its input, so it cannot
        copy them through the code. "auto" sizes it from the images as
        :class:`aekit.Autoencoder` does (``latent_dim_``).
    channels : tuple of int, default=(32, 64)
        Output channels of the encoder's stride-2 conv blocks; the decoder mirrors them.
    local_channels : int, default=16
        Channels of a full-resolution path of 3x3 convolutions beside the
        encoder-decoder (what the pixels around a hole say; 0: none).
    local_dilations : tuple of int, default=(2, 4)
        Dilations of the local path's middle convolutions (between its first
        and last, both undilated): (2, 4) sees 17x17 pixels around each pixel,
        so it reaches the middle of a 14x14 hole in MNIST-sized images. On
        MNIST-5k (1,500 training images, 8 epochs) 16 channels with (2, 4)
        fill as well as 32 channels with (1,) at 0.6 times the time per epoch
        (docs/benchmarks/completion.md).
    mask_rate : float, default=0.25
        Unused by images' block masks; kept for the masked autoencoder's config
        (the VAEAC's has no such field).
    block_share : float, default=0.6
        Share of training images given a block (rectangle or half) hole; the
        rest get random pixels hidden.
    image_shape : tuple (C, H, W) or (H, W), or None
        How to view flat rows as images; not needed for 3-D / 4-D input.
    scaling : {"minmax", "none"}, default="minmax"
        One global min-max map to [0, 1] (pixels), fitted on the training images.
    learning_rate : float, default=3e-3
        Adam's learning rate (higher than the tables' 1e-3: on 8x8 digits, 15 epochs
        at 3e-3 fill centre holes with about 30% less error than at 1e-3).
    weight_decay, batch_size, max_epochs, validation_fraction, patience, random_state, verbose :
        As for :class:`aekit.Autoencoder` (``"auto"`` budgets from the number of images).

    Attributes
    ----------
    model_ : aekit.models.imputation.ConvMaskedImputer or aekit.models.imputation.VAEACImputer
    image_shape_ : tuple (C, H, W)
    scaler_, n_features_in_, history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.Autoencoder`.

    Examples
    --------
    %(fit_completer)s
    >>> hole = np.zeros(images.shape, dtype=bool); hole[:, 2:6, 2:6] = True
    >>> filled = completer.complete(images[:3], hole[:3])
    >>> bool(np.array_equal(filled[~hole[:3]], images[:3][~hole[:3]]))
    True
    """

    # ``sample`` draws fills of given images' holes, not new images (``aekit generate``, ``aekit serve``)
    samples_fills = True

    def __init__(self, model="masked-ae", latent_dim=64, channels=(32, 64), local_channels=16, local_dilations=(2, 4), mask_rate=0.25, block_share=0.6, image_shape=None,
                 scaling="minmax", learning_rate=3e-3, weight_decay=0.0, batch_size="auto", max_epochs="auto",
                 validation_fraction="auto", patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto",
                 precision="32", num_threads=None):
        store_params(self, locals())

    @property
    def family(self) -> str:
        """The model family ``model`` chooses."""
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {tuple(MODELS)}, got {self.model!r}")
        return MODELS[self.model]

    def _model_config(self, n_features: int, scaling: str) -> ImageImputerConfig:
        shared = dict(input_dim=n_features, n_numeric=n_features, latent_dim=self._code_size(n_features),
                      image_shape=self._fit_image_shape, channels=tuple(self.channels), block_share=self.block_share,
                      local_channels=self.local_channels, local_dilations=tuple(self.local_dilations),
                      output_activation="sigmoid" if scaling == "minmax" else "identity")
        if self.family == "vaeac":
            return VAEACConfig(**shared)
        return ConvImputerConfig(**shared, mask_rate=self.mask_rate)

    def fit(self, X, y=None):
        """Fit on images; NaN pixels are holes, never trained on.

        Parameters
        ----------
        X : array-like of shape (N, H, W), (N, C, H, W) or (N, C*H*W)
            Training images (flat rows need ``image_shape``); NaN where a pixel
            is missing.
        %(y_ignored)s

        %(returns_self)s

        Raises
        ------
        ValueError
            ``scaling`` other than "minmax" or "none".
        aekit.exceptions.DataError
            For input that is not images, or infinite values.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> images = load_digits().images[:200] / 16
        >>> images[:, 3:5, 3:5] = np.nan          # holes in every training image: never trained on
        >>> completer = ImageCompleter(channels=(8,), max_epochs=1, random_state=0).fit(images)
        >>> completer.image_shape_, bool(np.isnan(completer.complete(images[:2])).any())
        ((1, 8, 8), False)
        """
        self.family  # noqa: B018  (checks model before any work)
        if self.scaling not in ("minmax", "none"):
            raise ValueError(f"scaling must be 'minmax' or 'none' for images, got {self.scaling!r}")
        values = np.asarray(X, dtype=np.float32) if not hasattr(X, "columns") else X
        missing = np.isnan(values) if isinstance(values, np.ndarray) else np.zeros(np.shape(values), bool)
        self._fit_observed = (~missing).reshape(len(missing), -1).astype(np.float32)
        try:
            return super().fit(np.where(missing, 0.0, values) if missing.any() else values, y)
        finally:
            del self._fit_observed

    def _fit_scaled(self, data, scaler, n_features: int, names):
        return super()._fit_scaled((data, self._fit_observed), scaler, n_features, names)

    def complete(self, images, mask=None) -> np.ndarray:
        """``images`` with their holes filled; observed pixels are returned exactly as given.

        Parameters
        ----------
        %(images_and_mask)s

        Returns
        -------
        numpy.ndarray of float32
            The same shape as ``images``.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            When the mask's shape is not the images', or the images' shape is
            not the one seen in fit.

        Examples
        --------
        %(fit_completer)s
        >>> hole = np.zeros((3, 8, 8), dtype=bool); hole[:, :4] = True    # the top half
        >>> filled = completer.complete(images[:3], hole)
        >>> bool((filled[~hole] == images[:3][~hole]).all()), filled.shape
        (True, (3, 8, 8))
        >>> completer.complete(images[:3], hole[:, :4])
        Traceback (most recent call last):
        aekit.exceptions.DataError: mask has shape (3, 4, 8), but images have shape (3, 8, 8); ...
        """
        original, missing, x, observed = self._holes(images, mask)
        filled = self.scaler_.inverse_transform(
            self._batched(lambda batch: self.model_.impute(*batch), (x, observed)))
        return np.where(missing, filled.reshape(original.shape), original)

    def sample(self, images, mask=None, n_samples: int = 5) -> np.ndarray:
        """``n_samples`` plausible fills of each image's holes (``model="vaeac"`` only).

        Each fill decodes a code drawn from the prior network given the
        observed pixels and the mask; observed pixels are returned exactly as
        given. Seeded by ``random_state``: the same seed gives the same fills.

        Parameters
        ----------
        %(images_and_mask)s
        n_samples : int, default=5
            How many fills of each image.

        Returns
        -------
        numpy.ndarray of float32 of shape (n_samples, *images.shape)

        Raises
        ------
        %(not_fitted)s
        ValueError
            ``n_samples`` is not a positive integer, or the model is the masked
            autoencoder (it gives one fill: use :meth:`complete`, or ``model="vaeac"``).
        aekit.exceptions.DataError
            As for :meth:`complete`; or the fills would need more memory than
            is available (checked before any is drawn).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> images = load_digits().images[:200] / 16
        >>> vaeac = ImageCompleter(model="vaeac", channels=(8,), max_epochs=1, random_state=0).fit(images)
        >>> hole = np.zeros((3, 8, 8), dtype=bool); hole[:, 2:6, 2:6] = True
        >>> fills = vaeac.sample(images[:3], hole, n_samples=4)
        >>> fills.shape, bool((fills[:, ~hole] == images[:3][~hole]).all())
        ((4, 3, 8, 8), True)
        >>> ImageCompleter(channels=(8,), max_epochs=1).fit(images).sample(images[:3], hole)
        Traceback (most recent call last):
        ValueError: the masked autoencoder (model='masked-ae') gives one fill per hole: use complete(), ...
        """
        check_is_fitted(self, "model_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        if self.model_.family != "vaeac":
            raise ValueError("the masked autoencoder (model='masked-ae') gives one fill per hole: use complete(), "
                             "or fit ImageCompleter(model='vaeac') for several plausible fills")
        check_samples_fit(np.size(images), n_samples)
        original, missing, x, observed = self._holes(images, mask)
        generator = torch.Generator(device=model_device(self.model_)).manual_seed(seed_from(self.random_state))
        fills = np.empty((n_samples, *original.shape), dtype=np.float32)
        for fill in fills:  # one draw at a time into the result: no list of draws beside it
            drawn = self.scaler_.inverse_transform(
                self._batched(lambda batch: self.model_.draw(*batch, generator), (x, observed)))
            fill[...] = np.where(missing, drawn.reshape(original.shape), original)
        return fills

    def _holes(self, images, mask):
        """(images as float32, the missing pixels, scaled rows with 0 in holes, observed rows)."""
        check_is_fitted(self, "model_")
        original = np.asarray(images, dtype=np.float32)
        missing = np.isnan(original)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != original.shape:
                raise DataError(f"mask has shape {mask.shape}, but images have shape {original.shape}; "
                                "expected one mask value per pixel (True where missing)")
            missing |= mask.astype(bool)
        rows, _ = image_rows(np.where(missing, 0.0, original), None, type(self).__name__,
                             expected=self.image_shape_)
        observed = (~missing).reshape(len(rows), -1).astype(np.float32)
        return original, missing, self.scaler_.transform(self._checked(rows)) * observed, observed
