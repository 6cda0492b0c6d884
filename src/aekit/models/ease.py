"""EASE (Steck, WWW 2019): the closed-form linear autoencoder of implicit feedback.

The item-item weights are ``B = I - P / diag(P)`` with ``P = (X^T X + lambda I)^-1``
and a zero diagonal, so an item never recommends itself. ``X^T X`` is built
from the sparse interaction matrix; only the n_items x n_items matrices are
dense, and :func:`ease_memory_bytes` says how much they need before anything
is allocated. There is no training loop: ``solve`` fills the weights.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from aekit.models.recommender import RecommenderConfig, RecommenderModel
from aekit._docs import fill_doc

# Peak of the dense n_items x n_items matrices while solving: the Gram matrix and
# its inverse in float64, and the float32 weights B.
EASE_BYTES_PER_CELL = 20  # float64 Gram + float64 inverse + float32 weights


def ease_memory_bytes(n_items: int) -> int:
    """Peak memory of the dense matrices EASE needs for ``n_items`` items."""
    return EASE_BYTES_PER_CELL * n_items * n_items


def item_gram(X, users_per_block: int = 2048) -> np.ndarray:
    """Dense ``X^T X`` (float64) summed over blocks of users: the sparse product
    of the whole matrix can hold far more entries than the dense result."""
    gram = np.zeros((X.shape[1], X.shape[1]), dtype=np.float64)
    for start in range(0, X.shape[0], users_per_block):
        block = X[start:start + users_per_block]
        product = (block.T @ block).tocoo()
        np.add.at(gram, (product.row, product.col), product.data)
    return gram


@fill_doc
@dataclasses.dataclass
class EASEConfig(RecommenderConfig):
    """EASE (Steck 2019): an item x item weight matrix with a zero diagonal, in closed form.

    Attributes
    ----------
    input_dim : int
        n_items.
    l2 : float
        The ridge lambda (> 0).
    %(recommender_sizes)s

    Examples
    --------
    >>> EASEConfig(n_users=2, n_items=3, input_dim=3, l2=0).validate()
    Traceback (most recent call last):
    ValueError: l2 (lambda) must be > 0, got 0
    """

    input_dim: int = 1  # n_items
    l2: float = 200.0  # lambda (the estimator's default)

    def validate(self) -> None:
        super().validate()
        if self.input_dim != self.n_items:
            raise ValueError(f"EASE reads vectors of n_items={self.n_items}, got input_dim={self.input_dim}")
        if not self.l2 > 0:
            raise ValueError(f"l2 (lambda) must be > 0, got {self.l2}")


@fill_doc
class EASE(RecommenderModel):
    """The EASE model: scores are ``x @ weights``; :meth:`solve` sets the weights.

    Parameters
    ----------
    config : EASEConfig
        Its settings, validated on construction.

    Attributes
    ----------
    weights : torch.Tensor of shape (n_items, n_items)
        Zero on the diagonal (an item never recommends itself).
    %(recommender_attributes)s

    Examples
    --------
    >>> import torch
    >>> from scipy import sparse
    >>> model = EASE(EASEConfig(n_users=3, n_items=3, input_dim=3, l2=1.0))
    >>> model.solve(sparse.csr_matrix([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    >>> scores = model(torch.tensor([[1.0, 0.0, 0.0]]))   # a user who has item 0
    >>> bool(scores[0, 1] > scores[0, 2])                  # item 1 goes with item 0
    True
    """

    family = "ease"
    config_class = EASEConfig
    config: EASEConfig

    def __init__(self, config: EASEConfig):
        super().__init__(config)
        self.register_buffer("weights", torch.zeros(config.n_items, config.n_items))

    def solve(self, X) -> None:
        """Fill ``weights`` from the binary users x items sparse matrix ``X``.

        Parameters
        ----------
        X : scipy.sparse matrix of shape (n_users, n_items)
            The interactions (1 where a user has an item).

        Examples
        --------
        >>> import torch
        >>> from scipy import sparse
        >>> model = EASE(EASEConfig(n_users=2, n_items=2, input_dim=2, l2=1.0))
        >>> model.solve(sparse.csr_matrix([[1.0, 1.0], [1.0, 0.0]]))
        >>> torch.diagonal(model.weights).tolist(), bool(model.weights[0, 1] > 0)
        ([0.0, 0.0], True)
        """
        gram = item_gram(X)
        gram[np.diag_indices_from(gram)] += self.config.l2
        P = np.linalg.inv(gram)
        del gram
        P /= -np.diag(P)  # column j divided by -P_jj
        P[np.diag_indices_from(P)] = 0.0
        self.weights.copy_(torch.from_numpy(P))  # converts to float32 without a numpy copy

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weights

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x = batch[0]
        loss = (self(x) - x).pow(2).sum(dim=1).mean()
        return {"loss": loss}
