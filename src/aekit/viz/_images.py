"""Turn rows of flattened images into one displayable mosaic array."""

from __future__ import annotations

import numpy as np

from aekit.evaluation.validation import as_matrix, check_image_shape
from aekit.exceptions import DataError


def image_rows(X, image_shape, name: str) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Check ``X`` (n, c*h*w) against ``image_shape``; return it and (c, h, w)."""
    X = as_matrix(X, name)
    shape = check_image_shape(image_shape, X.shape[1])
    if shape[0] not in (1, 3):
        raise DataError(f"image_shape: expected 1 (gray) or 3 (RGB) channels, got {shape[0]}")
    return X, shape


def display_range(*arrays: np.ndarray) -> tuple[float, float]:
    """Common (low, high) of the given arrays, so rows are shown on one scale.

    Data inside [0, 1] are shown on (0, 1), so a dark image stays dark.
    """
    low = min(float(a.min()) for a in arrays)
    high = max(float(a.max()) for a in arrays)
    if low >= 0.0 and high <= 1.0:
        return 0.0, 1.0
    return (low, high) if high > low else (low, low + 1.0)


def to_pixels(X: np.ndarray, image_shape, value_range: tuple[float, float]) -> np.ndarray:
    """Rows of (c*h*w) → images (n, h, w, c) scaled to [0, 1] and clipped."""
    c, h, w = image_shape
    low, high = value_range
    images = X.reshape(-1, c, h, w).transpose(0, 2, 3, 1)
    return np.clip((images - low) / (high - low), 0.0, 1.0)


def mosaic(rows: list[np.ndarray], pad: int = 1) -> np.ndarray:
    """Tile image rows (each (m, h, w, c)) into one (H, W, c) array on white.

    Rows shorter than the longest are left blank at the end.
    """
    h, w, c = rows[0].shape[1:]
    n_cols = max(len(r) for r in rows)
    canvas = np.ones((len(rows) * (h + pad) + pad, n_cols * (w + pad) + pad, c))
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            top, left = pad + i * (h + pad), pad + j * (w + pad)
            canvas[top : top + h, left : left + w] = image
    return canvas


def grid_rows(images: np.ndarray, n_cols: int) -> list[np.ndarray]:
    """Split (m, h, w, c) images into rows of ``n_cols``."""
    return [images[i : i + n_cols] for i in range(0, len(images), n_cols)]


def show(ax, canvas: np.ndarray, extent=None) -> None:
    """Draw a mosaic: gray with cmap "gray", RGB as is; no interpolation blur."""
    if canvas.shape[2] == 1:
        ax.imshow(canvas[:, :, 0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest", extent=extent)
    else:
        ax.imshow(canvas, interpolation="nearest", extent=extent)


def row_centers(n_rows: int, h: int, pad: int = 1) -> list[float]:
    """Vertical pixel centre of each mosaic row, for labelling rows."""
    return [pad + i * (h + pad) + (h - 1) / 2 for i in range(n_rows)]
