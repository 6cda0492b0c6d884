"""The variational autoencoder (Kingma & Welling 2014) and beta-VAE
(Higgins et al. 2017), with a dense or a convolutional encoder/decoder.

Training minimises, per sample,

    -E_q[log p(x | z)] + beta * w(epoch) * KL(q(z | x) || N(0, I))

with the warm-up weight w and free bits of :mod:`aekit.models.latent`, where
all the shared VAE machinery lives. This module only builds the networks.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from aekit.models.latent import VariationalAutoencoder, VariationalConfig
from aekit.nn import ACTIVATIONS, MLPDecoder, MLPEncoder
from aekit.nn.conv import ConvDecoder, ConvFeatures, check_image_shape
from aekit._docs import fill_doc

ARCHITECTURES = ("dense", "conv")


@dataclasses.dataclass(kw_only=True)
class VAEConfig(VariationalConfig):
    """A VAE on flat rows of ``input_dim`` features.

    ``architecture="dense"``: an MLP with ``hidden`` layers (the decoder
    mirrors them). ``architecture="conv"``: stride-2 conv blocks with
    ``channels`` on images of ``image_shape`` (C, H, W), C*H*W = input_dim.
    ``dynamic_binarization`` draws x ~ Bernoulli(pixel) afresh for every
    training batch (the protocol of the MNIST likelihood papers). The latent
    variable and the objective are :class:`VariationalConfig`'s.

    Attributes
    ----------
    input_dim : int
        Width of the rows.
    architecture : {"dense", "conv"}
        The networks.
    hidden : tuple of int
        The dense encoder's layers (the decoder mirrors them).
    activation : str
        Hidden activation (a key of ``aekit.nn.ACTIVATIONS``).
    image_shape : tuple (C, H, W) or None
        The conv architecture's images.
    channels : tuple of int
        The conv blocks' output channels.
    batch_norm : bool
        Batch normalisation in the conv blocks.
    dynamic_binarization : bool
        Binarise each training batch afresh (Bernoulli likelihood only).

    Examples
    --------
    >>> VAEConfig(input_dim=64, architecture="conv", image_shape=(1, 8, 8)).validate()
    >>> VAEConfig(input_dim=4, likelihood="gaussian", dynamic_binarization=True).validate()
    Traceback (most recent call last):
    ValueError: dynamic_binarization needs likelihood='bernoulli'
    """

    input_dim: int
    architecture: str = "dense"
    hidden: tuple[int, ...] = (256,)
    activation: str = "relu"
    image_shape: tuple[int, ...] | None = None
    channels: tuple[int, ...] = (32, 64)
    batch_norm: bool = False
    dynamic_binarization: bool = False

    def validate(self) -> None:
        super().validate()
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.input_dim < 1 or any(h < 1 for h in self.hidden) or any(c < 1 for c in self.channels):
            raise ValueError(f"layer sizes must be >= 1, got input_dim={self.input_dim}, "
                             f"hidden={self.hidden}, channels={self.channels}")
        if self.dynamic_binarization and self.likelihood != "bernoulli":
            raise ValueError("dynamic_binarization needs likelihood='bernoulli'")
        if self.architecture == "conv":
            check_image_shape(self.image_shape, self.input_dim, self.channels)


def _networks(c: VAEConfig, n_conditions: int = 0) -> tuple[nn.Module, nn.Module, int]:
    """(encoder -> features, decoder -> likelihood parameters, number of features).

    ``n_conditions`` extra inputs (a conditional VAE's one-hot label) join the
    decoder's input and, for the dense encoder, its input too (the conv
    encoder takes images only: the caller joins them to its features).
    """
    z_dim = c.latent_dim + n_conditions
    if c.architecture == "conv":
        encoder = ConvFeatures(c.image_shape, c.channels, c.activation, c.batch_norm)
        decoder = ConvDecoder(z_dim, c.image_shape, c.channels, c.activation, "identity", c.batch_norm)
        return encoder, decoder, encoder.out_features
    if not c.hidden:
        return nn.Identity(), nn.Linear(z_dim, c.input_dim), c.input_dim + n_conditions
    encoder = MLPEncoder(c.input_dim + n_conditions, c.hidden[:-1], c.hidden[-1], c.activation, c.activation)
    decoder = MLPDecoder(z_dim, c.hidden, c.input_dim, c.activation, "identity")
    return encoder, decoder, c.hidden[-1]


@fill_doc
class VAEModel(VariationalAutoencoder):
    """A VAE / beta-VAE with a dense or convolutional encoder and decoder.

    Parameters
    ----------
    config : VAEConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder, posterior, likelihood : torch.nn.Module
        As in :class:`VariationalAutoencoder`.

    Raises
    ------
    ValueError
        A config that :meth:`VAEConfig.validate` refuses.

    Examples
    --------
    %(vae_model)s
    >>> vae.family, vae.sample(2).shape
    ('vae', torch.Size([2, 4]))
    """

    family = "vae"
    config_class = VAEConfig

    def __init__(self, config: VAEConfig):
        config.validate()
        encoder, decoder, n_features = _networks(config, self.n_conditions_of(config))
        super().__init__(config, encoder, decoder, encoder_dim=n_features + self.n_conditions_of(config),
                         n_outputs=config.input_dim)

    @staticmethod
    def n_conditions_of(config: VAEConfig) -> int:
        """Inputs besides x that join the encoder's features and the decoder's input (none here).

        Parameters
        ----------
        config : VAEConfig
            The settings.

        Returns
        -------
        int
            0 for the VAE; a conditional variant's number of classes.

        Examples
        --------
        >>> from aekit.models import ConditionalVAEConfig, ConditionalVAEModel
        >>> VAEModel.n_conditions_of(VAEConfig(input_dim=4))
        0
        >>> ConditionalVAEModel.n_conditions_of(ConditionalVAEConfig(input_dim=4, n_classes=3))
        3
        """
        return 0

    def loss(self, batch) -> dict[str, torch.Tensor]:
        if self.training and self.config.dynamic_binarization:
            if isinstance(batch, (tuple, list)):  # (x, condition): binarise x only
                batch = (torch.bernoulli(batch[0]), *batch[1:])
            else:
                batch = torch.bernoulli(batch)
        return super().loss(batch)
