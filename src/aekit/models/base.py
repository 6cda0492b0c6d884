"""What every model family shares: a config dataclass that round-trips
through JSON, and an autoencoder base with encode / decode / loss."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F


@dataclasses.dataclass
class ModelConfig:
    """Base of every family's config: plain fields that round-trip through JSON."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild a config, refusing unknown or missing fields with one clear line."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{cls.__name__} got unknown fields {unknown}; expected only {sorted(names)}")
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        config = cls(**fields)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ValueError on values that cannot make a working model."""


RECONSTRUCTION_LOSSES = ("mse", "bce")


def reconstruction_loss(x_hat: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-sample reconstruction loss (mean over features), shape (n,)."""
    if kind == "mse":
        return F.mse_loss(x_hat, x, reduction="none").mean(dim=1)
    if kind == "bce":
        return F.binary_cross_entropy(x_hat.clamp(1e-6, 1 - 1e-6), x, reduction="none").mean(dim=1)
    raise ValueError(f"unknown reconstruction loss {kind!r}; expected one of {RECONSTRUCTION_LOSSES}")


class BaseAutoencoder(nn.Module):
    """An encoder, a decoder and a ``loss(batch)`` that returns named terms.

    Subclasses set ``family`` and ``config_class`` and build ``encoder`` and
    ``decoder``; ``loss`` must return a dict whose ``"loss"`` entry is what
    training minimises (other entries are logged).
    """

    family: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]

    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        self.config = config

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def set_epoch(self, epoch: int) -> None:
        """Called by training at the start of each epoch (0-based); schedules
        such as a VAE's KL warm-up use it. Most families ignore it."""

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample mean squared error of the (uncorrupted) reconstruction."""
        return F.mse_loss(self(x), x, reduction="none").mean(dim=1)
