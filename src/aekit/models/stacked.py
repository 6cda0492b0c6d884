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

A supervised stack may also have a *linear path*: a linear map from the
input straight to the head's outputs, added to the head's. Set to a
logistic (or linear) regression and with the head at zero, the network is
that regression; fine-tuning then brings the stack in only as far as it
helps (see :meth:`AutoencoderStack.init_linear_path`).

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
from aekit._docs import fill_doc

TASKS = ("classify", "regress")


@fill_doc
@dataclasses.dataclass
class StackedConfig(ModelConfig):
    """A stack of one-layer autoencoders and an optional supervised head.

    ``layers`` holds one :class:`AutoencoderConfig` (as a dict) per layer;
    layer k's ``input_dim`` is layer k-1's ``latent_dim``. ``task`` is None
    (no head), ``"classify"`` (``n_outputs`` classes) or ``"regress"``
    (``n_outputs`` targets). ``dropout`` is the probability of dropping each
    layer's codes while the whole stack trains (fine-tuning); pretraining and
    ``eval()`` never drop. ``linear_path`` adds a linear map from the input to
    the head's outputs (a supervised stack only).

    Attributes
    ----------
    input_dim : int
        Width of the rows.
    layers : tuple of dict
        One :class:`AutoencoderConfig` (as a dict, ``hidden=()``) per layer.
    task : {None, "classify", "regress"}
        The supervised head.
    n_outputs : int
        Classes or targets of the head.
    dropout : float
        In [0, 1).
    linear_path : bool
        A linear map from the input straight to the outputs, added to the head's.

    Examples
    --------
    %(stack_model)s
    >>> stack.config.latent_dim, [c.latent_dim for c in stack.config.layer_configs()]
    (2, [4, 2])
    >>> StackedConfig(input_dim=5, layers=layers).validate()
    Traceback (most recent call last):
    ValueError: layer 1 takes 6 inputs, but the layer below gives 5; expected them to match
    """

    input_dim: int
    layers: tuple[dict[str, Any], ...] = ()
    task: str | None = None
    n_outputs: int = 0
    dropout: float = 0.0
    linear_path: bool = False  # model files written before it have none

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
        if self.linear_path and self.task is None:
            raise ValueError("linear_path=True maps the input to a supervised head's outputs: it needs "
                             "task='classify' or 'regress', got task=None")

    def layer_configs(self) -> list[AutoencoderConfig]:
        """Each layer's :class:`AutoencoderConfig`, rebuilt (and validated) from ``layers``.

        Returns
        -------
        list of AutoencoderConfig

        Raises
        ------
        ValueError
            A layer with an unknown field or a value its validation refuses.

        Examples
        --------
        >>> config = StackedConfig(input_dim=6, layers=({"input_dim": 6, "latent_dim": 3, "hidden": ()},))
        >>> config.layer_configs()[0].latent_dim
        3
        """
        return [AutoencoderConfig.from_dict(dict(layer)) for layer in self.layers]

    @property
    def latent_dim(self) -> int:
        """Size of the top codes."""
        return int(self.layers[-1]["latent_dim"])


@fill_doc
class AutoencoderStack(BaseAutoencoder):
    """Dense autoencoder layers stacked on each other, with an optional head.

    Parameters
    ----------
    config : StackedConfig
        Its settings, validated on construction.

    Attributes
    ----------
    layers : torch.nn.ModuleList of DenseAutoencoder
        One one-layer autoencoder per level, bottom first.
    head : torch.nn.Linear or None
        The supervised head on the top codes (``task`` set).
    linear : torch.nn.Linear or None
        The linear path from the input to the outputs (``linear_path`` set).

    Raises
    ------
    ValueError
        A config that :meth:`StackedConfig.validate` refuses.

    Examples
    --------
    %(stack_model)s
    >>> stack(torch.zeros(5, 6)).shape, stack.predict_head(torch.zeros(5, 6)).shape
    (torch.Size([5, 6]), torch.Size([5, 3]))
    """

    family = "stacked"
    config_class = StackedConfig

    def __init__(self, config: StackedConfig):
        super().__init__(config)
        self.layers = nn.ModuleList(DenseAutoencoder(c) for c in config.layer_configs())
        self.head = nn.Linear(config.latent_dim, config.n_outputs) if config.task else None
        self.linear = nn.Linear(config.input_dim, config.n_outputs) if config.linear_path else None

    @torch.no_grad()
    def init_linear_path(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """Start as a linear model: the linear path set to ``weight`` and ``bias``, the head at zero.

        The network's outputs are then exactly ``x @ weight.T + bias`` (e.g. a
        logistic regression's logits), whatever the stack's codes; training
        moves the head off zero only where the codes lower the loss.

        Parameters
        ----------
        weight : torch.Tensor of shape (n_outputs, input_dim)
        bias : torch.Tensor of shape (n_outputs,)

        Raises
        ------
        RuntimeError
            The stack has no linear path (``linear_path=False``).
        ValueError
            ``weight`` or ``bias`` of another shape.

        Examples
        --------
        >>> import torch
        >>> from aekit.models import AutoencoderStack, StackedConfig
        >>> layers = ({"input_dim": 6, "latent_dim": 4, "hidden": ()},)
        >>> stack = AutoencoderStack(StackedConfig(input_dim=6, layers=layers, task="classify", n_outputs=3,
        ...                                        linear_path=True))
        >>> weight, bias = torch.randn(3, 6), torch.randn(3)
        >>> stack.init_linear_path(weight, bias)
        >>> x = torch.randn(5, 6)
        >>> torch.allclose(stack.predict_head(x), x @ weight.T + bias)
        True
        """
        if self.linear is None:
            raise RuntimeError("this stack has no linear path (linear_path=False)")
        if tuple(weight.shape) != tuple(self.linear.weight.shape) or tuple(bias.shape) != tuple(self.linear.bias.shape):
            raise ValueError(f"the linear path takes a weight of shape {tuple(self.linear.weight.shape)} and a bias "
                             f"of shape {tuple(self.linear.bias.shape)}, got {tuple(weight.shape)} and "
                             f"{tuple(bias.shape)}")
        self.linear.weight.copy_(weight)
        self.linear.bias.copy_(bias)
        self.head.weight.zero_()
        self.head.bias.zero_()

    def encode(self, x: torch.Tensor, depth: int | None = None) -> torch.Tensor:
        """Codes of the first ``depth`` layers (all of them by default), each
        dropped out with probability ``dropout`` in training mode.

        Parameters
        ----------
        %(x_batch)s
        depth : int or None
            How many layers (None: all).

        Returns
        -------
        torch.Tensor of shape (batch, latent_dim of layer ``depth``)

        Examples
        --------
        %(stack_model)s
        >>> stack.encode(torch.zeros(5, 6), depth=1).shape, stack.encode(torch.zeros(5, 6)).shape
        (torch.Size([5, 4]), torch.Size([5, 2]))
        """
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
        """Logits (classification) or predictions in scaled units (regression).

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch, n_outputs)

        Raises
        ------
        RuntimeError
            The stack has no head (``task=None``).

        Examples
        --------
        %(stack_model)s
        >>> stack.predict_head(torch.zeros(5, 6)).shape
        torch.Size([5, 3])
        """
        if self.head is None:
            raise RuntimeError("this stack has no supervised head (task=None)")
        out = self.head(self.encode(x))
        return out if self.linear is None else out + self.linear(x)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        if isinstance(batch, (tuple, list)) and len(batch) == 2:
            return self.supervised_loss(*batch)
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        kind = self.layers[0].config.reconstruction_loss
        return {"loss": reconstruction_loss(self(x), x, kind).mean()}

    def supervised_loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """The fine-tuning loss: cross-entropy of the classes, or MSE of the (scaled) targets.

        Parameters
        ----------
        %(x_batch)s
        y : torch.Tensor of shape (batch,) or (batch, n_outputs)
            Class indices, or targets.

        Returns
        -------
        dict of str to torch.Tensor
            ``"loss"``.

        Examples
        --------
        %(stack_model)s
        >>> loss = stack.supervised_loss(torch.zeros(4, 6), torch.tensor([0, 1, 2, 0]))["loss"]
        >>> bool(abs(float(loss) - float(torch.log(torch.tensor(3.0)))) < 0.5)   # near log(3) untrained
        True
        """
        out = self.predict_head(x)
        if self.config.task == "classify":
            return {"loss": F.cross_entropy(out, y.long())}
        return {"loss": F.mse_loss(out, y.reshape(out.shape))}
