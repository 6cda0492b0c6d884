"""``aekit.ImageCompleter``: fill holes in images with a convolutional masked autoencoder."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.images import ImageInputMixin, image_rows
from aekit.estimators.params import store_params
from aekit.exceptions import DataError
from aekit.models.imputation import ConvImputerConfig
from aekit._docs import fill_doc


@fill_doc
class ImageCompleter(ImageInputMixin, AutoencoderEstimator):
    """Fill in missing regions of images (inpainting) with a convolutional masked autoencoder.

    Trained on complete images: each training image gets a random hole (a
    rectangle, half of the image, or random pixels at a rate from 20% to 90%),
    and the network, given the rest of the image and the mask, learns to
    rebuild the hidden pixels (masked denoising, as the tables'
    :class:`aekit.AutoencoderImputer`). :meth:`complete` keeps every observed
    pixel exactly as given and fills only the holes.

    Parameters
    ----------
    latent_dim : int, default=64
        Size of the code between the conv encoder and decoder.
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
        Unused by images' block masks; kept for the shared masked-autoencoder config.
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
    model_ : aekit.models.imputation.ConvMaskedImputer
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

    family = "masked-conv"

    def __init__(self, latent_dim=64, channels=(32, 64), local_channels=16, local_dilations=(2, 4), mask_rate=0.25, block_share=0.6, image_shape=None,
                 scaling="minmax", learning_rate=3e-3, weight_decay=0.0, batch_size="auto", max_epochs="auto",
                 validation_fraction="auto", patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto",
                 precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_features: int, scaling: str) -> ConvImputerConfig:
        return ConvImputerConfig(input_dim=n_features, n_numeric=n_features, latent_dim=self.latent_dim,
                                 image_shape=self._fit_image_shape, channels=tuple(self.channels),
                                 mask_rate=self.mask_rate, block_share=self.block_share,
                                 local_channels=self.local_channels,
                                 local_dilations=tuple(self.local_dilations),
                                 output_activation="sigmoid" if scaling == "minmax" else "identity")

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
        images : array of shape (N, H, W), (N, C, H, W) or (N, C*H*W)
            In the units of the training images; NaN marks a missing pixel too.
        mask : bool array of the same shape, or None
            True where a pixel is missing (the hole). None: the NaN pixels.

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
        x = self.scaler_.transform(self._checked(rows)) * observed
        filled = self.scaler_.inverse_transform(
            self._batched(lambda batch: self.model_.impute(*batch), (x, observed)))
        return np.where(missing, filled.reshape(original.shape), original)
