"""The marginalized (stacked) denoising autoencoder, mDA / mSDA
(Chen, Xu, Weinberger and Sha, ICML 2012).

A linear denoiser ``W`` (d x (d + 1), the last column a bias) that maps
masked inputs back to clean ones, with the masking marginalized out: for
masking probability ``p`` and ``q = [1 - p, ..., 1 - p, 1]`` (the bias is
never masked), with ``S = [X; 1][X; 1]^T``,

    Q = S * (q q^T), except diag(Q) = q * diag(S)     (E[x~ x~^T])
    P = S[:d] * q^T                                   (E[x x~^T])
    W = P Q^-1

computed as a Cholesky solve ``solve(Q + ridge, P^T)^T`` in float64 (no
inverse); the scatter matrix's products are float32 under masking noise
(see :func:`scatter_dtype`), summed in float64. Each
layer's code is ``activation(W [h; 1])``; layers stack on the previous
layer's codes. No training loop: :func:`solve_layer` is the whole fit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
import scipy.sparse
import torch
from torch import nn

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.nn import ACTIVATIONS, make_activation
from aekit._docs import fill_doc

OUTPUTS = ("concat", "top")


@dataclasses.dataclass
class MSDAConfig(ModelConfig):
    """``n_layers`` mDA layers of width ``input_dim``; ``output="concat"``
    gives the input and every layer's codes side by side, ``"top"`` the last
    layer's codes.

    Attributes
    ----------
    input_dim, n_layers : int
        Width of the rows (and of every layer), number of layers.
    noise_level : float
        Masking probability p in [0, 1), marginalised in closed form.
    ridge : float
        Ridge on the weights (not the bias) of each layer's solve.
    activation : str
        Applied to each layer's output (a key of ``aekit.nn.ACTIVATIONS``).
    output : {"concat", "top"}
        What ``encode`` returns.

    Examples
    --------
    >>> MSDAConfig(input_dim=10, n_layers=3).latent_dim, MSDAConfig(input_dim=10, output="top").latent_dim
    (40, 10)
    """

    input_dim: int
    n_layers: int = 3
    noise_level: float = 0.5
    ridge: float = 1e-5
    activation: str = "tanh"
    output: str = "concat"

    def validate(self) -> None:
        if self.input_dim < 1 or self.n_layers < 1:
            raise ValueError(f"input_dim and n_layers must be >= 1, got {self.input_dim}, {self.n_layers}")
        if not 0 <= self.noise_level < 1:  # also refuses NaN
            raise ValueError(f"noise_level (masking probability p) must be in [0, 1), got {self.noise_level}")
        if not self.ridge >= 0:
            raise ValueError(f"ridge must be >= 0, got {self.ridge}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {self.output!r}")

    @property
    def latent_dim(self) -> int:
        """Width of the codes ``encode`` returns."""
        return self.input_dim * (self.n_layers + 1 if self.output == "concat" else 1)


SCATTER_BLOCK_ROWS = 8192


def scatter_dtype(noise_level: float):
    """Precision of the scatter matrix's products: float32 under masking noise, else float64.

    Masking adds ``p (1 - p) diag(S)`` to Q's diagonal, which keeps Q, scaled by
    its diagonal, conditioned below about ``d / (p (1 - p))``; float32 products
    (relative rounding ~1e-7 a block) then change W by ~1e-6, at half the time
    and without a float64 copy of X. Without noise (``p = 0``, least squares) Q
    can be as ill-conditioned as the data: float64."""
    return np.float32 if noise_level > 0 else np.float64


def scatter_with_bias(X, dtype=np.float64) -> np.ndarray:
    """``S = [X, 1]^T [X, 1]`` summed in float64, shape (d + 1, d + 1).

    X (n, d) dense or scipy sparse (kept sparse, float64: only the d x d product
    is dense). Dense X is taken in blocks of :data:`SCATTER_BLOCK_ROWS` rows,
    each block's ``B^T B`` computed in ``dtype`` (a BLAS syrk) and added into
    the float64 sum, so no full-size copy of X is made in either precision."""
    n, d = X.shape
    S = np.zeros((d + 1, d + 1))
    if scipy.sparse.issparse(X):
        X = scipy.sparse.csr_matrix(X, dtype=np.float64)
        S[:d, :d] = (X.T @ X).toarray()
        column_sums = np.asarray(X.sum(axis=0)).ravel()
    else:
        column_sums = np.zeros(d)
        for start in range(0, n, SCATTER_BLOCK_ROWS):
            block = np.ascontiguousarray(X[start:start + SCATTER_BLOCK_ROWS], dtype=dtype)
            S[:d, :d] += block.T @ block
            column_sums += block.sum(axis=0, dtype=np.float64)
    S[:d, d] = S[d, :d] = column_sums
    S[d, d] = n
    return S


def solve_layer(S: np.ndarray, noise_level: float, ridge: float) -> np.ndarray:
    """The mDA weights ``W`` (d, d + 1) from the scatter matrix ``S`` (d + 1, d + 1).

    Q is symmetric positive definite whenever there is noise or a ridge: a
    Cholesky solve; a singular Q (no noise, no ridge, collinear features)
    falls back to the general LU solve."""
    d = S.shape[0] - 1
    q = np.full(d + 1, 1.0 - noise_level)
    q[d] = 1.0
    Q = S * np.outer(q, q)
    np.fill_diagonal(Q, q * np.diag(S))
    P = S[:d, :] * q[None, :]
    regulariser = np.full(d + 1, ridge)
    regulariser[d] = 0.0  # the bias is not shrunk
    Q[np.diag_indices_from(Q)] += regulariser
    try:
        return scipy.linalg.solve(Q, P.T, assume_a="pos").T
    except np.linalg.LinAlgError:
        return scipy.linalg.solve(Q, P.T).T


@fill_doc
class MSDA(BaseAutoencoder):
    """Stacked mDA layers; weights are set by :meth:`fit_closed_form`.

    Parameters
    ----------
    config : MSDAConfig
        Its settings, validated on construction.

    Attributes
    ----------
    weights : torch.nn.ParameterList
        One (d, d + 1) matrix per layer, the last column the bias (not trained by gradients).
    activation : torch.nn.Module
        The layers' activation.

    Examples
    --------
    %(msda_model)s
    >>> msda.encode(X[:5]).shape, len(msda.layer_codes(X[:5]))
    (torch.Size([5, 192]), 2)
    """

    family = "msda"
    config_class = MSDAConfig

    def __init__(self, config: MSDAConfig):
        super().__init__(config)
        d = config.input_dim
        self.weights = nn.ParameterList(nn.Parameter(torch.zeros(d, d + 1), requires_grad=False)
                                        for _ in range(config.n_layers))
        self.activation = make_activation(config.activation)

    @torch.no_grad()
    def fit_closed_form(self, X) -> MSDA:
        """Solve every layer on ``X`` in float64 (no gradient steps).

        Parameters
        ----------
        X : numpy.ndarray or scipy.sparse matrix of shape (n, input_dim)
            The (scaled) training rows.

        Returns
        -------
        MSDA
            ``self``.

        Examples
        --------
        %(msda_model)s
        >>> corrupted = X * (torch.rand(X.shape, generator=torch.Generator().manual_seed(0)) > 0.5)
        >>> bool(((msda(corrupted) - X) ** 2).mean() < ((corrupted - X) ** 2).mean())   # it denoises
        True
        """
        c = self.config
        h = X
        for k, weight in enumerate(self.weights):
            S = scatter_with_bias(h, scatter_dtype(c.noise_level))
            weight.copy_(torch.from_numpy(solve_layer(S, c.noise_level, c.ridge)))
            if k + 1 < len(self.weights):  # the next layer's input; the top layer's codes are not needed
                h = self._layer_output(weight, h)
        return self

    def _layer_output(self, weight: torch.Tensor, h) -> np.ndarray:
        """Codes of one layer in float32, as ``encode`` computes them (the solve alone is float64)."""
        W = weight.numpy()
        linear = h @ W[:, :-1].T + W[:, -1]  # sparse @ dense gives a dense array
        return self.activation(torch.from_numpy(np.asarray(linear, dtype=np.float32))).numpy()

    def layer_codes(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each layer's codes, bottom first.

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        list of torch.Tensor of shape (batch, input_dim)

        Examples
        --------
        %(msda_model)s
        >>> [code.shape[1] for code in msda.layer_codes(X[:5])]
        [64, 64]
        """
        codes = []
        for weight in self.weights:
            x = self.activation(x @ weight[:, :-1].T + weight[:, -1])
            codes.append(x)
        return codes

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        codes = self.layer_codes(x)
        return torch.cat([x, *codes], dim=1) if self.config.output == "concat" else codes[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The first layer's denoised reconstruction ``W [x; 1]`` (what mDA is solved for).

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch, input_dim)

        Examples
        --------
        %(msda_model)s
        >>> msda(X[:5]).shape
        torch.Size([5, 64])
        """
        weight = self.weights[0]
        return x @ weight[:, :-1].T + weight[:, -1]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Not available: mSDA has no decoder from its codes.

        Parameters
        ----------
        %(z_batch)s

        Raises
        ------
        NotImplementedError
            Always; :meth:`forward` gives the first layer's reconstruction.

        Examples
        --------
        >>> MSDA(MSDAConfig(input_dim=3)).decode(torch.zeros(1, 12))
        Traceback (most recent call last):
        NotImplementedError: mSDA codes cannot be decoded back to inputs; ...
        """
        raise NotImplementedError("mSDA codes cannot be decoded back to inputs; use forward(x) "
                                  "for the first layer's denoised reconstruction")
