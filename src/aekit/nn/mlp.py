"""Multi-layer perceptron encoder and decoders (plain and weight-tied)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aekit.nn.layers import TiedLinear, make_activation
from aekit._docs import fill_doc


@fill_doc
class MLPEncoder(nn.Module):
    """``input_dim -> hidden[0] -> ... -> latent_dim``.

    Hidden layers use ``activation``; the code layer uses
    ``latent_activation`` (identity for a linear code).

    Parameters
    ----------
    input_dim : int
        Input features.
    hidden : sequence of int
        Hidden layer sizes.
    latent_dim : int
        Code size.
    %(activation)s
    latent_activation : str, default="identity"
        The code layer's activation.

    Attributes
    ----------
    linears : torch.nn.ModuleList
        The linear layers, input first.
    activations : torch.nn.ModuleList
        One activation per linear layer.

    Raises
    ------
    %(bad_activation)s

    Examples
    --------
    >>> import torch
    >>> from aekit.nn import MLPEncoder
    >>> MLPEncoder(64, (32,), 8)(torch.zeros(5, 64)).shape
    torch.Size([5, 8])
    """

    def __init__(self, input_dim: int, hidden: Sequence[int], latent_dim: int,
                 activation: str = "relu", latent_activation: str = "identity"):
        super().__init__()
        sizes = [input_dim, *hidden, latent_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activations = nn.ModuleList(
            make_activation(activation if i < len(hidden) else latent_activation)
            for i in range(len(self.linears))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, input_dim)
            A batch.

        Returns
        -------
        torch.Tensor
            Shape (batch, latent_dim).

        Examples
        --------
        >>> import torch
        >>> encoder = MLPEncoder(4, (8,), 2, latent_activation="sigmoid")
        >>> codes = encoder(torch.randn(3, 4))
        >>> codes.shape, bool(((codes > 0) & (codes < 1)).all())
        (torch.Size([3, 2]), True)
        """
        for linear, act in zip(self.linears, self.activations):
            x = act(linear(x))
        return x


@fill_doc
class MLPDecoder(nn.Module):
    """``latent_dim -> hidden[::-1] -> output_dim`` with its own weights.

    Parameters
    ----------
    latent_dim : int
        Code size.
    hidden : sequence of int
        The encoder's hidden sizes (used in reverse).
    output_dim : int
        Output features.
    %(activation)s
    output_activation : str, default="identity"
        The output layer's activation (e.g. "sigmoid" for data in [0, 1]).

    Attributes
    ----------
    net : torch.nn.Sequential
        The layers and activations.

    Raises
    ------
    %(bad_activation)s

    Examples
    --------
    >>> import torch
    >>> from aekit.nn import MLPDecoder
    >>> MLPDecoder(8, (32,), 64, output_activation="sigmoid")(torch.zeros(5, 8)).shape
    torch.Size([5, 64])
    """

    def __init__(self, latent_dim: int, hidden: Sequence[int], output_dim: int,
                 activation: str = "relu", output_activation: str = "identity"):
        super().__init__()
        sizes = [latent_dim, *reversed(list(hidden)), output_dim]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            is_last = i == len(sizes) - 2
            layers += [nn.Linear(a, b), make_activation(output_activation if is_last else activation)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Apply the layers.

        Parameters
        ----------
        %(decoder_forward)s

        Returns
        -------
        torch.Tensor
            Shape (batch, output_dim).

        Examples
        --------
        >>> import torch
        >>> decoder = MLPDecoder(2, (8,), 4, output_activation="sigmoid")
        >>> rows = decoder(torch.randn(3, 2))
        >>> rows.shape, bool(((rows > 0) & (rows < 1)).all())
        (torch.Size([3, 4]), True)
        """
        return self.net(z)


@fill_doc
class TiedMLPDecoder(nn.Module):
    """The mirror of an :class:`MLPEncoder` that reuses its weights, transposed.

    Only biases are new parameters, so tying removes every decoder weight
    matrix from the parameter count.

    Parameters
    ----------
    encoder : MLPEncoder
        The encoder whose weights are shared.
    %(activation)s
    output_activation : str, default="identity"
        The output layer's activation.

    Attributes
    ----------
    linears : torch.nn.ModuleList of TiedLinear
        The tied layers, code first.
    activations : torch.nn.ModuleList
        One activation per layer.

    Raises
    ------
    %(bad_activation)s

    Examples
    --------
    >>> import torch
    >>> from aekit.nn import MLPEncoder, TiedMLPDecoder
    >>> encoder = MLPEncoder(64, (32,), 8)
    >>> decoder = TiedMLPDecoder(encoder)
    >>> decoder(encoder(torch.zeros(5, 64))).shape, sum(p.numel() for p in decoder.parameters())
    (torch.Size([5, 64]), 96)
    """

    def __init__(self, encoder: MLPEncoder, activation: str = "relu",
                 output_activation: str = "identity"):
        super().__init__()
        self.linears = nn.ModuleList(TiedLinear(layer) for layer in reversed(encoder.linears))
        n = len(self.linears)
        self.activations = nn.ModuleList(
            make_activation(output_activation if i == n - 1 else activation) for i in range(n)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Apply the layers.

        Parameters
        ----------
        %(decoder_forward)s

        Returns
        -------
        torch.Tensor
            Shape (batch, input_dim of the encoder).

        Examples
        --------
        >>> import torch
        >>> encoder = MLPEncoder(4, (8,), 2)
        >>> decoder = TiedMLPDecoder(encoder)
        >>> decoder(torch.zeros(3, 2)).shape, decoder.linears[-1].source[0] is encoder.linears[0]
        (torch.Size([3, 4]), True)
        """
        for linear, act in zip(self.linears, self.activations):
            z = act(linear(z))
        return z
