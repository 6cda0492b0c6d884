"""The convolutional autoencoder: the dense family's objective (reconstruction,
denoising noise, sparse codes) with strided conv / transposed-conv networks
and a dense bottleneck, on images of any size and channel count.

Rows are flat (C*H*W) like every aekit model; ``image_shape`` says how to
view them. Weight tying and ``hidden`` do not apply to conv layers.
"""

from __future__ import annotations

import dataclasses

from torch import nn

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.nn.conv import ConvDecoder, ConvEncoder, check_image_shape


@dataclasses.dataclass
class ConvAutoencoderConfig(AutoencoderConfig):
    """:class:`AutoencoderConfig` plus the image and conv layout.

    ``channels`` are the output channels of the encoder's stride-2 blocks
    (each halves height and width, rounding up); ``batch_norm`` adds batch
    normalisation after each hidden conv.
    """

    hidden: tuple[int, ...] = ()
    image_shape: tuple[int, ...] | None = None
    channels: tuple[int, ...] = (32, 64)
    batch_norm: bool = False

    def validate(self) -> None:
        super().validate()
        check_image_shape(self.image_shape, self.input_dim, self.channels)
        if any(c < 1 for c in self.channels):
            raise ValueError(f"channels must be >= 1, got {self.channels}")
        if self.tied:
            raise ValueError("tied=True is not available for the convolutional autoencoder")
        if self.hidden:
            raise ValueError(f"hidden does not apply to the convolutional autoencoder, got {self.hidden}")


class ConvAutoencoderModel(DenseAutoencoder):
    """Conv encoder -> dense code -> conv decoder, trained like :class:`DenseAutoencoder`."""

    family = "conv"
    config_class = ConvAutoencoderConfig

    def build_networks(self, c: ConvAutoencoderConfig) -> tuple[nn.Module, nn.Module]:
        encoder = ConvEncoder(c.image_shape, c.channels, c.latent_dim, c.activation,
                              c.resolved_latent_activation, c.batch_norm)
        decoder = ConvDecoder(c.latent_dim, c.image_shape, c.channels, c.activation,
                              c.output_activation, c.batch_norm)
        return encoder, decoder
