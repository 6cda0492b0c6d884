"""Input checks shared by the evaluation functions."""

from __future__ import annotations

import numpy as np

from aekit.exceptions import DataError


def as_matrix(X, name: str) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array, or raise DataError."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name}: expected a numeric 2-D array, got {type(X).__name__} ({err})") from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataError(f"{name}: expected a 2-D array (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError(f"{name}: expected at least one sample, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise DataError(f"{name}: expected finite values, got {int((~np.isfinite(arr)).sum())} NaN/inf entries")
    return arr


def as_vector(y, name: str) -> np.ndarray:
    """Return ``y`` as a 1-D array, or raise DataError."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise DataError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError(f"{name}: expected at least one value, got an empty array")
    return arr


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise DataError unless ``a`` and ``b`` have the same number of rows."""
    if len(a) != len(b):
        raise DataError(f"{name_a} and {name_b}: expected the same number of samples, got {len(a)} and {len(b)}")


def check_image_shape(image_shape, n_features: int) -> tuple[int, int, int]:
    """Return ``image_shape`` as (c, h, w); accepts (h, w) for grayscale."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or min(shape) < 1:
        raise DataError(f"image_shape: expected (channels, height, width), got {tuple(image_shape)}")
    if int(np.prod(shape)) != n_features:
        raise DataError(
            f"image_shape: expected c*h*w == {n_features} features, got {shape} ({int(np.prod(shape))})"
        )
    return shape
