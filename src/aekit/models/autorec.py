"""AutoRec (Sedhain et al., WWW 2015): an autoencoder of partially observed rating vectors.

Each input is one item's ratings by all users (I-AutoRec) or one user's
ratings of all items (U-AutoRec), with 0 where nothing is observed. The loss
is the squared error over observed entries only, plus L2 weight decay
(lambda / 2) * ||W||^2; the objective is divided by the number of training
ratings so that a mini-batch estimates it without bias.

Batches come as ``(values, mask)`` (train) or ``(values, mask, targets,
target_mask)`` (validation: reconstruct from the training ratings, score on
held-out ones), as :class:`aekit.training.batches.SparseRowBatches` yields them.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from aekit.models.recommender import RecommenderConfig, RecommenderModel
from aekit.nn.layers import ACTIVATIONS, make_activation
from aekit._docs import fill_doc

AUTOREC_KINDS = ("item", "user")


@fill_doc
@dataclasses.dataclass
class AutoRecConfig(RecommenderConfig):
    """AutoRec (Sedhain et al. 2015): one hidden layer over the rating vectors of items (or users).

    Attributes
    ----------
    kind : {"item", "user"}
        I-AutoRec reads each item's ratings by every user; U-AutoRec each user's.
    input_dim : int
        n_users for I-AutoRec, n_items for U-AutoRec.
    hidden : int
        Size of the hidden layer.
    activation, output_activation : str
        Keys of ``aekit.nn.ACTIVATIONS``.
    input_dropout : float
        Dropout on the input vectors, in [0, 1).
    l2 : float
        The paper's lambda: weight decay of both weight matrices.
    rating_min, rating_max : float
        The rating scale predictions are clipped to.
    %(recommender_sizes)s

    Examples
    --------
    >>> AutoRecConfig(n_users=3, n_items=5, input_dim=3).kind
    'item'
    >>> AutoRecConfig(n_users=3, n_items=5, input_dim=5).validate()
    Traceback (most recent call last):
    ValueError: item-AutoRec reads vectors of length 3, got input_dim=5
    """

    kind: str = "item"
    input_dim: int = 1  # n_users for I-AutoRec, n_items for U-AutoRec
    hidden: int = 500
    activation: str = "sigmoid"
    output_activation: str = "identity"
    input_dropout: float = 0.0
    l2: float = 1.0  # lambda of the paper
    rating_min: float = 1.0
    rating_max: float = 5.0

    def validate(self) -> None:
        super().validate()
        if self.kind not in AUTOREC_KINDS:
            raise ValueError(f"kind must be one of {AUTOREC_KINDS}, got {self.kind!r}")
        expected = self.n_users if self.kind == "item" else self.n_items
        if self.input_dim != expected:
            raise ValueError(f"{self.kind}-AutoRec reads vectors of length {expected}, got input_dim={self.input_dim}")
        if self.hidden < 1:
            raise ValueError(f"hidden must be >= 1, got {self.hidden}")
        for name in (self.activation, self.output_activation):
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
        if not 0 <= self.input_dropout < 1:
            raise ValueError(f"input_dropout must be in [0, 1), got {self.input_dropout}")
        if not self.l2 >= 0:
            raise ValueError(f"l2 must be >= 0, got {self.l2}")
        if not self.rating_min < self.rating_max:
            raise ValueError(f"rating scale must have min < max, got [{self.rating_min}, {self.rating_max}]")


@fill_doc
class AutoRec(RecommenderModel):
    """The AutoRec network: dropout, one hidden layer, a linear (or activated) output.

    Parameters
    ----------
    config : AutoRecConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder : torch.nn.Sequential
        Input -> hidden, hidden -> ratings.
    %(recommender_attributes)s

    Examples
    --------
    >>> import torch
    >>> model = AutoRec(AutoRecConfig(n_users=3, n_items=5, input_dim=3, hidden=4, rating_min=1.0, rating_max=5.0))
    >>> predicted = model.clipped(torch.zeros(5, 3))   # one row per item: its ratings by the 3 users
    >>> predicted.shape, bool(((predicted >= 1) & (predicted <= 5)).all())
    (torch.Size([5, 3]), True)
    """

    family = "autorec"
    config_class = AutoRecConfig
    config: AutoRecConfig

    def __init__(self, config: AutoRecConfig):
        super().__init__(config)
        self.encoder = nn.Sequential(nn.Dropout(config.input_dropout), nn.Linear(config.input_dim, config.hidden),
                                     make_activation(config.activation))
        self.decoder = nn.Sequential(nn.Linear(config.hidden, config.input_dim),
                                     make_activation(config.output_activation))

    def weight_penalty(self) -> torch.Tensor:
        """(lambda / 2) * ||W||^2 over both weight matrices (biases are not penalised).

        Returns
        -------
        torch.Tensor
            A scalar.

        Examples
        --------
        >>> model = AutoRec(AutoRecConfig(n_users=3, n_items=5, input_dim=3, hidden=4, l2=2.0))
        >>> W1, W2 = model.encoder[1].weight, model.decoder[0].weight
        >>> bool(abs(model.weight_penalty() - (W1.pow(2).sum() + W2.pow(2).sum())) < 1e-5)
        True
        """
        weights = (self.encoder[1].weight, self.decoder[0].weight)
        return 0.5 * self.config.l2 * sum(w.pow(2).sum() for w in weights)

    def clipped(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted ratings, clipped to [rating_min, rating_max].

        Parameters
        ----------
        x : torch.Tensor of shape (batch, input_dim)
            Rating vectors (0 where unobserved).

        Returns
        -------
        torch.Tensor of shape (batch, input_dim)

        Examples
        --------
        >>> import torch
        >>> model = AutoRec(AutoRecConfig(n_users=2, n_items=2, input_dim=2, hidden=3, rating_min=0.5, rating_max=1.0))
        >>> float(model.clipped(torch.full((1, 2), 100.0)).min()) >= 0.5
        True
        """
        return self(x).clamp(self.config.rating_min, self.config.rating_max)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        if len(batch) == 4:  # validation: predict held-out ratings from the training ones
            x, mask, targets, target_mask = batch
            error = (self.clipped(x * mask) - targets).pow(2) * target_mask
            mse = error.sum() / target_mask.sum().clamp(min=1)
            return {"loss": mse, "mse": mse}
        x, mask = batch
        x = x * mask  # unobserved entries are neither input nor target
        error = (self(x) - x).pow(2) * mask
        mse = error.sum() / mask.sum().clamp(min=1)
        penalty = self.weight_penalty() / max(self.config.n_interactions, 1)
        return {"loss": mse + penalty, "mse": mse}
