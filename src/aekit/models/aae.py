"""The adversarial autoencoder (Makhzani et al. 2016).

A deterministic autoencoder whose codes are pushed towards a prior by a
discriminator on the code space instead of a KL term. Each batch goes through
three phases, each with its own optimiser (:mod:`aekit.training` steps them
in turn, using ``phases``, ``parameters_of`` and ``phase_loss``):

1. reconstruction: encoder and decoder minimise the reconstruction loss;
2. discriminator: learns to tell prior samples (real) from codes (fake);
3. generator: the encoder learns to make its codes pass as prior samples.

Priors: a standard Gaussian, or a mixture of Gaussians with std
``component_std`` in every dimension, whose means sit at distance
``component_radius`` from the origin: one per code axis (component k at
+radius on axis k, then -radius on the axes again) while there are at most
twice as many components as code dimensions, else evenly on a circle in the
first two code dimensions (as in the paper's 2-D figures). Axis means keep
every pair of components equally far apart in any dimension, which the
class-conditional matching learns much faster than a crowded circle. With class labels
(``n_classes > 0``) the discriminator also sees the one-hot label and the
real samples of a row come from the component of its class, so each class
fills its own component and ``sample`` can generate a chosen class.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch.nn import functional as F

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.conv import ConvAutoencoderModel
from aekit.nn import MLPEncoder
from aekit.nn.conv import check_image_shape
from aekit._docs import fill_doc

PRIORS = ("gaussian", "mixture")
ARCHITECTURES = ("dense", "conv")


@dataclasses.dataclass
class AdversarialAutoencoderConfig(AutoencoderConfig):
    """:class:`AutoencoderConfig` plus the architecture, the prior and the discriminator.

    ``n_classes`` > 0 conditions the discriminator on one-hot labels (class i
    is matched to mixture component i), so it needs ``prior="mixture"`` and
    ``n_components >= n_classes``.

    Attributes
    ----------
    architecture : {"dense", "conv"}
        The autoencoder's networks.
    image_shape, channels, batch_norm :
        The conv architecture's images and blocks (as :class:`ConvAutoencoderConfig`).
    prior : {"gaussian", "mixture"}
        The distribution the codes are pushed to.
    n_components, component_radius, component_std : int, float, float
        The mixture: its components, their distance from 0 and their std.
    n_classes : int
        One-hot labels given to the discriminator (0: none).
    discriminator_hidden : tuple of int
        The code discriminator's hidden layers.

    Examples
    --------
    >>> AdversarialAutoencoderConfig(input_dim=4, n_classes=3).validate()
    Traceback (most recent call last):
    ValueError: class labels (n_classes=3) need prior='mixture', got 'gaussian'
    """

    architecture: str = "dense"
    image_shape: tuple[int, ...] | None = None
    channels: tuple[int, ...] = (32, 64)
    batch_norm: bool = False
    prior: str = "gaussian"
    n_components: int = 10
    component_radius: float = 4.0
    component_std: float = 0.5
    n_classes: int = 0
    discriminator_hidden: tuple[int, ...] = (256, 256)

    def validate(self) -> None:
        super().validate()
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")
        if self.architecture == "conv":
            check_image_shape(self.image_shape, self.input_dim, self.channels)
            if self.tied:
                raise ValueError("tied=True is not available with architecture='conv'")
            if self.linear_path:
                raise ValueError("linear_path=True is available with architecture='dense' only")
        if self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {self.prior!r}")
        if any(h < 1 for h in self.discriminator_hidden):
            raise ValueError(f"discriminator_hidden sizes must be >= 1, got {self.discriminator_hidden}")
        if not (self.component_std > 0 and self.component_radius >= 0):
            raise ValueError(f"component_std must be > 0 and component_radius >= 0, got {self.component_std} "
                             f"and {self.component_radius}")
        if self.prior == "mixture":
            self._validate_mixture()
        elif self.n_classes:
            raise ValueError(f"class labels (n_classes={self.n_classes}) need prior='mixture', got 'gaussian'")

    def _validate_mixture(self) -> None:
        if self.latent_dim < 2:
            raise ValueError(f"the mixture prior lies in the first two code dimensions: latent_dim must be >= 2, "
                             f"got {self.latent_dim}")
        if self.n_components < 1:
            raise ValueError(f"n_components must be >= 1, got {self.n_components}")
        if self.n_classes > self.n_components:
            raise ValueError(f"the mixture prior has {self.n_components} components but the labels have "
                             f"{self.n_classes} classes; expected n_components >= {self.n_classes} "
                             "(one component per class)")


@fill_doc
class AdversarialAutoencoderModel(DenseAutoencoder):
    """A dense or conv autoencoder, a code discriminator and a prior to match.

    Training alternates three phases (``phases``), each with its own
    parameters (:meth:`parameters_of`) and loss (:meth:`phase_loss`).

    Parameters
    ----------
    config : AdversarialAutoencoderConfig
        Its settings, validated on construction.

    Attributes
    ----------
    %(model_attributes)s
    discriminator : MLPEncoder
        Code (and label) -> the logit that it came from the prior.

    Examples
    --------
    %(aae_model)s
    >>> aae.phases, aae.encode(torch.zeros(5, 4)).shape
    (('reconstruction', 'discriminator', 'generator'), torch.Size([5, 2]))
    """

    family = "aae"
    config_class = AdversarialAutoencoderConfig
    phases = ("reconstruction", "discriminator", "generator")
    # Adam's beta1 = 0.5 in the adversarial phases, as is usual for GANs: the match of
    # class-mixture codes to their components converges several times faster on digits.
    phase_adam_betas = {"discriminator": (0.5, 0.999), "generator": (0.5, 0.999)}

    def __init__(self, config: AdversarialAutoencoderConfig):
        super().__init__(config)
        self.discriminator = MLPEncoder(config.latent_dim + config.n_classes, config.discriminator_hidden, 1,
                                        "leaky_relu", "identity")

    def build_networks(self, c: AdversarialAutoencoderConfig):
        """The dense networks, or the conv ones with ``architecture="conv"``.

        Parameters
        ----------
        c : AdversarialAutoencoderConfig
            The settings.

        Returns
        -------
        encoder, decoder : torch.nn.Module

        Examples
        --------
        >>> config = AdversarialAutoencoderConfig(input_dim=64, latent_dim=2, hidden=(), architecture="conv",
        ...                                       image_shape=(1, 8, 8), channels=(4,))
        >>> [type(net).__name__ for net in AdversarialAutoencoderModel(config).build_networks(config)]
        ['ConvEncoder', 'ConvDecoder']
        """
        if c.architecture == "conv":
            return ConvAutoencoderModel.build_networks(self, c)
        return super().build_networks(c)

    # -- the prior -----------------------------------------------------------------------
    def component_means(self) -> torch.Tensor:
        """(n_components, latent_dim): +-radius on the code axes, or a circle in the first two dimensions
        when there are more than 2 * latent_dim components.

        Returns
        -------
        torch.Tensor of shape (n_components, latent_dim)

        Examples
        --------
        %(aae_model)s
        >>> aae.component_means().tolist()   # +4 on each axis, then -4
        [[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0]]
        """
        c = self.config
        means = torch.zeros(c.n_components, c.latent_dim)
        k = torch.arange(c.n_components)
        if c.n_components <= 2 * c.latent_dim:
            sign = 1.0 - 2.0 * (k // c.latent_dim).float()  # +radius on each axis, then -radius
            means[k, k % c.latent_dim] = c.component_radius * sign
            return means
        angles = 2 * math.pi * k / c.n_components
        means[:, 0], means[:, 1] = c.component_radius * torch.cos(angles), c.component_radius * torch.sin(angles)
        return means

    def sample_prior(self, n: int, components: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes from the prior; for the mixture, from ``components`` (one index per row,
        drawn uniformly when None).

        Parameters
        ----------
        n : int
            How many codes.
        components : torch.Tensor of shape (n,), optional
            The mixture component of each code.
        %(draws_generator)s

        Returns
        -------
        torch.Tensor of shape (n, latent_dim)

        Examples
        --------
        %(aae_model)s
        >>> codes = aae.sample_prior(1000, torch.full((1000,), 1), torch.Generator().manual_seed(0))
        >>> [round(v) for v in codes.mean(dim=0).tolist()]   # around component 1's mean
        [0, 4]
        """
        c = self.config
        noise = torch.randn((n, c.latent_dim), generator=generator)
        if c.prior == "gaussian":
            return noise
        if components is None:
            components = torch.randint(c.n_components, (n,), generator=generator)
        return self.component_means()[components] + c.component_std * noise

    # -- training ------------------------------------------------------------------------
    @staticmethod
    def _split(batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        return (batch[0], batch[1]) if isinstance(batch, (tuple, list)) else (batch, None)

    def discriminate(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """Logit that ``z`` came from the prior (given the label, when the model has classes).

        Parameters
        ----------
        %(z_batch)s
        labels : torch.Tensor of shape (batch, n_classes) or None
            One-hot labels (None for a model without classes).

        Returns
        -------
        torch.Tensor of shape (batch,)

        Examples
        --------
        %(aae_model)s
        >>> aae.discriminate(torch.zeros(4, 2), torch.eye(3)[[0, 1, 2, 0]]).shape
        torch.Size([4])
        """
        return self.discriminator(z if labels is None else torch.cat([z, labels], dim=1)).squeeze(1)

    def parameters_of(self, phase: str) -> list[torch.nn.Parameter]:
        """What a phase's optimiser moves: the autoencoder, the discriminator, or the encoder.

        Parameters
        ----------
        phase : {"reconstruction", "discriminator", "generator"}
            One of ``phases``.

        Returns
        -------
        list of torch.nn.Parameter

        Examples
        --------
        %(aae_model)s
        >>> [len(aae.parameters_of(phase)) for phase in aae.phases]   # weights and biases
        [8, 4, 4]
        """
        if phase == "reconstruction":
            return [*self.encoder.parameters(), *self.decoder.parameters(), *self.linear_path_parameters()]
        if phase == "discriminator":
            return list(self.discriminator.parameters())
        # the generator moves what makes the code: the encoder (and the linear path's encoding side)
        return [*self.encoder.parameters(), *self.linear_path_parameters()]

    def phase_loss(self, phase: str, batch) -> dict[str, torch.Tensor]:
        """The loss of one phase: reconstruction, the discriminator's (prior codes real,
        encoded ones fake), or the generator's (the encoder fooling it).

        Parameters
        ----------
        phase : {"reconstruction", "discriminator", "generator"}
            One of ``phases``.
        batch : torch.Tensor or tuple (rows, one-hot labels)
            A batch.

        Returns
        -------
        dict of str to torch.Tensor
            ``"loss"`` (and the reconstruction terms in that phase).

        Examples
        --------
        %(aae_model)s
        >>> batch = (torch.rand(6, 4), torch.eye(3)[[0, 1, 2, 0, 1, 2]])
        >>> [sorted(aae.phase_loss(phase, batch)) for phase in aae.phases]
        [['loss', 'reconstruction'], ['loss'], ['loss']]
        """
        x, labels = self._split(batch)
        if phase == "reconstruction":
            return super().loss(x)
        codes = self.encode(x)
        if phase == "discriminator":
            components = None if labels is None else labels.argmax(dim=1)
            real = self.discriminate(self.sample_prior(len(x), components).to(x.device), labels)
            fake = self.discriminate(codes.detach(), labels)
            loss = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                    + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
            return {"loss": loss}
        fooled = self.discriminate(codes, labels)
        return {"loss": F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))}

    def loss(self, batch) -> dict[str, torch.Tensor]:
        """The reconstruction phase's loss: what validation and early stopping watch.

        Parameters
        ----------
        batch : torch.Tensor or tuple (rows, one-hot labels)
            A batch.

        Returns
        -------
        dict of str to torch.Tensor
            As :meth:`phase_loss` of "reconstruction".

        Examples
        --------
        %(aae_model)s
        >>> batch = (torch.rand(6, 4), torch.eye(3)[[0, 1, 2, 0, 1, 2]])
        >>> torch.equal(aae.loss(batch)["loss"], aae.phase_loss("reconstruction", batch)["loss"])
        True
        """
        return self.phase_loss("reconstruction", batch)
