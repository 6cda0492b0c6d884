"""Reconstruction and anomaly-detection metrics on plain arrays."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from aekit.evaluation.validation import as_matrix, as_vector, check_image_shape, check_same_length
from aekit.exceptions import DataError

_SSIM_MAX_KERNEL = 11  # torchmetrics' default window size


def reconstruction_metrics(X, X_rec, image_shape=None) -> dict[str, float]:
    """Compare data with its reconstruction.

    Parameters
    ----------
    X, X_rec : array-like of shape (n_samples, n_features)
        Original data and its reconstruction; shapes must match.
    image_shape : tuple (c, h, w) or (h, w), optional
        When given and ``X`` lies in [0, 1], PSNR (data range 1) and SSIM
        (torchmetrics; gaussian 11x11 window, or for images smaller than
        11 px a uniform window of the largest odd size that fits) are added. ``X_rec`` is clipped to [0, 1] for these two only, as a
        displayed image would be.

    Returns
    -------
    dict
        ``"mse"`` and ``"mae"`` (means over all entries), and ``"psnr"``,
        ``"ssim"`` when computed.

    Raises
    ------
    aekit.exceptions.DataError
        ``X`` and ``X_rec`` of different shapes, NaN values, or an
        ``image_shape`` that does not fit the rows.

    Examples
    --------
    >>> reconstruction_metrics([[0.0, 1.0]], [[0.0, 0.5]])["mse"]
    0.125
    """
    X = as_matrix(X, "X")
    X_rec = as_matrix(X_rec, "X_rec")
    if X.shape != X_rec.shape:
        raise DataError(f"X_rec: expected the shape of X {X.shape}, got {X_rec.shape}")
    diff = X - X_rec
    result = {"mse": float(np.mean(diff**2)), "mae": float(np.mean(np.abs(diff)))}
    if image_shape is None:
        return result
    shape = check_image_shape(image_shape, X.shape[1])
    if X.min() < 0.0 or X.max() > 1.0:
        warnings.warn(
            f"PSNR/SSIM need data in [0, 1], got range [{X.min():.3g}, {X.max():.3g}]; skipping them",
            stacklevel=2,
        )
        return result
    result.update(image_metrics(X, np.clip(X_rec, 0.0, 1.0), shape))
    return result


def image_metrics(X: np.ndarray, X_rec: np.ndarray, image_shape: tuple[int, int, int]) -> dict[str, float]:
    """PSNR and SSIM of image batches in [0, 1], flattened rows of ``image_shape``."""
    c, h, w = image_shape
    target = torch.as_tensor(X, dtype=torch.float32).reshape(-1, c, h, w)
    preds = torch.as_tensor(X_rec, dtype=torch.float32).reshape(-1, c, h, w)
    psnr = peak_signal_noise_ratio(preds, target, data_range=1.0)
    ssim = structural_similarity_index_measure(preds, target, data_range=1.0, **_ssim_window(h, w))
    return {"psnr": float(psnr), "ssim": float(ssim)}


def _ssim_window(h: int, w: int) -> dict:
    """SSIM window arguments for h x w images.

    Images of at least 11x11 get torchmetrics' standard gaussian window
    (11, sigma 1.5), comparable with published numbers; smaller ones (such
    as 8x8 digits) a uniform window of the largest odd size that fits.
    """
    side = min(h, w)
    if side >= _SSIM_MAX_KERNEL:
        return {"gaussian_kernel": True, "kernel_size": _SSIM_MAX_KERNEL, "sigma": 1.5}
    if side < 3:
        raise DataError(f"image_shape: SSIM needs images of at least 3x3 pixels, got {h}x{w}")
    return {"gaussian_kernel": False, "kernel_size": side if side % 2 == 1 else side - 1}


def anomaly_metrics(y_true, scores) -> dict[str, float]:
    """Ranking quality of anomaly scores (higher score = more anomalous).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 (or True) for anomalies, 0 for normal samples; both must occur.
    scores : array-like of shape (n_samples,)

        The anomaly scores.

    Returns
    -------
    dict
        ``"auroc"`` (area under the ROC curve) and ``"average_precision"``.

    Raises
    ------
    aekit.exceptions.DataError
        Scores not one per sample, or labels other than both 0 and 1.

    Examples
    --------
    >>> anomaly_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    {'auroc': 0.75, 'average_precision': 0.8333333333333333}
    >>> anomaly_metrics([0, 0, 0], [0.1, 0.2, 0.3])
    Traceback (most recent call last):
    aekit.exceptions.DataError: y_true: expected both labels 0 (normal) and 1 (anomaly), got [0]
    """
    y_true = as_vector(y_true, "y_true")
    scores = as_matrix(scores, "scores")
    if scores.shape[1] != 1:
        raise DataError(f"scores: expected one score per sample, got shape {scores.shape}")
    scores = scores[:, 0]
    check_same_length(y_true, scores, "y_true", "scores")
    labels = np.unique(y_true)
    if len(labels) != 2 or not set(labels.tolist()) <= {0, 1}:
        raise DataError(f"y_true: expected both labels 0 (normal) and 1 (anomaly), got {labels.tolist()}")
    return {
        "auroc": float(roc_auc_score(y_true, scores)),
        "average_precision": float(average_precision_score(y_true, scores)),
    }
