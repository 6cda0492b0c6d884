"""Building blocks for sequence autoencoders: encoders that pool a padded
batch of series (B, T, C) to one feature vector per series, and decoders
that unroll a code back to (B, T, C).

Every block takes a boolean ``mask`` (B, T), True on real time steps, and
never lets padding reach a real step: recurrent layers run on packed
sequences, convolutions zero the padding after each layer (so a padded
series sees the same zeros as an unpadded one at its end), attention masks
padded keys, and pooling averages real steps only. Encoding a padded batch
therefore gives the same codes as encoding each series alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from aekit.nn.layers import make_activation

SEQUENCE_ENCODERS = ("lstm", "gru", "conv1d", "attention")
POSITION_DIM = 32  # sin/cos features of the time step fed to every decoder
POSITION_BASE = 1_000.0  # longest period ~6,000 steps; shorter than the Transformer's, so short series get distinct steps


def length_mask(lengths: torch.Tensor, length: int) -> torch.Tensor:
    """Boolean (B, length) mask, True where ``t < lengths[b]``."""
    return torch.arange(length, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def positional_encoding(length: int, dim: int, device=None, base: float = 10_000.0) -> torch.Tensor:
    """The Transformer's sinusoidal position features, shape (length, dim); periods from 2*pi to 2*pi*base."""
    position = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device) * (-math.log(base) / dim))
    table = torch.zeros(length, dim, device=device)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq)[:, : dim // 2]
    return table


def masked_mean(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of h (B, T, H) over the real steps of each series -> (B, H)."""
    weights = mask.unsqueeze(-1).to(h.dtype)
    return (h * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def _recurrent(kind: str, sizes: Sequence[int], n_inputs: int) -> nn.ModuleList:
    cell = {"lstm": nn.LSTM, "gru": nn.GRU}[kind]
    ins = [n_inputs, *sizes[:-1]]
    return nn.ModuleList(cell(a, b, batch_first=True) for a, b in zip(ins, sizes))


def _run_packed(layers: nn.ModuleList, x: torch.Tensor, mask: torch.Tensor, h0=None):
    """Run stacked recurrent layers on the real steps only; returns (outputs, last hidden state)."""
    lengths = mask.sum(dim=1).cpu()
    equal = bool((lengths == x.shape[1]).all())  # packing costs time and changes nothing then
    out, last = x, None
    for i, layer in enumerate(layers):
        state = h0 if i == 0 else None
        if equal:
            out, last = layer(out, state)
            continue
        packed = pack_padded_sequence(out, lengths, batch_first=True, enforce_sorted=False)
        packed_out, last = layer(packed, state)
        out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.shape[1])
    hidden = last[0] if isinstance(last, tuple) else last  # LSTM returns (h, c)
    return out, hidden[-1]


class _ConvStack(nn.Module):
    """Same-length 1-D convolutions whose padded steps are zeroed after every layer."""

    def __init__(self, n_inputs: int, sizes: Sequence[int], kernel_size: int, activation: str):
        super().__init__()
        ins = [n_inputs, *sizes[:-1]]
        self.convs = nn.ModuleList(nn.Conv1d(a, b, kernel_size, padding=kernel_size // 2)
                                   for a, b in zip(ins, sizes))
        self.activation = make_activation(activation)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(1).to(x.dtype)
        h = x.transpose(1, 2) * keep
        for conv in self.convs:
            h = self.activation(conv(h)) * keep
        return h.transpose(1, 2)


class _AttentionStack(nn.Module):
    """Transformer encoder layers (self-attention over real steps only) with position features."""

    def __init__(self, n_inputs: int, d_model: int, n_layers: int, n_heads: int):
        super().__init__()
        self.embed = nn.Linear(n_inputs, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, dim_feedforward=2 * d_model, dropout=0.0,
                                           batch_first=True)
        self.layers = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.embed(x) + positional_encoding(x.shape[1], self.embed.out_features, x.device)
        return self.layers(h, src_key_padding_mask=~mask)


class SequenceEncoder(nn.Module):
    """Series (B, T, C) -> one feature vector per series (B, feature_dim).

    ``kind``: "lstm" / "gru" (last hidden state of stacked recurrent layers
    with sizes ``hidden``), "conv1d" (same-length convolutions with
    ``hidden`` channels, averaged over time) or "attention" (a small
    Transformer encoder of width ``hidden[0]`` and ``len(hidden)`` layers,
    averaged over time).
    """

    def __init__(self, kind: str, n_channels: int, hidden: Sequence[int], kernel_size: int = 5,
                 n_heads: int = 4, activation: str = "relu"):
        super().__init__()
        self.kind = kind
        if kind in ("lstm", "gru"):
            self.body = _recurrent(kind, hidden, n_channels)
        elif kind == "conv1d":
            # position features let the time average keep where things happen
            self.body = _ConvStack(n_channels + POSITION_DIM, hidden, kernel_size, activation)
        elif kind == "attention":
            self.body = _AttentionStack(n_channels, hidden[0], len(hidden), n_heads)
        else:
            raise ValueError(f"unknown sequence encoder {kind!r}; expected one of {SEQUENCE_ENCODERS}")
        self.feature_dim = hidden[0] if kind == "attention" else hidden[-1]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.kind in ("lstm", "gru"):
            return _run_packed(self.body, x, mask)[1]
        if self.kind == "conv1d":
            n, length = mask.shape
            steps = positional_encoding(length, POSITION_DIM, x.device, POSITION_BASE)
            x = torch.cat([x, steps.expand(n, length, POSITION_DIM)], dim=-1)
        return masked_mean(self.body(x, mask), mask)


class SequenceDecoder(nn.Module):
    """A code (B, latent) -> series (B, T, C), the mirror of :class:`SequenceEncoder`.

    Every step sees the code and sinusoidal features of its position (no
    teacher forcing: the decoder never sees the series it reconstructs,
    in training or at inference). Recurrent decoders also start from a
    state computed from the code.
    """

    def __init__(self, kind: str, latent_dim: int, hidden: Sequence[int], n_channels: int,
                 kernel_size: int = 5, n_heads: int = 4, activation: str = "relu"):
        super().__init__()
        self.kind = kind
        sizes = list(reversed(list(hidden)))
        width = hidden[0] if kind == "attention" else sizes[0]
        # code and position meet in a hidden layer first, so each step's input is a nonlinear mix of both
        self.mix = nn.Sequential(nn.Linear(latent_dim + POSITION_DIM, width), make_activation(activation))
        n_inputs = width
        if kind in ("lstm", "gru"):
            self.body = _recurrent(kind, sizes, n_inputs)
            self.initial_state = nn.Linear(latent_dim, sizes[0])
        elif kind == "conv1d":
            self.body = _ConvStack(n_inputs, sizes, kernel_size, activation)
        elif kind == "attention":
            self.body = _AttentionStack(n_inputs, hidden[0], len(hidden), n_heads)
        else:
            raise ValueError(f"unknown sequence decoder {kind!r}; expected one of {SEQUENCE_ENCODERS}")
        self.out = nn.Linear(hidden[0] if kind == "attention" else sizes[-1], n_channels)

    def forward(self, z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, length = mask.shape
        steps = positional_encoding(length, POSITION_DIM, z.device, POSITION_BASE).expand(n, length, POSITION_DIM)
        inputs = self.mix(torch.cat([z.unsqueeze(1).expand(n, length, z.shape[1]), steps], dim=-1))
        if self.kind in ("lstm", "gru"):
            h0 = torch.tanh(self.initial_state(z)).unsqueeze(0)
            state = (h0, torch.zeros_like(h0)) if self.kind == "lstm" else h0
            h = _run_packed(self.body, inputs, mask, state)[0]
        else:
            h = self.body(inputs, mask)
        return self.out(h) * mask.unsqueeze(-1).to(z.dtype)
