"""Small layers: activations by name and the tied (transposed) linear layer."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def make_activation(name: str) -> nn.Module:
    """Return a fresh activation module for ``name``.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS`` (relu, elu, gelu, tanh, sigmoid, leaky_relu, identity, ...).

    Returns
    -------
    torch.nn.Module
        A new module (not shared between layers).

    Raises
    ------
    ValueError
        An unknown name.

    Examples
    --------
    >>> from aekit.nn import make_activation
    >>> type(make_activation("relu")).__name__
    'ReLU'
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


class TiedLinear(nn.Module):
    """A linear layer that reuses another layer's weight, transposed.

    ``y = x @ W + b`` where ``W`` is ``source.weight`` (shape out x in of the
    source), so this layer maps the source's outputs back to its inputs. Only
    the bias is a parameter of its own.
    """

    def __init__(self, source: nn.Linear):
        super().__init__()
        self.source = [source]  # a list, so the shared weight is not registered twice
        self.bias = nn.Parameter(torch.zeros(source.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.source[0].weight.t(), self.bias)
