"""Corruption of inputs, as denoising autoencoders use while training.

Three kinds, after Vincent et al. (2010), "Stacked denoising autoencoders":

- ``"gaussian"``: add isotropic noise N(0, level**2);
- ``"masking"``: set each entry to 0 with probability ``level``;
- ``"salt_pepper"``: with probability ``level`` set an entry to the minimum or
  the maximum value (each with probability 1/2): 0 and 1 for data in [0, 1],
  otherwise the batch's own minimum and maximum.

torch is imported lazily so that ``import aekit.data`` stays quick.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from aekit.exceptions import DataError

if TYPE_CHECKING:
    import torch

__all__ = ["NOISE_KINDS", "corrupt", "corrupt_array"]

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")


def corrupt(
    x: torch.Tensor,
    kind: str,
    level: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Return a corrupted copy of ``x`` (``x`` itself is left unchanged).

    Parameters
    ----------
    x : torch.Tensor
        A floating-point tensor of any shape, typically a batch.
    kind : {"gaussian", "masking", "salt_pepper"}
        The corruption process (see the module docstring).
    level : float
        Standard deviation for "gaussian" (>= 0); probability of corrupting
        an entry for "masking" and "salt_pepper" (in [0, 1]).
    generator : torch.Generator, optional
        Source of randomness, for reproducible corruption; on ``x``'s device.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device as ``x``.

    Raises
    ------
    aekit.exceptions.DataError
        An unknown ``kind``, a ``level`` outside its range, or an integer tensor.

    Examples
    --------
    >>> import torch
    >>> x = torch.ones(2, 3)
    >>> corrupt(x, "masking", 0.0).equal(x)
    True
    >>> float(corrupt(x, "masking", 1.0).sum())   # every entry masked
    0.0
    """
    check_noise(kind, level)
    if not x.is_floating_point():
        raise DataError(f"corrupt() expects a floating-point tensor; got dtype {x.dtype}.")
    if level == 0 or x.numel() == 0:
        return x.clone()
    if kind == "gaussian":
        return x + float(level) * _normal_like(x, generator)
    if kind == "masking":
        return x * (_uniform_like(x, generator) >= level)
    return _salt_and_pepper(x, level, generator)


def corrupt_array(
    X: np.ndarray,
    kind: str,
    level: float,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """NumPy front end to :func:`corrupt`, e.g. to make a corrupted test set.

    Parameters
    ----------
    X : array-like of numbers
        The clean data (any shape; usually (n_samples, n_features)).
    kind, level
        As in :func:`corrupt`.
    random_state : int, numpy.random.Generator or None
        Seed for reproducible corruption.

    Returns
    -------
    numpy.ndarray
        A new float32 array of the same shape.

    Raises
    ------
    aekit.exceptions.DataError
        ``X`` is not numeric, or ``kind`` / ``level`` as in :func:`corrupt`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((1000, 4))
    >>> noisy = corrupt_array(X, "masking", 0.25, random_state=0)
    >>> noisy.dtype, 0.2 < float((noisy == 0).mean()) < 0.3, float(X.min())   # X itself unchanged
    (dtype('float32'), True, 1.0)
    >>> np.array_equal(noisy, corrupt_array(X, "masking", 0.25, random_state=0))
    True
    """
    import torch

    check_noise(kind, level)
    try:
        values = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"corrupt_array() expects an array of numbers; got {type(X).__name__}: {exc}") from None
    seed = int(np.random.default_rng(random_state).integers(2**63 - 1))
    generator = torch.Generator().manual_seed(seed)
    return corrupt(torch.from_numpy(values.copy()), kind, level, generator).numpy()


def check_noise(kind: str, level: float) -> None:
    """Raise DataError unless ``kind`` is a known noise kind and ``level`` fits it.

    Parameters
    ----------
    kind : str
        One of :data:`NOISE_KINDS`.
    level : float
        A standard deviation >= 0 for "gaussian"; a probability in [0, 1] otherwise.

    Raises
    ------
    aekit.exceptions.DataError
        Naming the allowed kinds or the allowed range.

    Examples
    --------
    >>> check_noise("gaussian", 0.3)
    >>> check_noise("masking", 1.5)
    Traceback (most recent call last):
    aekit.exceptions.DataError: masking noise level (a probability) must be in [0, 1]; got 1.5.
    """
    if kind not in NOISE_KINDS:
        raise DataError(f"noise kind must be one of {', '.join(NOISE_KINDS)}; got {kind!r}.")
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not math.isfinite(level):
        raise DataError(f"noise level must be a finite number; got {level!r}.")
    if kind == "gaussian" and level < 0:
        raise DataError(f"gaussian noise level (the standard deviation) must be >= 0; got {level}.")
    if kind != "gaussian" and not 0 <= level <= 1:
        raise DataError(f"{kind} noise level (a probability) must be in [0, 1]; got {level}.")


def _uniform_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    import torch

    return torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def _normal_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    import torch

    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def _salt_and_pepper(x: torch.Tensor, level: float, generator: torch.Generator | None) -> torch.Tensor:
    import torch

    low, high = x.min(), x.max()
    if low >= 0 and high <= 1:
        low, high = torch.zeros_like(low), torch.ones_like(high)
    hit = _uniform_like(x, generator) < level
    salt = _uniform_like(x, generator) < 0.5
    return torch.where(hit, torch.where(salt, high, low), x)
