"""The VAE-GAN (Larsen et al. 2016), and the plain GAN with the same networks.

A VAE whose decoder is also the generator of a GAN. A discriminator on the
data tells real rows from reconstructions and from decoded prior samples;
its last hidden layer Dis_l gives the reconstruction loss, "learned
similarity": ``0.5 * ||Dis_l(x~) - Dis_l(x)||^2`` per sample (a unit-variance
Gaussian on those features, in nats) besides the pixel likelihood, weighted
by ``pixel_weight`` (0: features only, as in the paper; the default 1 keeps the
VAE's pixel term, so the negative ELBO that validation watches is what training lowers). Each batch goes through three phases, each
with its own Adam optimiser (stepped in turn by :mod:`aekit.training`, as for
the adversarial autoencoder, through ``phases``, ``parameters_of`` and
``phase_loss``):

1. encoder: ``beta * KL + L_sim (+ pixel_weight * L_pixel)``;
2. decoder: ``gamma * (L_sim + pixel_weight * L_pixel) + L_GAN``, with the
   non-saturating generator loss on reconstructions and prior samples;
3. discriminator: real rows against reconstructions and prior samples.

Validation (early stopping, the best epoch kept) watches the VAE's negative
ELBO with the pixel likelihood: the adversarial losses are not comparable
from one epoch to the next. Everything of the VAE (posterior, reparameterisation,
KL warm-up and free bits, dense and conv networks, ``sample``, ``elbo``) is
inherited from :class:`aekit.models.vae.VAEModel`.

:class:`GANModel` is the reference the VAE-GAN is measured against: the same
generator (the decoder) and discriminator, no encoder, trained with the
non-saturating loss on prior samples only.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.latent import gaussian_kl, kl_penalty, reparameterize
from aekit.models.vae import VAEConfig, VAEModel
from aekit.nn import MLPEncoder
from aekit.nn.conv import ConvFeatures


@dataclasses.dataclass(kw_only=True)
class VAEGANConfig(VAEConfig):
    """:class:`VAEConfig` plus the discriminator and the weights of the losses.

    The discriminator is dense (``discriminator_hidden`` leaky-ReLU layers)
    or, with ``architecture="conv"``, stride-2 conv blocks of
    ``discriminator_channels``; its last hidden layer is the similarity
    layer. ``gamma`` weighs the reconstruction against the GAN loss in the
    decoder's objective (Larsen et al.'s gamma); ``pixel_weight`` weighs the
    pixel likelihood added to the feature reconstruction (0: features only, as in the paper).

    Parameters
    ----------
    input_dim, latent_dim, architecture, hidden, activation, image_shape, channels, batch_norm,
    likelihood, gaussian_variance, sigma, beta, warmup_epochs, free_bits, dynamic_binarization :
        As for :class:`aekit.models.vae.VAEConfig`.
    discriminator_hidden : tuple of int, default=(256, 256)
        Dense discriminator layers (leaky ReLU); the last is the similarity layer.
    discriminator_channels : tuple of int, default=(32, 64)
        Conv discriminator blocks (architecture="conv").
    gamma : float, default=1.0
        Weight of the reconstruction against the GAN loss in the decoder's objective.
    pixel_weight : float, default=1.0
        Weight of the pixel likelihood in the reconstruction (0: features only).

    Examples
    --------
    >>> from aekit.models.vaegan import VAEGANConfig
    >>> VAEGANConfig(input_dim=64, latent_dim=4, discriminator_hidden=(32,)).to_dict()["gamma"]
    1.0
    """

    discriminator_hidden: tuple[int, ...] = (256, 256)
    discriminator_channels: tuple[int, ...] = (32, 64)
    gamma: float = 1.0
    pixel_weight: float = 1.0

    def validate(self) -> None:
        """Raise on settings that cannot make a working model.

        Raises
        ------
        ValueError
            Any VAE setting out of range (see :class:`VAEConfig`), an empty or
            non-positive discriminator size, or a negative or NaN ``gamma`` / ``pixel_weight``.

        Examples
        --------
        >>> from aekit.models.vaegan import VAEGANConfig
        >>> VAEGANConfig(input_dim=64, gamma=-1.0).validate()
        Traceback (most recent call last):
        ...
        ValueError: gamma must be >= 0, got -1.0
        """
        super().validate()
        if not self.discriminator_hidden or any(h < 1 for h in self.discriminator_hidden):
            raise ValueError(f"discriminator_hidden must be one or more sizes >= 1, got {self.discriminator_hidden}")
        if not self.discriminator_channels or any(c < 1 for c in self.discriminator_channels):
            raise ValueError("discriminator_channels must be one or more sizes >= 1, "
                             f"got {self.discriminator_channels}")
        for name in ("gamma", "pixel_weight"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


class ImageDiscriminator(nn.Module):
    """Rows -> (features of the last hidden layer, logit that the row is real)."""

    def __init__(self, c: VAEGANConfig):
        super().__init__()
        if c.architecture == "conv":
            self.features = ConvFeatures(c.image_shape, c.discriminator_channels, "leaky_relu")
            n_features = self.features.out_features
        else:
            hidden = c.discriminator_hidden
            self.features = MLPEncoder(c.input_dim, hidden[:-1], hidden[-1], "leaky_relu", "leaky_relu")
            n_features = hidden[-1]
        self.head = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return h, self.head(h).squeeze(1)


def _real(logits: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def _fake(logits: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))


class VAEGANModel(VAEModel):
    """A dense or conv VAE whose decoder is also a GAN's generator (see the module docstring).

    Parameters
    ----------
    config : VAEGANConfig
        The networks and the weights of the losses.

    Attributes
    ----------
    encoder, posterior, decoder, likelihood : torch.nn.Module
        The VAE's (see :class:`aekit.models.vae.VAEModel`).
    discriminator : ImageDiscriminator
        Rows -> (similarity-layer features, logit that the row is real).
    phases : tuple of str
        ``("encoder", "decoder", "discriminator")``: one optimiser each, stepped in turn.

    Examples
    --------
    >>> import torch
    >>> from aekit.models.vaegan import VAEGANConfig, VAEGANModel
    >>> model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
    >>> x = torch.rand(8, 64)
    >>> sorted(model.phase_loss("encoder", x)), model.sample(3).shape
    (['kl', 'loss', 'pixel', 'similarity'], torch.Size([3, 64]))
    """

    family = "vae-gan"
    config_class = VAEGANConfig
    phases = ("encoder", "decoder", "discriminator")
    phase_adam_betas = {"encoder": (0.5, 0.999), "decoder": (0.5, 0.999), "discriminator": (0.5, 0.999)}

    def __init__(self, config: VAEGANConfig):
        super().__init__(config)
        self.discriminator = ImageDiscriminator(config)

    def parameters_of(self, phase: str) -> list[nn.Parameter]:
        """The parameters phase ``phase``'s optimiser steps.

        Parameters
        ----------
        phase : str
            "encoder" (encoder and posterior head), "decoder" or "generator"
            (decoder and likelihood), or "discriminator".

        Returns
        -------
        list of torch.nn.Parameter

        Raises
        ------
        ValueError
            An unknown phase.

        Examples
        --------
        >>> from aekit.models.vaegan import VAEGANConfig, VAEGANModel
        >>> model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> len(model.parameters_of("discriminator"))   # two linear layers: weights and biases
        4
        """
        if phase == "encoder":
            return [*self.encoder.parameters(), *self.posterior.parameters()]
        if phase in ("decoder", "generator"):
            return [*self.decoder.parameters(), *self.likelihood.parameters()]
        if phase == "discriminator":
            return list(self.discriminator.parameters())
        raise ValueError(f"unknown phase {phase!r}; expected one of {self.phases}")

    def generate(self, n: int, device: torch.device) -> torch.Tensor:
        """Decoded prior samples (the generator's output), with gradients.

        Parameters
        ----------
        n : int
            How many.
        device : torch.device
            Where to draw them.

        Returns
        -------
        torch.Tensor of shape (n, input_dim)
            The likelihood's means (probabilities for Bernoulli) at z ~ N(0, I).

        Examples
        --------
        >>> import torch
        >>> from aekit.models.vaegan import VAEGANConfig, VAEGANModel
        >>> model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> model.generate(5, torch.device("cpu")).requires_grad
        True
        """
        z = torch.randn((n, self.config.latent_dim), device=device)
        return self.likelihood.mean(self.decoder_params(z))

    def reconstruct_params(self, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The posterior of ``batch`` and a reconstruction decoded from one draw of it.

        Parameters
        ----------
        batch : torch.Tensor or tuple of tensors
            Rows x (or a tuple whose first tensor is x).

        Returns
        -------
        tuple of torch.Tensor
            (posterior mean, log-variance, likelihood parameters of x~ decoded from one z ~ q(z | x)).

        Examples
        --------
        >>> import torch
        >>> from aekit.models.vaegan import VAEGANConfig, VAEGANModel
        >>> model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> [t.shape[1] for t in model.reconstruct_params(torch.rand(2, 64))]
        [4, 4, 64]
        """
        mean, log_var = self.posterior_params(batch)
        return mean, log_var, self.decoder_params(reparameterize(mean, log_var), batch)

    def phase_loss(self, phase: str, batch) -> dict[str, torch.Tensor]:
        """The loss phase ``phase`` minimises on ``batch`` (see the module docstring).

        Parameters
        ----------
        phase : str
            One of ``phases``.
        batch : torch.Tensor or tuple of tensors
            Rows x (or a tuple whose first tensor is x).

        Returns
        -------
        dict of str to torch.Tensor
            ``"loss"`` (what the phase's optimiser minimises) and the terms
            logged beside it (``similarity``, ``pixel``, ``kl``, ``adversarial``).

        Raises
        ------
        ValueError
            A phase this model does not have.

        Examples
        --------
        >>> import torch
        >>> from aekit.models.vaegan import VAEGANConfig, VAEGANModel
        >>> model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> bool(model.phase_loss("discriminator", torch.rand(8, 64))["loss"] > 0)
        True
        """
        if phase not in self.phases:
            raise ValueError(f"unknown phase {phase!r}; expected one of {self.phases}")
        x = self.data_of(batch)
        if phase == "discriminator":
            with torch.no_grad():
                reconstruction = self.likelihood.mean(self.reconstruct_params(batch)[2])
                fake = self.generate(len(x), x.device)
            logits = [self.discriminator(rows)[1] for rows in (x, reconstruction, fake)]
            return {"loss": _real(logits[0]) + _fake(logits[1]) + _fake(logits[2])}
        mean, log_var, params = self.reconstruct_params(batch)
        real_features, _ = self.discriminator(x)
        features, reconstruction_logit = self.discriminator(self.likelihood.mean(params))
        similarity = 0.5 * (features - real_features.detach()).pow(2).sum(dim=1)
        terms = {"similarity": similarity.mean()}
        if self.config.pixel_weight > 0:
            pixel = -self.log_px(params, batch)
            similarity = similarity + self.config.pixel_weight * pixel
            terms["pixel"] = pixel.mean()
        if phase == "encoder":
            kl = gaussian_kl(mean, log_var)
            penalty = kl_penalty(kl, self.config.free_bits if self.training else 0.0)
            return {"loss": (similarity + self.kl_weight() * penalty).mean(), "kl": kl.sum(dim=1).mean(), **terms}
        adversarial = _real(reconstruction_logit) + _real(self.discriminator(self.generate(len(x), x.device))[1])
        return {"loss": self.config.gamma * similarity.mean() + adversarial, "adversarial": adversarial, **terms}


class GANModel(VAEGANModel):
    """The plain GAN (Goodfellow et al. 2014, non-saturating loss) with the VAE-GAN's
    generator and discriminator: no encoder, prior samples only. A reference for the
    benchmark; ``loss`` (what validation watches) is the generator's loss.

    Parameters
    ----------
    config : VAEGANConfig
        As for the VAE-GAN (the encoder settings are unused; ``gamma`` and ``pixel_weight`` too).

    Attributes
    ----------
    decoder, likelihood, discriminator : torch.nn.Module
        The generator and the discriminator, built as the VAE-GAN's.
    phases : tuple of str
        ``("generator", "discriminator")``.

    Examples
    --------
    >>> import torch
    >>> from aekit.models.vaegan import GANModel, VAEGANConfig
    >>> gan = GANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
    >>> gan.encoder is None, gan.sample(2).shape
    (True, torch.Size([2, 64]))
    """

    family = "gan"
    phases = ("generator", "discriminator")
    phase_adam_betas = {"generator": (0.5, 0.999), "discriminator": (0.5, 0.999)}

    def __init__(self, config: VAEGANConfig):
        super().__init__(config)
        self.encoder = self.posterior = None  # a GAN has no encoder

    def phase_loss(self, phase: str, batch) -> dict[str, torch.Tensor]:
        """The non-saturating GAN losses: the generator's, or the discriminator's.

        Parameters
        ----------
        phase : {"generator", "discriminator"}
        batch : torch.Tensor or tuple of tensors
            Real rows x (the generator's loss uses only their count).

        Returns
        -------
        dict of str to torch.Tensor
            ``{"loss": ...}``.

        Raises
        ------
        ValueError
            Another phase.

        Examples
        --------
        >>> import torch
        >>> from aekit.models.vaegan import GANModel, VAEGANConfig
        >>> gan = GANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> bool(gan.phase_loss("generator", torch.rand(8, 64))["loss"] > 0)
        True
        """
        if phase not in self.phases:
            raise ValueError(f"unknown phase {phase!r}; expected one of {self.phases}")
        x = self.data_of(batch)
        if phase == "generator":
            return {"loss": _real(self.discriminator(self.generate(len(x), x.device))[1])}
        with torch.no_grad():
            fake = self.generate(len(x), x.device)
        return {"loss": _real(self.discriminator(x)[1]) + _fake(self.discriminator(fake)[1])}

    def loss(self, batch) -> dict[str, torch.Tensor]:
        """The generator's loss: what validation watches (a GAN has no likelihood to watch).

        Parameters
        ----------
        batch : torch.Tensor or tuple of tensors
            Real rows (only their count is used).

        Returns
        -------
        dict of str to torch.Tensor
            ``{"loss": ...}``.

        Examples
        --------
        >>> import torch
        >>> from aekit.models.vaegan import GANModel, VAEGANConfig
        >>> gan = GANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(32,), discriminator_hidden=(32,)))
        >>> list(gan.loss(torch.rand(4, 64)))
        ['loss']
        """
        return self.phase_loss("generator", batch)
