"""Image-shaped input for estimators with convolutional networks.

:class:`ImageInputMixin` accepts images as (N, H, W) or (N, C, H, W) arrays,
or as flat rows with the estimator's ``image_shape=(C, H, W)``, turns them
into the flat rows every aekit model takes, and checks every later input
against the image shape seen in ``fit``. Put it before
:class:`~aekit.estimators.base.AutoencoderEstimator` in the bases.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit.exceptions import DataError


def _ndim(X: Any) -> int:
    if hasattr(X, "ndim"):
        return int(X.ndim)
    try:
        return np.asarray(X).ndim
    except ValueError:  # ragged lists: check_data explains those
        return 2


def normalise_image_shape(image_shape) -> tuple[int, int, int] | None:
    """(C, H, W) from (C, H, W) or (H, W) (one channel); None stays None."""
    if image_shape is None:
        return None
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape must be (channels, height, width) or (height, width), got {image_shape}")
    return shape


def image_rows(X: Any, image_shape: tuple[int, int, int] | None, owner: str,
               expected: tuple[int, int, int] | None = None) -> tuple[Any, tuple[int, int, int] | None]:
    """``X`` as flat rows and the image shape it has.

    Arrays of (N, H, W) or (N, C, H, W) are flattened and their shape
    read off them; 2-D input is taken as flat rows of ``image_shape``.
    With ``expected`` (the shape seen in fit) a different shape is one clear
    error naming both.
    """
    ndim = _ndim(X)
    if ndim in (3, 4):
        X = np.asarray(X)
        if not len(X):
            raise DataError(f"X has 0 images (shape {X.shape}); expected at least one")
        shape = (1, *X.shape[1:]) if ndim == 3 else tuple(X.shape[1:])
        if expected is not None and shape != expected:
            raise DataError(f"X has images of shape {shape} (channels, height, width), but {owner} "
                            f"was fitted on images of shape {expected}")
        if image_shape is not None and expected is None and shape != image_shape:
            raise DataError(f"X has images of shape {shape}, but image_shape={image_shape}")
        return X.reshape(len(X), -1), shape
    if ndim != 2:
        return X, image_shape  # check_data says what is wrong with it
    shape = expected or image_shape
    n_features = np.shape(X)[1]
    if shape is not None and n_features != int(np.prod(shape)):
        raise DataError(f"X has {n_features} values per row, but image_shape {shape} needs "
                        f"{int(np.prod(shape))} (channels x height x width)")
    return X, shape


class ImageInputMixin:
    """Image handling shared by the convolutional estimators.

    The estimator has an ``image_shape`` parameter; the fitted shape is
    ``image_shape_`` (None when a dense model was fitted on plain rows).
    ``_requires_image_shape()`` says whether the model needs one.
    """

    def _requires_image_shape(self) -> bool:
        return True

    def fit(self, X, y=None):
        """Fit on images: (N, H, W), (N, C, H, W), or flat rows with ``image_shape``.

        Parameters
        ----------
        X : array-like of shape (N, H, W), (N, C, H, W) or (N, C * H * W)
            The images (flat rows need ``image_shape=(C, H, W)``).
        y : array-like or None
            Passed on to the estimator's own ``fit`` (labels of a conditional
            model; ignored otherwise).

        Returns
        -------
        self
            The fitted estimator; ``image_shape_`` is the (C, H, W) it read.

        Raises
        ------
        aekit.exceptions.DataError
            Flat rows without ``image_shape`` (for a model that needs images),
            rows that do not fit ``image_shape``, or no images; and what the
            estimator's own ``fit`` refuses.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from aekit import ConvAutoencoder
        >>> images = load_digits().images[:300] / 16
        >>> ConvAutoencoder(latent_dim=4, channels=(4,), max_epochs=1, random_state=0).fit(images).image_shape_
        (1, 8, 8)
        >>> ConvAutoencoder(max_epochs=1).fit(images.reshape(300, 64))
        Traceback (most recent call last):
        aekit.exceptions.DataError: ConvAutoencoder needs images: pass X as (N, H, W) or (N, C, H, W), ...
        """
        X, shape = image_rows(X, normalise_image_shape(self.image_shape), type(self).__name__)
        if shape is None and self._requires_image_shape():
            raise DataError(f"{type(self).__name__} needs images: pass X as (N, H, W) or (N, C, H, W), "
                            f"or flat rows with image_shape=(C, H, W); got rows of shape {np.shape(X)} "
                            "and image_shape=None")
        self._fit_image_shape = shape  # read by _model_config while fitting
        super().fit(X, y)
        self.image_shape_ = shape
        return self

    def _checked(self, X, name: str = "X", n_features: int | None = None) -> np.ndarray:
        if n_features is None:  # data rows (not codes): images are welcome
            X, _ = image_rows(X, None, type(self).__name__, expected=getattr(self, "image_shape_", None))
        return super()._checked(X, name, n_features)

    def _fitted_state(self) -> dict[str, Any]:
        shape = self.image_shape_
        return {**super()._fitted_state(), "image_shape_": list(shape) if shape else None}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        shape = fitted.get("image_shape_")
        shape = tuple(int(s) for s in shape) if shape else None
        config_shape = getattr(model.config, "image_shape", None)
        if (shape is not None and int(np.prod(shape)) != model.config.input_dim) or (
                config_shape is not None and tuple(config_shape) != shape):
            raise ValueError(f"the fitted image_shape_ {shape} does not fit the model "
                             f"(input_dim {model.config.input_dim}, image_shape {config_shape})")
        self.image_shape_ = shape
        return super()._restore(model, scaler, fitted)
