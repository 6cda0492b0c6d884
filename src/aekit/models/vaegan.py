"""The VAE-GAN (Larsen et al. 2016), and the plain GAN with the same networks.

A VAE whose decoder is also the generator of a GAN. A discriminator on the
data tells real rows from reconstructions and from decoded prior samples;
its last hidden layer Dis_l gives the reconstruction loss, "learned
similarity": ``0.5 * ||Dis_l(x~) - Dis_l(x)||^2`` per sample (a unit-variance
Gaussian on those features, in nats) besides the pixel likelihood, weighted
by ``pixel_weight`` (0: features only, as in the paper; the default 1 keeps the
VAE's pixel term, which trains faster and steadier on small budgets). Each batch goes through three phases, each
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
    """

    discriminator_hidden: tuple[int, ...] = (256, 256)
    discriminator_channels: tuple[int, ...] = (32, 64)
    gamma: float = 1.0
    pixel_weight: float = 1.0

    def validate(self) -> None:
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
    """A dense or conv VAE whose decoder is also a GAN's generator (see the module docstring)."""

    family = "vae-gan"
    config_class = VAEGANConfig
    phases = ("encoder", "decoder", "discriminator")
    phase_adam_betas = {"encoder": (0.5, 0.999), "decoder": (0.5, 0.999), "discriminator": (0.5, 0.999)}

    def __init__(self, config: VAEGANConfig):
        super().__init__(config)
        self.discriminator = ImageDiscriminator(config)

    def parameters_of(self, phase: str) -> list[nn.Parameter]:
        if phase == "encoder":
            return [*self.encoder.parameters(), *self.posterior.parameters()]
        if phase in ("decoder", "generator"):
            return [*self.decoder.parameters(), *self.likelihood.parameters()]
        if phase == "discriminator":
            return list(self.discriminator.parameters())
        raise ValueError(f"unknown phase {phase!r}; expected one of {self.phases}")

    def generate(self, n: int, device: torch.device) -> torch.Tensor:
        """Decoded prior samples (the generator's output), with gradients."""
        z = torch.randn((n, self.config.latent_dim), device=device)
        return self.likelihood.mean(self.decoder_params(z))

    def reconstruct_params(self, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(posterior mean, log-variance, likelihood parameters of x~ decoded from one z ~ q(z | x))."""
        mean, log_var = self.posterior_params(batch)
        return mean, log_var, self.decoder_params(reparameterize(mean, log_var), batch)

    def phase_loss(self, phase: str, batch) -> dict[str, torch.Tensor]:
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
    benchmark; ``loss`` (what validation watches) is the generator's loss."""

    family = "gan"
    phases = ("generator", "discriminator")
    phase_adam_betas = {"generator": (0.5, 0.999), "discriminator": (0.5, 0.999)}

    def __init__(self, config: VAEGANConfig):
        super().__init__(config)
        self.encoder = self.posterior = None  # a GAN has no encoder

    def phase_loss(self, phase: str, batch) -> dict[str, torch.Tensor]:
        if phase not in self.phases:
            raise ValueError(f"unknown phase {phase!r}; expected one of {self.phases}")
        x = self.data_of(batch)
        if phase == "generator":
            return {"loss": _real(self.discriminator(self.generate(len(x), x.device))[1])}
        with torch.no_grad():
            fake = self.generate(len(x), x.device)
        return {"loss": _real(self.discriminator(x)[1]) + _fake(self.discriminator(fake)[1])}

    def loss(self, batch) -> dict[str, torch.Tensor]:
        return self.phase_loss("generator", batch)
