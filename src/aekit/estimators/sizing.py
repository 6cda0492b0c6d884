"""The code size every family picks when ``latent_dim="auto"`` (the default).

The rule looks at the data the model is trained on, after scaling:

1. the number of principal components that explain ``AUTO_LATENT_VARIANCE``
   (90 %) of the variance of the scaled training rows (PCA on at most
   ``AUTO_LATENT_ROWS`` of them, drawn with the training seed);
2. capped at half the input width (a code as wide as the input can learn
   the identity map, which reconstructs everything, noise and anomalies
   alike) and at ``AUTO_LATENT_MAX`` (32) for wide data such as images;
3. at least 1.

Generative families keep a smaller maximum (``auto_latent_max`` of the
estimator class: VAE and conditional VAE 16, adversarial autoencoder 8,
sequence models 16), the code sizes they were designed and benchmarked with
on wide data.

Examples: iris (4 columns) 2; wine (13) 6; breast-cancer (30) 7; 8x8
digits (64 pixels) 21; Fashion-MNIST (784 pixels) 32. The 90 % and the
caps were set on breast-cancer, wine and digits and checked on the tables
of ``benchmarks/defaults.py`` (docs/benchmarks/defaults.md).

The stacked families' layer widths, ``hidden="auto"`` (:func:`auto_stack_hidden`):
the classic 500-250-100 of the stacked autoencoder papers (set for 784-pixel
images), each layer capped at 4, 2 and 1 times the input width, so a table of
4 columns gets 16-8-4 instead of 500 units learning the identity of 4 inputs
from a hundred rows; inputs of 500 features or more keep 500-250-100.
The multiples were fixed before any run on the defaults benchmark's tables.

An explicit code as wide as the input or wider is allowed (an overcomplete
sparse or denoising code is a known design) but warned about with
:class:`aekit.exceptions.WideCodeWarning`; :class:`aekit.AnomalyDetector`
refuses it.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from aekit.exceptions import WideCodeWarning

AUTO = "auto"
AUTO_LATENT_VARIANCE = 0.90
AUTO_LATENT_MAX = 32
AUTO_LATENT_ROWS = 2000
AUTO_STACK = (500, 250, 100)  # the stacked autoencoder papers' widths, for 784-pixel images
AUTO_STACK_MULTIPLES = (4, 2, 1)  # each layer at most this many times the input width


def latent_cap(n_features: int, maximum: int = AUTO_LATENT_MAX) -> int:
    """The largest code "auto" picks for ``n_features`` inputs: half of them, at most ``maximum``
    (32; a family may set a smaller one), at least 1."""
    return int(max(1, min(maximum, n_features // 2)))


def auto_latent_dim(X_scaled: np.ndarray, seed: int = 0, maximum: int = AUTO_LATENT_MAX) -> int:
    """The "auto" code size for scaled training rows ``X_scaled`` (n_samples, n_features): the
    fewest principal components explaining 90 % of the variance, capped by :func:`latent_cap`."""
    X = np.asarray(X_scaled, dtype=np.float64).reshape(len(X_scaled), -1)
    n_features = X.shape[1]
    cap = latent_cap(n_features, maximum)
    if len(X) > AUTO_LATENT_ROWS:
        X = X[np.random.default_rng(seed).choice(len(X), AUTO_LATENT_ROWS, replace=False)]
    X = X[np.isfinite(X).all(axis=1)]
    if len(X) < 2:
        return cap
    singular = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    variance = singular ** 2
    if variance.sum() <= 0:
        return 1
    explained = np.cumsum(variance) / variance.sum()
    k = int(np.searchsorted(explained, AUTO_LATENT_VARIANCE - 1e-12) + 1)
    return int(min(max(k, 1), cap))


def auto_stack_hidden(n_features: int) -> tuple[int, ...]:
    """The layer widths of a stacked autoencoder with ``hidden="auto"`` for ``n_features`` inputs.

    Parameters
    ----------
    n_features : int
        Width of the (scaled, one-hot encoded) input.

    Returns
    -------
    tuple of int
        500, 250 and 100, each capped at 4, 2 and 1 times ``n_features`` (at least 1).

    Examples
    --------
    >>> auto_stack_hidden(4), auto_stack_hidden(13), auto_stack_hidden(784)
    ((16, 8, 4), (52, 26, 13), (500, 250, 100))
    """
    return tuple(int(max(1, min(width, multiple * int(n_features))))
                 for width, multiple in zip(AUTO_STACK, AUTO_STACK_MULTIPLES))


def resolve_latent_dim(latent_dim, X_scaled, n_features: int, estimator_name: str, seed: int = 0,
                       maximum: int = AUTO_LATENT_MAX, param: str = "latent_dim") -> int:
    """``latent_dim`` as an int: "auto" chosen by :func:`auto_latent_dim` on ``X_scaled``
    (None: by the width alone), an int checked, and warned about when it is as wide as the input."""
    def auto() -> int:
        return latent_cap(n_features, maximum) if X_scaled is None else auto_latent_dim(X_scaled, seed, maximum)

    if isinstance(latent_dim, str):
        if latent_dim != AUTO:
            raise ValueError(f"{param} must be a positive int or 'auto', got {latent_dim!r}")
        return auto()
    if not isinstance(latent_dim, numbers.Integral) or isinstance(latent_dim, bool) or latent_dim < 1:
        raise ValueError(f"{param} must be a positive int or 'auto', got {latent_dim!r}")
    if latent_dim >= n_features:
        warnings.warn(WideCodeWarning(
            f"{estimator_name}: {param}={latent_dim} is as wide as the input ({n_features} features or more); "
            f"the model can learn the identity map and reconstruct anything, noise and anomalies alike. "
            f"Use {param}='auto' (here {auto()}) "
            f"or a code narrower than {n_features}"), stacklevel=4)
    return int(latent_dim)


class FillsHiddenInput:
    """Mixin for the estimators that fill what their input hides (:class:`aekit.AutoencoderImputer`,
    :class:`aekit.ImageCompleter`): ``latent_dim`` without the wide-code warning. The network
    rebuilds cells or pixels hidden from its input, never the input it sees, so a code as wide
    as the input is no identity shortcut (the warning would be a false alarm, and its advice,
    ``latent_dim='auto'``, is not theirs to take)."""

    def _choose_latent_dim(self, data, n_features: int, seed: int) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WideCodeWarning)
            return super()._choose_latent_dim(data, n_features, seed)
