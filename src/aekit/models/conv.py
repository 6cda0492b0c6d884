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
from aekit._docs import fill_doc


@dataclasses.dataclass
class ConvAutoencoderConfig(AutoencoderConfig):
    """:class:`AutoencoderConfig` plus the image and conv layout.

    ``channels`` are the output channels of the encoder's stride-2 blocks
    (each halves height and width, rounding up); ``batch_norm`` adds batch
    normalisation after each hidden conv.

    Attributes
    ----------
    image_shape : tuple (C, H, W)
        The images' shape; ``input_dim`` must be C * H * W.
    channels : tuple of int
        Output channels of the encoder's stride-2 blocks.
    batch_norm : bool
        Batch normalisation after each hidden conv.
    hidden : tuple of int
        Must stay empty (the conv blocks take its place).

    Examples
    --------
    >>> ConvAutoencoderConfig(input_dim=64, image_shape=(1, 8, 8), latent_dim=4).channels
    (32, 64)
    >>> ConvAutoencoderConfig(input_dim=64, image_shape=(1, 8, 8), tied=True).validate()
    Traceback (most recent call last):
    ValueError: tied=True is not available for the convolutional autoencoder
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


@fill_doc
class ConvAutoencoderModel(DenseAutoencoder):
    """Conv encoder -> dense code -> conv decoder, trained like :class:`DenseAutoencoder`.

    Parameters
    ----------
    config : ConvAutoencoderConfig
        Its settings, validated on construction.

    Attributes
    ----------
    %(model_attributes)s

    Examples
    --------
    >>> import torch
    >>> model = ConvAutoencoderModel(ConvAutoencoderConfig(input_dim=64, image_shape=(1, 8, 8), latent_dim=4,
    ...                                                    channels=(4, 8)))
    >>> model.encode(torch.zeros(2, 64)).shape, model(torch.zeros(2, 64)).shape
    (torch.Size([2, 4]), torch.Size([2, 64]))
    """

    family = "conv"
    config_class = ConvAutoencoderConfig

    def build_networks(self, c: ConvAutoencoderConfig) -> tuple[nn.Module, nn.Module]:
        """A conv encoder and a transposed-conv decoder.

        Parameters
        ----------
        c : ConvAutoencoderConfig
            The settings.

        Returns
        -------
        encoder, decoder : torch.nn.Module

        Examples
        --------
        >>> config = ConvAutoencoderConfig(input_dim=64, image_shape=(1, 8, 8), latent_dim=4, channels=(4,))
        >>> [type(net).__name__ for net in ConvAutoencoderModel(config).build_networks(config)]
        ['ConvEncoder', 'ConvDecoder']
        """
        encoder = ConvEncoder(c.image_shape, c.channels, c.latent_dim, c.activation,
                              c.resolved_latent_activation, c.batch_norm)
        decoder = ConvDecoder(c.latent_dim, c.image_shape, c.channels, c.activation,
                              c.output_activation, c.batch_norm)
        return encoder, decoder
