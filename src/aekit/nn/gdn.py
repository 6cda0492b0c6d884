"""Generalized divisive normalization (Ballé, Laparra & Simoncelli 2016).

``GDN`` divides each channel by a learned norm of all channels at the same
pixel, ``y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)``; ``inverse=True``
multiplies instead (IGDN, the synthesis transform's nonlinearity). beta and
gamma are kept non-negative by storing their square roots.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

BETA_MIN = 1e-6


class GDN(nn.Module):
    """GDN over the channels of (N, C, H, W) tensors; ``inverse=True`` gives IGDN.

    Parameters
    ----------
    channels : int
    inverse : bool, default=False
    gamma_init : float, default=0.1
        Initial diagonal of gamma (off-diagonal entries start at zero).

    Examples
    --------
    >>> import torch
    >>> gdn = GDN(4)
    >>> gdn(torch.ones(1, 4, 2, 2)).shape
    torch.Size([1, 4, 2, 2])
    """

    def __init__(self, channels: int, inverse: bool = False, gamma_init: float = 0.1):
        super().__init__()
        self.inverse = inverse
        self.beta_root = nn.Parameter(torch.ones(channels))
        self.gamma_root = nn.Parameter(torch.eye(channels) * gamma_init ** 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta = self.beta_root.square() + BETA_MIN
        gamma = self.gamma_root.square()
        norm = F.conv2d(x.square(), gamma[:, :, None, None], beta).sqrt()
        return x * norm if self.inverse else x / norm
