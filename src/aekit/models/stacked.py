"""Stacked autoencoders (Bengio et al. 2007; Vincent et al. 2010).

A stack is a list of one-layer dense autoencoders (any member of the dense
family: plain, denoising, sparse, contractive, tied), where layer k maps the
codes of layer k-1 to codes of its own. Training has two phases, driven by
the estimator:

1. greedy layer-wise pretraining: each layer is trained alone, as an
   ordinary :class:`~aekit.models.autoencoder.DenseAutoencoder`, on the codes
   of the (frozen) layers below it;
2. fine-tuning of the whole stack end to end, either as a deep autoencoder
   (encoders, then decoders in reverse) or through a supervised head on the
   top codes (softmax for classification, linear for regression).

``loss(x)`` is the reconstruction loss of the unrolled stack; ``loss((x, y))``
is the supervised loss of the head.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.base import BaseAutoencoder, ModelConfig, reconstruction_loss

TASKS = ("classify", "regress")


@dataclasses.dataclass
class StackedConfig(ModelConfig):
    """A stack of one-layer autoencoders and an optional supervised head.

    ``layers`` holds one :class:`AutoencoderConfig` (as a dict) per layer;
    layer k's ``input_dim`` is layer k-1's ``latent_dim``. ``task`` is None
    (no head), ``"classify"`` (``n_outputs`` classes) or ``"regress"``
    (``n_outputs`` targets). ``dropout`` is the probability of dropping each
    layer's codes while the whole stack trains (fine-tuning); pretraining and
    ``eval()`` never drop.
    """

    input_dim: int
    layers: tuple[dict[str, Any], ...] = ()
    task: str | None = None
    n_outputs: int = 0
    dropout: float = 0.0

    def validate(self) -> None:
        if not self.layers:
            raise ValueError("a stacked autoencoder needs at least one layer, got layers=()")
        configs = self.layer_configs()
        below = self.input_dim
        for k, layer in enumerate(configs):
            if layer.input_dim != below:
                raise ValueError(f"layer {k + 1} takes {layer.input_dim} inputs, but the layer below "
                                 f"gives {below}; expected them to match")
            if layer.hidden:
                raise ValueError(f"each layer of a stack is one encoder layer; layer {k + 1} has hidden={layer.hidden}")
            below = layer.latent_dim
        if not 0 <= self.dropout < 1:  # also refuses NaN
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.task is not None and self.task not in TASKS:
            raise ValueError(f"task must be None or one of {TASKS}, got {self.task!r}")
        least = {"classify": 2, "regress": 1}.get(self.task, 0)
        if self.n_outputs < least:
            raise ValueError(f"task={self.task!r} needs n_outputs >= {least}, got {self.n_outputs}")

    def layer_configs(self) -> list[AutoencoderConfig]:
        return [AutoencoderConfig.from_dict(dict(layer)) for layer in self.layers]

    @property
    def latent_dim(self) -> int:
        """Size of the top codes."""
        return int(self.layers[-1]["latent_dim"])


class AutoencoderStack(BaseAutoencoder):
    """Dense autoencoder layers stacked on each other, with an optional head."""

    family = "stacked"
    config_class = StackedConfig

    def __init__(self, config: StackedConfig):
        super().__init__(config)
        self.layers = nn.ModuleList(DenseAutoencoder(c) for c in config.layer_configs())
        self.head = nn.Linear(config.latent_dim, config.n_outputs) if config.task else None

    def encode(self, x: torch.Tensor, depth: int | None = None) -> torch.Tensor:
        """Codes of the first ``depth`` layers (all of them by default), each
        dropped out with probability ``dropout`` in training mode."""
        for layer in self.layers[:depth]:
            x = layer.encode(x)
            if self.training and self.config.dropout:
                x = F.dropout(x, self.config.dropout)
        return x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        for layer in reversed(self.layers):
            z = layer.decode(z)
        return z

    def predict_head(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (classification) or predictions in scaled units (regression)."""
        if self.head is None:
            raise RuntimeError("this stack has no supervised head (task=None)")
        return self.head(self.encode(x))

    def loss(self, batch) -> dict[str, torch.Tensor]:
        if isinstance(batch, (tuple, list)) and len(batch) == 2:
            return self.supervised_loss(*batch)
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        kind = self.layers[0].config.reconstruction_loss
        return {"loss": reconstruction_loss(self(x), x, kind).mean()}

    def supervised_loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.predict_head(x)
        if self.config.task == "classify":
            return {"loss": F.cross_entropy(out, y.long())}
        return {"loss": F.mse_loss(out, y.reshape(out.shape))}
