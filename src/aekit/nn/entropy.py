"""Entropy models of a learned image codec (Ballé et al. 2017, 2018).

Both give the likelihood of each latent value under additive uniform noise
(training) or rounding (coding), and both turn into integer frequency tables
over the symbols ``-max_symbol .. max_symbol`` for the entropy coder:

- :class:`FactorizedDensity`: one learned non-parametric density per channel
  (the "factorized prior" of Ballé et al. 2018, appendix 6.1);
- :class:`GaussianConditional`: a zero-mean Gaussian whose scale comes from
  the hyperprior, convolved with a unit uniform; at coding time the scale is
  rounded up to one of ``n_scales`` log-spaced values, each with its table.

Tables put the probability mass beyond ``±max_symbol`` into the end symbols,
since coding clips latents there. :func:`quantize_pmf` turns probabilities
into integer frequencies with a fixed total by a rule that depends only on
its float64 input, so two tables made from the same numbers are identical.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

LIKELIHOOD_MIN = 1e-9
TABLE_BITS = 20  # frequencies sum to 2**TABLE_BITS (the range coder works at 24 bits)
SCALE_MIN, SCALE_MAX = 0.11, 64.0
SPEED = 10.0  # the factorized density's parameters are stored divided by this: it learns SPEED times faster


def quantize_pmf(pmf: np.ndarray, bits: int = TABLE_BITS) -> np.ndarray:
    """Integer frequencies for the rows of ``pmf``, the same on every machine.

    Each entry gets ``max(1, round(p * total))``; the rounding surplus or
    deficit is taken from or given to the row's largest entry.

    Parameters
    ----------
    pmf : array of shape (..., n_symbols)
        Non-negative weights per row (normalised here).
    bits : int, default=TABLE_BITS
        Each row sums to ``2**bits``.

    Returns
    -------
    ndarray of int32, same shape
        Every entry >= 1, every row summing to ``2**bits``.

    Raises
    ------
    ValueError
        More symbols than the table can give one count each.

    Examples
    --------
    >>> quantize_pmf([[0.5, 0.25, 0.25]], bits=4)
    array([[8, 4, 4]], dtype=int32)
    """
    pmf = np.asarray(pmf, dtype=np.float64)
    pmf = np.clip(pmf, 0.0, None)
    pmf = pmf / pmf.sum(axis=-1, keepdims=True)
    total = 1 << bits
    if pmf.shape[-1] >= total // 2:
        raise ValueError(f"{pmf.shape[-1]} symbols do not fit a table of 2**{bits}")
    freq = np.maximum(1, np.rint(pmf * total)).astype(np.int64)
    rows = freq.reshape(-1, freq.shape[-1])
    top = rows.argmax(axis=1)
    rows[np.arange(len(rows)), top] += total - rows.sum(axis=1)
    return rows.reshape(freq.shape).astype(np.int32)


def _fold_tails(cdf_low: torch.Tensor, cdf_high: torch.Tensor) -> torch.Tensor:
    """P(symbol) from the CDF at symbol -/+ 0.5, the end symbols taking the tails."""
    pmf = cdf_high - cdf_low
    pmf[..., 0] = cdf_high[..., 0]
    pmf[..., -1] = 1.0 - cdf_low[..., -1]
    return pmf


class FactorizedDensity(nn.Module):
    """A learned univariate density per channel, as a monotone cumulative function.

    The cumulative's logit is a chain of small per-channel affine maps with
    non-negative (softplus) matrices and ``tanh`` gates; the likelihood of a
    noisy or rounded value y is ``c(y + 1/2) - c(y - 1/2)``.

    The parameters are stored divided by ``SPEED`` (10) and multiplied back
    when used: with Adam, whose steps do not depend on the gradient's scale,
    the density then learns 10 times faster than the transforms. It starts
    wide (``init_scale``) and must narrow as the latents do; at the shared
    learning rate that took about 2,000 steps on Fashion-MNIST (the rate at
    step 500 was 0.76 bits per pixel, and 0.25 with ``SPEED``).

    Parameters
    ----------
    channels : int
    filters : tuple of int, default=(3, 3, 3)
        Widths of the hidden stages of the cumulative function.
    init_scale : float, default=10.0
        Rough width of the initial density.
    max_symbol : int, default=63
        Coding clips symbols to ``[-max_symbol, max_symbol]``.
    """

    def __init__(self, channels: int, filters: tuple[int, ...] = (3, 3, 3), init_scale: float = 10.0,
                 max_symbol: int = 63):
        super().__init__()
        widths = (1, *filters, 1)
        scale = init_scale ** (1 / (len(widths) - 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(widths) - 1):
            init = math.log(math.expm1(1 / scale / widths[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, widths[i + 1], widths[i]), init / SPEED)))
            self.biases.append(nn.Parameter((torch.rand(channels, widths[i + 1], 1) - 0.5) / SPEED))
            if i < len(widths) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, widths[i + 1], 1)))
        self.max_symbol = max_symbol
        # the integer tables the coder uses, filled by update_table() (stored in model files)
        self.register_buffer("table", torch.zeros(channels, 2 * max_symbol + 1, dtype=torch.int32))

    def _logits(self, values: torch.Tensor) -> torch.Tensor:
        """Logit of the cumulative at ``values`` of shape (C, 1, K)."""
        logits = values
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            logits = torch.matmul(F.softplus(SPEED * matrix), logits) + SPEED * bias
            if i < len(self.factors):
                logits = logits + torch.tanh(SPEED * self.factors[i]) * torch.tanh(logits)
        return logits

    def likelihood(self, y: torch.Tensor) -> torch.Tensor:
        """Probability of each value of ``y`` (N, C, H, W), its bin being [y - 1/2, y + 1/2]."""
        n, c = y.shape[:2]
        values = y.transpose(0, 1).reshape(c, 1, -1)
        lower, upper = self._logits(values - 0.5), self._logits(values + 0.5)
        sign = -torch.sign(lower + upper).detach()  # evaluate in the sigmoid's accurate tail
        p = (torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower)).abs()
        return p.clamp_min(LIKELIHOOD_MIN).reshape(c, n, *y.shape[2:]).transpose(0, 1)

    @torch.no_grad()
    def update_table(self) -> None:
        """Fill ``table`` with each channel's quantised symbol frequencies."""
        symbols = torch.arange(-self.max_symbol, self.max_symbol + 1, dtype=torch.float32, device=self.table.device)
        values = symbols.expand(self.table.shape[0], 1, -1)
        cdf_low = torch.sigmoid(self._logits(values - 0.5).double())[:, 0]
        cdf_high = torch.sigmoid(self._logits(values + 0.5).double())[:, 0]
        self.table.copy_(torch.from_numpy(quantize_pmf(_fold_tails(cdf_low, cdf_high).cpu().numpy())))


def scale_table(n_scales: int) -> torch.Tensor:
    """``n_scales`` log-spaced Gaussian scales from SCALE_MIN to SCALE_MAX."""
    return torch.exp(torch.linspace(math.log(SCALE_MIN), math.log(SCALE_MAX), n_scales))


def _normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(-x / math.sqrt(2.0))


class GaussianConditional(nn.Module):
    """Zero-mean Gaussian latents with given scales, convolved with a unit uniform.

    Parameters
    ----------
    n_scales : int, default=64
        Scales the coder knows (log-spaced in [0.11, 64]); a predicted scale is
        rounded up to the next one.
    max_symbol : int, default=63
    """

    def __init__(self, n_scales: int = 64, max_symbol: int = 63):
        super().__init__()
        self.max_symbol = max_symbol
        self.register_buffer("scales", scale_table(n_scales))
        symbols = torch.arange(-max_symbol, max_symbol + 1, dtype=torch.float64)
        sigma = self.scales.double()[:, None]
        pmf = _fold_tails(_normal_cdf((symbols - 0.5) / sigma), _normal_cdf((symbols + 0.5) / sigma))
        # fixed at construction from constants; stored in model files all the same, so a
        # file decodes with the tables it encoded with
        self.register_buffer("table", torch.from_numpy(quantize_pmf(pmf.numpy())))

    @staticmethod
    def likelihood(y: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """Probability of the bin [y - 1/2, y + 1/2] under N(0, scale^2), scale >= SCALE_MIN."""
        scale = scale.clamp_min(SCALE_MIN)
        y = y.abs()
        p = _normal_cdf((0.5 - y) / scale) - _normal_cdf((-0.5 - y) / scale)
        return p.clamp_min(LIKELIHOOD_MIN)

    def scale_index(self, scale: torch.Tensor) -> torch.Tensor:
        """Index of the smallest known scale >= ``scale`` (the largest for bigger ones)."""
        index = torch.searchsorted(self.scales, scale.contiguous(), right=False)
        return index.clamp_max(len(self.scales) - 1)
