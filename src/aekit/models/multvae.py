"""Mult-VAE and Mult-DAE (Liang et al., WWW 2018) for implicit feedback.

A user's binary interaction vector is L2-normalised, dropped out (input
dropout, training only), encoded by a tanh MLP and decoded to one logit per
item; the loss is the multinomial log-likelihood of the user's items under
the softmax of the logits. Mult-VAE encodes to a Gaussian posterior and adds
beta * KL, with beta annealed linearly from 0 to ``anneal_cap`` over
``anneal_steps`` training steps; Mult-DAE is the same network with a
deterministic code and no KL.

Batches come as ``(x, mask)`` (train: reconstruct the user's own items) or
``(x, mask, targets, target_mask)`` (validation, strong generalisation:
held-out items given the others). The validation loss is minus the NDCG@100
of the held-out items (the input items excluded from the ranking), the
criterion Liang et al. select models by; the held-out likelihood is reported
as ``nll``.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.latent import gaussian_kl, reparameterize
from aekit.models.recommender import RecommenderConfig, RecommenderModel
from aekit.nn.mlp import MLPDecoder, MLPEncoder
from aekit._docs import fill_doc


VALIDATION_K = 100


def ranking_ndcg(scores: torch.Tensor, targets: torch.Tensor, k: int) -> torch.Tensor:
    """Mean NDCG@k (binary gains) of each row's ranking of ``scores`` against its nonzero ``targets``."""
    k = min(k, scores.shape[1])
    top = scores.topk(k, dim=1).indices
    discounts = 1.0 / torch.log2(torch.arange(2, k + 2, dtype=scores.dtype))
    dcg = ((targets.gather(1, top) > 0).to(scores.dtype) * discounts).sum(dim=1)
    n_relevant = (targets > 0).sum(dim=1).clamp(max=k)
    idcg = torch.cat([torch.zeros(1, dtype=scores.dtype), discounts.cumsum(0)])[n_relevant]
    return (dcg / idcg.clamp(min=1e-12)).mean()


@fill_doc
@dataclasses.dataclass
class MultVAEConfig(RecommenderConfig):
    """Mult-VAE / Mult-DAE (Liang et al. 2018): a multinomial likelihood over a user's items.

    Attributes
    ----------
    input_dim : int
        n_items.
    hidden : tuple of int
        The encoder's hidden layers (tanh; the decoder mirrors them).
    latent_dim : int
        Size of the code.
    variational : bool
        True: Mult-VAE; False: Mult-DAE.
    input_dropout : float
        Dropout on the normalised input, in [0, 1).
    anneal_cap, anneal_steps : float, int
        The KL weight rises linearly to ``anneal_cap`` over ``anneal_steps`` training steps.
    l2 : float
        Weight decay added per batch.
    %(recommender_sizes)s

    Examples
    --------
    >>> MultVAEConfig(n_users=2, n_items=4, input_dim=4, hidden=(8,), latent_dim=0).validate()
    Traceback (most recent call last):
    ValueError: latent_dim and hidden sizes must be >= 1, got 0, (8,)
    """

    input_dim: int = 1  # n_items
    hidden: tuple[int, ...] = (600,)
    latent_dim: int = 200
    variational: bool = True  # False: Mult-DAE
    input_dropout: float = 0.5
    anneal_cap: float = 0.2
    anneal_steps: int = 1
    l2: float = 0.0  # (lambda / 2) * ||W||^2, added per batch (Mult-DAE uses it instead of the KL)

    def validate(self) -> None:
        super().validate()
        if self.input_dim != self.n_items:
            raise ValueError(f"Mult-VAE reads vectors of n_items={self.n_items}, got input_dim={self.input_dim}")
        if self.latent_dim < 1 or any(h < 1 for h in self.hidden):
            raise ValueError(f"latent_dim and hidden sizes must be >= 1, got {self.latent_dim}, {self.hidden}")
        if not 0 <= self.input_dropout < 1:
            raise ValueError(f"input_dropout must be in [0, 1), got {self.input_dropout}")
        if not self.anneal_cap >= 0 or self.anneal_steps < 1:
            raise ValueError(f"anneal_cap must be >= 0 and anneal_steps >= 1, got {self.anneal_cap}, {self.anneal_steps}")
        if not self.l2 >= 0:
            raise ValueError(f"l2 must be >= 0, got {self.l2}")


@fill_doc
class MultVAE(RecommenderModel):
    """The Mult-VAE / Mult-DAE network (see :class:`MultVAEConfig`).

    Parameters
    ----------
    config : MultVAEConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder : torch.nn.Module
        tanh MLPs, initialised as Liang et al.'s code.
    step : torch.Tensor
        Training steps taken (drives the KL annealing).
    %(recommender_attributes)s

    Examples
    --------
    >>> import torch
    >>> model = MultVAE(MultVAEConfig(n_users=2, n_items=6, input_dim=6, hidden=(8,), latent_dim=3)).eval()
    >>> model.encode(torch.ones(2, 6)).shape, model(torch.ones(2, 6)).shape
    (torch.Size([2, 3]), torch.Size([2, 6]))
    """

    family = "multvae"
    config_class = MultVAEConfig
    config: MultVAEConfig

    def __init__(self, config: MultVAEConfig):
        super().__init__(config)
        code_size = 2 * config.latent_dim if config.variational else config.latent_dim
        self.dropout = nn.Dropout(config.input_dropout)
        self.encoder = MLPEncoder(config.input_dim, config.hidden, code_size, activation="tanh")
        self.decoder = MLPDecoder(config.latent_dim, config.hidden, config.input_dim, activation="tanh")
        self.register_buffer("step", torch.zeros((), dtype=torch.int64))  # drives the KL annealing
        self._init_as_liang()

    def _init_as_liang(self) -> None:
        """Xavier-uniform weights and N(0, 0.001^2) biases, as Liang et al.'s code: PyTorch's default
        (uniform in +-1/sqrt(fan_in)) leaves the 600 x n_items layers too small, and on movielens-small
        the model then ranks little better than popularity."""
        for name, parameter in self.named_parameters():
            if name.endswith("weight"):
                nn.init.xavier_uniform_(parameter)
            else:
                nn.init.normal_(parameter, std=0.001)

    def _posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.encoder(self.dropout(F.normalize(x, dim=1)))
        if not self.config.variational:
            return h, None
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code of each user (the posterior mean for Mult-VAE).

        Parameters
        ----------
        x : torch.Tensor of shape (n_users, n_items)
            Each user's interactions (normalised inside).

        Returns
        -------
        torch.Tensor of shape (n_users, latent_dim)

        Examples
        --------
        >>> import torch
        >>> model = MultVAE(MultVAEConfig(n_users=2, n_items=6, input_dim=6, hidden=(8,), latent_dim=3)).eval()
        >>> torch.allclose(model.encode(torch.ones(1, 6)), model.encode(3 * torch.ones(1, 6)))   # scale-free
        True
        """
        return self._posterior(x)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Item logits from the posterior mean: the scores used for ranking.

        Parameters
        ----------
        x : torch.Tensor of shape (n_users, n_items)
            Each user's interactions.

        Returns
        -------
        torch.Tensor of shape (n_users, n_items)

        Examples
        --------
        >>> import torch
        >>> model = MultVAE(MultVAEConfig(n_users=2, n_items=6, input_dim=6, hidden=(8,), latent_dim=3)).eval()
        >>> model(torch.eye(6)[:2]).shape
        torch.Size([2, 6])
        """
        return self.decode(self.encode(x))

    @property
    def beta(self) -> float:
        """The KL weight now: ``anneal_cap * min(1, step / anneal_steps)``."""
        return self.config.anneal_cap * min(1.0, float(self.step) / self.config.anneal_steps)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x, targets = (batch[0], batch[2]) if len(batch) == 4 else (batch[0], batch[0])
        mu, logvar = self._posterior(x)
        z = mu
        if logvar is not None and self.training:
            z = reparameterize(mu, logvar)
        logits = self.decode(z)
        nll = -(F.log_softmax(logits, dim=1) * targets).sum(dim=1).mean()
        terms = {"nll": nll}
        if len(batch) == 4 and not self.training:  # model selection as Liang et al.: NDCG@100 of held-out items
            terms["ndcg"] = ranking_ndcg(logits.masked_fill(x > 0, float("-inf")), targets, VALIDATION_K)
            terms["loss"] = -terms["ndcg"]
            return terms
        loss = nll
        if self.training:
            if logvar is not None:
                terms["kl"] = gaussian_kl(mu, logvar).sum(dim=1).mean()
                loss = loss + self.beta * terms["kl"]
                self.step += 1
            if self.config.l2 > 0:
                loss = loss + 0.5 * self.config.l2 * sum(p.pow(2).sum() for n, p in self.named_parameters()
                                                         if n.endswith("weight"))
        terms["loss"] = loss
        return terms
