"""What every model family shares: a config dataclass that round-trips
through JSON, and an autoencoder base with encode / decode / loss."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from aekit._docs import fill_doc


@fill_doc
@dataclasses.dataclass
class ModelConfig:
    """Base of every family's config: plain fields that round-trip through JSON.

    Attributes
    ----------
    (none)
        Each family's config adds its fields; ``to_dict`` / ``from_dict``
        store them in the model file.

    Examples
    --------
    >>> from aekit.models import AutoencoderConfig
    >>> config = AutoencoderConfig(input_dim=4, latent_dim=2)
    >>> AutoencoderConfig.from_dict(config.to_dict()) == config
    True
    """

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON types.

        Returns
        -------
        dict
            Field name -> value (tuples as tuples; JSON turns them into lists,
            which :meth:`from_dict` turns back).

        Examples
        --------
        >>> from aekit.models import AutoencoderConfig
        >>> AutoencoderConfig(input_dim=4, hidden=(8,)).to_dict()["hidden"]
        (8,)
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild a config, refusing unknown or missing fields with one clear line.

        Parameters
        ----------
        data : dict
            What :meth:`to_dict` gave (lists stand for tuples).

        Returns
        -------
        ModelConfig
            Validated.

        Raises
        ------
        ValueError
            An unknown field, or a value :meth:`validate` refuses.
        TypeError
            A required field is missing.

        Examples
        --------
        >>> from aekit.models import AutoencoderConfig
        >>> AutoencoderConfig.from_dict({"input_dim": 4, "hidden": [8]}).hidden
        (8,)
        >>> AutoencoderConfig.from_dict({"input_dim": 4, "depth": 3})
        Traceback (most recent call last):
        ValueError: AutoencoderConfig got unknown fields ['depth']; expected only [...]
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{cls.__name__} got unknown fields {unknown}; expected only {sorted(names)}")
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        config = cls(**fields)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ValueError on values that cannot make a working model.

        Raises
        ------
        ValueError
            The first field outside its range, named with its value.

        Examples
        --------
        >>> from aekit.models import AutoencoderConfig
        >>> AutoencoderConfig(input_dim=4, latent_dim=2).validate()
        >>> AutoencoderConfig(input_dim=4, latent_dim=0).validate()
        Traceback (most recent call last):
        ValueError: layer sizes must be >= 1, got input_dim=4, hidden=(256,), latent_dim=0
        """


RECONSTRUCTION_LOSSES = ("mse", "bce")


def reconstruction_loss(x_hat: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-sample reconstruction loss (mean over features), shape (n,)."""
    if kind == "mse":
        return F.mse_loss(x_hat, x, reduction="none").mean(dim=1)
    if kind == "bce":
        return F.binary_cross_entropy(x_hat.clamp(1e-6, 1 - 1e-6), x, reduction="none").mean(dim=1)
    raise ValueError(f"unknown reconstruction loss {kind!r}; expected one of {RECONSTRUCTION_LOSSES}")


@fill_doc
class BaseAutoencoder(nn.Module):
    """An encoder, a decoder and a ``loss(batch)`` that returns named terms.

    Subclasses set ``family`` and ``config_class`` and build ``encoder`` and
    ``decoder``; ``loss`` must return a dict whose ``"loss"`` entry is what
    training minimises (other entries are logged).

    Parameters
    ----------
    config : ModelConfig
        The family's config (validated here).

    Attributes
    ----------
    config : ModelConfig
        As given.
    family : str
        The family's name in model files (a key of ``aekit.models.MODEL_FAMILIES``).
    config_class : type
        The family's config class.

    Raises
    ------
    ValueError
        A config :meth:`ModelConfig.validate` refuses.

    Examples
    --------
    %(dense_model)s
    >>> model.family, model(torch.zeros(3, 4)).shape
    ('autoencoder', torch.Size([3, 4]))
    """

    family: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]

    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        self.config = config

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The codes of a batch.

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch, latent_dim)

        Examples
        --------
        %(dense_model)s
        >>> model.encode(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
        """
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstructions (or generated rows) of a batch of codes.

        Parameters
        ----------
        %(z_batch)s

        Returns
        -------
        torch.Tensor of shape (batch, input_dim)

        Examples
        --------
        %(dense_model)s
        >>> model.decode(torch.zeros(3, 2)).shape
        torch.Size([3, 4])
        """
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``decode(encode(x))``: the reconstruction.

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch, input_dim)

        Examples
        --------
        %(dense_model)s
        >>> x = torch.randn(3, 4)
        >>> torch.equal(model(x), model.decode(model.encode(x)))
        True
        """
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training loss of a batch, with its named terms.

        Parameters
        ----------
        x : torch.Tensor or tuple of tensors
            A batch as the family's training data gives it (rows; or rows and
            labels, masks, ...).

        Returns
        -------
        dict of str to torch.Tensor
            ``"loss"`` (what training minimises) and the terms it sums,
            logged per epoch.

        Raises
        ------
        NotImplementedError
            On the base class: each family defines its loss.

        Examples
        --------
        %(dense_model)s
        >>> terms = model.loss(torch.randn(8, 4))
        >>> sorted(terms), bool(terms["loss"] > 0)
        (['loss', 'reconstruction'], True)
        """
        raise NotImplementedError

    def validation_loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The loss early stopping watches on held-out rows: by default :meth:`loss` in eval mode.
        Training draws the same random numbers for it every epoch (fixed seeds), so the curve moves
        only with the weights.

        %(validation_loss)s

        Examples
        --------
        %(dense_model)s
        >>> torch.equal(model.eval().validation_loss(torch.ones(2, 4))["loss"], model.loss(torch.ones(2, 4))["loss"])
        True
        """
        return self.loss(x)

    def set_epoch(self, epoch: int) -> None:
        """Called by training at the start of each epoch (0-based); schedules
        such as a VAE's KL warm-up use it. Most families ignore it.

        Parameters
        ----------
        epoch : int
            The epoch about to start.

        Examples
        --------
        >>> from aekit.models import VAEConfig, VAEModel
        >>> vae = VAEModel(VAEConfig(input_dim=4, latent_dim=2, hidden=(8,), warmup_epochs=4))
        >>> vae.set_epoch(1); vae.kl_weight()   # beta ramps up over the warm-up epochs
        0.5
        """

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample mean squared error of the (uncorrupted) reconstruction.

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch,)

        Examples
        --------
        %(dense_model)s
        >>> x = torch.randn(3, 4)
        >>> torch.allclose(model.reconstruction_error(x), ((model(x) - x) ** 2).mean(dim=1))
        True
        """
        return F.mse_loss(self(x), x, reduction="none").mean(dim=1)
