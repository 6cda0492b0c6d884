"""``aekit.ImageCodec``: a learned image codec (Ballé et al. 2017 / 2018) with
a real bitstream: ``compress(images) -> bytes``, ``decompress(bytes) -> images``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit.coding import StreamDecoder, StreamHeader, TableCoder, check, encode_groups, grouped, parse, seal, ungroup
from aekit.data import check_data
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.images import ImageInputMixin
from aekit.estimators.params import store_params
from aekit.exceptions import DataError, StreamError
from aekit.models.codec import LAMBDA_LADDER, ImageCodecConfig, model_hash
from aekit._docs import fill_doc

CODING_BATCH = 256  # images per pass of the transforms while coding (encoder and decoder alike)


def auto_downsamplings(height: int, width: int) -> int:
    """Stride-2 stages for training images of height x width: log2(shorter side) - 2, in [1, 4]
    (28x28 -> 2, so y is 7x7; 8x8 -> 1; 64x64 patches and larger -> 4)."""
    return int(np.clip(math.floor(math.log2(min(height, width))) - 2, 1, 4))


AUTO_LATENT_RANGE = (16, 96)


def auto_latent_channels(channels: int, downsamplings: int) -> int:
    """Channels of y for images of ``channels`` colour channels after ``downsamplings`` stride-2
    stages: twice the pixel values one latent position covers (2 * C * 4**downsamplings), in
    [16, 96]. So y has at most about twice as many values as the image (gray 28x28 -> 32 channels
    of 7x7, gray 8x8 -> 16 of 4x4; 64x64 patches and larger -> 96), instead of 96 channels on every
    size (24 values per pixel on 8x8 digits, which only slowed training).

    Examples
    --------
    >>> auto_latent_channels(1, 2), auto_latent_channels(1, 1), auto_latent_channels(3, 4)
    (32, 16, 96)
    """
    return int(np.clip(2 * channels * 4 ** downsamplings, *AUTO_LATENT_RANGE))


@fill_doc
class ImageCodec(ImageInputMixin, AutoencoderEstimator):
    """A learned lossy image codec that writes real, decodable bytes.

    Convolutional analysis and synthesis transforms with GDN / inverse GDN,
    rounding when coding (in training: uniform noise for the rate, the rounded
    latents with a straight-through gradient for the synthesis), and an
    entropy model: a factorized prior (one learned density per latent
    channel, Ballé et al. 2017) or a scale hyperprior (Ballé et al. 2018).
    Training minimises ``bits per pixel + lmbda * 255^2 * MSE``; one model
    per ``lmbda`` (see ``LAMBDA_LADDER``). Pixels are in [0, 1] (divide
    8-bit images by 255); gray or RGB; coding takes any height and width
    (images are padded, and the crop recorded in the stream).

    Parameters
    ----------
    lmbda : float, default=0.013
        Weight of the distortion: larger means better images and more bits.
        ``aekit.models.codec.LAMBDA_LADDER`` is the documented ladder
        (0.0018 .. 0.18, CompressAI's qualities 1-8).
    entropy_model : {"factorized", "hyperprior", "positional"}, default="factorized"
        "positional": a factorized density per channel and position of y,
        for images of the training size only (coding another size is
        refused).
    filters : int, default=64
        Channels of the transforms' hidden stages.
    latent_channels : int or "auto", default="auto"
        Channels of the latents y; "auto": 2 * C * 4**downsamplings, in
        [16, 96] (32 on gray 28x28 images, 16 on 8x8 ones, 96 on 64x64
        patches and larger).
    downsamplings : int or "auto", default="auto"
        Stride-2 stages of the analysis transform; "auto": log2 of the
        training images' shorter side minus 2, in [1, 4].
    hyper_filters : int, default=64
        Channels of the hyperprior's side information z.
    max_symbol : int, default=63
        Coded latents are clipped to [-max_symbol, max_symbol].
    image_shape : tuple (C, H, W) or (H, W), or None
        How to view flat training rows as images; not needed for 3-D / 4-D input.
    learning_rate, batch_size, max_epochs, validation_fraction, patience,
    random_state, verbose, checkpoint_dir, resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder` ("auto" budgets from the number of
        training images).
    lr_drop : float, default=0.2
        The last share of the ``max_epochs`` budget's optimiser steps is
        trained at a tenth of ``learning_rate`` (the step decay of
        learned-compression papers); 0: a constant rate. With
        ``max_epochs="auto"`` the budget is then not extended (see
        :class:`aekit.training.TrainConfig`).

    Attributes
    ----------
    model_ : ImageCodecModel
    image_shape_ : tuple (C, H, W)
        The training images' shape (coding needs only the same C).
    history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.Autoencoder`; ``history_`` holds the
        rate-distortion loss per epoch.

    Examples
    --------
    %(fit_codec)s
    >>> stream = codec.compress(images[:10])
    >>> codec.decompress(stream).shape
    (10, 8, 8)
    """

    family = "codec"
    scaling = "none"  # pixels in [0, 1]: not a parameter
    weight_decay = 0.0

    def __init__(self, lmbda=0.013, entropy_model="factorized", filters=64, latent_channels="auto",
                 downsamplings="auto", hyper_filters=64, max_symbol=63, image_shape=None, learning_rate=1e-3,
                 batch_size="auto", max_epochs="auto", validation_fraction=0.1, patience="auto",
                 random_state=None, verbose=0, checkpoint_dir=None, resume=False, log_dir=None, lr_drop=0.2,
                 accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _train_config(self):
        return dataclasses.replace(super()._train_config(), lr_drop=self.lr_drop)

    # -- fitting -------------------------------------------------------------------------------
    def _model_config(self, n_features: int, scaling: str) -> ImageCodecConfig:
        shape = self._fit_image_shape
        downsamplings = self.downsamplings
        if downsamplings == "auto":
            downsamplings = auto_downsamplings(*shape[1:])
        elif isinstance(downsamplings, str):
            raise ValueError(f"downsamplings must be a positive integer or 'auto', got {downsamplings!r}")
        latent_channels = self.latent_channels
        if latent_channels == "auto":
            latent_channels = auto_latent_channels(shape[0], int(downsamplings))
        elif isinstance(latent_channels, str):
            raise ValueError(f"latent_channels must be a positive integer or 'auto', got {latent_channels!r}")
        return ImageCodecConfig(
            input_dim=n_features, image_shape=shape, entropy_model=self.entropy_model, filters=self.filters,
            latent_channels=int(latent_channels), downsamplings=int(downsamplings),
            hyper_filters=self.hyper_filters, lmbda=float(self.lmbda), max_symbol=self.max_symbol)

    def _check_scaled(self, X_scaled: np.ndarray, name: str) -> np.ndarray:
        _check_range(X_scaled, name)
        return X_scaled

    def _fit_scaled(self, data, scaler, n_features, names):
        super()._fit_scaled(data, scaler, n_features, names)
        self.model_.update_tables()  # the integer tables the coder uses, stored in the model file
        return self

    # -- coding --------------------------------------------------------------------------------
    def _coding_images(self, images, name: str = "images") -> tuple[np.ndarray, str]:
        """``images`` as a checked float32 (N, C, H, W) array, and the layout they came in."""
        check_is_fitted(self, "model_")
        channels = self.image_shape_[0]
        array = images if hasattr(images, "ndim") else np.asarray(images)
        layouts = {4: "nchw", 3: "nhw", 2: "rows"}
        if array.ndim not in layouts:
            raise DataError(f"{name} must be images (N, C, H, W) or (N, H, W) or flat rows (N, C*H*W), "
                            f"got an array of shape {np.shape(array)}")
        layout = layouts[array.ndim]
        if np.issubdtype(getattr(array, "dtype", np.float32), np.integer):
            raise DataError(f"{name} are integers ({array.dtype}); the codec takes pixels in [0, 1]: "
                            "divide 8-bit images by 255")
        shape = {"nchw": lambda a: a.shape[1:], "nhw": lambda a: (1, *a.shape[1:]),
                 "rows": lambda a: self.image_shape_}[layout](array)
        if layout == "rows" and np.shape(array)[1] != math.prod(shape):
            raise DataError(f"{name} has {np.shape(array)[1]} values per row, but {type(self).__name__} was "
                            f"fitted on images of shape {shape} ({math.prod(shape)} values); pass other "
                            "sizes as (N, C, H, W) arrays")
        if self.model_.config.positional and tuple(shape[1:]) != tuple(self.image_shape_[1:]):
            raise DataError(f"{name} are {shape[1]}x{shape[2]}, but a codec with entropy_model='positional' "
                            f"codes only its training size, {self.image_shape_[1]}x{self.image_shape_[2]}")
        if shape[0] != channels:
            raise DataError(f"{name} have {shape[0]} channel(s), but {type(self).__name__} was fitted on "
                            f"{channels}-channel images (shape (C, H, W) = {self.image_shape_})")
        rows = check_data(np.reshape(array, (len(array), -1)) if len(array) else array.reshape(0, 0),
                          name=name, estimator_name=type(self).__name__)
        _check_range(rows, name)
        return rows.reshape(len(rows), *shape), layout

    @torch.inference_mode()
    def _symbols(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Coded symbols of y, and for the hyperprior those of z and the scale indexes of y."""
        model = self.model_.eval()
        device = next(model.parameters()).device
        ys, zs, indexes = [], [], []
        for start in range(0, len(images), CODING_BATCH):
            x = torch.from_numpy(images[start:start + CODING_BATCH]).to(device)
            y = model.analyse(x)
            ys.append(model.symbols(y).cpu().numpy())
            if model.config.hyperprior:
                z = model.symbols(model.hyper_analyse(y))
                zs.append(z.cpu().numpy())
                indexes.append(self._scale_indexes(z, y.shape[-2:]))
        if not model.config.hyperprior:
            return np.concatenate(ys), None, None
        return np.concatenate(ys), np.concatenate(zs), np.concatenate(indexes)

    def _scale_indexes(self, z_symbols: torch.Tensor, y_size: tuple[int, int]) -> np.ndarray:
        """Which Gaussian table codes each value of y: from one batch of z (same batches on both sides)."""
        model = self.model_
        return model.gaussian.scale_index(model.hyper_scales(z_symbols.float(), y_size)).cpu().numpy()

    @torch.inference_mode()
    def _images_from(self, y_symbols: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        model = self.model_.eval()
        device = next(model.parameters()).device
        parts = [model.synthesise(torch.from_numpy(y_symbols[s:s + CODING_BATCH]).to(device).float(), size)
                 .clamp(0, 1).cpu().numpy() for s in range(0, len(y_symbols), CODING_BATCH)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _coder(self, which: str) -> TableCoder:
        """The range coder over the factorized density's ("density") or the Gaussian's tables."""
        module = getattr(self.model_, which)
        return TableCoder(module.table.cpu().numpy(), self.model_.config.max_symbol)

    def compress(self, images) -> bytes:
        """Encode images to one stream of bytes.

        Parameters
        ----------
        images : array of shape (N, C, H, W) or (N, H, W), or flat rows (N, C*H*W)
            Pixels in [0, 1]; any height and width (flat rows: the training
            shape); C as in fit.

        Returns
        -------
        bytes
            Header, range-coded latents and a checksum;
            :meth:`decompress` gives back the images in the same layout.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            Empty input, the wrong number of channels, NaN, values outside [0, 1].

        Examples
        --------
        %(fit_codec)s
        >>> stream = codec.compress(images[:10])
        >>> codec.compress(images[:10]) == stream, codec.decompress(stream).shape   # deterministic; same layout
        (True, (10, 8, 8))
        >>> codec.compress(images[:10] * 255)
        Traceback (most recent call last):
        aekit.exceptions.DataError: images has values in [0, 255], but the codec takes pixels in [0, 1]; ...
        """
        images, layout = self._coding_images(images)
        y, z, indexes = self._symbols(images)
        config = self.model_.config
        key = model_hash(self.model_)
        header = StreamHeader(key[0], len(images), *images.shape[1:], layout=layout,
                              hyperprior=config.hyperprior).to_bytes(self.image_shape_[1:])
        if config.hyperprior:
            payload = _encode_two(self._coder("density"), z, self._coder("gaussian"), y, indexes)
            return seal(header + payload, key, indexes.astype("<u2").tobytes())
        density = self._coder("density")
        payload = encode_groups((density, row, part) for row, part in grouped(y.ravel(), self._y_rows(y)))
        return seal(header + payload, key)

    def _y_rows(self, y: np.ndarray) -> np.ndarray:
        """The table row of each value of y (N, C, h, w), flattened: its channel, or with the
        positional model its channel and position."""
        if not self.model_.config.positional:
            return _channel_rows(y)
        return np.broadcast_to(np.arange(math.prod(y.shape[1:])).reshape(y.shape[1:]), y.shape).ravel()

    def decompress(self, stream: bytes) -> np.ndarray:
        """Decode a stream written by :meth:`compress` of this same model.

        Parameters
        ----------
        stream : bytes
            What :meth:`compress` wrote.

        Returns
        -------
        ndarray of float32 in [0, 1]
            The images in the layout given to :meth:`compress`; equal to
            :meth:`reconstruct` of the original images.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.StreamError
            Not a codec stream, another format version, a stream made by
            another model, a truncated or altered stream.

        Examples
        --------
        %(fit_codec)s
        >>> stream = codec.compress(images[:10])
        >>> bool((codec.decompress(stream) == codec.reconstruct(images[:10])).all())
        True
        >>> codec.decompress(stream[:-1])
        Traceback (most recent call last):
        aekit.exceptions.StreamError: ...
        """
        check_is_fitted(self, "model_")
        header, _, payload = parse(stream, self.image_shape_)
        key = model_hash(self.model_)
        if header.model_tag != key[0]:
            raise StreamError(f"the stream was made by another model (model tag {header.model_tag:#04x}, "
                              f"this model's is {key[0]:#04x}); decode it with that model")
        config = self.model_.config
        if header.hyperprior != config.hyperprior:
            raise StreamError(f"the stream's header does not fit this model (hyperprior={header.hyperprior}); "
                              "it was altered, or written by another model")
        if header.n_images < 1 or header.height < 1 or header.width < 1 or \
                header.n_images * header.channels * header.height * header.width > 2**34:
            raise StreamError(f"the stream's header is damaged ({header.n_images} images of "
                              f"{header.height}x{header.width})")
        if config.positional and (header.height, header.width) != tuple(self.image_shape_[1:]):
            raise StreamError(f"the stream holds {header.height}x{header.width} images, but this positional "
                              f"codec codes only {self.image_shape_[1]}x{self.image_shape_[2]}; it was altered, "
                              "or written by another model")
        h, w = config.latent_size(header.height, header.width)
        y_shape = (header.n_images, config.latent_channels, h, w)
        if config.hyperprior:
            y, indexes = self._decode_two(payload, header, y_shape)
            check(stream, key, indexes.astype("<u2").tobytes())
        else:
            y = ungroup(StreamDecoder(payload), self._coder("density"), self._y_rows(np.empty(y_shape, np.int8)))
            y = y.reshape(y_shape)
            check(stream, key)
        images = self._images_from(y, (header.height, header.width))
        return _in_layout(images, header.layout)

    def _decode_two(self, payload: bytes, header: StreamHeader, y_shape) -> tuple[np.ndarray, np.ndarray]:
        decoder = StreamDecoder(payload)
        z_shape = (y_shape[0], self.model_.config.hyper_filters,
                   *self.model_.config.hyper_size(header.height, header.width))
        z = ungroup(decoder, self._coder("density"), _channel_rows(np.empty(z_shape, np.int8))).reshape(z_shape)
        with torch.inference_mode():
            device = next(self.model_.parameters()).device
            indexes = np.concatenate([self._scale_indexes(torch.from_numpy(z[s:s + CODING_BATCH]).to(device),
                                                          y_shape[2:])
                                      for s in range(0, len(z), CODING_BATCH)])
        y = ungroup(decoder, self._coder("gaussian"), indexes.ravel()).reshape(y_shape)  # same decoder, on
        return y, indexes

    def reconstruct(self, X) -> np.ndarray:
        """The images as :meth:`decompress` gives them back (rounded latents), in the layout of ``X``,
        without writing a stream.

        Parameters
        ----------
        X : array of shape (N, C, H, W) or (N, H, W), or flat rows (N, C*H*W)
            Pixels in [0, 1], as for :meth:`compress`.

        Returns
        -------
        numpy.ndarray of float32 in [0, 1]
            Same shape as ``X``.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            As for :meth:`compress`.

        Examples
        --------
        %(fit_codec)s
        >>> rebuilt = codec.reconstruct(images[:10])
        >>> rebuilt.shape, bool(((rebuilt - images[:10]) ** 2).mean() < images[:10].var())
        ((10, 8, 8), True)
        """
        images, layout = self._coding_images(X, "X")
        return _in_layout(self._images_from(self._symbols(images)[0], images.shape[2:]), layout)

    def bits(self, images) -> np.ndarray:
        """Bits per image the coder's tables promise for the latents (payload only,
        before the header, checksum and the coder's flush).

        Parameters
        ----------
        images : array of shape (N, C, H, W) or (N, H, W), or flat rows (N, C*H*W)
            Pixels in [0, 1], as for :meth:`compress`.

        Returns
        -------
        numpy.ndarray of shape (N,)
            Bits of each image's latents.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            As for :meth:`compress`.

        Examples
        --------
        %(fit_codec)s
        >>> bits = codec.bits(images[:10])
        >>> bits.shape, bool(bits.sum() / 8 <= len(codec.compress(images[:10])))   # the stream adds its header
        ((10,), True)
        """
        images, _ = self._coding_images(images)
        y, z, indexes = self._symbols(images)
        if z is None:
            bits = self._coder("density").bits(y, self._y_rows(y).reshape(y.shape))
            return bits.reshape(len(y), -1).sum(1)
        bits_z = self._coder("density").bits(z, _channel_rows(z).reshape(z.shape))
        bits_y = self._coder("gaussian").bits(y, indexes)
        return bits_z.reshape(len(z), -1).sum(1) + bits_y.reshape(len(y), -1).sum(1)


def _encode_two(density: TableCoder, z: np.ndarray, gaussian: TableCoder, y: np.ndarray,
                indexes: np.ndarray) -> bytes:
    """z with the density's tables, then y with the Gaussian's, in one range-coded payload."""
    groups = [(density, row, part) for row, part in grouped(z.ravel(), _channel_rows(z))]
    groups += [(gaussian, row, part) for row, part in grouped(y.ravel(), indexes.ravel())]
    return encode_groups(groups)


def _channel_rows(symbols: np.ndarray) -> np.ndarray:
    """The channel of each value of an (N, C, H, W) array, flattened: its table row."""
    return np.broadcast_to(np.arange(symbols.shape[1])[None, :, None, None], symbols.shape).ravel()


def _check_range(rows: np.ndarray, name: str) -> None:
    if rows.size and (rows.min() < 0 or rows.max() > 1):
        raise DataError(f"{name} has values in [{rows.min():.4g}, {rows.max():.4g}], but the codec takes "
                        "pixels in [0, 1]; divide 8-bit images by 255")


def _in_layout(images: np.ndarray, layout: str) -> np.ndarray:
    if layout == "nhw":
        return images[:, 0]
    if layout == "rows":
        return images.reshape(len(images), -1)
    return images


__all__ = ["ImageCodec", "LAMBDA_LADDER"]
