"""Convolutional encoder and decoder for images of any size and channel count.

Both take and give *flat* rows (n, C*H*W), as every aekit model does, and
view them as (n, C, H, W) inside. Each encoder block is a 3x3 convolution
with stride 2 and padding 1, so a side of H becomes ceil(H / 2) (28 -> 14 ->
7, 8 -> 4 -> 2); the decoder mirrors it with transposed convolutions whose
``output_padding`` restores each side exactly, odd sizes included.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aekit.nn.layers import make_activation

ImageShape = tuple[int, int, int]  # (channels, height, width)


def downsampled_sizes(size: int, n_blocks: int) -> list[int]:
    """Side lengths after each stride-2 block: [size, ceil(size/2), ...]."""
    sizes = [size]
    for _ in range(n_blocks):
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def check_image_shape(image_shape, input_dim: int, channels) -> None:
    """A conv model needs (C, H, W) with C*H*W == input_dim and at least one block."""
    if image_shape is None or len(image_shape) != 3 or any(s < 1 for s in image_shape):
        raise ValueError(f"a convolutional model needs image_shape=(channels, height, width), got {image_shape}")
    c, h, w = image_shape
    if c * h * w != input_dim:
        raise ValueError(f"image_shape {tuple(image_shape)} has {c * h * w} values, but input_dim is {input_dim}")
    if not channels:
        raise ValueError("a convolutional model needs at least one conv block (channels=(...))")


def _block(conv: nn.Module, channels: int, activation: str, batch_norm: bool) -> list[nn.Module]:
    return [conv, *([nn.BatchNorm2d(channels)] if batch_norm else []), make_activation(activation)]


class ConvFeatures(nn.Module):
    """Flat images -> strided conv blocks -> flat features (``out_features`` of them)."""

    def __init__(self, image_shape: ImageShape, channels: Sequence[int], activation: str = "relu",
                 batch_norm: bool = False):
        super().__init__()
        self.image_shape = tuple(image_shape)
        layers: list[nn.Module] = []
        for c_in, c_out in zip([image_shape[0], *channels[:-1]], channels):
            layers += _block(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), c_out, activation, batch_norm)
        self.net = nn.Sequential(*layers)
        h = downsampled_sizes(image_shape[1], len(channels))[-1]
        w = downsampled_sizes(image_shape[2], len(channels))[-1]
        self.out_features = channels[-1] * h * w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.view(-1, *self.image_shape)).flatten(1)


class ConvEncoder(nn.Module):
    """:class:`ConvFeatures` followed by a dense bottleneck of ``latent_dim``."""

    def __init__(self, image_shape: ImageShape, channels: Sequence[int], latent_dim: int,
                 activation: str = "relu", latent_activation: str = "identity", batch_norm: bool = False):
        super().__init__()
        self.features = ConvFeatures(image_shape, channels, activation, batch_norm)
        self.code = nn.Sequential(nn.Linear(self.features.out_features, latent_dim),
                                  make_activation(latent_activation))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.code(self.features(x))


class ConvDecoder(nn.Module):
    """Code -> dense layer -> transposed conv blocks -> flat images of ``image_shape``.

    ``channels`` are the encoder's (in encoder order); the decoder walks them
    backwards and ends on the image's own channel count with ``output_activation``.
    """

    def __init__(self, latent_dim: int, image_shape: ImageShape, channels: Sequence[int],
                 activation: str = "relu", output_activation: str = "identity", batch_norm: bool = False):
        super().__init__()
        n_out, height, width = image_shape
        heights = downsampled_sizes(height, len(channels))[::-1]  # smallest first
        widths = downsampled_sizes(width, len(channels))[::-1]
        self.start_shape = (channels[-1], heights[0], widths[0])
        self.project = nn.Sequential(nn.Linear(latent_dim, channels[-1] * heights[0] * widths[0]),
                                     make_activation(activation))
        outs = [*reversed(channels[:-1]), n_out]
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(reversed(channels), outs)):
            padding = (heights[i + 1] - 2 * heights[i] + 1, widths[i + 1] - 2 * widths[i] + 1)
            up = nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=padding)
            is_last = i == len(outs) - 1
            layers += [up, make_activation(output_activation)] if is_last else _block(up, c_out, activation,
                                                                                       batch_norm)
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.project(z).view(-1, *self.start_shape)).flatten(1)
