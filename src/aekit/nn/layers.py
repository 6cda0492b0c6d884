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


def activation_slopes(activation: nn.Module, pre_activation: torch.Tensor) -> torch.Tensor:
    """The slope of an elementwise ``activation`` at every entry of ``pre_activation``,
    differentiable with respect to what ``pre_activation`` depends on (for a penalty on them).

    Parameters
    ----------
    activation : torch.nn.Module
        An elementwise activation (one of ``ACTIVATIONS``).
    pre_activation : torch.Tensor
        Its inputs.

    Returns
    -------
    torch.Tensor
        The derivative, of the shape of ``pre_activation``.

    Examples
    --------
    >>> import torch
    >>> a = torch.tensor([-1.0, 0.5, 2.0])
    >>> activation_slopes(make_activation("relu"), a).tolist()
    [0.0, 1.0, 1.0]
    >>> torch.allclose(activation_slopes(make_activation("tanh"), a), 1 - torch.tanh(a) ** 2)
    True
    """
    if isinstance(activation, nn.Identity):
        return torch.ones_like(pre_activation)
    with torch.enable_grad():  # also under no_grad (a validation loss)
        tracked = pre_activation.requires_grad
        source = pre_activation if tracked else pre_activation.detach().requires_grad_(True)
        (slopes,) = torch.autograd.grad(activation(source).sum(), source, create_graph=tracked)
    return slopes


class TiedLinear(nn.Module):
    """A linear layer that reuses another layer's weight, transposed.

    ``y = x @ W + b`` where ``W`` is ``source.weight`` (shape out x in of the
    source), so this layer maps the source's outputs back to its inputs. Only
    the bias is a parameter of its own.

    Parameters
    ----------
    source : torch.nn.Linear
        The layer whose weight is shared.

    Attributes
    ----------
    bias : torch.nn.Parameter of shape (source.in_features,)
        Starts at zero.

    Examples
    --------
    >>> import torch
    >>> source = torch.nn.Linear(4, 2)
    >>> tied = TiedLinear(source)
    >>> [name for name, _ in tied.named_parameters()]   # the weight is the source's
    ['bias']
    >>> torch.allclose(tied(torch.ones(1, 2)), torch.ones(1, 2) @ source.weight)
    True
    """

    def __init__(self, source: nn.Linear):
        super().__init__()
        self.source = [source]  # a list, so the shared weight is not registered twice
        self.bias = nn.Parameter(torch.zeros(source.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x @ W + b``, with ``W`` the source's current weight.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, source.out_features)
            What the source layer outputs.

        Returns
        -------
        torch.Tensor of shape (batch, source.in_features)

        Examples
        --------
        >>> import torch
        >>> source = torch.nn.Linear(3, 2)
        >>> TiedLinear(source)(torch.zeros(5, 2)).shape
        torch.Size([5, 3])
        """
        return F.linear(x, self.source[0].weight.t(), self.bias)
